#!/usr/bin/env python3
"""Synthetic, realistic French MSSanté mail for the test operator (no real person or patient).

  seed.py demo            deliver the demo corpus through Dovecot (doveadm save), set flags
  seed.py load N M        the load run's N accounts (LOAD_ACCOUNTS), M messages each
  seed.py bench N [USER]  fill USER's INBOX (default bench@hopital-demo.mssante.fr) with N messages,
                          written straight into its Maildir then indexed by Dovecot (N=100000 works)
"""
import io, os, random, subprocess, sys, time, zipfile
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email import message_from_bytes
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from email.headerregistry import Address

STATE = os.environ.get("OPERATOR_STATE", "/var/tmp/mssante-operator")
DOVECOT_CONF = f"{STATE}/etc/dovecot/dovecot.conf"
H, C, P = "hopital-demo.mssante.fr", "cabinet-demo.mssante.fr", "patient.mssante.fr"
CLAIRE = ("Dr Claire DUBOIS", f"claire.dubois@{H}")
JULIEN = ("Julien MOREAU", f"julien.moreau@{H}")
SOPHIE = ("Dr Sophie LAMBERT", f"sophie.lambert@{H}")
MARC = ("Dr Marc GARNIER", f"marc.garnier@{C}")
SECRETARIAT = ("Secrétariat de cardiologie", f"secretariat-cardio@{H}")
LABO = ("Laboratoire de biologie médicale", f"biologie@{H}")
PATIENT_INS = "285077511234511"   # synthetic NIR with a valid key (97 - 2850775112345 mod 97 = 11)
# Mon Espace Santé writes the birth name, then the first name, in From
PATIENT = ("VIDAL Hélène", f"{PATIENT_INS}@{P}")
NOW = datetime.now(timezone.utc).replace(microsecond=0)


def pdf(lines):
    """A one-page PDF whose text is `lines` (WinAnsi, so French accents show)."""
    text = "BT /F1 12 Tf 56 780 Td 16 TL " + " ".join(
        "(" + l.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for l in lines) + " ET"
    stream = text.encode("cp1252")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    for i, o in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + o + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def ihe_xdm(patient_name, birth, doc_title, loinc, pdf_bytes):
    """An IHE XDM archive (ITI-32) holding one CDA R2 document with its PDF, as MSSanté expects."""
    cda = f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <id root="1.2.250.1.213.1.1.9" extension="DEMO-{loinc}-0001"/>
  <code code="{loinc}" codeSystem="2.16.840.1.113883.6.1" displayName="{doc_title}"/>
  <title>{doc_title}</title>
  <recordTarget><patientRole>
    <id root="1.2.250.1.213.1.4.8" extension="{PATIENT_INS}"/>
    <patient><name><family>{patient_name[1]}</family><given>{patient_name[0]}</given></name>
      <birthTime value="{birth}"/></patient>
  </patientRole></recordTarget>
  <component><nonXMLBody><text mediaType="application/pdf" representation="B64">(voir DOC0001.PDF)</text></nonXMLBody></component>
</ClinicalDocument>
"""
    metadata = f"""<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
 <rim:RegistryObjectList>
  <rim:ExtrinsicObject id="DOC0001" mimeType="text/xml" objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
   <rim:Slot name="URI"><rim:ValueList><rim:Value>DOC0001.XML</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="creationTime"><rim:ValueList><rim:Value>{NOW:%Y%m%d%H%M%S}</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="sourcePatientInfo"><rim:ValueList>
     <rim:Value>PID-3|{PATIENT_INS}^^^&amp;1.2.250.1.213.1.4.8&amp;ISO^NH</rim:Value>
     <rim:Value>PID-5|{patient_name[1]}^{patient_name[0]}^^^^^L</rim:Value>
     <rim:Value>PID-7|{birth}</rim:Value></rim:ValueList></rim:Slot>
   <rim:Name><rim:LocalizedString xml:lang="fr-FR" value="{doc_title}"/></rim:Name>
   <rim:Classification classificationScheme="urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d" classifiedObject="DOC0001" nodeRepresentation="">
     <rim:Slot name="authorPerson"><rim:ValueList><rim:Value>810100000041^ROUX^Antoine^^^Dr^^^&amp;1.2.250.1.71.4.2.1&amp;ISO</rim:Value></rim:ValueList></rim:Slot>
     <rim:Slot name="authorInstitution"><rim:ValueList><rim:Value>Laboratoire de biologie de démonstration^^^^^&amp;1.2.250.1.71.4.2.2&amp;ISO^IDNST^^^31750000041</rim:Value></rim:ValueList></rim:Slot></rim:Classification>
   <rim:Classification classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983" nodeRepresentation="{loinc}">
     <rim:Name><rim:LocalizedString value="{doc_title}"/></rim:Name></rim:Classification>
  </rim:ExtrinsicObject>
 </rim:RegistryObjectList>
</lcm:SubmitObjectsRequest>
"""
    # a level-3 CDA beside it (structured narrative, no PDF): the discharge letter of the same patient
    letter = f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <id root="1.2.250.1.213.1.1.9" extension="DEMO-11490-0-0001"/>
  <code code="11490-0" codeSystem="2.16.840.1.113883.6.1" displayName="Lettre de liaison à la sortie"/>
  <title>Lettre de liaison — hospitalisation de cardiologie</title>
  <effectiveTime value="{NOW:%Y%m%d}1630"/>
  <recordTarget><patientRole>
    <id root="1.2.250.1.213.1.4.8" extension="{PATIENT_INS}"/>
    <patient><name><family>{patient_name[1]}</family><given>{patient_name[0]}</given></name>
      <administrativeGenderCode code="F"/><birthTime value="{birth}"/></patient>
  </patientRole></recordTarget>
  <author><time value="{NOW:%Y%m%d}"/><assignedAuthor><id root="1.2.250.1.71.4.2.1" extension="810100000017"/>
    <assignedPerson><name><prefix>Dr</prefix><given>Claire</given><family>DUBOIS</family></name></assignedPerson>
    <representedOrganization><name>Centre hospitalier de démonstration — cardiologie</name></representedOrganization></assignedAuthor></author>
  <custodian><assignedCustodian><representedCustodianOrganization><name>Centre hospitalier de démonstration</name></representedCustodianOrganization></assignedCustodian></custodian>
  <component><structuredBody>
    <component><section><title>Motif d'hospitalisation</title>
      <text>Dyspnée d'effort <content styleCode="Bold">NYHA II</content> d'aggravation récente.</text></section></component>
    <component><section><title>Traitement de sortie</title>
      <text><list listType="ordered"><item>Bisoprolol 2,5 mg : 1 comprimé le matin</item><item>Furosémide 40 mg : 1 comprimé le matin</item></list></text></section></component>
    <component><section><title>Résultats biologiques</title>
      <text><table><thead><tr><th>Examen</th><th>Résultat</th><th>Valeurs de référence</th></tr></thead>
        <tbody><tr><td>NT-proBNP</td><td>84 pg/mL</td><td>&lt; 125</td></tr><tr><td>Créatinine</td><td>68 µmol/L</td><td>45–90</td></tr></tbody></table></text></section></component>
    <component><section><title>Suivi</title>
      <text><paragraph>Consultation de cardiologie dans <content styleCode="Italics">trois mois</content>, avec bilan biologique.</paragraph></text></section></component>
  </structuredBody></component>
</ClinicalDocument>
"""
    metadata = metadata.replace(" </rim:RegistryObjectList>", f"""  <rim:ExtrinsicObject id="DOC0002" mimeType="text/xml" objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
   <rim:Slot name="URI"><rim:ValueList><rim:Value>DOC0002.XML</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="creationTime"><rim:ValueList><rim:Value>{NOW:%Y%m%d}163000</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="sourcePatientInfo"><rim:ValueList>
     <rim:Value>PID-3|{PATIENT_INS}^^^&amp;1.2.250.1.213.1.4.8&amp;ISO^NH</rim:Value>
     <rim:Value>PID-5|{patient_name[1]}^{patient_name[0]}^^^^^L</rim:Value>
     <rim:Value>PID-7|{birth}</rim:Value></rim:ValueList></rim:Slot>
   <rim:Name><rim:LocalizedString xml:lang="fr-FR" value="Lettre de liaison à la sortie"/></rim:Name>
   <rim:Classification classificationScheme="urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d" classifiedObject="DOC0002" nodeRepresentation="">
     <rim:Slot name="authorPerson"><rim:ValueList><rim:Value>810100000017^DUBOIS^Claire^^^Dr^^^&amp;1.2.250.1.71.4.2.1&amp;ISO</rim:Value></rim:ValueList></rim:Slot>
     <rim:Slot name="authorInstitution"><rim:ValueList><rim:Value>Centre hospitalier de démonstration^^^^^&amp;1.2.250.1.71.4.2.2&amp;ISO^IDNST^^^31750000000</rim:Value></rim:ValueList></rim:Slot></rim:Classification>
   <rim:Classification classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983" nodeRepresentation="11490-0">
     <rim:Name><rim:LocalizedString value="Lettre de liaison à la sortie"/></rim:Name></rim:Classification>
  </rim:ExtrinsicObject>
 </rim:RegistryObjectList>""")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("README.TXT", "Archive IHE XDM générée pour démonstration (données fictives).\r\n")
        z.writestr("INDEX.HTM", f"<html><body><h1>{doc_title}</h1><a href=\"IHE_XDM/SUBSET01/DOC0001.XML\">DOC0001.XML</a></body></html>")
        z.writestr("IHE_XDM/SUBSET01/METADATA.XML", metadata)
        z.writestr("IHE_XDM/SUBSET01/DOC0001.XML", cda)
        z.writestr("IHE_XDM/SUBSET01/DOC0001.PDF", pdf_bytes)
        z.writestr("IHE_XDM/SUBSET01/DOC0002.XML", letter)
    return buf.getvalue()


def message(sender, to, subject, body, days_ago=0.0, html=None, attachments=(), headers=None, charset=None, cc=(), message_id=None):
    m = EmailMessage()
    m["From"] = Address(sender[0], addr_spec=sender[1])
    m["To"] = ", ".join(str(Address(n, addr_spec=a)) for n, a in to)
    if cc:
        m["Cc"] = ", ".join(str(Address(n, addr_spec=a)) for n, a in cc)
    m["Subject"] = subject
    m["Date"] = format_datetime(NOW - timedelta(days=days_ago))
    m["Message-ID"] = message_id or make_msgid(domain=sender[1].split("@")[1])
    m["X-MSS-NIL"] = "DEMO-WEBMAIL-0001"
    for k, v in (headers or {}).items():
        m[k] = v
    if charset:
        m.set_content(body, charset=charset, cte="quoted-printable")
    else:
        m.set_content(body)
    if html:
        m.add_alternative(html, subtype="html")
    for name, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m.as_bytes()


def demo_corpus():
    """(mailbox, message bytes, seen) for every demo message."""
    cr_pdf = pdf(["CENTRE HOSPITALIER DE DEMONSTRATION - Service de biologie", "",
                  "Compte rendu d'examens biologiques (données fictives)", "Patiente : Hélène VIDAL, née le 12/07/1985", "",
                  "Hémoglobine : 12,8 g/dL", "Créatinine : 68 µmol/L (DFG estimé > 90)", "NT-proBNP : 84 pg/mL", "",
                  "Validé par le Dr Sophie LAMBERT"])
    adressage_pdf = pdf(["Cabinet médical de démonstration - Dr Marc GARNIER", "", "Lettre d'adressage (données fictives)",
                         "Cher confrère,", "Je vous adresse M. Bernard PETIT, 67 ans, pour une dyspnée d'effort",
                         "d'apparition récente. ECG joint : rythme sinusal, pas de trouble de repolarisation.",
                         "Bien confraternellement."])
    ecg_pdf = pdf(["ECG de repos - 12 dérivations (données fictives)", "Patient : Bernard PETIT", "FC 72/min, PR 160 ms, QRS 90 ms"])
    xdm = ihe_xdm(("Hélène", "VIDAL"), "19850712", "CR d'examens biologiques", "11502-2", cr_pdf)
    claire = CLAIRE[1]
    return [
        (claire, message(MARC, [CLAIRE], "Adressage : M. Bernard PETIT, dyspnée d'effort",
            "Chère consœur,\n\nJe vous adresse M. Bernard PETIT, 67 ans, que je suis pour une HTA traitée, "
            "pour une dyspnée d'effort d'apparition récente (NYHA II).\n\nVous trouverez ci-joint mon courrier et son dernier ECG.\n"
            "Pourriez-vous le recevoir dans les prochaines semaines ?\n\nBien confraternellement,\nDr Marc GARNIER\nMédecin généraliste",
            days_ago=0.05, attachments=[("Courrier_adressage_PETIT.pdf", "application/pdf", adressage_pdf),
                                        ("ECG_PETIT.pdf", "application/pdf", ecg_pdf)]), False),
        (claire, message(LABO, [CLAIRE], "XDM/1.0/DDM+CR d'examens biologiques VIDAL Hélène 19850712",
            "Bonjour,\n\nVeuillez trouver ci-joint le compte rendu d'examens biologiques de Mme Hélène VIDAL.\n\n"
            "Laboratoire de biologie médicale\nCentre hospitalier de démonstration",
            days_ago=0.3, headers={"X-MSS-CODECDA": "11502-2,11490-0", "X-MSS-INS": "O"},
            attachments=[("CR_biologie_VIDAL.pdf", "application/pdf", cr_pdf),
                         ("IHE_XDM.zip", "application/zip", xdm)]), False),
        (claire, message(SOPHIE, [CLAIRE], "Tension d'approvisionnement : bisoprolol 2,5 mg",
            "Bonjour,\n\nLe bisoprolol 2,5 mg est en tension d'approvisionnement jusqu'à fin décembre.\n"
            "Alternatives disponibles à la pharmacie : bisoprolol 1,25 mg (x2), nébivolol 5 mg.\n\nDr Sophie LAMBERT, pharmacienne",
            days_ago=1.2, html="""<html><body style="font-family:Arial">
<p>Bonjour,</p>
<p>Le <strong>bisoprolol 2,5&nbsp;mg</strong> est en tension d'approvisionnement jusqu'à fin décembre.</p>
<table border="1" cellpadding="4"><tr><th>Spécialité</th><th>Disponibilité</th></tr>
<tr><td>Bisoprolol 1,25 mg</td><td>Disponible (2 comprimés)</td></tr>
<tr><td>Nébivolol 5 mg</td><td>Disponible</td></tr></table>
<p><img src="https://pharmacie.example.invalid/logo.png" alt="Logo pharmacie"></p>
<script>alert('ce script ne doit jamais s\\'exécuter')</script>
<p>Dr Sophie LAMBERT, pharmacienne</p></body></html>"""), True),
        (claire, message(PATIENT, [CLAIRE], "Question sur mon traitement",
            "Bonjour Docteur,\n\nDepuis la nouvelle ordonnance j'ai des vertiges le matin. "
            "Dois-je continuer le traitement en attendant la consultation du 4 décembre ?\n\nMerci,\nHélène VIDAL",
            days_ago=2.0), False),
        (claire, message(JULIEN, [CLAIRE], "Planning des consultations semaine 48",
            "Bonjour Claire,\n\nVoici le planning des consultations infirmières de la semaine 48 :\n"
            "- lundi : éducation thérapeutique insuffisance cardiaque (3 patients)\n"
            "- mercredi : surveillance post-angioplastie\n- vendredi : consultations anticoagulants\n\nJulien",
            days_ago=3.5), True),
        (claire, message(("Dr Paul ROBIN", f"paul.robin@{H}"), [CLAIRE], "Compte rendu d'hospitalisation — M. Émile FAURE",
            "Chère consœur,\n\nM. Émile FAURE, 78 ans, a été hospitalisé du 10 au 14 novembre pour décompensation cardiaque "
            "globale. Évolution favorable sous diurétiques. Sortie à domicile avec passage infirmier.\n\n"
            "Traitement de sortie : furosémide 40 mg, bisoprolol 5 mg, ramipril 5 mg.\n\nDr Paul ROBIN, médecine interne",
            days_ago=6, charset="windows-1252"), True),
        (SECRETARIAT[1], message(("Lucie FONTAINE", f"lucie.fontaine@{C}"), [SECRETARIAT], "Demande de rendez-vous — Mme Lucie FONTAINE",
            "Bonjour,\n\nLe Dr GARNIER souhaite un rendez-vous de cardiologie pour Mme Lucie FONTAINE (palpitations).\n"
            "Disponibilités : mardis et jeudis après-midi.\n\nCordialement", days_ago=0.2), False),
        (SECRETARIAT[1], message(MARC, [SECRETARIAT], "Transmission ECG — M. Bernard PETIT",
            "Bonjour,\n\nCi-joint l'ECG de M. PETIT pour son dossier avant la consultation.\n\nDr GARNIER",
            days_ago=0.9, attachments=[("ECG_PETIT.pdf", "application/pdf", ecg_pdf)]), False),
        (SECRETARIAT[1], message(("Accueil des consultations", f"accueil@{H}"), [SECRETARIAT], "Annulation : consultation du 28 novembre, M. René CARON",
            "Bonjour,\n\nM. René CARON annule sa consultation du 28 novembre à 10 h 30. Merci de le recontacter.\n\nL'accueil",
            days_ago=1.7), True),
        (JULIEN[1], message(CLAIRE, [JULIEN], "Patients à revoir en éducation thérapeutique",
            "Julien,\n\nPeux-tu revoir M. FAURE et Mme VIDAL en séance d'éducation thérapeutique avant la fin du mois ?\n\nMerci,\nClaire",
            days_ago=0.5), False),
        (JULIEN[1], message(SECRETARIAT, [JULIEN], "Réunion de service jeudi 14 h",
            "Bonjour à tous,\n\nLa réunion de service aura lieu jeudi à 14 h en salle 2.\n\nLe secrétariat", days_ago=2.2), True),
        (MARC[1], message(CLAIRE, [MARC], "RE: Adressage : M. Bernard PETIT",
            "Cher confrère,\n\nMerci pour votre courrier. M. PETIT est convoqué le 3 décembre pour une échographie cardiaque.\n\n"
            "Bien confraternellement,\nDr Claire DUBOIS", days_ago=0.01), False),
        (PATIENT[1], message(CLAIRE, [PATIENT], "Votre consultation du 4 décembre",
            "Madame,\n\nVotre consultation de cardiologie est confirmée le 4 décembre à 9 h 15.\n\nDr Claire DUBOIS",
            days_ago=4), True),
    ]


def doveadm(*args, stdin=None):
    subprocess.run(["doveadm", "-c", DOVECOT_CONF, *args], input=stdin, check=True)


def report(sender, to, subject, days_ago, kind, fields, original_headers, text):
    """A multipart/report (RFC 6522): a DSN (kind "delivery-status") or an MDN ("disposition-notification")."""
    boundary = "rapport-" + kind
    headers_part = "".join(f"{k}: {v}\r\n" for k, v in original_headers.items())
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {format_datetime(NOW - timedelta(days=days_ago))}\r\n"
            f"Message-ID: {make_msgid(domain='demo.mssante.fr')}\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/report; report-type={kind}; boundary=\"{boundary}\"\r\n\r\n"
            f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n"
            f"--{boundary}\r\nContent-Type: message/{kind}\r\n\r\n{fields}\r\n"
            f"--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n{headers_part}\r\n--{boundary}--\r\n").encode()


def receipts_corpus():
    """Julien's messages to patients and a colleague, in his Sent folder, and what came back about
    them in his INBOX: three Mon Espace Santé bounces, a delivery notification and a read receipt."""
    julien = JULIEN[1]
    unknown, closed = "279035121518989@" + P, "185052A12345644@" + P
    sent = [
        ("envoi-remis", PATIENT, "Votre bilan de sortie", 3.0),
        ("envoi-inconnu", ("Patient", unknown), "Résultats de votre échographie", 2.5),
        ("envoi-ferme", ("Patient", closed), "Rappel : rendez-vous de contrôle", 2.2),
        ("envoi-lourd", PATIENT, "Imagerie de contrôle (dossier complet)", 2.0),
        ("envoi-avis", MARC, "Avis sur M. Bernard PETIT", 1.5),
    ]
    items = []
    for key, to, subject, days in sent:
        items.append((julien, message(JULIEN, [to], subject, "Bonjour,\n\nci-joint les éléments annoncés.\n\nJulien MOREAU",
                                      days_ago=days, message_id=f"<{key}@{H}>", headers={"Disposition-Notification-To": julien}),
                      True, "Sent"))
    daemon = f"MAILER-DAEMON@mx.{P}"
    def dsn(key, to, subject, action, status, diagnostic, days):
        fields = (f"Reporting-MTA: dns; mx.{P}\r\nArrival-Date: {format_datetime(NOW - timedelta(days=days + 0.01))}\r\n\r\n"
                  f"Final-Recipient: rfc822; {to}\r\nAction: {action}\r\nStatus: {status}\r\nDiagnostic-Code: smtp; {diagnostic}\r\n")
        title = "Delivery Status Notification (Success)" if action == "delivered" else "Undelivered Mail Returned to Sender"
        text = "Votre message a été remis." if action == "delivered" else "Votre message n'a pas pu être remis.\r\n" + diagnostic
        return (julien, report(daemon, julien, title, days, "delivery-status", fields,
                               {"From": julien, "To": to, "Subject": subject, "Message-ID": f"<{key}@{H}>"}, text), False, "INBOX")
    items += [
        dsn("envoi-remis", PATIENT[1], "Votre bilan de sortie", "delivered", "2.0.0", "250 2.0.0 Ok: remis dans Mon espace santé", 2.9),
        dsn("envoi-inconnu", unknown, "Résultats de votre échographie", "failed", "5.1.1",
            "550 5.1.1 Adresse inexistante ou opposition du patient à Mon espace santé", 2.4),
        dsn("envoi-ferme", closed, "Rappel : rendez-vous de contrôle", "failed", "5.2.1", "550 5.2.1 Messagerie Mon espace santé fermée", 2.1),
        dsn("envoi-lourd", PATIENT[1], "Imagerie de contrôle (dossier complet)", "failed", "5.3.4",
            "552 5.3.4 Message trop volumineux (25 Mo maximum)", 1.9),
    ]
    mdn_fields = (f"Reporting-UA: webmail; MSSanté\r\nFinal-Recipient: rfc822; {MARC[1]}\r\n"
                  f"Original-Message-ID: <envoi-avis@{H}>\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n")
    items.append((julien, report(MARC[1], julien, "Lu : Avis sur M. Bernard PETIT", 1.4, "disposition-notification", mdn_fields,
                                 {"Message-ID": f"<envoi-avis@{H}>", "Subject": "Avis sur M. Bernard PETIT"},
                                 "Votre message a été affiché par le destinataire."), False, "INBOX"))
    return items


def seed_demo():
    # oldest first, so that UIDs follow dates as they would with real delivery
    corpus = [(box, raw, seen, "INBOX") for box, raw, seen in demo_corpus()] + receipts_corpus()
    corpus = sorted(corpus, key=lambda item: parsedate_to_datetime(message_from_bytes(item[1])["Date"]))
    seen_uids = {}
    for box, raw, seen, folder in corpus:
        doveadm("save", "-u", box, "-m", folder, stdin=raw)
        count = int(subprocess.run(["doveadm", "-c", DOVECOT_CONF, "-f", "flow", "mailbox", "status", "-u", box,
                                    "uidnext", folder], capture_output=True, text=True, check=True).stdout.split("=")[1]) - 1
        if seen:
            seen_uids.setdefault((box, folder), []).append(str(count))
    for (box, folder), uids in seen_uids.items():
        doveadm("flags", "add", "-u", box, "\\Seen", "mailbox", folder, "uid", ",".join(uids))
    print(f"  courrier de démonstration : {len(corpus)} messages dans {len({b for b, _, _, _ in corpus})} boîtes")


SUBJECTS = ["Compte rendu de consultation", "Résultats d'examens", "Demande d'avis", "Lettre de sortie", "Ordonnance",
            "Transmission infirmière", "Demande de rendez-vous", "Compte rendu opératoire", "Avis cardiologique",
            "Suivi post-hospitalisation"]
NAMES = ["MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT",
         "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER", "MOREL"]


def seed_load(accounts, n):
    """The load run's accounts (operator/load_accounts.py), n messages each."""
    start = time.time()
    for i in range(1, accounts + 1):
        seed_bench(n, f"charge.{i:04d}@{H}", quiet=True)
    print(f"  {accounts} comptes de charge, {n} messages chacun, en {time.time() - start:.0f} s")


def seed_bench(n, user, quiet=False):
    """Write n messages straight into user's Maildir (doveadm save per message would take minutes)."""
    local, domain = user.split("@")
    cur = f"{STATE}/data/mail/{domain}/{local}/Maildir/cur"
    doveadm("mailbox", "status", "-u", user, "messages", "INBOX")   # creates the Maildir
    os.makedirs(cur, exist_ok=True)
    rnd = random.Random(42)
    start, host = time.time(), "seed"
    for i in range(n):
        when = NOW - timedelta(minutes=(n - i) * 7)
        sender = rnd.choice(NAMES)
        body = (f"Bonjour,\n\nMessage de charge n° {i + 1} (données fictives).\n"
                f"Patient : M. {rnd.choice(NAMES)}, suivi {rnd.choice(['cardiologique', 'diabétologique', 'post-opératoire'])}.\n\n"
                f"Dr {sender.title()}\n")
        # every fourth message starts a conversation that the next three answer
        root = i - i % 4
        thread = f"In-Reply-To: <bench.{i - 1}@{C}>\r\nReferences: <bench.{root}@{C}> <bench.{i - 1}@{C}>\r\n" if i % 4 else ""
        raw = (f"From: Dr {sender.title()} <{sender.lower()}.{i % 97}@{C}>\r\nTo: <{user}>\r\n"
               f"Subject: {rnd.choice(SUBJECTS)} n° {i + 1}\r\nDate: {format_datetime(when)}\r\n"
               f"Message-ID: <bench.{i}@{C}>\r\n{thread}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
               f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}").encode()
        flags = "S" if rnd.random() < 0.8 else ""
        # S= and W= (size with CRLF line ends, IMAP's RFC822.SIZE) in the name, as Dovecot's own
        # deliveries have them: without W=, the first RFC822.SIZE of each message makes Dovecot
        # rewrite the folder's dovecot-uidlist, and every other session re-read it
        vsize = len(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        path = f"{cur}/{int(when.timestamp())}.M{i}P{os.getpid()}.{host},S={len(raw)},W={vsize}:2,{flags}"
        with open(path, "wb") as f:
            f.write(raw)
        os.utime(path, (when.timestamp(), when.timestamp()))
    subprocess.run(["chown", "-R", "5000:5000", f"{STATE}/data/mail/{domain}/{local}"], check=True)
    doveadm("force-resync", "-u", user, "INBOX")
    if not quiet:
        print(f"  {n} messages écrits dans {user} en {time.time() - start:.1f} s")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "demo":
        seed_demo()
    elif len(sys.argv) >= 3 and sys.argv[1] == "bench":
        seed_bench(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else f"bench@{H}")
    elif len(sys.argv) == 4 and sys.argv[1] == "load":
        seed_load(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)
