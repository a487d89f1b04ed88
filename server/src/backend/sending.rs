//! Writing and sending for the signed-in user: drafts kept in the IMAP Drafts folder, recipients
//! checked against the trust space, submission over SMTP, the copy in Sent, read receipts.
//!
//! Order of a send, so that nothing is lost or sent twice: the message is first saved as the draft
//! (a failure there sends nothing); then submitted; then its Message-ID is recorded as sent; then
//! it is copied to Sent and the draft removed. A retry of a recorded Message-ID only finishes
//! the copy, it never submits again.

use super::audit::outcome;
use super::{Backend, Caller};
use crate::clock::unix_now;
use crate::config::{Config, SendingConfig};
use crate::error::Error;
use crate::gateway::imap::ImapSession;
use crate::gateway::smtp::SmtpGateway;
use crate::mail::compose::{self, AttachedFile, Author};
use crate::mail::trust::TrustSpace;
use crate::mail::worker::off_the_workers;
use crate::store::outbox::Outbox;
use app::format;
use app::organisation::TraceAction;
use app::reading::FolderRole;
use app::sending::{Compose, ComposeStart, Draft, RecipientCheck, Sent, Upload, is_patient, too_many_recipients};
use lettre::address::Envelope;
use std::time::{Duration, Instant};

/// Most files one message may carry.
const MAX_ATTACHMENTS: usize = 50;
/// Uploads kept for one user's drafts, in messages' allowances (ATTACHMENTS_MAX_MB each).
const UPLOAD_QUOTA_MESSAGES: u64 = 5;

pub struct Sending {
    pub smtp: SmtpGateway,
    pub trust: TrustSpace,
    pub outbox: Outbox,
    pub config: SendingConfig,
    /// Proves the draft ids it hands out.
    sealer: std::sync::Arc<crate::store::sealer::Sealer>,
    /// The operator's message size limit as last read (SIZE; `u64::MAX` when it has none), and
    /// when to read it again: none before the first read.
    size_limit: tokio::sync::Mutex<Option<(Instant, u64)>>,
}

const SENDING_ELSEWHERE: &str = "Ce message est déjà en cours d'envoi (depuis un autre onglet ou un autre appareil) : \
     il ne sera pas envoyé deux fois. Attendez quelques secondes puis ouvrez « Envoyés ».";

/// A request's claim on sending a draft ([`Outbox::claim_send`]), given back when the send is
/// over or the request dropped (a browser gone) — unless it is `in_doubt`: submitted, or being
/// submitted, and not yet recorded as sent. Whether the message left is then unknown, so no one
/// may send it again until the claim expires.
struct Claim {
    outbox: Outbox,
    mailbox: String,
    id: String,
    in_doubt: bool,
    released: bool,
}

impl Claim {
    async fn release(mut self) {
        self.released = true;
        if !self.in_doubt && let Err(e) = self.outbox.release_send(&self.mailbox, &self.id).await {
            tracing::warn!("send claim not released (it expires by itself): {e}");
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if !self.released && !self.in_doubt {
            let (outbox, mailbox, id) = (self.outbox.clone(), std::mem::take(&mut self.mailbox), std::mem::take(&mut self.id));
            tokio::spawn(async move {
                let _ = outbox.release_send(&mailbox, &id).await;
            });
        }
    }
}

/// How often the operator's size limit is read again, and again after a failed read.
const SIZE_LIMIT_KEPT: Duration = Duration::from_secs(3600);
const SIZE_LIMIT_RETRY: Duration = Duration::from_secs(60);
/// Room left in a message for its text and headers: the page sends at most 1 MiB of draft,
/// which base64 may make 1.37 MiB.
const TEXT_AND_HEADERS: u64 = 1536 * 1024;

/// The attachments that fit in a message of `size` bytes: base64 turns 57 bytes into a line of 78.
pub fn attachments_within(size: u64) -> u64 {
    size.saturating_sub(TEXT_AND_HEADERS) / 78 * 57
}

impl Sending {
    pub async fn new(config: &Config, db: sqlx::AnyPool, sealer: std::sync::Arc<crate::store::sealer::Sealer>) -> Result<Self, Error> {
        Ok(Self {
            smtp: SmtpGateway::new(config.smtp.clone())?,
            trust: TrustSpace::new(config.sending.liste_blanche.clone()),
            outbox: Outbox::new(db, sealer.clone()).await?.purged_every(crate::store::outbox::PURGE_EVERY),
            config: config.sending.clone(),
            sealer,
            size_limit: tokio::sync::Mutex::new(None),
        })
    }

    /// The attachments a message may carry — the configured allowance, or Mon Espace Santé's 25 Mo
    /// when it goes to a patient — less when the operator accepts smaller messages (a file that
    /// passes here is never refused by its server for size).
    pub async fn allowance(&self, to_patient: bool) -> u64 {
        let wanted = if to_patient { app::patient::PATIENT_ATTACHMENT_BYTES } else { self.config.max_attachment_bytes };
        wanted.min(attachments_within(self.operator_limit().await))
    }

    /// The operator's message size limit (SIZE), read at most hourly.
    async fn operator_limit(&self) -> u64 {
        let mut known = self.size_limit.lock().await;
        match *known {
            Some((next_read, size)) if Instant::now() < next_read => size,
            last => {
                let (next_read, size) = match self.smtp.size_limit().await {
                    Ok(size) => (Instant::now() + SIZE_LIMIT_KEPT, size.unwrap_or(u64::MAX)),
                    Err(e) => {
                        tracing::warn!("operator size limit not read (the last one known stays): {e}");
                        (Instant::now() + SIZE_LIMIT_RETRY, last.map_or(u64::MAX, |(_, size)| size))
                    }
                };
                *known = Some((next_read, size));
                size
            }
        }
    }

    /// The draft with the proof that its id was issued to `mailbox`.
    fn issued(&self, mailbox: &str, draft: Draft) -> Draft {
        Draft { proof: self.sealer.prove(DRAFT_ID, &[mailbox, &draft.id]), ..draft }
    }

    /// Refuses a draft id this webmail did not issue to `mailbox` (chosen by the page).
    fn check_issued(&self, mailbox: &str, id: &str, proof: &str) -> Result<(), Error> {
        if self.sealer.is_proven(DRAFT_ID, &[mailbox, id], proof) {
            Ok(())
        } else {
            Err(Error::BadInput("Ce brouillon n'a pas été ouvert par le webmail : rouvrez-le depuis le dossier Brouillons.".into()))
        }
    }
}

/// What the proofs of draft ids are for.
const DRAFT_ID: &str = "draft-id";

/// The Drafts (or Sent) folder of the user, by its special use; the usual name otherwise.
async fn folder(imap: &mut ImapSession, role: FolderRole) -> Result<String, Error> {
    let fallback = if role == FolderRole::Sent { "Sent" } else { "Drafts" };
    Ok(imap.own_folder(role).await?.unwrap_or_else(|| fallback.into()))
}

impl Backend {
    /// Over the allowance of a message to a patient (`to_patient`) or not; none: under both.
    async fn too_big(&self, bytes: u64, to_patient: Option<bool>) -> Option<Error> {
        let max = match to_patient {
            Some(patient) => self.sending.allowance(patient).await,
            None => self.sending.allowance(true).await.max(self.sending.allowance(false).await),
        };
        (bytes > max).then(|| {
            Error::TooLarge(format!(
                "Les pièces jointes dépassent la taille autorisée ({} au total, limite {}). Retirez-en ou envoyez-les en plusieurs messages.",
                format::size(bytes),
                format::size(max)
            ))
        })
    }

    /// Keep a file uploaded for a draft (the upload endpoint).
    pub async fn upload(&self, caller: &Caller, name: &str, content_type: &str, data: &[u8]) -> Result<Upload, Error> {
        // the draft's recipients may still change: a file is refused only over both allowances
        if let Some(e) = self.too_big(data.len() as u64, None).await {
            return Err(e);
        }
        let name = compose::checked_file_name(name)?;
        self.keep_upload(&caller.identity.mailbox, name, content_type, data).await
    }

    /// Keep a file for `mailbox`'s drafts, within their quota of all uploads together.
    async fn keep_upload(&self, mailbox: &str, name: &str, content_type: &str, data: &[u8]) -> Result<Upload, Error> {
        let quota = UPLOAD_QUOTA_MESSAGES * self.sending.config.max_attachment_bytes;
        if self.sending.outbox.uploaded_bytes(mailbox).await? + data.len() as u64 > quota {
            return Err(Error::TooLarge(format!(
                "Vos pièces jointes en attente dépassent {} : envoyez ou supprimez des brouillons avant d'en ajouter d'autres.",
                format::size(quota)
            )));
        }
        self.sending.outbox.add_upload(mailbox, name, content_type, data).await
    }

    async fn keep_files(&self, mailbox: &str, files: Vec<AttachedFile>) -> Result<Vec<Upload>, Error> {
        let mut uploads = Vec::new();
        for f in files {
            uploads.push(self.keep_upload(mailbox, &f.name, &f.content_type, &f.data).await?);
        }
        Ok(uploads)
    }

    /// The draft's files, within the allowance counted on the sizes stored (never on the sizes
    /// the page declares), checked before any of them is loaded.
    async fn files(&self, mailbox: &str, draft: &Draft) -> Result<Vec<AttachedFile>, Error> {
        let gone = |upload: &Upload| Error::NotFound(format!("La pièce jointe « {} » n'est plus disponible : ajoutez-la de nouveau.", upload.name));
        if draft.attachments.len() > MAX_ATTACHMENTS {
            return Err(Error::BadInput(format!("Un message peut avoir au plus {MAX_ATTACHMENTS} pièces jointes.")));
        }
        let mut total = 0;
        for upload in &draft.attachments {
            total += self.sending.outbox.upload_size(mailbox, &upload.id).await?.ok_or_else(|| gone(upload))?;
        }
        if let Some(e) = self.too_big(total, Some(draft.recipients().any(|r| is_patient(r)))).await {
            return Err(e);
        }
        let mut files = Vec::new();
        for upload in &draft.attachments {
            files.push(self.sending.outbox.upload(mailbox, &upload.id).await?.ok_or_else(|| gone(upload))?);
        }
        Ok(files)
    }

    /// The organisational mailbox the draft is written from, checked with the operator; None
    /// for the user's own.
    async fn organisational_sender(&self, caller: &Caller, draft: &Draft) -> Result<Option<String>, Error> {
        let from = draft.from.trim();
        if from.is_empty() || from.eq_ignore_ascii_case(&caller.identity.mailbox) {
            return Ok(None);
        }
        if !self.rights_on(caller, from).await?.send_as {
            return Err(Error::Forbidden(format!("Vous n'avez pas le droit d'envoyer au nom de {from}.")));
        }
        Ok(Some(from.to_string()))
    }

    /// The draft as MIME, from `org` (checked by [`Self::organisational_sender`]) or the user's own mailbox.
    async fn mime(&self, caller: &Caller, draft: &Draft, org: Option<&str>, purpose: compose::Purpose) -> Result<lettre::Message, Error> {
        let files = self.files(&caller.identity.mailbox, draft).await?;
        let (person, own) = (caller.identity.display_name(), caller.identity.mailbox.as_str());
        let from_name = self.display_name(caller, org).await;
        let author = match org {
            Some(org) => Author { from_name: &from_name, from: org, sender: Some((&person, own)) },
            None => Author { from_name: &from_name, from: own, sender: None },
        };
        compose::build(draft, &author, &files, &self.sending.config.nil, purpose)
    }

    /// The display name of From (ECO.2.2.7). A personal mailbox: `Titre_Prénom_NOM_Entité`, the
    /// name from PSC, the title (Dr, Pr) and the entity (the structure) from the directory. An
    /// organisational one: its entity from the directory, « Structure – Service »; never a
    /// person's name (the member is in Sender), the address alone when the directory lacks it.
    async fn display_name(&self, caller: &Caller, org: Option<&str>) -> String {
        let address = org.unwrap_or(&caller.identity.mailbox).to_string();
        let entry = self.directory.find(std::slice::from_ref(&address)).await.unwrap_or_default().into_iter().next();
        match (org, entry) {
            (Some(_), Some(team)) => compose::organisational_display_name(&team.organisation, &team.service),
            (Some(_), None) => String::new(),
            (None, entry) => {
                let title = entry.as_ref().and_then(|e| ["Dr", "Pr"].into_iter().find(|t| e.name.starts_with(&format!("{t} "))));
                let entity = entry.as_ref().map(|e| e.organisation.as_str()).unwrap_or_default();
                compose::personal_display_name(title.unwrap_or_default(), &caller.identity.given_name, &caller.identity.family_name, entity)
            }
        }
    }

    pub(super) async fn compose(&self, caller: &Caller, start: ComposeStart) -> Result<Compose, Error> {
        let me = caller.identity.mailbox.clone();
        let reading = match &start {
            ComposeStart::NewIn(folder) | ComposeStart::Reply { folder, .. } | ComposeStart::Forward { folder, .. } => Some(folder.clone()),
            ComposeStart::New | ComposeStart::To(_) | ComposeStart::Draft { .. } => None,
        };
        // a draft taken up again has its signature already
        let signed = !matches!(start, ComposeStart::Draft { .. });
        let original = |folder: &str, uid: u32| {
            let (folder, me) = (folder.to_string(), me.clone());
            async move {
                self.with_imap(caller, async |imap| {
                    let (raw, _, received) = imap.raw_message(&folder, uid).await?;
                    Ok((raw, received))
                })
                .await
                .map(|(raw, received)| (raw, received, me))
            }
        };
        let draft = match start {
            ComposeStart::New | ComposeStart::NewIn(_) => Draft { id: compose::new_message_id(&me), ..Draft::default() },
            // only something shaped like an address is put in: its chip is then checked as any other
            ComposeStart::To(address) => {
                let address = address.trim().to_lowercase();
                let shaped = address.len() <= 254 && address.matches('@').count() == 1 && address.chars().all(|c| c.is_ascii_graphic());
                Draft { id: compose::new_message_id(&me), to: if shaped { vec![address] } else { vec![] }, ..Draft::default() }
            }
            // the original is parsed off the async workers
            ComposeStart::Reply { folder, uid, all } => {
                let (raw, received, me) = original(&folder, uid).await?;
                off_the_workers(move || compose::reply(&raw, &me, all, received)).await?.ok_or(Error::MessageNotFound(uid))?
            }
            ComposeStart::Forward { folder, uid } => {
                let (raw, received, me) = original(&folder, uid).await?;
                let parsed = off_the_workers(move || compose::forward(&raw, &me, received)).await?;
                let (mut draft, files) = parsed.ok_or(Error::MessageNotFound(uid))?;
                draft.attachments = self.keep_files(&caller.identity.mailbox, files).await?;
                draft
            }
            ComposeStart::Draft { folder, uid } => {
                let (raw, _, _) = original(&folder, uid).await?;
                let (mut draft, files) = off_the_workers(move || compose::read_draft(&raw)).await?.ok_or(Error::MessageNotFound(uid))?;
                draft.attachments = self.keep_files(&caller.identity.mailbox, files).await?;
                draft
            }
        };
        let mut draft = self.sending.issued(&me, draft);
        let mut senders = vec![me.clone()];
        senders.extend(self.mailboxes(caller).await?.into_iter().filter(|m| m.organisational && m.rights.send_as).map(|m| m.address));
        // written from the organisational mailbox being read, when the user may send as it
        if draft.from.is_empty() {
            let org = reading.as_deref().and_then(app::organisation::mailbox_of);
            if let Some(org) = org.and_then(|org| senders.iter().skip(1).find(|s| s.eq_ignore_ascii_case(org))) {
                draft.from = org.clone();
            }
        }
        // the signature of the mailbox written from (the user's, or the organisational mailbox's),
        // above a quoted message
        let mut signatures = Vec::with_capacity(senders.len());
        for sender in &senders {
            signatures.push(self.signature_of(sender).await);
        }
        if signed {
            let signer = if draft.from.is_empty() { &me } else { &draft.from };
            let signer = senders.iter().position(|s| s == signer).unwrap_or(0);
            draft.body = app::sending::signed(std::mem::take(&mut draft.body), &signatures[signer]);
        }
        Ok(Compose {
            draft,
            from: me,
            senders,
            signatures,
            max_attachment_bytes: self.sending.allowance(false).await,
            max_patient_attachment_bytes: self.sending.allowance(true).await,
        })
    }

    /// Each address checked against the trust space; at most `MAX_RECIPIENTS` at once.
    pub(super) fn recipient_checks(&self, addresses: &[String]) -> Result<Vec<RecipientCheck>, Error> {
        if let Some(refusal) = too_many_recipients(addresses.len()) {
            return Err(Error::BadInput(refusal));
        }
        let trust = self.sending.trust.snapshot();
        let year = app::format::year(unix_now());
        Ok(addresses
            .iter()
            .map(|a| {
                let refusal = trust.check(a).err();
                let patient = app::patient::ins_of(a).filter(|_| refusal.is_none()).and_then(|ins| app::patient::check_ins(&ins, year).ok());
                RecipientCheck { address: a.trim().to_string(), refusal, patient: patient.map(|p| p.describe()) }
            })
            .collect())
    }

    /// Save the draft in the Drafts folder, replacing its previous version.
    pub(super) async fn keep_draft(&self, caller: &Caller, draft: &Draft) -> Result<(), Error> {
        self.sending.check_issued(&caller.identity.mailbox, &draft.id, &draft.proof)?;
        if self.sending.outbox.sent(&caller.identity.mailbox, &draft.id).await?.is_some() {
            return Ok(()); // an autosave that arrives after the send must not bring the draft back
        }
        if let Some(refusal) = too_many_recipients(draft.recipients().count()) {
            return Err(Error::BadInput(refusal)); // the page keeps it in the tab meanwhile
        }
        let org = self.organisational_sender(caller, draft).await?;
        let raw = self.mime(caller, draft, org.as_deref(), compose::Purpose::Draft).await?.formatted();
        self.with_imap(caller, async |imap| {
            let drafts = folder(imap, FolderRole::Drafts).await?;
            imap.replace(&drafts, &draft.id, "(\\Draft \\Seen)", &raw).await
        })
        .await
    }

    pub(super) async fn drop_draft(&self, caller: &Caller, id: &str, proof: &str) -> Result<(), Error> {
        self.sending.check_issued(&caller.identity.mailbox, id, proof)?;
        self.with_imap(caller, async |imap| {
            let drafts = folder(imap, FolderRole::Drafts).await?;
            let uids = imap.find_message_id(&drafts, id).await?;
            imap.remove(&drafts, &uids).await
        })
        .await
    }

    /// File in Sent what was sent while the mail server was out of reach (a few at a time; each
    /// call goes on with the rest). A failure is for the next call.
    pub(super) async fn file_awaiting_copies(&self, caller: &Caller) {
        let mailbox = &caller.identity.mailbox;
        let ids = match self.sending.outbox.awaiting_copy(mailbox, 10).await {
            Ok(ids) => ids,
            Err(e) => return tracing::warn!("sent messages awaiting their copy not read: {e}"),
        };
        for id in ids {
            let filed = match self.sending.outbox.sent(mailbox, &id).await {
                Ok(Some(done)) if !done.copied => self.file_sent(caller, &id, &done.raw).await,
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = filed {
                return tracing::warn!("sent message not yet copied to Sent: {e}");
            }
        }
    }

    /// Copy a sent message to Sent and remove its draft (both once).
    async fn file_sent(&self, caller: &Caller, id: &str, raw: &[u8]) -> Result<(), Error> {
        self.with_imap(caller, async |imap| {
            let sent = folder(imap, FolderRole::Sent).await?;
            if imap.find_message_id(&sent, id).await?.is_empty() {
                imap.append(&sent, Some("(\\Seen)"), raw).await?;
            }
            let drafts = folder(imap, FolderRole::Drafts).await?;
            let uids = imap.find_message_id(&drafts, id).await?;
            imap.remove(&drafts, &uids).await
        })
        .await?;
        self.sending.outbox.mark_copied(&caller.identity.mailbox, id).await
    }

    pub(super) async fn send(&self, caller: &Caller, draft: &Draft) -> Result<Sent, Error> {
        let mailbox = &caller.identity.mailbox;
        self.sending.check_issued(mailbox, &draft.id, &draft.proof)?;
        if let Some(sent) = self.already_sent(caller, &draft.id).await? {
            return Ok(sent);
        }
        if draft.recipients().next().is_none() {
            return Err(Error::BadInput("Ajoutez au moins un destinataire.".into()));
        }
        let refused: Vec<String> = self
            .recipient_checks(&draft.recipients().cloned().collect::<Vec<_>>())?
            .into_iter()
            .filter_map(|c| c.refusal.map(|why| format!("{} : {why}", c.address)))
            .collect();
        if !refused.is_empty() {
            return Err(Error::BadInput(format!("Rien n'a été envoyé. Destinataire(s) refusé(s) — {}.", refused.join(" ; "))));
        }
        if let Some(refusal) = draft.patient_refusal() {
            return Err(Error::BadInput(format!("Rien n'a été envoyé. {refusal}")));
        }
        // the right to send as an organisational mailbox is asked once, before anything is sent
        let org = self.organisational_sender(caller, draft).await?;
        // one send of this draft at a time, whichever tab, device or instance it comes through
        if !self.sending.outbox.claim_send(mailbox, &draft.id).await? {
            return Err(Error::BadInput(SENDING_ELSEWHERE.into()));
        }
        let mut claim = Claim { outbox: self.sending.outbox.clone(), mailbox: mailbox.clone(), id: draft.id.clone(), in_doubt: false, released: false };
        let sent = self.send_claimed(caller, draft, org, &mut claim).await;
        claim.release().await;
        sent
    }

    /// Sent already (a retry, a second click): what the first send left is finished, never resent.
    async fn already_sent(&self, caller: &Caller, id: &str) -> Result<Option<Sent>, Error> {
        let Some(done) = self.sending.outbox.sent(&caller.identity.mailbox, id).await? else { return Ok(None) };
        let copied = done.copied || self.file_sent(caller, id, &done.raw).await.is_ok();
        Ok(Some(Sent { copied_to_sent: copied }))
    }

    /// The send of a draft this request has claimed.
    async fn send_claimed(&self, caller: &Caller, draft: &Draft, org: Option<String>, claim: &mut Claim) -> Result<Sent, Error> {
        let mailbox = &caller.identity.mailbox;
        // the send that held the claim before may have finished meanwhile
        if let Some(sent) = self.already_sent(caller, &draft.id).await? {
            return Ok(sent);
        }
        let message = self.mime(caller, draft, org.as_deref(), compose::Purpose::Submission).await?;
        let raw = message.formatted();
        // 1. in Drafts first (with its blind copies): if anything below fails, the message is there.
        //    The mailbox server out of reach does not stop sending (ECO.1.2.3): the page still
        //    holds the draft, and the copy in Sent is made by the next send of this id.
        let kept = self.mime(caller, draft, org.as_deref(), compose::Purpose::Draft).await?.formatted();
        let kept_in_drafts = self
            .with_imap(caller, async |imap| {
                let drafts = folder(imap, FolderRole::Drafts).await?;
                imap.replace(&drafts, &draft.id, "(\\Draft \\Seen)", &kept).await
            })
            .await;
        match kept_in_drafts {
            Err(Error::OperatorUnreachable(e)) => tracing::warn!("sending without a copy in Drafts first (mailbox server out of reach): {e}"),
            other => other?,
        }
        // 2. submit, then remember it was, before anything else can fail
        claim.in_doubt = true;
        let submitted = self.submit(caller, message.envelope(), &raw, draft.delivery_receipt).await;
        // one trace in the mailbox it is sent from: the organisational one, or the user's own
        let to: Vec<&str> = draft.recipients().map(String::as_str).collect();
        let detail = format!("Message-ID <{}>, destinataires : {}", draft.id, to.join(", "));
        self.trace(caller, org.as_deref().unwrap_or(mailbox), TraceAction::Send, detail, outcome(&submitted)).await;
        if submitted.is_err() {
            // refused: the next send may try again at once
            claim.in_doubt = false;
        }
        submitted?;
        self.sending.outbox.record_sent(mailbox, &draft.id, &raw).await?;
        claim.in_doubt = false;
        let recipients: Vec<String> = draft.recipients().cloned().collect();
        if let Err(e) = self.recent.used(mailbox, &recipients).await {
            tracing::warn!("recent correspondents not recorded: {e}");
        }
        if let (Some(org), Some(parent)) = (&org, &draft.in_reply_to) {
            // a member's reply from the organisational mailbox: the others see who answered
            let inbox = app::organisation::shared_inbox(org);
            if let Err(e) = self.with_imap(caller, async |imap| imap.mark_answered(&inbox, parent, mailbox).await).await {
                tracing::warn!("reply sent, the original not marked answered: {e}");
            }
        }
        // 3. the copy in Sent; when the mail server fails now, the next send of this id finishes it
        let copied = match self.file_sent(caller, &draft.id, &raw).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("sent message not yet copied to Sent: {e}");
                false
            }
        };
        let ids: Vec<String> = draft.attachments.iter().map(|a| a.id.clone()).collect();
        self.sending.outbox.forget_uploads(mailbox, &ids).await?;
        tracing::info!("message submitted ({} recipient(s))", draft.recipients().count());
        Ok(Sent { copied_to_sent: copied })
    }

    async fn submit(&self, caller: &Caller, envelope: &Envelope, raw: &[u8], delivery_receipt: bool) -> Result<(), Error> {
        let token = caller.fresh_token().await?;
        let mut exchanges = Vec::new();
        let started = std::time::Instant::now();
        let sent = self.sending.smtp.send(&caller.identity.mailbox, &token, envelope, raw, delivery_receipt, &mut exchanges).await;
        crate::metrics::smtp_submission(sent.is_ok(), started.elapsed().as_secs_f64());
        caller.client.exchanged(exchanges);
        sent
    }

    /// Send (with the user's consent) or decline the read receipt a message asks for; either way
    /// the message is marked so that it is not asked again.
    pub(super) async fn receipt(&self, caller: &Caller, folder: &str, uid: u32, send: bool) -> Result<(), Error> {
        let me = &caller.identity.mailbox;
        if send {
            let raw = self.raw_message(caller, folder, uid).await?;
            let (me_owned, nil) = (me.clone(), self.sending.config.nil.clone());
            let (to, mdn) = off_the_workers(move || compose::receipt(&raw, &me_owned, &nil, unix_now()))
                .await?
                .ok_or_else(|| Error::BadInput("Ce message ne demande pas d'accusé de lecture.".into()))?;
            self.sending.trust.check(&to).map_err(|why| {
                Error::Forbidden(format!("L'accusé de lecture ne peut pas être envoyé à {to} : {why}."))
            })?;
            let parse = |a: &str| a.parse().map_err(|_| Error::BadInput(format!("Adresse invalide : {a}")));
            let envelope = Envelope::new(Some(parse(me)?), vec![parse(&to)?])
                .map_err(|e| Error::BadInput(format!("Enveloppe invalide : {e}")))?;
            self.submit(caller, &envelope, &mdn, false).await?;
        }
        self.with_imap(caller, async |imap| imap.mark_receipt_handled(folder, uid).await).await
    }
}
