//! The caller of one request: who (the PSC identity and a fresh token) and from where (IP, browser),
//! resolved once when the request enters the backend and handed to everything it does.

use crate::clock::unix_now;
use crate::error::Error;
use crate::gateway::Exchange;
use crate::gateway::psc::Psc;
use crate::identity::{Identity, SignedInUser, Tokens};
use crate::store::session::{self, Sessions};
use app::backend::{Request, RequestMemo};
use std::sync::{Arc, Mutex};
use tower_sessions::Session;

/// Commands one request's trace names at most.
const MAX_EXCHANGES: usize = 24;

/// The browser a request came from, for the access traces.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
    /// The call came from the webmail's page script (a server function's own POST, its origin
    /// checked), not from a page load (a GET, which a link on any site can cause): only such a
    /// call may change anything as a side effect.
    pub own_call: bool,
    memo: RequestMemo,
    /// What was asked of the operator for this request and what it answered, until a trace takes it.
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Client {
    pub fn of(parts: Option<&http::request::Parts>, memo: RequestMemo, own_call: bool) -> Self {
        let ip = parts
            .and_then(|p| p.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>())
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "inconnue".into());
        let user_agent = parts
            .and_then(|p| p.headers.get(http::header::USER_AGENT))
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        Client { ip, user_agent: user_agent.chars().take(300).collect(), own_call, memo, exchanges: Arc::default() }
    }

    /// True the first time this request does what `key` names (see [`RequestMemo`]).
    pub fn first(&self, key: String) -> bool {
        self.memo.first(key)
    }

    /// Note commands sent for this request and their answers (the first [`MAX_EXCHANGES`]).
    pub fn exchanged(&self, more: Vec<Exchange>) {
        let mut exchanges = self.exchanges.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let room = MAX_EXCHANGES.saturating_sub(exchanges.len());
        exchanges.extend(more.into_iter().take(room));
    }

    /// The commands noted since the last call.
    pub fn take_exchanges(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.exchanges.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

pub struct Caller {
    pub identity: Identity,
    pub client: Client,
    /// Renewed in place when PSC gives new ones; the session is updated with them.
    tokens: Mutex<Tokens>,
    renewed: std::sync::atomic::AtomicBool,
    session: Session,
    psc: Arc<Psc>,
    sessions: Arc<Sessions>,
}

impl Caller {
    /// The signed-in user of the request's session (read once), with the access token renewed
    /// first when it is close to expiry.
    pub async fn resolve(psc: Arc<Psc>, sessions: Arc<Sessions>, request: Request) -> Result<Self, Error> {
        let SignedInUser { identity, tokens } = sessions.require_user(&request.session).await?;
        let due = tokens.renew_after <= unix_now();
        let caller = Caller {
            identity,
            client: Client::of(request.parts.as_ref(), request.memo, request.response.is_some()),
            tokens: Mutex::new(tokens),
            renewed: Default::default(),
            session: request.session,
            psc,
            sessions,
        };
        if due {
            caller.renew().await?;
        }
        Ok(caller)
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn access_token(&self) -> String {
        self.tokens().access_token.clone()
    }

    pub fn access_expires_at(&self) -> i64 {
        self.tokens().access_expires_at
    }

    /// Whether one more renewal is worth trying: not done yet in this request, and possible.
    pub fn may_renew(&self) -> bool {
        !self.renewed.load(std::sync::atomic::Ordering::Relaxed) && self.tokens().refresh_token.is_some()
    }

    /// New tokens from PSC, kept in the session; when PSC refuses, the session ends (and says why).
    pub async fn renew(&self) -> Result<(), Error> {
        let current = self.tokens().clone();
        // counted where PSC is asked: tabs renewing at once share one renewal
        let refresh = || async {
            let renewed = self.psc.refresh(&current).await;
            crate::metrics::token_renewal(renewed.is_ok());
            renewed
        };
        match self.sessions.renew_once(&self.session, &current, refresh).await {
            Ok(tokens) => {
                *self.tokens() = tokens.clone();
                self.renewed.store(true, std::sync::atomic::Ordering::Relaxed);
                self.sessions.update_user(&self.session, &SignedInUser { identity: self.identity.clone(), tokens }).await
            }
            Err(e) => {
                self.end(&e).await?;
                Err(e)
            }
        }
    }

    /// The access token, renewed first if it became due while this request ran (a send after
    /// long IMAP work).
    pub async fn fresh_token(&self) -> Result<String, Error> {
        if self.tokens().renew_after <= unix_now() {
            self.renew().await?;
        }
        Ok(self.access_token())
    }

    /// The operator refused the token for good: forget the user's tokens, remember why.
    pub async fn end(&self, why: &Error) -> Result<(), Error> {
        session::end(&self.session, why).await
    }
}
