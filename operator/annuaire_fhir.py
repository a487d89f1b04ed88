#!/usr/bin/env python3
"""A minimal stand-in for the Annuaire Santé FHIR API (v2), serving the test operator's extraction
file: the searches the webmail makes, with the same semantics, and nothing else.

    annuaire_fhir.py <extraction file> <port> <api key>

- Every request must carry the header `ESANTE-API-KEY` (401 otherwise, as the gateway answers).
- `GET /fhir/v2/PractitionerRole?mailbox-mss=<address>` (exact) or `mailbox-mss:contains=<text>`
  (case-insensitive substring of the address), `_count` (≤ 50, default 10), with
  `_include=PractitionerRole:practitioner` and `_include=PractitionerRole:organization` adding the
  Practitioner and Organization each role points to: personal mailboxes (type PER).
- `GET /fhir/v2/Organization?mailbox-mss=…` / `mailbox-mss:contains=…`: organisational and
  applicative mailboxes (ORG, APP), on the Organization of their structure.
- Mailboxes are `telecom` entries with `system=email`, the `fr-core-contact-point-email-type`
  extension `MSSANTE` and the `as-ext-mailbox-mss-metadata` extension carrying `type` and
  `service`, as the Annuaire Santé's FHIR guide places them. Answers are searchset Bundles.
"""
import json
import sys
import unicodedata
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EMAIL_TYPE = "https://interop.esante.gouv.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type"
MSS_METADATA = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata"
RPPS_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
ADELI_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1.0"


def fold(text):
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def telecom(address, kind, service=""):
    metadata = [{"url": "type", "valueCodeableConcept": {"coding": [{"code": kind}]}}]
    if service:
        metadata.append({"url": "service", "valueString": service})
    return {"system": "email", "value": address, "extension": [
        {"url": EMAIL_TYPE, "valueCoding": {"code": "MSSANTE"}},
        {"url": MSS_METADATA, "extension": metadata}]}


def load(path):
    roles, organisations = [], []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("|")
        col = {fold(h): i for i, h in enumerate(header)}
        find = lambda name: next((i for h, i in col.items() if h.startswith(fold(name))), None)
        cols = {k: find(v) for k, v in {
            "kind": "Type de BAL", "address": "Adresse BAL", "id_type": "Type Identifiant PP", "id": "Identifiant PP",
            "national": "Identification nationale PP", "title": "Civilité d'exercice", "family": "Nom d'exercice",
            "given": "Prénom d'exercice", "profession_code": "Code Profession", "profession": "Libellé Profession",
            "specialty_code": "Code savoir-faire", "specialty": "Libellé savoir-faire", "organisation": "Raison Sociale",
            "structure_id": "Identification Structure", "service": "Service de rattachement",
            "routing": "Ligne Acheminement", "postcode": "Code postal"}.items()}
        for n, line in enumerate(f):
            fields = line.rstrip("\n").split("|")
            get = lambda k: fields[cols[k]].strip() if cols[k] is not None and cols[k] < len(fields) else ""
            kind, address = get("kind"), get("address").lower()
            if not address:
                continue
            routing = get("routing")
            town = routing.split(" ", 1)[1] if " " in routing and routing[:5].isdigit() else routing
            organisation = {"resourceType": "Organization", "id": f"o{n}",
                            "identifier": [{"system": "urn:oid:1.2.250.1.71.4.2.2", "value": get("structure_id")}],
                            "name": get("organisation"), "address": [{"city": town, "postalCode": get("postcode")}]}
            if kind == "PER":
                national = get("national")
                practitioner = {"resourceType": "Practitioner", "id": f"p{n}",
                                "identifier": [{"system": RPPS_SYSTEM if national.startswith("8") else ADELI_SYSTEM, "value": national}],
                                "name": [{"family": get("family"), "given": [get("given")], "prefix": [get("title")] if get("title") else []}]}
                role = {"resourceType": "PractitionerRole", "id": f"r{n}",
                        "practitioner": {"reference": f"Practitioner/p{n}"}, "organization": {"reference": f"Organization/o{n}"},
                        "code": [{"coding": [{"code": get("profession_code"), "display": get("profession")}]}],
                        "specialty": [{"coding": [{"code": get("specialty_code"), "display": get("specialty")}]}] if get("specialty") else [],
                        "telecom": [telecom(address, "PER")]}
                roles.append((address, role, practitioner, organisation))
            elif kind in ("ORG", "APP"):
                organisation["telecom"] = [telecom(address, kind, get("service"))]
                organisations.append((address, organisation))
    return roles, organisations


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("content-type", "application/fhir+json; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.headers.get("ESANTE-API-KEY") != self.server.key:
            return self.answer(401, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "security"}]})
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        count = max(1, min(50, int((query.get("_count") or ["10"])[0] or 10)))
        exact, contains = (query.get("mailbox-mss") or [None])[0], (query.get("mailbox-mss:contains") or [None])[0]
        if (exact is None) == (contains is None):
            return self.answer(400, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "invalid"}]})
        matches = (lambda a: a == exact.lower()) if exact is not None else (lambda a: contains.lower() in a)
        entries = []
        if url.path == "/fhir/v2/PractitionerRole":
            includes = query.get("_include") or []
            for address, role, practitioner, organisation in self.server.roles:
                if matches(address):
                    entries.append({"resource": role, "search": {"mode": "match"}})
                    if "PractitionerRole:practitioner" in includes:
                        entries.append({"resource": practitioner, "search": {"mode": "include"}})
                    if "PractitionerRole:organization" in includes:
                        entries.append({"resource": organisation, "search": {"mode": "include"}})
                    if sum(e["search"]["mode"] == "match" for e in entries) >= count:
                        break
        elif url.path == "/fhir/v2/Organization":
            for address, organisation in self.server.organisations:
                if matches(address):
                    entries.append({"resource": organisation, "search": {"mode": "match"}})
                    if len(entries) >= count:
                        break
        else:
            return self.answer(404, {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]})
        self.answer(200, {"resourceType": "Bundle", "type": "searchset", "entry": entries})


def main():
    path, port, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.key = key
    server.roles, server.organisations = load(path)
    server.serve_forever()


if __name__ == "__main__":
    main()
