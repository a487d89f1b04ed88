//! Browser-facing sign-in routes: /auth/login → PSC → /auth/callback, and /auth/logout.

use crate::error::{Error, report};
use crate::store::signals::Signals;
use crate::gateway::psc::Psc;
use crate::store::session::{self, Sessions};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use tower_sessions::Session;

#[derive(Clone)]
pub struct AuthState {
    pub psc: Arc<Psc>,
    pub sessions: Arc<Sessions>,
    pub signals: Arc<Signals>,
}

/// Back to the sign-in page with the error's code; the page words it in French.
fn to_sign_in_page(e: Error) -> Response {
    Redirect::to(&format!("/?erreur={}", report(e).code())).into_response()
}

pub async fn login(State(auth): State<AuthState>, session: Session) -> Response {
    let started = async {
        let (url, pending) = auth.psc.begin().await?;
        session::set_pending(&session, &pending).await?;
        Ok::<_, Error>(url)
    };
    match started.await {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => to_sign_in_page(e),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(State(auth): State<AuthState>, session: Session, Query(q): Query<CallbackQuery>) -> Response {
    let finished = async {
        // the pending sign-in is used once, whatever the outcome
        let pending = session::pending(&session).await?;
        let state = q.state.as_deref().unwrap_or_default();
        if pending.as_ref().is_none_or(|p| p.state != state) {
            return Err(Error::StateMismatch);
        }
        if let Some(error) = q.error {
            return Err(Error::PscRefused(error));
        }
        let code = q.code.ok_or_else(|| Error::PscRefused("no code".into()))?;
        let user = auth.psc.finish(pending, &code, state).await?;
        tracing::info!(subject = %user.identity.subject, "signed in");
        auth.sessions.sign_in(&session, &user).await
    };
    match finished.await {
        Ok(()) => Redirect::to("/").into_response(),
        Err(e) => to_sign_in_page(e),
    }
}

/// POST only, and same origin only (checked for every state-changing request by `guard.rs`).
pub async fn logout(State(auth): State<AuthState>, session: Session) -> Response {
    let user = auth.sessions.user(&session).await.ok().flatten();
    if let Err(e) = session::sign_out(&session).await {
        return to_sign_in_page(e);
    }
    let psc_logout = match user {
        Some(user) => {
            auth.signals.forget_everywhere(&user.identity.mailbox).await;
            auth.psc.logout_url(&user.tokens.id_token).await
        }
        None => None,
    };
    Redirect::to(psc_logout.as_deref().unwrap_or("/")).into_response()
}
