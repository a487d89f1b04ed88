//! The server-side contract behind the server functions. `server/` provides an implementation
//! as Leptos context; every method receives the caller's session and checks it itself.

use crate::api::{Me, MessageList, MessageView};
use crate::error::WebmailError;
use std::{future::Future, pin::Pin, sync::Arc};
use tower_sessions::Session;

pub type Reply<'a, T> = Pin<Box<dyn Future<Output = Result<T, WebmailError>> + Send + 'a>>;

pub trait Webmail: Send + Sync + 'static {
    fn current_user(&self, session: Session) -> Reply<'_, Option<Me>>;
    fn list_inbox(&self, session: Session) -> Reply<'_, MessageList>;
    fn read_message(&self, session: Session, uid: u32) -> Reply<'_, MessageView>;
}

/// The webmail backend and the caller's session, for a server function.
pub async fn from_request() -> Result<(Arc<dyn Webmail>, Session), WebmailError> {
    let webmail = leptos::prelude::use_context::<Arc<dyn Webmail>>().ok_or(WebmailError::Internal)?;
    let session = leptos_axum::extract::<Session>().await.map_err(|_| WebmailError::Internal)?;
    Ok((webmail, session))
}
