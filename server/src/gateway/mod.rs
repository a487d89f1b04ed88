//! The servers the webmail talks to on the user's behalf: the operator's IMAP (one connection
//! pool per user), SMTP submission, ManageSieve for the user's rules, and Pro Santé Connect.

pub mod imap;
pub mod pool;
pub mod psc;
pub mod revocation;
pub mod sieve;
pub mod shown_parts;
pub mod smtp;
pub mod tls;

/// One command the webmail sent to the operator for the user and the answer it got, as the access
/// traces record them (ECO.4.1.2): command names, UIDs, counts and status codes, never content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub request: String,
    pub answer: String,
}

impl Exchange {
    /// Longest request kept (a long UID set is cut).
    const MAX_REQUEST: usize = 160;

    pub fn new(request: String, answer: String) -> Self {
        Self { request: crate::mail::message::one_line(&request, Self::MAX_REQUEST), answer }
    }
}
