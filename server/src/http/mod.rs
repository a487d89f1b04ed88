//! What the browser talks to: the router with its routes, body limits and security layers, the
//! sign-in routes, and the plain endpoints beside the server functions (message parts, uploads,
//! CSV export, push), and the probes of whoever runs the service.

pub mod archive;
pub mod assets;
pub mod auth;
pub mod export;
pub mod guard;
pub mod health;
pub mod metrics;
pub mod offline;
pub mod parts;
pub mod proxy;
pub mod push;
pub mod security;
pub mod slow;
pub mod store_down;
pub mod upload;

use crate::backend::Backend;
use crate::config::Config;
use crate::error::Error;
use app::backend::{RequestMemo, Webmail};
use app::{App, shell};
use axum::{Router, extract::FromRef, routing::{get, post}};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::sync::Arc;
use tower_sessions::{Expiry, ExpiredDeletion, SessionManagerLayer, cookie::SameSite};
use crate::store::database::Database;

#[derive(Clone, FromRef)]
struct AppState {
    leptos_options: LeptosOptions,
    shell: offline::Shell,
    auth: auth::AuthState,
    backend: Arc<Backend>,
}

/// The whole application: pages and server functions (Leptos), sign-in, endpoints, sessions in
/// `db`, security headers and compression.
pub async fn router(config: &Config, leptos_options: LeptosOptions, backend: Arc<Backend>, db: Database) -> Result<Router, Error> {
    let webmail: Arc<dyn Webmail> = backend.clone();
    let psc_origin = security::origin_of(&config.psc.issuer);

    let built = assets::build_file_names(&leptos_options);
    let pkg = &leptos_options.site_pkg_dir;
    let client_code = app::ClientCode {
        js: format!("/{pkg}/{}", built.js),
        wasm: format!("/{pkg}/{}", built.wasm),
        pages_css: built.pages_css.as_ref().map(|name| format!("/{pkg}/{name}")),
    };
    // every server render and server function gets the backend, and every page its CSP nonce
    let context = move || {
        provide_context(webmail.clone());
        provide_context(client_code.clone());
        if !has_session_cookie() {
            provide_context(app::WithoutSession);
        }
        provide_context(RequestMemo::default());
        security::PageNonce::record();
    };

    let store = db.session_store();
    tokio::spawn(store.clone().continuously_delete_expired(tokio::time::Duration::from_secs(60)));
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::seconds(
            config.session_idle.as_secs() as i64,
        )));

    let state = AppState {
        leptos_options: leptos_options.clone(),
        shell: offline::Shell::new(&leptos_options),
        auth: auth::AuthState { psc: backend.psc.clone(), sessions: backend.sessions.clone(), signals: backend.signals.clone() },
        backend,
    };
    let readiness = health::Readiness {
        sessions: db.clone(),
        traces: state.backend.traces.clone(),
        imap: (config.imap.host.clone(), config.imap.port),
        smtp: (config.smtp.host.clone(), config.smtp.port),
    };
    let routes = generate_route_list(App);
    let build_files = Router::new()
        .fallback_service(assets::build_files(&leptos_options))
        .layer(axum::middleware::from_fn_with_state(leptos_options.hash_files, assets::build_files_caching));
    // one file may be as large as the whole allowance; the endpoint words the refusal
    let upload_limit = config.sending.max_attachment_bytes.max(app::patient::PATIENT_ATTACHMENT_BYTES) as usize + 64 * 1024;
    let guard = guard::Guard { public_url: config.public_url.clone().into(), upload_max: upload_limit, import_max: config.import_max_bytes };
    // the pages and their server functions; a page that does not come is given up (slow.rs)
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .route_layer(axum::middleware::from_fn_with_state(state.shell.clone(), slow::page_deadline));
    let mut router = Router::new();
    for file in assets::PUBLIC_FILES {
        router = router.route_service(file, assets::public_file(&leptos_options, file));
    }
    let mut router = router
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready).with_state(readiness))
        .route("/auth/login", get(auth::login))
        .route("/auth/callback", get(auth::callback))
        .route("/auth/logout", post(auth::logout))
        .route("/sw.js", get(offline::service_worker))
        .route(offline::OFFLINE_PATH, get(offline::offline_page))
        .route("/messages/contenu", get(parts::html))
        .route("/messages/piece", get(parts::attachment))
        .route("/evenements", get(push::events))
        .route("/boites/traces.csv", get(export::traces_csv))
        .route(archive::EXPORT_PATH, get(archive::export))
        .route(archive::IMPORT_PATH, post(archive::import).layer(axum::extract::DefaultBodyLimit::max(config.import_max_bytes)))
        .nest_service(&format!("/{}", leptos_options.site_pkg_dir), build_files)
        .route(guard::UPLOAD_PATH, post(upload::upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)))
        .merge(pages)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .with_state(state)
        .layer(sessions)
        .layer(axum::middleware::from_fn(store_down::session_store_down))
        // before the session is even loaded
        .layer(axum::middleware::from_fn_with_state(guard, guard::guard));
    router = router
        .layer(axum::middleware::from_fn(security::no_store))
        .layer(axum::middleware::from_fn_with_state(Arc::<str>::from(psc_origin), security::page_policy_header));
    router = router.layer(axum::middleware::from_fn_with_state(config.secure_cookies(), security::hardening));
    router = router.layer(axum::middleware::from_fn(slow::log_slow_requests)).layer(axum::middleware::from_fn(metrics::record));
    // the browser's address, when a trusted balancer forwarded the request
    router = router.layer(axum::middleware::from_fn_with_state(Arc::<[std::net::IpAddr]>::from(config.trusted_proxies.clone()), proxy::client_address));
    // brotli/gzip for pages and answers (the build's files come precompressed; server-sent
    // events are left uncompressed). Level 5 rather than the default 4: the inbox's HTML 6 %
    // smaller for 0.3 ms more (17 KB page: 4 490 → 4 235 B of brotli, 1.1 → 1.4 ms); past 5 the
    // gain is under 1 % until 10-11, which take 7-16 ms a page.
    Ok(router.layer(tower_http::compression::CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(5))))
}

/// Whether the request being rendered carries the session cookie (without it, nobody is signed in).
fn has_session_cookie() -> bool {
    use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts.headers.get_all(axum::http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).any(|cookies| {
            tower_sessions::cookie::Cookie::split_parse(cookies).flatten().any(|c| c.name() == SESSION_COOKIE)
        })
    })
}

const SESSION_COOKIE: &str = "mss_session";
