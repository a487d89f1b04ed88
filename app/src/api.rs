//! Server functions and the data they carry between server and browser.
//! Each one checks the signed-in user on the server through [`crate::backend::Webmail`].

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageSummary {
    pub uid: u32,
    pub from: String,
    pub subject: String,
    /// Already formatted in French, Paris time.
    pub date: String,
    pub seen: bool,
    pub has_attachments: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageList {
    pub mailbox: String,
    pub total: u32,
    pub unseen: u32,
    /// Newest first.
    pub messages: Vec<MessageSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub content_type: String,
    pub size: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageView {
    pub uid: u32,
    pub from: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub date: String,
    /// Plain text of the message (an HTML-only message is converted to text).
    pub text: String,
    pub attachments: Vec<Attachment>,
}

#[server(endpoint = "moi")]
pub async fn current_user() -> Result<Option<Me>, WebmailError> {
    let (webmail, session) = crate::backend::from_request().await?;
    webmail.current_user(session).await
}

#[server(endpoint = "boite")]
pub async fn list_inbox() -> Result<MessageList, WebmailError> {
    let (webmail, session) = crate::backend::from_request().await?;
    webmail.list_inbox(session).await
}

#[server(endpoint = "message")]
pub async fn read_message(uid: u32) -> Result<MessageView, WebmailError> {
    let (webmail, session) = crate::backend::from_request().await?;
    webmail.read_message(session, uid).await
}
