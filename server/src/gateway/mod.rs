//! The servers the webmail talks to on the user's behalf: the operator's IMAP (one connection
//! pool per user) and SMTP submission, and Pro Santé Connect.

pub mod imap;
pub mod pool;
pub mod psc;
pub mod shown_parts;
pub mod smtp;
pub mod tls;
