//! New mail pushed to the open page: the server IDLEs on the folder the page shows (RFC 2177, one
//! IDLE per user and folder for all the tabs: `backend/push.rs`) and tells the browser through
//! server-sent events; the page then reloads its list and counts. A stream ends at sign-out, or
//! when the access token of its watch does; the browser's EventSource then reconnects by itself,
//! which re-authenticates with the renewed token.

use crate::backend::Backend;
use crate::error::Error;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tokio::sync::broadcast::error::RecvError;
use std::{convert::Infallible, sync::Arc, time::Duration};
use tower_sessions::Session;

#[derive(serde::Deserialize)]
pub struct PushQuery {
    pub dossier: Option<String>,
}

/// GET /evenements?dossier=…
pub async fn events(State(backend): State<Arc<Backend>>, session: Session, Query(q): Query<PushQuery>, request: Parts) -> Result<Response, Error> {
    let folder = q.dossier.filter(|f| !f.is_empty()).unwrap_or_else(|| "INBOX".into());
    let caller = backend.caller_of(session, &request).await?;
    let changes = backend.watch(&caller, &folder).await?;
    let ready = Event::default().retry(Duration::from_secs(5)).event("pret").data(folder.clone());
    // one event per change; the stream ends with the watch (sign-out, token expiry)
    let changed = futures::stream::unfold(changes, move |mut changes| {
        let folder = folder.clone();
        async move {
            match changes.recv().await {
                Ok(()) | Err(RecvError::Lagged(_)) => Some((Ok(Event::default().event("changement").data(folder)), changes)),
                Err(RecvError::Closed) => None,
            }
        }
    });
    let events = futures::stream::once(async move { Ok::<_, Infallible>(ready) }).chain(changed);
    Ok(Sse::new(events).keep_alive(KeepAlive::default()).into_response())
}
