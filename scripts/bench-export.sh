#!/bin/bash
# Benchmark: export of bench2@'s INBOX over HTTP (prints figures; not a test)
#   scripts/bench-export.sh [mbox|zip]    — fill it first: python3 operator/seed/seed.py bench 100000 bench2@hopital-demo.mssante.fr
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
operator/start.sh >/dev/null
scripts/build.sh
cargo run --release -q -p server --example bench_export -- "${1:-mbox}"
