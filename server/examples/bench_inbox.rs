//! Benchmark (a command that prints figures, not a test): the webmail's server path on a large
//! INBOX — first list page, next page, opening a message, searching — against the raw IMAP time
//! of the same commands on a bare connection, the floor. Run it with scripts/bench.sh, which
//! seeds bench@hopital-demo.mssante.fr with 100 000 messages first.
//!   cargo run --release -p server --example bench_inbox -- [iterations]

#[path = "../tests/common/mod.rs"]
mod common;

use app::reading::Search;
use app::backend::Webmail;
use futures::TryStreamExt;
use server::gateway::imap::ImapGateway;
use std::time::{Duration, Instant};

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    println!("{name:<44} p50 {:>8.2} ms   p99 {:>8.2} ms   (n={})", at(0.5), at(0.99), samples.len());
}

async fn time<T, E: std::fmt::Debug>(n: usize, mut f: impl AsyncFnMut(usize) -> Result<T, E>) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(n);
    for i in 0..n {
        let start = Instant::now();
        f(i).await.expect("operation failed");
        samples.push(start.elapsed());
    }
    samples
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let (backend, session, _, config) = common::backend_for("10100000058").await;
    let user = backend.sessions.require_user(&session).await.unwrap();
    let first = backend.list_messages(common::req(&session), "INBOX".into(), 0, Search::default(), None).await.unwrap();
    println!("INBOX of {}: {} messages, {} pages of {}\n", user.identity.mailbox, first.total, first.pages, first.messages.len());
    let uids: Vec<u32> = first.messages.iter().map(|m| m.uid).collect();
    let by_subject = Search { subject: format!("n° {}", first.total / 2), ..Default::default() };
    let by_sender = Search { from: "moreau.42".into(), ..Default::default() };

    println!("webmail server path (session, token check, pooled IMAP, MIME parsing, French formatting):");
    let s = &session;
    report("first page (50 newest)", time(n, async |_| backend.list_messages(common::req(s), "INBOX".into(), 0, Search::default(), None).await).await);
    report("next page", time(n, async |i| backend.list_messages(common::req(s), "INBOX".into(), 1 + (i as u32 % 50), Search::default(), None).await).await);
    report("conversations, first page", time(n, async |_| backend.list_messages(common::req(s), "INBOX".into(), 0, Search::default(), Some(app::reading::ListView::Conversations)).await).await);
    report("open a message", time(n, async |i| backend.read_message(common::req(s), "INBOX".into(), uids[i % uids.len()]).await).await);
    report("search: subject", time(n, async |_| backend.list_messages(common::req(s), "INBOX".into(), 0, by_subject.clone(), None).await).await);
    report("search: sender", time(n, async |_| backend.list_messages(common::req(s), "INBOX".into(), 0, by_sender.clone(), None).await).await);

    println!("\nraw IMAP floor (same commands, one bare connection, no parsing of the messages):");
    let mut imap = ImapGateway::new(config.imap).unwrap().open(&user.identity.mailbox, &user.tokens.access_token).await.unwrap();
    let raw = imap.protocol();
    let total = first.total;
    let items = "(UID FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE CONTENT-TYPE CONTENT-TRANSFER-ENCODING)] BODY.PEEK[TEXT]<0.1536>)";
    report("SELECT + STATUS + FETCH 50 newest", time(n, async |_| -> Result<(), async_imap::error::Error> {
        raw.select("INBOX").await?;
        raw.status("INBOX", "(UNSEEN)").await?;
        let _: Vec<_> = raw.fetch(format!("{}:{total}", total - 49), items).await?.try_collect().await?;
        Ok(())
    }).await);
    report("SELECT + UID FETCH BODY[]", time(n, async |i| -> Result<(), async_imap::error::Error> {
        raw.select("INBOX").await?;
        let _: Vec<_> = raw.uid_fetch(uids[i % uids.len()].to_string(), "(UID FLAGS INTERNALDATE BODY[])").await?.try_collect().await?;
        Ok(())
    }).await);
    let subject = format!("CHARSET UTF-8 SUBJECT {}", server::mail::search::literal(&by_subject.subject));
    report("SELECT + UID SEARCH subject", time(n, async |_| -> Result<(), async_imap::error::Error> {
        raw.select("INBOX").await?;
        raw.uid_search(&subject).await?;
        Ok(())
    }).await);
    imap.logout().await;
}
