//! Mail as data, without I/O (unit-tested): MIME read into views, drafts made into MIME, HTML
//! sanitising, IHE XDM archives, IMAP search programs and folder names, rights letters, and the
//! MSSanté trust space (liste blanche, INS); `worker` runs the heavy parts off the async workers.

pub mod cda;
pub mod compose;
pub mod folders;
pub mod message;
pub mod report;
pub mod rights;
pub mod sanitize;
pub mod archive;
pub mod search;
pub mod sieve_script;
pub mod threads;
pub mod trust;
pub mod worker;
pub mod xdm;
