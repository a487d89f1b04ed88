//! IHE XDM archives (ITI-32) as MSSanté carries them: `IHE_XDM.zip` with
//! `IHE_XDM/<SUBSET>/METADATA.XML` describing the documents beside it.

use app::reading::XdmDocument;
use std::io::{Cursor, Read};

/// Largest document served out of an archive (a guard against zip bombs).
const MAX_ENTRY: u64 = 50 * 1024 * 1024;
/// Largest METADATA.XML read, and how many of them: an archive is opened each time its message
/// is, so what it may inflate to is bounded well below a document's size.
const MAX_METADATA: u64 = 2 * 1024 * 1024;
const MAX_SUBMISSION_SETS: usize = 20;

pub fn is_xdm(name: &str) -> bool {
    name.eq_ignore_ascii_case("IHE_XDM.zip")
}

/// The entry's bytes, or nothing when it inflates past `limit` (whatever size it declares).
fn read_entry(archive: &mut zip::ZipArchive<Cursor<&[u8]>>, path: &str, limit: u64) -> Option<Vec<u8>> {
    let file = archive.by_name(path).ok()?;
    if file.size() > limit {
        return None;
    }
    let mut out = Vec::new();
    file.take(limit + 1).read_to_end(&mut out).ok()?;
    (out.len() as u64 <= limit).then_some(out)
}

/// The documents listed by every METADATA.XML of the archive; empty when it is not a readable XDM.
pub fn documents(zip_bytes: &[u8]) -> Vec<XdmDocument> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(zip_bytes)) else { return vec![] };
    let metadata_files: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_string())
        .filter(|n| n.to_ascii_uppercase().starts_with("IHE_XDM/") && n.to_ascii_uppercase().ends_with("/METADATA.XML"))
        .take(MAX_SUBMISSION_SETS)
        .collect();
    let mut documents = Vec::new();
    for metadata in metadata_files {
        let subset = metadata.rsplit_once('/').map(|(dir, _)| dir).unwrap_or_default().to_string();
        let Some(xml) = read_entry(&mut archive, &metadata, MAX_METADATA) else { continue };
        let Ok(text) = String::from_utf8(xml) else { continue };
        let Ok(doc) = roxmltree::Document::parse(&text) else { continue };
        for object in doc.descendants().filter(|n| n.tag_name().name() == "ExtrinsicObject") {
            let slot = |name: &str| -> Vec<String> {
                object
                    .children()
                    .filter(|n| n.tag_name().name() == "Slot" && n.attribute("name") == Some(name))
                    .flat_map(|s| s.descendants().filter(|v| v.tag_name().name() == "Value"))
                    .filter_map(|v| v.text().map(|t| t.trim().to_string()))
                    .collect()
            };
            let Some(uri) = slot("URI").into_iter().next() else { continue };
            let title = object
                .children()
                .find(|n| n.tag_name().name() == "Name")
                .and_then(|n| n.descendants().find(|v| v.tag_name().name() == "LocalizedString"))
                .and_then(|v| v.attribute("value"))
                .unwrap_or(&uri)
                .to_string();
            let patient = slot("sourcePatientInfo")
                .iter()
                .find_map(|v| v.strip_prefix("PID-5|"))
                .map(|name| name.split('^').filter(|p| !p.is_empty()).take(2).collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
            let classification = |scheme: &str| {
                object.children().find(|n| n.tag_name().name() == "Classification" && n.attribute("classificationScheme") == Some(scheme))
            };
            let kind = classification(TYPE_CODE)
                .map(|c| {
                    let code = c.attribute("nodeRepresentation").unwrap_or_default();
                    let named = c.descendants().find(|v| v.tag_name().name() == "LocalizedString").and_then(|v| v.attribute("value"));
                    app::patient::document_type(code).or(named).unwrap_or(code).to_string()
                })
                .unwrap_or_default();
            let author = classification(AUTHOR).map(author_of).unwrap_or_default();
            documents.push(XdmDocument {
                path: format!("{subset}/{uri}"),
                title: bounded(&title),
                mime_type: object.attribute("mimeType").unwrap_or("application/octet-stream").to_string(),
                created: slot("creationTime").into_iter().next().map(|t| french_date(&t)).unwrap_or_default(),
                patient: bounded(&patient),
                kind: bounded(&kind),
                author: bounded(&author),
            });
        }
    }
    documents
}

/// XDS classification schemes (ITI TF-3 4.2.5): the document's type (LOINC) and its author.
const TYPE_CODE: &str = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983";
const AUTHOR: &str = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d";

/// Metadata texts are the sender's: shown on one line, at most 120 characters.
fn bounded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(120).collect()
}

/// "Dr Claire DUBOIS (Centre hospitalier …)" from the author classification's `authorPerson`
/// (HL7 XCN: id^FAMILY^Given^^^Prefix) and `authorInstitution` (XON: Name^…) slots.
fn author_of(classification: roxmltree::Node) -> String {
    let slot = |name: &str| {
        classification
            .children()
            .filter(|n| n.tag_name().name() == "Slot" && n.attribute("name") == Some(name))
            .flat_map(|s| s.descendants().filter(|v| v.tag_name().name() == "Value"))
            .find_map(|v| v.text().map(str::trim).filter(|t| !t.is_empty()))
            .unwrap_or_default()
    };
    let person: Vec<&str> = slot("authorPerson").split('^').collect();
    let part = |i: usize| person.get(i).copied().unwrap_or_default();
    let name = [part(5), part(2), part(1)].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
    let institution = slot("authorInstitution").split('^').next().unwrap_or_default();
    match (name.is_empty(), institution.is_empty()) {
        (false, false) => format!("{name} ({institution})"),
        (false, true) => name,
        _ => institution.to_string(),
    }
}

/// One file of the archive, if it is one the metadata lists (nothing else is served).
pub fn document(zip_bytes: &[u8], path: &str) -> Option<Vec<u8>> {
    if !documents(zip_bytes).iter().any(|d| d.path == path) {
        return None;
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).ok()?;
    read_entry(&mut archive, path, MAX_ENTRY)
}

/// The PDF version of the CDA document `cda` read from `path` (by [`document`]): its twin in the
/// archive (same folder and name, `.PDF`), else the PDF embedded in a level-1 CDA
/// (`nonXMLBody/text`, base64).
pub fn pdf_version(zip_bytes: &[u8], path: &str, cda: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).ok()?;
    let stem = path.rsplit_once('.').map_or(path, |(stem, _)| stem).to_ascii_uppercase();
    let twin = archive.file_names().filter_map(Result::ok).find(|n| n.to_ascii_uppercase() == format!("{stem}.PDF")).map(|n| n.to_string());
    if let Some(pdf) = twin.and_then(|twin| read_entry(&mut archive, &twin, MAX_ENTRY)) {
        return Some(pdf);
    }
    let text = std::str::from_utf8(cda).ok().filter(|t| t.len() <= super::cda::MAX_BYTES)?;
    let doc = roxmltree::Document::parse(text).ok()?;
    let body = doc.root_element().children().find(|n| n.tag_name().name() == "component")?;
    let embedded = child(child(body, "nonXMLBody")?, "text")?;
    if embedded.attribute("mediaType") != Some("application/pdf") || embedded.attribute("representation") != Some("B64") {
        return None;
    }
    base64_decoded(embedded.text()?.as_bytes()).filter(|pdf| pdf.starts_with(b"%PDF"))
}

/// Base64 as mail and XML carry it, cut into lines: the bytes, or nothing when it is not base64.
pub fn base64_decoded(encoded: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    let compact: Vec<u8> = encoded.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(compact).ok()
}

/// What the X-MSS-CODECDA and X-MSS-INS headers say of an archive's CDA documents.
#[derive(Debug, PartialEq, Eq)]
pub struct CdaSummary {
    /// The `code` of each CDA document's header.
    pub codes: Vec<String>,
    /// Every document identifies its patient by an INS (NIR/NIA OID) with the four identity
    /// traits (family name, given name, birth date, sex).
    pub qualified_ins: bool,
}

/// INS object identifiers: NIR, NIA, and their test variants.
const INS_OIDS: [&str; 4] = ["1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11"];

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == name)
}

/// The CDA documents of an archive (XML documents its metadata lists); None when there are none.
pub fn cda_summary(zip_bytes: &[u8]) -> Option<CdaSummary> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip_bytes)).ok()?;
    let (mut codes, mut qualified) = (Vec::new(), true);
    for listed in documents(zip_bytes).into_iter().filter(|d| d.mime_type.ends_with("xml")) {
        let Some(bytes) = read_entry(&mut archive, &listed.path, MAX_ENTRY) else { continue };
        let Ok(text) = String::from_utf8(bytes) else { continue };
        let Ok(doc) = roxmltree::Document::parse(&text) else { continue };
        let root = doc.root_element();
        if root.tag_name().name() != "ClinicalDocument" {
            continue;
        }
        codes.extend(child(root, "code").and_then(|c| c.attribute("code")).map(String::from));
        let role = child(root, "recordTarget").and_then(|r| child(r, "patientRole"));
        let ins = role.is_some_and(|r| {
            r.children().any(|id| id.tag_name().name() == "id" && id.attribute("root").is_some_and(|o| INS_OIDS.contains(&o)))
        });
        let patient = role.and_then(|r| child(r, "patient"));
        let name = patient.and_then(|p| child(p, "name"));
        let traits = name.is_some_and(|n| child(n, "family").is_some() && child(n, "given").is_some())
            && patient.is_some_and(|p| child(p, "birthTime").is_some() && child(p, "administrativeGenderCode").is_some());
        qualified &= ins && traits;
    }
    (!codes.is_empty()).then_some(CdaSummary { codes, qualified_ins: qualified })
}

/// "20261122143000" → "22/11/2026".
fn french_date(hl7: &str) -> String {
    match (hl7.get(0..4), hl7.get(4..6), hl7.get(6..8)) {
        (Some(y), Some(m), Some(d)) if hl7[..8].chars().all(|c| c.is_ascii_digit()) => format!("{d}/{m}/{y}"),
        _ => hl7.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn archive(metadata: &str, cda: &str) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("README.TXT", options).unwrap();
        zip.write_all(b"XDM").unwrap();
        zip.start_file("IHE_XDM/SUBSET01/METADATA.XML", options).unwrap();
        zip.write_all(metadata.as_bytes()).unwrap();
        zip.start_file("IHE_XDM/SUBSET01/DOC0001.XML", options).unwrap();
        zip.write_all(cda.as_bytes()).unwrap();
        zip.finish().unwrap();
        buf.into_inner()
    }

    const METADATA: &str = r#"<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"><rim:RegistryObjectList>
<rim:ExtrinsicObject id="DOC0001" mimeType="text/xml">
 <rim:Slot name="URI"><rim:ValueList><rim:Value>DOC0001.XML</rim:Value></rim:ValueList></rim:Slot>
 <rim:Slot name="creationTime"><rim:ValueList><rim:Value>20261122143000</rim:Value></rim:ValueList></rim:Slot>
 <rim:Slot name="sourcePatientInfo"><rim:ValueList><rim:Value>PID-3|285077511234511^^^&amp;1.2.250.1.213.1.4.8&amp;ISO^NH</rim:Value>
   <rim:Value>PID-5|VIDAL^Hélène^^^^^L</rim:Value></rim:ValueList></rim:Slot>
 <rim:Name><rim:LocalizedString value="CR d'examens biologiques"/></rim:Name>
 <rim:Classification classificationScheme="urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d" classifiedObject="DOC0001" nodeRepresentation="">
   <rim:Slot name="authorPerson"><rim:ValueList><rim:Value>810100000017^DUBOIS^Claire^^^Dr^^^&amp;1.2.250.1.71.4.2.1&amp;ISO</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="authorInstitution"><rim:ValueList><rim:Value>Laboratoire de démonstration^^^^^&amp;1.2.250.1.71.4.2.2&amp;ISO^IDNST^^^31750000000</rim:Value></rim:ValueList></rim:Slot>
 </rim:Classification>
 <rim:Classification classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983" classifiedObject="DOC0001" nodeRepresentation="11502-2">
   <rim:Name><rim:LocalizedString value="CR d'examens biologiques"/></rim:Name></rim:Classification>
</rim:ExtrinsicObject></rim:RegistryObjectList></lcm:SubmitObjectsRequest>"#;

    #[test]
    fn lists_documents_from_metadata() {
        let docs = documents(&archive(METADATA, "<ClinicalDocument/>"));
        assert_eq!(docs, vec![XdmDocument {
            path: "IHE_XDM/SUBSET01/DOC0001.XML".into(),
            title: "CR d'examens biologiques".into(),
            mime_type: "text/xml".into(),
            created: "22/11/2026".into(),
            patient: "VIDAL Hélène".into(),
            kind: "Compte rendu d'examens biologiques".into(),
            author: "Dr Claire DUBOIS (Laboratoire de démonstration)".into(),
        }]);
    }

    #[test]
    fn serves_only_listed_documents() {
        let zip = archive(METADATA, "<ClinicalDocument/>");
        assert_eq!(document(&zip, "IHE_XDM/SUBSET01/DOC0001.XML").unwrap(), b"<ClinicalDocument/>");
        assert!(document(&zip, "README.TXT").is_none());
        assert!(document(&zip, "../../etc/passwd").is_none());
    }

    #[test]
    fn cda_code_and_qualified_ins_for_the_mss_headers() {
        let cda = |gender: &str| format!(r#"<ClinicalDocument xmlns="urn:hl7-org:v3"><code code="11502-2"/>
            <recordTarget><patientRole><id root="1.2.250.1.213.1.4.8" extension="285077511234511"/>
            <patient><name><family>VIDAL</family><given>Hélène</given></name>{gender}<birthTime value="19850711"/></patient>
            </patientRole></recordTarget></ClinicalDocument>"#);
        let qualified = cda_summary(&archive(METADATA, &cda(r#"<administrativeGenderCode code="F"/>"#))).unwrap();
        assert_eq!(qualified, CdaSummary { codes: vec!["11502-2".into()], qualified_ins: true });
        let missing_sex = cda_summary(&archive(METADATA, &cda(""))).unwrap();
        assert!(!missing_sex.qualified_ins);
        assert_eq!(cda_summary(&archive(METADATA, "<autre/>")), None);
    }

    #[test]
    fn an_archive_inflating_past_its_budget_is_not_read() {
        // a valid METADATA.XML padded to 3 MB of white space: a few kilobytes compressed
        let padded = format!("{METADATA}{}", " ".repeat(3 * 1024 * 1024));
        let bomb = archive(&padded, "<ClinicalDocument/>");
        assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
        assert!(documents(&bomb).is_empty());
        assert!(!documents(&archive(METADATA, "<ClinicalDocument/>")).is_empty(), "the same metadata unpadded is read");
    }

    #[test]
    fn not_an_archive_gives_nothing() {
        assert!(documents(b"PK not really").is_empty());
    }
}
