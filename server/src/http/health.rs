//! Probes for whoever runs the service (a load balancer, systemd, an orchestrator): `/healthz`
//! says the process answers; `/readyz` whether it can serve users: its two databases and the
//! operator's IMAP and SMTP servers reachable, so that a balancer sends nobody to an instance that
//! would only fail them. Neither needs a session, and neither says more than which part fails.

use crate::store::traces::TraceStore;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use crate::store::database::Database;

/// Each check is given this long: a probe must answer before the balancer's own timeout.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// What `/readyz` checks.
#[derive(Clone)]
pub struct Readiness {
    pub sessions: Database,
    pub traces: Arc<TraceStore>,
    pub imap: (String, u16),
    pub smtp: (String, u16),
}

/// GET /healthz: the process is up and its workers answer.
pub async fn alive() -> &'static str {
    "ok\n"
}

/// GET /readyz: 200 when every part answers, 503 otherwise; the body names each part's state.
pub async fn ready(State(parts): State<Readiness>) -> Response {
    let (sessions, traces, imap, smtp) = tokio::join!(
        checked(async { parts.sessions.reachable().await.map_err(|e| e.to_string()) }),
        checked(async { parts.traces.reachable().await.map_err(|e| e.to_string()) }),
        checked(greeting(&parts.imap, "* OK", b"z LOGOUT\r\n")),
        checked(greeting(&parts.smtp, "220", b"QUIT\r\n")),
    );
    let states = [("sessions", sessions), ("traces", traces), ("imap", imap), ("smtp", smtp)];
    let ready = states.iter().all(|(_, ok)| *ok);
    let body = serde_json::json!({
        "pret": ready,
        "parties": states.iter().map(|(name, ok)| (name.to_string(), serde_json::Value::from(if *ok { "ok" } else { "injoignable" }))).collect::<serde_json::Map<_, _>>(),
    });
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, axum::Json(body)).into_response()
}

/// Whether `check` succeeded in time; a failure is logged (the part and the reason, nothing else).
async fn checked(check: impl Future<Output = Result<(), String>>) -> bool {
    match tokio::time::timeout(CHECK_TIMEOUT, check).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!("readiness: {e}");
            false
        }
        Err(_) => {
            tracing::warn!("readiness: no answer within {CHECK_TIMEOUT:?}");
            false
        }
    }
}

/// A server that greets with `expected` on connection (IMAP `* OK`, SMTP `220`), left politely.
async fn greeting((host, port): &(String, u16), expected: &str, farewell: &[u8]) -> Result<(), String> {
    let tcp = tokio::net::TcpStream::connect((host.as_str(), *port)).await.map_err(|e| format!("{host}:{port}: {e}"))?;
    let mut reader = BufReader::new(tcp);
    let mut line = String::new();
    // a greeting is one short line; a server sending more without a newline is not the one expected
    (&mut reader).take(1024).read_line(&mut line).await.map_err(|e| format!("{host}:{port}: {e}"))?;
    let _ = reader.get_mut().write_all(farewell).await;
    if line.starts_with(expected) { Ok(()) } else { Err(format!("{host}:{port}: unexpected greeting")) }
}
