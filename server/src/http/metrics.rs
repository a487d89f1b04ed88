//! Prometheus metrics (`crate::metrics`), served on a listen address of their own
//! (`METRICS_ADDR`), never on the public one; here, the requests counted per route and status
//! class with their latency. A label is a route template (`/messages/{uid}`) or a server
//! function's name, never a path as asked, a query, an address or a subject.

use crate::metrics::{Answered, METRICS, Route};
use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Instant;

/// Middleware (on the router, after routing): counts and times each request under its route.
pub async fn record(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("(autre)", |m| m.as_str()).to_string();
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = match response.status().as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    METRICS.latency.get_or_create(&Route { route: route.clone(), method: method.clone() }).observe(started.elapsed().as_secs_f64());
    METRICS.requests.get_or_create(&Answered { route, method, status }).inc();
    response
}

/// The metrics listener's router: `GET /metrics`, the gauges read from `backend` when asked.
pub fn router(backend: Arc<crate::backend::Backend>) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let backend = backend.clone();
            async move {
                METRICS.imap_idle.set(backend.imap.idle_total() as i64);
                METRICS.push_streams.set(backend.push_stream_count() as i64);
                let mut text = String::new();
                match prometheus_client::encoding::text::encode(&mut text, &METRICS.registry) {
                    Ok(()) => ([(axum::http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response(),
                    Err(_) => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                }
            }
        }),
    )
}
