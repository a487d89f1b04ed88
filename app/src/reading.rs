//! Server functions and the data they carry between server and browser.
//! Each one checks the signed-in user on the server through [`crate::backend::Webmail`].

use crate::patient::PatientSender;
use crate::error::WebmailError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in professional, as shown in the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub display_name: String,
    /// "RPPS 10100000017", "ADELI …" or the raw PSC identifier.
    pub professional_id: String,
    pub mailbox: String,
}

/// What a folder is for (RFC 6154 special use), which decides its French name and icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FolderRole {
    Inbox,
    Drafts,
    Sent,
    Trash,
    Junk,
    Archive,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Folder {
    /// IMAP name (modified UTF-7), used in requests.
    pub name: String,
    /// Shown to the user, in French.
    pub label: String,
    pub role: FolderRole,
    pub total: u32,
    pub unseen: u32,
}

/// Server-side search criteria; empty fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Search {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// YYYY-MM-DD, inclusive.
    pub since: String,
    /// YYYY-MM-DD, inclusive.
    pub until: String,
    pub unread: bool,
    pub with_attachment: bool,
    /// In an organisational mailbox: only what no member took charge of.
    #[serde(default)]
    pub untaken: bool,
}

impl Search {
    pub fn is_empty(&self) -> bool {
        self == &Search::default()
    }
}

/// What the user does to selected messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageAction {
    MarkRead,
    MarkUnread,
    Flag,
    Unflag,
    /// To the folder of that IMAP name.
    Move(String),
    /// To the Trash; from the Trash, for good.
    Delete,
    /// In an organisational mailbox: « Je m'en occupe » (seen by every member), and its undoing.
    TakeCharge,
    ReleaseCharge,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageSummary {
    pub uid: u32,
    pub from: String,
    pub subject: String,
    /// Already formatted in French, Paris time.
    pub date: String,
    pub seen: bool,
    pub flagged: bool,
    pub has_attachments: bool,
    /// A draft (\\Draft): opening it goes back to writing it.
    pub draft: bool,
    /// The sender is a patient writing from Mon Espace Santé (shown by name and INS, marked).
    pub patient: Option<PatientSender>,
    /// Health documents it carries (IHE XDM): their types, or « Document de santé ».
    pub document: Option<String>,
    /// What the METADATA.XML of its IHE_XDM.zip says of each document (title, type, date,
    /// patient, author), when it has one.
    pub documents: Vec<XdmDocument>,
    /// For a message we sent: what came back (« Lu par … le … », « Remis à … », « Échec de remise à … »).
    pub receipts: Vec<String>,
    /// In an organisational mailbox: who handles it (« Pris en charge par … », « Répondu par … »).
    pub handled: Option<String>,
    /// Without angle brackets; the server's, to match what comes back (not sent to the page).
    #[serde(skip)]
    pub message_id: String,
    /// The start of its text, on one line (empty when it has none in plain text or HTML).
    pub preview: String,
    /// In the conversation view, on the newest message of a conversation: how many messages it
    /// has among those looked through, and the others, newest first (the first few).
    pub conversation_size: u32,
    pub conversation: Vec<MessageSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageList {
    pub folder: String,
    /// Messages in the folder, or matching the search.
    pub total: u32,
    /// Whether `total` is exact: a search stops once it has found enough for the page asked.
    pub complete: bool,
    pub unseen: u32,
    /// 0-based page shown, and how many there are.
    pub page: u32,
    pub pages: u32,
    /// Newest first.
    pub messages: Vec<MessageSummary>,
    /// A search that ran out of time before finding the page's worth: how far it went. The page
    /// shows what was found and asks again, and the server resumes where it stopped.
    pub progress: Option<SearchProgress>,
    /// Rows are conversations (their newest message), not messages; never with a search.
    pub conversations: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchProgress {
    /// Messages looked through so far, of `of` in the folder.
    pub scanned: u32,
    pub of: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    /// Position among the message's attachments, for the download URL.
    pub index: usize,
    pub name: String,
    pub content_type: String,
    pub size: String,
    /// Shown in the page (images) or openable in the browser (PDF).
    pub preview: Preview,
    /// The documents of an IHE XDM archive (IHE_XDM.zip), when this is one.
    pub xdm: Vec<XdmDocument>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preview {
    Image,
    Pdf,
    None,
}

/// One document of an IHE XDM submission set, from its METADATA.XML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XdmDocument {
    /// Path inside the archive.
    pub path: String,
    pub title: String,
    pub mime_type: String,
    /// As written in the metadata (YYYYMMDD…), formatted in French when it parses.
    pub created: String,
    pub patient: String,
    /// Its type (XDS typeCode: the LOINC label), and who wrote it (author and institution).
    pub kind: String,
    pub author: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub folder: String,
    pub uid: u32,
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub date: String,
    /// Plain text of the message (an HTML-only message is converted to text).
    pub text: String,
    /// Whether there is an HTML version, shown sanitised in a sandboxed frame.
    pub has_html: bool,
    /// Remote images the HTML refers to (blocked until the user allows them).
    pub remote_images: usize,
    pub seen: bool,
    pub flagged: bool,
    pub attachments: Vec<Attachment>,
    /// The sender asks for a read receipt and none was sent or declined yet.
    pub receipt_requested: bool,
    /// Without angle brackets; empty when the message has none.
    pub message_id: String,
    /// The sender is a patient writing from Mon Espace Santé.
    pub patient: Option<PatientSender>,
    /// Health documents it carries (IHE XDM): their types, or « Document de santé ».
    pub document: Option<String>,
    /// This message ends the exchange with a patient (`X-MSS-MES: FIN` or the subject `[FIN]`).
    pub ends_exchange: bool,
    /// A report about a message we sent (receipt, delivery notification, Mon Espace Santé bounce):
    /// what happened, in one sentence, and where that message is.
    pub report: Option<ReportNotice>,
    /// For a message we sent: what came back about it.
    pub receipts: Vec<String>,
    /// In an organisational mailbox: who handles it, and whether it is the reader.
    pub handled: Option<String>,
    pub taken_by_me: bool,
    /// The member who took charge of it (server side, to work out `taken_by_me`).
    #[serde(skip)]
    pub taken_by: Option<String>,
    /// What the Annuaire santé says of its sender and recipients.
    pub correspondents: Vec<crate::directory::AddressNote>,
    /// Sender and recipients' addresses, lower case (server side, to look them up).
    #[serde(skip)]
    pub addresses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportNotice {
    pub sentence: String,
    /// The Message-ID it answers (without angle brackets).
    pub answers: String,
    /// The page of that message in Sent, when it is there.
    pub original: Option<String>,
    /// A failure (shown as an alert).
    pub failed: bool,
}

#[server(endpoint = "moi", input = leptos::server_fn::codec::Json, output = crate::wire::Binary)]
pub async fn current_user() -> Result<Option<Me>, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    request.memo.clone().once("moi".into(), async move { webmail.current_user(request).await }).await
}

#[server(endpoint = "dossiers", input = leptos::server_fn::codec::Json, output = crate::wire::Binary)]
pub async fn list_folders() -> Result<Vec<Folder>, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    folders_once(webmail, request).await
}

/// The caller's folders, read once per request: the frame's mailboxes are made from the same list.
#[cfg(feature = "ssr")]
pub(crate) async fn folders_once(webmail: std::sync::Arc<dyn crate::backend::Webmail>, request: crate::backend::Request) -> Result<Vec<Folder>, WebmailError> {
    request.memo.clone().once("dossiers".into(), async move { webmail.list_folders(request).await }).await
}

/// How a folder is listed: one row per message or per conversation. Chosen with the page's
/// `vue` parameter and kept for the session; `None` asks for the one kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ListView {
    Messages,
    Conversations,
}

impl ListView {
    /// The `vue` parameter's value.
    pub fn key(self) -> &'static str {
        match self {
            ListView::Messages => "messages",
            ListView::Conversations => "conversations",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [ListView::Messages, ListView::Conversations].into_iter().find(|v| v.key() == key)
    }
}

#[server(endpoint = "messages", input = leptos::server_fn::codec::Json, output = crate::wire::Binary)]
pub async fn list_messages(folder: String, page: u32, search: Search, view: Option<ListView>) -> Result<MessageList, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    let key = format!("messages\0{folder}\0{page}\0{search:?}\0{view:?}");
    request.memo.clone().once(key, async move { webmail.list_messages(request, folder, page, search, view).await }).await
}

#[server(endpoint = "message", input = leptos::server_fn::codec::Json, output = crate::wire::Binary)]
pub async fn read_message(folder: String, uid: u32) -> Result<MessageView, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    let key = format!("message\0{folder}\0{uid}");
    request.memo.clone().once(key, async move { webmail.read_message(request, folder, uid).await }).await
}

#[server(endpoint = "actions", input = leptos::server_fn::codec::Json, output = crate::wire::Binary)]
pub async fn update_messages(folder: String, uids: Vec<u32>, action: MessageAction) -> Result<(), WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.update_messages(request, folder, uids, action).await
}
