#!/bin/bash
# Benchmark of reading mail on a 100 000-message INBOX (prints figures; not a test).
#   scripts/bench.sh [messages] [iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
operator/start.sh >/dev/null
python3 operator/seed/seed.py bench "${1:-100000}"
cargo run --release -q -p server --example bench_inbox -- "${2:-50}"
