//! What a browser session holds on the server (SQLite via tower-sessions). The browser only ever
//! gets the opaque session id cookie; the PSC tokens stay here, sealed ([`Sealer`]), so that a copy
//! of the session database gives no access to any mailbox.

use crate::error::Error;
use crate::identity::{Identity, PendingLogin, SignedInUser, Tokens};
use app::reading::ListView;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use super::sealer::Sealer;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower_sessions::Session;

const PENDING: &str = "psc.pending";
const USER: &str = "psc.user";
/// Why the last sign-in ended without the user signing out (token expired or refused).
const ENDED: &str = "psc.ended";
/// How the user last chose to list folders (by message or by conversation).
const LIST_VIEW: &str = "liste.vue";

/// The user as stored: who in clear (shown on every page), their tokens sealed.
#[derive(Serialize, Deserialize)]
struct StoredUser {
    #[serde(flatten)]
    identity: Identity,
    sealed_tokens: String,
}

/// The signed-in users of the browser sessions, their tokens sealed.
pub struct Sessions {
    sealer: Arc<Sealer>,
    /// Per session, the last tokens renewed and when, behind a lock that one renewal holds at a
    /// time: the tabs of a user asking at the same moment take the tokens the first one got
    /// (PSC gives each refresh token once; a second use would end the whole sign-in).
    renewals: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<LastRenewal>>>>,
}

/// A session's last renewal: when, and the tokens it got.
type LastRenewal = Option<(Instant, Tokens)>;

/// How long tokens just renewed are handed to requests that read the older ones.
const RENEWAL_SHARED: Duration = Duration::from_secs(120);

impl Sessions {
    pub fn new(sealer: Arc<Sealer>) -> Self {
        Self { sealer, renewals: Default::default() }
    }

    /// New tokens for the session whose request read `current`: from `renew` (PSC), or the ones
    /// another request of the same session got meanwhile. One renewal per session at a time.
    pub async fn renew_once<F: Future<Output = Result<Tokens, Error>>>(
        &self,
        session: &Session,
        current: &Tokens,
        renew: impl FnOnce() -> F,
    ) -> Result<Tokens, Error> {
        let Some(id) = session.id().map(|id| id.to_string()) else { return renew().await };
        let slot = {
            let mut renewals = self.renewals.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            // forget sessions that nobody is renewing and that renewed long enough ago
            renewals.retain(|_, slot| {
                Arc::strong_count(slot) > 1 || slot.try_lock().is_ok_and(|last| last.as_ref().is_some_and(|(at, _)| at.elapsed() < RENEWAL_SHARED))
            });
            renewals.entry(id).or_default().clone()
        };
        let mut last = slot.lock().await;
        if let Some((at, tokens)) = last.as_ref() && at.elapsed() < RENEWAL_SHARED && tokens.access_token != current.access_token {
            return Ok(tokens.clone()); // renewed by another request since this one read the session
        }
        let tokens = renew().await?;
        *last = Some((Instant::now(), tokens.clone()));
        Ok(tokens)
    }

    fn seal(&self, tokens: &Tokens) -> Result<String, Error> {
        let plain = serde_json::to_vec(tokens).map_err(super::store)?;
        Ok(STANDARD_NO_PAD.encode(self.sealer.seal(&plain)?))
    }

    /// The tokens, or none when they were sealed with another key (or altered).
    fn unseal(&self, sealed: &str) -> Option<Tokens> {
        serde_json::from_slice(&self.sealer.open_sealed(&STANDARD_NO_PAD.decode(sealed).ok()?)?).ok()
    }

    /// The signed-in user; none when the session holds nobody, or nothing this key opens (a
    /// session from before the key changed, or from before tokens were sealed).
    pub async fn user(&self, session: &Session) -> Result<Option<SignedInUser>, Error> {
        let Some(stored) = session.get::<serde_json::Value>(USER).await? else { return Ok(None) };
        let user = serde_json::from_value::<StoredUser>(stored)
            .ok()
            .and_then(|s| Some(SignedInUser { tokens: self.unseal(&s.sealed_tokens)?, identity: s.identity }));
        if user.is_none() {
            session.remove_value(USER).await?;
        }
        Ok(user)
    }

    /// Store the user, under a new session id (no session fixation across sign-in).
    pub async fn sign_in(&self, session: &Session, user: &SignedInUser) -> Result<(), Error> {
        session.cycle_id().await?;
        session.remove_value(ENDED).await?;
        self.update_user(session, user).await
    }

    pub async fn update_user(&self, session: &Session, user: &SignedInUser) -> Result<(), Error> {
        let stored = StoredUser { identity: user.identity.clone(), sealed_tokens: self.seal(&user.tokens)? };
        Ok(session.insert(USER, stored).await?)
    }

    /// The signed-in user, or why there is none.
    pub async fn require_user(&self, session: &Session) -> Result<SignedInUser, Error> {
        if let Some(user) = self.user(session).await? {
            return Ok(user);
        }
        Err(match session.get::<Ended>(ENDED).await? {
            Some(Ended::Expired) => Error::TokenExpired,
            Some(Ended::Refused) => Error::OperatorRefused("earlier in this session".into()),
            None => Error::NotSignedIn,
        })
    }
}

pub async fn pending(session: &Session) -> Result<Option<PendingLogin>, Error> {
    Ok(session.remove(PENDING).await?)
}

pub async fn set_pending(session: &Session, pending: &PendingLogin) -> Result<(), Error> {
    Ok(session.insert(PENDING, pending).await?)
}

#[derive(Serialize, Deserialize)]
enum Ended {
    Expired,
    Refused,
}

/// Forget the user's tokens but remember why, so that every request of this browser says
/// so (once for the whole page) until the user signs in again.
pub async fn end(session: &Session, why: &Error) -> Result<(), Error> {
    session.remove_value(USER).await?;
    let ended = if matches!(why, Error::OperatorRefused(_)) { Ended::Refused } else { Ended::Expired };
    Ok(session.insert(ENDED, ended).await?)
}

/// The list view `asked` for, kept for the rest of the session; without one, the one kept last
/// (one row per message at first).
pub async fn list_view(session: &Session, asked: Option<ListView>) -> Result<ListView, Error> {
    match asked {
        Some(view) => {
            if session.get::<ListView>(LIST_VIEW).await? != Some(view) {
                session.insert(LIST_VIEW, view).await?;
            }
            Ok(view)
        }
        None => Ok(session.get::<ListView>(LIST_VIEW).await?.unwrap_or(ListView::Messages)),
    }
}

pub async fn sign_out(session: &Session) -> Result<(), Error> {
    Ok(session.flush().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions(key: &std::path::Path) -> Sessions {
        Sessions::new(Arc::new(Sealer::open(key).unwrap()))
    }

    fn user() -> SignedInUser {
        SignedInUser {
            identity: Identity { subject: "s".into(), subject_name_id: "810100000017".into(), given_name: "Claire".into(), family_name: "DUBOIS".into(), mailbox: "c@h.fr".into() },
            tokens: Tokens { access_token: "eyJ.acces.secret".into(), access_expires_at: 1, renew_after: 1, refresh_token: Some("rafraichissement-secret".into()), id_token: "eyJ.id".into() },
        }
    }

    fn key_file() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("session-key-{}-{}", std::process::id(), rand::random::<u64>())).join("session.key")
    }

    #[tokio::test]
    async fn tokens_are_sealed_at_rest_and_open_only_with_the_key() {
        let path = key_file();
        let sessions = sessions(&path);
        let session = Session::new(None, Arc::new(tower_sessions::MemoryStore::default()), None);
        sessions.sign_in(&session, &user()).await.unwrap();
        let stored = session.get::<serde_json::Value>(USER).await.unwrap().unwrap().to_string();
        assert!(stored.contains("c@h.fr") && !stored.contains("secret") && !stored.contains("eyJ"), "{stored}");
        let back = sessions.require_user(&session).await.unwrap();
        assert_eq!((back.tokens.access_token.as_str(), back.tokens.refresh_token.as_deref()), ("eyJ.acces.secret", Some("rafraichissement-secret")));
        // the same file gives the same key (another instance, a restart)
        assert!(super::tests::sessions(&path).user(&session).await.unwrap().is_some());
        // another key opens nothing: the user signs in again
        assert!(matches!(super::tests::sessions(&key_file()).require_user(&session).await, Err(Error::NotSignedIn)));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
