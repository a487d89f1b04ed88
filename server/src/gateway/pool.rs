//! IMAP connections kept per user between requests: at most `PER_USER` in use at once for one
//! mailbox, closed after `IDLE_TIMEOUT` unused, and replaced when the operator's server dropped
//! them (e.g. after a restart). A connection stays authenticated whatever becomes of the token
//! that opened it (the server checked it once, at login): a renewed token opens only new ones,
//! and sign-out closes them all. One that has the wanted folder selected is lent first.

use crate::error::Error;
use super::imap::{ImapGateway, ImapSession};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub const PER_USER: usize = 4;
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);
/// A connection unused for longer than this is checked with NOOP before reuse.
const CHECK_AFTER: Duration = Duration::from_secs(20);
/// How long a request waits for one of the user's connections before it is answered « busy »
/// (a page must never wait without end behind requests that do not finish). Shorter than a page's
/// deadline (`http::slow`), so that a page says why rather than only asking again.
const WAIT_FOR_CONNECTION: Duration = Duration::from_secs(15);

struct Idle {
    session: ImapSession,
    since: Instant,
}

#[derive(Default)]
struct Slots {
    idle: Vec<Idle>,
    limit: Option<Arc<Semaphore>>,
    /// Bumped at sign-out, so that the user's push streams (IDLE) end too.
    sign_outs: Option<tokio::sync::watch::Sender<u64>>,
}

pub struct ImapPool {
    gateway: ImapGateway,
    slots: Mutex<HashMap<String, Slots>>,
}

/// A connection lent out; give it back with [`ImapPool::give_back`] when the work succeeded.
pub struct Lent {
    pub session: ImapSession,
    mailbox: String,
    /// Whether it came from the pool (a dead one is then worth one retry on a fresh connection).
    pub reused: bool,
    _permit: OwnedSemaphorePermit,
}

impl ImapPool {
    pub fn new(gateway: ImapGateway) -> Arc<Self> {
        let pool = Arc::new(Self { gateway, slots: Mutex::new(HashMap::new()) });
        let weak = Arc::downgrade(&pool);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(15));
            loop {
                tick.tick().await;
                let Some(pool) = weak.upgrade() else { return };
                pool.close_idle(IDLE_TIMEOUT).await;
            }
        });
        pool
    }

    pub fn gateway(&self) -> &ImapGateway {
        &self.gateway
    }

    /// A connection for `mailbox`: a pooled one when there is one (unless `fresh`), preferably
    /// with `folder` selected, else a new one authenticated with `token`. Waits while the user
    /// already has `PER_USER` in use, `WAIT_FOR_CONNECTION` at most.
    pub async fn take(&self, mailbox: &str, token: &str, fresh: bool, folder: Option<&str>) -> Result<Lent, Error> {
        let limit = {
            let mut slots = self.slots.lock().unwrap();
            let slot = slots.entry(mailbox.to_string()).or_default();
            slot.limit.get_or_insert_with(|| Arc::new(Semaphore::new(PER_USER))).clone()
        };
        let permit = tokio::time::timeout(WAIT_FOR_CONNECTION, limit.acquire_owned())
            .await
            .map_err(|_| {
                tracing::warn!("a request waited {WAIT_FOR_CONNECTION:?} for one of a user's {PER_USER} IMAP connections");
                Error::TooMany("Trop de demandes sont en cours pour votre boîte aux lettres : réessayez dans un instant.".into())
            })?
            .map_err(|_| Error::OperatorUnreachable("pool closed".into()))?;
        if fresh {
            // asked for because the pooled ones failed or were refused: they all go, so that idle
            // and in use together stay within PER_USER, below the operator's per-user limit
            let idle = std::mem::take(&mut self.slots.lock().unwrap().entry(mailbox.to_string()).or_default().idle);
            for c in idle {
                c.session.logout().await;
            }
        } else {
            loop {
                let pooled = {
                    let mut slots = self.slots.lock().unwrap();
                    let slot = slots.entry(mailbox.to_string()).or_default();
                    let position = slot.idle.iter().rposition(|c| folder.is_some() && c.session.selected_folder() == folder);
                    position.or(slot.idle.len().checked_sub(1)).map(|i| slot.idle.remove(i))
                };
                let Some(mut idle) = pooled else { break };
                if idle.since.elapsed() < CHECK_AFTER || idle.session.noop().await.is_ok() {
                    return Ok(Lent { session: idle.session, mailbox: mailbox.into(), reused: true, _permit: permit });
                }
                // dropped by the server: try the next one, or open a new one
            }
        }
        let session = self.gateway.open(mailbox, token).await?;
        Ok(Lent { session, mailbox: mailbox.into(), reused: false, _permit: permit })
    }

    /// Back into the pool, for the user's next request; the oldest goes beyond `PER_USER`.
    pub fn give_back(&self, lent: Lent) {
        let surplus = {
            let mut slots = self.slots.lock().unwrap();
            let slot = slots.entry(lent.mailbox).or_default();
            slot.idle.push(Idle { session: lent.session, since: Instant::now() });
            (slot.idle.len() > PER_USER).then(|| slot.idle.remove(0))
        };
        if let Some(c) = surplus {
            tokio::spawn(c.session.logout());
        }
    }

    /// Told when the user of `mailbox` signs out.
    pub fn sign_outs(&self, mailbox: &str) -> tokio::sync::watch::Receiver<u64> {
        let mut slots = self.slots.lock().unwrap();
        let slot = slots.entry(mailbox.to_string()).or_default();
        slot.sign_outs.get_or_insert_with(|| tokio::sync::watch::channel(0).0).subscribe()
    }

    /// Close the user's connections at sign-out, the push streams' included.
    pub async fn forget(&self, mailbox: &str) {
        let idle = {
            let mut slots = self.slots.lock().unwrap();
            let slot = slots.get_mut(mailbox);
            if let Some(tx) = slot.as_ref().and_then(|s| s.sign_outs.as_ref()) {
                tx.send_modify(|n| *n += 1);
            }
            slot.map(|s| std::mem::take(&mut s.idle)).unwrap_or_default()
        };
        for c in idle {
            c.session.logout().await;
        }
    }

    /// At shutdown: every push stream ends (the browsers reconnect to another instance) and every
    /// pooled connection is closed with LOGOUT. Called again once the running requests are done,
    /// for the connections they gave back meanwhile.
    pub async fn shut_down(&self) {
        let mailboxes: Vec<String> = self.slots.lock().unwrap().keys().cloned().collect();
        for mailbox in mailboxes {
            self.forget(&mailbox).await;
        }
    }

    async fn close_idle(&self, older_than: Duration) {
        let expired: Vec<Idle> = {
            let mut slots = self.slots.lock().unwrap();
            let mut expired = Vec::new();
            for slot in slots.values_mut() {
                let (old, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut slot.idle).into_iter().partition(|c| c.since.elapsed() >= older_than);
                slot.idle = keep;
                expired.extend(old);
            }
            slots.retain(|_, s| !s.idle.is_empty() || s.limit.as_ref().is_some_and(|l| l.available_permits() < PER_USER));
            expired
        };
        for c in expired {
            c.session.logout().await;
        }
    }

    /// Pooled connections of all users now (metrics).
    pub fn idle_total(&self) -> usize {
        self.slots.lock().unwrap().values().map(|s| s.idle.len()).sum()
    }

    /// Pooled connections now (for tests and the benchmark).
    pub fn idle_count(&self, mailbox: &str) -> usize {
        self.slots.lock().unwrap().get(mailbox).map_or(0, |s| s.idle.len())
    }
}
