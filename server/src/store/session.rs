//! What a browser session holds on the server (SQLite via tower-sessions). The browser only ever
//! gets the opaque session id cookie: tokens stay here.

use crate::error::Error;
use crate::identity::{PendingLogin, SignedInUser};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

const PENDING: &str = "psc.pending";
const USER: &str = "psc.user";
/// Why the last sign-in ended without the user signing out (token expired or refused).
const ENDED: &str = "psc.ended";

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
