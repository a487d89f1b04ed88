#!/bin/bash
# Benchmark: does a message built to be slow delay everyone else? (prints figures; not a test)
#   scripts/bench-hostile.sh [seconds per phase]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
operator/start.sh >/dev/null
scripts/build.sh
cargo run --release -q -p server --example bench_hostile -- "${1:-10}"
