//! When the session store (PostgreSQL, shared by the instances) cannot be read, tower-sessions
//! answers an empty 500 before any handler runs. That answer becomes the webmail's own: 503 with
//! the French message (the server functions' error body for `/api/`, plain text elsewhere), so
//! the user reads what is happening while the database restarts — and nothing else changes.

use app::error::{ErrorText, WebmailError};
use leptos::server_fn::ContentType;
use leptos::server_fn::error::FromServerFnError;
use axum::body::HttpBody;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn session_store_down(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || response.body().size_hint().exact() != Some(0) {
        return response;
    }
    store_unavailable(api)
}

fn store_unavailable(api: bool) -> Response {
    let error = WebmailError::StoreUnavailable;
    if api {
        // encoded as the server functions encode their errors, for the page's code to read it
        (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, ErrorText::CONTENT_TYPE)], error.ser()).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], error.to_string()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::{Router, routing::get};
    use tower::ServiceExt;

    async fn answer(path: &str, empty_500: bool) -> (StatusCode, String) {
        let handler = move || async move {
            if empty_500 { Response::builder().status(500).body(Body::empty()).unwrap() } else { (StatusCode::INTERNAL_SERVER_ERROR, "autre").into_response() }
        };
        let app = Router::new().route("/api/moi", get(handler)).route("/", get(handler)).layer(axum::middleware::from_fn(session_store_down));
        let response = app.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn an_unreadable_session_store_is_told_in_french() {
        let (status, body) = answer("/api/moi", true).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(WebmailError::de(body.into()), WebmailError::StoreUnavailable);
        let (status, body) = answer("/", true).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("Réessayez dans quelques instants"), "{body}");
        // a handler's own failure keeps its answer
        assert_eq!(answer("/", false).await, (StatusCode::INTERNAL_SERVER_ERROR, "autre".to_string()));
    }
}
