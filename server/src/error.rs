//! The server's one error type: each variant says what happened. It is mapped here, once, to the
//! HTTP status of any endpoint and to what the user is told ([`WebmailError`], worded in French).

use app::error::WebmailError;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    // --- the caller
    #[error("no signed-in user")]
    NotSignedIn,
    #[error("access token expired and cannot be renewed")]
    TokenExpired,
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),

    // --- Pro Santé Connect
    #[error("PSC unreachable: {0}")]
    PscUnreachable(String),
    #[error("PSC sign-in refused: {0}")]
    PscRefused(String),
    #[error("state of the PSC answer does not match the pending sign-in")]
    StateMismatch,
    #[error("PSC identity carries no mailbox")]
    NoMailbox,

    // --- the operator (IMAP, SMTP)
    #[error("operator refused the token: {0}")]
    OperatorRefused(String),
    #[error("operator unreachable: {0}")]
    OperatorUnreachable(String),
    /// The operator is at capacity for this user (too many connections): not a refused token.
    #[error("operator busy: {0}")]
    OperatorBusy(String),
    /// The operator's certificate is refused: revoked, expired, not from the configured roots, or
    /// its revocation status unknown (ECO.1.1.6). Nothing was sent on that connection.
    #[error("operator {side} certificate refused: {reason}")]
    OperatorCertificate { side: crate::gateway::revocation::Side, reason: String },
    #[error("IMAP protocol: {0}")]
    Imap(String),
    #[error("SMTP unreachable: {0}")]
    SmtpUnreachable(String),
    #[error("SMTP refused the message: {0}")]
    MessageRefused(String),
    #[error("ManageSieve unreachable: {0}")]
    RulesUnreachable(String),
    /// The Sieve server refused a command (a script it cannot compile, a quota).
    #[error("ManageSieve refused ({code}): {text}")]
    RulesRefused { code: String, text: String },

    // --- what was asked (the texts are French, for the user)
    #[error("no message with UID {0}")]
    MessageNotFound(u32),
    #[error("no such folder")]
    FolderNotFound,
    /// Something else asked for is not there (any more).
    #[error("not found: {0}")]
    NotFound(String),
    /// The request cannot be used as it is (a bad date, a malformed address…).
    #[error("bad input: {0}")]
    BadInput(String),
    /// The caller may not do this (not an administrator, no right to send as the mailbox…).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// More bytes than allowed.
    #[error("too large: {0}")]
    TooLarge(String),
    /// More at once than one user may have (push streams).
    #[error("too many: {0}")]
    TooMany(String),

    // --- our own storage
    #[error("store: {0}")]
    Store(String),
    /// The database is out of reach (PostgreSQL restarting, its connections all taken): the
    /// user is told to try again in a moment, nothing was done.
    #[error("store unreachable: {0}")]
    StoreUnreachable(String),
    /// The directory cannot answer: no index in service yet, or its API out of reach.
    #[error("directory unavailable")]
    DirectoryUnavailable,
}

impl Error {
    /// The HTTP status this failure is answered with, on every endpoint.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotSignedIn | Self::TokenExpired | Self::OperatorRefused(_) => StatusCode::UNAUTHORIZED,
            Self::PscRefused(_) | Self::StateMismatch | Self::NoMailbox | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::MessageNotFound(_) | Self::FolderNotFound | Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadInput(_) => StatusCode::BAD_REQUEST,
            Self::MessageRefused(_) | Self::RulesRefused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::PscUnreachable(_) | Self::OperatorUnreachable(_) | Self::OperatorBusy(_) | Self::SmtpUnreachable(_) | Self::RulesUnreachable(_)
            | Self::DirectoryUnavailable | Self::StoreUnreachable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Session(e) if session_store_unreachable(e) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Imap(_) | Self::OperatorCertificate { .. } => StatusCode::BAD_GATEWAY,
            Self::Session(_) | Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// How a traced action ended, in French (the access traces' "résultat").
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::OperatorRefused(_) | Self::FolderNotFound => "refusé par l'opérateur",
            Self::Forbidden(_) => "refusé (droits insuffisants)",
            Self::MessageNotFound(_) | Self::NotFound(_) => "message introuvable",
            Self::BadInput(_) | Self::TooLarge(_) | Self::TooMany(_) => "refusé (saisie invalide)",
            Self::OperatorCertificate { .. } => "refusé (certificat de l'opérateur)",
            _ => "échec technique",
        }
    }
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
            Error::OperatorUnreachable(_) | Error::OperatorBusy(_) => Self::OperatorUnavailable,
            Error::MessageNotFound(_) => Self::MessageNotFound,
            Error::FolderNotFound => Self::FolderNotFound,
            Error::NotFound(text) | Error::BadInput(text) | Error::Forbidden(text) | Error::TooLarge(text) | Error::TooMany(text) => {
                Self::InvalidInput(text)
            }
            Error::SmtpUnreachable(_) => Self::SendUnavailable,
            Error::RulesUnreachable(_) => Self::RulesUnavailable,
            Error::RulesRefused { .. } => Self::InvalidInput(
                "Votre opérateur a refusé ces règles : rien n'a été modifié. Réessayez ; si le refus persiste, contactez votre administrateur.".into(),
            ),
            Error::OperatorCertificate { side, .. } => Self::OperatorUntrusted { sending: side == crate::gateway::revocation::Side::Smtp },
            Error::DirectoryUnavailable => Self::DirectoryUnavailable,
            Error::MessageRefused(_) => Self::InvalidInput(
                "Le serveur d'envoi de votre opérateur a refusé ce message : il n'a pas été envoyé et reste dans vos brouillons.".into(),
            ),
            Error::StoreUnreachable(_) => Self::StoreUnavailable,
            Error::Session(e) if session_store_unreachable(&e) => Self::StoreUnavailable,
            Error::Session(_) | Error::Imap(_) | Error::Store(_) => Self::Internal,
        }
    }
}

/// Whether the session store failed to answer, rather than a session failing to encode or
/// decode: its database's own failures reach tower-sessions as a "backend" text only, and are
/// the database out of reach in practice (the queries are the library's, fixed and tested).
fn session_store_unreachable(e: &tower_sessions::session::Error) -> bool {
    matches!(e, tower_sessions::session::Error::Store(tower_sessions::session_store::Error::Backend(_)))
}

/// Log a failure for operators (no message content, no health data) and word it for the user.
pub fn report(e: Error) -> WebmailError {
    match &e {
        // what the user did or asked: nothing for the operators to act on
        Error::NotSignedIn | Error::TokenExpired | Error::MessageNotFound(_) | Error::FolderNotFound | Error::NotFound(_)
        | Error::BadInput(_) | Error::Forbidden(_) | Error::TooLarge(_) | Error::TooMany(_) => tracing::debug!("{e}"),
        _ => tracing::warn!("{}", redacted(&e.to_string())),
    }
    e.into()
}

/// `text` with the local part of every address hidden (`…@patient.mssante.fr`): a patient's INS,
/// a correspondent's name are health data, and servers' answers quote them.
pub fn redacted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split('@').enumerate() {
        if i > 0 {
            out.push('@');
        }
        let is_last = i == text.matches('@').count();
        if is_last {
            out.push_str(piece);
            continue;
        }
        // the local part is the run of address characters just before the next '@'
        let keep = piece.trim_end_matches(|c: char| c.is_alphanumeric() || "._%+-!#$&'*/=?^`{|}~".contains(c));
        out.push_str(keep);
        if keep.len() < piece.len() {
            out.push('…');
        }
    }
    out
}

/// For a server function: as [`report`], and the HTTP status when the request is the server
/// function's own call (`response`; none for a page rendered on the server).
pub fn report_to_server_fn(e: Error, response: Option<&leptos_axum::ResponseOptions>) -> WebmailError {
    if let Some(response) = response {
        response.set_status(e.status());
    }
    report(e)
}

/// A plain endpoint's failure (attachments, upload, CSV, push): its status, the French text.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], report(self).to_string()).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_has_its_status_and_french_text() {
        let text = "La date « 31/02 » (du) n'est pas valide.";
        let cases = [
            (Error::BadInput(text.into()), StatusCode::BAD_REQUEST),
            (Error::Forbidden(text.into()), StatusCode::FORBIDDEN),
            (Error::TooLarge(text.into()), StatusCode::PAYLOAD_TOO_LARGE),
            (Error::NotFound(text.into()), StatusCode::NOT_FOUND),
            (Error::TooMany(text.into()), StatusCode::TOO_MANY_REQUESTS),
        ];
        for (e, status) in cases {
            assert_eq!(e.status(), status, "{e}");
            assert_eq!(WebmailError::from(e).to_string(), text);
        }
        assert_eq!(Error::OperatorUnreachable("x".into()).status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(Error::MessageNotFound(3).status(), StatusCode::NOT_FOUND);
        assert_eq!(Error::NotSignedIn.status(), StatusCode::UNAUTHORIZED);
    }

    /// PostgreSQL restarting is told as such (503, try again), wherever the database was asked:
    /// the outbox or the traces (sqlx), the sessions (tower-sessions' backend).
    #[test]
    fn a_database_out_of_reach_is_a_503_in_french() {
        use tower_sessions::{session, session_store};
        let unreachable = [
            crate::store::store(sqlx::Error::PoolTimedOut),
            crate::store::store(sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))),
            Error::Session(session::Error::Store(session_store::Error::Backend("pool timed out".into()))),
        ];
        for e in unreachable {
            assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE, "{e}");
            assert_eq!(WebmailError::from(e), WebmailError::StoreUnavailable);
        }
        // what retrying would not fix stays an internal failure
        for e in [
            crate::store::store(sqlx::Error::RowNotFound),
            Error::Session(session::Error::Store(session_store::Error::Decode("x".into()))),
        ] {
            assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR, "{e}");
            assert_eq!(WebmailError::from(e), WebmailError::Internal);
        }
    }

    #[test]
    fn logs_never_carry_a_local_part() {
        let smtp = "SMTP refused the message: 550 5.1.1 <285077511234511@patient.mssante.fr>: Recipient address rejected; to marc.garnier@cabinet-demo.mssante.fr";
        let text = redacted(smtp);
        assert_eq!(text, "SMTP refused the message: 550 5.1.1 <…@patient.mssante.fr>: Recipient address rejected; to …@cabinet-demo.mssante.fr");
        assert_eq!(redacted("no address here"), "no address here");
    }
}
