//! The server side of the server functions: one [`Backend`] for all users. Each request enters
//! through [`Backend::serve`], which resolves its [`Caller`] once; the parts below act for it:
//! reading, sending, organisational mailboxes, and the access traces they leave.

pub mod archive;
mod audit;
mod caller;
mod connection;
mod listed_documents;
mod organisation;
mod push;
mod reading;
mod receipts;
mod sending;
mod settings;

pub use caller::{Caller, Client};
pub use sending::{Sending, attachments_within};

use crate::config::Config;
use crate::error::{Error, report, report_to_server_fn};
use crate::gateway::imap::{ImapGateway, PageCache};
use crate::gateway::pool::ImapPool;
use crate::gateway::psc::Psc;
use crate::identity::ProfessionalId;
use crate::store::{directory::{self, Directory, ExtractionDirectory, FhirDirectory}, recent::RecentCorrespondents, sealer::Sealer, session::Sessions, traces::TraceStore};
use app::archive::ExportProgress;
use app::backend::{Reply, Request, Webmail};
use app::organisation::{MailboxEntry, Member, Professional, Rights, TraceFilter, TraceReport};
use app::reading::{Folder, ListView, Me, MessageAction, MessageList, MessageView, Search};
use app::directory::{Correspondent, DirectoryCriteria, DirectoryPage};
use app::documents::HealthDocument;
use app::sending::{Compose, ComposeStart, Draft, RecipientCheck, Sent};
use app::settings::{Rules, Settings, Vacation};
use std::sync::Arc;
use crate::store::database::Database;
use crate::store::signals::Signals;

pub struct Backend {
    pub psc: Arc<Psc>,
    /// Who is signed in, in each browser session (tokens sealed).
    pub sessions: Arc<Sessions>,
    pub imap: Arc<ImapPool>,
    /// Tells every instance to close a user's connections (sign-out, rights changed).
    pub signals: Arc<Signals>,
    pub sending: Sending,
    /// The user's rules at the operator (ManageSieve).
    sieve: crate::gateway::sieve::SieveGateway,
    signatures: crate::store::signatures::Signatures,
    /// Where an import's file is kept while it arrives (one private file per import).
    import_dir: std::path::PathBuf,
    /// Access traces of every mailbox, their chain's head signed every minute or so.
    pub traces: Arc<TraceStore>,
    /// The Annuaire santé: the extraction file indexed (reloaded in the background when it
    /// changes), or the FHIR API when configured.
    pub directory: Arc<dyn Directory>,
    /// Whom each user last wrote to (suggested first).
    recent: RecentCorrespondents,
    /// List pages valid while their folder's CONDSTORE version is unchanged.
    pages: PageCache,
    /// Per user, what came back about the messages they sent (while their INBOX is unchanged).
    receipts: receipts::ReceiptCache,
    /// What the IHE XDM archives of listed messages say of their documents.
    listed_documents: listed_documents::ListedDocuments,
    /// The folders watched for push (one IDLE each, shared by the tabs showing it), and how many
    /// each user may have.
    watches: push::Watches,
    watch_limits: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Semaphore>>>,
    /// The exports the users' pages follow.
    exports: archive::Followed,
}

impl Backend {
    /// Everything the server functions and endpoints need, from the configuration; `db` is the
    /// webmail's database (uploads, sent Message-IDs, signatures, recent correspondents).
    pub async fn build(config: &Config, db: &Database) -> Result<Self, Error> {
        let sealer = Arc::new(Sealer::open(&config.seal_key_file)?);
        let imap = ImapPool::new(ImapGateway::new(config.imap.clone())?);
        Ok(Self {
            psc: Arc::new(Psc::new(config.psc.clone(), &config.public_url)?),
            sessions: Arc::new(Sessions::new(sealer.clone())),
            signals: Signals::new(imap.clone(), db.shared_pool()),
            imap,
            sending: Sending::new(config, db.any.clone(), sealer).await?,
            sieve: crate::gateway::sieve::SieveGateway::new(
                config.sieve.host.clone(),
                config.sieve.port,
                crate::gateway::tls::OperatorTls::new(&config.sieve.ca_file, &config.sieve.host, crate::gateway::revocation::Side::Sieve, &config.sieve.revocation)?,
                config.sieve.delegation_separator.clone(),
            ),
            signatures: crate::store::signatures::Signatures::new(db.any.clone()),
            import_dir: config.session_db.parent().map(|d| d.join("imports")).unwrap_or_else(|| "imports".into()),
            recent: RecentCorrespondents::new(db.any.clone()),
            traces: {
                let traces = Arc::new(TraceStore::open(&config.trace_database, config.trace_retention_days, &config.trace_signing_key_file).await?);
                traces.clone().keep_signing(config.trace_checkpoint_every);
                traces.clone().keep_pruning(crate::store::traces::PRUNE_EVERY);
                traces
            },
            directory: match &config.directory_api {
                Some((url, key)) => Arc::new(FhirDirectory::new(url, key)?),
                None => Arc::new(ExtractionDirectory::new(config.directory_file.clone(), config.directory_index_dir.clone()))
                    .watched(directory::RELOAD_EVERY),
            },
            pages: PageCache::default(),
            receipts: Default::default(),
            listed_documents: Default::default(),
            watches: Default::default(),
            watch_limits: Default::default(),
            exports: Default::default(),
        })
    }

    /// The request's caller, resolved once.
    pub async fn caller(&self, request: Request) -> Result<Caller, Error> {
        Caller::resolve(self.psc.clone(), self.sessions.clone(), request).await
    }

    /// The caller of a plain endpoint (not a server function), from its session and request.
    pub async fn caller_of(&self, session: tower_sessions::Session, request: &http::request::Parts) -> Result<Caller, Error> {
        self.caller(Request::new(session, Some(request.clone()))).await
    }

    /// A new private file for an import.
    pub fn import_file(&self) -> std::path::PathBuf {
        self.import_dir.join(format!("{:032x}.import", rand::random::<u128>()))
    }

    pub fn page_cache(&self) -> &PageCache {
        &self.pages
    }

    /// Resolve the request's caller once, run `work` for them, and word any failure for the
    /// user (with its HTTP status when the request is the server function's own call).
    fn serve<'a, T: 'a, F>(&'a self, request: Request, work: impl FnOnce(Caller) -> F + Send + 'a) -> Reply<'a, T>
    where
        F: Future<Output = Result<T, Error>> + Send + 'a,
    {
        Box::pin(async move {
            let response = request.response.clone();
            let result = match self.caller(request).await {
                Ok(caller) => work(caller).await,
                Err(e) => Err(e),
            };
            result.map_err(|e| report_to_server_fn(e, response.as_ref()))
        })
    }
}

impl Webmail for Backend {
    fn current_user(&self, request: Request) -> Reply<'_, Option<Me>> {
        // the one call that must not fail without a signed-in user, nor renew a token
        Box::pin(async move {
            let user = match self.sessions.require_user(&request.session).await {
                Ok(user) => Some(user),
                Err(Error::NotSignedIn) => None,
                Err(e) => return Err(report(e)),
            };
            Ok(user.map(|u| Me {
                display_name: u.identity.display_name(),
                professional_id: ProfessionalId::from_subject_name_id(&u.identity.subject_name_id).label(),
                mailbox: u.identity.mailbox,
            }))
        })
    }

    fn list_folders(&self, request: Request) -> Reply<'_, Vec<Folder>> {
        self.serve(request, async move |caller| self.folders(&caller).await)
    }

    fn list_messages(&self, request: Request, folder: String, page: u32, search: Search, view: Option<ListView>) -> Reply<'_, MessageList> {
        let session = request.session.clone();
        self.serve(request, async move |caller| {
            let view = crate::store::session::list_view(&session, view).await?;
            self.list(&caller, &folder, page, &search, view).await
        })
    }

    fn read_message(&self, request: Request, folder: String, uid: u32) -> Reply<'_, MessageView> {
        self.serve(request, async move |caller| self.read(&caller, &folder, uid).await)
    }

    fn read_document(&self, request: Request, folder: String, uid: u32, index: usize, path: String) -> Reply<'_, HealthDocument> {
        self.serve(request, async move |caller| self.document(&caller, &folder, uid, index, &path).await)
    }

    fn update_messages(&self, request: Request, folder: String, uids: Vec<u32>, action: MessageAction) -> Reply<'_, ()> {
        self.serve(request, async move |caller| self.apply(&caller, &folder, &uids, &action).await)
    }

    fn start_compose(&self, request: Request, start: ComposeStart) -> Reply<'_, Compose> {
        self.serve(request, async move |caller| self.compose(&caller, start).await)
    }

    fn check_recipients(&self, request: Request, addresses: Vec<String>) -> Reply<'_, Vec<RecipientCheck>> {
        self.serve(request, async move |_| self.recipient_checks(&addresses))
    }

    fn save_draft(&self, request: Request, draft: Draft) -> Reply<'_, ()> {
        self.serve(request, async move |caller| self.keep_draft(&caller, &draft).await)
    }

    fn discard_draft(&self, request: Request, id: String, proof: String) -> Reply<'_, ()> {
        self.serve(request, async move |caller| self.drop_draft(&caller, &id, &proof).await)
    }

    fn send_message(&self, request: Request, draft: Draft) -> Reply<'_, Sent> {
        self.serve(request, async move |caller| self.send(&caller, &draft).await)
    }

    fn answer_receipt(&self, request: Request, folder: String, uid: u32, send: bool) -> Reply<'_, ()> {
        self.serve(request, async move |caller| self.receipt(&caller, &folder, uid, send).await)
    }

    fn my_mailboxes(&self, request: Request, folders: Vec<Folder>) -> Reply<'_, Vec<MailboxEntry>> {
        self.serve(request, async move |caller| self.mailboxes_in(&caller, &folders).await)
    }

    fn members(&self, request: Request, mailbox: String) -> Reply<'_, Vec<Member>> {
        self.serve(request, async move |caller| self.members_of(&caller, &mailbox).await)
    }

    fn set_rights(&self, request: Request, mailbox: String, member: String, rights: Rights) -> Reply<'_, ()> {
        self.serve(request, async move |caller| self.change_rights(&caller, &mailbox, &member, rights).await)
    }

    fn find_professionals(&self, request: Request, query: String) -> Reply<'_, Vec<Professional>> {
        self.serve(request, async move |_| directory::professionals(&*self.directory, &query).await)
    }

    fn traces(&self, request: Request, mailbox: String, filter: TraceFilter) -> Reply<'_, TraceReport> {
        self.serve(request, async move |caller| self.trace_report(&caller, &mailbox, &filter).await)
    }

    fn suggest_correspondents(&self, request: Request, query: String) -> Reply<'_, Vec<Correspondent>> {
        self.serve(request, async move |caller| {
            let recent = self.recent.of(&caller.identity.mailbox).await.unwrap_or_default();
            self.directory.suggest(&query, &recent).await
        })
    }

    fn search_directory(&self, request: Request, criteria: DirectoryCriteria) -> Reply<'_, DirectoryPage> {
        self.serve(request, async move |_| self.directory.search_page(&criteria).await)
    }

    fn settings(&self, request: Request) -> Reply<'_, Settings> {
        self.serve(request, async move |caller| self.user_settings(&caller).await)
    }

    fn save_settings(&self, request: Request, rules: Rules, signature: String, replace_edited: bool) -> Reply<'_, ()> {
        self.serve(request, async move |caller| self.keep_settings(&caller, rules, signature, replace_edited).await)
    }

    fn save_team_signature(&self, request: Request, mailbox: String, signature: String) -> Reply<'_, ()> {
        self.serve(request, async move |caller| self.keep_team_signature(&caller, &mailbox, &signature).await)
    }

    fn save_team_vacation(&self, request: Request, mailbox: String, vacation: Vacation, replace_edited: bool) -> Reply<'_, ()> {
        self.serve(request, async move |caller| self.keep_team_vacation(&caller, &mailbox, vacation, replace_edited).await)
    }

    fn export_progress(&self, request: Request, id: String) -> Reply<'_, ExportProgress> {
        self.serve(request, async move |caller| self.export_progress(&caller, &id))
    }

    fn cancel_export(&self, request: Request, id: String) -> Reply<'_, ExportProgress> {
        self.serve(request, async move |caller| self.cancel_export(&caller, &id))
    }
}
