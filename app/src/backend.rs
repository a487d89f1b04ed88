//! The server-side contract behind the server functions. `server/` provides an implementation
//! as Leptos context; every method receives the caller's [`Request`] and checks it itself.

use crate::archive::ExportProgress;
use crate::directory::{Correspondent, DirectoryCriteria, DirectoryPage};
use crate::documents::HealthDocument;
use crate::reading::{Folder, ListView, Me, MessageAction, MessageList, MessageView, Search};
use crate::error::WebmailError;
use crate::organisation::{MailboxEntry, Member, Professional, Rights, TraceFilter, TraceReport};
use crate::sending::{Compose, ComposeStart, Draft, RecipientCheck, Sent};
use crate::settings::{Rules, Settings, Vacation};
use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::{future::Future, pin::Pin};
use tower_sessions::Session;

pub type Reply<'a, T> = Pin<Box<dyn Future<Output = Result<T, WebmailError>> + Send + 'a>>;

pub trait Webmail: Send + Sync + 'static {
    fn current_user(&self, request: Request) -> Reply<'_, Option<Me>>;
    fn list_folders(&self, request: Request) -> Reply<'_, Vec<Folder>>;
    /// `view`: the one asked for, kept for the session; `None`: the one kept.
    fn list_messages(&self, request: Request, folder: String, page: u32, search: Search, view: Option<ListView>) -> Reply<'_, MessageList>;
    fn read_message(&self, request: Request, folder: String, uid: u32) -> Reply<'_, MessageView>;
    fn read_document(&self, request: Request, folder: String, uid: u32, index: usize, path: String) -> Reply<'_, HealthDocument>;
    fn update_messages(&self, request: Request, folder: String, uids: Vec<u32>, action: MessageAction) -> Reply<'_, ()>;
    fn start_compose(&self, request: Request, start: ComposeStart) -> Reply<'_, Compose>;
    fn check_recipients(&self, request: Request, addresses: Vec<String>) -> Reply<'_, Vec<RecipientCheck>>;
    fn save_draft(&self, request: Request, draft: Draft) -> Reply<'_, ()>;
    fn discard_draft(&self, request: Request, id: String, proof: String) -> Reply<'_, ()>;
    fn send_message(&self, request: Request, draft: Draft) -> Reply<'_, Sent>;
    fn answer_receipt(&self, request: Request, folder: String, uid: u32, send: bool) -> Reply<'_, ()>;
    /// The caller's mailboxes, from `folders`, their folder list as [`Webmail::list_folders`] gave it.
    fn my_mailboxes(&self, request: Request, folders: Vec<Folder>) -> Reply<'_, Vec<MailboxEntry>>;
    fn members(&self, request: Request, mailbox: String) -> Reply<'_, Vec<Member>>;
    fn set_rights(&self, request: Request, mailbox: String, member: String, rights: Rights) -> Reply<'_, ()>;
    fn find_professionals(&self, request: Request, query: String) -> Reply<'_, Vec<Professional>>;
    fn traces(&self, request: Request, mailbox: String, filter: TraceFilter) -> Reply<'_, TraceReport>;
    fn suggest_correspondents(&self, request: Request, query: String) -> Reply<'_, Vec<Correspondent>>;
    fn search_directory(&self, request: Request, criteria: DirectoryCriteria) -> Reply<'_, DirectoryPage>;
    fn settings(&self, request: Request) -> Reply<'_, Settings>;
    fn save_settings(&self, request: Request, rules: Rules, signature: String, replace_edited: bool) -> Reply<'_, ()>;
    fn save_team_signature(&self, request: Request, mailbox: String, signature: String) -> Reply<'_, ()>;
    fn save_team_vacation(&self, request: Request, mailbox: String, vacation: Vacation, replace_edited: bool) -> Reply<'_, ()>;
    fn export_progress(&self, request: Request, id: String) -> Reply<'_, ExportProgress>;
    fn cancel_export(&self, request: Request, id: String) -> Reply<'_, ExportProgress>;
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
/// (each pass of a Suspense builds its children again) while the user acted once: it is traced
/// once, and read once. Provided per request as Leptos context.
#[derive(Clone, Default)]
pub struct RequestMemo {
    seen: Arc<Mutex<HashSet<String>>>,
    /// Answers of the reading calls made, by call and arguments, shared by later identical calls
    /// (while in flight too): each is a [`Shared`] future of one type, named by its key.
    answers: Arc<Mutex<HashMap<String, Box<dyn Any + Send + Sync>>>>,
}

type Shared<T> = futures::future::Shared<Pin<Box<dyn Future<Output = Result<T, WebmailError>> + Send>>>;

impl RequestMemo {
    /// True the first time `key` is seen in this request.
    pub fn first(&self, key: String) -> bool {
        self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(key)
    }

    /// The answer of the reading call `key` names: `call`'s, or that of the same call made
    /// earlier in this request. Only for calls that change nothing.
    pub async fn once<T, F>(&self, key: String, call: F) -> Result<T, WebmailError>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = Result<T, WebmailError>> + Send + 'static,
    {
        use futures::FutureExt;
        let shared = {
            let mut answers = self.answers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let entry = answers.entry(key).or_insert_with(|| Box::new((Box::pin(call) as Pin<Box<dyn Future<Output = _> + Send>>).shared()));
            entry.downcast_ref::<Shared<T>>().cloned()
        };
        // a key names one call, so one answer type
        match shared {
            Some(shared) => shared.await,
            None => Err(WebmailError::Internal),
        }
    }
}

impl std::fmt::Debug for RequestMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestMemo").finish_non_exhaustive()
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    #[test]
    fn a_reading_call_made_twice_in_one_request_runs_once() {
        let memo = RequestMemo::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let call = |n: u32| {
            let runs = runs.clone();
            async move {
                runs.fetch_add(1, SeqCst);
                Ok::<u32, WebmailError>(n)
            }
        };
        let answers = futures::executor::block_on(async {
            futures::join!(memo.once("dossiers".into(), call(1)), memo.once("dossiers".into(), call(2)), memo.once("boites".into(), call(3)))
        });
        assert_eq!(answers, (Ok(1), Ok(1), Ok(3)), "the second identical call gets the first one's answer");
        assert_eq!(runs.load(SeqCst), 2);
        assert_eq!(futures::executor::block_on(memo.once("dossiers".into(), call(4))), Ok(1), "and so does a later one");
    }
}
