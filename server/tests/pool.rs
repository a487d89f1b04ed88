//! IMAP connections are pooled per user and survive a restart of the operator's IMAP server.
//! (A test binary of its own: it stops Dovecot, which other tests must not see.)

mod common;

use app::api::Search;
use app::backend::Webmail;
use common::{CLAIRE, CLAIRE_RPPS, signed_in};
use server::imap::ImapGateway;
use server::pool::ImapPool;
use server::webmail::Backend;
use std::process::{Command, Stdio};
use std::sync::Arc;
use tower_sessions::{MemoryStore, Session};

fn dovecot(args: &[&str]) {
    let state = std::env::var("OPERATOR_STATE").unwrap_or_else(|_| "/var/tmp/mssante-operator".into());
    let conf = format!("{state}/etc/dovecot/dovecot.conf");
    let (program, rest) = args.split_first().unwrap();
    // daemons must not keep the test's output open
    let status = Command::new(program).args(["-c", &conf]).args(rest)
        .stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    assert!(status.success(), "{args:?}");
}

async fn wait_for_imap() {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect("127.0.0.1:143").await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("Dovecot did not come back");
}

#[tokio::test]
async fn connections_are_reused_and_replaced_after_an_imap_restart() {
    let (psc, user, config) = signed_in("webmail", CLAIRE_RPPS).await;
    let session = Session::new(None, Arc::new(MemoryStore::default()), None);
    server::session::sign_in(&session, &user).await.unwrap();
    let imap = ImapPool::new(ImapGateway::new(config.imap).unwrap());
    let backend = Backend::new(Arc::new(psc), imap.clone());
    let inbox = async || backend.list_messages(session.clone(), "INBOX".into(), 0, Search::default()).await;

    assert_eq!(inbox().await.unwrap().total, 6);
    assert_eq!(imap.idle_count(CLAIRE), 1);
    backend.list_folders(session.clone()).await.unwrap();
    assert_eq!(imap.idle_count(CLAIRE), 1, "the same connection served both requests");

    // concurrent requests get connections of their own, within the per-user bound
    let many: Vec<_> = (0..6).map(|_| inbox()).collect();
    for result in futures::future::join_all(many).await {
        assert_eq!(result.unwrap().total, 6);
    }
    let pooled = imap.idle_count(CLAIRE);
    assert!((1..=server::pool::PER_USER).contains(&pooled), "{pooled}");

    // the operator's IMAP server restarts: pooled connections are dead, the next request still works
    dovecot(&["doveadm", "stop"]);
    dovecot(&["dovecot"]);
    wait_for_imap().await;
    assert_eq!(inbox().await.expect("served on a new connection").total, 6);

    // sign-out closes the user's pooled connections
    imap.forget(CLAIRE).await;
    assert_eq!(imap.idle_count(CLAIRE), 0);
}
