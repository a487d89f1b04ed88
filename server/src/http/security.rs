//! Response headers: a strict Content-Security-Policy with a per-response nonce on every page,
//! and hardening headers everywhere.

use axum::http::{HeaderName, HeaderValue, header};
use std::sync::{Arc, OnceLock};

/// The policy for an HTML page whose inline scripts carry `nonce`. `psc_origin` is where the
/// sign-out form may redirect to. What it does not name falls to `default-src 'none'`: plugins
/// (`object-src`), fonts (the stylesheet has none) and anything else.
pub fn page_policy(nonce: &str, psc_origin: &str) -> String {
    format!(
        "default-src 'none'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; \
         manifest-src 'self'; worker-src 'self'; form-action 'self' {psc_origin}; frame-ancestors 'none'; base-uri 'none'"
    )
}

/// The nonce of the page a request renders, told by the render to [`page_policy_header`] (which
/// puts the slot in the request). The header is set outside Leptos: set through its
/// `ResponseOptions`, it was now and then missing from a page (the browser then ran none of its
/// scripts).
#[derive(Clone, Default)]
pub struct PageNonce(Arc<OnceLock<String>>);

impl PageNonce {
    /// In a server render: gives the render's nonce to the request's slot.
    pub fn record() {
        use leptos::prelude::use_context;
        let slot = use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
        if let (Some(slot), Some(nonce)) = (slot, leptos::nonce::use_nonce()) {
            let _ = slot.0.set(nonce.to_string());
        }
    }
}

/// The page's own CSP, with the nonce its render used; responses that rendered nothing get the
/// deny-all policy of [`hardening`].
pub async fn page_policy_header(
    axum::extract::State(psc_origin): axum::extract::State<Arc<str>>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let slot = PageNonce::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    if let Some(policy) = slot.0.get().and_then(|nonce| HeaderValue::from_str(&page_policy(nonce, &psc_origin)).ok()) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// Hardening headers. Every response is `nosniff` (and, over TLS, tells browsers to keep to it:
/// HSTS). The headers that only act on a document — framing, the policy for a response without
/// its own (deny-all), referrer, opener, permissions — go on whatever a browser may show as a
/// page: HTML, SVG (which can run script), text, any other or unknown type; a redirect keeps only
/// those that act on the next request. Scripts, WASM, stylesheets, PNG icons, the manifest and the
/// server functions' answers (postcard, JSON) are never an active page (opened directly, they are
/// shown as inert text or downloaded), and a first load fetches sixteen of them: those headers
/// were 230 of their 350-500 header bytes. The service worker sets its own CSP, which a worker
/// does obey.
pub async fn hardening(
    axum::extract::State(https): axum::extract::State<bool>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    }
    // a 304 has no body: the browser keeps the headers it stored with the one it has (RFC 9111 §4.3.4)
    if status != axum::http::StatusCode::NOT_MODIFIED && may_be_shown_as_a_page(headers) {
        // same-origin: nothing leaks to other sites, and same-site form posts keep a real Origin
        // header; both act on a redirect too (the referrer of the next request, the opener kept)
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
        headers.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
        // a redirect is followed, never shown, framed or given a permission (sign-in takes two)
        if !status.is_redirection() {
            headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"));
            // the HTML-body endpoint allows same-origin framing for itself
            headers.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
            headers.insert(
                HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
            );
        }
    }
    response
}

/// Content types a browser only runs, applies, decodes or displays inertly, never as a page of its own.
const NEVER_A_PAGE: [&str; 8] = [
    "text/javascript",
    "application/javascript",
    "application/wasm",
    "text/css",
    "image/png",
    "application/manifest+json",
    "application/x-postcard",
    "application/json",
];

fn may_be_shown_as_a_page(headers: &axum::http::HeaderMap) -> bool {
    let essence = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(|v| v.split(';').next()).map(|v| v.trim().to_ascii_lowercase());
    !essence.is_some_and(|essence| NEVER_A_PAGE.contains(&essence.as_str()))
}

/// Pages and answers carry mail: no browser or proxy keeps them (`no-store` unless a response
/// says otherwise: only the static files do, see `assets`).
pub async fn no_store(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let public = super::assets::is_public_file(request.uri().path());
    let mut response = next.run(request).await;
    // a 304 would replace the stored policy of the file it confirms (RFC 9111 §4.3.4)
    if response.status() == axum::http::StatusCode::NOT_MODIFIED {
        return response;
    }
    let policy = if public && response.status().is_success() { super::assets::PUBLIC_POLICY } else { "no-store" };
    response.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(policy));
    response
}

/// Origin (scheme://host:port) of a URL, for CSP source lists.
pub fn origin_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(scheme, rest)| (scheme, rest.split('/').next().unwrap_or_default()));
    rest.map(|(scheme, host)| format!("{scheme}://{host}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_policy_allows_only_nonced_scripts() {
        let p = page_policy("abc", "https://wallet.esw.esante.gouv.fr");
        assert!(p.contains("script-src 'nonce-abc' 'strict-dynamic'"));
        assert!(!p.contains("unsafe-inline"));
        assert!(p.contains("form-action 'self' https://wallet.esw.esante.gouv.fr;"));
        assert!(p.contains("frame-ancestors 'none'"));
        // plugins and fonts fall to the default
        assert!(p.starts_with("default-src 'none';") && !p.contains("object-src") && !p.contains("font-src"));
    }

    #[test]
    fn document_headers_go_on_what_may_be_shown_as_a_page() {
        let typed = |value: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            may_be_shown_as_a_page(&headers)
        };
        for page in ["text/html; charset=utf-8", "image/svg+xml", "application/xhtml+xml", "text/xml", "text/plain", "text/csv"] {
            assert!(typed(page), "{page}");
        }
        for asset in ["text/javascript", "text/javascript; charset=utf-8", "Application/WASM", "text/css", "image/png", "application/manifest+json", "application/x-postcard", "application/json"] {
            assert!(!typed(asset), "{asset}");
        }
        assert!(may_be_shown_as_a_page(&axum::http::HeaderMap::new()), "no type: a redirect, or anything");
    }

    #[test]
    fn origin_strips_path() {
        assert_eq!(origin_of("http://127.0.0.1:9090/auth/realms/x"), "http://127.0.0.1:9090");
        assert_eq!(origin_of("not a url"), "");
    }
}
