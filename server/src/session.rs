//! What a browser session holds on the server (SQLite via tower-sessions). The browser only ever
//! gets the opaque session id cookie: tokens stay here.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

const PENDING: &str = "psc.pending";
const USER: &str = "psc.user";
/// Why the last sign-in ended without the user signing out (token expired or refused).
const ENDED: &str = "psc.ended";

/// A sign-in under way: what the PSC answer must match.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub started_at: i64,
}

/// The signed-in professional and their PSC tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedInUser {
    /// PSC `sub`.
    pub subject: String,
    /// PSC SubjectNameID / preferred_username: '8' + RPPS or '0' + ADELI.
    pub subject_name_id: String,
    pub given_name: String,
    pub family_name: String,
    /// Nominative MSSanté mailbox (operator's mapping of the identity).
    pub mailbox: String,
    pub tokens: Tokens,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    /// Unix seconds.
    pub access_expires_at: i64,
    /// Unix seconds after which the token is renewed before use: a fifth of its lifetime (at most
    /// 30 s) before it expires, so that a request never reaches the operator with a dying token.
    pub renew_after: i64,
    pub refresh_token: Option<String>,
    pub id_token: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").field("access_expires_at", &self.access_expires_at).finish_non_exhaustive()
    }
}

pub async fn pending(session: &Session) -> Result<Option<PendingLogin>, Error> {
    Ok(session.remove(PENDING).await?)
}

pub async fn set_pending(session: &Session, pending: &PendingLogin) -> Result<(), Error> {
    Ok(session.insert(PENDING, pending).await?)
}

pub async fn user(session: &Session) -> Result<Option<SignedInUser>, Error> {
    Ok(session.get(USER).await?)
}

/// Store the user, under a new session id (no session fixation across sign-in).
pub async fn sign_in(session: &Session, user: &SignedInUser) -> Result<(), Error> {
    session.cycle_id().await?;
    session.remove_value(ENDED).await?;
    Ok(session.insert(USER, user).await?)
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

/// The signed-in user, or why there is none.
pub async fn require_user(session: &Session) -> Result<SignedInUser, Error> {
    if let Some(user) = user(session).await? {
        return Ok(user);
    }
    Err(match session.get::<Ended>(ENDED).await? {
        Some(Ended::Expired) => Error::TokenExpired,
        Some(Ended::Refused) => Error::OperatorRefused("earlier in this session".into()),
        None => Error::NotSignedIn,
    })
}

pub async fn update_user(session: &Session, user: &SignedInUser) -> Result<(), Error> {
    Ok(session.insert(USER, user).await?)
}

pub async fn sign_out(session: &Session) -> Result<(), Error> {
    Ok(session.flush().await?)
}
