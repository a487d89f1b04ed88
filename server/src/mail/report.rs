//! Reports coming back about messages we sent: read receipts (MDN, RFC 8098) and delivery status
//! notifications (DSN, RFC 3464), including Mon Espace Santé's bounces (ENS §6). Each is read
//! into who it is about, what happened, when, and which message of ours it answers.

use app::patient;
use mail_parser::{Message, MessagePart, MimeHeaders, PartType};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Read,
    Delivered,
    Delayed,
    Failed,
}

/// Why Mon Espace Santé refused a message, when its bounce says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MesCause {
    /// No such mailbox, or the patient opposed the use of Mon Espace Santé.
    UnknownOrOpposed,
    Closed,
    InvalidIns,
    TooLarge,
}

impl MesCause {
    pub fn explain(self) -> &'static str {
        match self {
            Self::UnknownOrOpposed => {
                "cette messagerie Mon espace santé n'existe pas, ou le patient s'est opposé à son ouverture : vérifiez l'INS ou joignez le patient autrement"
            }
            Self::Closed => "la messagerie Mon espace santé de ce patient est fermée : il ne peut plus recevoir de message",
            Self::InvalidIns => "l'INS de l'adresse n'est pas valide pour Mon espace santé : vérifiez-le sur la carte Vitale ou l'attestation",
            Self::TooLarge => "le message dépasse les 25 Mo que Mon espace santé accepte : envoyez les pièces jointes en plusieurs messages",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub outcome: Outcome,
    /// The recipient it is about (Final-Recipient).
    pub recipient: String,
    /// The message of ours it answers (without angle brackets); empty when it does not say.
    pub original_message_id: String,
    /// The server's words, for a failure (Diagnostic-Code), bounded.
    pub diagnostic: String,
    pub mes_cause: Option<MesCause>,
}

/// `Name: value` fields of a delivery-status or disposition-notification body, in groups
/// separated by blank lines (continuation lines folded), names lower-cased. Bounded.
fn field_groups(text: &str) -> Vec<Vec<(String, String)>> {
    let mut groups: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for line in text.lines().take(500) {
        if line.trim().is_empty() {
            if !groups.last().is_some_and(Vec::is_empty) {
                groups.push(Vec::new());
            }
            continue;
        }
        let group = groups.last_mut().expect("one group at least");
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = group.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            group.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    groups.retain(|g| !g.is_empty());
    groups
}

fn field<'a>(group: &'a [(String, String)], name: &str) -> Option<&'a str> {
    group.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// `rfc822; someone@x` → `someone@x`.
fn address(value: &str) -> String {
    let value = value.split_once(';').map_or(value, |(_, a)| a);
    value.trim().trim_matches(['<', '>']).chars().take(254).collect()
}

fn bare_id(value: &str) -> String {
    value.trim().trim_start_matches('<').split('>').next().unwrap_or_default().trim().chars().take(250).collect()
}

fn part_type(part: &MessagePart) -> String {
    part.content_type().map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase()).unwrap_or_default()
}

fn text_of(part: &MessagePart) -> String {
    match &part.body {
        PartType::Text(t) => t.to_string(),
        PartType::Binary(b) | PartType::InlineBinary(b) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

/// The Message-ID in the returned original (message/rfc822 or text/rfc822-headers part).
fn returned_message_id(message: &Message) -> Option<String> {
    message.parts.iter().find_map(|part| match &part.body {
        PartType::Message(original) => original.message_id().map(String::from),
        _ if part_type(part).ends_with("rfc822-headers") => text_of(part)
            .lines()
            .find_map(|l| l.split_once(':').filter(|(n, _)| n.trim().eq_ignore_ascii_case("message-id")).map(|(_, v)| bare_id(v))),
        _ => None,
    })
}

/// What Mon Espace Santé's bounce says, from its status code and words. Its exact texts are not
/// published: these are the causes ENS §6 lists, recognised by the usual status codes (RFC 3463)
/// and by French or English words.
fn mes_cause(status: &str, diagnostic: &str) -> Option<MesCause> {
    let text = diagnostic.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if status.starts_with("5.3.4") || status.starts_with("5.2.3") || has(&["25 mo", "25 mb", "too large", "trop volumineux", "taille"]) {
        Some(MesCause::TooLarge)
    } else if has(&["ferm", "closed", "désactiv", "disabled"]) || status.starts_with("5.2.1") {
        Some(MesCause::Closed)
    } else if has(&["ins invalide", "ins non valide", "invalid ins", "matricule"]) || status.starts_with("5.1.3") {
        Some(MesCause::InvalidIns)
    } else if has(&["n'existe pas", "inexistant", "unknown", "opposition", "opposé", "does not exist", "not found"]) || status.starts_with("5.1.1") {
        Some(MesCause::UnknownOrOpposed)
    } else {
        None
    }
}

/// The report a message is, if it is one (multipart/report of either kind).
pub fn read(message: &Message) -> Option<Report> {
    let root = message.content_type()?;
    if !root.ctype().eq_ignore_ascii_case("multipart") || !root.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report")) {
        return None;
    }
    let report_type = root.attribute("report-type").unwrap_or_default().to_ascii_lowercase();
    let machine = message.parts.iter().find(|p| {
        let t = part_type(p);
        t == "message/disposition-notification" || t == "message/delivery-status" || t == "message/global-delivery-status"
    })?;
    let groups = field_groups(&text_of(machine));
    if report_type == "disposition-notification" || part_type(machine) == "message/disposition-notification" {
        let fields = groups.first()?;
        let disposition = field(fields, "disposition").unwrap_or_default().to_ascii_lowercase();
        if !disposition.contains("displayed") {
            return None; // deleted, dispatched…: nothing to show as « lu »
        }
        return Some(Report {
            outcome: Outcome::Read,
            recipient: address(field(fields, "final-recipient").or(field(fields, "original-recipient")).unwrap_or_default()),
            original_message_id: field(fields, "original-message-id").map(bare_id).unwrap_or_default(),
            diagnostic: String::new(),
            mes_cause: None,
        });
    }
    // a DSN: the first recipient group (after the per-message one) that says what happened
    let recipient = groups.iter().skip(1).find(|g| field(g, "action").is_some())?;
    let action = field(recipient, "action").unwrap_or_default().to_ascii_lowercase();
    let outcome = match action.as_str() {
        "failed" => Outcome::Failed,
        "delayed" => Outcome::Delayed,
        "delivered" | "relayed" | "expanded" => Outcome::Delivered,
        _ => return None,
    };
    let to = address(field(recipient, "final-recipient").or(field(recipient, "original-recipient")).unwrap_or_default());
    let diagnostic: String = field(recipient, "diagnostic-code").map(|d| d.split_once(';').map_or(d, |(_, t)| t).trim()).unwrap_or_default().chars().take(300).collect();
    let status = field(recipient, "status").unwrap_or_default();
    let mes_cause = (outcome == Outcome::Failed && patient::is_patient(&to)).then(|| mes_cause(status, &diagnostic)).flatten();
    Some(Report {
        outcome,
        recipient: to,
        original_message_id: returned_message_id(message).unwrap_or_default(),
        diagnostic,
        mes_cause,
    })
}

impl Report {
    /// One sentence for the top of the report, in French.
    pub fn sentence(&self, date: &str) -> String {
        let who = match patient::ins_of(&self.recipient) {
            Some(ins) => format!("au patient d'INS {}", patient::spaced_ins(&ins)),
            None => format!("à {}", self.recipient),
        };
        match (&self.outcome, self.mes_cause) {
            (Outcome::Read, _) => format!("Accusé de lecture : votre message a été lu par {} le {date}.", self.recipient),
            (Outcome::Delivered, _) => format!("Accusé de remise : votre message a été remis {who} le {date}."),
            (Outcome::Delayed, _) => format!("Remise retardée {who} : le serveur réessaie, rien à faire pour l'instant."),
            (Outcome::Failed, Some(cause)) => format!("Message non remis {who} (Mon espace santé) : {}.", cause.explain()),
            (Outcome::Failed, None) if self.diagnostic.is_empty() => format!("Message non remis {who}."),
            (Outcome::Failed, None) => format!("Message non remis {who} : le serveur a répondu « {} ».", self.diagnostic),
        }
    }

    /// A short status for the Sent list: « Lu par … le … », « Remis à … », « Échec de remise à … ».
    pub fn status(&self, date: &str) -> String {
        let who = match patient::ins_of(&self.recipient) {
            Some(ins) => format!("patient INS {}", patient::spaced_ins(&ins)),
            None => self.recipient.clone(),
        };
        match self.outcome {
            Outcome::Read => format!("Lu par {who} le {date}"),
            Outcome::Delivered => format!("Remis à {who} le {date}"),
            Outcome::Delayed => format!("Remise retardée à {who}"),
            Outcome::Failed => format!("Échec de remise à {who}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MessageParser;

    fn dsn(recipient: &str, action: &str, status: &str, diagnostic: &str) -> String {
        format!(
            "From: MAILER-DAEMON@mx.patient.mssante.fr\r\nTo: claire.dubois@hopital-demo.mssante.fr\r\nSubject: Undelivered Mail Returned to Sender\r\n\
Date: Sat, 28 Nov 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
--r\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVotre message n'a pas pu être remis.\r\n\
--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.patient.mssante.fr\r\n\r\n\
Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\nDiagnostic-Code: smtp; {diagnostic}\r\n\r\n\
--r\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: claire.dubois@hopital-demo.mssante.fr\r\nMessage-ID: <envoi-1@hopital-demo.mssante.fr>\r\nSubject: Résultats\r\n\r\n--r--\r\n"
        )
    }

    fn report(raw: &str) -> Option<Report> {
        read(&MessageParser::default().parse(raw.as_bytes()).unwrap())
    }

    #[test]
    fn mes_bounces_are_recognised_and_explained() {
        let patient = "285077511234511@patient.mssante.fr";
        let cases = [
            ("5.1.1", "550 5.1.1 Adresse inexistante ou opposition du patient", MesCause::UnknownOrOpposed),
            ("5.2.1", "550 5.2.1 Messagerie fermée", MesCause::Closed),
            ("5.1.3", "553 5.1.3 INS invalide", MesCause::InvalidIns),
            ("5.3.4", "552 5.3.4 Message too large (25 MB max)", MesCause::TooLarge),
        ];
        for (status, diagnostic, cause) in cases {
            let r = report(&dsn(patient, "failed", status, diagnostic)).unwrap();
            assert_eq!((r.outcome.clone(), r.mes_cause, r.original_message_id.as_str()), (Outcome::Failed, Some(cause), "envoi-1@hopital-demo.mssante.fr"));
            let sentence = r.sentence("28/11/2026");
            assert!(sentence.starts_with("Message non remis au patient d'INS 2 85 07 75 112 345 11 (Mon espace santé) : "), "{sentence}");
        }
        // a professional's bounce keeps the server's words
        let r = report(&dsn("x@hopital-demo.mssante.fr", "failed", "5.1.1", "550 5.1.1 User unknown")).unwrap();
        assert_eq!(r.mes_cause, None);
        assert_eq!(r.sentence("d"), "Message non remis à x@hopital-demo.mssante.fr : le serveur a répondu « 550 5.1.1 User unknown ».");
        let delivered = report(&dsn(patient, "delivered", "2.0.0", "250 OK")).unwrap();
        assert_eq!(delivered.status("28/11/2026 à 09:00"), "Remis à patient INS 2 85 07 75 112 345 11 le 28/11/2026 à 09:00");
        assert_eq!(report("Subject: x\r\n\r\nnot a report\r\n"), None);
    }

    #[test]
    fn read_receipts_name_the_reader_and_the_message() {
        let mdn = "From: marc.garnier@cabinet-demo.mssante.fr\r\nSubject: Lu : Avis\r\nDate: Sat, 28 Nov 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=disposition-notification; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nLu.\r\n\
--m\r\nContent-Type: message/disposition-notification\r\n\r\nReporting-UA: webmail\r\nFinal-Recipient: rfc822; marc.garnier@cabinet-demo.mssante.fr\r\n\
Original-Message-ID: <avis-7@hopital-demo.mssante.fr>\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--m--\r\n";
        let r = report(mdn).unwrap();
        assert_eq!((r.outcome.clone(), r.recipient.as_str(), r.original_message_id.as_str()), (Outcome::Read, "marc.garnier@cabinet-demo.mssante.fr", "avis-7@hopital-demo.mssante.fr"));
        assert_eq!(r.status("28/11/2026 à 09:00"), "Lu par marc.garnier@cabinet-demo.mssante.fr le 28/11/2026 à 09:00");
        assert_eq!(report(&mdn.replace("displayed", "deleted")), None, "only « displayed » is a reading");
    }

    #[test]
    fn hostile_reports_stay_bounded() {
        let long = format!("550 {}", "é".repeat(5_000));
        let r = report(&dsn("x@hopital-demo.mssante.fr", "failed", "5.0.0", &long)).unwrap();
        assert_eq!(r.diagnostic.chars().count(), 300);
        let many = dsn("x@h.fr", "failed", "5.0.0", "x").replace("Reporting-MTA: dns; mx.patient.mssante.fr\r\n", &"X-Pad: y\r\n".repeat(10_000));
        // fields past the 500th line are not read: no recipient group, no report
        assert_eq!(report(&many), None);
    }
}
