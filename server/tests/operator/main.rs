//! Integration tests against the running test operator (operator/start.sh): PSC stand-in,
//! Dovecot, Postfix, PostgreSQL. One binary; its tests may run side by side, so each one works
//! in mailboxes and with Message-IDs that the others do not count.

#[path = "../common/mod.rs"]
mod common;

mod annuaire;
mod archive;
mod conversations;
mod freshness;
mod hostile;
mod instances;
mod lifecycle;
mod organisation;
mod own_traces;
mod psc_and_imap;
mod revocation;
mod settings;
mod sending;
mod speed;
mod trace_store;
