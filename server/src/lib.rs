//! The webmail server: serves the Leptos app, signs users in with Pro Santé Connect, keeps their
//! tokens in a server-side session and talks IMAP to their MSSanté operator on their behalf.

pub mod auth;
pub mod compose;
pub mod config;
pub mod directory;
pub mod error;
pub mod export;
pub mod folders;
pub mod imap;
pub mod message;
pub mod organisation;
pub mod outbox;
pub mod parts;
pub mod pool;
pub mod push;
pub mod rights;
pub mod psc;
pub mod sanitize;
pub mod search;
pub mod security;
pub mod send;
pub mod session;
pub mod smtp;
pub mod traces;
pub mod trust;
pub mod upload;
pub mod webmail;
pub mod xdm;

use app::{App, backend::Webmail, shell};
use axum::{Router, extract::FromRef, routing::{get, post}};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, ResponseOptions, generate_route_list};
use std::sync::Arc;
use tower_sessions::{Expiry, ExpiredDeletion, SessionManagerLayer, cookie::SameSite};
use tower_sessions_sqlx_store::{SqliteStore, sqlx::{SqlitePool, sqlite::{SqliteConnectOptions, SqlitePoolOptions}}};

#[derive(Clone, FromRef)]
struct AppState {
    leptos_options: LeptosOptions,
    auth: auth::AuthState,
    backend: Arc<webmail::Backend>,
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn database(config: &config::Config) -> Result<SqlitePool, BoxError> {
    if let Some(dir) = config.session_db.parent() {
        std::fs::create_dir_all(dir)?;
    }
    Ok(SqlitePoolOptions::new()
        .connect_with(SqliteConnectOptions::new().filename(&config.session_db).create_if_missing(true))
        .await?)
}

/// Build the whole application (used by `main` and by the integration tests).
pub async fn router(config: config::Config, leptos_options: LeptosOptions) -> Result<Router, BoxError> {
    let psc = Arc::new(psc::Psc::new(config.psc.clone(), &config.public_url)?);
    let imap = pool::ImapPool::new(imap::ImapGateway::new(config.imap.clone())?);
    let db = database(&config).await?;
    let sending = Arc::new(send::Sending::new(&config, db.clone()).await?);
    let organisation = Arc::new(organisation::Organisation {
        traces: traces::TraceStore::open(&config.trace_database, config.trace_retention_days).await?,
        directory: directory::Directory::new(config.directory_file.clone()),
    });
    let backend = Arc::new(webmail::Backend::new(psc.clone(), imap.clone(), sending, organisation));
    let webmail: Arc<dyn Webmail> = backend.clone();
    let psc_origin = security::origin_of(&config.psc.issuer);

    // every server render and server function gets the backend, and every page its CSP nonce
    let context = move || {
        provide_context(webmail.clone());
        provide_context(organisation::TracedInRequest::default());
        if let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<ResponseOptions>()) {
            if let Ok(policy) = security::page_policy(&nonce, &psc_origin).parse() {
                response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, policy);
            }
        }
    };

    let store = SqliteStore::new(db);
    store.migrate().await?;
    tokio::spawn(store.clone().continuously_delete_expired(tokio::time::Duration::from_secs(60)));
    let sessions = SessionManagerLayer::new(store)
        .with_name("mss_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::seconds(
            config.session_idle.as_secs() as i64,
        )));

    let state = AppState {
        leptos_options: leptos_options.clone(),
        auth: auth::AuthState { psc, imap, public_url: config.public_url.clone().into() },
        backend,
    };
    let routes = generate_route_list(App);
    // one file may be as large as the whole allowance; the endpoint words the refusal
    let upload_limit = config.sending.max_attachment_bytes as usize + 64 * 1024;
    let mut router = Router::new()
        .route("/auth/login", get(auth::login))
        .route("/auth/callback", get(auth::callback))
        .route("/auth/logout", post(auth::logout))
        .route("/messages/contenu", get(parts::html))
        .route("/messages/piece", get(parts::attachment))
        .route("/evenements", get(push::events))
        .route("/boites/traces.csv", get(export::traces_csv))
        .route("/brouillons/pieces", post(upload::upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .with_state(state)
        .layer(sessions);
    for layer in security::layers() {
        router = router.layer(layer);
    }
    // brotli/gzip for pages and the WASM bundle (server-sent events are left uncompressed)
    Ok(router.layer(tower_http::compression::CompressionLayer::new()))
}

pub async fn run() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let config = config::Config::from_env()?;
    let leptos_options = get_configuration(None)?.leptos_options;
    let addr = leptos_options.site_addr;
    let app = router(config.clone(), leptos_options).await?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("webmail on {} (PSC {}, IMAP {}:{})", config.public_url, config.psc.issuer, config.imap.host, config.imap.port);
    // the peer address goes into the access traces
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await?;
    Ok(())
}
