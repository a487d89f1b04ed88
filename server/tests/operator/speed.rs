//! What a request costs on the IMAP side: a folder kept selected is served after a NOOP alone
//! while another client's changes still show, marking read moves the known state on without a
//! SELECT, and a large message is opened without downloading its attachments.

use crate::common::{backend_for, dovecot};
use app::reading::{MessageAction, Search};
use server::gateway::imap::{ImapGateway, ImapSession, PageCache};
use server::mail::message::{self, PartUrls};

/// The bench user's two IMAP connections (this webmail's, another client's) and a folder of the
/// test's own in their mailbox, removed by [`Fixture::end`].
struct Fixture {
    mailbox: String,
    folder: String,
    this: ImapSession,
    other: ImapSession,
}

impl Fixture {
    async fn new() -> Self {
        let (backend, session, _, config) = backend_for("10100000058").await;
        let user = backend.sessions.require_user(&session).await.unwrap();
        let mailbox = user.identity.mailbox.clone();
        let folder = format!("Vitesse-{}", rand::random::<u32>());
        dovecot(&["doveadm", "mailbox", "create", "-u", &mailbox, &folder]);
        let gateway = ImapGateway::new(config.imap).unwrap();
        let this = gateway.open(&mailbox, &user.tokens.access_token).await.unwrap();
        let other = gateway.open(&mailbox, &user.tokens.access_token).await.unwrap();
        Self { mailbox, folder, this, other }
    }

    fn message(&self, n: u32, body: &str) -> Vec<u8> {
        format!(
            "From: Dr Antoine ROUX <antoine.roux@labo-demo.mssante.fr>\r\nTo: {}\r\nSubject: Essai {n}\r\nMessage-ID: <vitesse.{n}.{}@hopital-demo.mssante.fr>\r\n\
             Date: Sat, 28 Nov 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n{body}",
            self.mailbox, self.folder
        )
        .into_bytes()
    }

    async fn page(&mut self, cache: &PageCache) -> app::reading::MessageList {
        let key = PageCache::key(&self.mailbox, &self.folder, 0, &Search::default(), false, 0);
        self.this.page(&self.folder, 0, &Search::default(), 0, Some((cache, &key))).await.unwrap()
    }

    /// The commands this webmail's connection sent since last asked.
    fn commands(&mut self) -> Vec<String> {
        self.this.take_trace().into_iter().map(|(command, _)| command).collect()
    }

    async fn end(self) {
        self.this.logout().await;
        self.other.logout().await;
        dovecot(&["doveadm", "mailbox", "delete", "-s", "-u", &self.mailbox, &self.folder]);
    }
}

#[tokio::test]
async fn a_folder_kept_selected_costs_a_noop_and_still_shows_other_clients_changes() {
    let mut f = Fixture::new().await;
    let cache = PageCache::default();
    let plain = "Content-Type: text/plain; charset=utf-8\r\n\r\nTexte.\r\n";
    let first = f.message(1, plain);
    f.other.append(&f.folder, None, &first).await.unwrap();

    let listed = f.page(&cache).await;
    assert_eq!(listed.total, 1);
    assert_eq!(f.commands(), ["SELECT", "STATUS", "FETCH (page)"]);
    assert_eq!(f.page(&cache).await, listed);
    assert_eq!(f.commands(), ["NOOP"], "kept selected and unchanged: no SELECT, the page from the cache");

    // another client flags the message: the NOOP reports it with its MODSEQ, and the page is read
    // again without a SELECT
    let uid = listed.messages[0].uid;
    let mailbox = f.mailbox.clone();
    f.other.apply(&f.folder, &[uid], &MessageAction::Flag, &mailbox).await.unwrap();
    let flagged = f.page(&cache).await;
    assert!(flagged.messages[0].flagged, "the other client's flag shows");
    assert_eq!(f.commands(), ["NOOP", "STATUS", "FETCH (page)"]);
    assert_eq!(f.page(&cache).await, flagged);
    assert_eq!(f.commands(), ["NOOP"], "and served from the cache again");

    // a message arrives: that takes a SELECT
    let second = f.message(2, plain);
    f.other.append(&f.folder, None, &second).await.unwrap();
    let two = f.page(&cache).await;
    assert_eq!((two.total, two.unseen), (2, 2), "the new message shows");
    assert_eq!(f.commands(), ["NOOP", "SELECT", "STATUS", "FETCH (page)"]);

    // opening marks read with UID STORE; the MODSEQ it answers moves the known state on
    let newest = two.messages[0].uid;
    let opened = f.this.shown_message(&f.folder, newest, true).await.unwrap();
    assert!(!opened.flags.seen, "flags as they were before opening");
    let after = f.page(&cache).await;
    assert!(after.messages[0].seen && after.unseen == 1, "read now");
    assert_eq!(f.commands(), ["NOOP", "UID FETCH (BODYSTRUCTURE)", "UID FETCH (BODY.PEEK[])", "UID STORE", "NOOP", "STATUS", "FETCH (page)"]);
    assert!(f.other.page(&f.folder, 0, &Search::default(), 0, None).await.unwrap().messages[0].seen, "and the server has it");

    // every folder's counts in one command (LIST-STATUS)
    let folders = f.this.folders().await.unwrap();
    assert_eq!(f.commands(), ["LIST (STATUS)"]);
    let ours = folders.iter().find(|x| x.name == f.folder).unwrap();
    assert_eq!((ours.total, ours.unseen), (2, 1));
    assert_eq!(folders[0].name, "INBOX", "the inbox first");
    f.end().await;
}

#[tokio::test]
async fn a_large_message_is_opened_without_downloading_its_attachments() {
    let mut f = Fixture::new().await;
    // a 30 MB scan (as sent: base64) beside a short text
    let line = "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29k\r\n";
    let lines = 30 * 1024 * 1024 / line.len();
    let body = format!(
        "Content-Type: multipart/mixed; boundary=\"limite\"\r\n\r\n--limite\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Voici le scanner de M. Durand.\r\n--limite\r\nContent-Type: application/pdf; name=\"scanner.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"scanner.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--limite--\r\n",
        line.repeat(lines)
    );
    let raw = f.message(3, &body);
    f.other.append(&f.folder, None, &raw).await.unwrap();
    let uid = f.other.page(&f.folder, 0, &Search::default(), 0, None).await.unwrap().messages[0].uid;

    let opened = f.this.shown_message(&f.folder, uid, false).await.unwrap();
    assert!(opened.raw.len() < 16 * 1024, "{} bytes downloaded to show it", opened.raw.len());
    assert_eq!(f.commands(), ["SELECT", "UID FETCH (BODYSTRUCTURE)", "UID FETCH (parts shown)"]);
    let view = message::view(&PartUrls { folder: &f.folder, uid }, &opened);
    assert_eq!(view.text, "Voici le scanner de M. Durand.");
    assert_eq!(view.subject, "Essai 3");
    assert_eq!(view.attachments.len(), 1);
    let decoded = (line.len() - 2) / 4 * 3 * lines;
    assert_eq!((view.attachments[0].name.as_str(), view.attachments[0].size.as_str()), ("scanner.pdf", app::format::size(decoded as u64).as_str()));

    // the attachment itself comes whole when asked for
    let (whole, _, _) = f.this.raw_message(&f.folder, uid).await.unwrap();
    assert_eq!(message::attachment(&whole, 0).unwrap().2.len(), decoded);
    f.end().await;
}

#[tokio::test]
async fn a_search_out_of_time_shows_its_progress_and_resumes_where_it_stopped() {
    let (backend, session, _, config) = backend_for("10100000058").await;
    let user = backend.sessions.require_user(&session).await.unwrap();
    let (mailbox, token) = (&user.identity.mailbox, &user.tokens.access_token);
    let given_time = ImapGateway::new(config.imap.clone()).unwrap();
    let hurried = ImapGateway::new(server::config::ImapConfig { search_budget: std::time::Duration::ZERO, ..config.imap }).unwrap();
    let (mut slow, mut patient) = (hurried.open(mailbox, token).await.unwrap(), given_time.open(mailbox, token).await.unwrap());

    // about one message in a hundred of the 1 000-message INBOX; each request now has time for
    // one window of sequence numbers only
    let rare = Search { from: ".42@".into(), ..Default::default() };
    let cache = PageCache::default();
    let key = PageCache::key(mailbox, "INBOX", 0, &rare, false, 0);
    let mut list = slow.page("INBOX", 0, &rare, 0, Some((&cache, &key))).await.unwrap();
    let mut scanned = Vec::new();
    while let Some(progress) = list.progress {
        assert!(!list.complete && progress.of >= 1_000, "{progress:?}");
        scanned.push(progress.scanned);
        assert!(scanned.len() < 20, "the search goes on: {scanned:?}");
        list = slow.page("INBOX", 0, &rare, 0, Some((&cache, &key))).await.unwrap();
    }
    assert!(!scanned.is_empty() && scanned.windows(2).all(|w| w[0] < w[1]), "each request goes further: {scanned:?}");
    let whole = patient.page("INBOX", 0, &rare, 0, None).await.unwrap();
    assert!(whole.progress.is_none() && whole.complete && whole.total > 0);
    assert_eq!((list.complete, list.total, &list.messages), (true, whole.total, &whole.messages), "the same as a search given the time");
    slow.logout().await;
    patient.logout().await;
}
