//! GET /boites/export?dossier=…&format=mbox|zip (or ?tout=1 for every folder of the caller's own
//! mailbox, or ?tout=<organisational address> for one they may read): the archive, streamed as it
//! is fetched, its message count in `X-Nombre-Messages`; `&uids=1,2,3` for a selection of the
//! folder's messages (those it has: a UID it lacks is left out); with `&suivi=<id>`, the page follows its
//! progress and may cancel it (server functions of `app::archive`).
//! POST /boites/import?dossier=…: an mbox, a ZIP of .eml or one .eml as the request body, kept in
//! a private file while it arrives (never whole in memory), then added to the folder; the report
//! as JSON.

use crate::backend::{Backend, archive::{Chosen, Format}};
use crate::error::Error;
use app::organisation::{canonical_address, is_shared, mailbox_of, shared_inbox};
use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header, request::Parts};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Deserialize;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tower_sessions::Session;

pub const EXPORT_PATH: &str = "/boites/export";
pub const IMPORT_PATH: &str = "/boites/import";

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    dossier: String,
    #[serde(default)]
    tout: Option<String>,
    #[serde(default)]
    format: String,
    /// The id under which the page follows the export (its progress, its cancel button).
    #[serde(default)]
    suivi: Option<String>,
    /// Only these messages of `dossier` (a selection: UIDs, comma-separated).
    #[serde(default)]
    uids: Option<String>,
}

/// Messages one selection may name.
const SELECTION_MAX: usize = 5_000;

/// The UIDs of a selection, as the page wrote them; refused past [`SELECTION_MAX`] or not numbers.
fn selection(uids: &str) -> Result<std::collections::HashSet<u32>, Error> {
    let refused = || Error::BadInput(format!("Sélection invalide : au plus {SELECTION_MAX} messages, désignés par leur numéro."));
    let parts: Vec<&str> = uids.split(',').filter(|p| !p.is_empty()).collect();
    if parts.is_empty() || parts.len() > SELECTION_MAX {
        return Err(refused());
    }
    parts.into_iter().map(|p| p.parse::<u32>().map_err(|_| refused())).collect()
}

pub async fn export(State(backend): State<Arc<Backend>>, session: Session, Query(q): Query<ExportQuery>, request: Parts) -> Result<Response, Error> {
    let caller = backend.caller_of(session, &request).await?;
    // only folders the caller's folder list has (the operator's rights decide what it lists)
    let listed: Vec<String> = backend.folders(&caller).await?.into_iter().map(|f| f.name).collect();
    let folders: Vec<String> = match q.tout.as_deref().map(canonical_address) {
        None => listed.into_iter().filter(|f| f == &q.dossier).collect(),
        Some(own) if own.is_empty() || own == "1" => listed.into_iter().filter(|f| !is_shared(f)).collect(),
        Some(org) => {
            let inbox = shared_inbox(&org);
            listed.into_iter().filter(|f| f == &inbox || mailbox_of(f).is_some_and(|m| canonical_address(m) == org)).collect()
        }
    };
    if folders.is_empty() {
        return Err(Error::FolderNotFound);
    }
    let format = match (q.format.as_str(), folders.len()) {
        ("mbox", 1) => Format::Mbox,
        ("mbox", _) => return Err(Error::BadInput("Une boîte entière s'exporte en ZIP (un fichier mbox ne contient qu'un dossier).".into())),
        _ => Format::Zip,
    };
    let only = match (&q.uids, &q.tout) {
        (Some(uids), None) => Some(selection(uids)?),
        (Some(_), Some(_)) => return Err(Error::BadInput("Une sélection s'exporte depuis son dossier.".into())),
        (None, _) => None,
    };
    let export = backend.export(caller, folders, format, Chosen { follow: q.suivi.as_deref(), only }).await?;
    let body = Body::from_stream(futures::stream::unfold(export.body, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) }));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let kind = if format == Format::Mbox { "application/mbox" } else { "application/zip" };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    let disposition = format!("attachment; filename=\"{}\"", export.file_name.replace(['"', '\\'], "_"));
    let ascii: String = disposition.chars().map(|c| if c.is_ascii() && !c.is_control() { c } else { '_' }).collect();
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&ascii).map_err(|e| Error::Store(e.to_string()))?);
    headers.insert("x-nombre-messages", HeaderValue::from(export.total));
    // already compressed (ZIP) or large: not compressed again on the way
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
    Ok(response)
}

#[derive(Deserialize)]
pub struct ImportQuery {
    dossier: String,
}

pub async fn import(
    State(backend): State<Arc<Backend>>,
    session: Session,
    Query(q): Query<ImportQuery>,
    request: Parts,
    body: Body,
) -> Result<Response, Error> {
    let caller = backend.caller_of(session, &request).await?;
    if !backend.folders(&caller).await?.iter().any(|f| f.name == q.dossier) {
        return Err(Error::FolderNotFound);
    }
    let file = backend.import_file();
    let kept = keep(body, &file).await;
    let result = match kept {
        Ok(()) => backend.import(&caller, &q.dossier, file.clone()).await,
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_file(&file).await;
    Ok(Json(result?).into_response())
}

/// The body written to `file` (0600) as it arrives; its limit is the guard's.
async fn keep(body: Body, file: &std::path::Path) -> Result<(), Error> {
    let store = |e: std::io::Error| Error::Store(e.to_string());
    if let Some(dir) = file.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(store)?;
    }
    let mut out = tokio::fs::OpenOptions::new().create_new(true).write(true).mode(0o600).open(file).await.map_err(store)?;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| Error::TooLarge("Le fichier dépasse la taille autorisée pour un import, ou son envoi a été interrompu.".into()))?;
        out.write_all(&chunk).await.map_err(store)?;
    }
    out.flush().await.map_err(store)
}
