//! Turning raw RFC 5322 messages into what the pages show (pure functions, unit-tested).

use super::{report, sanitize, xdm};
use app::reading::{Attachment, MessageSummary, MessageView, Preview, ReportNotice};
pub use app::urls::PartUrls;
use app::format;
use app::patient::{self, PatientSender};
use mail_parser::{Addr, Address, Message, MessageParser, MessagePart, MimeHeaders};
use std::collections::HashMap;

pub(crate) fn parse(raw: &[u8]) -> Option<Message<'_>> {
    MessageParser::default().parse(raw)
}

/// "Dr Marc GARNIER" when there is a display name, else the address.
fn short_name(addr: &Addr) -> String {
    match (&addr.name, &addr.address) {
        (Some(name), _) if !name.trim().is_empty() => name.trim().to_string(),
        (_, Some(address)) => address.to_string(),
        _ => String::new(),
    }
}

/// "Dr Marc GARNIER <marc.garnier@cabinet-demo.mssante.fr>".
pub(crate) fn full_name(addr: &Addr) -> String {
    match (&addr.name, &addr.address) {
        (Some(name), Some(address)) if !name.trim().is_empty() => format!("{} <{address}>", name.trim()),
        _ => short_name(addr),
    }
}

fn all(address: Option<&Address>) -> Vec<String> {
    address.map(|a| a.iter().map(full_name).collect()).unwrap_or_default()
}

pub(crate) fn subject(message: &Message) -> String {
    message.subject().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("(sans objet)").to_string()
}

/// The subject as shown (without the `XDM/1.0/DDM+` prefix), and the documents the message
/// carries: the types named in `X-MSS-CODECDA`, else « Document de santé » for a document subject.
fn subject_and_document(message: &Message) -> (String, Option<String>) {
    let full = subject(message);
    let (shown, document_subject) = patient::shown_subject(&full);
    let codes: Vec<String> = message
        .header_raw("X-MSS-CODECDA")
        .map(|v| v.split(',').map(str::trim).filter(|c| !c.is_empty()).take(5).map(|c| patient::document_type(c).map_or_else(|| format!("document {}", c.chars().take(20).collect::<String>()), String::from)).collect())
        .unwrap_or_default();
    let document = if !codes.is_empty() {
        Some(codes.join(", "))
    } else {
        document_subject.then(|| "Document de santé".to_string())
    };
    let shown = if shown.is_empty() { "(sans objet)" } else { shown };
    (shown.to_string(), document)
}

fn patient_sender(message: &Message) -> Option<PatientSender> {
    let from = message.from().and_then(Address::first)?;
    PatientSender::of(from.name.as_deref(), from.address.as_deref()?)
}

/// IMAP flags of a message, as the pages need them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub seen: bool,
    pub flagged: bool,
    pub draft: bool,
    /// $MDNSent (RFC 3503): the read receipt was sent or declined.
    pub receipt_handled: bool,
    /// In an organisational mailbox, the member who took charge of it, and who answered it
    /// (shared IMAP keywords: every member sees them).
    pub taken_by: Option<String>,
    pub answered_by: Option<String>,
}

impl Flags {
    /// « Répondu par … » once answered, else « Pris en charge par … ».
    pub fn handled(&self) -> Option<String> {
        match (&self.answered_by, &self.taken_by) {
            (Some(who), _) => Some(format!("Répondu par {who}")),
            (None, Some(who)) => Some(format!("Pris en charge par {who}")),
            _ => None,
        }
    }
}

/// One row of the message list, from the message's header block.
/// Characters of text shown under a row's subject.
const PREVIEW_CHARS: usize = 140;

/// A list row from a message's header and the first bytes of its body (`start`, possibly cut in
/// the middle of a part: only the preview is taken from it).
pub fn summary(uid: u32, flags: Flags, header: &[u8], start: &[u8], fallback_date: i64, now: i64) -> MessageSummary {
    let raw = [header, start].concat();
    let Some(message) = parse(&raw) else {
        return MessageSummary {
            uid,
            from: String::new(),
            subject: "(message illisible)".into(),
            date: format::list_date(fallback_date, now),
            seen: flags.seen,
            flagged: flags.flagged,
            has_attachments: false,
            draft: flags.draft,
            patient: None,
            document: None,
            documents: vec![],
            receipts: vec![],
            handled: flags.handled(),
            message_id: String::new(),
            preview: String::new(),
            conversation_size: 0,
            conversation: vec![],
        };
    };
    let has_attachments = message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart") && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("mixed"))
    });
    let (subject, document) = subject_and_document(&message);
    MessageSummary {
        uid,
        from: message.from().and_then(Address::first).map(short_name).unwrap_or_default(),
        patient: patient_sender(&message),
        subject,
        document,
        documents: vec![],
        date: format::list_date(message.date().map(|d| d.to_timestamp()).unwrap_or(fallback_date), now),
        seen: flags.seen,
        flagged: flags.flagged,
        has_attachments,
        draft: flags.draft,
        receipts: vec![],
        handled: flags.handled(),
        message_id: message.message_id().unwrap_or_default().to_string(),
        preview: message.body_preview(PREVIEW_CHARS * 2).map(|text| one_line(&text, PREVIEW_CHARS)).unwrap_or_default(),
        conversation_size: 0,
        conversation: vec![],
    }
}

/// Text on one line: runs of white space and control characters as one space, cut at `chars`
/// (with « … » when cut).
pub fn one_line(text: &str, chars: usize) -> String {
    let words: Vec<&str> = text.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()).collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(chars) {
        Some((cut, _)) => format!("{}…", joined[..cut].trim_end()),
        None => joined,
    }
}

fn content_type(part: &MessagePart) -> String {
    part.content_type()
        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("octet-stream")).to_lowercase())
        .unwrap_or_else(|| "application/octet-stream".into())
}

/// Types the browser may show inline (never HTML or SVG, which could carry scripts).
pub fn preview_of(content_type: &str) -> Preview {
    match content_type {
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" => Preview::Image,
        "application/pdf" => Preview::Pdf,
        _ => Preview::None,
    }
}

/// An attachment's name, type and bytes, by its position.
pub fn attachment(raw: &[u8], index: usize) -> Option<(String, String, Vec<u8>)> {
    let message = parse(raw)?;
    let part = message.attachments().nth(index)?;
    let name = part.attachment_name().unwrap_or("piece-jointe").to_string();
    Some((name, content_type(part), part.contents().to_vec()))
}

/// The sanitised HTML version of the message, with its inline images pointing at the webmail.
pub fn safe_html(raw: &[u8], urls: &PartUrls, allow_remote_images: bool) -> Option<sanitize::SafeHtml> {
    sanitized(&parse(raw)?, urls, allow_remote_images)
}

/// Whether the message has a real text/html part (mail-parser renders text-only mail as HTML too).
fn has_html_part(message: &Message) -> bool {
    message.html_part(0).is_some_and(|part| part.is_content_type("text", "html"))
}

/// Largest HTML body sanitised, and deepest nesting: past these a message is shown as text
/// (a few kilobytes of nested tags cost seconds to a parser; real mail stays far below).
const HTML_MAX_BYTES: usize = 2 * 1024 * 1024;
const HTML_MAX_DEPTH: usize = 256;

/// Elements that never have content, so never nest.
const VOID: &[&str] = &["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"];

/// Whether `html` is small and shallow enough to sanitise (a linear scan, approximate depth).
pub fn html_within_budget(html: &str) -> bool {
    if html.len() > HTML_MAX_BYTES {
        return false;
    }
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let closing = rest.starts_with('/');
        let name: String = rest.trim_start_matches('/').chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        if name.is_empty() {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        if closing {
            depth = depth.saturating_sub(1);
        } else if !VOID.contains(&name.as_str()) && !rest[..end].ends_with('/') {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest <= HTML_MAX_DEPTH
}

/// What the reader is told when the HTML version is not shown.
pub const TOO_COMPLEX: &str = "[Ce message a une mise en forme trop complexe pour être affichée sans risque : seul son texte est présenté.]";

/// The text of an HTML body without parsing it as HTML: tags dropped, entities left as they are.
fn stripped(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn sanitized(message: &Message, urls: &PartUrls, allow_remote_images: bool) -> Option<sanitize::SafeHtml> {
    if !has_html_part(message) {
        return None;
    }
    let html = message.body_html(0)?;
    if !html_within_budget(&html) {
        return None;
    }
    let cids: HashMap<String, String> = message
        .attachments()
        .enumerate()
        .filter(|(_, part)| preview_of(&content_type(part)) == Preview::Image)
        .filter_map(|(i, part)| part.content_id().map(|id| (id.trim_matches(['<', '>']).to_string(), urls.attachment(i, true))))
        .collect();
    Some(sanitize::sanitize(&html, cids, allow_remote_images))
}

/// Parts of receipts and delivery notifications that are for machines, not listed as files.
const REPORT_PARTS: [&str; 4] = ["message/delivery-status", "message/disposition-notification", "text/rfc822-headers", "message/global-delivery-status"];

/// Addresses of a message looked up in the directory, at most.
const MAX_LOOKED_UP: usize = 50;

/// A message as opened for reading: whole, or rebuilt from the parts a reader is shown (see
/// `gateway::shown_parts`), with where each part left out begins (its body's offset) and its size.
pub struct Opened {
    pub raw: Vec<u8>,
    pub omitted: Vec<(u32, u64)>,
    /// Its flags before it was opened.
    pub flags: Flags,
    /// Its arrival time, the date shown when it has none.
    pub received: i64,
}

impl Opened {
    pub fn whole(raw: Vec<u8>, flags: Flags, received: i64) -> Self {
        Self { raw, omitted: vec![], flags, received }
    }
}

/// The whole message for reading: headers, text (HTML converted to text), attachment list.
/// Parts left out when it was opened are listed with the size the server gave.
pub fn view(urls: &PartUrls, opened: &Opened) -> MessageView {
    let Opened { raw, omitted, flags, received: fallback_date } = opened;
    let fallback_date = *fallback_date;
    let unreadable = MessageView {
        folder: urls.folder.to_string(),
        uid: urls.uid,
        from: String::new(),
        to: vec![],
        cc: vec![],
        subject: "(message illisible)".into(),
        date: format::full_date(fallback_date),
        text: String::new(),
        has_html: false,
        remote_images: 0,
        seen: flags.seen,
        flagged: flags.flagged,
        attachments: vec![],
        receipt_requested: false,
        message_id: String::new(),
        patient: None,
        document: None,
        ends_exchange: false,
        report: None,
        receipts: vec![],
        handled: flags.handled(),
        taken_by_me: false,
        taken_by: flags.taken_by.clone(),
        correspondents: vec![],
        addresses: vec![],
    };
    let Some(message) = parse(raw) else { return unreadable };
    let attachments = message
        .attachments()
        .enumerate()
        // a report's machine-readable parts are what its notice at the top says
        .filter(|(_, part)| !REPORT_PARTS.contains(&content_type(part).as_str()))
        .map(|(index, part)| {
            let name = part.attachment_name().unwrap_or("pièce jointe sans nom").to_string();
            let content_type = content_type(part);
            Attachment {
                index,
                xdm: if xdm::is_xdm(&name) { xdm::documents(part.contents()) } else { vec![] },
                preview: preview_of(&content_type),
                name,
                content_type,
                size: format::size(omitted.iter().find(|(at, _)| *at == part.offset_body).map_or(part.len() as u64, |(_, size)| *size)),
            }
        })
        .collect();
    let html = sanitized(&message, urls, false); // the message is parsed once
    let text = if html.is_none() && has_html_part(&message) {
        // HTML too complex to sanitise, or to convert: its text/plain version, or its stripped text
        let has_plain = message.text_part(0).is_some_and(|part| part.is_content_type("text", "plain"));
        let plain = if has_plain {
            message.body_text(0).unwrap_or_default().trim_end().to_string()
        } else {
            stripped(&message.body_html(0).unwrap_or_default())
        };
        format!("{TOO_COMPLEX}\n\n{plain}")
    } else {
        message.body_text(0).map(|t| t.trim_end().to_string()).unwrap_or_default()
    };
    // line breaks as the browser's parser leaves them in the served page (CRLF → LF): the text
    // hydrated is then the text served, and is not written again once the page is interactive
    let text = text.replace("\r\n", "\n");
    let (shown_subject, document) = subject_and_document(&message);
    MessageView {
        has_html: html.is_some(),
        remote_images: html.map(|h| h.remote_images).unwrap_or(0),
        from: message.from().and_then(Address::first).map(full_name).unwrap_or_default(),
        to: all(message.to()),
        cc: all(message.cc()),
        report: report::read(&message).map(|r| ReportNotice {
            sentence: r.sentence(&format::full_date(message.date().map(|d| d.to_timestamp()).unwrap_or(fallback_date))),
            failed: r.outcome == report::Outcome::Failed,
            answers: r.original_message_id,
            original: None,
        }),
        patient: patient_sender(&message),
        ends_exchange: message.header_raw("X-MSS-MES").is_some_and(|v| v.trim() == "FIN") || patient::ends_exchange(&subject(&message)),
        subject: shown_subject,
        document,
        date: format::full_date(message.date().map(|d| d.to_timestamp()).unwrap_or(fallback_date)),
        text,
        attachments,
        receipt_requested: !flags.receipt_handled && message.header("Disposition-Notification-To").is_some(),
        message_id: message.message_id().unwrap_or_default().to_string(),
        addresses: [message.from(), message.to(), message.cc()]
            .into_iter()
            .flatten()
            .flat_map(Address::iter)
            .filter_map(|a| a.address.as_deref().map(|a| a.trim().to_lowercase()))
            .take(MAX_LOOKED_UP)
            .collect(),
        ..unreadable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LATIN1: &[u8] = b"From: =?iso-8859-1?q?Dr_Ren=E9_FAURE?= <rene.faure@ch.mssante.fr>\r\n\
To: Dr Claire DUBOIS <claire.dubois@hopital-demo.mssante.fr>, cardio@hopital-demo.mssante.fr\r\n\
Subject: =?iso-8859-1?q?Compte_rendu_d'hospitalisation?=\r\n\
Date: Sun, 22 Nov 2026 14:05:00 +0100\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\n\
Sortie =E0 domicile le 14 novembre.\r\nRetour le 20.\r\n";

    const WITH_PDF: &[u8] = b"From: labo@hopital-demo.mssante.fr\r\nSubject: CR\r\n\
Date: Sat, 21 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCi-joint.\r\n\
--b\r\nContent-Type: application/pdf; name=\"CR.pdf\"\r\nContent-Disposition: attachment; filename=\"CR.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";

    #[test]
    fn legacy_charset_headers_and_body_are_decoded() {
        let v = view(&URLS, &Opened::whole(LATIN1.to_vec(), Flags::default(), 0));
        assert_eq!(v.from, "Dr René FAURE <rene.faure@ch.mssante.fr>");
        assert_eq!(v.to, vec!["Dr Claire DUBOIS <claire.dubois@hopital-demo.mssante.fr>", "cardio@hopital-demo.mssante.fr"]);
        assert_eq!(v.subject, "Compte rendu d'hospitalisation");
        // line breaks as a browser parses them in the served page
        assert_eq!(v.text, "Sortie à domicile le 14 novembre.\nRetour le 20.");
        assert_eq!(v.date, "dimanche 22 nov. 2026 à 14:05");
    }

    #[test]
    fn patients_and_documents_are_marked_in_lists_and_views() {
        let from_patient = "From: \"DURAND Marie\" <279035121518989@patient.mssante.fr>\r\nSubject: Question sur mon traitement\r\n\
Date: Sat, 21 Nov 2026 09:00:00 +0000\r\n\r\nBonjour docteur\r\n";
        let s = summary(1, Flags::default(), from_patient.as_bytes(), b"", 0, 0);
        assert_eq!(s.patient.as_ref().unwrap().label(), "DURAND Marie · INS 2 79 03 51 215 189 89");
        assert_eq!(s.document, None);
        let document = "From: labo@hopital-demo.mssante.fr\r\nSubject: XDM/1.0/DDM+CR de biologie MARTIN Paul 19560412\r\n\
X-MSS-CODECDA: 11502-2, 99999-9\r\nDate: Sat, 21 Nov 2026 09:00:00 +0000\r\n\r\nCi-joint\r\n";
        let s = summary(2, Flags::default(), document.as_bytes(), b"", 0, 0);
        assert_eq!((s.subject.as_str(), s.patient.is_none()), ("CR de biologie MARTIN Paul 19560412", true));
        assert_eq!(s.document.as_deref(), Some("Compte rendu d'examens biologiques, document 99999-9"));
        let bare = summary(3, Flags::default(), b"Subject: XDM/1.0/DDM+\r\n\r\n", b"", 0, 0);
        assert_eq!((bare.subject.as_str(), bare.document.as_deref()), ("(sans objet)", Some("Document de santé")));

        let urls = PartUrls { folder: "INBOX", uid: 1 };
        let v = view(&urls, &Opened::whole(from_patient.as_bytes().to_vec(), Flags::default(), 0));
        assert!(v.patient.is_some() && !v.ends_exchange);
        let closing = "From: claire.dubois@hopital-demo.mssante.fr\r\nTo: 279035121518989@patient.mssante.fr\r\nSubject: [FIN]\r\n\r\nFin\r\n";
        assert!(view(&urls, &Opened::whole(closing.as_bytes().to_vec(), Flags::default(), 0)).ends_exchange);
        let header = "From: claire.dubois@hopital-demo.mssante.fr\r\nSubject: Résultats\r\nX-MSS-MES: FIN\r\n\r\nFin\r\n";
        assert!(view(&urls, &Opened::whole(header.as_bytes().to_vec(), Flags::default(), 0)).ends_exchange);
    }

    #[test]
    fn a_bounce_says_what_happened_and_lists_no_machine_parts() {
        let dsn = "From: MAILER-DAEMON@mx.patient.mssante.fr\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nNon remis.\r\n\
--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; 285077511234511@patient.mssante.fr\r\n\
Action: failed\r\nStatus: 5.2.1\r\nDiagnostic-Code: smtp; 550 5.2.1 Messagerie fermée\r\n\r\n--r\r\nContent-Type: text/rfc822-headers\r\n\r\n\
Message-ID: <envoi-1@hopital-demo.mssante.fr>\r\n\r\n--r--\r\n";
        let v = view(&PartUrls { folder: "INBOX", uid: 9 }, &Opened::whole(dsn.as_bytes().to_vec(), Flags::default(), 0));
        let report = v.report.expect("a report");
        assert!(report.failed && report.answers == "envoi-1@hopital-demo.mssante.fr" && report.sentence.contains("est fermée"), "{report:?}");
        assert!(v.attachments.is_empty(), "{:?}", v.attachments);
        assert_eq!(v.text, "Non remis.");
    }

    #[test]
    fn summary_shows_sender_name_and_attachment_mark() {
        let now = 1_795_352_700; // 2026-11-22 13:05 UTC
        let s = summary(3, Flags::default(), LATIN1, b"", 0, now);
        assert_eq!((s.from.as_str(), s.date.as_str(), s.has_attachments), ("Dr René FAURE", "14:05", false));
        let s = summary(4, Flags { seen: true, ..Flags::default() }, WITH_PDF, b"", 0, now);
        assert_eq!((s.from.as_str(), s.date.as_str(), s.has_attachments), ("labo@hopital-demo.mssante.fr", "21 nov.", true));
    }

    #[test]
    fn rows_preview_the_text_from_the_first_bytes_of_the_body() {
        // the header as listed (HEADER.FIELDS) and the body cut where the fetch stopped
        let header = b"From: labo@hopital-demo.mssante.fr\r\nSubject: Bilan\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n";
        let start = b"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
R=C3=A9sultats\tnormaux.\r\n\r\n   Contr=C3=B4le dans\x07 un mois.\r\n--b\r\nContent-Type: application/pdf\r\n\r\nJVBER";
        let s = summary(5, Flags::default(), header, start, 0, 0);
        assert_eq!(s.preview, "Résultats normaux. Contrôle dans un mois.");
        let long = format!("{}\r\n", "mot ".repeat(100));
        let s = summary(6, Flags::default(), b"Subject: Long\r\n\r\n", long.as_bytes(), 0, 0);
        assert_eq!(s.preview.chars().count(), 139 + 1, "{}", s.preview);
        assert!(s.preview.ends_with("mot…"), "{}", s.preview);
        assert_eq!(summary(7, Flags::default(), b"Subject: Vide\r\n\r\n", b"", 0, 0).preview, "");
    }

    #[test]
    fn attachments_are_listed_with_type_and_size() {
        let v = view(&URLS, &Opened::whole(WITH_PDF.to_vec(), Flags::default(), 0));
        assert_eq!(v.text, "Ci-joint.");
        assert!(!v.has_html);
        assert_eq!(v.attachments, vec![Attachment {
            index: 0,
            name: "CR.pdf".into(),
            content_type: "application/pdf".into(),
            size: "9 o".into(),
            preview: Preview::Pdf,
            xdm: vec![],
        }]);
        let (name, ctype, bytes) = attachment(WITH_PDF, 0).unwrap();
        assert_eq!((name.as_str(), ctype.as_str(), &bytes[..5]), ("CR.pdf", "application/pdf", &b"%PDF-"[..]));
        assert!(attachment(WITH_PDF, 1).is_none());
    }

    const URLS: PartUrls = PartUrls { folder: "Shared/secrétariat/INBOX", uid: 7 };

    const HTML_WITH_CID: &[u8] = b"From: pharmacie@h.mssante.fr\r\nSubject: Rupture\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/related; boundary=\"r\"\r\n\r\n--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<p>Voir <img src=\"cid:logo@ph\"><img src=\"https://pub.example/x.png\"></p><script>alert(1)</script>\r\n\
--r\r\nContent-Type: image/png\r\nContent-ID: <logo@ph>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--r--\r\n";

    #[test]
    fn html_view_is_sanitised_with_local_inline_images() {
        let v = view(&URLS, &Opened::whole(HTML_WITH_CID.to_vec(), Flags::default(), 0));
        assert!(v.has_html);
        assert_eq!(v.remote_images, 1);
        let safe = safe_html(HTML_WITH_CID, &URLS, false).unwrap();
        assert!(!safe.html.contains("<script"));
        assert!(safe.html.contains("src=\"/messages/piece?dossier=Shared%2Fsecr%C3%A9tariat%2FINBOX&amp;uid=7&amp;index=0&amp;apercu=1\""), "{}", safe.html);
        assert!(!safe.html.contains("pub.example"));
    }

    #[test]
    fn deeply_nested_html_is_shown_as_text_with_a_notice() {
        let depth = 30_000;
        let html = format!("{}Traitement : bisoprolol 2,5 mg{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let raw = format!("From: x@hopital-demo.mssante.fr\r\nSubject: Piège\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n");
        let urls = PartUrls { folder: "INBOX", uid: 1 };
        let view = view(&urls, &Opened::whole(raw.as_bytes().to_vec(), Flags::default(), 0));
        assert!(!view.has_html);
        assert!(view.text.starts_with(TOO_COMPLEX) && view.text.contains("bisoprolol 2,5 mg"), "{}", &view.text[..200.min(view.text.len())]);
        assert!(safe_html(raw.as_bytes(), &urls, false).is_none(), "not given to the sanitiser either");
        // ordinary mail is within the budget
        assert!(html_within_budget("<table><tr><td><p>a<br>b</p><img src=x></td></tr></table>"));
        assert!(!html_within_budget(&"<b>".repeat(300)));
    }

    #[test]
    fn missing_subject_is_said() {
        let v = view(&URLS, &Opened::whole(b"From: a@b.mssante.fr\r\n\r\nbonjour\r\n".to_vec(), Flags::default(), 0));
        assert_eq!(v.subject, "(sans objet)");
    }
}
