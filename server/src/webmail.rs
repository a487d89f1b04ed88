//! The server side of the server functions: session checks, token renewal, IMAP.

use crate::error::{Error, report};
use crate::imap::{ImapGateway, ImapSession};
use crate::psc::{Psc, ProfessionalId, unix_now};
use crate::session::{self, SignedInUser};
use app::api::{Me, MessageList, MessageView};
use app::backend::{Reply, Webmail};
use std::sync::Arc;
use tower_sessions::Session;

pub struct Backend {
    pub psc: Arc<Psc>,
    pub imap: ImapGateway,
}

impl Backend {
    async fn signed_in(&self, session: &Session) -> Result<SignedInUser, Error> {
        session::user(session).await?.ok_or(Error::NotSignedIn)
    }

    async fn renew(&self, session: &Session, user: &mut SignedInUser) -> Result<(), Error> {
        match self.psc.refresh(&user.tokens).await {
            Ok(tokens) => {
                user.tokens = tokens;
                session::update_user(session, user).await
            }
            Err(e) => {
                session::sign_out(session).await?;
                Err(e)
            }
        }
    }

    /// An authenticated IMAP session for the signed-in user, renewing the token when it is
    /// about to expire or when the operator refuses it once.
    async fn open_imap(&self, session: &Session) -> Result<(ImapSession, SignedInUser), Error> {
        let mut user = self.signed_in(session).await?;
        let mut renewed = false;
        if user.tokens.renew_after <= unix_now() {
            self.renew(session, &mut user).await?;
            renewed = true;
        }
        match self.imap.open(&user.mailbox, &user.tokens.access_token).await {
            Err(Error::OperatorRefused(_)) if !renewed && user.tokens.refresh_token.is_some() => {
                self.renew(session, &mut user).await?;
            }
            Err(Error::OperatorRefused(reason)) => {
                session::sign_out(session).await?;
                return Err(Error::OperatorRefused(reason));
            }
            other => return other.map(|imap| (imap, user)),
        }
        match self.imap.open(&user.mailbox, &user.tokens.access_token).await {
            Err(Error::OperatorRefused(reason)) => {
                session::sign_out(session).await?;
                Err(Error::OperatorRefused(reason))
            }
            other => other.map(|imap| (imap, user)),
        }
    }

    async fn inbox(&self, session: Session) -> Result<MessageList, Error> {
        let (mut imap, user) = self.open_imap(&session).await?;
        let list = imap.inbox(&user.mailbox, unix_now()).await;
        imap.logout().await;
        list
    }

    async fn message(&self, session: Session, uid: u32) -> Result<MessageView, Error> {
        let (mut imap, _) = self.open_imap(&session).await?;
        let message = imap.message(uid).await;
        imap.logout().await;
        message
    }
}

impl Webmail for Backend {
    fn current_user(&self, session: Session) -> Reply<'_, Option<Me>> {
        Box::pin(async move {
            let user = session::user(&session).await.map_err(report)?;
            Ok(user.map(|u| Me {
                display_name: format!("{} {}", u.given_name, u.family_name).trim().to_string(),
                professional_id: ProfessionalId::from_subject_name_id(&u.subject_name_id).label(),
                mailbox: u.mailbox,
            }))
        })
    }

    fn list_inbox(&self, session: Session) -> Reply<'_, MessageList> {
        Box::pin(async move { self.inbox(session).await.map_err(report) })
    }

    fn read_message(&self, session: Session, uid: u32) -> Reply<'_, MessageView> {
        Box::pin(async move { self.message(session, uid).await.map_err(report) })
    }
}
