//! Each mailbox's signature (plain text), added by the compose page to new messages and replies.

use super::store;
use crate::error::Error;
use app::organisation::canonical_address;
use tower_sessions_sqlx_store::sqlx::{self, SqlitePool};

#[derive(Clone)]
pub struct Signatures {
    db: SqlitePool,
}

impl Signatures {
    pub async fn new(db: SqlitePool) -> Result<Self, Error> {
        sqlx::query("CREATE TABLE IF NOT EXISTS signatures (mailbox TEXT PRIMARY KEY, signature TEXT NOT NULL)")
            .execute(&db)
            .await
            .map_err(store)?;
        Ok(Self { db })
    }

    /// The signature of `mailbox` (kept under its canonical address); empty when none.
    pub async fn of(&self, mailbox: &str) -> Result<String, Error> {
        let row: Option<(String,)> = sqlx::query_as("SELECT signature FROM signatures WHERE mailbox = ?")
            .bind(canonical_address(mailbox))
            .fetch_optional(&self.db)
            .await
            .map_err(store)?;
        Ok(row.map(|(s,)| s).unwrap_or_default())
    }

    /// Set it; an empty one is removed.
    pub async fn set(&self, mailbox: &str, signature: &str) -> Result<(), Error> {
        let mailbox = canonical_address(mailbox);
        let query = if signature.is_empty() {
            sqlx::query("DELETE FROM signatures WHERE mailbox = ?").bind(mailbox)
        } else {
            sqlx::query("INSERT INTO signatures (mailbox, signature) VALUES (?, ?) ON CONFLICT (mailbox) DO UPDATE SET signature = excluded.signature")
                .bind(mailbox)
                .bind(signature)
        };
        query.execute(&self.db).await.map_err(store)?;
        Ok(())
    }
}
