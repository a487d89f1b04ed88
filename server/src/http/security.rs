//! Response headers: a strict Content-Security-Policy with a per-response nonce on every page,
//! and hardening headers everywhere.

use axum::http::{HeaderName, HeaderValue, header};
use std::sync::{Arc, OnceLock};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy for an HTML page whose inline scripts carry `nonce`. `psc_origin` is where the
/// sign-out form may redirect to.
pub fn page_policy(nonce: &str, psc_origin: &str) -> String {
    format!(
        "default-src 'none'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-src 'self'; \
         manifest-src 'self'; worker-src 'self'; form-action 'self' {psc_origin}; frame-ancestors 'none'; base-uri 'none'; \
         object-src 'none'"
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
/// deny-all policy of [`layers`].
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

/// Headers for every response; a response without its own CSP (assets, redirects) gets a deny-all
/// one. `https`: the webmail is reached over TLS, and browsers are told to keep to it (HSTS).
pub fn layers(https: bool) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let fixed = |name: HeaderName, value: &'static str| SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value));
    let mut layers = vec![
        SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ),
        fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // the HTML-body endpoint allows same-origin framing for itself
        SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        // same-origin: nothing leaks to other sites, and same-site form posts keep a real Origin header
        fixed(header::REFERRER_POLICY, "same-origin"),
        fixed(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        fixed(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()"),
    ];
    if https {
        layers.push(fixed(header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains"));
    }
    layers
}

/// Pages and answers carry mail: no browser or proxy keeps them (`no-store` unless a response
/// says otherwise: only the static files do, see `assets`).
pub async fn no_store(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let public = super::assets::is_public_file(request.uri().path());
    let mut response = next.run(request).await;
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
    }

    #[test]
    fn origin_strips_path() {
        assert_eq!(origin_of("http://127.0.0.1:9090/auth/realms/x"), "http://127.0.0.1:9090");
        assert_eq!(origin_of("not a url"), "");
    }
}
