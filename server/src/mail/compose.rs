//! Outgoing mail as pure functions (unit-tested): a draft made into MIME with the MSSanté headers,
//! a saved draft read back, replies and forwards prefilled from the original, read receipts.

use crate::error::Error;
use super::message::{full_name, parse, subject};
use super::{trust, xdm};
use app::format;
use app::sending::Draft;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use mail_parser::{Address, HeaderValue as Parsed, Message, MimeHeaders};

/// A file attached to a draft: as uploaded, as kept until the send, as read back from a message.
pub struct AttachedFile {
    pub name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// 128 random bits in hex: upload ids and the left part of Message-IDs.
pub fn random_id() -> String {
    rand::random::<[u8; 16]>().iter().map(|b| format!("{b:02x}")).collect()
}

/// A file name as the user gave it, if it can be kept: no path, no control or bidirectional
/// formatting character (which would show "gpj.exe" as "exe.jpg"), not empty, not too long.
pub fn checked_file_name(name: &str) -> Result<&str, Error> {
    let name = name.trim();
    let bidi = |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if name.is_empty() || name.len() > 200 || name.chars().any(|c| c.is_control() || bidi(c) || c == '/' || c == '\\') {
        return Err(Error::BadInput("Le nom de ce fichier n'est pas accepté : renommez-le puis réessayez.".into()));
    }
    Ok(name)
}

/// Who the message is from: the mailbox in From and its display name, and the member (name and
/// address, in Sender) when they write from an organisational mailbox.
pub struct Author<'a> {
    pub from_name: &'a str,
    pub from: &'a str,
    pub sender: Option<(&'a str, &'a str)>,
}

/// The display name of a personal mailbox (ECO.2.2.7): `Titre_Prénom_NOM_Entité`, the title and
/// the entity when known, parts joined by `_`.
pub fn personal_display_name(title: &str, given: &str, family: &str, entity: &str) -> String {
    [title, given, family, entity].iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("_")
}

/// The display name of an organisational mailbox (ECO.2.2.7): its entity, « Structure – Service ».
pub fn organisational_display_name(organisation: &str, service: &str) -> String {
    [organisation, service].iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" – ")
}

fn mailbox(address: &str) -> Result<Mailbox, Error> {
    address.trim().parse().map_err(|_| Error::BadInput(format!("L'adresse « {} » est mal formée.", address.trim())))
}

fn header(name: &'static str, value: impl Into<String>) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.into())
}

/// A new Message-ID (without angle brackets) on the domain of `address`.
pub fn new_message_id(address: &str) -> String {
    let domain = address.rsplit_once('@').map(|(_, d)| d).unwrap_or("localhost");
    format!("{}@{domain}", random_id())
}

/// A Message-ID without its angle brackets: printable ASCII, of a sane length.
fn is_message_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 250 && id.bytes().all(|b| b.is_ascii_graphic() && !b"<>\"".contains(&b))
}

/// References kept in a reply (the oldest dropped first): enough to thread, bounded.
const MAX_REFERENCES: usize = 50;

/// The draft as a MIME message, with `files` (the draft's uploads) attached.
/// What a message is built for: the Drafts folder keeps the blind copies (so that the draft
/// opens again with them), a submission never carries them in its headers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Draft,
    Submission,
}

pub fn build(draft: &Draft, author: &Author, files: &[AttachedFile], nil: &str, purpose: Purpose) -> Result<lettre::Message, Error> {
    if !is_message_id(&draft.id) {
        return Err(Error::BadInput("Identifiant de brouillon invalide.".into()));
    }
    let named = |name: &str| (!name.trim().is_empty()).then(|| name.trim().to_string());
    let mut message = lettre::Message::builder()
        .from(Mailbox::new(named(author.from_name), mailbox(author.from)?.email))
        .message_id(Some(format!("<{}>", draft.id)))
        .subject(draft.subject.trim())
        .raw_header(header("X-MSS-NIL", nil));
    if let Some((name, sender)) = author.sender {
        message = message.sender(Mailbox::new(named(name), mailbox(sender)?.email));
    }
    for to in &draft.to {
        message = message.to(mailbox(to)?);
    }
    for cc in &draft.cc {
        message = message.cc(mailbox(cc)?);
    }
    for bcc in &draft.bcc {
        message = message.bcc(mailbox(bcc)?);
    }
    if purpose == Purpose::Draft {
        message = message.keep_bcc();
    }
    // thread headers come back from the page: only well-formed ids, and the last few of a long thread
    if let Some(parent) = draft.in_reply_to.as_ref().filter(|p| is_message_id(p)) {
        message = message.in_reply_to(format!("<{parent}>"));
    }
    let references: Vec<String> = draft.references.iter().filter(|r| is_message_id(r)).map(|r| format!("<{r}>")).collect();
    if !references.is_empty() {
        message = message.references(references[references.len().saturating_sub(MAX_REFERENCES)..].join(" "));
    }
    if draft.receipt {
        message = message.raw_header(header("Disposition-Notification-To", author.from));
    }
    if draft.close_exchange && draft.recipients().any(|r| trust::is_patient(r)) {
        message = message.raw_header(header("X-MSS-MES", "FIN"));
    }
    // X-MSS-CODECDA and X-MSS-INS describe the CDA documents of an IHE_XDM.zip, if one is attached
    if let Some(cda) = files.iter().filter(|f| xdm::is_xdm(&f.name)).find_map(|f| xdm::cda_summary(&f.data)) {
        message = message.raw_header(header("X-MSS-CODECDA", cda.codes.join(","))).raw_header(header(
            "X-MSS-INS",
            if cda.qualified_ins { "O" } else { "N" },
        ));
    }
    // MAIL FROM is the mailbox in From (the organisational one included: the operator checks
    // the member may send as it); a draft may have no recipient yet, and is not sent anyway
    let from = mailbox(author.from)?.email;
    let mut recipients = draft.recipients().map(|r| mailbox(r).map(|m| m.email)).collect::<Result<Vec<_>, _>>()?;
    if recipients.is_empty() {
        recipients.push(from.clone());
    }
    let envelope = lettre::address::Envelope::new(Some(from), recipients);
    message = message.envelope(envelope.map_err(|e| Error::BadInput(format!("Enveloppe invalide : {e}.")))?);
    let text = SinglePart::plain(draft.body.replace("\r\n", "\n"));
    let built = if files.is_empty() {
        message.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for file in files {
            let content_type = ContentType::parse(&file.content_type).unwrap_or(ContentType::parse("application/octet-stream").unwrap());
            parts = parts.singlepart(Attachment::new(file.name.clone()).body(file.data.clone(), content_type));
        }
        message.multipart(parts)
    };
    built.map_err(|e| Error::BadInput(format!("Le message ne peut pas être construit : {e}.")))
}

fn addresses(address: Option<&Address>) -> Vec<String> {
    address.map(|a| a.iter().filter_map(|a| a.address.as_deref().map(String::from)).collect()).unwrap_or_default()
}

fn ids(value: &Parsed) -> Vec<String> {
    match value {
        Parsed::Text(id) => vec![id.to_string()],
        Parsed::TextList(list) => list.iter().map(|id| id.to_string()).collect(),
        _ => vec![],
    }
}

/// The attachments of a message, to carry over into a draft (forward, saved draft).
pub fn attachments(message: &Message) -> Vec<AttachedFile> {
    message
        .attachments()
        .map(|part| AttachedFile {
            name: part.attachment_name().unwrap_or("piece-jointe").to_string(),
            content_type: part
                .content_type()
                .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("octet-stream")))
                .unwrap_or_else(|| "application/octet-stream".into()),
            data: part.contents().to_vec(),
        })
        .collect()
}

/// A draft saved earlier, read back from the Drafts folder (its files are returned beside it).
pub fn read_draft(raw: &[u8]) -> Option<(Draft, Vec<AttachedFile>)> {
    let message = parse(raw)?;
    let draft = Draft {
        id: message.message_id()?.to_string(),
        proof: String::new(), // given by the backend, which knows whose draft it is
        // written from an organisational mailbox when a Sender (the member) is there
        from: message.header("Sender").and(addresses(message.from()).into_iter().next()).unwrap_or_default(),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        bcc: addresses(message.bcc()),
        subject: message.subject().unwrap_or_default().to_string(),
        body: message.body_text(0).map(|t| t.trim_end().to_string()).unwrap_or_default(),
        attachments: vec![],
        in_reply_to: ids(message.in_reply_to()).into_iter().next(),
        references: ids(message.references()),
        receipt: message.header("Disposition-Notification-To").is_some(),
        close_exchange: message.header_raw("X-MSS-MES").is_some_and(|v| v.trim() == "FIN"),
        // confirmations, and the delivery notification (an envelope option), are asked again
        // when the draft is reopened
        delivery_receipt: false,
        patient_confirmed: vec![],
        mixed_confirmed: false,
    };
    Some((draft, attachments(&message)))
}

fn prefixed(prefix: &str, message: &Message) -> String {
    let subject = subject(message);
    let lower = subject.to_lowercase();
    if lower.starts_with(&prefix.to_lowercase()) { subject } else { format!("{prefix}{subject}") }
}

fn date_of(message: &Message, fallback: i64) -> String {
    format::full_date(message.date().map(|d| d.to_timestamp()).unwrap_or(fallback))
}

/// A reply (to all, when `all`) to `raw`, written by `me`; `received` dates a message without Date.
pub fn reply(raw: &[u8], me: &str, all: bool, received: i64) -> Option<Draft> {
    let message = parse(raw)?;
    let author = message.reply_to().or(message.from());
    let mut to = addresses(author);
    let mut cc = vec![];
    if all {
        to.extend(addresses(message.to()));
        cc = addresses(message.cc());
    }
    let not_me_once = |list: &mut Vec<String>, seen: &mut Vec<String>| {
        list.retain(|a| {
            let key = a.to_lowercase();
            let keep = key != me.to_lowercase() && !seen.contains(&key);
            seen.push(key);
            keep
        })
    };
    let mut seen = vec![];
    not_me_once(&mut to, &mut seen);
    not_me_once(&mut cc, &mut seen);
    let parent = message.message_id().map(String::from);
    let mut references = ids(message.references());
    references.extend(parent.clone());
    let who = message.from().and_then(Address::first).map(full_name).unwrap_or_default();
    let quoted: String = message.body_text(0).unwrap_or_default().lines().map(|l| format!("> {l}\n")).collect();
    Some(Draft {
        id: new_message_id(me),
        to,
        cc,
        subject: prefixed("RE : ", &message),
        body: format!("\n\n{}\n{quoted}", app::sending::reply_attribution(&date_of(&message, received), &who)),
        in_reply_to: parent,
        references,
        ..Draft::default()
    })
}

/// A forward of `raw` by `me`, with the original's attachments.
pub fn forward(raw: &[u8], me: &str, received: i64) -> Option<(Draft, Vec<AttachedFile>)> {
    let message = parse(raw)?;
    let list = |a: Option<&Address>| a.map(|a| a.iter().map(full_name).collect::<Vec<_>>().join(", ")).unwrap_or_default();
    let body = format!(
        "\n\n{}\nDe : {}\nDate : {}\nObjet : {}\nÀ : {}\n\n{}",
        app::sending::FORWARD_HEADER,
        list(message.from()),
        date_of(&message, received),
        subject(&message),
        list(message.to()),
        message.body_text(0).unwrap_or_default().trim_end(),
    );
    let draft = Draft { id: new_message_id(me), subject: prefixed("TR : ", &message), body, ..Draft::default() };
    Some((draft, attachments(&message)))
}

/// Where the read receipt for `raw` goes, when its sender asked for one.
pub fn receipt_address(raw: &[u8]) -> Option<String> {
    let message = parse(raw)?;
    let value = message.header_raw("Disposition-Notification-To")?;
    Some(value.trim().parse::<Mailbox>().ok()?.email.to_string())
}

/// The read receipt (MDN, RFC 8098, in the ANS three-part structure) that `me` sends, with their
/// consent, for `raw`: text, message/disposition-notification, and the original's header.
pub fn receipt(raw: &[u8], me: &str, nil: &str, now: i64) -> Option<(String, Vec<u8>)> {
    let message = parse(raw)?;
    let to = receipt_address(raw)?;
    let original_id = message.message_id().map(|id| format!("<{id}>")).unwrap_or_default();
    let header_end = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 2).unwrap_or(raw.len());
    let boundary = format!("mdn-{}", random_id());
    let text = format!(
        "Le message « {} » du {} a été lu par {me} le {}.\r\n",
        subject(&message),
        date_of(&message, now),
        format::full_date(now)
    );
    let encoded_subject = format!("=?utf-8?b?{}?=", wrap_base64(format!("Accusé de lecture : {}", subject(&message)).as_bytes()).replace("\r\n", "?=\r\n =?utf-8?b?"));
    let mut out = format!(
        "From: <{me}>\r\nTo: <{to}>\r\nSubject: {encoded_subject}\r\nDate: {}\r\nMessage-ID: <{}>\r\n\
         In-Reply-To: {original_id}\r\nReferences: {original_id}\r\nX-MSS-NIL: {nil}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=disposition-notification; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Type: message/disposition-notification\r\n\r\n\
         Reporting-UA: mssante-webmail; {nil}\r\nOriginal-Recipient: rfc822;{me}\r\nFinal-Recipient: rfc822;{me}\r\n\
         Original-Message-ID: {original_id}\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n\r\n\
         --{boundary}\r\nContent-Type: message/rfc822\r\n\r\n",
        mail_parser::DateTime::from_timestamp(now).to_rfc822(),
        new_message_id(me),
        wrap_base64(text.as_bytes()),
    )
    .into_bytes();
    out.extend_from_slice(&raw[..header_end]);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Some((to, out))
}

fn wrap_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    encoded.as_bytes().chunks(76).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("\r\n")
}


#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &[u8] = b"From: Dr Marc GARNIER <marc.garnier@cabinet-demo.mssante.fr>\r\n\
To: claire.dubois@hopital-demo.mssante.fr, secretariat-cardio@hopital-demo.mssante.fr\r\n\
Cc: julien.moreau@hopital-demo.mssante.fr\r\n\
Subject: Patient M. Martin\r\nDate: Sun, 22 Nov 2026 10:00:00 +0100\r\n\
Message-ID: <orig-1@cabinet-demo.mssante.fr>\r\nReferences: <older@cabinet-demo.mssante.fr>\r\n\
Disposition-Notification-To: marc.garnier@cabinet-demo.mssante.fr\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour,\r\nmerci de le revoir.\r\n";

    const ME: &str = "claire.dubois@hopital-demo.mssante.fr";

    fn draft() -> Draft {
        Draft {
            id: "abc@hopital-demo.mssante.fr".into(),
            to: vec!["285077511234511@patient.mssante.fr".into()],
            subject: "Résultats".into(),
            body: "Bonjour".into(),
            close_exchange: true,
            receipt: true,
            ..Draft::default()
        }
    }

    fn text(message: &lettre::Message) -> String {
        String::from_utf8(message.formatted()).unwrap()
    }

    #[test]
    fn file_names_that_hide_their_type_or_a_path_are_refused() {
        assert_eq!(checked_file_name("  CR biologie.pdf ").unwrap(), "CR biologie.pdf");
        for bad in ["ordonnance\u{202E}fdp.exe", "a\u{2066}b.pdf", "x\u{200F}.pdf", "../etc/passwd", "a\\b", "a\nb", "", &"x".repeat(201)] {
            assert!(matches!(checked_file_name(bad), Err(Error::BadInput(_))), "{bad:?}");
        }
    }

    #[test]
    fn display_names_follow_the_referentiel() {
        assert_eq!(personal_display_name("Dr", "Claire", "DUBOIS", "CH DE DEMONSTRATION"), "Dr_Claire_DUBOIS_CH DE DEMONSTRATION");
        assert_eq!(personal_display_name("", "Julien", "MOREAU", ""), "Julien_MOREAU", "only first name and surname are required");
        assert_eq!(organisational_display_name("CH DE DEMONSTRATION", "Secrétariat de cardiologie"), "CH DE DEMONSTRATION – Secrétariat de cardiologie");
        assert_eq!(organisational_display_name("", "Secrétariat"), "Secrétariat");
    }

    #[test]
    fn mssante_headers_are_set() {
        let entity = organisational_display_name("CH DE DEMONSTRATION", "Secrétariat de cardiologie");
        let author = Author { from_name: &entity, from: "secretariat-cardio@hopital-demo.mssante.fr", sender: Some(("Claire DUBOIS", ME)) };
        let built = text(&build(&draft(), &author, &[], "NIL-TEST", Purpose::Draft).unwrap());
        assert!(built.contains("From: =?utf-8?b?"), "the entity's name, encoded: {built}");
        assert!(built.contains("X-MSS-NIL: NIL-TEST\r\n"), "{built}");
        assert!(built.contains("X-MSS-MES: FIN\r\n"));
        assert!(built.contains("Disposition-Notification-To: secretariat-cardio@hopital-demo.mssante.fr\r\n"));
        assert!(built.contains("Sender: \"Claire DUBOIS\" <claire.dubois@hopital-demo.mssante.fr>\r\n"), "{built}");
        assert!(built.contains("Message-ID: <abc@hopital-demo.mssante.fr>\r\n"));
        assert!(!built.contains("X-MSS-CODECDA"), "no CDA, no header");
    }

    #[test]
    fn fin_only_towards_patients() {
        let author = Author { from_name: "", from: ME, sender: None };
        let professional = Draft { to: vec!["marc.garnier@cabinet-demo.mssante.fr".into()], ..draft() };
        assert!(!text(&build(&professional, &author, &[], "N", Purpose::Draft).unwrap()).contains("X-MSS-MES"));
        let bad = Draft { to: vec!["pas une adresse".into()], ..draft() };
        assert!(matches!(build(&bad, &author, &[], "N", Purpose::Draft), Err(Error::BadInput(t)) if t.contains("mal formée")));
    }

    #[test]
    fn saved_draft_reads_back_the_same() {
        let author = Author { from_name: "", from: ME, sender: None };
        let file = AttachedFile { name: "CR.pdf".into(), content_type: "application/pdf".into(), data: b"%PDF-1.4".to_vec() };
        let mut original = draft();
        original.in_reply_to = Some("orig-1@cabinet-demo.mssante.fr".into());
        original.references = vec!["older@x".into(), "orig-1@cabinet-demo.mssante.fr".into()];
        let raw = build(&original, &author, std::slice::from_ref(&file), "N", Purpose::Draft).unwrap().formatted();
        let (back, files) = read_draft(&raw).unwrap();
        assert_eq!(back, original);
        assert_eq!((files[0].name.as_str(), files[0].content_type.as_str(), files[0].data.as_slice()), ("CR.pdf", "application/pdf", &b"%PDF-1.4"[..]));
    }

    #[test]
    fn blind_copies_stay_in_the_draft_and_leave_the_headers_sent() {
        let author = Author { from_name: "", from: ME, sender: None };
        let draft = Draft { bcc: vec!["sophie.lambert@hopital-demo.mssante.fr".into()], ..draft() };
        let kept = build(&draft, &author, &[], "N", Purpose::Draft).unwrap();
        assert_eq!(read_draft(&kept.formatted()).unwrap().0.bcc, draft.bcc, "the draft opens again with its Cci");
        let sent = build(&draft, &author, &[], "N", Purpose::Submission).unwrap();
        assert!(!text(&sent).to_lowercase().contains("bcc") && !text(&sent).contains("sophie.lambert"), "{}", text(&sent));
        assert!(sent.envelope().to().iter().any(|a| a.to_string() == "sophie.lambert@hopital-demo.mssante.fr"), "but in the envelope");
    }

    #[test]
    fn a_draft_without_recipients_can_be_kept() {
        let author = Author { from_name: "", from: ME, sender: None };
        let empty = Draft { id: "d@hopital-demo.mssante.fr".into(), body: "Notes".into(), ..Draft::default() };
        let (back, _) = read_draft(&build(&empty, &author, &[], "N", Purpose::Draft).unwrap().formatted()).unwrap();
        assert_eq!((back.to.len(), back.body.as_str()), (0, "Notes"));
    }

    #[test]
    fn reply_all_quotes_and_threads_without_me() {
        let r = reply(ORIGINAL, ME, true, 0).unwrap();
        assert_eq!(r.to, vec!["marc.garnier@cabinet-demo.mssante.fr", "secretariat-cardio@hopital-demo.mssante.fr"]);
        assert_eq!(r.cc, vec!["julien.moreau@hopital-demo.mssante.fr"]);
        assert_eq!(r.subject, "RE : Patient M. Martin");
        assert_eq!(r.in_reply_to.as_deref(), Some("orig-1@cabinet-demo.mssante.fr"));
        assert_eq!(r.references, vec!["older@cabinet-demo.mssante.fr", "orig-1@cabinet-demo.mssante.fr"]);
        assert!(r.body.contains("Dr Marc GARNIER <marc.garnier@cabinet-demo.mssante.fr> a écrit :\n> Bonjour,\n> merci de le revoir."), "{}", r.body);
        assert!(r.id.ends_with("@hopital-demo.mssante.fr"));
        assert_eq!(reply(ORIGINAL, ME, false, 0).unwrap().to, vec!["marc.garnier@cabinet-demo.mssante.fr"]);
    }

    #[test]
    fn forward_keeps_the_original() {
        let (f, files) = forward(ORIGINAL, ME, 0).unwrap();
        assert!(f.to.is_empty() && files.is_empty());
        assert_eq!(f.subject, "TR : Patient M. Martin");
        assert!(f.body.contains("-------- Message transféré --------\nDe : Dr Marc GARNIER"));
    }

    #[test]
    fn read_receipt_follows_the_ans_structure() {
        let (to, mdn) = receipt(ORIGINAL, ME, "NIL-TEST", 1_800_000_000).unwrap();
        assert_eq!(to, "marc.garnier@cabinet-demo.mssante.fr");
        let parsed = parse(&mdn).unwrap();
        let ct = parsed.content_type().unwrap();
        assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("report")));
        assert_eq!(ct.attribute("report-type"), Some("disposition-notification"));
        let text = String::from_utf8_lossy(&mdn);
        assert!(text.contains("Original-Message-ID: <orig-1@cabinet-demo.mssante.fr>"));
        assert!(text.contains("Disposition: manual-action/MDN-sent-manually; displayed"));
        assert!(text.contains("Content-Type: message/rfc822"));
        assert_eq!(parsed.parts.len(), 4, "report + 3 parts");
        assert!(parsed.body_text(0).unwrap().contains("a été lu par claire.dubois"));
    }
}
