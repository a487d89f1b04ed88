//! Writing and sending: the draft as the compose page holds it, and the server functions that
//! check recipients, keep drafts in the IMAP Drafts folder, send, and answer read receipts.

use crate::error::WebmailError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The domain of patients' mailboxes (Mon Espace Santé): `<INS>@patient.mssante.fr`.
pub const PATIENT_DOMAIN: &str = "patient.mssante.fr";

pub fn is_patient(address: &str) -> bool {
    address.trim().to_ascii_lowercase().ends_with(&format!("@{PATIENT_DOMAIN}"))
}

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
    pub subject: String,
    pub body: String,
    pub attachments: Vec<Upload>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// Ask for a read receipt (Disposition-Notification-To).
    pub receipt: bool,
    /// Patient exchange: the patient may not answer (X-MSS-MES: FIN).
    pub close_exchange: bool,
}

impl Draft {
    pub fn recipients(&self) -> impl Iterator<Item = &String> {
        self.to.iter().chain(&self.cc)
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
    /// Largest total size of the attachments, in bytes.
    pub max_attachment_bytes: u64,
}

/// A recipient and, when it may not receive mail from the trust space, why (in French).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientCheck {
    pub address: String,
    pub refusal: Option<String>,
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
#[server(endpoint = "accuse", input = leptos::server_fn::codec::Json)]
pub async fn answer_receipt(folder: String, uid: u32, send: bool) -> Result<(), WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.answer_receipt(request, folder, uid, send).await
}
