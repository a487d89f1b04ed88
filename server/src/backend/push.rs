//! New mail pushed to the open pages: one IMAP IDLE per user and folder, shared by every tab that
//! shows that folder. Tabs are normal use; each holding a connection of its own spent the
//! operator's small per-user allowance (and the fourth got "too many").

use super::{Backend, Caller};
use crate::clock::unix_now;
use crate::error::Error;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// Folders one user may have watched at once (each holds an IDLE connection).
pub const WATCHED_FOLDERS_PER_USER: usize = 3;
/// How long one IDLE lasts before checking that some page still listens.
const IDLE_ROUND: Duration = Duration::from_secs(25);

/// The running watches, by (mailbox, folder).
pub(super) type Watches = Arc<Mutex<HashMap<(String, String), broadcast::Sender<()>>>>;

impl Backend {
    /// Folders watched now, all users together (metrics).
    pub fn push_stream_count(&self) -> usize {
        self.watches.lock().unwrap().len()
    }

    /// Changes of `folder` for the caller: a message on each change, the channel closed when the
    /// watch ends (sign-out, the token it was opened with expires, the operator drops it). Joins
    /// the watch of that folder when one runs, else starts one.
    pub async fn watch(&self, caller: &Caller, folder: &str) -> Result<broadcast::Receiver<()>, Error> {
        let key = (caller.identity.mailbox.clone(), folder.to_string());
        if let Some(running) = self.watches.lock().unwrap().get(&key) {
            return Ok(running.subscribe());
        }
        let limit = self
            .watch_limits
            .lock()
            .unwrap()
            .entry(caller.identity.mailbox.clone())
            .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(WATCHED_FOLDERS_PER_USER)))
            .clone();
        let permit = limit.try_acquire_owned().map_err(|_| {
            Error::TooMany("Trop de dossiers sont ouverts dans vos onglets : les nouveaux messages n'y arrivent plus automatiquement.".into())
        })?;
        let mut imap = self.imap.gateway().open(&caller.identity.mailbox, &caller.access_token()).await?;
        let (changes, listener) = broadcast::channel(16);
        self.watches.lock().unwrap().insert(key.clone(), changes.clone());
        let mut sign_outs = self.imap.sign_outs(&caller.identity.mailbox);
        let expires_at = caller.access_expires_at();
        let watches = self.watches.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let folder = key.1.clone();
            while changes.receiver_count() > 0 && unix_now() < expires_at {
                let waited = tokio::select! {
                    waited = imap.wait_for_change(&folder, IDLE_ROUND) => waited,
                    // signed out (or rights changed): the connection is dropped in the middle of its IDLE
                    _ = sign_outs.changed() => break,
                };
                match waited {
                    Ok((again, changed)) => {
                        imap = again;
                        if changed {
                            let _ = changes.send(());
                        }
                    }
                    Err(e) => {
                        tracing::info!("push watch ended: {e}");
                        break;
                    }
                }
            }
            // the next page to ask starts a new watch, with its own fresh token
            let mut running = watches.lock().unwrap();
            if running.get(&key).is_some_and(|r| r.same_channel(&changes)) {
                running.remove(&key);
            }
        });
        Ok(listener)
    }
}
