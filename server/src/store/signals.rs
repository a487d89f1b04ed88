//! What one instance tells the others sharing its PostgreSQL database (LISTEN/NOTIFY): that a
//! user signed out or had their rights changed, so that every instance closes that user's pooled
//! IMAP connections and push streams, not only the one that served the request. On one machine
//! (SQLite) there are no others: only the local pool is told.

use crate::gateway::pool::ImapPool;
use std::sync::Arc;
use tower_sessions_sqlx_store::sqlx::{self, PgPool, postgres::PgListener};

/// The channel of the notifications; the payload is the mailbox whose connections are closed.
const CHANNEL: &str = "webmail_fermer_connexions";

pub struct Signals {
    imap: Arc<ImapPool>,
    shared: Option<PgPool>,
}

impl Signals {
    /// On a shared database, listens for the other instances' notifications for as long as the
    /// server runs (the listener reconnects by itself when PostgreSQL comes back).
    pub fn new(imap: Arc<ImapPool>, shared: Option<PgPool>) -> Arc<Self> {
        if let Some(pool) = &shared {
            tokio::spawn(listen(pool.clone(), imap.clone()));
        }
        Arc::new(Self { imap, shared })
    }

    /// Close `mailbox`'s connections and push streams here and on every other instance.
    pub async fn forget_everywhere(&self, mailbox: &str) {
        self.imap.forget(mailbox).await;
        if let Some(pool) = &self.shared && let Err(e) = sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(mailbox).execute(pool).await {
            tracing::error!("the other instances were NOT told to close a user's connections: {e}");
        }
    }
}

async fn listen(pool: PgPool, imap: Arc<ImapPool>) {
    loop {
        let listening = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen(CHANNEL).await?;
            loop {
                let notification = listener.recv().await?;
                imap.forget(notification.payload()).await;
            }
        };
        let stopped: Result<(), sqlx::Error> = listening.await;
        if let Err(e) = stopped {
            tracing::warn!("listening to the other instances stopped, again in 1 s: {e}");
        }
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
}
