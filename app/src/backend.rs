//! The server-side contract behind the server functions. `server/` provides an implementation
//! as Leptos context; every method receives the caller's session and checks it itself.

use crate::api::{Folder, Me, MessageAction, MessageList, MessageView, Search};
use crate::error::WebmailError;
use crate::organisation::{MailboxEntry, Member, Professional, Rights, TraceFilter, TraceReport};
use crate::sending::{Compose, ComposeStart, Draft, RecipientCheck, Sent};
use std::{future::Future, pin::Pin, sync::Arc};
use tower_sessions::Session;

pub type Reply<'a, T> = Pin<Box<dyn Future<Output = Result<T, WebmailError>> + Send + 'a>>;

pub trait Webmail: Send + Sync + 'static {
    fn current_user(&self, session: Session) -> Reply<'_, Option<Me>>;
    fn list_folders(&self, session: Session) -> Reply<'_, Vec<Folder>>;
    fn list_messages(&self, session: Session, folder: String, page: u32, search: Search) -> Reply<'_, MessageList>;
    fn read_message(&self, session: Session, folder: String, uid: u32) -> Reply<'_, MessageView>;
    fn update_messages(&self, session: Session, folder: String, uids: Vec<u32>, action: MessageAction) -> Reply<'_, ()>;
    fn start_compose(&self, session: Session, start: ComposeStart) -> Reply<'_, Compose>;
    fn check_recipients(&self, session: Session, addresses: Vec<String>) -> Reply<'_, Vec<RecipientCheck>>;
    fn save_draft(&self, session: Session, draft: Draft) -> Reply<'_, ()>;
    fn discard_draft(&self, session: Session, id: String) -> Reply<'_, ()>;
    fn send_message(&self, session: Session, draft: Draft) -> Reply<'_, Sent>;
    fn answer_receipt(&self, session: Session, folder: String, uid: u32, send: bool) -> Reply<'_, ()>;
    fn my_mailboxes(&self, session: Session) -> Reply<'_, Vec<MailboxEntry>>;
    fn members(&self, session: Session, mailbox: String) -> Reply<'_, Vec<Member>>;
    fn set_rights(&self, session: Session, mailbox: String, member: String, rights: Rights) -> Reply<'_, ()>;
    fn find_professionals(&self, session: Session, query: String) -> Reply<'_, Vec<Professional>>;
    fn traces(&self, session: Session, mailbox: String, filter: TraceFilter) -> Reply<'_, TraceReport>;
}

/// The webmail backend and the caller's session, for a server function.
pub async fn from_request() -> Result<(Arc<dyn Webmail>, Session), WebmailError> {
    let webmail = leptos::prelude::use_context::<Arc<dyn Webmail>>().ok_or(WebmailError::Internal)?;
    let session = leptos_axum::extract::<Session>().await.map_err(|_| WebmailError::Internal)?;
    Ok((webmail, session))
}
