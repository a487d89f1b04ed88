//! Turning raw RFC 5322 messages into what the pages show (pure functions, unit-tested).

use app::api::{Attachment, MessageSummary, MessageView};
use app::format;
use mail_parser::{Addr, Address, Message, MessageParser, MimeHeaders};

fn parse(raw: &[u8]) -> Option<Message<'_>> {
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
fn full_name(addr: &Addr) -> String {
    match (&addr.name, &addr.address) {
        (Some(name), Some(address)) if !name.trim().is_empty() => format!("{} <{address}>", name.trim()),
        _ => short_name(addr),
    }
}

fn all(address: Option<&Address>) -> Vec<String> {
    address.map(|a| a.iter().map(full_name).collect()).unwrap_or_default()
}

fn subject(message: &Message) -> String {
    message.subject().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("(sans objet)").to_string()
}

/// One row of the message list, from the message's header block.
pub fn summary(uid: u32, seen: bool, header: &[u8], fallback_date: i64, now: i64) -> MessageSummary {
    let Some(message) = parse(header) else {
        return MessageSummary {
            uid,
            from: String::new(),
            subject: "(message illisible)".into(),
            date: format::list_date(fallback_date, now),
            seen,
            has_attachments: false,
        };
    };
    let has_attachments = message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart") && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("mixed"))
    });
    MessageSummary {
        uid,
        from: message.from().and_then(Address::first).map(short_name).unwrap_or_default(),
        subject: subject(&message),
        date: format::list_date(message.date().map(|d| d.to_timestamp()).unwrap_or(fallback_date), now),
        seen,
        has_attachments,
    }
}

/// The whole message for reading: headers, text (HTML converted to text), attachment list.
pub fn view(uid: u32, raw: &[u8], fallback_date: i64) -> MessageView {
    let Some(message) = parse(raw) else {
        return MessageView {
            uid,
            from: String::new(),
            to: vec![],
            cc: vec![],
            subject: "(message illisible)".into(),
            date: format::full_date(fallback_date),
            text: String::new(),
            attachments: vec![],
        };
    };
    let attachments = message
        .attachments()
        .map(|part| Attachment {
            name: part.attachment_name().unwrap_or("pièce jointe sans nom").to_string(),
            content_type: part
                .content_type()
                .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("octet-stream")).to_lowercase())
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: format::size(part.len() as u64),
        })
        .collect();
    MessageView {
        uid,
        from: message.from().and_then(Address::first).map(full_name).unwrap_or_default(),
        to: all(message.to()),
        cc: all(message.cc()),
        subject: subject(&message),
        date: format::full_date(message.date().map(|d| d.to_timestamp()).unwrap_or(fallback_date)),
        text: message.body_text(0).map(|t| t.trim_end().to_string()).unwrap_or_default(),
        attachments,
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
Sortie =E0 domicile le 14 novembre.\r\n";

    const WITH_PDF: &[u8] = b"From: labo@hopital-demo.mssante.fr\r\nSubject: CR\r\n\
Date: Sat, 21 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCi-joint.\r\n\
--b\r\nContent-Type: application/pdf; name=\"CR.pdf\"\r\nContent-Disposition: attachment; filename=\"CR.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";

    #[test]
    fn legacy_charset_headers_and_body_are_decoded() {
        let v = view(7, LATIN1, 0);
        assert_eq!(v.from, "Dr René FAURE <rene.faure@ch.mssante.fr>");
        assert_eq!(v.to, vec!["Dr Claire DUBOIS <claire.dubois@hopital-demo.mssante.fr>", "cardio@hopital-demo.mssante.fr"]);
        assert_eq!(v.subject, "Compte rendu d'hospitalisation");
        assert_eq!(v.text, "Sortie à domicile le 14 novembre.");
        assert_eq!(v.date, "dimanche 22 nov. 2026 à 14:05");
    }

    #[test]
    fn summary_shows_sender_name_and_attachment_mark() {
        let now = 1_795_352_700; // 2026-11-22 13:05 UTC
        let s = summary(3, false, LATIN1, 0, now);
        assert_eq!((s.from.as_str(), s.date.as_str(), s.has_attachments), ("Dr René FAURE", "14:05", false));
        let s = summary(4, true, WITH_PDF, 0, now);
        assert_eq!((s.from.as_str(), s.date.as_str(), s.has_attachments), ("labo@hopital-demo.mssante.fr", "21 nov.", true));
    }

    #[test]
    fn attachments_are_listed_with_type_and_size() {
        let v = view(4, WITH_PDF, 0);
        assert_eq!(v.text, "Ci-joint.");
        assert_eq!(v.attachments, vec![Attachment { name: "CR.pdf".into(), content_type: "application/pdf".into(), size: "9 o".into() }]);
    }

    #[test]
    fn missing_subject_is_said() {
        let v = view(1, b"From: a@b.mssante.fr\r\n\r\nbonjour\r\n", 0);
        assert_eq!(v.subject, "(sans objet)");
    }
}
