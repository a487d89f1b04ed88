//! Reading a CDA R2 document for the document page: its header (patient, author, custodian,
//! date, type) and its level-3 narrative (`section/text`) as a typed tree. The XML comes from
//! any sender of the trust space: no DTD (so no entity expansion, internal or external), at most
//! `MAX_BYTES` and `MAX_NODES`, a bounded depth; anything refused gets a French notice.

use app::documents::{Block, HealthDocument, Section, Span};
use roxmltree::{Node, ParsingOptions};

/// Largest CDA read (a level-3 letter is tens of kB; a level 1 with its PDF a few MB).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;
const MAX_NODES: u32 = 500_000;
/// Sections nested deeper, and narrative elements deeper, are flattened to their text.
const MAX_SECTION_DEPTH: usize = 8;
const MAX_BLOCK_DEPTH: usize = 24;
/// Most blocks, rows and characters kept: the page stays readable whatever is sent.
const MAX_BLOCKS: usize = 2_000;
const MAX_TEXT: usize = 200_000;

fn named<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.tag_name().name() == name)
}

fn all<'a, 'i>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.tag_name().name() == name)
}

fn path<'a, 'i>(node: Node<'a, 'i>, names: &[&str]) -> Option<Node<'a, 'i>> {
    names.iter().try_fold(node, |n, name| named(n, name))
}

/// All text below `node`, spaces collapsed, bounded.
fn text_of(node: Node) -> String {
    let mut out = String::new();
    for t in node.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()) {
        if out.len() > MAX_TEXT {
            break;
        }
        out.push_str(t);
        out.push(' ');
    }
    collapse(&out)
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "Dr Sophie LAMBERT" from an HL7 name (prefix, given, family).
fn person(name: Option<Node>) -> String {
    let Some(name) = name else { return String::new() };
    let parts: Vec<String> = ["prefix", "given", "family"].iter().flat_map(|p| all(name, p)).map(text_of).filter(|t| !t.is_empty()).collect();
    if parts.is_empty() { text_of(name) } else { parts.join(" ") }
}

/// "20261122143000+0100" → "22/11/2026 à 14:30" (the date alone when no time).
fn hl7_date(value: &str) -> String {
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    match (digits.get(0..4), digits.get(4..6), digits.get(6..8), digits.get(8..10), digits.get(10..12)) {
        (Some(y), Some(m), Some(d), Some(h), Some(min)) => format!("{d}/{m}/{y} à {h}:{min}"),
        (Some(y), Some(m), Some(d), _, _) => format!("{d}/{m}/{y}"),
        _ => value.chars().take(40).collect(),
    }
}

/// What went wrong with the XML, for the user.
fn refusal(e: &roxmltree::Error) -> String {
    let why = match e {
        roxmltree::Error::DtdDetected => "il déclare une DTD (entités), refusée par sécurité".to_string(),
        roxmltree::Error::NodesLimitReached => "il compte trop d'éléments".to_string(),
        roxmltree::Error::EntityReferenceLoop(_) => "il contient des entités en boucle".to_string(),
        other => format!("le XML est mal formé ({other})"),
    };
    format!("Ce document ne peut pas être affiché : {why}. Vous pouvez le télécharger pour l'ouvrir dans votre logiciel métier.")
}

/// The document as the page shows it; `pdf` is where its PDF version opens, if it has one.
pub fn read(xml: &[u8], pdf: Option<String>) -> HealthDocument {
    let unreadable = |notice: String| HealthDocument { pdf: pdf.clone(), notice: Some(notice), ..HealthDocument::default() };
    if xml.len() > MAX_BYTES {
        return unreadable(format!(
            "Ce document est trop volumineux pour être affiché ({} Mo, au plus {} Mo) : téléchargez-le.",
            xml.len() / 1_000_000,
            MAX_BYTES / 1_000_000
        ));
    }
    let Ok(text) = std::str::from_utf8(xml) else {
        return unreadable("Ce document ne peut pas être affiché : il n'est pas encodé en UTF-8.".into());
    };
    let options = ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES, ..ParsingOptions::default() };
    let doc = match roxmltree::Document::parse_with_options(text, options) {
        Ok(doc) => doc,
        Err(e) => return unreadable(refusal(&e)),
    };
    let root = doc.root_element();
    if root.tag_name().name() != "ClinicalDocument" {
        return unreadable("Ce fichier n'est pas un document CDA : téléchargez-le pour l'ouvrir.".into());
    }
    let patient_role = path(root, &["recordTarget", "patientRole"]);
    let patient = patient_role.and_then(|r| named(r, "patient"));
    let ins = patient_role.and_then(|r| all(r, "id").find_map(|id| id.attribute("extension")));
    let birth = patient.and_then(|p| named(p, "birthTime")).and_then(|b| b.attribute("value")).map(hl7_date);
    let patient_line = [
        Some(person(patient.and_then(|p| named(p, "name")))).filter(|s| !s.is_empty()),
        birth.map(|b| format!("né(e) le {b}")),
        ins.map(|i| format!("INS {}", app::patient::spaced_ins(i))),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let assigned = path(root, &["author", "assignedAuthor"]);
    let author = [
        person(assigned.and_then(|a| path(a, &["assignedPerson", "name"]))),
        assigned.and_then(|a| path(a, &["representedOrganization", "name"])).map(text_of).unwrap_or_default(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let code = named(root, "code");
    let kind = code
        .and_then(|c| c.attribute("displayName").map(collapse))
        .or_else(|| code.and_then(|c| c.attribute("code")).map(|c| app::patient::document_type(c).map_or_else(|| c.to_string(), String::from)))
        .unwrap_or_default();
    let mut budget = MAX_BLOCKS;
    let body = path(root, &["component", "structuredBody"]);
    let sections = body
        .map(|b| all(b, "component").filter_map(|c| named(c, "section")).map(|s| section(s, 0, &mut budget)).collect())
        .unwrap_or_default();
    let notice = (budget == 0).then(|| "Ce document est très long : seul son début est affiché ; téléchargez-le pour le lire en entier.".to_string());
    HealthDocument {
        title: named(root, "title").map(text_of).filter(|t| !t.is_empty()).unwrap_or_else(|| kind.clone()),
        kind,
        date: named(root, "effectiveTime").and_then(|e| e.attribute("value")).map(hl7_date).unwrap_or_default(),
        patient: patient_line,
        author,
        custodian: path(root, &["custodian", "assignedCustodian", "representedCustodianOrganization", "name"]).map(text_of).unwrap_or_default(),
        pdf,
        sections,
        notice,
    }
}

fn section(node: Node, depth: usize, budget: &mut usize) -> Section {
    let title = named(node, "title").map(text_of).unwrap_or_default();
    let mut blocks = Vec::new();
    if let Some(text) = named(node, "text") {
        narrative(text, 0, budget, &mut blocks);
    }
    let subsections = if depth < MAX_SECTION_DEPTH {
        all(node, "component").filter_map(|c| named(c, "section")).map(|s| section(s, depth + 1, budget)).collect()
    } else {
        // deeper than any real document: its text, flat
        let rest: String = all(node, "component").map(text_of).collect::<Vec<_>>().join(" ");
        if !rest.is_empty() && *budget > 0 {
            *budget -= 1;
            blocks.push(Block::Paragraph(vec![Span { text: rest, ..Span::default() }]));
        }
        vec![]
    };
    Section { title, blocks, subsections }
}

/// Spans of inline narrative (`content` with styleCode, `br`, text), bounded in depth.
fn spans(node: Node, depth: usize, bold: bool, italic: bool, out: &mut Vec<Span>) {
    for child in node.children() {
        if child.is_text() {
            let text = collapse(child.text().unwrap_or_default());
            if !text.is_empty() {
                out.push(Span { text, bold, italic, br: false });
            }
            continue;
        }
        match child.tag_name().name() {
            "br" => match out.last_mut() {
                Some(last) => last.br = true,
                None => out.push(Span { br: true, ..Span::default() }),
            },
            "renderMultiMedia" => out.push(Span { text: "[image non affichée]".into(), italic: true, ..Span::default() }),
            _ if depth >= MAX_BLOCK_DEPTH => out.push(Span { text: text_of(child), bold, italic, br: false }),
            _ => {
                let style = child.attribute("styleCode").unwrap_or_default();
                let b = bold || style.contains("Bold") || ["b", "strong"].contains(&child.tag_name().name());
                let i = italic || style.contains("Italics") || ["i", "em"].contains(&child.tag_name().name());
                spans(child, depth + 1, b, i, out);
            }
        }
    }
}

fn cells(row: Node) -> Vec<String> {
    row.children().filter(|c| ["td", "th"].contains(&c.tag_name().name())).take(50).map(text_of).collect()
}

/// Block-level narrative: paragraphs, lists and tables; loose inline content becomes a paragraph.
fn narrative(node: Node, depth: usize, budget: &mut usize, out: &mut Vec<Block>) {
    let mut loose: Vec<Span> = Vec::new();
    let flush = |loose: &mut Vec<Span>, out: &mut Vec<Block>, budget: &mut usize| {
        if !loose.is_empty() && *budget > 0 {
            *budget -= 1;
            out.push(Block::Paragraph(std::mem::take(loose)));
        }
        loose.clear();
    };
    for child in node.children() {
        if *budget == 0 {
            break;
        }
        let name = if child.is_element() { child.tag_name().name() } else { "" };
        match name {
            "paragraph" => {
                flush(&mut loose, out, budget);
                let mut p = Vec::new();
                spans(child, depth + 1, false, false, &mut p);
                flush(&mut p, out, budget);
            }
            "list" => {
                flush(&mut loose, out, budget);
                let ordered = child.attribute("listType") == Some("ordered");
                let items = all(child, "item")
                    .take(500)
                    .map(|item| {
                        let mut s = Vec::new();
                        spans(item, depth + 1, false, false, &mut s);
                        s
                    })
                    .collect();
                *budget -= 1;
                out.push(Block::List { ordered, items });
            }
            "table" => {
                flush(&mut loose, out, budget);
                let rows_in = |part: &str| -> Vec<Vec<String>> {
                    all(child, part).flat_map(|p| all(p, "tr")).take(1_000).map(cells).collect()
                };
                let mut rows = rows_in("tbody");
                rows.extend(all(child, "tr").take(1_000).map(cells));
                *budget -= 1;
                out.push(Block::Table { caption: named(child, "caption").map(text_of).unwrap_or_default(), head: rows_in("thead"), rows });
            }
            _ if depth >= MAX_BLOCK_DEPTH => loose.push(Span { text: text_of(child), ..Span::default() }),
            "" | "content" | "br" | "sub" | "sup" | "linkHtml" | "footnote" | "renderMultiMedia" => {
                // inline content between blocks
                let wrapper = child;
                if child.is_text() {
                    let text = collapse(child.text().unwrap_or_default());
                    if !text.is_empty() {
                        loose.push(Span { text, ..Span::default() });
                    }
                } else if name == "br" {
                    if let Some(last) = loose.last_mut() {
                        last.br = true;
                    }
                } else {
                    let style = wrapper.attribute("styleCode").unwrap_or_default();
                    spans(wrapper, depth + 1, style.contains("Bold"), style.contains("Italics"), &mut loose);
                }
            }
            // anything else (caption of the text, unknown elements): its blocks, one level down
            _ => {
                flush(&mut loose, out, budget);
                narrative(child, depth + 1, budget, out);
            }
        }
    }
    flush(&mut loose, out, budget);
}

#[cfg(test)]
mod tests {
    use super::*;

    const LETTER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <code code="11490-0" codeSystem="2.16.840.1.113883.6.1" displayName="Lettre de liaison à la sortie"/>
  <title>Lettre de liaison — hospitalisation de cardiologie</title>
  <effectiveTime value="20261120163000+0100"/>
  <recordTarget><patientRole><id root="1.2.250.1.213.1.4.8" extension="285077511234511"/>
    <patient><name><family>VIDAL</family><given>Hélène</given></name><birthTime value="19850712"/></patient>
  </patientRole></recordTarget>
  <author><assignedAuthor><assignedPerson><name><prefix>Dr</prefix><given>Claire</given><family>DUBOIS</family></name></assignedPerson>
    <representedOrganization><name>CH de démonstration</name></representedOrganization></assignedAuthor></author>
  <custodian><assignedCustodian><representedCustodianOrganization><name>CH de démonstration</name></representedCustodianOrganization></assignedCustodian></custodian>
  <component><structuredBody>
    <component><section><title>Motif</title><text>Dyspnée <content styleCode="Bold">d'effort</content><br/>depuis 3 mois.
      <paragraph>Pas de <content styleCode="Italics">douleur</content> thoracique.</paragraph></text></section></component>
    <component><section><title>Traitement de sortie</title><text>
      <list listType="ordered"><item>Bisoprolol 2,5 mg</item><item>Furosémide 40 mg</item></list>
      <table><thead><tr><th>Examen</th><th>Résultat</th></tr></thead><tbody><tr><td>NT-proBNP</td><td>84 pg/mL</td></tr></tbody></table>
      </text>
      <component><section><title>Surveillance</title><text><paragraph>Poids quotidien.</paragraph></text></section></component>
    </section></component>
  </structuredBody></component>
</ClinicalDocument>"#;

    #[test]
    fn header_and_narrative_are_read() {
        let d = read(LETTER.as_bytes(), None);
        assert_eq!(d.notice, None);
        assert_eq!(d.title, "Lettre de liaison — hospitalisation de cardiologie");
        assert_eq!(d.kind, "Lettre de liaison à la sortie");
        assert_eq!(d.date, "20/11/2026 à 16:30");
        assert_eq!(d.patient, "Hélène VIDAL · né(e) le 12/07/1985 · INS 2 85 07 75 112 345 11");
        assert_eq!(d.author, "Dr Claire DUBOIS, CH de démonstration");
        assert_eq!(d.custodian, "CH de démonstration");
        assert_eq!(d.sections.len(), 2);
        let motif = &d.sections[0];
        assert_eq!(motif.title, "Motif");
        let Block::Paragraph(first) = &motif.blocks[0] else { panic!("{:?}", motif.blocks) };
        assert_eq!(first[1], Span { text: "d'effort".into(), bold: true, italic: false, br: true });
        assert_eq!(first[2].text, "depuis 3 mois.");
        let Block::Paragraph(second) = &motif.blocks[1] else { panic!() };
        assert!(second[1].italic && second[1].text == "douleur");
        let treatment = &d.sections[1];
        assert_eq!(treatment.blocks[0], Block::List { ordered: true, items: vec![
            vec![Span { text: "Bisoprolol 2,5 mg".into(), ..Span::default() }],
            vec![Span { text: "Furosémide 40 mg".into(), ..Span::default() }],
        ] });
        assert_eq!(treatment.blocks[1], Block::Table {
            caption: String::new(),
            head: vec![vec!["Examen".into(), "Résultat".into()]],
            rows: vec![vec!["NT-proBNP".into(), "84 pg/mL".into()]],
        });
        assert_eq!(treatment.subsections[0].title, "Surveillance");
    }

    #[test]
    fn hostile_xml_gets_a_french_notice_and_no_hang() {
        let laughs = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">{}]><ClinicalDocument>&j;</ClinicalDocument>",
            (b'b'..=b'j').map(|c| format!("<!ENTITY {} \"{}\">", c as char, format!("&{};", (c - 1) as char).repeat(10))).collect::<String>()
        );
        let external = "<?xml version=\"1.0\"?><!DOCTYPE c [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><ClinicalDocument>&x;</ClinicalDocument>";
        for xml in [laughs.as_str(), external] {
            let started = std::time::Instant::now();
            let d = read(xml.as_bytes(), None);
            assert!(d.notice.as_deref().unwrap().contains("DTD"), "{:?}", d.notice);
            assert!(d.sections.is_empty() && started.elapsed().as_secs() < 2);
        }
        let deep = format!("<ClinicalDocument><component><structuredBody><component><section><text>{}x{}</text></section></component></structuredBody></component></ClinicalDocument>",
            "<content>".repeat(100_000), "</content>".repeat(100_000));
        let d = read(deep.as_bytes(), None);
        // too many nodes for the parser's bound, or flattened by depth: either way, an answer
        assert!(d.notice.is_some() || !d.sections.is_empty());
        let nested_sections = format!("<ClinicalDocument><component><structuredBody>{}<text>fond</text>{}</structuredBody></component></ClinicalDocument>",
            "<component><section>".repeat(200), "</section></component>".repeat(200));
        let d = read(nested_sections.as_bytes(), None);
        assert_eq!(d.notice, None);
        let mut depth = 0;
        let mut s = &d.sections[0];
        while let Some(next) = s.subsections.first() { s = next; depth += 1; }
        assert_eq!(depth, MAX_SECTION_DEPTH, "deeper sections are flattened");
        let big = vec![b' '; MAX_BYTES + 1];
        assert!(read(&big, None).notice.unwrap().contains("trop volumineux"));
        assert!(read(b"<ClinicalDocument><title>x</tit", None).notice.unwrap().contains("mal formé"));
        assert!(read(b"<html><script>alert(1)</script></html>", None).notice.unwrap().contains("pas un document CDA"));
        assert!(read(&[0xff, 0xfe, 0x00], None).notice.unwrap().contains("UTF-8"));
        // a level 1: no narrative, the PDF shown first
        let level1 = read(b"<ClinicalDocument><title>CR</title><component><nonXMLBody><text mediaType=\"application/pdf\" representation=\"B64\">JVBERi0=</text></nonXMLBody></component></ClinicalDocument>", Some("/pdf".into()));
        assert_eq!((level1.title.as_str(), level1.pdf.as_deref(), level1.sections.len()), ("CR", Some("/pdf"), 0));
    }

    #[test]
    fn script_and_markup_stay_text() {
        let xml = "<ClinicalDocument><component><structuredBody><component><section><title>&lt;script&gt;alert(1)&lt;/script&gt;</title>\
<text><paragraph onclick=\"x()\"><linkHtml href=\"javascript:alert(1)\">lien</linkHtml><script xmlns=\"http://www.w3.org/1999/xhtml\">alert(2)</script></paragraph></text>\
</section></component></structuredBody></component></ClinicalDocument>";
        let d = read(xml.as_bytes(), None);
        assert_eq!(d.sections[0].title, "<script>alert(1)</script>", "kept as text, escaped by the page");
        let Block::Paragraph(p) = &d.sections[0].blocks[0] else { panic!() };
        assert_eq!(p.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(), ["lien", "alert(2)"], "no URL, no attribute travels");
    }
}
