//! Benchmark (a command that prints figures, not a test): the webmail next to Roundcube 1.6
//! (Debian's package, default settings) and the raw IMAP floor, on the same Dovecot and the same
//! 100 000-message INBOX. The webmail and Roundcube are called over HTTP as their pages call them
//! (the release webmail as its own process), the raw floor on one IMAP connection with the folder
//! selected. Three phases: warm, n rounds interleaved; cold, right after a Dovecot restart; and 10
//! users at once, each with a mailbox of their own. Run it with scripts/bench-side-by-side.sh.
//!   cargo run --release -p server --example bench_side_by_side -- [rounds] [warm]
//! `warm` runs the first phase only; with `IMAP_TRACE=1` the webmail logs each request's IMAP
//! commands and their durations.

#[path = "../tests/common/mod.rs"]
mod common;

use app::reading::{MessageList, Search};
use futures::TryStreamExt;
use server::gateway::imap::ImapGateway;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A callback the PSC stand-in accepts besides the demo's.
const WEBMAIL_PORT: u16 = 8081;
const ROUNDCUBE: &str = "http://127.0.0.1:8092";
/// The fixture password of the bench mailboxes (operator/dovecot/users), for Roundcube.
const BENCH_PASSWORD: &str = "fixture-bench-1a2b";
const BENCH_RPPS: &str = "10100000058";
/// The other bench users, for the 10-user phase (operator/directory.json).
fn bench_user(n: usize) -> (String, String) {
    if n == 1 { (BENCH_RPPS.into(), "bench@hopital-demo.mssante.fr".into()) } else { (format!("101000006{n:02}"), format!("bench{n}@hopital-demo.mssante.fr")) }
}
const USERS_AT_ONCE: usize = 10;
const SUMMARY: &str = "(UID FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE CONTENT-TYPE X-MSS-CODECDA MESSAGE-ID)])";

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Op {
    FirstPage,
    DeepPage,
    Open,
    SubjectSearch,
    SenderSearch,
    Folders,
    MailView,
}

impl Op {
    const ALL: [Op; 7] = [Op::FirstPage, Op::DeepPage, Op::Open, Op::SubjectSearch, Op::SenderSearch, Op::Folders, Op::MailView];

    fn label(self) -> &'static str {
        match self {
            Op::FirstPage => "list page 1 (50 newest), repeated",
            Op::DeepPage => "deep page (5–500)",
            Op::Open => "open a message (JSON / preview)",
            Op::SubjectSearch => "subject search, 1 match (new each time)",
            Op::SenderSearch => "sender search, ~5 000 matches (new…)",
            Op::Folders => "folders + unread counts",
            Op::MailView => "full HTML page of the mail view",
        }
    }
}

/// What one call works on: the page and the message differ per client, so that none finds the
/// work done by another (a message already marked read, a page already cached by Dovecot).
#[derive(Clone, Copy)]
struct Target {
    page: u32,
    uid: u32,
    total: u32,
    /// Which search: a different one each round, so that no cache answers it.
    round: u32,
}

struct Webmail {
    http: reqwest::Client,
    base: String,
}

impl Webmail {
    async fn post<T: serde::de::DeserializeOwned>(&self, endpoint: &str, body: serde_json::Value) -> T {
        let response = self.http.post(format!("{}/api/{endpoint}", self.base)).header("origin", &self.base).json(&body).send().await.unwrap();
        assert!(response.status().is_success(), "webmail /api/{endpoint}: {}", response.status());
        response.json().await.unwrap()
    }

    async fn list(&self, page: u32, search: Search) -> MessageList {
        // a search that runs out of time answers with its progress: the page asks again until done
        loop {
            let list: MessageList = self.post("messages", serde_json::json!({ "folder": "INBOX", "page": page, "search": search })).await;
            if list.progress.is_none() {
                return list;
            }
        }
    }

    async fn run(&self, op: Op, t: Target) {
        match op {
            Op::FirstPage => assert_eq!(self.list(0, Search::default()).await.messages.len(), 50),
            Op::DeepPage => assert_eq!(self.list(t.page, Search::default()).await.messages.len(), 50),
            Op::SubjectSearch => assert_eq!(self.list(0, subject_search(t)).await.total, 1),
            Op::SenderSearch => assert!(self.list(0, sender_search(t)).await.total > 50),
            Op::Open => {
                let view: serde_json::Value = self.post("message", serde_json::json!({ "folder": "INBOX", "uid": t.uid })).await;
                assert!(view["text"].as_str().is_some_and(|t| t.contains("Message de charge")));
            }
            Op::Folders => assert!(self.post::<Vec<serde_json::Value>>("dossiers", serde_json::json!({})).await.len() >= 4),
            Op::MailView => {
                let response = self.http.get(format!("{}/messages/{}?dossier=INBOX", self.base, t.uid)).send().await.unwrap();
                assert!(response.status().is_success());
                assert!(response.text().await.unwrap().contains("Message de charge"));
            }
        }
    }
}

/// Messages already read, from list pages `pages`: opening them changes nothing, so that no client's
/// reading disturbs the others' measures (marking read renames the message's file in a Maildir,
/// and every other connection then pays Dovecot's rescan of the 100 000-file folder: 50–150 ms).
async fn read_messages(webmail: &Webmail, pages: std::ops::Range<u32>) -> Vec<u32> {
    let mut uids = Vec::new();
    for page in pages {
        uids.extend(webmail.list(page, Search::default()).await.messages.iter().filter(|m| m.seen).map(|m| m.uid));
    }
    uids
}

fn subject_search(t: Target) -> Search {
    Search { subject: format!("n° {}", t.total / 2 + 1 + t.round), ..Default::default() }
}

/// Names of operator/seed/seed.py's bench senders: each is the sender of about 5 % of the messages.
const SENDERS: [&str; 10] = ["martin", "bernard", "thomas", "petit", "robert", "richard", "durand", "leroy", "moreau", "simon"];

fn sender_search(t: Target) -> Search {
    Search { from: SENDERS[t.round as usize % SENDERS.len()].into(), ..Default::default() }
}

struct Roundcube {
    http: reqwest::Client,
    token: String,
}

impl Roundcube {
    async fn sign_in(user: &str) -> Self {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let form = http.get(format!("{ROUNDCUBE}/?_task=login")).send().await.unwrap().text().await.unwrap();
        let token = between(&form, "name=\"_token\" value=\"", "\"");
        let params = [("_token", token.as_str()), ("_task", "login"), ("_action", "login"), ("_timezone", "Europe/Paris"), ("_url", ""), ("_user", user), ("_pass", BENCH_PASSWORD)];
        http.post(format!("{ROUNDCUBE}/?_task=login")).form(&params).send().await.unwrap();
        let mail = http.get(format!("{ROUNDCUBE}/?_task=mail&_mbox=INBOX")).send().await.unwrap().text().await.unwrap();
        assert!(mail.contains("\"request_token\""), "Roundcube sign-in failed for {user}");
        Self { token: between(&mail, "\"request_token\":\"", "\""), http }
    }

    async fn get(&self, query: &str) -> String {
        let response = self.http.get(format!("{ROUNDCUBE}/?{query}")).header("X-Roundcube-Request", &self.token).send().await.unwrap();
        assert!(response.status().is_success(), "Roundcube {query}: {}", response.status());
        let body = response.text().await.unwrap();
        assert!(!body.contains("\"action\":\"error\""), "Roundcube {query}: {body}");
        body
    }

    async fn run(&self, op: Op, t: Target) {
        let q = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
        match op {
            Op::FirstPage => assert!(self.get("_task=mail&_action=list&_mbox=INBOX&_page=1&_remote=1").await.contains("add_message_row")),
            Op::DeepPage => assert!(self.get(&format!("_task=mail&_action=list&_mbox=INBOX&_page={}&_remote=1", t.page + 1)).await.contains("add_message_row")),
            Op::SubjectSearch => {
                let query = format!("_task=mail&_action=search&_q={}&_headers=subject&_filter=ALL&_scope=base&_mbox=INBOX&_remote=1", q(&subject_search(t).subject));
                assert!(self.get(&query).await.contains("\"messagecount\":1,"));
            }
            Op::SenderSearch => {
                let query = format!("_task=mail&_action=search&_q={}&_headers=from&_filter=ALL&_scope=base&_mbox=INBOX&_remote=1", q(&sender_search(t).from));
                assert!(self.get(&query).await.contains("add_message_row"));
            }
            Op::Open => assert!(self.get(&format!("_task=mail&_action=preview&_uid={}&_mbox=INBOX&_framed=1", t.uid)).await.contains("Message de charge")),
            Op::Folders => assert!(self.get("_task=mail&_action=getunread&_remote=1").await.contains("set_unread_count")),
            Op::MailView => assert!(self.get(&format!("_task=mail&_action=show&_uid={}&_mbox=INBOX", t.uid)).await.contains("Message de charge")),
        }
    }
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text.find(start).map(|i| i + start.len()).expect("marker in the page");
    text[from..][..text[from..].find(end).unwrap()].to_string()
}

/// The floor: the IMAP commands of the same work, on one connection with INBOX selected.
struct RawImap {
    session: server::gateway::imap::ImapSession,
}

impl RawImap {
    async fn open(gateway: &ImapGateway, mailbox: &str, token: &str) -> Self {
        let mut session = gateway.open(mailbox, token).await.unwrap();
        session.protocol().select("INBOX").await.unwrap();
        Self { session }
    }

    async fn run(&mut self, op: Op, t: Target) {
        let raw = self.session.protocol();
        match op {
            Op::FirstPage | Op::DeepPage => {
                let page = if op == Op::FirstPage { 0 } else { t.page };
                let high = t.total - page * 50;
                let rows: Vec<_> = raw.fetch(format!("{}:{high}", high - 49), SUMMARY).await.unwrap().try_collect().await.unwrap();
                assert!(rows.len() >= 50, "{}", rows.len()); // with the other sessions' flag changes reported
            }
            Op::Open | Op::MailView => {
                for items in ["(UID FLAGS INTERNALDATE RFC822.SIZE BODYSTRUCTURE)", "(UID BODY.PEEK[])"] {
                    let _: Vec<_> = raw.uid_fetch(t.uid.to_string(), items).await.unwrap().try_collect().await.unwrap();
                }
                let _: Vec<_> = raw.uid_store(t.uid.to_string(), "+FLAGS.SILENT (\\Seen)").await.unwrap().try_collect().await.unwrap();
            }
            Op::SubjectSearch => {
                let subject = server::mail::search::literal(&subject_search(t).subject);
                assert_eq!(raw.uid_search(format!("CHARSET UTF-8 SUBJECT {subject}")).await.unwrap().len(), 1);
            }
            Op::SenderSearch => {
                assert!(raw.uid_search(format!("FROM {}", server::mail::search::literal(&sender_search(t).from))).await.unwrap().len() > 50);
            }
            Op::Folders => {
                let names: Vec<_> = raw.list(Some(""), Some("*")).await.unwrap().try_collect().await.unwrap();
                for name in names {
                    raw.status(name.name(), "(MESSAGES UNSEEN)").await.unwrap();
                }
            }
        }
    }
}

#[derive(Default)]
struct Samples(BTreeMap<(Op, &'static str), Vec<Duration>>);

impl Samples {
    fn add(&mut self, op: Op, client: &'static str, took: Duration) {
        self.0.entry((op, client)).or_default().push(took);
    }

    fn at(&self, op: Op, client: &str, q: f64) -> Option<f64> {
        let mut s = self.0.iter().find(|((o, c), _)| *o == op && *c == client)?.1.clone();
        s.sort();
        Some(s[((s.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0)
    }

    fn print(&self, title: &str, ops: &[Op]) {
        println!("\n{title}");
        println!("{:<38} {:>17} {:>17} {:>17} {:>15} {:>15}", "operation (p50 / p95, ms)", "webmail", "Roundcube", "raw IMAP", "Roundcube ÷ wm", "webmail ÷ raw");
        for &op in ops {
            let cell = |c: &str| match (self.at(op, c, 0.5), self.at(op, c, 0.95)) {
                (Some(a), Some(b)) => format!("{a:>7.1} / {b:>7.1}"),
                _ => "—".into(),
            };
            let ratio = |a: &str, b: &str| match (self.at(op, a, 0.5), self.at(op, b, 0.5), self.at(op, a, 0.95), self.at(op, b, 0.95)) {
                (Some(a50), Some(b50), Some(a95), Some(b95)) => format!("{:>6.1} / {:>5.1}", a50 / b50, a95 / b95),
                _ => "—".into(),
            };
            println!("{:<38} {:>17} {:>17} {:>17} {:>15} {:>15}", op.label(), cell("webmail"), cell("Roundcube"), cell("raw IMAP"), ratio("Roundcube", "webmail"), ratio("webmail", "raw IMAP"));
        }
    }
}

async fn timed(f: impl Future<Output = ()>) -> Duration {
    let t = Instant::now();
    f.await;
    t.elapsed()
}

async fn restart_dovecot() {
    common::dovecot(&["doveadm", "stop"]);
    common::wait_for_port_closed(143).await;
    // the kernel's page cache too, where allowed (root, not in every container)
    let _ = std::fs::write("/proc/sys/vm/drop_caches", "3");
    common::dovecot(&["dovecot"]);
    common::wait_for_port(143).await;
}

#[tokio::main]
async fn main() {
    let rounds: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    let warm_only = std::env::args().nth(2).as_deref() == Some("warm");
    let traced = std::env::var("IMAP_TRACE").as_deref() == Ok("1");
    let trace_settings: &[(&str, &str)] = if traced { &[("IMAP_TRACE", "1"), ("RUST_LOG", "error,imap_trace=info")] } else { &[] };
    let webmail_process = common::ReleaseWebmail::start(WEBMAIL_PORT, trace_settings).await;
    let config = common::config("webmail");
    let gateway = ImapGateway::new(config.imap.clone()).unwrap();
    let (_, user, _) = common::signed_in("webmail", BENCH_RPPS).await;
    let mailbox = user.identity.mailbox.clone();

    // each client on a mailbox of its own, seeded alike (same messages, UIDs and flags): a session's
    // reads make Dovecot extend the folder's cache, which every other session in it then has to
    // take in (6–20 ms per command on 100 000 messages), a cost a user's one client does not pay
    let webmail = Webmail { http: webmail_process.signed_in_client(BENCH_RPPS).await, base: webmail_process.base.clone() };
    let roundcube = Roundcube::sign_in(&bench_user(2).1).await;
    let (raw_rpps, raw_mailbox) = bench_user(3);
    let (_, raw_user, _) = common::signed_in("webmail", &raw_rpps).await;
    let mut raw = RawImap::open(&gateway, &raw_mailbox, &raw_user.tokens.access_token).await;
    let first = webmail.list(0, Search::default()).await;
    let total = first.total;
    let read = read_messages(&webmail, 1..40).await;
    let mut next = read.iter().copied();
    println!("Side by side on {mailbox} and its twins: {total} messages in INBOX, {rounds} rounds interleaved, over HTTP (webmail release build, Roundcube 1.6 with PHP's server and OPcache).");
    // every client touches each kind of work once before measuring (PHP's OPcache, pooled connections)
    for (i, op) in Op::ALL.into_iter().enumerate() {
        let t = |uid| Target { page: 7, uid, total, round: 1_000 + i as u32 };
        webmail.run(op, t(next.next().unwrap())).await;
        roundcube.run(op, t(next.next().unwrap())).await;
        raw.run(op, t(next.next().unwrap())).await;
    }

    let mut warm = Samples::default();
    let mut rng = rand::thread_rng();
    for round in 0..rounds {
        for op in Op::ALL {
            let page = rand::Rng::gen_range(&mut rng, 5..500u32);
            // distinct messages per client and round: each open marks an unread one read
            let uids = [next.next().unwrap(), next.next().unwrap(), next.next().unwrap()];
            let uid = |k: u32| Target { page, uid: uids[k as usize], total, round: 3 * round + k };
            let order = (round as usize + op as usize) % 3;
            for client in (0..3).map(|i| (i + order) % 3) {
                match client {
                    0 => warm.add(op, "webmail", timed(webmail.run(op, uid(0))).await),
                    1 => warm.add(op, "Roundcube", timed(roundcube.run(op, uid(1))).await),
                    _ => warm.add(op, "raw IMAP", timed(raw.run(op, uid(2))).await),
                }
            }
        }
    }
    warm.print(&format!("Warm: p50 / p95 of {rounds} interleaved rounds"), &Op::ALL);
    println!("  webmail RSS after the warm phase: {:.1} MiB", webmail_process.rss_mib());
    if warm_only {
        return;
    }

    // cold: each client's first requests right after Dovecot restarts (its caches, and the
    // kernel's page cache where allowed, dropped)
    let cold_ops = [Op::FirstPage, Op::Open, Op::SubjectSearch];
    let mut cold = Samples::default();
    drop(raw);
    for round in 0..3u32 {
        for client in 0..3 {
            restart_dovecot().await;
            let uid = next.next().unwrap();
            let t = |k: u32| Target { page: 0, uid, total, round: 2_000 + 3 * round + k };
            match client {
                0 => for op in cold_ops { cold.add(op, "webmail", timed(webmail.run(op, t(0))).await) },
                1 => for op in cold_ops { cold.add(op, "Roundcube", timed(roundcube.run(op, t(1))).await) },
                _ => {
                    // a raw client connects anew: that is part of its first request
                    let started = Instant::now();
                    let mut raw = RawImap::open(&gateway, &raw_mailbox, &raw_user.tokens.access_token).await;
                    raw.run(Op::FirstPage, t(2)).await;
                    cold.add(Op::FirstPage, "raw IMAP", started.elapsed());
                    for op in [Op::Open, Op::SubjectSearch] {
                        cold.add(op, "raw IMAP", timed(raw.run(op, t(2))).await);
                    }
                }
            }
        }
    }
    cold.print("Cold: right after a Dovecot restart (3 restarts per client; a search follows the progress to the end)", &cold_ops);

    // 10 users at once, each on their own 100 000-message INBOX
    let mut users = Vec::new();
    for n in 1..=USERS_AT_ONCE {
        let (rpps, address) = bench_user(n);
        let (_, someone, _) = common::signed_in("webmail", &rpps).await;
        let webmail = Webmail { http: webmail_process.signed_in_client(&rpps).await, base: webmail_process.base.clone() };
        let roundcube = Roundcube::sign_in(&address).await;
        let raw = RawImap::open(&gateway, &address, &someone.tokens.access_token).await;
        let first = webmail.list(0, Search::default()).await;
        let read = read_messages(&webmail, 1..8).await;
        users.push((webmail, roundcube, raw, first.total, read));
    }
    let busy_ops = [Op::FirstPage, Op::DeepPage, Op::Open, Op::SenderSearch, Op::Folders];
    // the peak from here on (the start, building the directory's index, peaks apart)
    let _ = std::fs::write(format!("/proc/{}/clear_refs", webmail_process.process.id()), "5");
    let mut busy = Samples::default();
    let mut peak_rss = 0f64;
    for client in 0..3 {
        let runs = users.iter_mut().map(|(webmail, roundcube, raw, total, read)| {
            let total = *total;
            async move {
                let mut samples = Vec::new();
                for round in 0..rounds.min(10) {
                    for op in busy_ops {
                        let uid = read[((round * busy_ops.len() as u32 + op as u32) * 3 + client) as usize];
                        let t = Target { page: 5 + (round * 37 + op as u32) % 495, uid, total, round: 3 * round + client };
                        let took = match client {
                            0 => timed(webmail.run(op, t)).await,
                            1 => timed(roundcube.run(op, t)).await,
                            _ => timed(raw.run(op, t)).await,
                        };
                        samples.push((op, took));
                    }
                }
                samples
            }
        });
        let name = ["webmail", "Roundcube", "raw IMAP"][client as usize];
        for (op, took) in futures::future::join_all(runs).await.into_iter().flatten() {
            busy.add(op, name, took);
        }
        if client == 0 {
            peak_rss = webmail_process.rss_mib();
        }
    }
    busy.print(&format!("{USERS_AT_ONCE} users at once (each on their own INBOX; one client kind at a time)"), &busy_ops);
    let status = std::fs::read_to_string(format!("/proc/{}/status", webmail_process.process.id())).unwrap_or_default();
    let hwm = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).unwrap_or("?").trim().to_string();
    println!("  webmail RSS with {USERS_AT_ONCE} users signed in: {peak_rss:.1} MiB (peak while they worked: {hwm})");

    println!("\nGoals: every operation ≥ 3× faster than Roundcube at p50 and p95; ≤ 3× the raw IMAP floor");
    println!("(list page ≤ 10 ms, deep page ≤ 8 ms, folders ≤ 3 ms, search ≤ 1.3× raw UID SEARCH); mail view page ≤ 25 ms; RSS ≤ 64 MB for 10 users.");
}
