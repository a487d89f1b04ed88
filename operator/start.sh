#!/bin/bash
# Start the local test operator: Dovecot (IMAP, LMTP, Sieve), Postfix (submission with SASL through
# Dovecot) and the Pro Santé Connect stand-in, then seed the demo mailboxes. Idempotent: a running
# instance is stopped first. Everything lives under $OPERATOR_STATE; no system-wide config is touched.
#   KEEP_DATA=1   keep the mailboxes of the previous run (no reseeding)
#   SEED=0        start with empty mailboxes
#   DEBUG=1       auth_debug/mail_debug in Dovecot
#   LOAD_ACCOUNTS=N  N more professionals charge.0001@… with 30 messages each (scripts/bench-load.sh)
# Needs root (ports 25/143/465/587/993 and Dovecot's uid switching).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${OPERATOR_STATE:-/var/tmp/mssante-operator}
export OPERATOR_STATE=$STATE
VMAIL_UID=5000

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
for b in dovecot doveadm postfix node npm openssl python3 "$PG_BIN/pg_ctl"; do
  command -v $b >/dev/null || { echo "manque : $b (scripts/install-deps.sh l'installe)"; exit 1; }
done

"$HERE/stop.sh"
rm -rf "$STATE/run" "$STATE/logs" "$STATE/etc"
[ "${KEEP_DATA:-}" = 1 ] || rm -rf "$STATE/data"
mkdir -p "$STATE"/{run/postfix-spool,run/postfix-data,logs,data/mail,etc/dovecot,etc/postfix,certs,psc}
chown $VMAIL_UID:$VMAIL_UID "$STATE/data" "$STATE/data/mail"
chown postfix "$STATE/run/postfix-data"

# 1. keys and certificates, made once and kept: a root (the IGC-Santé stand-in the webmail trusts),
#    an intermediate authority, the mail server's certificate under it, and their CRLs (operator/pki.sh)
C=$STATE/certs
"$HERE/pki.sh" init
# the second address's certificate (127.0.0.2), the one the revocation tests revoke: new at each start
"$HERE/pki.sh" revocable
[ -s "$STATE/psc/rs256.pem" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$STATE/psc/rs256.pem" 2>/dev/null
# Dovecot validates JWTs locally with the provider's public key: <prefix>/<azp>/<alg>/<kid>
K=$STATE/oauth2-keys
rm -rf "$K"; mkdir -p "$K/default/RS256"
openssl pkey -in "$STATE/psc/rs256.pem" -pubout -out "$K/default/RS256/psc-standin-rs256"
for azp in webmail webmail-expiring; do
  mkdir -p "$K/$azp/RS256"; ln -sfn ../../default/RS256/psc-standin-rs256 "$K/$azp/RS256/psc-standin-rs256"
done
[ -d "$HERE/psc/node_modules/oidc-provider" ] || (cd "$HERE/psc" && npm ci --no-audit --no-fund --loglevel=error)

# 2. render the configuration into the state directory
render() { sed "s#@STATE@#$STATE#g" "$1" > "$2"; }
render "$HERE/dovecot/dovecot.conf.in" "$STATE/etc/dovecot/dovecot.conf"
render "$HERE/dovecot/oauth2.conf.ext.in" "$STATE/etc/dovecot/oauth2.conf.ext"
cp "$HERE/dovecot/users" "$STATE/etc/dovecot/users"
# who may act for an organisational mailbox on ManageSieve: its administrators (the admin right
# in directory.json; a rights change made later through the webmail does not change this list)
python3 - "$HERE/directory.json" > "$STATE/etc/dovecot/delegations" <<'PY'
import json, sys
for org, o in json.load(open(sys.argv[1]))["organisational"].items():
    for member, rights in o["members"].items():
        if "admin" in rights.split():
            print(f"sieve/{org}*{member}:::::::nopassword=y")
PY
render "$HERE/postfix/main.cf.in" "$STATE/etc/postfix/main.cf"
render "$HERE/postfix/master.cf" "$STATE/etc/postfix/master.cf"
cp "$HERE/postfix/vmailbox" "$HERE/postfix/valias" "$HERE/postfix/sender_login" "$STATE/etc/postfix/"
# the load run's accounts, added to the PSC directory, Dovecot's users and Postfix's maps
DIRECTORY=$HERE/directory.json
if [ "${LOAD_ACCOUNTS:-0}" -gt 0 ]; then
  python3 "$HERE/load_accounts.py" "$HERE/directory.json" "$LOAD_ACCOUNTS" "$STATE"
  DIRECTORY=$STATE/psc/directory.json
fi
cp "$HERE/listeblanche.xml" "$STATE/listeblanche.xml"   # the trust space the webmail checks recipients against
if [ "${DEBUG:-}" = 1 ]; then
  printf 'auth_debug = yes\nauth_debug_passwords = no\nmail_debug = yes\n' > "$STATE/etc/dovecot/debug.conf"
fi

# 3. start the daemons (stdio detached so the script can be piped without hanging)
DC="$STATE/etc/dovecot/dovecot.conf"
doveconf -c "$DC" -n >/dev/null
dovecot -c "$DC" </dev/null >>"$STATE/logs/start.log" 2>&1
postfix -c "$STATE/etc/postfix" check </dev/null >>"$STATE/logs/start.log" 2>&1
postfix -c "$STATE/etc/postfix" start </dev/null >>"$STATE/logs/start.log" 2>&1
PSC_KEY_FILE="$STATE/psc/rs256.pem" PSC_DIRECTORY="$DIRECTORY" \
  nohup node "$HERE/psc/server.mjs" </dev/null >"$STATE/logs/psc.log" 2>&1 &
echo $! > "$STATE/run/psc.pid"

# the CRLs, over HTTP as IGC-Santé publishes them (the second address's apart: tests stop that server)
"$HERE/pki.sh" serve 9092
"$HERE/pki.sh" serve 9093

wait_port() { for _ in $(seq 1 150); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 injoignable"; return 1; }
for p in 143 993 4190 25 587 2587 465 9090; do wait_port $p; done
for _ in $(seq 1 50); do [ -S "$STATE/run/dovecot/lmtp" ] && [ -S "$STATE/run/dovecot/auth-postfix" ] && break; sleep 0.1; done

# 4. organisational mailboxes: members and their rights as IMAP ACLs (RFC 4314), from directory.json
python3 - "$HERE/directory.json" <<'PY' | while read -r org who rights; do
import json, sys
for org, o in json.load(open(sys.argv[1]))["organisational"].items():
    for member, rights in o["members"].items():
        print(org, member, rights)
PY
  doveadm -c "$DC" mailbox create -u "$org" INBOX 2>/dev/null || true
  # shellcheck disable=SC2086
  doveadm -c "$DC" acl set -u "$org" INBOX "user=$who" $rights
done

# PostgreSQL on 127.0.0.1:5433 (the scale-out store of the access traces; tests run the trace store
# against it too). Test-only: trust authentication on the loopback, data under $STATE/postgres.
PG=$STATE/postgres
mkdir -p "$PG" && chown postgres "$PG"
if [ ! -s "$PG/data/PG_VERSION" ]; then
  su postgres -s /bin/sh -c "'$PG_BIN/initdb' -D '$PG/data' -A trust -U webmail -E UTF8 --locale=C.UTF-8" >>"$STATE/logs/start.log" 2>&1
fi
su postgres -s /bin/sh -c "'$PG_BIN/pg_ctl' -D '$PG/data' -l '$PG/postgres.log' -w -o \"-p 5433 -k '$PG' -c listen_addresses=127.0.0.1\" start" </dev/null >>"$STATE/logs/start.log" 2>&1
"$PG_BIN/psql" -h 127.0.0.1 -p 5433 -U webmail -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'traces'" | grep -q 1 \
  || "$PG_BIN/createdb" -h 127.0.0.1 -p 5433 -U webmail traces

# the directory the webmail searches (Annuaire santé extraction format): the demo people, and
# 50 000 fictitious mailboxes so that searching looks like the real thing (ANNUAIRE_SYNTHETIC=N)
python3 "$HERE/annuaire.py" "$HERE/directory.json" --synthetic "${ANNUAIRE_SYNTHETIC:-50000}" > "$STATE/annuaire.txt.new"
mv "$STATE/annuaire.txt.new" "$STATE/annuaire.txt"
# and a stand-in for the Annuaire Santé FHIR API serving the same file (key: cle-annuaire-test)
[ -s "$STATE/run/annuaire-fhir.pid" ] && kill "$(cat "$STATE/run/annuaire-fhir.pid")" 2>/dev/null && sleep 0.2
nohup python3 "$HERE/annuaire_fhir.py" "$STATE/annuaire.txt" 9091 cle-annuaire-test </dev/null >"$STATE/logs/annuaire-fhir.log" 2>&1 &
echo $! > "$STATE/run/annuaire-fhir.pid"
wait_port 9091

# 5. demo mail
if [ "${SEED:-1}" = 1 ] && [ "${KEEP_DATA:-}" != 1 ]; then
  python3 "$HERE/seed/seed.py" demo
  [ "${LOAD_ACCOUNTS:-0}" -gt 0 ] && python3 "$HERE/seed/seed.py" load "$LOAD_ACCOUNTS" 30
fi

echo "Opérateur de test prêt (état : $STATE)"
echo "  IMAP 127.0.0.1:143 (STARTTLS) et :993 (TLS), submission :587 (STARTTLS), Pro Santé Connect (simulateur) http://127.0.0.1:9090"
echo "  PostgreSQL (traces, si configuré) : postgres://webmail@127.0.0.1:5433/traces"
echo "  journaux : $STATE/logs/{dovecot,postfix,psc}.log, $PG/postgres.log   AC de test : $STATE/certs/ca.crt"
echo "  CRL : http://127.0.0.1:9092/serveurs.crl (et :9093 pour le certificat de 127.0.0.2)"
