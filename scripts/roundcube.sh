#!/bin/bash
# Roundcube 1.6 from Debian's package, beside the webmail on the test operator's Dovecot, for the
# side-by-side benchmark: default settings (its IMAP and message caches off, as shipped), SQLite,
# STARTTLS with the operator's CA, served by PHP's built-in server with OPcache on. Its users sign in
# with the operator's fixture passwords (operator/dovecot/users). Installed on first use (as root).
#   scripts/roundcube.sh start [port]   (prints nothing; serves until `scripts/roundcube.sh stop`)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
OPERATOR_STATE=${OPERATOR_STATE:-/var/tmp/mssante-operator}
RC_STATE=${ROUNDCUBE_STATE:-/var/tmp/mssante-roundcube}
PORT=${2:-8092}

case "${1:-start}" in
start)
  if [ ! -e /usr/share/roundcube/index.php ] || ! php -m 2>/dev/null | grep -qx pdo_sqlite; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      roundcube-core roundcube-sqlite3 php8.2-cli php8.2-sqlite3 php8.2-opcache php8.2-intl php8.2-mbstring php8.2-xml >/dev/null
    # the package's own web server is not the one measured
    $SUDO systemctl disable --now apache2 >/dev/null 2>&1 || $SUDO service apache2 stop >/dev/null 2>&1 || true
  fi
  "$0" stop
  rm -rf "$RC_STATE"
  mkdir -p "$RC_STATE/config" "$RC_STATE/temp" "$RC_STATE/logs"
  cp /etc/roundcube/defaults.inc.php /etc/roundcube/mimetypes.php "$RC_STATE/config/"
  python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).executescript(open(sys.argv[2]).read())' \
    "$RC_STATE/roundcube.db" /usr/share/roundcube/SQL/sqlite.initial.sql
  cat > "$RC_STATE/config/config.inc.php" <<PHP
<?php
\$config = [];
\$config['db_dsnw'] = 'sqlite:///$RC_STATE/roundcube.db?mode=0640';
\$config['imap_host'] = 'tls://localhost:143';
\$config['smtp_host'] = 'tls://localhost:587';
\$config['imap_conn_options'] = ['ssl' => ['verify_peer' => true, 'cafile' => '$OPERATOR_STATE/certs/ca.crt', 'peer_name' => 'localhost']];
\$config['smtp_conn_options'] = \$config['imap_conn_options'];
\$config['des_key'] = '$(head -c 18 /dev/urandom | base64)';
\$config['temp_dir'] = '$RC_STATE/temp/';
\$config['log_dir'] = '$RC_STATE/logs/';
\$config['language'] = 'fr_FR';
\$config['plugins'] = [];
\$config['skin'] = 'elastic';
PHP
  # several workers, as php-fpm would have, so that concurrent users are not queued behind one
  ROUNDCUBE_CONFIG_DIR="$RC_STATE/config" PHP_CLI_SERVER_WORKERS=8 \
    setsid php -d opcache.enable_cli=1 -d opcache.validate_timestamps=0 -d memory_limit=256M \
    -S "127.0.0.1:$PORT" -t /var/lib/roundcube/public_html >"$RC_STATE/logs/php-server.log" 2>&1 < /dev/null &
  echo $! > "$RC_STATE/pid"
  for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/" && exit 0; sleep 0.2; done
  echo "Roundcube ne répond pas : $RC_STATE/logs/php-server.log" >&2; exit 1
  ;;
stop)
  [ -f "$RC_STATE/pid" ] && kill -- "-$(cat "$RC_STATE/pid")" 2>/dev/null || true
  rm -f "$RC_STATE/pid"
  ;;
esac
