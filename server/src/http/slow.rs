//! Requests that take long are logged while they run and when they end — method, path, status
//! and time only (never the query, which may carry a folder name or a search) — so that a page
//! that never comes says where it waits.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::time::{Duration, Instant};

/// Beyond this, a request is worth a line in the log.
const SLOW: Duration = Duration::from_secs(5);

pub async fn log_slow_requests(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let started = Instant::now();
    let answer = next.run(request);
    tokio::pin!(answer);
    tokio::select! {
        response = &mut answer => return response,
        _ = tokio::time::sleep(SLOW) => tracing::warn!("{method} {path}: no answer yet after {SLOW:?}"),
    }
    let response = answer.await;
    tracing::warn!("{method} {path}: answered {} after {:.1} s", response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}
