#!/bin/bash
# Benchmark of the Annuaire santé at national scale (prints figures; not a test):
#   scripts/bench-annuaire.sh [rows] [queries]
# Generates a synthetic extraction of [rows] mailboxes (2 000 000), starts the release webmail on
# it (port 8081, fresh index folder) and reports the index build time, size and memory, then the
# suggestion latency over HTTP for [queries] realistic prefixes (1000), against a LIKE scan.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
ROWS=${1:-2000000}
QUERIES=${2:-1000}
operator/start.sh >/dev/null 2>&1
WORK=$(mktemp -d /var/tmp/bench-annuaire.XXXXXX)
FILE=/var/tmp/annuaire-bench-$ROWS.txt
if [ ! -s "$FILE" ] || [ operator/annuaire.py -nt "$FILE" ]; then
  echo "Generating $ROWS fictitious mailboxes into $FILE…"
  python3 operator/annuaire.py operator/directory.json --synthetic "$ROWS" > "$FILE.new" && mv "$FILE.new" "$FILE"
fi
python3 operator/annuaire.py operator/directory.json > "$WORK/demo-only.txt"
[ -x "$WEBMAIL_BIN" ] && [ -d "$LEPTOS_SITE_ROOT/pkg" ] || scripts/build.sh

PID=
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true; PID=; }
trap 'stop; rm -rf "$WORK"' EXIT
# start the webmail on an extraction; wait until its index is in service
start() {
  local name=$1 file=$2
  mkdir -p "$WORK/$name"
  ANNUAIRE_FILE=$file ANNUAIRE_INDEX_DIR=$WORK/$name/index SESSION_DB=$WORK/$name/sessions.db \
    SEAL_KEY_FILE=$WORK/$name/seal.key TRACE_DATABASE_URL="sqlite://$WORK/$name/traces.db?mode=rwc" \
    LEPTOS_SITE_ADDR=127.0.0.1:8081 WEBMAIL_PUBLIC_URL=http://127.0.0.1:8081 PSC_CLIENT_SECRET=webmail-secret \
    RUST_LOG=info,sqlx=warn "$WEBMAIL_BIN" > "$WORK/$name/log" 2>&1 &
  PID=$!
  PEAK=0
  for _ in $(seq 1 1200); do
    grep -q "annuaire : .* indexé en" "$WORK/$name/log" && break
    kill -0 "$PID" || { cat "$WORK/$name/log"; exit 1; }
    sleep 0.25
  done
  PEAK=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
}
rss() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }

echo "== the same webmail with the demo directory only (baseline memory)"
start baseline "$WORK/demo-only.txt"
python3 scripts/bench_annuaire.py http://127.0.0.1:8081 "$FILE" "$(ls "$WORK"/baseline/index/*.sqlite)" 10100000017 200 > /dev/null
BASE_RSS=$(rss)
stop

echo "== $ROWS mailboxes"
start national "$FILE"
grep -o "annuaire : .* indexé en .*" "$WORK/national/log"
INDEX=$(ls "$WORK"/national/index/*.sqlite)
echo "index on disk: $(du -m "$INDEX" | cut -f1) MB; server peak RSS while building: $((PEAK / 1024)) MB"
READY_RSS=$(rss)
python3 scripts/bench_annuaire.py http://127.0.0.1:8081 "$FILE" "$INDEX" 10100000017 "$QUERIES"
SERVING_RSS=$(rss)
echo
echo "server RSS: $((BASE_RSS / 1024)) MB with the demo directory; with $ROWS mailboxes $((READY_RSS / 1024)) MB once indexed,"
echo "  $((SERVING_RSS / 1024)) MB after the queries: +$(((SERVING_RSS - BASE_RSS) / 1024)) MB while serving"
