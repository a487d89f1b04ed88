//! The server-side contract behind the server functions. `server/` provides an implementation
//! as Leptos context; every method receives the caller's [`Request`] and checks it itself.

use crate::directory::{Correspondent, DirectoryCriteria, DirectoryPage};
use crate::documents::HealthDocument;
use crate::reading::{Folder, Me, MessageAction, MessageList, MessageView, Search};
use crate::error::WebmailError;
use crate::organisation::{MailboxEntry, Member, Professional, Rights, TraceFilter, TraceReport};
use crate::sending::{Compose, ComposeStart, Draft, RecipientCheck, Sent};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::{future::Future, pin::Pin};
use tower_sessions::Session;

pub type Reply<'a, T> = Pin<Box<dyn Future<Output = Result<T, WebmailError>> + Send + 'a>>;

pub trait Webmail: Send + Sync + 'static {
    fn current_user(&self, request: Request) -> Reply<'_, Option<Me>>;
    fn list_folders(&self, request: Request) -> Reply<'_, Vec<Folder>>;
    fn list_messages(&self, request: Request, folder: String, page: u32, search: Search) -> Reply<'_, MessageList>;
    fn read_message(&self, request: Request, folder: String, uid: u32) -> Reply<'_, MessageView>;
    fn read_document(&self, request: Request, folder: String, uid: u32, index: usize, path: String) -> Reply<'_, HealthDocument>;
    fn update_messages(&self, request: Request, folder: String, uids: Vec<u32>, action: MessageAction) -> Reply<'_, ()>;
    fn start_compose(&self, request: Request, start: ComposeStart) -> Reply<'_, Compose>;
    fn check_recipients(&self, request: Request, addresses: Vec<String>) -> Reply<'_, Vec<RecipientCheck>>;
    fn save_draft(&self, request: Request, draft: Draft) -> Reply<'_, ()>;
    fn discard_draft(&self, request: Request, id: String, proof: String) -> Reply<'_, ()>;
    fn send_message(&self, request: Request, draft: Draft) -> Reply<'_, Sent>;
    fn answer_receipt(&self, request: Request, folder: String, uid: u32, send: bool) -> Reply<'_, ()>;
    fn my_mailboxes(&self, request: Request) -> Reply<'_, Vec<MailboxEntry>>;
    fn members(&self, request: Request, mailbox: String) -> Reply<'_, Vec<Member>>;
    fn set_rights(&self, request: Request, mailbox: String, member: String, rights: Rights) -> Reply<'_, ()>;
    fn find_professionals(&self, request: Request, query: String) -> Reply<'_, Vec<Professional>>;
    fn traces(&self, request: Request, mailbox: String, filter: TraceFilter) -> Reply<'_, TraceReport>;
    fn suggest_correspondents(&self, request: Request, query: String) -> Reply<'_, Vec<Correspondent>>;
    fn search_directory(&self, request: Request, criteria: DirectoryCriteria) -> Reply<'_, DirectoryPage>;
}

/// What a server function or a server render knows of the HTTP request it answers. It is read
/// whole when the call starts (Leptos' context is certain on a future's first poll only) and
/// handed down from there: nothing below looks for it again.
#[derive(Clone)]
pub struct Request {
    pub session: Session,
    /// Headers and connection of the HTTP request; none outside one (tests).
    pub parts: Option<http::request::Parts>,
    pub memo: RequestMemo,
    /// The HTTP answer's options when the request is the server function's own call (not a page
    /// rendered on the server), so that a failure can set its status.
    pub response: Option<leptos_axum::ResponseOptions>,
}

impl Request {
    pub fn new(session: Session, parts: Option<http::request::Parts>) -> Self {
        Self { session, parts, memo: RequestMemo::default(), response: None }
    }
}

/// What one HTTP request has done already. A server render may load a page's data more than once
/// (each pass of a Suspense builds its children again) while the user acted once. Provided per
/// request as Leptos context.
#[derive(Clone, Default, Debug)]
pub struct RequestMemo(Arc<Mutex<HashSet<String>>>);

impl RequestMemo {
    /// True the first time `key` is seen in this request.
    pub fn first(&self, key: String) -> bool {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(key)
    }
}

/// Where server functions are called (Leptos' default prefix).
pub const SERVER_FN_PREFIX: &str = "/api/";

/// The webmail backend and the caller's request, for a server function.
pub async fn from_request() -> Result<(Arc<dyn Webmail>, Request), WebmailError> {
    use leptos::prelude::use_context;
    // everything from the context first, before the first await
    let webmail = use_context::<Arc<dyn Webmail>>().ok_or(WebmailError::Internal)?;
    let parts = use_context::<http::request::Parts>();
    let memo = use_context::<RequestMemo>().unwrap_or_default();
    let own_call = parts.as_ref().is_some_and(|p| p.uri.path().starts_with(SERVER_FN_PREFIX));
    let response = use_context::<leptos_axum::ResponseOptions>().filter(|_| own_call);
    let session = leptos_axum::extract::<Session>().await.map_err(|_| WebmailError::Internal)?;
    Ok((webmail, Request { session, parts, memo, response }))
}
