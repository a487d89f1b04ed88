#!/bin/bash
# The release build every script uses: server and WASM, the build's files brotli/gzip-compressed
# and named by their content.
#   scripts/build.sh [cargo-leptos build options, e.g. --frontend-only]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec cargo leptos build --release --precompress "$@"
