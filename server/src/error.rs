//! The server layer's error, and its one mapping to what the user is told ([`WebmailError`]).

use app::error::WebmailError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no signed-in user")]
    NotSignedIn,
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("PSC unreachable: {0}")]
    PscUnreachable(String),
    #[error("PSC sign-in refused: {0}")]
    PscRefused(String),
    #[error("state of the PSC answer does not match the pending sign-in")]
    StateMismatch,
    #[error("PSC identity carries no mailbox")]
    NoMailbox,
    #[error("access token expired and cannot be renewed")]
    TokenExpired,
    #[error("operator refused the token: {0}")]
    OperatorRefused(String),
    #[error("operator unreachable: {0}")]
    OperatorUnreachable(String),
    #[error("IMAP protocol: {0}")]
    Imap(String),
    #[error("no message with UID {0}")]
    MessageNotFound(u32),
    #[error("no such folder")]
    FolderNotFound,
    #[error("SMTP unreachable: {0}")]
    SmtpUnreachable(String),
    #[error("SMTP refused the message: {0}")]
    MessageRefused(String),
    #[error("store: {0}")]
    Store(String),
    /// User input that cannot be used; the text is French, for the user.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

impl From<Error> for WebmailError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotSignedIn => Self::NotSignedIn,
            Error::PscUnreachable(_) => Self::PscUnavailable,
            Error::PscRefused(_) => Self::LoginRefused,
            Error::StateMismatch => Self::LoginTampered,
            Error::NoMailbox => Self::NoMailbox,
            Error::TokenExpired => Self::SessionExpired,
            Error::OperatorRefused(_) => Self::AccessRefused,
            Error::OperatorUnreachable(_) => Self::OperatorUnavailable,
            Error::MessageNotFound(_) => Self::MessageNotFound,
            Error::FolderNotFound => Self::FolderNotFound,
            Error::InvalidInput(text) => Self::InvalidInput(text),
            Error::SmtpUnreachable(_) => Self::SendUnavailable,
            Error::MessageRefused(_) => Self::InvalidInput(
                "Le serveur d'envoi de votre opérateur a refusé ce message : il n'a pas été envoyé et reste dans vos brouillons.".into(),
            ),
            Error::Session(_) | Error::Imap(_) | Error::Store(_) => Self::Internal,
        }
    }
}

/// Log a failure for operators (no message content, no health data) and word it for the user.
pub fn report(e: Error) -> WebmailError {
    match &e {
        Error::NotSignedIn | Error::MessageNotFound(_) | Error::TokenExpired | Error::InvalidInput(_) | Error::FolderNotFound => {
            tracing::debug!("{e}")
        }
        _ => tracing::warn!("{e}"),
    }
    e.into()
}

/// The answer of a plain HTTP endpoint (attachments, upload, CSV) that failed: the status says
/// what kind of failure, the body says it in French. `invalid_input` is the status of a refused
/// request, `other` that of a failure on the operator's side or ours.
pub fn http_failure(e: Error, invalid_input: axum::http::StatusCode, other: axum::http::StatusCode) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    let status = match &e {
        Error::NotSignedIn | Error::TokenExpired | Error::OperatorRefused(_) => StatusCode::UNAUTHORIZED,
        Error::MessageNotFound(_) | Error::FolderNotFound => StatusCode::NOT_FOUND,
        Error::InvalidInput(_) => invalid_input,
        _ => other,
    };
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], report(e).to_string()).into_response()
}
