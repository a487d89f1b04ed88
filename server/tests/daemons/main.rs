//! Integration tests that stop and restart the operator's daemons (Dovecot, Postfix): a binary of
//! their own, run apart from the others and one test at a time.

#[path = "../common/mod.rs"]
mod common;

mod capacity;
mod pool;
mod send_faults;

/// Held by each test here for its whole run: they stop servers the others use.
static DAEMONS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
