//! What the webmail keeps for sending (in its database, beside the sessions): files uploaded for
//! drafts, and the Message-IDs already handed to SMTP, so that a retried send is never sent twice
//! — by any instance sharing the database.

use crate::error::Error;
use crate::clock::unix_now;
use crate::mail::compose::{AttachedFile, random_id};
use super::sealer::{OVERHEAD, Sealer};
use super::store;
use std::sync::Arc;
use app::sending::Upload;
use sqlx::AnyPool;

/// Sent records are dropped after this long (their copy in Sent is made).
const KEEP_SECONDS: i64 = 30 * 24 * 3600;
/// Files uploaded for drafts never sent are dropped after this long: a saved draft carries its
/// files in the Drafts folder, and health documents are not kept here longer than needed.
const KEEP_UPLOAD_SECONDS: i64 = 24 * 3600;
/// A send holds its claim on a draft at most this long (more than SMTP's whole submission).
const CLAIM_SECONDS: i64 = 300;
/// How often the purge runs.
pub const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Files and messages are kept sealed ([`Sealer`]): they are health documents.
#[derive(Clone)]
pub struct Outbox {
    db: AnyPool,
    sealer: Arc<Sealer>,
}

/// A message SMTP accepted: its bytes, until its copy is in the Sent folder.
pub struct SentRecord {
    pub raw: Vec<u8>,
    pub copied: bool,
}

impl Outbox {
    /// On `db`, its tables made by the database's migrations.
    pub async fn new(db: AnyPool, sealer: Arc<Sealer>) -> Result<Self, Error> {
        let outbox = Self { db, sealer };
        outbox.purge().await?;
        Ok(outbox)
    }

    /// Purge in the background every `period` (and it was purged once when opened).
    pub fn purged_every(self, period: std::time::Duration) -> Self {
        let outbox = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            loop {
                tick.tick().await;
                if let Err(e) = outbox.purge().await {
                    tracing::warn!("outbox purge failed: {e}");
                }
            }
        });
        self
    }

    pub async fn purge(&self) -> Result<(), Error> {
        let before = unix_now() - KEEP_SECONDS;
        sqlx::query("DELETE FROM draft_uploads WHERE created < $1").bind(unix_now() - KEEP_UPLOAD_SECONDS).execute(&self.db).await.map_err(store)?;
        sqlx::query("DELETE FROM sent_messages WHERE copied = 1 AND sent_at < $1").bind(before).execute(&self.db).await.map_err(store)?;
        sqlx::query("DELETE FROM send_claims WHERE claimed_at < $1").bind(unix_now() - CLAIM_SECONDS).execute(&self.db).await.map_err(store)?;
        Ok(())
    }

    /// Bytes kept for `mailbox`'s drafts, all uploads together.
    pub async fn uploaded_bytes(&self, mailbox: &str) -> Result<u64, Error> {
        let (total,): (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(length(data) - $1), 0) AS BIGINT) FROM draft_uploads WHERE mailbox = $2")
            .bind(OVERHEAD as i64).bind(mailbox).fetch_one(&self.db).await.map_err(store)?;
        Ok(total.max(0) as u64)
    }

    /// The size of an upload as stored (not as anyone declares it), if it is `mailbox`'s.
    pub async fn upload_size(&self, mailbox: &str, id: &str) -> Result<Option<u64>, Error> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT CAST(length(data) - $1 AS BIGINT) FROM draft_uploads WHERE id = $2 AND mailbox = $3")
            .bind(OVERHEAD as i64).bind(id).bind(mailbox).fetch_optional(&self.db).await.map_err(store)?;
        Ok(row.map(|(n,)| n.max(0) as u64))
    }

    pub async fn add_upload(&self, mailbox: &str, name: &str, content_type: &str, data: &[u8]) -> Result<Upload, Error> {
        let id = random_id();
        sqlx::query("INSERT INTO draft_uploads (id, mailbox, name, content_type, data, created) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&id).bind(mailbox).bind(name).bind(content_type).bind(self.sealer.seal(data)?).bind(unix_now())
            .execute(&self.db).await.map_err(store)?;
        Ok(Upload { id, name: name.to_string(), bytes: data.len() as u64 })
    }

    /// A file uploaded by this mailbox's user (another user's id finds nothing).
    pub async fn upload(&self, mailbox: &str, id: &str) -> Result<Option<AttachedFile>, Error> {
        let row: Option<(String, String, Vec<u8>)> =
            sqlx::query_as("SELECT name, content_type, data FROM draft_uploads WHERE id = $1 AND mailbox = $2")
                .bind(id).bind(mailbox).fetch_optional(&self.db).await.map_err(store)?;
        // a file sealed with an earlier key is gone: the page says to add it again
        Ok(row.and_then(|(name, content_type, sealed)| Some(AttachedFile { name, content_type, data: self.sealer.open_sealed(&sealed)? })))
    }

    pub async fn forget_uploads(&self, mailbox: &str, ids: &[String]) -> Result<(), Error> {
        for id in ids {
            sqlx::query("DELETE FROM draft_uploads WHERE id = $1 AND mailbox = $2").bind(id).bind(mailbox)
                .execute(&self.db).await.map_err(store)?;
        }
        Ok(())
    }

    pub async fn sent(&self, mailbox: &str, message_id: &str) -> Result<Option<SentRecord>, Error> {
        let row: Option<(Vec<u8>, i64)> = sqlx::query_as("SELECT raw, copied FROM sent_messages WHERE mailbox = $1 AND message_id = $2")
            .bind(mailbox).bind(message_id).fetch_optional(&self.db).await.map_err(store)?;
        Ok(row.map(|(sealed, copied)| match self.sealer.open_sealed(&sealed) {
            Some(raw) => SentRecord { raw, copied: copied != 0 },
            // sent, but unreadable (copied already, or sealed with an earlier key): never sent again
            None => SentRecord { raw: Vec::new(), copied: true },
        }))
    }

    /// Claim the sending of `message_id`: true for the one send that may submit it, false while
    /// another send of the same draft (a second click, another tab or device) holds the claim.
    /// A claim older than [`CLAIM_SECONDS`] was left by a send that never finished: taken over.
    pub async fn claim_send(&self, mailbox: &str, message_id: &str) -> Result<bool, Error> {
        let now = unix_now();
        let claimed = sqlx::query(
            "INSERT INTO send_claims (message_id, mailbox, claimed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (mailbox, message_id) DO UPDATE SET claimed_at = excluded.claimed_at WHERE send_claims.claimed_at < $4",
        )
        .bind(message_id).bind(mailbox).bind(now).bind(now - CLAIM_SECONDS)
        .execute(&self.db).await.map_err(store)?;
        Ok(claimed.rows_affected() == 1)
    }

    /// The send holding the claim is over (the message recorded as sent, or not submitted).
    pub async fn release_send(&self, mailbox: &str, message_id: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM send_claims WHERE mailbox = $1 AND message_id = $2").bind(mailbox).bind(message_id)
            .execute(&self.db).await.map_err(store)?;
        Ok(())
    }

    pub async fn record_sent(&self, mailbox: &str, message_id: &str, raw: &[u8]) -> Result<(), Error> {
        sqlx::query("INSERT INTO sent_messages (message_id, mailbox, raw, copied, sent_at) VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING")
            .bind(message_id).bind(mailbox).bind(self.sealer.seal(raw)?).bind(unix_now()).execute(&self.db).await.map_err(store)?;
        Ok(())
    }

    /// Messages of `mailbox` sent but not yet copied to Sent (the mail server was out of reach),
    /// oldest first, at most `limit`.
    pub async fn awaiting_copy(&self, mailbox: &str, limit: u32) -> Result<Vec<String>, Error> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT message_id FROM sent_messages WHERE mailbox = $1 AND copied = 0 ORDER BY sent_at LIMIT $2")
            .bind(mailbox).bind(limit as i64).fetch_all(&self.db).await.map_err(store)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The copy is in the Sent folder: the bytes are not needed any more.
    pub async fn mark_copied(&self, mailbox: &str, message_id: &str) -> Result<(), Error> {
        sqlx::query("UPDATE sent_messages SET copied = 1, raw = $1 WHERE mailbox = $2 AND message_id = $3")
            .bind(Vec::<u8>::new()).bind(mailbox).bind(message_id).execute(&self.db).await.map_err(store)?;
        Ok(())
    }
}
