//! The webmail server: serves the Leptos app, signs users in with Pro Santé Connect, keeps their
//! tokens in a server-side session and talks IMAP/SMTP to their MSSanté operator on their behalf.
//!
//! Layers, each depending only on those below it:
//! - `http`: routes, sign-in, endpoints, security headers;
//! - `backend`: the [`backend::Backend`] behind the server functions, acting for one `Caller`;
//! - `gateway`: the operator's IMAP (pooled) and SMTP, and Pro Santé Connect;
//! - `mail`: messages as data (MIME, compose, sanitising, XDM, search, folders, trust space);
//! - `store`: what the webmail keeps (sessions, outbox, access traces, directory);
//! - `config`, `error`, `identity`, `clock`: shared by all.

pub mod backend;
pub mod clock;
pub mod config;
pub mod error;
pub mod gateway;
pub mod http;
pub mod identity;
pub mod mail;
pub mod store;

use leptos::prelude::*;
use std::sync::Arc;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub async fn run() -> Result<(), BoxError> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let config = config::Config::from_env()?;
    let mut leptos_options = get_configuration(None)?.leptos_options;
    leptos_options.hash_files = http::assets::hashed_build(&leptos_options);
    let addr = leptos_options.site_addr;
    let db = store::open_database(&config.session_db).await?;
    let backend = Arc::new(backend::Backend::build(&config, db.clone()).await?);
    let app = http::router(&config, leptos_options, backend, db).await?;
    // answers go out at once: with Nagle's algorithm, a response written in two parts waited for
    // the client's delayed ACK (40 ms on every static file)
    let listener = axum::serve::ListenerExt::tap_io(tokio::net::TcpListener::bind(addr).await?, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set: {e}");
        }
    });
    tracing::info!("webmail on {} (PSC {}, IMAP {}:{})", config.public_url, config.psc.issuer, config.imap.host, config.imap.port);
    // the peer address goes into the access traces
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await?;
    Ok(())
}
