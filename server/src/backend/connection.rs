//! The caller's IMAP connection: taken from the pool with their token, renewed once when the
//! operator refuses it, replaced once when a pooled connection turns out dead.

use super::{Backend, Caller};
use crate::error::Error;
use crate::gateway::imap::ImapSession;
use crate::gateway::pool::Lent;

/// How long to wait before asking a busy operator again.
const BUSY_RETRY_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

impl Backend {
    /// An authenticated IMAP connection (pooled, or new when `fresh`). A refused token is renewed
    /// once; refused again (or not renewable), the session ends.
    async fn open_imap(&self, caller: &Caller, fresh: bool, folder: Option<&str>) -> Result<Lent, Error> {
        let mut taken = self.imap.take(&caller.identity.mailbox, &caller.access_token(), fresh, folder).await;
        if matches!(taken, Err(Error::OperatorBusy(_))) {
            // the operator's per-user allowance is full (other clients of the user): once more, later
            tokio::time::sleep(BUSY_RETRY_AFTER).await;
            taken = self.imap.take(&caller.identity.mailbox, &caller.access_token(), true, folder).await;
        }
        match taken {
            Err(Error::OperatorRefused(_)) if caller.may_renew() => caller.renew().await?,
            Err(e @ Error::OperatorRefused(_)) => {
                caller.end(&e).await?;
                return Err(e);
            }
            other => return other,
        }
        match self.imap.take(&caller.identity.mailbox, &caller.access_token(), fresh, folder).await {
            Err(e @ Error::OperatorRefused(_)) => {
                caller.end(&e).await?;
                Err(e)
            }
            other => other,
        }
    }

    /// Run `work` on the caller's IMAP connection, then return the connection to the pool. A
    /// pooled connection the server has dropped (restart, timeout) gets one retry on a new one.
    pub(super) async fn with_imap<T>(
        &self,
        caller: &Caller,
        work: impl AsyncFnOnce(&mut ImapSession) -> Result<T, Error> + Clone,
    ) -> Result<T, Error> {
        self.with_imap_in(caller, None, work).await
    }

    /// [`Self::with_imap`] for work in `folder`: a connection that has it selected already is
    /// preferred (it spares a SELECT). With the IMAP trace on, the commands sent are logged, with
    /// their durations (names and counts only: never an address, a subject or a folder name).
    pub(super) async fn with_imap_in<T>(
        &self,
        caller: &Caller,
        folder: Option<&str>,
        work: impl AsyncFnOnce(&mut ImapSession) -> Result<T, Error> + Clone,
    ) -> Result<T, Error> {
        let started = std::time::Instant::now();
        let mut lent = self.open_imap(caller, false, folder).await?;
        let reused = lent.reused;
        let mut result = work.clone()(&mut lent.session).await;
        caller.client.exchanged(lent.session.take_exchanges());
        if lent.reused && matches!(result, Err(Error::OperatorUnreachable(_))) {
            // the dead one goes first: kept while taking the next, it would count as one in use
            drop(lent);
            lent = self.open_imap(caller, true, folder).await?;
            result = work(&mut lent.session).await;
            caller.client.exchanged(lent.session.take_exchanges());
        }
        let steps = lent.session.take_trace();
        if self.imap.gateway().traced() {
            let steps: Vec<String> = steps.iter().map(|(command, took)| format!("{command} {:.2} ms", took.as_secs_f64() * 1000.0)).collect();
            let connection = if reused { "connexion réutilisée" } else { "nouvelle connexion" };
            tracing::info!(target: "imap_trace", "{connection} ; {} ; total {:.2} ms", steps.join(" · "), started.elapsed().as_secs_f64() * 1000.0);
        }
        match result {
            Err(Error::OperatorUnreachable(_) | Error::Imap(_)) => {} // the connection is not reused
            _ if lent.session.is_broken() => {}
            _ => self.imap.give_back(lent),
        }
        result
    }
}
