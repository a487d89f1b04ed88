//! What the webmail keeps: browser sessions, the outbox (uploads, sent Message-IDs), the access
//! traces, and the Annuaire santé directory it searches.

pub mod directory;
pub mod outbox;
pub mod session;
pub mod traces;

use crate::error::Error;
use std::path::Path;
use tower_sessions_sqlx_store::sqlx::{SqlitePool, sqlite::{SqliteConnectOptions, SqlitePoolOptions}};

fn store(e: impl std::fmt::Display) -> Error {
    Error::Store(e.to_string())
}

/// The SQLite file of sessions, uploads and sent Message-IDs, created if missing.
pub async fn open_database(path: &Path) -> Result<SqlitePool, Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(store)?;
    }
    SqlitePoolOptions::new()
        .connect_with(SqliteConnectOptions::new().filename(path).create_if_missing(true))
        .await
        .map_err(store)
}
