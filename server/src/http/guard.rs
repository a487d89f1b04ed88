//! What every request must pass before any handler sees it: a body within its route's limit, and,
//! for a request that changes anything, an origin that is the webmail's own pages (CSRF), with
//! server functions taking JSON only (which no cross-site form can send without a CORS check).

use app::format::size;
use crate::error::Error;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;
use std::sync::Arc;

/// Server functions: a draft's text and the list of its files, nothing larger.
pub const API_BODY_MAX: usize = 1024 * 1024;
/// Everything else but the upload: pages, sign-in, endpoints have nothing to receive.
pub const OTHER_BODY_MAX: usize = 16 * 1024;
/// Where server functions are called.
pub use app::backend::SERVER_FN_PREFIX;
/// The one route that receives files.
pub const UPLOAD_PATH: &str = "/brouillons/pieces";

#[derive(Clone)]
pub struct Guard {
    /// The origin the browser uses for the webmail (no trailing slash).
    pub public_url: Arc<str>,
    /// The upload's limit: one file may be as large as the whole allowance.
    pub upload_max: usize,
    /// An imported archive's limit.
    pub import_max: usize,
}

impl Guard {
    pub fn body_limit(&self, path: &str) -> usize {
        if path == UPLOAD_PATH {
            self.upload_max
        } else if path == super::archive::IMPORT_PATH {
            self.import_max
        } else if path.starts_with(SERVER_FN_PREFIX) {
            API_BODY_MAX
        } else {
            OTHER_BODY_MAX
        }
    }

    fn check(&self, request: &Request) -> Result<(), Error> {
        let limit = self.body_limit(request.uri().path());
        let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(Error::TooLarge(format!("La requête dépasse la taille autorisée ({}).", size(limit as u64))));
        }
        if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(());
        }
        let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
        let foreign = || Error::Forbidden("Requête refusée : elle ne vient pas des pages de la messagerie.".into());
        // Fetch Metadata first (sent by current browsers, even where Origin is not), then Origin
        if header(header::HeaderName::from_static("sec-fetch-site")).is_some_and(|site| site != "same-origin") {
            return Err(foreign());
        }
        if header(header::ORIGIN).is_some_and(|origin| origin != &*self.public_url) {
            return Err(foreign());
        }
        let json = header(header::CONTENT_TYPE).is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("application/json"));
        if request.uri().path().starts_with(SERVER_FN_PREFIX) && !json {
            return Err(Error::BadInput("Requête refusée : format non accepté.".into()));
        }
        Ok(())
    }
}

/// The middleware: refuse what fails [`Guard::check`], and cut a body sent without a declared
/// length at its route's limit while it is read.
pub async fn guard(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    if let Err(e) = guard.check(&request) {
        return e.into_response();
    }
    let limit = guard.body_limit(request.uri().path());
    next.run(request.map(|body| Body::new(Limited::new(body, limit)))).await
}
