//! New mail pushed to the open page: the server IDLEs on the folder the page shows (RFC 2177) and
//! tells the browser through server-sent events; the page then reloads its list and counts.
//! A stream ends at sign-out, or when the access token does; the browser's EventSource then
//! reconnects by itself, which re-authenticates with the renewed token.

use crate::backend::Backend;
use crate::clock::unix_now;
use crate::error::Error;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, channel::mpsc};
use std::{convert::Infallible, sync::Arc, time::Duration};
use tower_sessions::Session;

/// How long one IDLE lasts before checking that the browser is still there.
const IDLE_ROUND: Duration = Duration::from_secs(25);

#[derive(serde::Deserialize)]
pub struct PushQuery {
    pub dossier: Option<String>,
}

/// GET /evenements?dossier=…
pub async fn events(State(backend): State<Arc<Backend>>, session: Session, Query(q): Query<PushQuery>, request: Parts) -> Result<Response, Error> {
    let folder = q.dossier.filter(|f| !f.is_empty()).unwrap_or_else(|| "INBOX".into());
    let caller = backend.caller_of(session, &request).await?;
    let (mut imap, permit) = backend.idle_connection(&caller).await?;
    let mut sign_outs = backend.imap.sign_outs(&caller.identity.mailbox);
    // the stream lasts as long as the token it was opened with
    let expires_at = caller.access_expires_at();
    let (mut tx, rx) = mpsc::channel::<Result<Event, Infallible>>(4);
    tokio::spawn(async move {
        let _permit = permit;
        let _ = tx.send(Ok(Event::default().retry(Duration::from_secs(5)).event("pret").data(folder.clone()))).await;
        while !tx.is_closed() && unix_now() < expires_at {
            let waited = tokio::select! {
                waited = imap.wait_for_change(&folder, IDLE_ROUND) => waited,
                // signed out: the connection is dropped in the middle of its IDLE
                _ = sign_outs.changed() => return,
            };
            match waited {
                Ok((again, changed)) => {
                    imap = again;
                    if changed && tx.send(Ok(Event::default().event("changement").data(folder.clone()))).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::info!("push stream ended: {e}");
                    return;
                }
            }
        }
        imap.logout().await;
    });
    Ok(Sse::new(rx).keep_alive(KeepAlive::default()).into_response())
}
