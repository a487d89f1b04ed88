//! What the webmail keeps: browser sessions, the outbox (uploads, sent Message-IDs), the access
//! traces, each user's recent correspondents, and the Annuaire santé directory it searches.

pub mod database;
pub mod directory;
pub mod outbox;
pub mod recent;
pub mod sealer;
pub mod session;
pub mod session_store;
pub mod signals;
pub mod signatures;
pub mod traces;

use crate::error::Error;
use std::path::Path;
use tower_sessions_sqlx_store::sqlx::{SqlitePool, sqlite::{SqliteConnectOptions, SqlitePoolOptions}};

/// Held while one instance makes or migrates tables in a shared (PostgreSQL) database: the others
/// starting at the same moment wait, then find everything made (concurrent CREATE … IF NOT EXISTS
/// trip over each other). A number the webmail alone uses on its database.
pub(crate) const MIGRATION_LOCK: i64 = 0x6d73_735f_6d69_6772;

/// A failure of the webmail's own storage (database, key or folder), for the log; a database out
/// of reach is told apart, for the user to read that it will pass.
pub(crate) fn store<E: std::fmt::Display + 'static>(e: E) -> Error {
    match (&e as &dyn std::any::Any).downcast_ref::<sqlx::Error>() {
        Some(db) if unreachable(db) => Error::StoreUnreachable(e.to_string()),
        _ => Error::Store(e.to_string()),
    }
}

/// The database cannot be reached or is going away: no connection, none free in time, or the
/// server shutting down or starting (SQLSTATE classes 08 and 57P).
fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57P")),
        _ => false,
    }
}

/// A database file only the webmail's own user may read (tokens, uploads, traces), in a folder
/// only it may enter: created so when missing, and put back so when found otherwise.
pub fn private_file(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) && !dir.exists() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(store)?;
    }
    std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).map_err(store)?;
    // SQLite gives its -wal and -shm files the database file's mode
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(store)
}

/// The SQLite file of sessions, uploads and sent Message-IDs, created if missing.
pub async fn open_database(path: &Path) -> Result<SqlitePool, Error> {
    private_file(path)?;
    SqlitePoolOptions::new()
        .connect_with(SqliteConnectOptions::new().filename(path).create_if_missing(true))
        .await
        .map_err(store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use tower_sessions_sqlx_store::sqlx;

    #[tokio::test]
    async fn databases_are_readable_by_the_webmail_only() {
        let dir = std::env::temp_dir().join(format!("store-test-{}-{}", std::process::id(), rand::random::<u64>()));
        let path = dir.join("sessions.db");
        let db = open_database(&path).await.unwrap();
        sqlx::query("CREATE TABLE t (x)").execute(&db).await.unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir), 0o700);
        // an existing file left readable by others is closed again
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        private_file(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
    }
}
