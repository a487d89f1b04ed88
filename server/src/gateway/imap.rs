//! IMAP gateway to the user's MSSanté operator: STARTTLS on 143 (certificate checked against the
//! configured CA), then SASL XOAUTH2 with the user's PSC access token.

use crate::config::ImapConfig;
use crate::error::Error;
use crate::mail::{folders, message, search, threads};
use crate::mail::worker::off_the_workers;
use crate::mail::message::Opened;
use crate::mail::archive::KeptFlags;
use app::organisation::{SHARED_PREFIX, canonical_address, is_shared, mailbox_of, shared_inbox};
use app::reading::{Folder, FolderRole, MessageAction, MessageList, MessageSummary, Search, SearchProgress};
use async_imap::types::{Flag, NameAttribute};
use futures::TryStreamExt;
use std::time::Duration;
use tokio::net::TcpStream;
use super::Exchange;
use super::tls::OperatorTls;
use tokio_rustls::client::TlsStream;

/// Sequence numbers searched at once at first, and at most, by a windowed search.
const FIRST_SEARCH_WINDOW: u32 = 500;
const MAX_SEARCH_WINDOW: u32 = 25_000;

/// A folder's state as CONDSTORE reports it: equal versions mean nothing changed in between.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Version {
    uid_validity: u32,
    highest_modseq: u64,
}

impl Version {
    fn of(mailbox: &async_imap::types::Mailbox) -> Option<Self> {
        Some(Self { uid_validity: mailbox.uid_validity?, highest_modseq: mailbox.highest_modseq? })
    }
}

/// Pages already built, each valid as long as its folder's [`Version`] is unchanged: a refresh
/// after a push or a return to the list costs a SELECT, no FETCH. Keys name the user's mailbox
/// (pages are never shared between users), the folder, page, search and hour (relative dates).
/// Beside them, where searches that ran out of time stopped, to be resumed by the next request.
#[derive(Default)]
pub struct PageCache {
    pages: std::sync::Mutex<std::collections::HashMap<String, (Version, MessageList)>>,
    hits: std::sync::atomic::AtomicU64,
    unfinished: std::sync::Mutex<std::collections::HashMap<String, (Version, SearchCursor)>>,
}

/// How far a search went: the UIDs found, newest first, and the sequence number below which the
/// folder is still to be searched.
#[derive(Clone, Default)]
struct SearchCursor {
    found: Vec<u32>,
    below: u32,
}

const PAGE_CACHE_ENTRIES: usize = 2_000;

impl PageCache {
    pub fn key(mailbox: &str, folder: &str, page: u32, search: &Search, conversations: bool, now: i64) -> String {
        format!("{mailbox}\0{folder}\0{page}\0{search:?}\0{conversations}\0{}", now.div_euclid(3600))
    }

    fn get(&self, key: &str, version: Version) -> Option<MessageList> {
        let hit = self.pages.lock().unwrap().get(key).filter(|(v, _)| *v == version).map(|(_, list)| list.clone());
        if hit.is_some() {
            self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        hit
    }

    /// Pages served from the cache so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn put(&self, key: &str, version: Version, list: &MessageList) {
        let mut pages = self.pages.lock().unwrap();
        if pages.len() >= PAGE_CACHE_ENTRIES {
            pages.clear();
        }
        pages.insert(key.to_string(), (version, list.clone()));
    }

    /// Where the search of that key stopped, if its folder is unchanged since (taken out).
    fn resume(&self, key: &str, version: Version) -> Option<SearchCursor> {
        self.unfinished.lock().unwrap().remove(key).filter(|(v, _)| *v == version).map(|(_, cursor)| cursor)
    }

    fn stopped(&self, key: &str, version: Version, cursor: SearchCursor) {
        let mut unfinished = self.unfinished.lock().unwrap();
        if unfinished.len() >= PAGE_CACHE_ENTRIES {
            unfinished.clear();
        }
        unfinished.insert(key.to_string(), (version, cursor));
    }
}

/// Keyword of a message whose read receipt was sent or declined (RFC 3503).
pub const MDN_SENT: &str = "$MDNSent";
/// Care-team keywords of organisational mailboxes, shared by all members: taken in charge (by
/// anyone, for the « non pris en charge » filter), and by whom; answered by whom.
pub const TAKEN: &str = "$MSSPris";
const TAKEN_BY: &str = "$MSSPris.";
const ANSWERED_BY: &str = "$MSSRepondu.";

/// A member's address as a keyword suffix: the atom characters of an address, others as `_`.
pub fn keyword_part(address: &str) -> String {
    address.chars().take(100).map(|c| if c.is_ascii_alphanumeric() || "._-+@".contains(c) { c.to_ascii_lowercase() } else { '_' }).collect()
}
const TIMEOUT: Duration = Duration::from_secs(15);
/// Commands kept for the access trace per lending of a connection.
const MAX_EXCHANGES: usize = 12;

/// What the server answered, as a trace shows it: the status and its response code (RFC 5530),
/// never the free text (which may quote a folder or an address).
fn imap_answer<T>(result: &Result<T, async_imap::error::Error>) -> String {
    use async_imap::error::Error as E;
    // async-imap words it `code: Some(TryCreate), info: Some("…")`; codes imap-proto does not
    // know stay at the start of the text: `info: Some("[NONEXISTENT] …")`
    let with_code = |status: &str, text: &str| {
        let named = text.strip_prefix("code: Some(").and_then(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next());
        let leading = text.split_once("info: Some(\"[").and_then(|(_, rest)| rest.split_once(']')).map(|(code, _)| code);
        match named.filter(|c| !c.is_empty()).or(leading) {
            Some(code) => format!("{status} [{}]", code.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect::<String>().to_uppercase()),
            None => status.to_string(),
        }
    };
    match result {
        Ok(_) => "OK".into(),
        Err(E::No(text)) => with_code("NO", text),
        Err(E::Bad(text)) => with_code("BAD", text),
        Err(E::Io(_) | E::ConnectionLost) => "connexion perdue".into(),
        Err(_) => "réponse illisible".into(),
    }
}

/// A STORE's flags with the members' keywords cut to their kind (`$MSSPris.<adresse>` →
/// `$MSSPris`): a trace names the action, not the address.
fn without_keyword_owners(query: &str) -> String {
    query.split(' ').map(|word| match word.find('.') {
        Some(dot) if word.trim_start_matches('(').starts_with('$') => {
            let closing = if word.ends_with(')') { ")" } else { "" };
            format!("{}{closing}", &word[..dot])
        }
        _ => word.to_string(),
    }).collect::<Vec<_>>().join(" ")
}
/// Messages on one page of a list.
pub const PAGE_SIZE: u32 = 50;

pub struct ImapGateway {
    config: ImapConfig,
    tls: OperatorTls,
}

/// XOAUTH2 initial response; any further challenge is the server's error report, answered empty.
struct XOAuth2<'a> {
    user: &'a str,
    token: &'a str,
    sent: bool,
}

impl async_imap::Authenticator for XOAuth2<'_> {
    type Response = String;
    fn process(&mut self, _challenge: &[u8]) -> String {
        if std::mem::replace(&mut self.sent, true) {
            String::new()
        } else {
            format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token)
        }
    }
}

fn unreachable(e: impl std::fmt::Display) -> Error {
    Error::OperatorUnreachable(e.to_string())
}

fn protocol(e: async_imap::error::Error) -> Error {
    match e {
        async_imap::error::Error::Io(e) => unreachable(e),
        async_imap::error::Error::ConnectionLost => unreachable("connection lost"),
        // RFC 5530 codes (as imap-proto names them): a folder that is not there, or not the
        // user's to use (a move to it, say)
        async_imap::error::Error::No(text) if ["TryCreate", "NONEXISTENT", "NOPERM"].iter().any(|c| text.contains(c)) => {
            Error::FolderNotFound
        }
        e => Error::Imap(e.to_string()),
    }
}

async fn timed<T>(f: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
    tokio::time::timeout(TIMEOUT, f).await.map_err(|_| unreachable("timeout"))?
}

impl ImapGateway {
    pub fn new(config: ImapConfig) -> Result<Self, Error> {
        let tls = OperatorTls::new(&config.ca_file, &config.host, super::revocation::Side::Imap, &config.revocation)?;
        Ok(Self { config, tls })
    }

    /// Whether each request's IMAP commands are logged with their durations (`IMAP_TRACE=1`).
    pub fn traced(&self) -> bool {
        self.config.trace
    }

    /// Connect, STARTTLS, authenticate as `mailbox` with the PSC access token.
    pub async fn open(&self, mailbox: &str, access_token: &str) -> Result<ImapSession, Error> {
        timed(async {
            let tcp = TcpStream::connect((self.config.host.as_str(), self.config.port)).await.map_err(unreachable)?;
            let mut client = async_imap::Client::new(tcp);
            client.read_response().await.map_err(unreachable)?.ok_or_else(|| unreachable("no greeting"))?;
            client.run_command_and_check_ok("STARTTLS", None).await.map_err(protocol)?;
            let tls = self.tls.connect(client.into_inner()).await?;
            let client = async_imap::Client::new(tls);
            let authenticator = XOAuth2 { user: mailbox, token: access_token, sent: false };
            match client.authenticate("XOAUTH2", authenticator).await {
                Ok(mut session) => {
                    let capabilities = session.capabilities().await.map_err(protocol)?;
                    // CONDSTORE (RFC 7162): SELECT then reports HIGHESTMODSEQ, which validates cached pages
                    if capabilities.has_str("CONDSTORE") {
                        session.run_command_and_check_ok("ENABLE CONDSTORE").await.map_err(protocol)?;
                    }
                    let mut session = ImapSession::new(session, self.config.search_budget);
                    session.list_status = capabilities.has_str("LIST-STATUS");
                    Ok(session)
                }
                // RFC 5530 codes of a server at capacity: the token was fine
                Err((async_imap::error::Error::No(reason), _)) if ["[LIMIT]", "[UNAVAILABLE]", "[INUSE]"].iter().any(|c| reason.contains(c)) => {
                    Err(Error::OperatorBusy(reason))
                }
                Err((async_imap::error::Error::No(reason), _)) => Err(Error::OperatorRefused(reason)),
                Err((e, _)) => Err(protocol(e)),
            }
        })
        .await
    }
}

pub struct ImapSession {
    inner: async_imap::Session<TlsStream<TcpStream>>,
    /// A command failed midway (timeout, lost connection, unparsable answer) and the error was
    /// not passed on: the connection must not be used again.
    broken: bool,
    /// The folder left selected, as the server described it, while nothing since says it changed:
    /// the next request on it costs a NOOP instead of a SELECT, which would make the server
    /// reopen the folder (tens of milliseconds on a large one).
    selected: Option<Selected>,
    /// The commands sent since the connection was lent, with their durations.
    trace: Vec<(String, Duration)>,
    /// The commands an access trace names, with the server's answers, since the connection was lent.
    exchanges: Vec<Exchange>,
    /// Time a request gives a search before answering with what it found so far (the page asks
    /// again and the search resumes): a search of a large folder whose index the server has not
    /// warmed yet takes longer than anyone should wait without news, and must never fail for that.
    search_budget: Duration,
    /// Whether the server lists folders with their counts in one command (LIST-STATUS, RFC 5819).
    list_status: bool,
}

struct Selected {
    name: String,
    mailbox: async_imap::types::Mailbox,
}

/// What the server reported of a selected folder in between commands.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reported {
    Nothing,
    /// Only new flags, the highest MODSEQ given.
    Flags(u64),
    /// Messages came or went, or anything else.
    Other,
}

impl Reported {
    fn and(self, other: Reported) -> Reported {
        match (self, other) {
            (Reported::Other, _) | (_, Reported::Other) => Reported::Other,
            (Reported::Flags(a), Reported::Flags(b)) => Reported::Flags(a.max(b)),
            (Reported::Flags(m), Reported::Nothing) | (Reported::Nothing, Reported::Flags(m)) => Reported::Flags(m),
            (Reported::Nothing, Reported::Nothing) => Reported::Nothing,
        }
    }
}

fn flags_of(fetch: &async_imap::types::Fetch) -> message::Flags {
    let mut flags = message::Flags::default();
    for flag in fetch.flags() {
        match flag {
            Flag::Seen => flags.seen = true,
            Flag::Flagged => flags.flagged = true,
            Flag::Draft => flags.draft = true,
            Flag::Custom(keyword) if keyword.eq_ignore_ascii_case(MDN_SENT) => flags.receipt_handled = true,
            Flag::Custom(keyword) => {
                if let Some(who) = keyword.strip_prefix(TAKEN_BY) {
                    flags.taken_by = Some(who.to_string());
                } else if let Some(who) = keyword.strip_prefix(ANSWERED_BY) {
                    flags.answered_by = Some(who.to_string());
                }
            }
            _ => {}
        }
    }
    flags
}

fn role_of(name: &str, attributes: &[NameAttribute]) -> FolderRole {
    for attribute in attributes {
        match attribute {
            NameAttribute::Drafts => return FolderRole::Drafts,
            NameAttribute::Sent => return FolderRole::Sent,
            NameAttribute::Trash => return FolderRole::Trash,
            NameAttribute::Junk => return FolderRole::Junk,
            NameAttribute::Archive => return FolderRole::Archive,
            _ => {}
        }
    }
    // Dovecot lists another user's INBOX as "Shared/<address>"
    let shared_inbox = name.strip_prefix(SHARED_PREFIX).is_some_and(|rest| !rest.contains('/') || rest.ends_with("/INBOX"));
    if name.eq_ignore_ascii_case("INBOX") || shared_inbox { FolderRole::Inbox } else { FolderRole::Other }
}

/// The selectable ones of listed folders, with their roles, special ones first.
fn selectable<'a>(names: impl Iterator<Item = (&'a str, &'a [NameAttribute<'a>])>) -> Vec<(String, FolderRole)> {
    let mut listed: Vec<(String, FolderRole)> = names
        // \NonExistent (RFC 5258, what an extended LIST says of the shared namespace's root)
        // implies \Noselect
        .filter(|(_, attributes)| {
            !attributes.iter().any(|a| match a {
                NameAttribute::NoSelect => true,
                NameAttribute::Extension(name) => name.eq_ignore_ascii_case("\\NonExistent"),
                _ => false,
            })
        })
        // a shared mailbox opened once by another spelling of its address (capitals typed in an
        // address bar) is listed again under that spelling for the rest of the connection: only
        // the canonical one is kept, so no mailbox shows twice nor is recorded under two names
        .filter(|(name, _)| mailbox_of(name).is_none_or(|address| address == canonical_address(address)))
        .map(|(name, attributes)| (name.to_string(), role_of(name, attributes)))
        .collect();
    listed.sort_by_key(|(name, role)| (is_shared(name), *role as u8, name.clone()));
    listed
}

/// Largest IHE_XDM.zip (as sent, so base64) read to describe a list row's documents.
const MAX_LISTED_ARCHIVE: u32 = 8 * 1024 * 1024;

/// Where the IHE_XDM.zip attachment is in a BODYSTRUCTURE: its section path, whether it is base64,
/// and its size as sent. Attached messages are not looked into.
fn xdm_part(structure: &imap_proto::BodyStructure, at: &[u32]) -> Option<(Vec<u32>, bool, u32)> {
    use imap_proto::{BodyStructure, ContentEncoding};
    match structure {
        BodyStructure::Multipart { bodies, .. } => bodies.iter().take(100).enumerate().find_map(|(i, body)| {
            let mut path = at.to_vec();
            path.push(i as u32 + 1);
            xdm_part(body, &path)
        }),
        BodyStructure::Basic { common, other, .. } => {
            let named = |params: &Option<Vec<(std::borrow::Cow<str>, std::borrow::Cow<str>)>>, key: &str| {
                params.iter().flatten().any(|(k, v)| k.eq_ignore_ascii_case(key) && crate::mail::xdm::is_xdm(v))
            };
            let is_xdm = named(&common.ty.params, "name") || common.disposition.as_ref().is_some_and(|d| named(&d.params, "filename"));
            let path = if at.is_empty() { vec![1] } else { at.to_vec() };
            is_xdm.then_some((path, matches!(other.transfer_encoding, ContentEncoding::Base64), other.octets))
        }
        _ => None,
    }
}

/// A section named as in `BODY.PEEK[…]` ("HEADER", "TEXT", "2.1.MIME", "2.1"), as FETCH answers name it.
fn section_path(name: &str) -> imap_proto::SectionPath {
    use imap_proto::{MessageSection, SectionPath};
    match name {
        "HEADER" => SectionPath::Full(MessageSection::Header),
        "TEXT" => SectionPath::Full(MessageSection::Text),
        _ => {
            let (numbers, mime) = match name.strip_suffix(".MIME") {
                Some(numbers) => (numbers, Some(MessageSection::Mime)),
                None => (name, None),
            };
            SectionPath::Part(numbers.split('.').filter_map(|n| n.parse().ok()).collect(), mime)
        }
    }
}

/// "1,5,9" for UID commands.
fn uid_set(uids: &[u32]) -> String {
    uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

/// A list row: the header fields shown, and the body's first bytes for its preview (enough for
/// a multipart's first part headers and a line or two of its text).
const SUMMARY_ITEMS: &str = "(UID FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE CONTENT-TYPE CONTENT-TRANSFER-ENCODING X-MSS-CODECDA MESSAGE-ID)] BODY.PEEK[TEXT]<0.1536>)";
/// What grouping messages into conversations reads of each.
const THREAD_ITEMS: &str = "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID IN-REPLY-TO REFERENCES)])";
/// The newest messages grouped into conversations at first, and at most: older ones are not
/// looked at (the conversation view never reads a whole large folder).
const FIRST_THREAD_WINDOW: u32 = 500;
const MAX_THREAD_WINDOW: u32 = 10_000;
/// Older messages of a conversation listed under its newest one.
const CONVERSATION_SHOWN: usize = 10;

/// Where a list page starts: kept from before, or to be built on the folder as selected.
enum ListStart {
    Cached(MessageList),
    Build { selected: async_imap::types::Mailbox, version: Option<Version>, unseen: u32 },
}

/// A list row's material, copied out of the IMAP answer to be read on the blocking pool.
struct Listed {
    uid: u32,
    flags: message::Flags,
    header: Vec<u8>,
    start: Vec<u8>,
    received: i64,
}

/// The rows of `fetches` (read off the async workers), and whether one of them was the server
/// reporting another session's change instead of the answer asked for (a FETCH without header).
async fn summaries(fetches: &[async_imap::types::Fetch], now: i64) -> Result<(Vec<MessageSummary>, bool), Error> {
    let changed_meanwhile = fetches.iter().any(|f| f.header().is_none());
    let listed: Vec<Listed> = fetches
        .iter()
        .filter_map(|f| {
            Some(Listed {
                uid: f.uid?,
                flags: flags_of(f),
                header: f.header()?.to_vec(),
                start: f.text().unwrap_or_default().to_vec(),
                received: f.internal_date().map(|d| d.timestamp()).unwrap_or(now),
            })
        })
        .collect();
    let rows = off_the_workers(move || {
        let mut rows: Vec<MessageSummary> =
            listed.into_iter().map(|l| message::summary(l.uid, l.flags, &l.header, &l.start, l.received, now)).collect();
        rows.sort_unstable_by_key(|r| std::cmp::Reverse(r.uid));
        rows
    })
    .await?;
    Ok((rows, changed_meanwhile))
}
/// A folder's UIDVALIDITY, UIDNEXT and EXISTS: while they stay equal, nothing came or went.
pub type FolderState = (u32, u32, u32);
/// Reports (receipts, delivery notifications) read to show the Sent list's statuses: the newest,
/// and the start of each (the machine-readable part comes before any returned original).
const MAX_REPORTS: usize = 300;
const REPORT_BYTES: u32 = 64 * 1024;

impl ImapSession {
    fn new(inner: async_imap::Session<TlsStream<TcpStream>>, search_budget: Duration) -> Self {
        Self { inner, broken: false, selected: None, trace: Vec::new(), exchanges: Vec::new(), search_budget, list_status: false }
    }

    /// Selectable folders and their roles, special ones first (LIST only).
    async fn list(&mut self) -> Result<Vec<(String, FolderRole)>, Error> {
        let started = std::time::Instant::now();
        let names: Vec<_> = timed(async { self.inner.list(Some(""), Some("*")).await.map_err(protocol)?.try_collect().await.map_err(protocol) }).await?;
        self.note("LIST", started);
        Ok(selectable(names.iter().map(|n| (n.name(), n.attributes()))))
    }

    /// Every selectable folder, special ones first, with message and unread counts: in one
    /// command where the server has LIST-STATUS (RFC 5819; the special uses asked for too, RFC 6154
    /// §5.1, an extended LIST giving them only then), else LIST then STATUS for each.
    pub async fn folders(&mut self) -> Result<Vec<Folder>, Error> {
        timed(async {
            let folder = |name: String, role: FolderRole, total: u32, unseen: u32| Folder { label: folders::label(&name, role), total, unseen, name, role };
            if self.list_status {
                let (mut names, mut counts) = (Vec::new(), std::collections::HashMap::new());
                let started = std::time::Instant::now();
                self.command(r#"LIST "" "*" RETURN (SPECIAL-USE STATUS (MESSAGES UNSEEN))"#, |response| match response {
                    imap_proto::Response::MailboxData(imap_proto::MailboxDatum::List { name_attributes, name, .. }) => {
                        names.push((name.to_string(), name_attributes.iter().map(|a| a.clone().into_owned()).collect::<Vec<_>>()));
                    }
                    imap_proto::Response::MailboxData(imap_proto::MailboxDatum::Status { mailbox, status }) => {
                        let count = |wanted: fn(&imap_proto::StatusAttribute) -> Option<u32>| status.iter().find_map(wanted).unwrap_or(0);
                        let messages = count(|a| if let imap_proto::StatusAttribute::Messages(n) = a { Some(*n) } else { None });
                        let unseen = count(|a| if let imap_proto::StatusAttribute::Unseen(n) = a { Some(*n) } else { None });
                        counts.insert(mailbox.to_string(), (messages, unseen));
                    }
                    _ => {}
                })
                .await?;
                self.note("LIST (STATUS)", started);
                let listed = selectable(names.iter().map(|(name, attributes)| (name.as_str(), attributes.as_slice())));
                return Ok(listed.into_iter().map(|(name, role)| {
                    let (total, unseen) = counts.get(&name).copied().unwrap_or_default();
                    folder(name, role, total, unseen)
                }).collect());
            }
            let listed = self.list().await?;
            let mut folders = Vec::with_capacity(listed.len());
            for (name, role) in listed {
                let started = std::time::Instant::now();
                let status = self.inner.status(&name, "(MESSAGES UNSEEN)").await.map_err(protocol)?;
                self.note("STATUS", started);
                folders.push(folder(name, role, status.exists, status.unseen.unwrap_or(0)));
            }
            Ok(folders)
        })
        .await
    }

    /// Select `folder`, or keep it selected when it already is: NOOP then has the server report
    /// what other sessions changed in it (RFC 3501 §6.1.2). When it reports nothing, the state
    /// known, CONDSTORE version included, is still the folder's; when it reports only new flags,
    /// each with its MODSEQ (RFC 7162 §3.1.4), the version moves on to the highest. Messages come
    /// or gone take a SELECT.
    async fn select(&mut self, folder: &str) -> Result<async_imap::types::Mailbox, Error> {
        folders::check_name(folder)?;
        if self.selected.as_ref().is_some_and(|s| s.name == folder) {
            let before = self.changes_reported();
            let started = std::time::Instant::now();
            self.inner.noop().await.map_err(protocol)?;
            self.note("NOOP", started);
            let reported = before.and(self.changes_reported());
            match (&mut self.selected, reported) {
                (Some(kept), Reported::Nothing) => return Ok(kept.mailbox.clone()),
                (Some(kept), Reported::Flags(modseq)) if kept.mailbox.highest_modseq.is_some() => {
                    kept.mailbox.highest_modseq = kept.mailbox.highest_modseq.max(Some(modseq));
                    return Ok(kept.mailbox.clone());
                }
                _ => {}
            }
        }
        self.resync();
        let started = std::time::Instant::now();
        let selected = self.inner.select(folder).await;
        let mailbox = self.answered("SELECT".into(), selected).map_err(|e| match e {
            async_imap::error::Error::No(_) => Error::FolderNotFound,
            e => protocol(e),
        })?;
        self.note("SELECT", started);
        let _ = self.changes_reported(); // what SELECT said is in `mailbox`
        self.selected = Some(Selected { name: folder.to_string(), mailbox: mailbox.clone() });
        Ok(mailbox)
    }

    /// What the server reported in between commands (the reports are consumed).
    fn changes_reported(&mut self) -> Reported {
        use async_imap::types::UnsolicitedResponse;
        let mut reported = Reported::Nothing;
        while let Ok(response) = self.inner.unsolicited_responses.try_recv() {
            let modseq = match &response {
                UnsolicitedResponse::Status { .. } => continue,
                UnsolicitedResponse::Other(data) => match data.parsed() {
                    imap_proto::Response::Fetch(_, attributes) => attributes.iter().find_map(|a| match a {
                        imap_proto::AttributeValue::ModSeq(modseq) => Some(*modseq),
                        _ => None,
                    }),
                    _ => None,
                },
                _ => None,
            };
            reported = reported.and(modseq.map_or(Reported::Other, Reported::Flags));
        }
        reported
    }

    /// The folder left selected, if its state is known.
    pub fn selected_folder(&self) -> Option<&str> {
        self.selected.as_ref().map(|s| s.name.as_str())
    }

    /// Forget the selected folder's state: the next request selects it again.
    fn resync(&mut self) {
        self.selected = None;
    }

    /// UID FETCH of `items` for `set`, every answer collected, noted in the trace as `label`.
    async fn uid_fetch(&mut self, set: &str, items: &str, label: &str) -> Result<Vec<async_imap::types::Fetch>, Error> {
        let started = std::time::Instant::now();
        let answers = async { self.inner.uid_fetch(set, items).await?.try_collect().await }.await;
        let answers = self.answered(format!("UID FETCH {set} {items}"), answers).map_err(protocol)?;
        self.note(label, started);
        Ok(answers)
    }

    /// Keep `request` and the server's answer to it for the access trace (at most
    /// [`MAX_EXCHANGES`] per lending), and hand the result on.
    fn answered<T>(&mut self, request: String, result: Result<T, async_imap::error::Error>) -> Result<T, async_imap::error::Error> {
        if result.is_err() {
            crate::metrics::imap_command_failed(&request);
        }
        if self.exchanges.len() < MAX_EXCHANGES {
            self.exchanges.push(Exchange::new(request, imap_answer(&result)));
        }
        result
    }

    /// The commands an access trace names and their answers, since the last call.
    pub fn take_exchanges(&mut self) -> Vec<Exchange> {
        std::mem::take(&mut self.exchanges)
    }

    fn note(&mut self, command: &str, started: std::time::Instant) {
        crate::metrics::imap_command(command, started.elapsed().as_secs_f64());
        if self.trace.len() < 64 {
            self.trace.push((command.to_string(), started.elapsed()));
        }
    }

    /// The commands sent since the last call, with their durations (for the debug trace).
    pub fn take_trace(&mut self) -> Vec<(String, Duration)> {
        std::mem::take(&mut self.trace)
    }

    /// `folder` selected for a list page: the page itself when `cache` has it for the folder's
    /// current version, else what building it starts from (with the folder's unread count).
    async fn start_listing(&mut self, folder: &str, cache: Option<(&PageCache, &str)>) -> Result<ListStart, Error> {
        let selected = self.select(folder).await?;
        let version = Version::of(&selected);
        if let Some(cached) = version.and_then(|v| cache.and_then(|(c, key)| c.get(key, v))) {
            return Ok(ListStart::Cached(cached));
        }
        let started = std::time::Instant::now();
        let status = self.inner.status(folder, "(UNSEEN)").await.map_err(protocol)?;
        self.note("STATUS", started);
        Ok(ListStart::Build { selected, version, unseen: status.unseen.unwrap_or(0) })
    }

    /// A list page just built is kept for its folder's `version`, unless the server reported
    /// another session's change meanwhile: the folder is then selected again next time.
    fn finish_listing(&mut self, list: &MessageList, changed_meanwhile: bool, version: Option<Version>, cache: Option<(&PageCache, &str)>) {
        if changed_meanwhile {
            self.resync();
        } else if let (Some(v), Some((c, key))) = (version, cache) {
            c.put(key, v, list);
        }
    }

    /// One page of a folder, newest first: a window of sequence numbers, or of the UIDs the
    /// server found for `search`. Only the page's headers and flags are fetched.
    /// With `cache`, a page the mailbox has not changed since (same UIDVALIDITY and CONDSTORE
    /// HIGHESTMODSEQ) is answered without fetching anything more.
    pub async fn page(&mut self, folder: &str, page: u32, search: &Search, now: i64, cache: Option<(&PageCache, &str)>) -> Result<MessageList, Error> {
        let program = if search.is_empty() { None } else { Some(search::program(search)?) };
        let started_at = tokio::time::Instant::now();
        timed(async {
            let (selected, version, unseen) = match self.start_listing(folder, cache).await? {
                ListStart::Cached(list) => return Ok(list),
                ListStart::Build { selected, version, unseen } => (selected, version, unseen),
            };
            let mut complete = true;
            let mut progress = None;
            let (total, fetches) = match program {
                None => {
                    let total = selected.exists;
                    let pages = total.div_ceil(PAGE_SIZE).max(1);
                    let page = page.min(pages - 1);
                    let high = total.saturating_sub(page * PAGE_SIZE);
                    let low = high.saturating_sub(PAGE_SIZE - 1).max(1);
                    let fetches: Vec<_> = if high == 0 {
                        vec![]
                    } else {
                        let started = std::time::Instant::now();
                        let fetches = async { self.inner.fetch(format!("{low}:{high}"), SUMMARY_ITEMS).await?.try_collect().await }.await;
                        let fetches = self.answered(format!("FETCH {low}:{high} (en-têtes)"), fetches).map_err(protocol)?;
                        self.note("FETCH (page)", started);
                        fetches
                    };
                    (total, fetches)
                }
                Some(program) => {
                    let wanted = ((page + 1) * PAGE_SIZE + 1) as usize;
                    let resumed = version.zip(cache).and_then(|(v, (c, key))| c.resume(key, v)).unwrap_or(SearchCursor { found: vec![], below: selected.exists });
                    let cursor = self.search_newest(selected.exists, &program, wanted, resumed, started_at + self.search_budget).await?;
                    complete = cursor.below == 0;
                    if !complete && cursor.found.len() < wanted {
                        progress = Some(SearchProgress { scanned: selected.exists - cursor.below, of: selected.exists });
                        if let Some((v, (c, key))) = version.zip(cache) {
                            c.stopped(key, v, cursor.clone());
                        }
                    }
                    let found = cursor.found;
                    let window: Vec<u32> = found.iter().copied().skip((page * PAGE_SIZE) as usize).take(PAGE_SIZE as usize).collect();
                    let fetches: Vec<_> = if window.is_empty() {
                        vec![]
                    } else {
                        self.uid_fetch(&uid_set(&window), SUMMARY_ITEMS, "UID FETCH (page)").await?
                    };
                    (found.len() as u32, fetches)
                }
            };
            let (messages, changed_meanwhile) = summaries(&fetches, now).await?;
            // an incomplete search knows there is at least one more page, not how many
            let pages = if complete { total.div_ceil(PAGE_SIZE).max(1) } else { page + 2 };
            let list = MessageList {
                folder: folder.to_string(),
                total,
                complete,
                unseen,
                page: page.min(pages - 1),
                pages,
                messages,
                progress,
                conversations: false,
            };
            // a page still searching is not kept: the next request goes on with the search
            self.finish_listing(&list, changed_meanwhile, version.filter(|_| progress.is_none()), cache);
            Ok(list)
        })
        .await
    }

    /// One page of a folder's conversations, the one with the newest message first, each shown
    /// on its newest message with the others under it. The newest messages are grouped, from a
    /// window that grows until the page is full, the folder's start is reached, or a limit.
    pub async fn conversations(&mut self, folder: &str, page: u32, now: i64, cache: Option<(&PageCache, &str)>) -> Result<MessageList, Error> {
        let deadline = tokio::time::Instant::now() + self.search_budget;
        timed(async {
            let (exists, version, unseen) = match self.start_listing(folder, cache).await? {
                ListStart::Cached(list) => return Ok(list),
                ListStart::Build { selected, version, unseen } => (selected.exists, version, unseen),
            };
            let wanted = ((page + 1) * PAGE_SIZE + 1) as usize;
            let (mut threaded, mut groups, mut below, mut window) = (Vec::new(), Vec::new(), exists, FIRST_THREAD_WINDOW);
            let mut changed_meanwhile = false;
            while below > 0 {
                let low = below.saturating_sub(window - 1).max(1);
                let started = std::time::Instant::now();
                let fetches = async { self.inner.fetch(format!("{low}:{below}"), THREAD_ITEMS).await?.try_collect::<Vec<_>>().await }.await;
                let fetches = self.answered(format!("FETCH {low}:{below} (fils)"), fetches).map_err(protocol)?;
                self.note("FETCH (conversations)", started);
                changed_meanwhile |= fetches.iter().any(|f| f.header().is_none());
                let headers: Vec<(u32, Vec<u8>)> = fetches.iter().filter_map(|f| Some((f.uid?, f.header()?.to_vec()))).collect();
                below = low - 1;
                let mut known = std::mem::take(&mut threaded);
                (threaded, groups) = off_the_workers(move || {
                    known.extend(headers.iter().map(|(uid, header)| threads::threaded(*uid, header)));
                    let groups = threads::conversations(&known);
                    (known, groups)
                })
                .await?;
                let scanned = exists - below;
                if groups.len() >= wanted || scanned >= MAX_THREAD_WINDOW || tokio::time::Instant::now() >= deadline {
                    break;
                }
                window = scanned.min(MAX_THREAD_WINDOW - scanned);
            }
            let complete = below == 0;
            let total = groups.len() as u32;
            // more pages only while the window may still grow to fill them
            let pages = if groups.len() >= wanted { page + 2 } else { total.div_ceil(PAGE_SIZE).max(1) };
            let page = page.min(pages - 1);
            let shown: Vec<(usize, Vec<u32>)> = groups
                .into_iter()
                .skip((page * PAGE_SIZE) as usize)
                .take(PAGE_SIZE as usize)
                .map(|mut group| (group.len(), { group.truncate(CONVERSATION_SHOWN); group }))
                .collect();
            let uids: Vec<u32> = shown.iter().flat_map(|(_, group)| group).copied().collect();
            let fetches = if uids.is_empty() { vec![] } else { self.uid_fetch(&uid_set(&uids), SUMMARY_ITEMS, "UID FETCH (conversations)").await? };
            let (rows, changed) = summaries(&fetches, now).await?;
            changed_meanwhile |= changed;
            let mut rows: std::collections::HashMap<u32, MessageSummary> = rows.into_iter().map(|r| (r.uid, r)).collect();
            let messages = shown
                .iter()
                .filter_map(|(size, group)| {
                    let mut members = group.iter().filter_map(|uid| rows.remove(uid));
                    let mut newest = members.next()?;
                    newest.conversation = members.collect();
                    newest.conversation_size = *size as u32;
                    Some(newest)
                })
                .collect();
            let list = MessageList {
                folder: folder.to_string(),
                total,
                complete,
                unseen,
                page,
                pages,
                messages,
                progress: None,
                conversations: true,
            };
            self.finish_listing(&list, changed_meanwhile, version, cache);
            Ok(list)
        })
        .await
    }

    /// The UIDs matching `program`, newest first: sequence windows are searched from the newest
    /// message back (from where `cursor` stopped) until `wanted` are found, the first message is
    /// reached (the count is then complete) or `deadline` passes. Each window is sized from the
    /// matches seen so far, so that no answer carries much more than the page needs.
    async fn search_newest(&mut self, exists: u32, program: &str, wanted: usize, cursor: SearchCursor, deadline: tokio::time::Instant) -> Result<SearchCursor, Error> {
        let SearchCursor { mut found, below } = cursor;
        let (mut high, mut window) = (below.min(exists), FIRST_SEARCH_WINDOW);
        while high > 0 && found.len() < wanted {
            let low = high.saturating_sub(window - 1).max(1);
            let started = std::time::Instant::now();
            let mut uids: Vec<u32> = self.inner.uid_search(format!("CHARSET UTF-8 {low}:{high} {program}")).await.map_err(protocol)?
                .into_iter().collect();
            self.note("UID SEARCH", started);
            uids.sort_unstable_by(|a, b| b.cmp(a));
            found.extend(uids);
            high = low - 1;
            let scanned = (exists - high) as f64;
            let density = (found.len() as f64 / scanned).max(1.0 / scanned);
            let missing = wanted.saturating_sub(found.len()) as f64;
            let sized = (1.5 * missing / density).clamp(FIRST_SEARCH_WINDOW as f64, MAX_SEARCH_WINDOW as f64) as u32;
            // a slow server (its index cold) gets windows no larger than the last while it stays slow
            window = if started.elapsed() > self.search_budget / 5 { sized.min(window) } else { sized };
            if tokio::time::Instant::now() >= deadline {
                break;
            }
        }
        Ok(SearchCursor { found, below: high })
    }

    /// A whole message by UID (an attachment served, a message forwarded), with its flags and
    /// its arrival time; it is not marked read.
    pub async fn raw_message(&mut self, folder: &str, uid: u32) -> Result<(Vec<u8>, message::Flags, i64), Error> {
        timed(async {
            self.select(folder).await?;
            let fetches = self.uid_fetch(&uid.to_string(), "(UID FLAGS INTERNALDATE BODY.PEEK[])", "UID FETCH (BODY.PEEK[])").await?;
            let fetch = fetches.iter().find(|f| f.uid == Some(uid) && f.body().is_some()).ok_or(Error::MessageNotFound(uid))?;
            let received = fetch.internal_date().map(|d| d.timestamp()).unwrap_or_default();
            Ok((fetch.body().unwrap_or_default().to_vec(), flags_of(fetch), received))
        })
        .await
    }

    /// A message as a reader is shown it: its structure first, then the whole message when it is
    /// small, else only the parts shown (see [`super::shown_parts`]): a 30 MB scan attached is not
    /// downloaded to show the text beside it. `mark_seen` marks it read, as opening it does.
    pub async fn shown_message(&mut self, folder: &str, uid: u32, mark_seen: bool) -> Result<Opened, Error> {
        use super::shown_parts::{self, WHOLE_UP_TO};
        timed(async {
            self.select(folder).await?;
            let described = self.uid_fetch(&uid.to_string(), "(UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE)", "UID FETCH (BODYSTRUCTURE)").await?;
            let about = described.iter().find(|f| f.uid == Some(uid) && f.size.is_some()).ok_or(Error::MessageNotFound(uid))?;
            let (flags, received) = (flags_of(about), about.internal_date().map(|d| d.timestamp()).unwrap_or_default());
            let plan = about.bodystructure().filter(|_| about.size.unwrap_or_default() > WHOLE_UP_TO).and_then(shown_parts::plan);
            let items = match &plan {
                None => "(UID BODY.PEEK[])".to_string(),
                Some(plan) => format!("(UID {})", shown_parts::sections(plan).iter().map(|s| format!("BODY.PEEK[{s}]")).collect::<Vec<_>>().join(" ")),
            };
            let label = if plan.is_some() { "UID FETCH (parts shown)" } else { "UID FETCH (BODY.PEEK[])" };
            let fetches = self.uid_fetch(&uid.to_string(), &items, label).await?;
            let fetch = fetches.iter().find(|f| f.uid == Some(uid)).ok_or(Error::MessageNotFound(uid))?;
            let (raw, omitted) = match &plan {
                None => (fetch.body().ok_or(Error::MessageNotFound(uid))?.to_vec(), vec![]),
                Some(plan) => shown_parts::assemble(plan, |name| fetch.section(&section_path(name))),
            };
            if mark_seen && !flags.seen {
                self.store(&uid.to_string(), "+FLAGS.SILENT (\\Seen)").await?;
            }
            Ok(Opened { raw, omitted, flags, received })
        })
        .await
    }

    /// The IHE_XDM.zip attachment of each of `uids` that has one, as sent, and whether it is
    /// base64 (decoding is left to the caller, off the async workers), in the folder the last
    /// [`Self::page`] selected: found in BODYSTRUCTURE, then that part alone is fetched. Parts over
    /// [`MAX_LISTED_ARCHIVE`] are left out (their row keeps the X-MSS-CODECDA types).
    pub async fn xdm_archives(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>, bool)>, Error> {
        if uids.is_empty() {
            return Ok(vec![]);
        }
        let result = timed(async {
            let structures = self.uid_fetch(&uid_set(uids), "(UID BODYSTRUCTURE)", "UID FETCH (BODYSTRUCTURE)").await?;
            let parts: Vec<(u32, Vec<u32>, bool)> = structures
                .iter()
                .filter_map(|f| {
                    let (path, base64, octets) = xdm_part(f.bodystructure()?, &[])?;
                    (octets <= MAX_LISTED_ARCHIVE && uids.contains(&f.uid?)).then_some((f.uid?, path, base64))
                })
                .collect();
            let mut archives = Vec::new();
            for (uid, path, base64) in parts {
                let section = path.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
                let fetches = self.uid_fetch(&uid.to_string(), &format!("(UID BODY.PEEK[{section}])"), "UID FETCH (archive)").await?;
                let wanted = imap_proto::SectionPath::Part(path, None);
                if let Some(part) = fetches.iter().find(|f| f.uid == Some(uid)).and_then(|f| f.section(&wanted)) {
                    archives.push((uid, part.to_vec(), base64));
                }
            }
            Ok(archives)
        })
        .await;
        self.broken |= matches!(result, Err(Error::OperatorUnreachable(_) | Error::Imap(_)));
        result
    }

    /// Whether the connection must be closed rather than given back to the pool.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Flag, unflag, mark, move or delete messages of `folder`.
    /// `actor` is the member acting (care-team keywords name them).
    pub async fn apply(&mut self, folder: &str, uids: &[u32], action: &MessageAction, actor: &str) -> Result<(), Error> {
        if uids.is_empty() {
            return Ok(());
        }
        let set = uid_set(uids);
        let store = |query: &str| (set.clone(), query.to_string());
        let me = keyword_part(actor);
        timed(async {
            let trash = match action {
                MessageAction::Delete => self.own_folder(FolderRole::Trash).await?,
                _ => None,
            };
            self.select(folder).await?;
            let stored = match action {
                MessageAction::MarkRead => Some(store("+FLAGS.SILENT (\\Seen)")),
                MessageAction::MarkUnread => Some(store("-FLAGS.SILENT (\\Seen)")),
                MessageAction::Flag => Some(store("+FLAGS.SILENT (\\Flagged)")),
                MessageAction::Unflag => Some(store("-FLAGS.SILENT (\\Flagged)")),
                MessageAction::TakeCharge => {
                    // one member at a time: whoever held it before lets go
                    let fetches = self.uid_fetch(&set, "(UID FLAGS)", "UID FETCH (FLAGS)").await?;
                    let others: Vec<String> = fetches.iter().flat_map(|f| f.flags()).filter_map(|f| match f {
                        Flag::Custom(k) if k.starts_with(TAKEN_BY) && k[TAKEN_BY.len()..] != me => Some(k.to_string()),
                        _ => None,
                    }).collect();
                    if !others.is_empty() {
                        self.store(&set, &format!("-FLAGS.SILENT ({})", others.join(" "))).await?;
                    }
                    Some(store(&format!("+FLAGS.SILENT ({TAKEN} {TAKEN_BY}{me})")))
                }
                MessageAction::ReleaseCharge => Some(store(&format!("-FLAGS.SILENT ({TAKEN} {TAKEN_BY}{me})"))),
                MessageAction::Move(target) => {
                    folders::check_name(target)?;
                    // the operator refusing the target (not there, not the user's, a bad name) is a refusal
                    let moved = self.inner.uid_mv(&set, target).await;
                    self.answered(format!("UID MOVE {set}"), moved).map_err(|e| match e {
                        async_imap::error::Error::No(_) => Error::FolderNotFound,
                        e => protocol(e),
                    })?;
                    self.resync();
                    None
                }
                MessageAction::Delete => match trash {
                    Some(trash) if trash != folder => {
                        let moved = self.inner.uid_mv(&set, &trash).await;
                        self.answered(format!("UID MOVE {set} (corbeille)"), moved).map_err(protocol)?;
                        self.resync();
                        None
                    }
                    _ => Some(store("+FLAGS.SILENT (\\Deleted)")),
                },
            };
            match stored {
                Some((set, _)) if matches!(action, MessageAction::Delete) => self.expunge(&set).await,
                Some((set, query)) => self.store(&set, &query).await,
                None => Ok(()),
            }
        })
        .await
    }

    /// UID STORE in the selected folder. With CONDSTORE the server answers each change with its
    /// new MODSEQ (RFC 7162 §3.1.3, .SILENT too): the folder's known state moves on to the highest,
    /// so the next request needs no SELECT; without them it is selected again.
    async fn store(&mut self, set: &str, query: &str) -> Result<(), Error> {
        let started = std::time::Instant::now();
        let answers = async { self.inner.uid_store(set, query).await?.try_collect::<Vec<_>>().await }.await;
        let answers = self.answered(format!("UID STORE {set} {}", without_keyword_owners(query)), answers).map_err(protocol)?;
        self.note("UID STORE", started);
        match (answers.iter().filter_map(|f| f.modseq).max(), &mut self.selected) {
            (Some(modseq), Some(kept)) if kept.mailbox.highest_modseq.is_some() => {
                kept.mailbox.highest_modseq = kept.mailbox.highest_modseq.max(Some(modseq));
            }
            _ => self.resync(),
        }
        Ok(())
    }

    /// Delete the messages of the selected folder for good (these UIDs only: UIDPLUS).
    async fn expunge(&mut self, set: &str) -> Result<(), Error> {
        self.store(set, "+FLAGS.SILENT (\\Deleted)").await?;
        let started = std::time::Instant::now();
        let expunged = async { self.inner.uid_expunge(set).await?.try_collect::<Vec<_>>().await }.await;
        self.answered(format!("UID EXPUNGE {set}"), expunged).map_err(protocol)?;
        self.note("UID EXPUNGE", started);
        self.resync();
        Ok(())
    }

    /// Whether the user sees `folder` in their LIST (their own, or shared with them).
    pub async fn is_listed(&mut self, folder: &str) -> Result<bool, Error> {
        Ok(self.list().await?.iter().any(|(name, _)| name == folder))
    }

    /// The reports (`multipart/report`) of `folder`, newest last, each cut at `REPORT_BYTES`, with
    /// the folder's state when read (UIDVALIDITY, UIDNEXT, EXISTS): none when it is still `known`.
    pub async fn reports(&mut self, folder: &str, known: Option<FolderState>) -> Result<(FolderState, Option<Vec<Vec<u8>>>), Error> {
        timed(async {
            let selected = self.select(folder).await?;
            let state = (selected.uid_validity.unwrap_or_default(), selected.uid_next.unwrap_or_default(), selected.exists);
            if known == Some(state) {
                return Ok((state, None));
            }
            let mut uids: Vec<u32> = self.inner.uid_search("HEADER Content-Type \"multipart/report\"").await.map_err(protocol)?.into_iter().collect();
            uids.sort_unstable();
            let newest = &uids[uids.len().saturating_sub(MAX_REPORTS)..];
            if newest.is_empty() {
                return Ok((state, Some(vec![])));
            }
            let fetches = self.uid_fetch(&uid_set(newest), &format!("(UID BODY.PEEK[]<0.{REPORT_BYTES}>)"), "UID FETCH (reports)").await?;
            Ok((state, Some(fetches.iter().filter_map(|f| f.body().map(<[u8]>::to_vec)).collect())))
        })
        .await
    }

    /// Mark the message of `folder` with that Message-ID answered, by `actor` (a member's reply
    /// from an organisational mailbox: every member sees who answered).
    pub async fn mark_answered(&mut self, folder: &str, message_id: &str, actor: &str) -> Result<(), Error> {
        let uids = self.find_message_id(folder, message_id).await?;
        if uids.is_empty() {
            return Ok(());
        }
        let query = format!("+FLAGS.SILENT (\\Answered {ANSWERED_BY}{})", keyword_part(actor));
        timed(self.store(&uid_set(&uids), &query)).await
    }

    /// The user's own folder with that special use (not one inside a shared mailbox).
    pub async fn own_folder(&mut self, role: FolderRole) -> Result<Option<String>, Error> {
        Ok(self.list().await?.into_iter().find(|(name, r)| *r == role && !is_shared(name)).map(|(name, _)| name))
    }

    /// UIDs of the messages of `folder` with that Message-ID (without the angle brackets).
    pub async fn find_message_id(&mut self, folder: &str, message_id: &str) -> Result<Vec<u32>, Error> {
        if message_id.chars().any(|c| c.is_control() || c == '<' || c == '>') {
            return Err(Error::BadInput("Identifiant de message invalide.".into()));
        }
        timed(async {
            self.select(folder).await?;
            let query = format!("HEADER Message-ID {}", search::literal(&format!("<{message_id}>")));
            Ok(self.inner.uid_search(query).await.map_err(protocol)?.into_iter().collect())
        })
        .await
    }

    /// Replace the messages of `folder` with that Message-ID by `raw` (a draft saved again):
    /// the new version is stored before the old ones go, so a failure loses nothing.
    pub async fn replace(&mut self, folder: &str, message_id: &str, flags: &str, raw: &[u8]) -> Result<(), Error> {
        let old = self.find_message_id(folder, message_id).await?;
        self.append(folder, Some(flags), raw).await?;
        self.remove(folder, &old).await
    }

    /// Delete these messages of `folder` for good.
    pub async fn remove(&mut self, folder: &str, uids: &[u32]) -> Result<(), Error> {
        if uids.is_empty() {
            return Ok(());
        }
        timed(async {
            self.select(folder).await?;
            self.expunge(&uid_set(uids)).await
        })
        .await
    }

    /// Run a command whose answer async-imap does not parse (ACL, RFC 4314), handing each untagged
    /// response, as imap-proto parses it, to `collect`.
    async fn command(&mut self, command: &str, mut collect: impl FnMut(&imap_proto::Response<'_>) + Send) -> Result<(), Error> {
        timed(async {
            let id = self.inner.run_command(command).await.map_err(protocol)?;
            loop {
                let response = self.inner.read_response().await.map_err(unreachable)?.ok_or_else(|| unreachable("connection closed"))?;
                match response.parsed() {
                    imap_proto::Response::Done { tag, status, information, .. } if *tag == id => {
                        let text = information.as_deref().unwrap_or_default().to_string();
                        return match status {
                            imap_proto::Status::Ok => Ok(()),
                            imap_proto::Status::No => Err(Error::OperatorRefused(text)),
                            _ => Err(Error::Imap(text)),
                        };
                    }
                    other => collect(other),
                }
            }
        })
        .await
    }

    /// The caller's rights on `folder` (MYRIGHTS), as RFC 4314 letters.
    pub async fn my_rights(&mut self, folder: &str) -> Result<String, Error> {
        folders::check_name(folder)?;
        let mut letters = String::new();
        self.command(&format!("MYRIGHTS \"{folder}\""), |r| {
            if let imap_proto::Response::MyRights(rights) = r {
                letters = rights.rights.iter().map(|r| char::from(*r)).collect();
            }
        })
        .await?;
        Ok(letters)
    }

    /// Who holds which rights on `folder` (GETACL; needs the administer right).
    pub async fn acl(&mut self, folder: &str) -> Result<Vec<(String, String)>, Error> {
        folders::check_name(folder)?;
        let mut entries = Vec::new();
        self.command(&format!("GETACL \"{folder}\""), |r| {
            if let imap_proto::Response::Acl(acl) = r {
                entries.extend(acl.acls.iter().map(|e| (e.identifier.to_string(), e.rights.iter().map(|r| char::from(*r)).collect())));
            }
        })
        .await?;
        Ok(entries)
    }

    /// Grant exactly `letters` to `identifier` on `folder` (SETACL), or remove them all (DELETEACL).
    pub async fn set_acl(&mut self, folder: &str, identifier: &str, letters: &str) -> Result<(), Error> {
        folders::check_name(folder)?;
        folders::check_name(identifier)?;
        if letters.is_empty() {
            self.command(&format!("DELETEACL \"{folder}\" \"{identifier}\""), |_| {}).await?;
        } else {
            self.command(&format!("SETACL \"{folder}\" \"{identifier}\" {letters}"), |_| {}).await?;
        }
        Ok(())
    }

    /// The folders of the organisational mailbox `address` the caller can see (its inbox first).
    pub async fn organisational_folders(&mut self, address: &str) -> Result<Vec<String>, Error> {
        let inbox = shared_inbox(address);
        let mut names: Vec<String> = self.list().await?.into_iter().map(|(n, _)| n).filter(|n| *n == inbox || n.starts_with(&format!("{inbox}/"))).collect();
        names.sort_by_key(|n| *n != inbox);
        Ok(names)
    }

    /// Mark that the read receipt of a message was sent or declined.
    pub async fn mark_receipt_handled(&mut self, folder: &str, uid: u32) -> Result<(), Error> {
        timed(async {
            self.select(folder).await?;
            self.store(&uid.to_string(), &format!("+FLAGS.SILENT ({MDN_SENT})")).await
        })
        .await
    }

    /// Store a message in `folder` (drafts, sent mail), with IMAP flags such as "(\\Seen)".
    pub async fn append(&mut self, folder: &str, flags: Option<&str>, raw: &[u8]) -> Result<(), Error> {
        folders::check_name(folder)?;
        timed(async {
            let appended = self.inner.append(folder, flags, None, raw).await;
            self.answered(format!("APPEND ({} octets)", raw.len()), appended).map_err(protocol)
        })
        .await
    }

    /// For an export: the UIDs of `folder`, oldest first.
    pub async fn all_uids(&mut self, folder: &str) -> Result<Vec<u32>, Error> {
        timed(async {
            self.select(folder).await?;
            let found = self.inner.uid_search("ALL").await;
            let mut uids: Vec<u32> = self.answered("UID SEARCH ALL".into(), found).map_err(protocol)?.into_iter().collect();
            uids.sort_unstable();
            Ok(uids)
        })
        .await
    }

    /// The sizes of messages `uids` of `folder` (RFC822.SIZE), in UID order.
    pub async fn sizes(&mut self, folder: &str, uids: &[u32]) -> Result<Vec<(u32, u32)>, Error> {
        timed(async {
            self.select(folder).await?;
            let fetches = self.uid_fetch(&uid_set(uids), "(UID RFC822.SIZE)", "UID FETCH (RFC822.SIZE)").await?;
            let mut sizes: Vec<(u32, u32)> = fetches.iter().filter_map(|f| Some((f.uid?, f.size?))).collect();
            sizes.sort_unstable();
            Ok(sizes)
        })
        .await
    }

    /// Whole messages `uids` of `folder`, with the flags an archive keeps and their arrival time,
    /// in UID order; not marked read.
    pub async fn whole(&mut self, folder: &str, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>, KeptFlags, i64)>, Error> {
        timed(async {
            self.select(folder).await?;
            let fetches = self.uid_fetch(&uid_set(uids), "(UID FLAGS INTERNALDATE BODY.PEEK[])", "UID FETCH (BODY.PEEK[])").await?;
            let mut messages: Vec<(u32, Vec<u8>, KeptFlags, i64)> = fetches
                .iter()
                .filter_map(|f| {
                    let mut flags = KeptFlags::default();
                    for flag in f.flags() {
                        match flag {
                            Flag::Seen => flags.seen = true,
                            Flag::Answered => flags.answered = true,
                            Flag::Flagged => flags.flagged = true,
                            Flag::Draft => flags.draft = true,
                            _ => {}
                        }
                    }
                    Some((f.uid?, f.body()?.to_vec(), flags, f.internal_date().map(|d| d.timestamp()).unwrap_or_default()))
                })
                .collect();
            messages.sort_unstable_by_key(|m| m.0);
            Ok(messages)
        })
        .await
    }

    /// The Message-IDs in `folder`, read a thousand messages at a time (an import skips them).
    pub async fn message_ids(&mut self, folder: &str) -> Result<std::collections::HashSet<String>, Error> {
        let uids = self.all_uids(folder).await?;
        let mut ids = std::collections::HashSet::with_capacity(uids.len());
        for window in uids.chunks(1000) {
            let fetched = timed(async {
                self.uid_fetch(&uid_set(window), "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])", "UID FETCH (Message-ID)").await
            })
            .await?;
            ids.extend(fetched.iter().filter_map(|f| f.header().and_then(crate::mail::archive::message_id)));
        }
        Ok(ids)
    }

    /// IDLE on `folder` (RFC 2177) until the server reports a change or `max` passes; says which.
    pub async fn wait_for_change(self, folder: &str, max: Duration) -> Result<(ImapSession, bool), Error> {
        let mut this = self;
        this.select(folder).await?;
        let mut idle = this.inner.idle();
        idle.init().await.map_err(protocol)?;
        let (wait, _stop) = idle.wait_with_timeout(max);
        let changed = matches!(wait.await.map_err(protocol)?, async_imap::extensions::idle::IdleResponse::NewData(_));
        let inner = timed(async { idle.done().await.map_err(protocol) }).await?;
        let mut session = ImapSession::new(inner, this.search_budget);
        session.list_status = this.list_status;
        if !changed {
            session.selected = this.selected.take();
        }
        Ok((session, changed))
    }

    /// The protocol session itself, for the benchmark's raw-IMAP floor.
    pub fn protocol(&mut self) -> &mut async_imap::Session<TlsStream<TcpStream>> {
        &mut self.inner
    }

    /// Is the connection still alive?
    pub async fn noop(&mut self) -> Result<(), Error> {
        timed(async { self.inner.noop().await.map_err(protocol) }).await
    }

    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.inner.logout()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_keeps_the_answer_code_and_no_free_text() {
        use async_imap::error::Error as E;
        let no = |text: &str| imap_answer::<()>(&Err(E::No(text.into())));
        assert_eq!(no(r#"code: Some(TryCreate), info: Some("Mailbox doesn't exist: Patients Dupont")"#), "NO [TRYCREATE]");
        assert_eq!(no(r#"code: None, info: Some("[NONEXISTENT] Mailbox doesn't exist: X")"#), "NO [NONEXISTENT]");
        assert_eq!(no(r#"code: None, info: Some("Mailbox doesn't exist: Dossier [privé]")"#), "NO");
        assert_eq!(imap_answer::<()>(&Ok(())), "OK");
        assert_eq!(imap_answer::<()>(&Err(E::ConnectionLost)), "connexion perdue");
        assert_eq!(without_keyword_owners("+FLAGS.SILENT ($MSSPris $MSSPris.julien.moreau@hopital-demo.mssante.fr)"), "+FLAGS.SILENT ($MSSPris $MSSPris)");
        assert_eq!(without_keyword_owners("-FLAGS.SILENT (\\Seen)"), "-FLAGS.SILENT (\\Seen)");
    }

    #[test]
    fn a_shared_mailbox_is_listed_under_its_canonical_address_only() {
        let none: &[NameAttribute] = &[];
        let names = ["INBOX", "Shared/secretariat-cardio@hopital-demo.mssante.fr/INBOX", "Shared/SECRETARIAT-CARDIO@HOPITAL-DEMO.MSSANTE.FR/INBOX", "Dossier MAJUSCULE"];
        let listed: Vec<String> = selectable(names.iter().map(|n| (*n, none))).into_iter().map(|(name, _)| name).collect();
        assert_eq!(listed, ["INBOX", "Dossier MAJUSCULE", "Shared/secretariat-cardio@hopital-demo.mssante.fr/INBOX"]);
    }
}
