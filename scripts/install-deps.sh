#!/bin/bash
# Install what the demo and the tests need on Debian 12; each step is skipped when already done.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
CARGO_LEPTOS_VERSION=0.2.47   # the newest that builds on Rust 1.95 (see Cargo.toml: wasm-bindgen pin)
CARGO_LEPTOS_SHA256=e0fdce7fdb1dbc2dcce4918a7846c3cf97401e139c32cfdcdd1d2ff3b04d9e0f  # crates.io's checksum
CARGO_DENY_VERSION=0.20.2     # dependency audit (scripts/audit.sh)

packages=(dovecot-imapd dovecot-lmtpd dovecot-sieve dovecot-managesieved postfix postgresql haproxy chromium
          openssl python3 nodejs npm ca-certificates curl brotli)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm may come from elsewhere than Debian (nodesource, the machine image): keep them
command -v node >/dev/null && missing=("${missing[@]/nodejs}") && missing=("${missing[@]/npm}")
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  # the test operator runs its own Dovecot and Postfix: keep the system ones unconfigured and stopped
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  $SUDO rm -f /usr/sbin/policy-rc.d
  trap - EXIT
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "Node.js >= 20 est requis (trouvé $(node --version))"; exit 1; }

if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
  echo "==> rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
# the WASM's build rebuilds the standard library for size from its source (scripts/build.sh)
if ! rustup component list --installed | grep -q '^rust-src'; then
  echo "==> rustup component add rust-src"
  rustup component add rust-src
fi
# cargo-leptos embeds wasm-bindgen, whose version must be the one the front end links (Cargo.toml):
# it is built with tools/cargo-leptos/Cargo.lock, its own lock file moved to that version.
WASM_BINDGEN=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' "$ROOT/Cargo.toml")
STAMP=${CARGO_HOME:-$HOME/.cargo}/bin/.cargo-leptos-wasm-bindgen
if [ "$(cargo leptos --version 2>/dev/null)" != "cargo-leptos $CARGO_LEPTOS_VERSION" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WASM_BINDGEN" ]; then
  echo "==> cargo install cargo-leptos $CARGO_LEPTOS_VERSION with wasm-bindgen $WASM_BINDGEN (about 17 minutes on 2 cores, once)"
  src=$(mktemp -d)
  curl -fsSL "https://static.crates.io/crates/cargo-leptos/cargo-leptos-$CARGO_LEPTOS_VERSION.crate" -o "$src/crate.tar.gz"
  echo "$CARGO_LEPTOS_SHA256  $src/crate.tar.gz" | sha256sum --check --quiet
  tar -xzf "$src/crate.tar.gz" -C "$src"
  cp "$ROOT/tools/cargo-leptos/Cargo.lock" "$src/cargo-leptos-$CARGO_LEPTOS_VERSION/Cargo.lock"
  grep -A1 '^name = "wasm-bindgen-cli-support"$' "$ROOT/tools/cargo-leptos/Cargo.lock" | grep -qx "version = \"$WASM_BINDGEN\"" \
    || { echo "tools/cargo-leptos/Cargo.lock n'est pas à wasm-bindgen $WASM_BINDGEN (Cargo.toml)"; exit 1; }
  cargo install --path "$src/cargo-leptos-$CARGO_LEPTOS_VERSION" --locked --force
  echo "$WASM_BINDGEN" > "$STAMP"
  rm -rf "$src"
fi
if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
  echo "==> cargo install cargo-deny $CARGO_DENY_VERSION (about 4 minutes, once)"
  cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
fi
for dir in tools operator/psc end2end; do
  if [ ! -d "$ROOT/$dir/node_modules" ] || [ "$ROOT/$dir/package-lock.json" -nt "$ROOT/$dir/node_modules" ]; then
    echo "==> npm ci ($dir)"
    (cd "$ROOT/$dir" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
  fi
done
