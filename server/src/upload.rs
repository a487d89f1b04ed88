//! POST /brouillons/pieces?nom=<file name>: one file for a draft, sent as the request body (the
//! browser shows the upload's progress). Answers the kept file as JSON, or a French refusal.

use crate::auth::{self, AuthState};
use crate::error::http_failure;
use crate::webmail::Backend;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
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
    State(auth): State<AuthState>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<UploadQuery>,
    body: Bytes,
) -> Response {
    if !auth::same_origin(&auth, &headers) {
        return auth::foreign_origin();
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.contains('/') && v.len() < 128 && !v.contains(['\r', '\n']))
        .unwrap_or("application/octet-stream");
    match backend.upload(&session, &q.nom, content_type, &body).await {
        Ok(kept) => Json(kept).into_response(),
        Err(e) => http_failure(e, StatusCode::PAYLOAD_TOO_LARGE, StatusCode::INTERNAL_SERVER_ERROR),
    }
}
