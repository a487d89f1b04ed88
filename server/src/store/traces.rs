//! Per-user access traces of organisational mailboxes: append-only rows, each carrying the
//! SHA-256 of its content and of the row before it, so that a row edited or removed breaks the
//! chain where it happened. SQLite by default, PostgreSQL when `TRACE_DATABASE_URL` says so (one
//! code path through sqlx's `Any` driver). Old rows go after the retention period; the hash of
//! the last removed row is kept as the chain's new anchor.

use super::store;
use crate::error::Error;
use crate::clock::unix_now;
use app::organisation::Integrity;
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};

/// Who did what, from where, with what result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// The organisational mailbox.
    pub mailbox: String,
    /// Unix seconds (UTC).
    pub at: i64,
    /// PSC `sub`, SubjectNameID (RPPS/ADELI) and name of the member.
    pub subject: String,
    pub professional_id: String,
    pub name: String,
    /// The member's own address.
    pub member: String,
    /// Action code ([`app::organisation::TraceAction::code`]).
    pub action: String,
    /// UID, Message-ID, recipients, folder… (never message content).
    pub detail: String,
    pub ip: String,
    pub user_agent: String,
    pub outcome: String,
}

/// A stored trace and its place in the chain.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub trace: Trace,
}

/// The hash of a row: its predecessor's hash and every field, unambiguously separated.
fn chain_hash(previous: &str, t: &Trace) -> String {
    let mut h = Sha256::new();
    for field in [previous, &t.mailbox, &t.at.to_string(), &t.subject, &t.professional_id, &t.name, &t.member, &t.action, &t.detail, &t.ip, &t.user_agent, &t.outcome] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

const COLUMNS: &str = "mailbox, at, subject, professional_id, name, member, action, detail, ip, user_agent, outcome";

fn trace_of(row: &sqlx::any::AnyRow) -> Result<Trace, sqlx::Error> {
    Ok(Trace {
        mailbox: row.try_get("mailbox")?,
        at: row.try_get("at")?,
        subject: row.try_get("subject")?,
        professional_id: row.try_get("professional_id")?,
        name: row.try_get("name")?,
        member: row.try_get("member")?,
        action: row.try_get("action")?,
        detail: row.try_get("detail")?,
        ip: row.try_get("ip")?,
        user_agent: row.try_get("user_agent")?,
        outcome: row.try_get("outcome")?,
    })
}

pub struct TraceStore {
    db: AnyPool,
    /// One writer at a time, so that each row chains to the one truly before it.
    writer: tokio::sync::Mutex<()>,
    retention_days: i64,
}

impl TraceStore {
    /// `url`: `sqlite://path?mode=rwc` or `postgres://…`.
    pub async fn open(url: &str, retention_days: i64) -> Result<Self, Error> {
        sqlx::any::install_default_drivers();
        if let Some(path) = url.strip_prefix("sqlite://").map(|p| p.split('?').next().unwrap_or(p)) {
            super::private_file(std::path::Path::new(path))?;
        }
        let db = sqlx::any::AnyPoolOptions::new().max_connections(4).connect(url).await.map_err(store)?;
        let id = if url.starts_with("postgres") { "BIGSERIAL PRIMARY KEY" } else { "INTEGER PRIMARY KEY AUTOINCREMENT" };
        for ddl in [
            format!(
                "CREATE TABLE IF NOT EXISTS access_traces (id {id}, mailbox TEXT NOT NULL, at BIGINT NOT NULL, subject TEXT NOT NULL, \
                 professional_id TEXT NOT NULL, name TEXT NOT NULL, member TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL, \
                 ip TEXT NOT NULL, user_agent TEXT NOT NULL, outcome TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL)"
            ),
            "CREATE INDEX IF NOT EXISTS access_traces_mailbox ON access_traces (mailbox, at)".into(),
            "CREATE TABLE IF NOT EXISTS access_trace_anchor (hash TEXT NOT NULL)".into(),
        ] {
            sqlx::query(&ddl).execute(&db).await.map_err(store)?;
        }
        let traces = Self { db, writer: tokio::sync::Mutex::new(()), retention_days };
        traces.apply_retention().await?;
        Ok(traces)
    }

    async fn last_hash(&self) -> Result<String, Error> {
        let last: Option<String> = sqlx::query_scalar("SELECT hash FROM access_traces ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.db).await.map_err(store)?;
        match last {
            Some(hash) => Ok(hash),
            None => self.anchor().await,
        }
    }

    async fn anchor(&self) -> Result<String, Error> {
        let anchor: Option<String> = sqlx::query_scalar("SELECT hash FROM access_trace_anchor LIMIT 1").fetch_optional(&self.db).await.map_err(store)?;
        Ok(anchor.unwrap_or_default())
    }

    /// Append one trace.
    pub async fn record(&self, trace: &Trace) -> Result<(), Error> {
        let _one_writer = self.writer.lock().await;
        let previous = self.last_hash().await?;
        let hash = chain_hash(&previous, trace);
        sqlx::query(&format!("INSERT INTO {} ({COLUMNS}, previous_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", "access_traces"))
            .bind(&trace.mailbox).bind(trace.at).bind(&trace.subject).bind(&trace.professional_id).bind(&trace.name)
            .bind(&trace.member).bind(&trace.action).bind(&trace.detail).bind(&trace.ip).bind(&trace.user_agent)
            .bind(&trace.outcome).bind(&previous).bind(&hash)
            .execute(&self.db).await.map_err(store)?;
        Ok(())
    }

    /// The traces of `mailbox` (of one member when `member` is given), newest first, within
    /// [since, until) in Unix seconds.
    pub async fn list(&self, mailbox: &str, member: Option<&str>, action: Option<&str>, since: i64, until: i64) -> Result<Vec<Stored>, Error> {
        let rows = sqlx::query(&format!(
            "SELECT id, {COLUMNS} FROM access_traces WHERE mailbox = $1 AND at >= $2 AND at < $3 \
             AND ($4 = '' OR member = $4) AND ($5 = '' OR action = $5) ORDER BY id DESC LIMIT 5000"
        ))
        .bind(mailbox).bind(since).bind(until).bind(member.unwrap_or_default()).bind(action.unwrap_or_default())
        .fetch_all(&self.db).await.map_err(store)?;
        rows.iter().map(|r| Ok(Stored { id: r.try_get("id")?, trace: trace_of(r)? })).collect::<Result<_, sqlx::Error>>().map_err(store)
    }

    /// Whether `member` has left any trace on `mailbox` (a member, or a former one).
    pub async fn has_member(&self, mailbox: &str, member: &str) -> Result<bool, Error> {
        let row = sqlx::query("SELECT 1 AS one FROM access_traces WHERE mailbox = $1 AND member = $2 LIMIT 1")
            .bind(mailbox).bind(member)
            .fetch_optional(&self.db).await.map_err(store)?;
        Ok(row.is_some())
    }

    /// Walk the whole chain: a row whose content, predecessor or position was altered is found.
    pub async fn verify(&self) -> Result<Integrity, Error> {
        let mut previous = self.anchor().await?;
        let rows = sqlx::query(&format!("SELECT id, {COLUMNS}, previous_hash, hash FROM access_traces ORDER BY id"))
            .fetch_all(&self.db).await.map_err(store)?;
        for row in &rows {
            let id: i64 = row.try_get("id").map_err(store)?;
            let trace = trace_of(row).map_err(store)?;
            let (stored_previous, stored_hash): (String, String) =
                (row.try_get("previous_hash").map_err(store)?, row.try_get("hash").map_err(store)?);
            if stored_previous != previous || chain_hash(&previous, &trace) != stored_hash {
                return Ok(Integrity::Broken { at_row: id });
            }
            previous = stored_hash;
        }
        Ok(Integrity::Intact { rows: rows.len() as u64 })
    }

    /// Remove the rows older than the retention period; the last removed hash anchors the chain.
    pub async fn apply_retention(&self) -> Result<(), Error> {
        let _one_writer = self.writer.lock().await;
        let before = unix_now() - self.retention_days * 86_400;
        let last_removed: Option<(i64, String)> =
            sqlx::query_as("SELECT id, hash FROM access_traces WHERE at < $1 ORDER BY id DESC LIMIT 1")
                .bind(before).fetch_optional(&self.db).await.map_err(store)?;
        if let Some((id, hash)) = last_removed {
            let mut tx = self.db.begin().await.map_err(store)?;
            sqlx::query("DELETE FROM access_traces WHERE id <= $1").bind(id).execute(&mut *tx).await.map_err(store)?;
            sqlx::query("DELETE FROM access_trace_anchor").execute(&mut *tx).await.map_err(store)?;
            sqlx::query("INSERT INTO access_trace_anchor (hash) VALUES ($1)").bind(&hash).execute(&mut *tx).await.map_err(store)?;
            tx.commit().await.map_err(store)?;
            tracing::info!("access traces: rows up to {id} removed after {} days", self.retention_days);
        }
        Ok(())
    }

    /// For tests of tampering: run a statement on the store as an intruder would.
    pub async fn execute_unchecked(&self, statement: &str) -> Result<u64, Error> {
        Ok(sqlx::query(statement).execute(&self.db).await.map_err(store)?.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(action: &str, at: i64) -> Trace {
        Trace {
            mailbox: "secretariat-cardio@hopital-demo.mssante.fr".into(),
            at,
            subject: "sub-1".into(),
            professional_id: "810100000025".into(),
            name: "Julien MOREAU".into(),
            member: "julien.moreau@hopital-demo.mssante.fr".into(),
            action: action.into(),
            detail: "UID 4".into(),
            ip: "127.0.0.1".into(),
            user_agent: "test".into(),
            outcome: "réussi".into(),
        }
    }

    async fn store_with(rows: &[(&str, i64)]) -> (TraceStore, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("traces-{}-{}.db", std::process::id(), rand::random::<u32>()));
        let traces = TraceStore::open(&format!("sqlite://{}?mode=rwc", path.display()), 365).await.unwrap();
        for (action, at) in rows {
            traces.record(&trace(action, *at)).await.unwrap();
        }
        (traces, path)
    }

    #[tokio::test]
    async fn the_chain_detects_an_edited_a_deleted_or_a_reordered_row() {
        let now = unix_now();
        for tamper in [
            "UPDATE access_traces SET member = 'claire.dubois@hopital-demo.mssante.fr' WHERE id = 2",
            "DELETE FROM access_traces WHERE id = 2",
            "UPDATE access_traces SET at = at - 1 WHERE id = 3",
        ] {
            let (traces, path) = store_with(&[("ouverture", now), ("lecture", now), ("suppression", now)]).await;
            assert_eq!(traces.verify().await.unwrap(), Integrity::Intact { rows: 3 });
            assert_eq!(traces.execute_unchecked(tamper).await.unwrap(), 1);
            assert!(matches!(traces.verify().await.unwrap(), Integrity::Broken { at_row: 2 | 3 }), "{tamper}");
            std::fs::remove_file(path).unwrap();
        }
    }

    #[tokio::test]
    async fn retention_removes_old_rows_and_the_chain_still_verifies() {
        let now = unix_now();
        let (traces, path) = store_with(&[("lecture", now - 400 * 86_400), ("lecture", now - 390 * 86_400), ("envoi", now)]).await;
        traces.apply_retention().await.unwrap();
        let left = traces.list("secretariat-cardio@hopital-demo.mssante.fr", None, None, 0, i64::MAX).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(traces.verify().await.unwrap(), Integrity::Intact { rows: 1 });
        traces.record(&trace("lecture", now)).await.unwrap();
        assert_eq!(traces.verify().await.unwrap(), Integrity::Intact { rows: 2 });
        std::fs::remove_file(path).unwrap();
    }
}
