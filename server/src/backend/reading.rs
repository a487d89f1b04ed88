//! Reading for the caller: folders, list pages (from the CONDSTORE-validated cache when the folder
//! is unchanged), a message, actions on messages.

use super::{Backend, Caller};
use crate::clock::unix_now;
use crate::error::Error;
use crate::gateway::imap::PageCache;
use crate::mail::message::{self, PartUrls};
use crate::mail::{cda, xdm};
use app::documents::HealthDocument;
use crate::mail::worker::off_the_workers;
use app::organisation::{TraceAction, mailbox_of};
use app::directory::AddressNote;
use app::reading::{Folder, ListView, MessageAction, MessageList, MessageView, Search};

impl Backend {
    /// The caller's folders; once the mail server answers, what was sent while it did not is
    /// filed in Sent first (every page asks for the folders).
    pub async fn folders(&self, caller: &Caller) -> Result<Vec<Folder>, Error> {
        let folders = self.with_imap(caller, async |imap| imap.folders().await).await?;
        self.file_awaiting_copies(caller).await;
        Ok(folders)
    }

    /// A page of `folder`: its messages, those matching `search`, or its conversations (`view`,
    /// without a search).
    pub(super) async fn list(&self, caller: &Caller, folder: &str, page: u32, search: &Search, view: ListView) -> Result<MessageList, Error> {
        let conversations = view == ListView::Conversations && search.is_empty();
        let fetched = self
            .with_imap_in(caller, Some(folder), async |imap| {
                let now = unix_now();
                let key = PageCache::key(&caller.identity.mailbox, folder, page, search, conversations, now);
                let cache = Some((&self.pages, key.as_str()));
                let mut list = if conversations { imap.conversations(folder, page, now, cache).await? } else { imap.page(folder, page, search, now, cache).await? };
                let unknown = self.listed_documents.fill(&caller.identity.mailbox, folder, &mut list.messages);
                // the documents' metadata is a detail of the row: failing to read it never fails the list
                let archives = imap.xdm_archives(&unknown).await.inspect_err(|e| tracing::warn!("XDM archives not read: {e}"));
                Ok((list, unknown, archives))
            })
            .await;
        let mut result = match fetched {
            Ok((mut list, unknown, Ok(archives))) => {
                self.add_listed_documents(caller, folder, &mut list.messages, unknown, archives).await;
                Ok(list)
            }
            Ok((list, _, Err(_))) => Ok(list),
            Err(e) => Err(e),
        };
        if let Ok(list) = &mut result {
            self.add_receipts(caller, folder, list.messages.iter_mut().map(|m| (m.message_id.as_str(), &mut m.receipts))).await;
        }
        // opening a mailbox is its inbox's first page; anything else is consulting a list
        let inbox = if mailbox_of(folder).is_some() { folder.split('/').count() == 2 } else { folder.eq_ignore_ascii_case("INBOX") };
        let opening = inbox && page == 0 && search.is_empty();
        let detail = format!("dossier {folder}, page {}{}", page + 1, if search.is_empty() { "" } else { ", recherche" });
        let action = if opening { TraceAction::Open } else { TraceAction::List };
        self.trace_in_folder(caller, folder, action, detail, &result).await;
        result
    }

    pub(super) async fn read(&self, caller: &Caller, folder: &str, uid: u32) -> Result<MessageView, Error> {
        // a page load shows the message without marking it read; the page does that once shown
        let mark_seen = caller.client.own_call;
        let fetched = self.with_imap_in(caller, Some(folder), async |imap| imap.shown_message(folder, uid, mark_seen).await).await;
        let mut result = match fetched {
            Ok(opened) => {
                let folder = folder.to_string();
                off_the_workers(move || message::view(&PartUrls { folder: &folder, uid }, &opened)).await
            }
            Err(e) => Err(e),
        };
        if let Ok(view) = &mut result {
            view.taken_by_me = view.taken_by.as_deref() == Some(crate::gateway::imap::keyword_part(&caller.identity.mailbox).as_str());
            self.add_receipts(caller, folder, std::iter::once((view.message_id.as_str(), &mut view.receipts))).await;
            if let Some(report) = &mut view.report {
                report.original = self.sent_message_url(caller, &report.answers).await;
            }
            view.correspondents = self.address_notes(&view.addresses).await;
        }
        let message_id = result.as_ref().map(|m| m.message_id.clone()).unwrap_or_default();
        let detail = format!("dossier {folder}, UID {uid}, Message-ID <{message_id}>");
        self.trace_in_folder(caller, folder, TraceAction::Read, detail, &result).await;
        result
    }

    pub(super) async fn apply(&self, caller: &Caller, folder: &str, uids: &[u32], action: &MessageAction) -> Result<(), Error> {
        let result = self.with_imap_in(caller, Some(folder), async |imap| imap.apply(folder, uids, action, &caller.identity.mailbox).await).await;
        let uid_list = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let (kind, detail) = match action {
            MessageAction::Move(target) => (TraceAction::Move, format!("dossier {folder}, UID {uid_list} → {target}")),
            MessageAction::Delete => (TraceAction::Delete, format!("dossier {folder}, UID {uid_list}")),
            MessageAction::TakeCharge => (TraceAction::Mark, format!("dossier {folder}, UID {uid_list} : pris en charge")),
            MessageAction::ReleaseCharge => (TraceAction::Mark, format!("dossier {folder}, UID {uid_list} : plus pris en charge")),
            other => (TraceAction::Mark, format!("dossier {folder}, UID {uid_list} : {other:?}")),
        };
        self.trace_in_folder(caller, folder, kind, detail, &result).await;
        result
    }

    /// A health document of an IHE XDM attachment, read for the document page (traced as a read).
    pub(super) async fn document(&self, caller: &Caller, folder: &str, uid: u32, index: usize, path: &str) -> Result<HealthDocument, Error> {
        let result = async {
            let raw = self.raw_message(caller, folder, uid).await?;
            let (folder, path) = (folder.to_string(), path.to_string());
            off_the_workers(move || {
                let (_, _, archive) = message::attachment(&raw, index).ok_or(Error::MessageNotFound(uid))?;
                let xml = xdm::document(&archive, &path).ok_or(Error::MessageNotFound(uid))?;
                let pdf = xdm::pdf_version(&archive, &path, &xml).map(|_| PartUrls { folder: &folder, uid }.xdm_pdf(index, &path));
                Ok(cda::read(&xml, pdf))
            })
            .await?
        }
        .await;
        let detail = format!("dossier {folder}, UID {uid}, document « {path} »");
        self.trace_in_folder(caller, folder, TraceAction::Read, detail, &result).await;
        result
    }

    /// In the caller's own Sent folder, what came back about each message (a failure to read the
    /// reports leaves the statuses out, never the list).
    async fn add_receipts<'m>(&self, caller: &Caller, folder: &str, messages: impl Iterator<Item = (&'m str, &'m mut Vec<String>)>) {
        // the INBOX (the list most asked for) is never Sent: no LIST round trip for it
        if mailbox_of(folder).is_some() || folder.eq_ignore_ascii_case("INBOX") || !self.is_own_sent(caller, folder).await {
            return;
        }
        match self.receipts(caller).await {
            Ok(receipts) => {
                for (id, statuses) in messages {
                    statuses.clone_from(receipts.get(id).unwrap_or(&Vec::new()));
                }
            }
            Err(e) => tracing::warn!("receipts not read: {e}"),
        }
    }

    /// Who the directory says each address is; a trust-space address it does not have is flagged
    /// (patients' addresses are never in it, and a directory still loading flags nothing).
    async fn address_notes(&self, addresses: &[String]) -> Vec<AddressNote> {
        // the sender and the first recipients (the FHIR API is asked once per address)
        let addresses = &addresses[..addresses.len().min(crate::store::directory::MAX_LOOKUPS)];
        let known = match self.directory.find(addresses).await {
            Ok(known) => known,
            Err(e) => {
                tracing::warn!("directory lookup failed: {e}");
                return vec![];
            }
        };
        let trust = self.sending.trust.snapshot();
        let loaded = self.directory.loaded();
        let mut notes: Vec<AddressNote> = Vec::new();
        for address in addresses {
            if notes.iter().any(|n| &n.address == address) {
                continue;
            }
            let found = known.iter().find(|c| &c.address == address);
            let absent = found.is_none() && loaded && !app::patient::is_patient(address) && trust.check(address).is_ok();
            if found.is_some() || absent {
                notes.push(AddressNote {
                    address: address.clone(),
                    about: found.map(|c| format!("{} ({}) — {}", c.name, c.kind.label(), c.about())),
                    absent,
                });
            }
        }
        notes
    }

    /// A message's raw bytes, for the attachment endpoint and receipts (does not mark it read).
    pub async fn raw_message(&self, caller: &Caller, folder: &str, uid: u32) -> Result<Vec<u8>, Error> {
        self.with_imap_in(caller, Some(folder), async |imap| Ok(imap.raw_message(folder, uid).await?.0)).await
    }

    /// A message with only the parts a reader is shown, for the HTML endpoint (does not mark it read).
    pub async fn shown_message(&self, caller: &Caller, folder: &str, uid: u32) -> Result<Vec<u8>, Error> {
        self.with_imap_in(caller, Some(folder), async |imap| Ok(imap.shown_message(folder, uid, false).await?.raw)).await
    }
}
