#!/bin/bash
# Benchmark: the scale-out load run (prints figures; not a test). USERS simulated professionals
# (default 1000, each its own account and mailbox on the test operator) sign in through PSC, then
# every ~10 s do one step of a visit — a page of the inbox, a message opened, a search; one visit
# in 20 sends a message to another — for RUN_TIME (default 5m), with goose (tools/load), through
# HAProxy: first against 1 instance, then against 3 (scripts/cluster.sh), on PostgreSQL.
# During the 3-instance run, one instance is killed (SIGKILL) at FAULT_AT_S (default 90 s after
# the last sign-in) and started again, then PostgreSQL is stopped for 5 s at FAULT2_AT_S (180 s).
# Prints per operation count, errors, p50/p99; errors by fault; RSS per instance; PostgreSQL
# connections; messages accepted and delivered. Loopback only.
#   scripts/bench-load.sh            USERS=50 RUN_TIME=1m scripts/bench-load.sh (a quick look)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
USERS=${USERS:-1000}
RUN_TIME=${RUN_TIME:-5m}
RATE=${INCREASE_RATE:-10}
MESSAGES=30
ulimit -n "$(ulimit -Hn)"
command -v haproxy >/dev/null || scripts/install-deps.sh
scripts/build.sh >/dev/null 2>&1
cargo build --quiet --release --manifest-path tools/load/Cargo.toml
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
STATE=${OPERATOR_STATE:-/var/tmp/mssante-operator}
mkdir -p target/cluster
echo "Opérateur de test avec $USERS comptes de charge ($MESSAGES messages chacun)…"
LOAD_ACCOUNTS=$USERS operator/start.sh > target/cluster/operator.log 2>&1 || { tail target/cluster/operator.log; exit 1; }

psql() { "$PG_BIN/psql" -h 127.0.0.1 -p 5433 -U webmail -d postgres -tAc "$1"; }
# the process listening on port $1 (exported: the instance kill below runs it in its own shell)
pid_on() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
export -f pid_on
delivered() { doveadm -c "$STATE/etc/dovecot/dovecot.conf" search -A mailbox INBOX header Subject "Essai de charge" 2>/dev/null | wc -l; }
PG_DATA=$STATE/postgres/data
PG_STOP="su postgres -s /bin/sh -c \"'$PG_BIN/pg_ctl' -D '$PG_DATA' -m fast -w stop\" >/dev/null"
PG_START="su postgres -s /bin/sh -c \"'$PG_BIN/pg_ctl' -D '$PG_DATA' -l '$STATE/postgres/postgres.log' -w -o \\\"-p 5433 -k '$STATE/postgres' -c listen_addresses=127.0.0.1\\\" start\" >/dev/null"

run() {
  local n=$1 db=webmail_load_$1
  echo
  echo "=== $n instance(s), $USERS utilisateurs, $RUN_TIME ==="
  psql "DROP DATABASE IF EXISTS $db" >/dev/null
  psql "CREATE DATABASE $db" >/dev/null
  CLUSTER_DB=$db setsid scripts/cluster.sh "$n" > "target/cluster/bench-$n.log" 2>&1 &
  local cluster=$!
  for _ in $(seq 1 150); do curl -fs http://127.0.0.1:8080/readyz >/dev/null 2>&1 && break; sleep 0.2; done
  # the database's connections, sampled every second
  ( while :; do psql "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'" 2>/dev/null || echo 0; sleep 1; done ) > "target/cluster/pg-$n.txt" &
  local sampler=$!
  local before
  before=$(delivered)
  local faults=()
  if [ "$n" -gt 1 ]; then
    faults=(FAULT_NAME="instance 2 tuée (SIGKILL), relancée" FAULT2_NAME="PostgreSQL arrêté 5 s puis relancé"
            FAULT_AT_S="${FAULT_AT_S:-90}" FAULT_CMD="kill -9 \$(pid_on 8102)"
            FAULT2_AT_S="${FAULT2_AT_S:-180}" FAULT2_CMD="$PG_STOP; sleep 5; $PG_START")
  fi
  env "${faults[@]}" LOAD_ACCOUNTS="$USERS" LOAD_USERS="$USERS" LOAD_MESSAGES=$MESSAGES \
    "$CARGO_TARGET_DIR/release/load" --host http://127.0.0.1:8080 --users "$USERS" --increase-rate "$RATE" \
    --run-time "$RUN_TIME" --no-print-metrics --no-error-summary -q 2> "target/cluster/goose-$n.log" | tee "target/cluster/report-$n.txt"
  echo "Mémoire des instances (RSS à la fin / pic) :"
  for i in $(seq 1 "$n"); do
    local pid
    pid=$(pid_on 810$i)
    [ -n "$pid" ] && awk -v i="$i" '/VmRSS|VmHWM/ { v[$1] = $2 } END { printf "  instance %s : %.0f Mo / %.0f Mo\n", i, v["VmRSS:"] / 1024, v["VmHWM:"] / 1024 }' "/proc/$pid/status"
  done
  kill "$sampler"
  echo "Connexions PostgreSQL à la base : au plus $(sort -n "target/cluster/pg-$n.txt" | tail -1) (pools de toutes les instances)"
  sleep 5   # the last submissions reach their mailboxes
  echo "Messages remis dans les boîtes : $(( $(delivered) - before ))"
  kill -- -"$cluster" 2>/dev/null || true
  wait "$cluster" 2>/dev/null || true
  sleep 1
}

run 1
run 3
