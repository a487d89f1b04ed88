//! What came back about the messages a user sent — read receipts, delivery notifications, Mon
//! Espace Santé bounces — found in their INBOX, matched to their Sent messages by Message-ID.
//! Read again only when the INBOX changed (one cheap SELECT otherwise).

use super::{Backend, Caller};
use crate::error::Error;
use crate::gateway::imap::FolderState;
use crate::mail::message::parse;
use crate::mail::report;
use crate::mail::worker::off_the_workers;
use app::format;
use app::reading::FolderRole;
use std::collections::HashMap;
use std::sync::Arc;

/// By the Message-ID they answer (without angle brackets): the statuses, oldest first.
pub type Receipts = Arc<HashMap<String, Vec<String>>>;

/// Per mailbox, its receipts and the INBOX state they were read at.
#[derive(Default)]
pub struct ReceiptCache(std::sync::Mutex<HashMap<String, (FolderState, Receipts)>>);

/// Mailboxes whose receipts are kept at once (the cache starts again past it).
const MAX_CACHED: usize = 5_000;

impl ReceiptCache {
    fn get(&self, mailbox: &str) -> Option<(FolderState, Receipts)> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(mailbox).cloned()
    }

    fn put(&self, mailbox: &str, state: FolderState, receipts: Receipts) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_CACHED {
            map.clear();
        }
        map.insert(mailbox.to_string(), (state, receipts));
    }
}

/// The statuses the reports say, by the Message-ID each answers.
fn statuses(raws: Vec<Vec<u8>>) -> HashMap<String, Vec<String>> {
    let mut by_id: HashMap<String, Vec<String>> = HashMap::new();
    for raw in &raws {
        let Some(message) = parse(raw) else { continue };
        let Some(report) = report::read(&message) else { continue };
        if report.original_message_id.is_empty() {
            continue;
        }
        let date = message.date().map(|d| format::day_and_time(d.to_timestamp())).unwrap_or_default();
        by_id.entry(report.original_message_id.clone()).or_default().push(report.status(&date));
    }
    by_id
}

impl Backend {
    /// What came back about the caller's sent messages.
    pub(super) async fn receipts(&self, caller: &Caller) -> Result<Receipts, Error> {
        let mailbox = &caller.identity.mailbox;
        let known = self.receipts.get(mailbox);
        let (state, raws) = self.with_imap(caller, async |imap| imap.reports("INBOX", known.as_ref().map(|(s, _)| *s)).await).await?;
        match (raws, known) {
            (None, Some((_, receipts))) => Ok(receipts),
            (raws, _) => {
                let receipts: Receipts = Arc::new(off_the_workers(move || statuses(raws.unwrap_or_default())).await?);
                self.receipts.put(mailbox, state, receipts.clone());
                Ok(receipts)
            }
        }
    }

    /// Whether `folder` is the caller's own Sent folder.
    pub(super) async fn is_own_sent(&self, caller: &Caller, folder: &str) -> bool {
        let sent = self.with_imap(caller, async |imap| imap.own_folder(FolderRole::Sent).await).await;
        matches!(sent, Ok(Some(sent)) if sent == folder)
    }

    /// The page of the sent message with this Message-ID, when it is in the caller's Sent folder.
    pub(super) async fn sent_message_url(&self, caller: &Caller, message_id: &str) -> Option<String> {
        if message_id.is_empty() {
            return None;
        }
        self.with_imap(caller, async |imap| {
            let Some(sent) = imap.own_folder(FolderRole::Sent).await? else { return Ok(None) };
            let uid = imap.find_message_id(&sent, message_id).await?.into_iter().max();
            Ok(uid.map(|uid| app::urls::message(&sent, uid)))
        })
        .await
        .ok()
        .flatten()
    }
}
