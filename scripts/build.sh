#!/bin/bash
# The release build every script uses: server and WASM, the build's files brotli/gzip-compressed
# and named by their content; the pages loaded on demand each in their own WASM chunk (--split,
# app/src/pages/on_demand.rs).
#   scripts/build.sh [--frontend-only | --server-only] [other cargo-leptos build options]
# The WASM is built alone: only its build gets RUSTC_BOOTSTRAP, for the unstable size options of
# .cargo/config.toml and Cargo.toml's lib-cargo-args (rebuilding the standard library needs the
# toolchain's rust-src component: scripts/install-deps.sh). The server's build, and the probes its
# dependencies run, see the stable compiler. The server goes first: every cargo-leptos build
# empties the site folder, which the front end's build then fills.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
front=true server=true rest=()
for arg in "$@"; do
  case $arg in
    --frontend-only) server=false ;;
    --server-only) front=false ;;
    *) rest+=("$arg") ;;
  esac
done
options=(--release --precompress --split ${rest[@]+"${rest[@]}"})
if $server; then cargo leptos build "${options[@]}" --server-only; fi
if $front || [ ! -d "$LEPTOS_SITE_ROOT/$LEPTOS_SITE_PKG_DIR" ]; then
  RUSTC_BOOTSTRAP=1 cargo leptos build "${options[@]}" --frontend-only
  # short names between the WASM and its JS glue, and the files named again by their content
  # (tools/glue-names); hash.txt, beside the server, is where the server reads the names
  cargo run -q --release -p glue-names -- "$LEPTOS_SITE_ROOT/$LEPTOS_SITE_PKG_DIR" "$CARGO_TARGET_DIR/release/hash.txt" "$LEPTOS_OUTPUT_NAME"
  # the stylesheet of the pages loaded on demand (style/pages.css, app/src/pages/page_styles.rs),
  # named by its content like the build's files; hash.txt tells the server its name
  pkg="$LEPTOS_SITE_ROOT/$LEPTOS_SITE_PKG_DIR" pages_css=$(sha256sum style/pages.css | head -c 22)
  cp style/pages.css "$pkg/$LEPTOS_OUTPUT_NAME-pages.$pages_css.css"
  gzip -9 -k -f "$pkg/$LEPTOS_OUTPUT_NAME-pages.$pages_css.css"
  echo "pages-css: $pages_css" >> "$CARGO_TARGET_DIR/release/hash.txt"
  # every file's brotli-11 copy made by Google's reference encoder (Debian's brotli): the Rust port
  # that cargo-leptos uses leaves the main WASM 1.7 KB larger
  find "$LEPTOS_SITE_ROOT" -type f -name '*.gz' -print0 | while IFS= read -r -d '' gz; do brotli -q 11 -f -o "${gz%.gz}.br" "${gz%.gz}"; done
fi
