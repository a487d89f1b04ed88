#!/usr/bin/env python3
"""Writes a directory in the Annuaire santé "Extraction_Correspondance_MSSante" format (UTF-8,
'|'-separated, one header line, 31 columns): the demo people of directory.json, then, with
--synthetic N, N generated mailboxes (fictitious people, structures and towns; deterministic).

    annuaire.py directory.json [--synthetic N] > annuaire.txt
"""
import argparse
import json
import random
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

FAMILY = """MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE LEROY
ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER LEFÈVRE FAURE
ANDRÉ MERCIER BLANC GUÉRIN BOYER GARNIER CHEVALIER FRANÇOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLÉMENT MORIN
NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOËL MEYER DUFOUR MEUNIER
BRUN BLANCHARD GIRAUD JOLY RIVIÈRE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GÉRARD ROCHE RENARD SCHMITT ROY
LEROUX COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX OLIVIER PHILIPPE BOURGEOIS PIERRE
BENOÎT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ JEAN DUPUY GUILLOT HUBERT BERGER CARPENTIER
SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER FLEURY ROYER KLEIN JACQUET ADAM PARIS POIRIER
MARTY AUBRY GUYOT CARRÉ CHARLES RENAULT CHARPENTIER MÉNARD MAILLARD BARON BERTIN BAILLY HERVÉ SCHNEIDER FERNANDEZ
LE GALL COLLET LÉGER BOUVIER JULIEN PRÉVOST MILLET PERROT DANIEL LE ROUX COUSIN GERMAIN BRETON BESSON LANGLOIS
RÉMY LE GOFF PELLETIER LÉVÊQUE PERRIER LEBLANC BARRÉ LEBRUN MARCHAL WEBER MALLET HAMON BOULANGER JACOB MONNIER
MICHAUD RODRIGUEZ GUICHARD GILLET ÉTIENNE GRONDIN POULAIN TESSIER CHEVALLIER COLLIN CHAUVIN DA SILVA BOUCHET GAY
LEMAÎTRE BENARD MARÉCHAL HUMBERT REYNAUD ANTOINE HOARAU PERRET BARTHÉLEMY CORDIER PICHON LEJEUNE GILBERT LAMY
DELAUNAY PASQUIER CARLIER LAPORTE N'DIAYE DIALLO TRAORÉ NGUYEN BEN AMOR HADDAD BENALI KHELIFI""".replace("LE GALL", "LE_GALL").replace("LE ROUX", "LE_ROUX").replace("LE GOFF", "LE_GOFF").replace("DA SILVA", "DA_SILVA").replace("BEN AMOR", "BEN_AMOR").split()
FAMILY = [f.replace("_", " ") for f in FAMILY]

GIVEN_F = """Marie Nathalie Isabelle Sylvie Catherine Martine Christine Françoise Valérie Sandrine Stéphanie Véronique
Sophie Céline Chantal Patricia Anne Brigitte Julie Monique Aurélie Nicole Laurence Émilie Claire Hélène Camille
Léa Manon Chloé Inès Sarah Laura Pauline Mathilde Élodie Caroline Agnès Marion Lucie Audrey Anaïs Zoé Louise
Amandine Juliette Margaux Noémie Clémence Éloïse Maëlle Fatima Amina Yasmine Nadia""".split()
GIVEN_M = """Jean Philippe Michel Alain Patrick Nicolas Christophe Pierre Christian Éric Frédéric Laurent Stéphane
David Pascal Daniel Sébastien Julien Thierry Olivier Bernard Thomas Alexandre Gérard Didier Dominique Vincent
François Bruno Guillaume Jérôme Marc Antoine Maxime Romain Mathieu Hugo Lucas Louis Théo Arthur Benoît Cédric
Fabrice Grégoire Hervé Joël Loïc Yannick Karim Mehdi Youssef Rachid""".split()

# (code, label, category weight, specialties [(code, label)], title)
DOCTOR_SPECIALTIES = [
    ("SM54", "Médecine générale"), ("SM04", "Cardiologie et maladies vasculaires"), ("SM15", "Dermatologie et vénéréologie"),
    ("SM24", "Gastro-entérologie et hépatologie"), ("SM20", "Gynécologie-obstétrique"), ("SM32", "Neurologie"),
    ("SM33", "Ophtalmologie"), ("SM34", "Oto-rhino-laryngologie"), ("SM40", "Pédiatrie"), ("SM42", "Psychiatrie"),
    ("SM43", "Radiodiagnostic et imagerie médicale"), ("SM45", "Rhumatologie"), ("SM02", "Anesthésie-réanimation"),
    ("SM26", "Endocrinologie, diabète, maladies métaboliques"), ("SM38", "Pneumologie"), ("SM29", "Néphrologie"),
    ("SM53", "Gériatrie"), ("SM30", "Oncologie médicale"), ("SM48", "Urologie"), ("SM07", "Chirurgie orthopédique et traumatologie"),
    ("SM10", "Chirurgie viscérale et digestive"), ("SM25", "Hématologie"), ("SM37", "Médecine d'urgence"), ("SM31", "Médecine interne"),
]
PROFESSIONS = [
    ("10", "Médecin", 38, DOCTOR_SPECIALTIES, "DR"),
    ("60", "Infirmier", 24, [], ""),
    ("21", "Pharmacien", 10, [("SP01", "Pharmacie d'officine"), ("SP02", "Pharmacie hospitalière"), ("SP03", "Biologie médicale")], "DR"),
    ("70", "Masseur-kinésithérapeute", 10, [], ""),
    ("40", "Chirurgien-dentiste", 7, [("SCD01", "Orthopédie dento-faciale"), ("", "")], "DR"),
    ("50", "Sage-femme", 4, [], ""),
    ("91", "Orthophoniste", 2, [], ""),
    ("96", "Psychomotricien", 1, [], ""),
    ("28", "Opticien-lunetier", 1, [], ""),
    ("81", "Pédicure-podologue", 1, [], ""),
    ("86", "Manipulateur ERM", 1, [], ""),
    ("94", "Diététicien", 1, [], ""),
]
PROFESSION_WEIGHTS = [p[2] for p in PROFESSIONS]

TOWNS = [
    ("PARIS", "750{:02d}", 20), ("MARSEILLE", "130{:02d}", 16), ("LYON", "6900{}", 9), ("TOULOUSE", "31000", 0),
    ("NICE", "06000", 0), ("NANTES", "44000", 0), ("MONTPELLIER", "34000", 0), ("STRASBOURG", "67000", 0),
    ("BORDEAUX", "33000", 0), ("LILLE", "59000", 0), ("RENNES", "35000", 0), ("REIMS", "51100", 0),
    ("TOULON", "83000", 0), ("SAINT-ÉTIENNE", "42000", 0), ("LE HAVRE", "76600", 0), ("GRENOBLE", "38000", 0),
    ("DIJON", "21000", 0), ("ANGERS", "49000", 0), ("NÎMES", "30000", 0), ("CLERMONT-FERRAND", "63000", 0),
    ("LE MANS", "72000", 0), ("AIX-EN-PROVENCE", "13100", 0), ("BREST", "29200", 0), ("TOURS", "37000", 0),
    ("AMIENS", "80000", 0), ("LIMOGES", "87000", 0), ("ANNECY", "74000", 0), ("PERPIGNAN", "66000", 0),
    ("BESANÇON", "25000", 0), ("METZ", "57000", 0), ("ORLÉANS", "45000", 0), ("ROUEN", "76000", 0),
    ("MULHOUSE", "68100", 0), ("CAEN", "14000", 0), ("NANCY", "54000", 0), ("ARGENTEUIL", "95100", 0),
    ("SAINT-DENIS", "97400", 0), ("SAINT-PIERRE", "97410", 0), ("FORT-DE-FRANCE", "97200", 0), ("POINTE-À-PITRE", "97110", 0),
    ("CAYENNE", "97300", 0), ("AJACCIO", "20000", 0), ("BASTIA", "20200", 0), ("POITIERS", "86000", 0),
    ("PAU", "64000", 0), ("LA ROCHELLE", "17000", 0), ("VANNES", "56000", 0), ("QUIMPER", "29000", 0),
    ("CHAMBÉRY", "73000", 0), ("VALENCE", "26000", 0), ("TROYES", "10000", 0), ("BAYONNE", "64100", 0),
    ("COLMAR", "68000", 0), ("AVIGNON", "84000", 0), ("BÉZIERS", "34500", 0), ("NIORT", "79000", 0),
    ("LORIENT", "56100", 0), ("ÉVREUX", "27000", 0), ("CHARTRES", "28000", 0), ("ALBI", "81000", 0),
    ("MONTAUBAN", "82000", 0), ("AGEN", "47000", 0), ("PÉRIGUEUX", "24000", 0), ("BOURGES", "18000", 0),
    ("AUXERRE", "89000", 0), ("BLOIS", "41000", 0), ("CHÂTEAUROUX", "36000", 0), ("GAP", "05000", 0),
    ("DIGNE-LES-BAINS", "04000", 0), ("MENDE", "48000", 0), ("RODEZ", "12000", 0), ("CAHORS", "46000", 0),
]
TOWN_WEIGHTS = [30, 10, 8] + [2] * (len(TOWNS) - 3)

ORG_SERVICES = ["Secrétariat de cardiologie", "Secrétariat médical", "Accueil des urgences", "Service de pédiatrie",
                "Pharmacie à usage intérieur", "Laboratoire de biologie", "Service d'imagerie", "Bloc opératoire",
                "Service de gériatrie", "Consultations externes", "Service social", "Hôpital de jour", "Maternité",
                "Département d'information médicale", "Équipe mobile de soins palliatifs", "Centre de vaccination"]


def department(postcode):
    if postcode.startswith("97") or postcode.startswith("98"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if postcode[2] < "2" else "2B"
    return postcode[:2]


def ascii_word(text):
    table = str.maketrans("àâäéèêëîïôöùûüçÀÂÄÉÈÊËÎÏÔÖÙÛÜÇ' ", "aaaeeeeiioouuucAAAEEEEIIOOUUUC--")
    return text.translate(table).lower()


def row(**values):
    out = dict.fromkeys(COLUMNS, "")
    out.update(values)
    return "|".join(out[c] for c in COLUMNS)


def demo_rows(directory):
    for rpps, p in directory["professionals"].items():
        s = p["structure"]
        yield row(**{
            "Type de BAL": "PER", "Adresse BAL": p["mailbox"], "Type Identifiant PP": "8", "Identifiant PP": rpps,
            "Identification nationale PP": "8" + rpps, "Type identifiant structure": "1",
            "Identification Structure": s["idNat_Struct"], "Civilité d'exercice": p.get("titre", p["codeCivilite"]),
            "Nom d'exercice": p["family_name"], "Prénom d'exercice": p["given_name"], "Catégorie profession": "C",
            "Libellé de catégorie profession": "Civil", "Code Profession": p["codeProfession"],
            "Libellé Profession": p["libelleProfession"], "Code savoir-faire": p["codeSavoirFaire"] or "",
            "Libellé savoir-faire": p["libelleSavoirFaire"] or "", "Dématérialisation": "O",
            "Raison Sociale structure BAL": s["raisonSociale"], "Ligne Acheminement (L6)": "75013 PARIS",
            "Code postal": "75013", "Département": "75", "Pays": "FRANCE",
        })
    for address, o in directory["organisational"].items():
        yield row(**{"Type de BAL": "ORG", "Adresse BAL": address, "Service de rattachement": o["label"],
                     "Raison Sociale structure BAL": o.get("structure", "CH DE DEMONSTRATION"),
                     "Ligne Acheminement (L6)": "75013 PARIS", "Code postal": "75013", "Département": "75", "Pays": "FRANCE"})


def synthetic_rows(count, rng):
    """`count` fictitious mailboxes: 95 % personal, 5 % organisational, spread over towns."""
    used = set()
    for n in range(count):
        town, pattern, spread = rng.choices(TOWNS, TOWN_WEIGHTS)[0]
        postcode = pattern.format(rng.randint(1, spread)) if spread else pattern
        structure_id = f"1{department(postcode).replace('A', '0').replace('B', '0'):0>3}{rng.randint(0, 99999):05d}"
        kind_of_place = rng.choice(["CH", "CHU", "CLINIQUE", "CABINET", "CENTRE DE SANTÉ", "PHARMACIE", "EHPAD", "LABORATOIRE"])
        structure = f"{kind_of_place} {rng.choice(['DU PARC', 'SAINT-JOSEPH', 'DES LILAS', 'PASTEUR', 'DE LA GARE', 'LES TILLEULS', 'DU CENTRE', 'MONTSOURIS', 'DES ALPES', 'DU LAC'])} {town}"
        domain = f"{ascii_word(kind_of_place)}-{ascii_word(town)}.mssante.fr"
        place = {"Ligne Acheminement (L6)": f"{postcode} {town}", "Code postal": postcode, "Département": department(postcode),
                 "Pays": "FRANCE", "Raison Sociale structure BAL": structure, "Type identifiant structure": "1",
                 "Identification Structure": structure_id}
        if n % 20 == 19:
            service = rng.choice(ORG_SERVICES)
            local = f"{ascii_word(service)[:24]}-{n}"
            yield row(**{"Type de BAL": "ORG", "Adresse BAL": f"{local}@{domain}", "Service de rattachement": service, **place})
            continue
        code, label, _, specialties, title = rng.choices(PROFESSIONS, PROFESSION_WEIGHTS)[0]
        female = rng.random() < 0.55
        given = rng.choice(GIVEN_F if female else GIVEN_M)
        family = rng.choice(FAMILY)
        if rng.random() < 0.15:
            family = f"{family}-{rng.choice(FAMILY)}"
        specialty = rng.choice(specialties) if specialties else ("", "")
        rpps = f"1{n + 20000000:010d}"
        local = f"{ascii_word(given)}.{ascii_word(family)}"
        address = f"{local}@{domain}"
        if address in used:
            address = f"{local}.{n}@{domain}"
        used.add(address)
        yield row(**{
            "Type de BAL": "PER", "Adresse BAL": address, "Type Identifiant PP": "8", "Identifiant PP": rpps,
            "Identification nationale PP": "8" + rpps, "Civilité d'exercice": title or ("MME" if female else "M"),
            "Nom d'exercice": family, "Prénom d'exercice": given, "Catégorie profession": "C",
            "Libellé de catégorie profession": "Civil", "Code Profession": code, "Libellé Profession": label,
            "Code savoir-faire": specialty[0], "Libellé savoir-faire": specialty[1], "Dématérialisation": "O", **place,
        })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--synthetic", type=int, default=0, help="generated mailboxes to add")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    directory = json.load(open(args.directory, encoding="utf-8"))
    out = sys.stdout
    out.write("|".join(COLUMNS) + "\n")
    for line in demo_rows(directory):
        out.write(line + "\n")
    for line in synthetic_rows(args.synthetic, random.Random(args.seed)):
        out.write(line + "\n")


if __name__ == "__main__":
    main()
