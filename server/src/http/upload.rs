//! POST /brouillons/pieces?nom=<file name>: one file for a draft, sent as the request body (the
//! browser shows the upload's progress). Answers the kept file as JSON, or a French refusal.

use crate::backend::Backend;
use crate::error::Error;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct UploadQuery {
    nom: String,
}

pub async fn upload(
    State(backend): State<Arc<Backend>>,
    session: Session,
    Query(q): Query<UploadQuery>,
    request: Parts,
    body: Bytes,
) -> Result<Response, Error> {
    let content_type = request
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.contains('/') && v.len() < 128 && !v.contains(['\r', '\n']))
        .unwrap_or("application/octet-stream");
    let caller = backend.caller_of(session, &request).await?;
    Ok(Json(backend.upload(&caller, &q.nom, content_type, &body).await?).into_response())
}
