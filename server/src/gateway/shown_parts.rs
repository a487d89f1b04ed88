//! Opening a large message without downloading all of it. Its BODYSTRUCTURE says which parts a
//! reader is shown (texts, small parts, health-document archives): those are fetched by section
//! and put back in their MIME tree; every other part keeps its MIME header and an empty body,
//! and its size as the server counted it is noted beside the rebuilt message.

use imap_proto::{BodyStructure, ContentEncoding};
use std::borrow::Cow;

/// Messages up to this size are fetched whole (one section, as cheap as several).
pub const WHOLE_UP_TO: u32 = 1024 * 1024;
/// Any part this small is fetched; texts and IHE XDM archives up to their own limits.
const SMALL_PART: u32 = 128 * 1024;
const TEXT_PART: u32 = 4 * 1024 * 1024;
const ARCHIVE_PART: u32 = 8 * 1024 * 1024;
/// Sections asked for at most, and depth of multiparts: a stranger tree is fetched whole.
const MAX_SECTIONS: usize = 400;
const MAX_DEPTH: usize = 16;

/// What to fetch of a message, in its MIME tree's order.
#[derive(Debug)]
pub enum Node {
    Multipart { path: Vec<u32>, boundary: String, children: Vec<Node> },
    Part { path: Vec<u32>, fetched: bool, decoded_size: u64 },
}

type Params<'a> = Option<Vec<(Cow<'a, str>, Cow<'a, str>)>>;

fn param<'a>(params: &'a Params, key: &str) -> Option<&'a str> {
    params.iter().flatten().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_ref())
}

/// The plan for a message's BODYSTRUCTURE; none when it cannot be rebuilt safely (a boundary
/// missing or unusable, too deep, too many parts): the caller then fetches it whole.
pub fn plan(structure: &BodyStructure) -> Option<Node> {
    let mut budget = MAX_SECTIONS;
    node(structure, Vec::new(), &mut budget)
}

fn node(structure: &BodyStructure, path: Vec<u32>, budget: &mut usize) -> Option<Node> {
    *budget = budget.checked_sub(2)?;
    if path.len() > MAX_DEPTH {
        return None;
    }
    let (common, other, text) = match structure {
        BodyStructure::Multipart { common, bodies, .. } => {
            // a boundary is 1–70 plain characters (RFC 2046 §5.1.1)
            let boundary = param(&common.ty.params, "boundary").filter(|b| (1..=70).contains(&b.len()) && b.bytes().all(|c| c.is_ascii_graphic() || c == b' '))?;
            let children = bodies.iter().enumerate().map(|(i, body)| {
                let mut child = path.clone();
                child.push(i as u32 + 1);
                node(body, child, budget)
            });
            return Some(Node::Multipart { boundary: boundary.to_string(), children: children.collect::<Option<_>>()?, path });
        }
        BodyStructure::Text { common, other, .. } => (common, other, true),
        BodyStructure::Basic { common, other, .. } | BodyStructure::Message { common, other, .. } => (common, other, false),
    };
    let attached = common.disposition.as_ref().is_some_and(|d| d.ty.eq_ignore_ascii_case("attachment"));
    let named_xdm = [param(&common.ty.params, "name"), common.disposition.as_ref().and_then(|d| param(&d.params, "filename"))]
        .into_iter()
        .flatten()
        .any(crate::mail::xdm::is_xdm);
    let octets = other.octets;
    let fetched = octets <= SMALL_PART || (text && !attached && octets <= TEXT_PART) || (named_xdm && octets <= ARCHIVE_PART);
    let decoded_size = match other.transfer_encoding {
        // 57 bytes per line of 76 characters and CRLF
        ContentEncoding::Base64 => u64::from(octets) * 57 / 78,
        _ => u64::from(octets),
    };
    Some(Node::Part { path, fetched, decoded_size })
}

fn dotted(path: &[u32]) -> String {
    path.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

/// The section holding a node's own header: the message's header at the top, else its MIME header.
fn header_section(path: &[u32]) -> String {
    if path.is_empty() { "HEADER".into() } else { format!("{}.MIME", dotted(path)) }
}

/// The section holding a single part's content (a single-part message's is its TEXT).
fn content_section(path: &[u32]) -> String {
    if path.is_empty() { "TEXT".into() } else { dotted(path) }
}

/// The sections to fetch, each named as in `BODY.PEEK[…]`.
pub fn sections(plan: &Node) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(node: &Node, out: &mut Vec<String>) {
        match node {
            Node::Multipart { path, children, .. } => {
                out.push(header_section(path));
                children.iter().for_each(|c| walk(c, out));
            }
            Node::Part { path, fetched, .. } => {
                out.push(header_section(path));
                if *fetched {
                    out.push(content_section(path));
                }
            }
        }
    }
    walk(plan, &mut out);
    out
}

/// A message rebuilt from the fetched sections (`section` answers by name), and where each part
/// left empty begins in it (the offset of its body), with its decoded size.
pub fn assemble<'a>(plan: &Node, section: impl Fn(&str) -> Option<&'a [u8]>) -> (Vec<u8>, Vec<(u32, u64)>) {
    let mut out = Vec::new();
    let mut omitted = Vec::new();
    fn walk<'a>(node: &Node, section: &impl Fn(&str) -> Option<&'a [u8]>, out: &mut Vec<u8>, omitted: &mut Vec<(u32, u64)>) {
        match node {
            Node::Multipart { path, boundary, children } => {
                out.extend_from_slice(section(&header_section(path)).unwrap_or_default());
                for child in children {
                    out.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
                    walk(child, section, out, omitted);
                }
                out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            }
            Node::Part { path, fetched, decoded_size } => {
                out.extend_from_slice(section(&header_section(path)).unwrap_or_default());
                if *fetched {
                    out.extend_from_slice(section(&content_section(path)).unwrap_or_default());
                } else {
                    omitted.push((out.len() as u32, *decoded_size));
                }
            }
        }
    }
    walk(plan, &section, &mut out, &mut omitted);
    (out, omitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn structure(text: &'static [u8]) -> BodyStructure<'static> {
        let (_, response) = imap_proto::parser::parse_response(text).unwrap();
        let imap_proto::Response::Fetch(_, attributes) = response else { panic!("not a FETCH") };
        attributes
            .into_iter()
            .find_map(|a| match a {
                imap_proto::AttributeValue::BodyStructure(s) => Some(s.into_owned()),
                _ => None,
            })
            .unwrap()
    }

    /// A text, then a 30 MB scan and a 2 MB IHE_XDM.zip, as Dovecot describes them.
    const LARGE: &[u8] = b"* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 20 1 NIL NIL NIL NIL)\
(\"application\" \"pdf\" (\"name\" \"scan.pdf\") NIL NIL \"base64\" 31457280 NIL (\"attachment\" (\"filename\" \"scan.pdf\")) NIL NIL)\
(\"application\" \"zip\" (\"name\" \"IHE_XDM.zip\") NIL NIL \"base64\" 2097152 NIL (\"attachment\" (\"filename\" \"IHE_XDM.zip\")) NIL NIL) \
\"mixed\" (\"boundary\" \"b1\") NIL NIL NIL))\r\n";

    #[test]
    fn only_the_shown_parts_are_fetched_and_the_rest_keeps_its_size() {
        let plan = plan(&structure(LARGE)).unwrap();
        assert_eq!(sections(&plan), ["HEADER", "1.MIME", "1", "2.MIME", "3.MIME", "3"]);
        let pieces = [
            ("HEADER", &b"Subject: CR\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"[..]),
            ("1.MIME", b"Content-Type: text/plain; charset=utf-8\r\n\r\n"),
            ("1", b"Voir le compte rendu."),
            ("2.MIME", b"Content-Type: application/pdf; name=\"scan.pdf\"\r\nContent-Disposition: attachment; filename=\"scan.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"),
            ("3.MIME", b"Content-Type: application/zip; name=\"IHE_XDM.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"),
            ("3", b"UEsDBA=="),
        ];
        let (raw, omitted) = assemble(&plan, |s| pieces.iter().find(|(name, _)| *name == s).map(|(_, p)| *p));
        use mail_parser::MimeHeaders;
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(message.body_text(0).unwrap(), "Voir le compte rendu.");
        let attachments: Vec<_> = message.attachments().collect();
        assert_eq!(attachments.len(), 2);
        assert_eq!(attachments[0].attachment_name(), Some("scan.pdf"));
        assert_eq!(omitted, [(attachments[0].offset_body, 31457280 * 57 / 78)]);
        assert_eq!(attachments[1].contents(), b"PK\x03\x04");
    }

    #[test]
    fn a_structure_without_usable_boundary_is_fetched_whole() {
        let text = b"* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL \"7bit\" 2 1 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL))\r\n";
        assert!(plan(&structure(text)).is_none());
    }
}
