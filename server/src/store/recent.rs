//! Per user, the correspondents they last wrote to: the directory suggests them first. Only
//! professionals' and teams' addresses are kept (never a patient's: an INS is health data), at
//! most [`KEPT`] per user.

use super::store;
use crate::clock::unix_now;
use crate::error::Error;
use sqlx::AnyPool;

/// Addresses kept per user.
const KEPT: i64 = 50;

#[derive(Clone)]
pub struct RecentCorrespondents {
    db: AnyPool,
}

impl RecentCorrespondents {
    /// On `db`, its table made by the database's migrations.
    pub fn new(db: AnyPool) -> Self {
        Self { db }
    }

    /// `mailbox` just wrote to `addresses`.
    pub async fn used(&self, mailbox: &str, addresses: &[String]) -> Result<(), Error> {
        let now = unix_now();
        for address in addresses.iter().filter(|a| !app::patient::is_patient(a)).take(100) {
            sqlx::query(
                "INSERT INTO recent_correspondents (mailbox, address, used_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (mailbox, address) DO UPDATE SET used_at = excluded.used_at",
            )
            .bind(mailbox)
            .bind(address.trim().to_lowercase())
            .bind(now)
            .execute(&self.db)
            .await
            .map_err(store)?;
        }
        sqlx::query(
            "DELETE FROM recent_correspondents WHERE mailbox = $1 AND address NOT IN \
             (SELECT address FROM recent_correspondents WHERE mailbox = $2 ORDER BY used_at DESC LIMIT $3)",
        )
        .bind(mailbox)
        .bind(mailbox)
        .bind(KEPT)
        .execute(&self.db)
        .await
        .map_err(store)?;
        Ok(())
    }

    /// The user's correspondents, most recent first.
    pub async fn of(&self, mailbox: &str) -> Result<Vec<String>, Error> {
        sqlx::query_scalar("SELECT address FROM recent_correspondents WHERE mailbox = $1 ORDER BY used_at DESC, address LIMIT $2")
            .bind(mailbox)
            .bind(KEPT)
            .fetch_all(&self.db)
            .await
            .map_err(store)
    }
}
