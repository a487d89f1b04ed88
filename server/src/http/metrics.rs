//! Prometheus metrics, served on a listen address of their own (`METRICS_ADDR`), never on the
//! public one: requests per route and status class with their latency, the IMAP connections
//! pooled and the push streams open. A label is a route template (`/messages/{uid}`) or a server
//! function's name, never a path as asked, a query, an address or a subject.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram};
use prometheus_client::registry::Registry;
use std::sync::{Arc, LazyLock};
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answered {
    route: String,
    method: String,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
    method: String,
}

type Latencies = Family<Route, Histogram, fn() -> Histogram>;

struct Metrics {
    registry: Registry,
    requests: Family<Answered, Counter>,
    latency: Latencies,
    imap_idle: Gauge,
    push_streams: Gauge,
}

/// One set for the process: every router built in it counts into the same series.
static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("webmail");
    let requests = Family::<Answered, Counter>::default();
    // 1 ms … 32 s
    let latency: Latencies = Family::new_with_constructor(|| Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.001, 2.0, 16)));
    let (imap_idle, push_streams) = (Gauge::default(), Gauge::default());
    registry.register("http_requests", "Requests answered, per route, method and status class", requests.clone());
    registry.register("http_request_duration_seconds", "Time to the response's head, per route and method", latency.clone());
    registry.register("imap_idle_connections", "IMAP connections kept in the pool between requests", imap_idle.clone());
    registry.register("push_streams", "Folders watched for push (one IMAP IDLE each)", push_streams.clone());
    Metrics { registry, requests, latency, imap_idle, push_streams }
});

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
