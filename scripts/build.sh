#!/bin/bash
# The release build every script uses: server and WASM, the build's files brotli/gzip-compressed
# and named by their content; the pages loaded on demand each in their own WASM chunk (--split,
# app/src/pages/on_demand.rs).
#   scripts/build.sh [cargo-leptos build options, e.g. --frontend-only]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec cargo leptos build --release --precompress --split "$@"
