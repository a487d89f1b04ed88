#!/bin/bash
# Demo: the local test operator (Dovecot, Postfix, PSC stand-in, seeded mail) and the webmail on
# http://127.0.0.1:8080. Ctrl-C stops the webmail; operator/stop.sh stops the operator.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/install-deps.sh
operator/start.sh
scripts/build.sh
export LEPTOS_SITE_ADDR=127.0.0.1:8080 WEBMAIL_PUBLIC_URL=http://127.0.0.1:8080 PSC_CLIENT_SECRET=webmail-secret
cat <<'TXT'

  Messagerie MSSanté (démonstration) : http://127.0.0.1:8080
  Connexion : « Se connecter avec Pro Santé Connect », puis un identifiant RPPS fictif :
    10100000017  Dr Claire DUBOIS, cardiologue      (membre du Secrétariat de cardiologie, administratrice)
    10100000025  Julien MOREAU, infirmier           (membre du Secrétariat de cardiologie)
    10100000033  Dr Sophie LAMBERT, pharmacienne
    10100000041  Dr Marc GARNIER, médecin généraliste
  Ctrl-C arrête le webmail.

TXT
exec "$WEBMAIL_BIN"
