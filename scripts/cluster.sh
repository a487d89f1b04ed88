#!/bin/bash
# N webmail instances (the release build) on one PostgreSQL database, behind HAProxy on
# http://127.0.0.1:8080 (round robin, no sticky sessions), with the local test operator:
#   scripts/cluster.sh [N=3]
# Instance i listens on 127.0.0.1:810i (metrics on :910i), its log in target/cluster/i.log; one
# that dies is started again a second later, as the systemd unit's Restart= does.
# CLUSTER_DB names the PostgreSQL database (webmail_cluster). Ctrl-C stops HAProxy and every instance.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
N=${1:-3}
[ "$N" -ge 1 ] && [ "$N" -le 9 ] || { echo "de 1 à 9 instances"; exit 2; }
command -v haproxy >/dev/null || scripts/install-deps.sh
[ -x "$WEBMAIL_BIN" ] || scripts/build.sh
pgrep -x dovecot >/dev/null || operator/start.sh
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
DB=${CLUSTER_DB:-webmail_cluster}
# each user's connections (browser and IMAP) take file descriptors: as many as the host allows
ulimit -n "$(ulimit -Hn)"
"$PG_BIN/psql" -h 127.0.0.1 -p 5433 -U webmail -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
  || "$PG_BIN/createdb" -h 127.0.0.1 -p 5433 -U webmail "$DB"
DIR=target/cluster
mkdir -p "$DIR"
pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT INT TERM
# instance i, started again a second after it stops
supervise() {
  local i=$1 child=
  trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM INT
  mkdir -p "$DIR/$i"
  : > "$DIR/$i.log"
  while :; do
    # the same keys for every instance: each reads the sessions and traces the others wrote
    LEPTOS_SITE_ADDR=127.0.0.1:810$i WEBMAIL_PUBLIC_URL=http://127.0.0.1:8080 PSC_CLIENT_SECRET=webmail-secret \
      DATABASE_URL=postgres://webmail@127.0.0.1:5433/$DB SESSION_DB=$DIR/$i/sessions.db \
      SEAL_KEY_FILE=$DIR/seal.key TRACE_SIGNING_KEY_FILE=$DIR/traces-signing.key \
      ANNUAIRE_INDEX_DIR=$DIR/$i/annuaire CRL_CACHE_DIR=$DIR/$i/crl METRICS_ADDR=127.0.0.1:910$i TRUSTED_PROXIES=127.0.0.1 \
      "$WEBMAIL_BIN" >> "$DIR/$i.log" 2>&1 &
    child=$!
    wait "$child" || echo "instance $i arrêtée ($?) : relancée" >> "$DIR/$i.log"
    sleep 1
  done
}
servers=""
backups=""
for i in $(seq 1 "$N"); do
  supervise "$i" &
  pids+=($!)
  servers+="    server instance$i 127.0.0.1:810$i check\n"
  # the same instance again, used only when no instance is ready (a shared part such as PostgreSQL
  # is down): the instances then answer in French what is happening, not HAProxy's own 503
  backups+="    server instance$i-secours 127.0.0.1:810$i backup\n"
  # the first one makes the keys and migrates; the others start once it answers
  if [ "$i" = 1 ]; then
    for _ in $(seq 1 100); do curl -fs http://127.0.0.1:8101/healthz >/dev/null && break; sleep 0.2; done
  fi
done
sed -e "s/@LISTEN@/127.0.0.1:8080/" -e "s/@SERVERS@/$servers$backups/" deploy/haproxy.cfg > "$DIR/haproxy.cfg"
haproxy -db -f "$DIR/haproxy.cfg" &
pids+=($!)
echo "Messagerie MSSanté : $N instance(s) derrière HAProxy sur http://127.0.0.1:8080 (Ctrl-C arrête tout)"
wait -n "${pids[@]}"
