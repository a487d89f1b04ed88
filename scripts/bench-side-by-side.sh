#!/bin/bash
# Benchmark: the webmail next to Roundcube 1.6 (Debian's package, installed on first use) and the
# raw IMAP floor, on the test operator's Dovecot and 100 000-message INBOXes, over HTTP: warm
# (interleaved rounds), cold (after a Dovecot restart) and 10 users at once. Prints figures; not a test.
#   scripts/bench-side-by-side.sh [messages per INBOX] [rounds] [warm]   (IMAP_TRACE=1: the webmail logs its IMAP commands)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
operator/start.sh >/dev/null
for n in "" 2 3 4 5 6 7 8 9 10; do
  python3 operator/seed/seed.py bench "${1:-100000}" "bench$n@hopital-demo.mssante.fr" >/dev/null
done
scripts/roundcube.sh start
trap 'scripts/roundcube.sh stop' EXIT
scripts/build.sh >/dev/null 2>&1
cargo run --release -q -p server --example bench_side_by_side -- "${2:-30}" ${3:-}
