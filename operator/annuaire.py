#!/usr/bin/env python3
"""Writes the test operator's directory in the Annuaire santé "Extraction_Correspondance_MSSante"
format (UTF-8, '|'-separated, one header line, 31 columns) from directory.json (synthetic people)."""
import json
import sys

COLUMNS = [
    "Type de BAL", "Adresse BAL", "Type Identifiant PP", "Identifiant PP", "Identification nationale PP",
    "Type identifiant structure", "Identification Structure", "Service de rattachement", "Civilité d'exercice",
    "Nom d'exercice", "Prénom d'exercice", "Catégorie profession", "Libellé de catégorie profession",
    "Code Profession", "Libellé Profession", "Code savoir-faire", "Libellé savoir-faire", "Dématérialisation",
    "Raison Sociale structure BAL", "Enseigne commerciale structure BAL", "Complément destinataire (L2)",
    "Complément point géographique (L3)", "Numéro Voie (L4)", "Indice répétition voie (L4)", "Type de voie (L4)",
    "Libellé Voie (L4)", "Lieu-dit (L5)", "Ligne Acheminement (L6)", "Code postal", "Département", "Pays",
]

directory = json.load(open(sys.argv[1], encoding="utf-8"))
print("|".join(COLUMNS))
for rpps, p in directory["professionals"].items():
    s = p["structure"]
    row = dict.fromkeys(COLUMNS, "")
    row.update({
        "Type de BAL": "PER", "Adresse BAL": p["mailbox"], "Type Identifiant PP": "8", "Identifiant PP": rpps,
        "Identification nationale PP": "8" + rpps, "Type identifiant structure": "1",
        "Identification Structure": s["idNat_Struct"], "Civilité d'exercice": p["codeCivilite"],
        "Nom d'exercice": p["family_name"], "Prénom d'exercice": p["given_name"], "Catégorie profession": "C",
        "Libellé de catégorie profession": "Civil", "Code Profession": p["codeProfession"],
        "Libellé Profession": p["libelleProfession"], "Code savoir-faire": p["codeSavoirFaire"] or "",
        "Libellé savoir-faire": p["libelleSavoirFaire"] or "", "Dématérialisation": "O",
        "Raison Sociale structure BAL": s["raisonSociale"], "Code postal": "75013", "Département": "75", "Pays": "FRANCE",
    })
    print("|".join(row[c] for c in COLUMNS))
for address, o in directory["organisational"].items():
    row = dict.fromkeys(COLUMNS, "")
    row.update({"Type de BAL": "ORG", "Adresse BAL": address, "Service de rattachement": o["label"], "Pays": "FRANCE"})
    print("|".join(row[c] for c in COLUMNS))
