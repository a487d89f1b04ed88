#!/usr/bin/env python3
"""Accounts for the scale-out load run (scripts/bench-load.sh): N fictitious professionals
charge.0001@… with their own mailboxes, known to the PSC stand-in, Dovecot and Postfix exactly
as the demo's are. Called by start.sh when LOAD_ACCOUNTS=N; writes into the operator's state.
  load_accounts.py DIRECTORY_JSON N STATE
"""
import json
import secrets
import sys

DOMAIN = "hopital-demo.mssante.fr"


def account(i):
    """The i-th load account (1-based): its RPPS (11 digits, the 199… range the demo does not use)
    and its mailbox."""
    return f"199{i:08d}", f"charge.{i:04d}@{DOMAIN}"


def main(directory_file, n, state):
    directory = json.load(open(directory_file))
    with open(f"{state}/etc/dovecot/users", "a") as users, \
         open(f"{state}/etc/postfix/vmailbox", "a") as vmailbox, \
         open(f"{state}/etc/postfix/sender_login", "a") as sender_login:
        for i in range(1, n + 1):
            rpps, mailbox = account(i)
            directory["professionals"][rpps] = {
                "mailbox": mailbox, "given_name": "Charge", "family_name": f"ESSAI{i:04d}", "codeCivilite": "M",
                "codeProfession": "10", "libelleProfession": "Médecin", "codeSavoirFaire": None, "libelleSavoirFaire": None,
                "structure": {"raisonSociale": "CH DE DEMONSTRATION", "idNat_Struct": "1750000000", "numeroFINESS": "750000000"},
            }
            # a fixture password nobody uses (the webmail signs in with PSC tokens), never the same
            users.write(f"{mailbox}:{{PLAIN}}{secrets.token_hex(12)}::::::\n")
            vmailbox.write(f"{mailbox} OK\n")
            sender_login.write(f"{mailbox} {mailbox}\n")
    json.dump(directory, open(f"{state}/psc/directory.json", "w"), ensure_ascii=False)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
