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
    async fn open_imap(&self, caller: &Caller, fresh: bool) -> Result<Lent, Error> {
        let mut taken = self.imap.take(&caller.identity.mailbox, &caller.access_token(), fresh).await;
        if matches!(taken, Err(Error::OperatorBusy(_))) {
            // the operator's per-user allowance is full (other clients of the user): once more, later
            tokio::time::sleep(BUSY_RETRY_AFTER).await;
            taken = self.imap.take(&caller.identity.mailbox, &caller.access_token(), true).await;
        }
        match taken {
            Err(Error::OperatorRefused(_)) if caller.may_renew() => caller.renew().await?,
            Err(e @ Error::OperatorRefused(_)) => {
                caller.end(&e).await?;
                return Err(e);
            }
            other => return other,
        }
        match self.imap.take(&caller.identity.mailbox, &caller.access_token(), fresh).await {
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
        let mut lent = self.open_imap(caller, false).await?;
        let mut result = work.clone()(&mut lent.session).await;
        if lent.reused && matches!(result, Err(Error::OperatorUnreachable(_))) {
            lent = self.open_imap(caller, true).await?;
            result = work(&mut lent.session).await;
        }
        match result {
            Err(Error::OperatorUnreachable(_) | Error::Imap(_)) => {} // the connection is not reused
            _ if lent.session.is_broken() => {}
            _ => self.imap.give_back(lent),
        }
        result
    }
}
