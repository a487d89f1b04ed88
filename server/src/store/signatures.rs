//! Each mailbox's signature (plain text), added by the compose page to new messages and replies.

use super::store;
use crate::error::Error;
use app::organisation::canonical_address;
use sqlx::AnyPool;

#[derive(Clone)]
pub struct Signatures {
    db: AnyPool,
}

impl Signatures {
    /// On `db`, its table made by the database's migrations.
    pub fn new(db: AnyPool) -> Self {
        Self { db }
    }

    /// The signature of `mailbox` (kept under its canonical address); empty when none.
    pub async fn of(&self, mailbox: &str) -> Result<String, Error> {
        let row: Option<(String,)> = sqlx::query_as("SELECT signature FROM signatures WHERE mailbox = $1")
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
            sqlx::query("DELETE FROM signatures WHERE mailbox = $1").bind(mailbox)
        } else {
            sqlx::query("INSERT INTO signatures (mailbox, signature) VALUES ($1, $2) ON CONFLICT (mailbox) DO UPDATE SET signature = excluded.signature")
                .bind(mailbox)
                .bind(signature)
        };
        query.execute(&self.db).await.map_err(store)?;
        Ok(())
    }
}
