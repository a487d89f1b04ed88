//! Requests that take long. They are logged while they run and when they end — method, path,
//! status and time only (never the query, which may carry a folder name or a search) — so that a
//! page that never comes says where it waits. A page rendered on the server is given up after
//! [`PAGE_DEADLINE`]: the browser gets a short page that asks again by itself, instead of a blank
//! tab that waits without end (every step below is bounded, but a render that lost a wake-up
//! would not be).

use super::offline::Shell;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::{Duration, Instant};

/// Beyond this, a request is worth a line in the log.
const SLOW: Duration = Duration::from_secs(5);

/// Longer than the operator's own bounds on one command (15 s), so that a slow operator is
/// reported by the page itself; short enough that the user is not left looking at nothing.
pub const PAGE_DEADLINE: Duration = Duration::from_secs(20);

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

/// For the pages' routes: a GET rendered on the server answers within [`PAGE_DEADLINE`], or with
/// « réessayer » (503). Server functions are left alone: cutting one short (a sending) could
/// leave the user not knowing whether it was done.
pub async fn page_deadline(State(shell): State<Shell>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET || request.uri().path().starts_with(app::backend::SERVER_FN_PREFIX) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_string();
    match tokio::time::timeout(PAGE_DEADLINE, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!("GET {path}: page given up after {PAGE_DEADLINE:?}, the browser asks again");
            late_page(&shell)
        }
    }
}

fn late_page(shell: &Shell) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::RETRY_AFTER, "2"),
            (header::CONTENT_SECURITY_POLICY, super::offline::NOTICE_POLICY),
        ],
        shell.late_page().to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{Router, body::Body, routing::get};
    use tower::ServiceExt;

    fn router() -> Router {
        let shell = Shell::with_stylesheet("/pkg/style.css");
        Router::new()
            .route("/", get(std::future::pending::<&'static str>))
            .route("/vite", get(|| async { "ok" }))
            .route("/api/envoyer", get(std::future::pending::<&'static str>))
            .route_layer(axum::middleware::from_fn_with_state(shell, page_deadline))
    }

    async fn get_page(path: &str) -> Option<Response> {
        let request = axum::http::Request::get(path).body(Body::empty()).unwrap();
        tokio::time::timeout(PAGE_DEADLINE * 3, router().oneshot(request)).await.ok().map(Result::unwrap)
    }

    #[tokio::test(start_paused = true)]
    async fn a_page_that_never_comes_is_given_up_and_asked_again() {
        let response = get_page("/").await.expect("answered within the deadline");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let page = String::from_utf8(body.to_vec()).unwrap();
        assert!(page.contains("http-equiv=\"refresh\"") && page.contains("Réessayer"), "{page}");
        // a page that comes is untouched
        let quick = get_page("/vite").await.unwrap();
        assert_eq!(quick.status(), StatusCode::OK);
        // a server function is never cut short
        assert!(get_page("/api/envoyer").await.is_none(), "a server function was cut short");
    }
}
