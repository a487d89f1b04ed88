#!/bin/bash
# The test operator's certificates, laid out as IGC-Santé's are: a root the webmail trusts, an
# intermediate authority that issues the server certificates, and a CRL for each authority, named
# in the certificates it covers (CRL distribution point) and served over HTTP.
#   pki.sh init                 root, intermediate, the mail server's certificate (once, kept)
#   pki.sh revocable [SECONDS]  a new certificate for the second address (127.0.0.2), the one the
#                               revocation tests revoke; its CRL is served apart (port 9093, from
#                               a folder of its own) so that stopping that server, or publishing a
#                               CRL that expires at once, touches nothing else; SECONDS: that CRL's
#                               validity (default 7 days)
#   pki.sh revoke NAME          revoke certs/NAME.crt and publish the intermediate's new CRL
#   pki.sh serve PORT | stop PORT   start or stop the CRL server on 127.0.0.1:PORT
set -euo pipefail
STATE=${OPERATOR_STATE:-/var/tmp/mssante-operator}
C=$STATE/certs
P=$C/pki
MAIN_CRL_PORT=9092
REVOCABLE_CRL_PORT=9093
crl_dir() { echo "$STATE/crl-$1"; }
mkdir -p "$P/root/new" "$P/intermediate/new" "$(crl_dir $MAIN_CRL_PORT)" "$(crl_dir $REVOCABLE_CRL_PORT)"

# one openssl ca database per authority
authority_config() { # name cert key crl_days
  cat <<EOF
[ ca ]
default_ca = authority
[ authority ]
dir = $P/$1
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = $2
private_key = $3
default_md = sha256
default_days = 3650
default_crl_days = 7
unique_subject = no
policy = any
copy_extensions = none
[ any ]
commonName = supplied
[ intermediate ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://127.0.0.1:$MAIN_CRL_PORT/racine.crl
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \${ENV::SAN}
crlDistributionPoints = URI:\${ENV::CDP}
EOF
}

init_authority() { # name
  [ -f "$P/$1/index.txt" ] || { : > "$P/$1/index.txt"; echo 1000 > "$P/$1/serial"; echo 1000 > "$P/$1/crlnumber"; }
}

ca() { # authority-name cert key, then openssl ca arguments
  local name=$1 cert=$2 key=$3; shift 3
  SAN=${SAN:-DNS:unused} CDP=${CDP:-http://unused} openssl ca -batch -config <(authority_config "$name" "$cert" "$key") "$@" 2>/dev/null
}

publish_crl() { # authority-name cert key file port [seconds]
  local dir; dir=$(crl_dir "$5")
  ca "$1" "$2" "$3" -gencrl -crlsec "${6:-604800}" -out "$dir/$4.pem"
  openssl crl -in "$dir/$4.pem" -outform DER -out "$dir/$4.crl.new"
  mv "$dir/$4.crl.new" "$dir/$4.crl"
}

# the intermediate's CRL, on both servers (on the second with its own validity)
publish_servers_crl() { # [seconds on the second server]
  publish_crl intermediate "$C/intermediate.crt" "$C/intermediate.key" serveurs $MAIN_CRL_PORT
  publish_crl intermediate "$C/intermediate.crt" "$C/intermediate.key" serveurs $REVOCABLE_CRL_PORT "${1:-604800}"
}

issue_server() { # name san cdp-port
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1.hopital-demo.mssante.fr" -keyout "$C/$1.key" -out "$C/$1.csr" 2>/dev/null
  SAN=$2 CDP=http://127.0.0.1:$3/serveurs.crl ca intermediate "$C/intermediate.crt" "$C/intermediate.key" \
    -extensions server -days 825 -in "$C/$1.csr" -out "$C/$1.crt"
  # what the server presents: its certificate, then the intermediate
  cat "$C/$1.crt" "$C/intermediate.crt" > "$C/$1-chain.crt"
  chmod 600 "$C/$1.key"
}

reload_servers() {
  doveadm -c "$STATE/etc/dovecot/dovecot.conf" reload 2>/dev/null || true
  postfix -c "$STATE/etc/postfix" reload >/dev/null 2>&1 || true
}

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

case "${1:-}" in
  init)
    if [ ! -s "$C/mail-chain.crt" ]; then
      init_authority root; init_authority intermediate
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=AC racine de test IGC-Sante" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$C/ca.key" -out "$C/ca.crt" 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -subj "/CN=AC serveurs de test IGC-Sante" \
        -keyout "$C/intermediate.key" -out "$C/intermediate.csr" 2>/dev/null
      ca root "$C/ca.crt" "$C/ca.key" -extensions intermediate -days 3650 -in "$C/intermediate.csr" -out "$C/intermediate.crt"
      issue_server mail "DNS:localhost,DNS:mail.hopital-demo.mssante.fr,IP:127.0.0.1" $MAIN_CRL_PORT
      chmod 600 "$C/ca.key" "$C/intermediate.key"
    fi
    publish_crl root "$C/ca.crt" "$C/ca.key" racine $MAIN_CRL_PORT
    publish_servers_crl
    ;;
  revocable)
    issue_server revocable "IP:127.0.0.2" $REVOCABLE_CRL_PORT
    publish_servers_crl "${2:-604800}"
    reload_servers
    ;;
  revoke)
    ca intermediate "$C/intermediate.crt" "$C/intermediate.key" -revoke "$C/$2.crt"
    publish_servers_crl
    ;;
  serve)
    pid=$STATE/run/crl-$2.pid
    alive "$pid" && exit 0
    nohup python3 -m http.server "$2" --bind 127.0.0.1 --directory "$(crl_dir "$2")" </dev/null >"$STATE/logs/crl-$2.log" 2>&1 &
    echo $! > "$pid"
    for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$2) 2>/dev/null && exit 0; sleep 0.05; done
    echo "serveur de CRL injoignable sur $2"; exit 1
    ;;
  stop)
    pid=$STATE/run/crl-$2.pid
    if alive "$pid"; then kill "$(cat "$pid")"; while kill -0 "$(cat "$pid")" 2>/dev/null; do sleep 0.05; done; fi
    rm -f "$pid"
    ;;
  *)
    sed -n '2,14p' "$0"; exit 2
    ;;
esac
