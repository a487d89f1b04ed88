//! Per-user access traces of every mailbox: append-only rows, each carrying the SHA-256 of its
//! content and of the row before it, so that a row edited or removed breaks the chain where it
//! happened. The chain's head is signed now and then (Ed25519, a key of the webmail's own) into a
//! checkpoint kept in a table apart, so that removing the newest rows, or all of them, is found
//! too. SQLite by default, PostgreSQL when `TRACE_DATABASE_URL` says so (one code path through
//! sqlx's `Any` driver). Old rows go after the retention period; the hash of the last removed row
//! is kept as the chain's new anchor.

use super::store;
use crate::error::Error;
use crate::clock::unix_now;
use app::organisation::Integrity;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, Row};
use std::path::Path;

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
    /// The commands sent to the operator (`UID FETCH 4312 (BODY.PEEK[])`, `MAIL FROM, RCPT TO ×2…`).
    pub request: String,
    /// The operator's answers to them (`OK`, `NO [NONEXISTENT]`, `250`, `550 (RCPT TO)`).
    pub answer: String,
}

/// A stored trace and its place in the chain.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub trace: Trace,
}

/// The hash of a row: its predecessor's hash and every field, unambiguously separated (the
/// request and answer only when there are some: rows written before they were recorded still verify).
fn chain_hash(previous: &str, t: &Trace) -> String {
    let mut h = Sha256::new();
    let exchange = [t.request.as_str(), t.answer.as_str()];
    let exchange = if t.request.is_empty() && t.answer.is_empty() { &exchange[..0] } else { &exchange[..] };
    for field in [previous, &t.mailbox, &t.at.to_string(), &t.subject, &t.professional_id, &t.name, &t.member, &t.action, &t.detail, &t.ip, &t.user_agent, &t.outcome]
        .into_iter()
        .chain(exchange.iter().copied())
    {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    text.len().is_multiple_of(2).then_some(())?;
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

const COLUMNS: &str = "mailbox, at, subject, professional_id, name, member, action, detail, ip, user_agent, outcome, request, answer";

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
        request: row.try_get("request")?,
        answer: row.try_get("answer")?,
    })
}

/// The advisory lock of the chain on PostgreSQL (any number the webmail alone uses on its store).
const CHAIN_LOCK: i64 = 0x6d73_735f_7472_6163;

/// The hash the next row chains to: the newest row's, or the anchor's when there is none.
async fn last_hash(conn: &mut sqlx::AnyConnection) -> Result<String, Error> {
    let last: Option<String> = sqlx::query_scalar("SELECT hash FROM access_traces ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn).await.map_err(store)?;
    match last {
        Some(hash) => Ok(hash),
        None => anchor(conn).await,
    }
}

/// The hash of the last row retention removed (empty when it removed none).
async fn anchor(conn: &mut sqlx::AnyConnection) -> Result<String, Error> {
    let anchor: Option<String> = sqlx::query_scalar("SELECT hash FROM access_trace_anchor LIMIT 1").fetch_optional(conn).await.map_err(store)?;
    Ok(anchor.unwrap_or_default())
}

/// How often a running webmail removes the rows past the retention period (a day's resolution).
pub const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

pub struct TraceStore {
    db: AnyPool,
    /// One writer at a time, so that each row chains to the one truly before it: in this process
    /// by this lock, across the instances sharing a PostgreSQL store by an advisory lock too.
    writer: tokio::sync::Mutex<()>,
    shared: bool,
    retention_days: i64,
    /// Signs the checkpoints; its public half checks them.
    signer: Ed25519KeyPair,
}

/// The chain's head as signed at one moment: the newest row then, its time and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub at: i64,
    pub last_row: i64,
    pub row_at: i64,
    pub head: String,
}

impl Checkpoint {
    fn signed_bytes(&self) -> Vec<u8> {
        format!("mssante-webmail traces checkpoint\0{}\0{}\0{}\0{}", self.last_row, self.row_at, self.head, self.at).into_bytes()
    }
}

impl TraceStore {
    /// `url`: `sqlite://path?mode=rwc` or `postgres://…`; `signing_key`: the file of the
    /// checkpoints' Ed25519 seed (made when missing).
    pub async fn open(url: &str, retention_days: i64, signing_key: &Path) -> Result<Self, Error> {
        let seed = super::sealer::secret_file(signing_key)?;
        let signer = Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|_| store(format!("{}: not an Ed25519 seed", signing_key.display())))?;
        sqlx::any::install_default_drivers();
        if let Some(path) = url.strip_prefix("sqlite://").map(|p| p.split('?').next().unwrap_or(p)) {
            super::private_file(std::path::Path::new(path))?;
        }
        let db = sqlx::any::AnyPoolOptions::new().max_connections(4).connect(url).await.map_err(store)?;
        let shared = url.starts_with("postgres");
        let id = if shared { "BIGSERIAL PRIMARY KEY" } else { "INTEGER PRIMARY KEY AUTOINCREMENT" };
        // tables made by one instance at a time (others starting at once wait for it)
        let mut tx = db.begin().await.map_err(store)?;
        if shared {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(super::MIGRATION_LOCK).execute(&mut *tx).await.map_err(store)?;
        }
        for ddl in [
            format!(
                "CREATE TABLE IF NOT EXISTS access_traces (id {id}, mailbox TEXT NOT NULL, at BIGINT NOT NULL, subject TEXT NOT NULL, \
                 professional_id TEXT NOT NULL, name TEXT NOT NULL, member TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL, \
                 ip TEXT NOT NULL, user_agent TEXT NOT NULL, outcome TEXT NOT NULL, previous_hash TEXT NOT NULL, hash TEXT NOT NULL, \
                 request TEXT NOT NULL DEFAULT '', answer TEXT NOT NULL DEFAULT '')"
            ),
            "CREATE INDEX IF NOT EXISTS access_traces_mailbox ON access_traces (mailbox, at)".into(),
            // retention finds its cut-off by time while it holds the chain: without a scan of every row
            "CREATE INDEX IF NOT EXISTS access_traces_at ON access_traces (at)".into(),
            "CREATE TABLE IF NOT EXISTS access_trace_anchor (hash TEXT NOT NULL, last_row BIGINT NOT NULL DEFAULT 0)".into(),
            format!(
                "CREATE TABLE IF NOT EXISTS access_trace_checkpoints (id {id}, at BIGINT NOT NULL, last_row BIGINT NOT NULL, \
                 row_at BIGINT NOT NULL, head TEXT NOT NULL, signature TEXT NOT NULL)"
            ),
        ] {
            sqlx::query(&ddl).execute(&mut *tx).await.map_err(store)?;
        }
        // a store made before the operator's answers and the anchor's row were recorded gets their
        // columns (PostgreSQL says IF NOT EXISTS: a failed statement would end its transaction)
        for (table, column) in [("access_traces", "request TEXT NOT NULL DEFAULT ''"), ("access_traces", "answer TEXT NOT NULL DEFAULT ''"), ("access_trace_anchor", "last_row BIGINT NOT NULL DEFAULT 0")] {
            let if_missing = if shared { "IF NOT EXISTS " } else { "" };
            if let Err(e) = sqlx::query(&format!("ALTER TABLE {table} ADD COLUMN {if_missing}{column}")).execute(&mut *tx).await {
                let e = e.to_string();
                if !e.contains("duplicate column") && !e.contains("already exists") {
                    return Err(store(e));
                }
            }
        }
        tx.commit().await.map_err(store)?;
        let traces = Self { db, writer: tokio::sync::Mutex::new(()), shared, retention_days, signer };
        traces.apply_retention().await?;
        Ok(traces)
    }

    /// A transaction that alone may extend or cut the chain until it ends: the writer lock of
    /// this process and, on PostgreSQL, a transaction-scoped advisory lock that every instance
    /// writing the same store takes (released at commit or rollback).
    async fn writing(&self) -> Result<(tokio::sync::MutexGuard<'_, ()>, sqlx::Transaction<'static, sqlx::Any>), Error> {
        let one_writer = self.writer.lock().await;
        let mut tx = self.db.begin().await.map_err(store)?;
        if self.shared {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(CHAIN_LOCK).execute(&mut *tx).await.map_err(store)?;
        }
        Ok((one_writer, tx))
    }

    /// Append one trace.
    /// Whether the database answers (the readiness probe).
    pub async fn reachable(&self) -> Result<(), Error> {
        sqlx::query("SELECT 1").execute(&self.db).await.map(drop).map_err(store)
    }

    /// Append one trace, in a task of its own: the request that asked may be dropped at any await
    /// (the browser gave up, a tab was closed), and the trace must be stored all the same, its
    /// transaction never left half done (a dropped one kept the store from answering at all).
    pub async fn record(self: &std::sync::Arc<Self>, trace: &Trace) -> Result<(), Error> {
        let (store, trace) = (self.clone(), trace.clone());
        tokio::spawn(async move { store.append(&trace).await }).await.map_err(|e| super::store(format!("trace task: {e}")))?
    }

    async fn append(&self, trace: &Trace) -> Result<(), Error> {
        let (_one_writer, mut tx) = self.writing().await?;
        let previous = last_hash(&mut tx).await?;
        let hash = chain_hash(&previous, trace);
        sqlx::query(&format!("INSERT INTO access_traces ({COLUMNS}, previous_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"))
            .bind(&trace.mailbox).bind(trace.at).bind(&trace.subject).bind(&trace.professional_id).bind(&trace.name)
            .bind(&trace.member).bind(&trace.action).bind(&trace.detail).bind(&trace.ip).bind(&trace.user_agent)
            .bind(&trace.outcome).bind(&trace.request).bind(&trace.answer).bind(&previous).bind(&hash)
            .execute(&mut *tx).await.map_err(store)?;
        tx.commit().await.map_err(store)
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

    /// Sign the chain's current head into a new checkpoint, unless the last one says the same.
    pub async fn checkpoint(&self) -> Result<(), Error> {
        let (_one_writer, tx) = self.writing().await?;
        let newest: Option<(i64, i64, String)> = sqlx::query_as("SELECT id, at, hash FROM access_traces ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.db).await.map_err(store)?;
        let Some((last_row, row_at, head)) = newest else { return Ok(()) };
        if self.last_checkpoint().await?.is_some_and(|(c, _)| c.last_row == last_row && c.head == head) {
            return Ok(());
        }
        let checkpoint = Checkpoint { at: unix_now(), last_row, row_at, head };
        let signature = hex(self.signer.sign(&checkpoint.signed_bytes()).as_ref());
        sqlx::query("INSERT INTO access_trace_checkpoints (at, last_row, row_at, head, signature) VALUES ($1, $2, $3, $4, $5)")
            .bind(checkpoint.at).bind(checkpoint.last_row).bind(checkpoint.row_at).bind(&checkpoint.head).bind(&signature)
            .execute(&self.db).await.map_err(store)?;
        tx.commit().await.map_err(store)
    }

    /// The newest checkpoint and whether its signature is this webmail's.
    async fn last_checkpoint(&self) -> Result<Option<(Checkpoint, bool)>, Error> {
        let row: Option<(i64, i64, i64, String, String)> =
            sqlx::query_as("SELECT at, last_row, row_at, head, signature FROM access_trace_checkpoints ORDER BY id DESC LIMIT 1")
                .fetch_optional(&self.db).await.map_err(store)?;
        Ok(row.map(|(at, last_row, row_at, head, signature)| {
            let checkpoint = Checkpoint { at, last_row, row_at, head };
            let key = UnparsedPublicKey::new(&ED25519, self.signer.public_key().as_ref());
            let genuine = unhex(&signature).is_some_and(|sig| key.verify(&checkpoint.signed_bytes(), &sig).is_ok());
            (checkpoint, genuine)
        }))
    }

    /// Sign the head every `every`, for as long as the webmail runs.
    pub fn keep_signing(self: std::sync::Arc<Self>, every: std::time::Duration) {
        self.repeat(std::time::Duration::ZERO, every, "checkpoint NOT signed", |traces| async move { traces.checkpoint().await });
    }

    /// Remove the rows past the retention period every `every`, for as long as the webmail runs:
    /// an instance that runs for months removes them as they age, not only when it starts. The first
    /// pass comes after `every`: opening the store has just made one.
    pub fn keep_pruning(self: std::sync::Arc<Self>, every: std::time::Duration) {
        self.repeat(every, every, "rows past retention NOT removed", |traces| async move { traces.apply_retention().await });
    }

    /// Run `job` every `every`, the first time after `first`; a failure is logged and tried again next time.
    fn repeat<F, Fut>(self: std::sync::Arc<Self>, first: std::time::Duration, every: std::time::Duration, failure: &'static str, job: F)
    where
        F: Fn(std::sync::Arc<Self>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), Error>> + Send,
    {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + first, every);
            loop {
                ticks.tick().await;
                if let Err(e) = job(self.clone()).await {
                    tracing::error!("access traces: {failure}: {e}");
                }
            }
        });
    }

    /// Walk the whole chain: a row whose content, predecessor or position was altered is found;
    /// then the newest checkpoint: the row it signed must still be there, with the same hash.
    pub async fn verify(&self) -> Result<Integrity, Error> {
        let walked = self.walk().await?;
        let Integrity::Intact { rows } = walked else { return Ok(walked) };
        let Some((checkpoint, genuine)) = self.last_checkpoint().await? else { return Ok(walked) };
        if !genuine {
            return Ok(Integrity::CheckpointForged { signed_at: app::format::timestamp(checkpoint.at) });
        }
        let signed: Option<String> = sqlx::query_scalar("SELECT hash FROM access_traces WHERE id = $1")
            .bind(checkpoint.last_row).fetch_optional(&self.db).await.map_err(store)?;
        match signed {
            Some(hash) if hash == checkpoint.head => Ok(Integrity::Intact { rows }),
            Some(_) => Ok(Integrity::Broken { at_row: checkpoint.last_row }),
            // gone by retention, which anchors the chain on the last row it removed: only a row older
            // than the retention period can be (its time is signed), anything else was removed
            None if checkpoint.row_at < unix_now() - self.retention_days * 86_400
                && self.anchor_row().await?.is_some_and(|removed| removed >= checkpoint.last_row) =>
            {
                Ok(Integrity::Intact { rows })
            }
            None => {
                let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM access_traces").fetch_one(&self.db).await.map_err(store)?;
                Ok(Integrity::Truncated { signed_row: checkpoint.last_row, newest_row: newest.unwrap_or(0), signed_at: app::format::timestamp(checkpoint.at) })
            }
        }
    }

    /// The last row retention removed, if it removed any (the anchor's row).
    async fn anchor_row(&self) -> Result<Option<i64>, Error> {
        sqlx::query_scalar("SELECT last_row FROM access_trace_anchor LIMIT 1").fetch_optional(&self.db).await.map_err(store)
    }

    /// The hash chain from the anchor to the newest row.
    async fn walk(&self) -> Result<Integrity, Error> {
        let mut previous = anchor(&mut *self.db.acquire().await.map_err(store)?).await?;
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
        let (_one_writer, mut tx) = self.writing().await?;
        let before = unix_now() - self.retention_days * 86_400;
        let last_removed: Option<(i64, String)> =
            sqlx::query_as("SELECT id, hash FROM access_traces WHERE at < $1 ORDER BY id DESC LIMIT 1")
                .bind(before).fetch_optional(&mut *tx).await.map_err(store)?;
        if let Some((id, hash)) = last_removed {
            sqlx::query("DELETE FROM access_traces WHERE id <= $1").bind(id).execute(&mut *tx).await.map_err(store)?;
            sqlx::query("DELETE FROM access_trace_anchor").execute(&mut *tx).await.map_err(store)?;
            sqlx::query("INSERT INTO access_trace_anchor (hash, last_row) VALUES ($1, $2)").bind(&hash).bind(id).execute(&mut *tx).await.map_err(store)?;
            tracing::info!("access traces: rows up to {id} removed after {} days", self.retention_days);
        }
        tx.commit().await.map_err(store)
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
            request: "UID FETCH 4 (BODY.PEEK[])".into(),
            answer: "OK".into(),
        }
    }

    async fn store_with(rows: &[(&str, i64)]) -> (std::sync::Arc<TraceStore>, std::path::PathBuf) {
        let path = std::env::temp_dir().join(format!("traces-{}-{}.db", std::process::id(), rand::random::<u32>()));
        let traces = std::sync::Arc::new(TraceStore::open(&format!("sqlite://{}?mode=rwc", path.display()), 365, &path.with_extension("key")).await.unwrap());
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

    /// A request may be dropped at any await (the browser gave up, a tab was closed): the trace
    /// it was recording is stored all the same, and the store goes on answering.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_recording_dropped_midway_neither_loses_its_trace_nor_blocks_the_next() {
        let (traces, path) = store_with(&[]).await;
        let now = unix_now();
        for i in 0..200u64 {
            // given up after 0 to 3 ms: before, during and after its transaction
            let _ = tokio::time::timeout(std::time::Duration::from_micros(i * 15 % 3000), traces.record(&trace("lecture", now))).await;
        }
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), traces.record(&trace("envoi", now))).await;
        assert!(matches!(next, Ok(Ok(()))), "the store answers after recordings dropped midway: {next:?}");
        // the recordings given up go on in their own tasks: wait for the last of them (bounded)
        let mut integrity = traces.verify().await.unwrap();
        for _ in 0..100 {
            if integrity == (Integrity::Intact { rows: 201 }) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            integrity = traces.verify().await.unwrap();
        }
        assert_eq!(integrity, Integrity::Intact { rows: 201 }, "every trace kept, the chain whole");
        std::fs::remove_file(path).unwrap();
    }

    #[tokio::test]
    async fn the_server_answer_is_part_of_the_chain() {
        let (traces, path) = store_with(&[("lecture", unix_now()), ("suppression", unix_now())]).await;
        assert_eq!(traces.execute_unchecked("UPDATE access_traces SET answer = 'NO [NOPERM]' WHERE id = 1").await.unwrap(), 1);
        assert_eq!(traces.verify().await.unwrap(), Integrity::Broken { at_row: 1 });
        std::fs::remove_file(path).unwrap();
    }

    #[tokio::test]
    async fn a_checkpoint_older_than_retention_may_name_a_removed_row() {
        let now = unix_now();
        let (traces, path) = store_with(&[("lecture", now - 400 * 86_400), ("lecture", now - 390 * 86_400)]).await;
        traces.checkpoint().await.unwrap();
        traces.apply_retention().await.unwrap();
        assert_eq!(traces.verify().await.unwrap(), Integrity::Intact { rows: 0 }, "retention removed the signed row");
        traces.record(&trace("envoi", now)).await.unwrap();
        traces.checkpoint().await.unwrap();
        assert_eq!(traces.execute_unchecked("DELETE FROM access_traces").await.unwrap(), 1);
        // the same, done by hand: the anchor moved past the signed row
        traces.execute_unchecked("UPDATE access_trace_anchor SET last_row = 99").await.unwrap();
        assert!(matches!(traces.verify().await.unwrap(), Integrity::Truncated { signed_row: 3, newest_row: 0, .. }), "a recent row cannot be gone by retention");
        std::fs::remove_file(path).unwrap();
    }

    #[tokio::test]
    async fn retention_removes_old_rows_and_the_chain_still_verifies() {
        let now = unix_now();
        let (traces, path) = store_with(&[("lecture", now - 400 * 86_400), ("lecture", now - 390 * 86_400), ("envoi", now)]).await;
        traces.checkpoint().await.unwrap();
        traces.apply_retention().await.unwrap();
        let left = traces.list("secretariat-cardio@hopital-demo.mssante.fr", None, None, 0, i64::MAX).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(traces.verify().await.unwrap(), Integrity::Intact { rows: 1 });
        traces.record(&trace("lecture", now)).await.unwrap();
        assert_eq!(traces.verify().await.unwrap(), Integrity::Intact { rows: 2 });
        std::fs::remove_file(path).unwrap();
    }

    #[tokio::test]
    async fn a_running_store_removes_rows_as_they_pass_retention() {
        let now = unix_now();
        let (traces, path) = store_with(&[("envoi", now)]).await;
        traces.clone().keep_pruning(std::time::Duration::from_millis(50));
        // a row that reaches the end of its retention while the store runs (written here already aged)
        traces.record(&trace("lecture", now - 366 * 86_400)).await.unwrap();
        let mailbox = "secretariat-cardio@hopital-demo.mssante.fr";
        let mut left = usize::MAX;
        for _ in 0..100 {
            left = traces.list(mailbox, None, Some("lecture"), 0, i64::MAX).await.unwrap().len();
            if left == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(left, 0, "the aged row is still there 5 s later");
        // retention cuts up to the aged row (the newer one before it goes too: rows leave in order)
        assert_eq!(traces.verify().await.unwrap(), Integrity::Intact { rows: 0 });
        std::fs::remove_file(path).unwrap();
    }
}
