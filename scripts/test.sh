#!/bin/bash
# Every test: the dependency audit and the lints, unit tests, integration tests against the real test operator (Dovecot, Postfix,
# PSC stand-in), then browser tests in Debian's Chromium against the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
# no incremental artefacts: they grow a debug target past 30 GB and buy nothing in a full run
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
scripts/install-deps.sh
T0=$(date +%s)
# demo mailboxes as seeded, plus a 1 000-message one for paging
fresh_operator() { operator/start.sh; python3 operator/seed/seed.py bench 1000; }

echo "==> dependency audit (vulnerabilities, licences, duplicates, sources)"
audit_log=$(mktemp)
if ! scripts/audit.sh >"$audit_log" 2>&1; then cat "$audit_log"; echo "==> dependency audit FAILED"; exit 1; fi
grep -E "^advisory database|^!!| ok: " "$audit_log"
echo "==> lints (clippy on the server, the server-side app and the build's finishing tool, warnings refused)"
cargo clippy -q -p app --features ssr --all-targets -- -D warnings
cargo clippy -q -p server --all-targets -- -D warnings
cargo clippy -q -p glue-names --all-targets -- -D warnings
echo "==> test operator"
fresh_operator
echo "==> unit and integration tests"
cargo test -p app --features ssr
cargo test -p server
cargo test -p glue-names
echo "==> release build (server + WASM)"
scripts/build.sh
echo "==> browser tests (fresh demo mailboxes)"
fresh_operator >/dev/null
if ! (cd end2end && npm test); then
  # what the PSC stand-in and Dovecot said meanwhile, for a failure that needs looking into
  state=${OPERATOR_STATE:-/var/tmp/mssante-operator}
  for log in psc dovecot; do echo "==> last lines of $log.log"; tail -n 30 "$state/logs/$log.log" || true; done
  echo "==> browser tests FAILED"; exit 1
fi
echo "==> all tests passed in $(( $(date +%s) - T0 )) s"
