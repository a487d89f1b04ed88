//! What a message page loads besides itself: the sanitised HTML body (for a sandboxed frame)
//! and attachments (download, or inline preview of images and PDFs). Same session checks as
//! the server functions; the message is fetched without marking it read.

use crate::backend::Backend;
use crate::error::Error;
use crate::mail::message::{self, PartUrls};
use crate::mail::worker::off_the_workers;
use crate::mail::{sanitize, xdm};
use app::organisation::TraceAction;
use app::reading::Preview;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct PartQuery {
    dossier: String,
    uid: u32,
    index: Option<usize>,
    #[serde(default)]
    apercu: u8,
    #[serde(default)]
    images: u8,
    /// A document inside an IHE_XDM.zip attachment.
    xdm: Option<String>,
    /// That document's PDF version.
    #[serde(default)]
    pdf: u8,
}

fn private(mut response: Response, policy: &str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(policy) = policy.parse() {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// GET /messages/contenu?dossier=…&uid=…[&images=1]
pub async fn html(State(backend): State<Arc<Backend>>, session: Session, Query(q): Query<PartQuery>, request: Parts) -> Result<Response, Error> {
    let caller = backend.caller_of(session, &request).await?;
    let raw = backend.shown_message(&caller, &q.dossier, q.uid).await?;
    let allow_remote = q.images == 1;
    let (folder, uid) = (q.dossier.clone(), q.uid);
    let safe = off_the_workers(move || message::safe_html(&raw, &PartUrls { folder: &folder, uid }, allow_remote))
        .await?
        .ok_or(Error::MessageNotFound(q.uid))?;
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], sanitize::document(&safe.html)).into_response();
    response.headers_mut().insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    Ok(private(response, &sanitize::frame_policy(allow_remote)))
}

/// `attachment; filename*=UTF-8''…` (RFC 6266), with a plain ASCII fallback.
fn disposition(kind: &str, name: &str) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// GET /messages/piece?dossier=…&uid=…&index=…[&apercu=1][&xdm=path]
pub async fn attachment(
    State(backend): State<Arc<Backend>>,
    session: Session,
    Query(q): Query<PartQuery>,
    request: Parts,
) -> Result<Response, Error> {
    let caller = backend.caller_of(session, &request).await?;
    let served = async {
        let raw = backend.raw_message(&caller, &q.dossier, q.uid).await?;
        let (index, path, uid, pdf) = (q.index, q.xdm.clone(), q.uid, q.pdf == 1);
        off_the_workers(move || {
            let (name, content_type, bytes) = index.and_then(|i| message::attachment(&raw, i)).ok_or(Error::MessageNotFound(uid))?;
            let Some(path) = path else { return Ok((name, content_type, bytes)) };
            if pdf {
                let cda = xdm::document(&bytes, &path).ok_or(Error::MessageNotFound(uid))?;
                let document = xdm::pdf_version(&bytes, &path, &cda).ok_or(Error::MessageNotFound(uid))?;
                let stem = path.rsplit('/').next().unwrap_or(&path).rsplit_once('.').map_or(path.as_str(), |(s, _)| s).to_string();
                return Ok((format!("{stem}.pdf"), "application/pdf".into(), document));
            }
            let document = xdm::document(&bytes, &path).ok_or(Error::MessageNotFound(uid))?;
            let name = path.rsplit('/').next().unwrap_or(&path).to_string();
            let pdf = name.to_ascii_lowercase().ends_with(".pdf");
            Ok((name, if pdf { "application/pdf".into() } else { "application/octet-stream".into() }, document))
        })
        .await?
    }
    .await;
    let detail = format!(
        "dossier {}, UID {}, pièce {}{}{}",
        q.dossier,
        q.uid,
        q.index.map(|i| i + 1).unwrap_or_default(),
        served.as_ref().map(|(name, _, _)| format!(" « {name} »")).unwrap_or_default(),
        if q.apercu == 1 { " (aperçu)" } else { "" }
    );
    backend.trace_in_folder(&caller, &q.dossier, TraceAction::Download, detail, &served).await;
    let (name, content_type, bytes) = served?;
    // inline only for types the browser renders without running anything of the sender's
    let inline = q.apercu == 1 && message::preview_of(&content_type) != Preview::None;
    let served_type = if inline { content_type.as_str() } else { "application/octet-stream" };
    let response = (
        [
            (header::CONTENT_TYPE, served_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition(if inline { "inline" } else { "attachment" }, &name)),
        ],
        bytes,
    )
        .into_response();
    Ok(private(response, "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; frame-ancestors 'self'"))
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn filenames_are_encoded_for_any_browser() {
        assert_eq!(
            disposition("attachment", "CR biologie é\".pdf"),
            "attachment; filename=\"CR_biologie___.pdf\"; filename*=UTF-8''CR%20biologie%20%C3%A9%22%2Epdf"
        );
    }
}
