//! The health documents shown in list rows: what the METADATA.XML of a message's IHE_XDM.zip says
//! (title, type, date, patient, author). A message never changes, so what was read of it is kept;
//! only the rows with an attachment not seen before cost IMAP work (one BODYSTRUCTURE fetch for
//! them, then the archive part alone).

use super::{Backend, Caller};
use crate::mail::worker::off_the_workers;
use crate::mail::xdm;
use app::reading::{MessageSummary, XdmDocument};
use std::collections::HashMap;

/// Messages whose documents are kept at once (the cache starts again past it).
const MAX_CACHED: usize = 20_000;

/// By mailbox, folder, UID and Message-ID: the message's documents (empty: it has none).
#[derive(Default)]
pub struct ListedDocuments(std::sync::Mutex<HashMap<String, Vec<XdmDocument>>>);

impl ListedDocuments {
    pub(super) fn key(mailbox: &str, folder: &str, row: &MessageSummary) -> String {
        format!("{mailbox}\0{folder}\0{}\0{}", row.uid, row.message_id)
    }

    fn get(&self, key: &str) -> Option<Vec<XdmDocument>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(key).cloned()
    }

    fn put(&self, entries: impl IntoIterator<Item = (String, Vec<XdmDocument>)>) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_CACHED {
            map.clear();
        }
        map.extend(entries);
    }

    /// Fill the rows already known; the UIDs of the rows still to read (those with attachments).
    pub(super) fn fill(&self, mailbox: &str, folder: &str, rows: &mut [MessageSummary]) -> Vec<u32> {
        let mut unknown = Vec::new();
        for row in rows.iter_mut().filter(|r| r.has_attachments) {
            match self.get(&Self::key(mailbox, folder, row)) {
                Some(documents) => row.documents = documents,
                None => unknown.push(row.uid),
            }
        }
        unknown
    }
}

impl Backend {
    /// Read the archives fetched for `rows` (off the async workers), keep what they list, and show it.
    pub(super) async fn add_listed_documents(&self, caller: &Caller, folder: &str, rows: &mut [MessageSummary], asked: Vec<u32>, archives: Vec<(u32, Vec<u8>, bool)>) {
        let read = off_the_workers(move || {
            archives
                .into_iter()
                .map(|(uid, part, base64)| {
                    let zip = if base64 { xdm::base64_decoded(&part).unwrap_or_default() } else { part };
                    (uid, xdm::documents(&zip))
                })
                .collect::<HashMap<_, _>>()
        })
        .await;
        let read = match read {
            Ok(read) => read,
            Err(e) => return tracing::warn!("listed documents not read: {e}"),
        };
        let mailbox = &caller.identity.mailbox;
        let mut known = Vec::new();
        for row in rows.iter_mut().filter(|r| asked.contains(&r.uid)) {
            row.documents = read.get(&row.uid).cloned().unwrap_or_default();
            known.push((ListedDocuments::key(mailbox, folder, row), row.documents.clone()));
        }
        self.listed_documents.put(known);
    }
}
