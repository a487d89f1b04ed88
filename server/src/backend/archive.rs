//! Moving in and out: a folder or a whole mailbox exported as it is fetched (mbox or ZIP of .eml,
//! in batches of bounded size: the server holds one batch whatever the mailbox's size), and an
//! archive imported into a folder (duplicates skipped, broken messages reported by position).
//! Each is traced once, with its count.

use super::{Backend, Caller};
use crate::error::Error;
use crate::gateway::imap::ImapSession;
use crate::mail::archive::{ArchiveWriter, KeptFlags, MboxReader, Taken, zip_messages};
use crate::mail::folders::decode_mutf7;
use app::archive::{ExportProgress, ExportState, ImportReport, valid_export_id};
use app::organisation::{SHARED_PREFIX, TraceAction};
use axum::body::Bytes;
use std::collections::HashSet;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Messages whose sizes are asked for at once, and the most bytes one answer may carry (a larger message comes
/// alone).
const BATCH: usize = 500;
const BATCH_BYTES: u64 = 8 * 1024 * 1024;
/// Bytes handed to the browser at a time.
const CHUNK: usize = 256 * 1024;
/// Broken messages named in an import's report (the count has them all).
const NAMED_BROKEN: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mbox,
    Zip,
}

/// What an export will write: the folders, their messages' count, the file's name.
pub struct Export {
    pub total: usize,
    pub file_name: String,
    pub body: mpsc::Receiver<Result<Bytes, std::io::Error>>,
}

/// Exports a user's pages follow at once (the oldest is forgotten beyond), and how long one
/// ended stays known.
const FOLLOWED_PER_USER: usize = 8;
const FOLLOWED_FOR: Duration = Duration::from_secs(3600);

/// How far one export has gone, shared by its fetching task and the page following it.
pub struct Progress {
    total: usize,
    done: AtomicUsize,
    cancelled: AtomicBool,
    ended: Mutex<Option<ExportState>>,
    started: Instant,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self { total, done: AtomicUsize::new(0), cancelled: AtomicBool::new(false), ended: Mutex::new(None), started: Instant::now() }
    }

    fn report(&self) -> ExportProgress {
        let state = self.ended.lock().unwrap_or_else(|p| p.into_inner()).unwrap_or(ExportState::Running);
        ExportProgress { done: self.done.load(Ordering::Relaxed), total: self.total, state }
    }

    fn end(&self, state: ExportState) {
        *self.ended.lock().unwrap_or_else(|p| p.into_inner()) = Some(state);
    }
}

/// The exports pages follow, by the user who started them and the id their page chose: an id
/// names an export only for that user, whatever another user sends.
#[derive(Default)]
pub struct Followed(Mutex<Vec<(String, String, Arc<Progress>)>>);

impl Followed {
    fn follow(&self, mailbox: &str, id: &str, progress: Arc<Progress>) {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.retain(|(m, i, p)| p.started.elapsed() < FOLLOWED_FOR && !(m == mailbox && i == id));
        let theirs = all.iter().filter(|(m, ..)| m == mailbox).count();
        if theirs >= FOLLOWED_PER_USER && let Some(oldest) = all.iter().position(|(m, ..)| m == mailbox) {
            all.remove(oldest);
        }
        all.push((mailbox.to_string(), id.to_string(), progress));
    }

    fn find(&self, mailbox: &str, id: &str) -> Result<Arc<Progress>, Error> {
        let all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.iter()
            .find(|(m, i, _)| m == mailbox && i == id)
            .map(|(.., p)| p.clone())
            .ok_or_else(|| Error::NotFound("Cet export n'est pas (ou plus) suivi : voyez où en est le téléchargement dans votre navigateur.".into()))
    }
}

/// A page's export id, checked before it is kept or looked up.
fn export_id(id: &str) -> Result<&str, Error> {
    if valid_export_id(id) { Ok(id) } else { Err(Error::BadInput("Identifiant d'export invalide.".into())) }
}

/// What of an export the page chose besides its folders: the id it follows it under, and a
/// selection of the folder's messages (UIDs the folder does not have are left out).
#[derive(Default)]
pub struct Chosen<'a> {
    pub follow: Option<&'a str>,
    pub only: Option<HashSet<u32>>,
}

/// Writes what it is given into the channel towards the browser, `CHUNK` bytes at a time (on the
/// writer's own thread: the ZIP compression stays off the async workers).
struct ToBrowser {
    buffer: Vec<u8>,
    out: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl Write for ToBrowser {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buffer.is_empty() {
            let chunk = Bytes::from(std::mem::take(&mut self.buffer));
            // the browser went away (cancelled): stop
            self.out.blocking_send(Ok(chunk)).map_err(|_| std::io::Error::other("export annulé"))?;
        }
        Ok(())
    }
}

/// One message for the writer thread.
struct Item {
    folder: String,
    n: usize,
    raw: Vec<u8>,
    flags: KeptFlags,
    received: i64,
}

impl Backend {
    /// Start exporting `folders` (IMAP names) of the caller's mailboxes as `format`: the answer's
    /// body is filled while the messages are fetched. The count is checked first; a failure later
    /// ends the body with an error (the browser then reports a failed download, never a file that
    /// looks whole).
    pub async fn export(self: &Arc<Self>, caller: Caller, folders: Vec<String>, format: Format, chosen: Chosen<'_>) -> Result<Export, Error> {
        let follow = chosen.follow.map(export_id).transpose()?;
        let token = caller.fresh_token().await?;
        let mut imap = self.imap.gateway().open(&caller.identity.mailbox, &token).await?;
        let mut plan = Vec::new();
        for folder in &folders {
            let mut uids = imap.all_uids(folder).await?;
            if let Some(only) = &chosen.only {
                uids.retain(|uid| only.contains(uid));
            }
            plan.push((folder.clone(), uids));
        }
        let total = plan.iter().map(|(_, uids)| uids.len()).sum();
        let progress = Arc::new(Progress::new(total));
        if let Some(id) = follow {
            self.exports.follow(&caller.identity.mailbox, id, progress.clone());
        }
        let (out, body) = mpsc::channel(4);
        let (items, mut to_write) = mpsc::channel::<Item>(BATCH);
        let writer_out = out.clone();
        let writer = tokio::task::spawn_blocking(move || {
            let sink = ToBrowser { buffer: Vec::with_capacity(CHUNK), out: writer_out };
            let mut archive = match format {
                Format::Mbox => ArchiveWriter::mbox(sink),
                Format::Zip => ArchiveWriter::zip(sink),
            };
            while let Some(item) = to_write.blocking_recv() {
                archive.add(&item.folder, item.n, &item.raw, item.flags, item.received)?;
            }
            archive.finish()?.flush()
        });
        let backend = self.clone();
        // traced on the mailbox the folders are in, as any action on a folder is
        let traced_folder = folders.first().cloned().unwrap_or_default();
        tokio::spawn(async move {
            let fetched = fetch_all(&mut imap, &plan, &items, &progress).await;
            drop(items);
            imap.logout().await;
            let written = writer.await.unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
            let cancelled = progress.cancelled.load(Ordering::Relaxed);
            let result = match (fetched, written) {
                // stopped as the user asked: the download ends as failed, the trace says so
                _ if cancelled => Ok(progress.done.load(Ordering::Relaxed)),
                (Ok(count), Ok(())) => Ok(count),
                (Err(e), _) => Err(e),
                (_, Err(e)) => Err(Error::Store(e.to_string())),
            };
            let count = result.as_ref().copied().unwrap_or_default();
            let kind = if format == Format::Zip { "ZIP" } else { "mbox" };
            let detail = format!("export {kind}{} : {count} message(s) sur {total}", if cancelled { " annulé" } else { "" });
            backend.trace_in_folder(&caller, &traced_folder, TraceAction::Export, detail, &result).await;
            // traced, then said ended, then the download ends (`out` goes with this task): whoever
            // sees the download end finds the export ended, and in the traces
            progress.end(match &result {
                _ if cancelled => ExportState::Cancelled,
                Ok(_) => ExportState::Finished,
                Err(_) => ExportState::Failed,
            });
            if cancelled || result.is_err() {
                let why = result.as_ref().err().map_or("export annulé".to_string(), |e| e.to_string());
                let _ = out.send(Err(std::io::Error::other(why))).await;
            }
        });
        let name = match (format, folders.as_slice()) {
            (Format::Zip, [one]) if chosen.only.is_some() => format!("{}-selection.zip", file_stem(one)),
            (Format::Mbox, [one]) => format!("{}.mbox", file_stem(one)),
            (Format::Zip, [one]) => format!("{}.zip", file_stem(one)),
            _ => "messagerie.zip".to_string(),
        };
        Ok(Export { total, file_name: name, body })
    }

    /// How far the caller's export `id` has gone.
    pub(super) fn export_progress(&self, caller: &Caller, id: &str) -> Result<ExportProgress, Error> {
        Ok(self.exports.find(&caller.identity.mailbox, export_id(id)?)?.report())
    }

    /// Stop the caller's export `id` (before its next message); how far it went.
    pub(super) fn cancel_export(&self, caller: &Caller, id: &str) -> Result<ExportProgress, Error> {
        let progress = self.exports.find(&caller.identity.mailbox, export_id(id)?)?;
        progress.cancelled.store(true, Ordering::Relaxed);
        Ok(progress.report())
    }

    /// Import the archive in `file` (mbox, ZIP of .eml, or one .eml) into `folder`.
    pub async fn import(&self, caller: &Caller, folder: &str, file: std::path::PathBuf) -> Result<ImportReport, Error> {
        let token = caller.fresh_token().await?;
        let mut imap = self.imap.gateway().open(&caller.identity.mailbox, &token).await?;
        let result = import_into(&mut imap, folder, file).await;
        caller.client.exchanged(imap.take_exchanges().into_iter().take(4).collect());
        imap.logout().await;
        let detail = match &result {
            Ok(r) => format!("import : {} message(s) ajouté(s), {} doublon(s), {} illisible(s)", r.imported, r.duplicates, r.broken_count),
            Err(_) => "import".to_string(),
        };
        self.trace_in_folder(caller, folder, TraceAction::Import, detail, &result).await;
        result
    }
}

/// A folder's name for a file or a ZIP path: decoded, without the shared namespace prefix.
fn display_path(folder: &str) -> String {
    decode_mutf7(folder.strip_prefix(SHARED_PREFIX).unwrap_or(folder))
}

fn file_stem(folder: &str) -> String {
    let path = display_path(folder);
    let stem: String = path.chars().map(|c| if c.is_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if stem.is_empty() { "dossier".into() } else { stem }
}

/// Fetch every message of the plan in bounded batches and hand them to the writer; the count.
/// Stops at the next message once `progress` is cancelled.
async fn fetch_all(imap: &mut ImapSession, plan: &[(String, Vec<u32>)], items: &mpsc::Sender<Item>, progress: &Progress) -> Result<usize, Error> {
    let mut count = 0;
    for (folder, uids) in plan {
        let path = display_path(folder);
        let mut n = 0;
        for window in uids.chunks(BATCH) {
            let sizes = imap.sizes(folder, window).await?;
            for batch in by_size(&sizes) {
                if progress.cancelled.load(Ordering::Relaxed) {
                    return Ok(count);
                }
                for (_, raw, flags, received) in imap.whole(folder, &batch).await? {
                    if progress.cancelled.load(Ordering::Relaxed) {
                        return Ok(count);
                    }
                    n += 1;
                    count += 1;
                    let item = Item { folder: path.clone(), n, raw, flags, received };
                    if items.send(item).await.is_err() {
                        return Err(Error::Store("export interrompu".into()));
                    }
                    progress.done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
    Ok(count)
}

/// UIDs grouped so that each group's messages weigh at most [`BATCH_BYTES`] together.
fn by_size(sizes: &[(u32, u32)]) -> Vec<Vec<u32>> {
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut weight = 0u64;
    for &(uid, size) in sizes {
        if groups.is_empty() || weight + u64::from(size) > BATCH_BYTES {
            groups.push(Vec::new());
            weight = 0;
        }
        weight += u64::from(size);
        if let Some(group) = groups.last_mut() {
            group.push(uid);
        }
    }
    groups.retain(|g| !g.is_empty());
    groups
}

async fn import_into(imap: &mut ImapSession, folder: &str, file: std::path::PathBuf) -> Result<ImportReport, Error> {
    let mut known: HashSet<String> = imap.message_ids(folder).await?;
    // the archive is read on a thread of its own, one message at a time
    let (tx, mut rx) = mpsc::channel::<Taken>(8);
    let reader = tokio::task::spawn_blocking(move || -> Result<(), String> {
        let mut input = std::fs::File::open(&file).map_err(|e| e.to_string())?;
        let mut head = [0u8; 5];
        let read = std::io::Read::read(&mut input, &mut head).map_err(|e| e.to_string())?;
        std::io::Seek::rewind(&mut input).map_err(|e| e.to_string())?;
        let send = |taken: Taken| tx.blocking_send(taken).is_ok();
        if head[..read].starts_with(b"PK\x03\x04") {
            for taken in zip_messages(input)? {
                if !send(taken) {
                    break;
                }
            }
        } else if head[..read].starts_with(b"From ") {
            for taken in MboxReader::new(std::io::BufReader::new(input)).take(crate::mail::archive::MAX_MESSAGES) {
                if !send(taken) {
                    break;
                }
            }
        } else {
            // one message (.eml)
            let mut raw = Vec::new();
            std::io::Read::read_to_end(&mut std::io::Read::take(input, crate::mail::archive::MAX_MESSAGE as u64 + 1), &mut raw).map_err(|e| e.to_string())?;
            let message = if raw.len() > crate::mail::archive::MAX_MESSAGE {
                Err("message trop volumineux".to_string())
            } else {
                Ok((crate::mail::archive::crlf(&raw), KeptFlags::default()))
            };
            send(Taken { position: 1, folder: None, message });
        }
        Ok(())
    });
    let mut report = ImportReport::default();
    while let Some(taken) = rx.recv().await {
        let (raw, flags) = match taken.message {
            Ok(message) => message,
            Err(why) => {
                report.broken_count += 1;
                if report.broken.len() < NAMED_BROKEN {
                    report.broken.push((taken.position, why));
                }
                continue;
            }
        };
        let id = crate::mail::archive::message_id(&raw);
        if let Some(id) = &id && known.contains(id) {
            report.duplicates += 1;
            continue;
        }
        // a failure here stops the import: what was added is said, nothing is half-added silently
        if let Err(e) = imap.append(folder, flags.imap().as_deref(), &raw).await {
            tracing::warn!("import stopped after {} message(s): {e}", report.imported);
            return Err(Error::BadInput(format!(
                "L'import s'est arrêté au message n° {} : votre opérateur l'a refusé. {} message(s) ont été ajoutés avant lui ; relancez l'import pour la suite (les messages déjà ajoutés seront reconnus et ignorés).",
                taken.position, report.imported
            )));
        }
        if let Some(id) = id {
            known.insert(id);
        }
        report.imported += 1;
    }
    match reader.await {
        Ok(Ok(())) => Ok(report),
        Ok(Err(why)) => Err(Error::BadInput(format!("Ce fichier ne peut pas être importé : {why}."))),
        Err(e) => Err(Error::Store(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_within_their_weight_and_a_large_message_comes_alone() {
        let sizes = [(1, 3 * 1024 * 1024), (2, 3 * 1024 * 1024), (3, 3 * 1024 * 1024), (4, 30 * 1024 * 1024), (5, 10)];
        assert_eq!(by_size(&sizes), vec![vec![1, 2], vec![3], vec![4], vec![5]]);
        assert!(by_size(&[]).is_empty());
    }

    #[test]
    fn file_names_say_the_folder() {
        assert_eq!(file_stem("Envoy&AOk-s"), "Envoyés");
        assert_eq!(file_stem("Shared/secretariat@h.fr/INBOX"), "secretariat_h_fr_INBOX");
    }
}
