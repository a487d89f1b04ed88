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
pub mod metrics;
pub mod store;

use leptos::prelude::*;
use std::sync::Arc;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A listener on `addr`; when it cannot be had (most often: another process holds it), the
/// error names the address and the setting that chose it.
async fn listen(setting: &str, addr: std::net::SocketAddr) -> Result<tokio::net::TcpListener, BoxError> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| format!("impossible d'écouter sur {addr} ({setting}) : {e}").into())
}

pub async fn run() -> Result<(), BoxError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    // one JSON object per line for a log collector; text for a person
    match std::env::var("LOG_FORMAT").as_deref() {
        Ok("json") => tracing_subscriber::fmt().json().with_env_filter(filter).init(),
        _ => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    let config = config::Config::from_env()?;
    config.check_production()?;
    let mut leptos_options = get_configuration(None)?.leptos_options;
    leptos_options.hash_files = http::assets::hashed_build(&leptos_options);
    let addr = leptos_options.site_addr;
    let db = store::database::Database::open(config.database_url.as_deref(), &config.session_db).await?;
    let backend = Arc::new(backend::Backend::build(&config, &db).await?);
    let app = http::router(&config, leptos_options, backend.clone(), db).await?;
    // answers go out at once: with Nagle's algorithm, a response written in two parts waited for
    // the client's delayed ACK (40 ms on every static file)
    let listener = axum::serve::ListenerExt::tap_io(listen("LEPTOS_SITE_ADDR", addr).await?, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY not set: {e}");
        }
    });
    tracing::info!("webmail on {} (PSC {}, IMAP {}:{})", config.public_url, config.psc.issuer, config.imap.host, config.imap.port);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        stop_asked().await;
        tracing::info!("stopping: no new connections, running requests finish ({DRAIN:?} at most)");
        let _ = stop.send(true);
    });
    let asked = |mut stopping: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopping.wait_for(|&asked| asked).await;
    };
    if let Some(metrics_addr) = config.metrics_addr {
        let metrics = listen("METRICS_ADDR", metrics_addr).await?;
        let router = http::metrics::router(backend.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics, router).await {
                tracing::warn!("metrics listener stopped: {e}");
            }
        });
    }
    // the peer address goes into the access traces
    let serving = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(asked(stopping.clone()));
    let draining = async {
        asked(stopping).await;
        // once the listener is closed, push streams (which never finish by themselves) end, so
        // that their browsers reconnect to another instance
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        backend.imap.shut_down().await;
        tokio::time::sleep(DRAIN).await;
    };
    tokio::select! {
        served = serving => served?,
        _ = draining => tracing::warn!("requests still running after {DRAIN:?}: cut short"),
    }
    // what the finished requests gave back to the pool
    backend.imap.shut_down().await;
    tracing::info!("stopped");
    Ok(())
}

/// How long running requests are given to finish once a stop is asked.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(20);

/// SIGTERM (systemd, an orchestrator) or Ctrl-C.
async fn stop_asked() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(e) => {
            tracing::warn!("SIGTERM not watched: {e}");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
