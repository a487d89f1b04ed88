//! Writing and sending: the draft as the compose page holds it, and the server functions that
//! check recipients, keep drafts in the IMAP Drafts folder, send, and answer read receipts.

use crate::error::WebmailError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::patient::{PATIENT_DOMAIN, is_patient};

/// Most recipients (À and Cc together) one message may have.
pub const MAX_RECIPIENTS: usize = 100;

/// The refusal of a message (or a check) with more than [`MAX_RECIPIENTS`] recipients, in French.
pub fn too_many_recipients(count: usize) -> Option<String> {
    (count > MAX_RECIPIENTS).then(|| {
        format!("Un message peut avoir au plus {MAX_RECIPIENTS} destinataires ; celui-ci en a {count}. Retirez-en, ou écrivez à une boîte organisationnelle.")
    })
}

/// Where a new message starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ComposeStart {
    New,
    /// A new message written while reading this folder: from its organisational mailbox, when the
    /// folder is one's and the user may send as it.
    NewIn(String),
    /// A new message to this address (« Écrire » in the directory).
    To(String),
    Reply { folder: String, uid: u32, all: bool },
    Forward { folder: String, uid: u32 },
    /// A draft saved earlier (Drafts folder).
    Draft { folder: String, uid: u32 },
}

/// A file uploaded for a draft (kept by the server until the draft is sent or dropped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub id: String,
    pub name: String,
    pub bytes: u64,
}

/// The message being written. Its `id` is its Message-ID, fixed when writing starts: every
/// save replaces the draft with that id, and a second send of it is recognised and not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// Its Message-ID, always chosen by the server.
    pub id: String,
    /// The server's proof that it issued `id` to this mailbox: a page cannot pick a Message-ID
    /// (another sender's, to pass for them in threads and receipts).
    pub proof: String,
    /// The organisational mailbox it is sent from; empty: the user's own.
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Blind copies (Cci): in the envelope only, never in the headers sent.
    #[serde(default)]
    pub bcc: Vec<String>,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<Upload>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// Ask for a read receipt (Disposition-Notification-To).
    pub receipt: bool,
    /// Ask the operator for a delivery notification (DSN, RFC 3461: NOTIFY=SUCCESS,FAILURE).
    #[serde(default)]
    pub delivery_receipt: bool,
    /// Patient exchange: the patient may not answer (X-MSS-MES: FIN).
    pub close_exchange: bool,
    /// Patient addresses whose identity (sex, birth, birthplace from the INS) the professional
    /// confirmed (ECO.3.1.5, §3.4.2.2).
    #[serde(default)]
    pub patient_confirmed: Vec<String>,
    /// The professional confirmed sending to a patient and professionals in one message.
    #[serde(default)]
    pub mixed_confirmed: bool,
}

impl Draft {
    pub fn recipients(&self) -> impl Iterator<Item = &String> {
        self.to.iter().chain(&self.cc).chain(&self.bcc)
    }

    /// Why this draft may not be sent yet under the rules of writing to patients, in French:
    /// one patient per message, their identity confirmed, and a mix with professionals confirmed.
    pub fn patient_refusal(&self) -> Option<String> {
        let patients: Vec<&String> = self.recipients().filter(|r| is_patient(r)).collect();
        let patient = patients.first()?;
        if patients.len() > 1 {
            return Some("Un message ne peut être adressé qu'à un seul patient : écrivez à chacun séparément.".into());
        }
        if !self.patient_confirmed.iter().any(|c| c.trim().eq_ignore_ascii_case(patient.trim())) {
            return Some(format!("Confirmez l'identité du patient ({}) avant d'envoyer.", patient.trim()));
        }
        if self.recipients().count() > 1 && !self.mixed_confirmed {
            return Some("Ce message part à un patient et à des professionnels : confirmez que le patient peut voir leurs adresses.".into());
        }
        None
    }
}

/// What the compose page needs besides the draft itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Compose {
    pub draft: Draft,
    /// The user's own address.
    pub from: String,
    /// Addresses the user may send from: their own first, then organisational mailboxes where
    /// they hold the right to send.
    pub senders: Vec<String>,
    /// The signature of each of `senders`, in the same order (empty: none), so that changing
    /// « De » changes the signature in the text.
    pub signatures: Vec<String>,
    /// Largest total size of the attachments, in bytes.
    pub max_attachment_bytes: u64,
    /// The same when a patient is among the recipients (Mon Espace Santé: 25 Mo).
    pub max_patient_attachment_bytes: u64,
}

/// A recipient and, when it may not receive mail from the trust space, why (in French).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientCheck {
    pub address: String,
    pub refusal: Option<String>,
    /// For a valid patient address: who the INS says it is (« Femme, née en mars 1979, … »), to
    /// be confirmed before sending.
    pub patient: Option<String>,
}

/// After a send: whether the copy in « Envoyés » was made (the message left either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    pub copied_to_sent: bool,
}

#[server(endpoint = "ecrire", input = leptos::server_fn::codec::Json)]
pub async fn start_compose(start: ComposeStart) -> Result<Compose, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.start_compose(request, start).await
}

#[server(endpoint = "destinataires", input = leptos::server_fn::codec::Json)]
pub async fn check_recipients(addresses: Vec<String>) -> Result<Vec<RecipientCheck>, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.check_recipients(request, addresses).await
}

#[server(endpoint = "brouillon", input = leptos::server_fn::codec::Json)]
pub async fn save_draft(draft: Draft) -> Result<(), WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.save_draft(request, draft).await
}

#[server(endpoint = "abandon", input = leptos::server_fn::codec::Json)]
pub async fn discard_draft(id: String, proof: String) -> Result<(), WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.discard_draft(request, id, proof).await
}

#[server(endpoint = "envoyer", input = leptos::server_fn::codec::Json)]
pub async fn send_message(draft: Draft) -> Result<Sent, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.send_message(request, draft).await
}

/// Send the read receipt a message asks for (`send`), or decline it; it is not asked again.
#[server(endpoint = "accuse", input = leptos::server_fn::codec::Json, output = crate::wire::Binary)]
pub async fn answer_receipt(folder: String, uid: u32, send: bool) -> Result<(), WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.answer_receipt(request, folder, uid, send).await
}

/// The line that opens a forwarded message in the text of a forward.
pub const FORWARD_HEADER: &str = "-------- Message transféré --------";

/// The line that opens the quoted message in a reply: « Le <date>, <who> a écrit : ».
pub fn reply_attribution(date: &str, who: &str) -> String {
    format!("Le {date}, {who} a écrit :")
}

/// Whether `line` is a [`reply_attribution`].
fn is_reply_attribution(line: &str) -> bool {
    line.starts_with("Le ") && line.ends_with(" a écrit :")
}

fn signature_block(signature: &str) -> String {
    format!("\n\n-- \n{signature}")
}

/// Where the quoted message starts in `body` (its blank line before « Le …, … a écrit : » or the
/// forward's header), if there is one.
fn quoted_part(body: &str) -> Option<usize> {
    body.match_indices("\n\n").map(|(at, _)| at).find(|&at| {
        let line = body[at + 2..].lines().next().unwrap_or_default();
        line == FORWARD_HEADER || is_reply_attribution(line)
    })
}

/// `body` with its signature changed from `old` to `new` (the mailbox written from changed):
/// where the old one was, or — when there was none — after what is written, above a quoted
/// message. None when nothing is to change, or when the old signature is no longer in the text
/// as it was put (the user edited it: their text is left alone).
pub fn swap_signature(body: &str, old: &str, new: &str) -> Option<String> {
    if old.trim() == new.trim() {
        return None;
    }
    let new_block = if new.trim().is_empty() { String::new() } else { signature_block(new) };
    if !old.trim().is_empty() {
        let old_block = signature_block(old);
        let at = body.find(&old_block)?;
        let end = at + old_block.len();
        if !(body[end..].is_empty() || body[end..].starts_with('\n')) {
            return None; // the start of a longer text: not the signature as it was put
        }
        return Some(format!("{}{new_block}{}", &body[..at], &body[end..]));
    }
    if new_block.is_empty() || body.contains("\n-- \n") || body.starts_with("-- \n") {
        return None; // nothing to put, or a signature of the user's own already
    }
    let at = quoted_part(body).unwrap_or_else(|| body.trim_end().len());
    Some(format!("{}{new_block}{}", &body[..at], &body[at..]))
}

/// `body` as the server first gives it, signed with `signature` (none when empty).
pub fn signed(body: String, signature: &str) -> String {
    swap_signature(&body, "", signature).unwrap_or(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patient_rules_one_patient_identity_then_mix_confirmed() {
        let patient = "279035121518989@patient.mssante.fr";
        let colleague = "marc.garnier@cabinet-demo.mssante.fr";
        let only_colleague = Draft { to: vec![colleague.into()], ..Draft::default() };
        assert_eq!(only_colleague.patient_refusal(), None);
        let draft = Draft { to: vec![patient.into()], ..Draft::default() };
        assert!(draft.patient_refusal().unwrap().contains("Confirmez l'identité"));
        let draft = Draft { patient_confirmed: vec![patient.to_uppercase()], ..draft };
        assert_eq!(draft.patient_refusal(), None, "confirmed, whatever the case");
        let mixed = Draft { cc: vec![colleague.into()], ..draft.clone() };
        assert!(mixed.patient_refusal().unwrap().contains("patient et à des professionnels"));
        assert_eq!(Draft { mixed_confirmed: true, ..mixed }.patient_refusal(), None);
        let two = Draft { cc: vec!["285077511234511@patient.mssante.fr".into()], mixed_confirmed: true, ..draft };
        assert!(two.patient_refusal().unwrap().contains("un seul patient"));
    }

    #[test]
    fn the_signature_follows_the_mailbox_written_from() {
        let reply = "\n\nLe 3 déc. 2026, Dr Marc GARNIER a écrit :\n> Bonjour\n> -- \n> Marc";
        // put above the quoted message, after what is written
        let mine = signed(reply.to_string(), "Dr Claire DUBOIS");
        assert_eq!(mine, format!("\n\n-- \nDr Claire DUBOIS{reply}"));
        let typed = format!("Merci, je le vois demain.{mine}");
        // changed for the team's, then taken off, then put back: the text written stays
        let team = swap_signature(&typed, "Dr Claire DUBOIS", "Secrétariat de cardiologie\nPoste 4512").unwrap();
        assert_eq!(team, format!("Merci, je le vois demain.\n\n-- \nSecrétariat de cardiologie\nPoste 4512{reply}"));
        let none = swap_signature(&team, "Secrétariat de cardiologie\nPoste 4512", "").unwrap();
        assert_eq!(none, format!("Merci, je le vois demain.{reply}"));
        assert_eq!(swap_signature(&none, "", "Dr Claire DUBOIS").unwrap(), typed);
        // a forward, a new message
        let forward = format!("\n\n{FORWARD_HEADER}\nDe : Marc\n\nTexte");
        assert_eq!(signed(format!("Pour avis.{forward}"), "S"), format!("Pour avis.\n\n-- \nS{forward}"));
        assert_eq!(signed("Bonjour,\n\n".into(), "S"), "Bonjour,\n\n-- \nS\n\n");
        assert_eq!(signed(String::new(), "S"), "\n\n-- \nS");
        // an edited signature, or one of the user's own, is left alone
        assert_eq!(swap_signature("Texte\n\n-- \nDr Claire DUBOIS, cardiologue", "Dr Claire DUBOIS", "S"), None);
        assert_eq!(swap_signature("Texte\n\n-- \nma signature", "", "S"), None);
        assert_eq!(swap_signature("Texte", "S", "S"), None);
    }
}
