//! The server side of the server functions: session checks, token renewal, IMAP.

use crate::error::{Error, report};
use crate::imap::{ImapSession, PageCache};
use crate::pool::{ImapPool, Lent};
use crate::psc::{Psc, ProfessionalId, unix_now};
use crate::session::{self, SignedInUser};
use crate::message::{self, PartUrls};
use crate::organisation::{Client, Organisation, mailbox_of};
use crate::send::Sending;
use app::api::{Folder, Me, MessageAction, MessageList, MessageView, Search};
use app::organisation::{MailboxEntry, Member, Professional, Rights, TraceFilter, TraceReport};
use app::sending::{Compose, ComposeStart, Draft, RecipientCheck, Sent};
use app::backend::{Reply, Webmail};
use std::sync::Arc;
use tower_sessions::Session;

pub struct Backend {
    pub psc: Arc<Psc>,
    pub imap: Arc<ImapPool>,
    pub sending: Arc<Sending>,
    pub organisation: Arc<Organisation>,
    /// List pages valid while their folder's CONDSTORE version is unchanged.
    pages: PageCache,
    /// Push streams open per mailbox (browser tabs), each holding an IDLE connection.
    push_streams: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Semaphore>>>,
}

/// Push streams one user may have open at once.
pub const PUSH_PER_USER: usize = 3;

impl Backend {
    pub fn new(psc: Arc<Psc>, imap: Arc<ImapPool>, sending: Arc<Sending>, organisation: Arc<Organisation>) -> Self {
        Self { psc, imap, sending, organisation, pages: PageCache::default(), push_streams: Default::default() }
    }

    /// A connection of its own for IMAP IDLE (not from the pool), with the user and a permit
    /// that bounds the user's push streams.
    pub async fn idle_connection(&self, session: &Session) -> Result<(ImapSession, SignedInUser, tokio::sync::OwnedSemaphorePermit), Error> {
        let (user, _) = self.user_with_fresh_token(session).await?;
        let limit = self.push_streams.lock().unwrap().entry(user.mailbox.clone())
            .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(PUSH_PER_USER))).clone();
        let permit = limit.try_acquire_owned().map_err(|_| Error::InvalidInput(
            "Trop d'onglets de la messagerie sont ouverts : les nouveaux messages n'y arrivent plus automatiquement.".into(),
        ))?;
        let connection = self.imap.gateway().open(&user.mailbox, &user.tokens.access_token).await?;
        Ok((connection, user, permit))
    }

    pub fn page_cache(&self) -> &PageCache {
        &self.pages
    }

    async fn renew(&self, session: &Session, user: &mut SignedInUser) -> Result<(), Error> {
        match self.psc.refresh(&user.tokens).await {
            Ok(tokens) => {
                user.tokens = tokens;
                session::update_user(session, user).await
            }
            Err(e) => {
                session::end(session, &e).await?;
                Err(e)
            }
        }
    }

    /// The signed-in user, with the access token renewed first when it is close to expiry
    /// (and whether it was).
    pub(crate) async fn user_with_fresh_token(&self, session: &Session) -> Result<(SignedInUser, bool), Error> {
        let mut user = session::require_user(session).await?;
        let renew = user.tokens.renew_after <= unix_now();
        if renew {
            self.renew(session, &mut user).await?;
        }
        Ok((user, renew))
    }

    /// An authenticated IMAP connection for the signed-in user (pooled, or new when `fresh`),
    /// renewing the token when it is about to expire or when the operator refuses it once.
    async fn open_imap(&self, session: &Session, fresh: bool) -> Result<(Lent, SignedInUser), Error> {
        let (mut user, renewed) = self.user_with_fresh_token(session).await?;
        match self.imap.take(&user.mailbox, &user.tokens.access_token, fresh).await {
            Err(Error::OperatorRefused(_)) if !renewed && user.tokens.refresh_token.is_some() => {
                self.renew(session, &mut user).await?;
            }
            Err(e @ Error::OperatorRefused(_)) => {
                session::end(session, &e).await?;
                return Err(e);
            }
            other => return other.map(|imap| (imap, user)),
        }
        match self.imap.take(&user.mailbox, &user.tokens.access_token, fresh).await {
            Err(e @ Error::OperatorRefused(_)) => {
                session::end(session, &e).await?;
                Err(e)
            }
            other => other.map(|imap| (imap, user)),
        }
    }

    /// Run `work` on the user's IMAP connection, then return the connection to the pool. A pooled
    /// connection the server has dropped (restart, timeout) gets one retry on a new connection.
    pub(crate) async fn with_imap<T>(
        &self,
        session: &Session,
        work: impl AsyncFnOnce(&mut ImapSession, &SignedInUser) -> Result<T, Error> + Clone,
    ) -> Result<T, Error> {
        let (mut lent, user) = self.open_imap(session, false).await?;
        let mut result = work.clone()(&mut lent.session, &user).await;
        if lent.reused && matches!(result, Err(Error::OperatorUnreachable(_))) {
            (lent, _) = self.open_imap(session, true).await?;
            result = work(&mut lent.session, &user).await;
        }
        match result {
            Err(Error::OperatorUnreachable(_) | Error::Imap(_)) => {} // the connection is not reused
            _ => self.imap.give_back(lent),
        }
        result
    }

    /// A message's raw bytes, for the attachment and HTML endpoints (does not mark it read).
    pub async fn raw_message(&self, session: &Session, folder: &str, uid: u32) -> Result<Vec<u8>, Error> {
        self.with_imap(session, async |imap, _| Ok(imap.raw_message(folder, uid, false).await?.0)).await
    }
}

impl Webmail for Backend {
    fn current_user(&self, session: Session) -> Reply<'_, Option<Me>> {
        Box::pin(async move {
            let user = match session::require_user(&session).await {
                Ok(user) => Some(user),
                Err(Error::NotSignedIn) => None,
                Err(e) => return Err(report(e)),
            };
            Ok(user.map(|u| Me {
                display_name: format!("{} {}", u.given_name, u.family_name).trim().to_string(),
                professional_id: ProfessionalId::from_subject_name_id(&u.subject_name_id).label(),
                mailbox: u.mailbox,
            }))
        })
    }

    fn list_folders(&self, session: Session) -> Reply<'_, Vec<Folder>> {
        Box::pin(async move { self.with_imap(&session, async |imap, _| imap.folders().await).await.map_err(report) })
    }

    fn list_messages(&self, session: Session, folder: String, page: u32, search: Search) -> Reply<'_, MessageList> {
        // read before any await: the request's context is only certain on the first poll
        let client = Client::current();
        Box::pin(async move {
            let result = self
                .with_imap(&session, async |imap, user| {
                    let now = unix_now();
                    let key = PageCache::key(&user.mailbox, &folder, page, &search, now);
                    imap.page(&folder, page, &search, now, Some((&self.pages, &key))).await
                })
                .await;
            if mailbox_of(&folder).is_some() {
                // opening the mailbox is its inbox's first page; anything else is consulting a list
                let opening = folder.split('/').count() == 2 && page == 0 && search.is_empty();
                let detail = format!("dossier {folder}, page {}{}", page + 1, if search.is_empty() { "" } else { ", recherche" });
                self.trace(&session, &folder, if opening { "ouverture" } else { "liste" }, detail, &result, &client).await;
            }
            result.map_err(report)
        })
    }

    fn read_message(&self, session: Session, folder: String, uid: u32) -> Reply<'_, MessageView> {
        let client = Client::current();
        Box::pin(async move {
            let result = self
                .with_imap(&session, async |imap, _| {
                    let (raw, flags, received) = imap.raw_message(&folder, uid, true).await?;
                    Ok(message::view(&PartUrls { folder: &folder, uid }, flags, &raw, received))
                })
                .await;
            let message_id = result.as_ref().map(|m| m.message_id.clone()).unwrap_or_default();
            let detail = format!("dossier {folder}, UID {uid}, Message-ID <{message_id}>");
            self.trace(&session, &folder, "lecture", detail, &result, &client).await;
            result.map_err(report)
        })
    }

    fn update_messages(&self, session: Session, folder: String, uids: Vec<u32>, action: MessageAction) -> Reply<'_, ()> {
        let client = Client::current();
        Box::pin(async move {
            let result = self.with_imap(&session, async |imap, _| imap.apply(&folder, &uids, &action).await).await;
            let uid_list = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
            let (kind, detail) = match &action {
                MessageAction::Move(target) => ("deplacement", format!("dossier {folder}, UID {uid_list} → {target}")),
                MessageAction::Delete => ("suppression", format!("dossier {folder}, UID {uid_list}")),
                other => ("marquage", format!("dossier {folder}, UID {uid_list} : {other:?}")),
            };
            self.trace(&session, &folder, kind, detail, &result, &client).await;
            result.map_err(report)
        })
    }

    fn start_compose(&self, session: Session, start: ComposeStart) -> Reply<'_, Compose> {
        Box::pin(async move { self.compose(&session, start).await.map_err(report) })
    }

    fn check_recipients(&self, session: Session, addresses: Vec<String>) -> Reply<'_, Vec<RecipientCheck>> {
        Box::pin(async move {
            session::require_user(&session).await.map_err(report)?;
            Ok(self.recipient_checks(&addresses))
        })
    }

    fn save_draft(&self, session: Session, draft: Draft) -> Reply<'_, ()> {
        Box::pin(async move { self.keep_draft(&session, &draft).await.map_err(report) })
    }

    fn discard_draft(&self, session: Session, id: String) -> Reply<'_, ()> {
        Box::pin(async move { self.drop_draft(&session, &id).await.map_err(report) })
    }

    fn send_message(&self, session: Session, draft: Draft) -> Reply<'_, Sent> {
        let client = Client::current();
        Box::pin(async move { self.send(&session, &draft, &client).await.map_err(report) })
    }

    fn answer_receipt(&self, session: Session, folder: String, uid: u32, send: bool) -> Reply<'_, ()> {
        Box::pin(async move { self.receipt(&session, &folder, uid, send).await.map_err(report) })
    }

    fn my_mailboxes(&self, session: Session) -> Reply<'_, Vec<MailboxEntry>> {
        Box::pin(async move { self.mailboxes(&session).await.map_err(report) })
    }

    fn members(&self, session: Session, mailbox: String) -> Reply<'_, Vec<Member>> {
        Box::pin(async move { self.members_of(&session, &mailbox).await.map_err(report) })
    }

    fn set_rights(&self, session: Session, mailbox: String, member: String, rights: Rights) -> Reply<'_, ()> {
        let client = Client::current();
        Box::pin(async move { self.change_rights(&session, &mailbox, &member, rights, &client).await.map_err(report) })
    }

    fn find_professionals(&self, session: Session, query: String) -> Reply<'_, Vec<Professional>> {
        Box::pin(async move { self.search_directory(&session, &query).await.map_err(report) })
    }

    fn traces(&self, session: Session, mailbox: String, filter: TraceFilter) -> Reply<'_, TraceReport> {
        Box::pin(async move { self.trace_report(&session, &mailbox, &filter).await.map_err(report) })
    }
}
