#!/bin/bash
# Benchmark: the first load on a phone (sign-in → inbox → message, empty cache): bytes served per
# resource type, and Lighthouse scores (mobile and desktop) with Debian's Chromium. Prints figures;
# not a test. LIGHTHOUSE=0 prints the bytes only.
#   scripts/bench-first-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
operator/start.sh >/dev/null
scripts/build.sh >/dev/null 2>&1
# Lighthouse 12 (13 needs Node 22) is installed here on first use only
[ -d tools/lighthouse/node_modules/lighthouse ] || npm ci --prefix tools/lighthouse --no-audit --no-fund >/dev/null
node end2end/tools/first-load.mjs < /dev/null
