//! The webmail's own database: a SQLite file on one machine (the default), or PostgreSQL shared by
//! every instance (`DATABASE_URL=postgres://…`), so that a user may land on any of them. Sessions
//! go through tower-sessions' store for that database; uploads, the send-once record, signatures
//! and recent correspondents through one code path (sqlx's `Any`), their tables made by versioned
//! migrations at start.

use super::session_store::SessionStore;
use super::{MIGRATION_LOCK, store};
use crate::error::Error;
use sqlx::AnyPool;
use std::path::Path;
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore, sqlx::PgPool};

/// The migrations of each kind of database, built into the binary.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone)]
pub struct Database {
    /// Uploads, sent messages, signatures, recent correspondents.
    pub any: AnyPool,
    sessions: SessionStore,
    /// PostgreSQL, shared by the instances (for their signals to each other).
    shared: Option<PgPool>,
}

impl Database {
    /// `url`: `postgres://…`, or none for the SQLite file at `sqlite_file` (made if missing,
    /// readable by the webmail only).
    pub async fn open(url: Option<&str>, sqlite_file: &Path) -> Result<Self, Error> {
        sqlx::any::install_default_drivers();
        match url {
            Some(url) if url.starts_with("postgres") => Self::postgres(url).await,
            Some(url) => Err(store(format!("DATABASE_URL: only postgres://… is shared (SQLite is the default without it), not {}", url.split(':').next().unwrap_or_default()))),
            // the file made private by `open_database`, before the `Any` pool opens it too
            None => {
                let sessions = super::open_database(sqlite_file).await?;
                let any = sqlx::any::AnyPoolOptions::new().connect(&format!("sqlite://{}", sqlite_file.display())).await.map_err(store)?;
                Self::sqlite(sessions, any).await
            }
        }
    }

    /// An in-memory SQLite database (tests).
    pub async fn in_memory() -> Result<Self, Error> {
        sqlx::any::install_default_drivers();
        let sessions = tower_sessions_sqlx_store::sqlx::SqlitePool::connect("sqlite::memory:").await.map_err(store)?;
        // one connection: every connection to "sqlite::memory:" through `Any` is a database of its own
        let any = sqlx::any::AnyPoolOptions::new().max_connections(1).connect("sqlite::memory:").await.map_err(store)?;
        Self::sqlite(sessions, any).await
    }

    /// On SQLite: the session table and the migrations made on their two pools.
    async fn sqlite(sessions: tower_sessions_sqlx_store::sqlx::SqlitePool, any: AnyPool) -> Result<Self, Error> {
        let session_store = SqliteStore::new(sessions);
        session_store.migrate().await.map_err(store)?;
        SQLITE_MIGRATIONS.run(&any).await.map_err(store)?;
        Ok(Self { any, sessions: SessionStore::Sqlite(session_store), shared: None })
    }

    async fn postgres(url: &str) -> Result<Self, Error> {
        use sqlx::Connection;
        let pool = tower_sessions_sqlx_store::sqlx::postgres::PgPoolOptions::new().max_connections(8).connect(url).await.map_err(store)?;
        let any = sqlx::any::AnyPoolOptions::new().max_connections(8).connect(url).await.map_err(store)?;
        // one instance migrates at a time (the session schema's CREATE … IF NOT EXISTS races otherwise)
        let mut lock = sqlx::PgConnection::connect(url).await.map_err(store)?;
        sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_LOCK).execute(&mut lock).await.map_err(store)?;
        let session_store = PostgresStore::new(pool.clone());
        let migrated = async {
            session_store.migrate().await.map_err(store)?;
            POSTGRES_MIGRATIONS.run(&any).await.map_err(store)
        }
        .await;
        let _ = sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_LOCK).execute(&mut lock).await;
        let _ = lock.close().await;
        migrated?;
        Ok(Self { any, sessions: SessionStore::Postgres(session_store), shared: Some(pool) })
    }

    /// The session store of this database, for tower-sessions' layer.
    pub fn session_store(&self) -> SessionStore {
        self.sessions.clone()
    }

    /// Whether it is PostgreSQL, shared by the instances.
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// The PostgreSQL pool the instances share, if it is one.
    pub fn shared_pool(&self) -> Option<PgPool> {
        self.shared.clone()
    }

    /// Whether the database answers (the readiness probe).
    pub async fn reachable(&self) -> Result<(), Error> {
        sqlx::query("SELECT 1").execute(&self.any).await.map(drop).map_err(store)
    }
}
