#!/bin/bash
# Stop the test operator (only the processes it started, found by their pid files). Idempotent.
STATE=${OPERATOR_STATE:-/var/tmp/mssante-operator}
# alive = exists and not a zombie (in containers PID 1 may reap orphans late)
alive() { [ -r /proc/$1/stat ] && [ "$(awk '{print $3}' /proc/$1/stat 2>/dev/null)" != Z ]; }
stop_pid() {
  local p; p=$(tr -d ' ' < "$1" 2>/dev/null) || return 0
  [ -n "$p" ] && alive "$p" || return 0
  kill "$p" 2>/dev/null
  for _ in $(seq 1 100); do alive "$p" || return 0; sleep 0.05; done
  kill -9 "$p" 2>/dev/null
}
stop_pid "$STATE/run/psc.pid"
stop_pid "$STATE/run/annuaire-fhir.pid"
stop_pid "$STATE/run/crl-9092.pid"
stop_pid "$STATE/run/crl-9093.pid"
# SIGTERM to Postfix's master is a fast stop ("postfix stop" is graceful and can take seconds)
stop_pid "$STATE/run/postfix-spool/pid/master.pid"
stop_pid "$STATE/run/dovecot/master.pid"
PG_DATA=$STATE/postgres/data
if [ -s "$PG_DATA/postmaster.pid" ]; then
  su postgres -s /bin/sh -c "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_ctl -D '$PG_DATA' -m fast -w stop" >/dev/null 2>&1 </dev/null
fi
exit 0
