//! IMAP connections are pooled per user and survive a restart of the operator's IMAP server.
//! (In the daemons binary: it stops Dovecot, which other tests must not see.)

use app::reading::Search;
use app::backend::Webmail;
use crate::common::{CLAIRE, CLAIRE_RPPS, backend_for, caller, dovecot, req, wait_for_port};

#[tokio::test]
async fn connections_are_reused_and_replaced_after_an_imap_restart() {
    let _daemons = crate::DAEMONS.lock().await;
    let (backend, session, imap, _) = backend_for(CLAIRE_RPPS).await;
    let inbox = async || backend.list_messages(req(&session), "INBOX".into(), 0, Search::default(), None).await;

    assert_eq!(inbox().await.unwrap().total, 6);
    assert_eq!(imap.idle_count(CLAIRE), 1);
    backend.list_folders(req(&session)).await.unwrap();
    assert_eq!(imap.idle_count(CLAIRE), 1, "the same connection served both requests");

    // concurrent requests get connections of their own, within the per-user bound
    let many: Vec<_> = (0..6).map(|_| inbox()).collect();
    for result in futures::future::join_all(many).await {
        assert_eq!(result.unwrap().total, 6);
    }
    let pooled = imap.idle_count(CLAIRE);
    assert!((1..=server::gateway::pool::PER_USER).contains(&pooled), "{pooled}");

    // requests that hold every connection of the user do not make the next one wait without end:
    // it is answered « busy » (and the page says to try again), then served once one is free
    let token = caller(&backend, &session).await.access_token();
    let mut held = Vec::new();
    for _ in 0..server::gateway::pool::PER_USER {
        held.push(imap.take(CLAIRE, &token, false, None).await.unwrap());
    }
    let waited = std::time::Instant::now();
    let refused = inbox().await.expect_err("no connection free");
    assert!(matches!(&refused, app::error::WebmailError::InvalidInput(text) if text.contains("réessayez dans un instant")), "{refused:?}");
    assert!(waited.elapsed() < std::time::Duration::from_secs(30), "{:?}", waited.elapsed());
    held.into_iter().for_each(|lent| imap.give_back(lent));
    assert_eq!(inbox().await.unwrap().total, 6);

    // the operator's IMAP server restarts: pooled connections are dead, the next request still works
    dovecot(&["doveadm", "stop"]);
    dovecot(&["dovecot"]);
    wait_for_port(143).await;
    assert_eq!(inbox().await.expect("served on a new connection").total, 6);

    // sign-out closes the user's pooled connections
    imap.forget(CLAIRE).await;
    assert_eq!(imap.idle_count(CLAIRE), 0);
}
