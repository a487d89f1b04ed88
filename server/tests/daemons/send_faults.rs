//! Sending while the operator's servers are down: a clear error, nothing sent, the message kept
//! in Drafts (when IMAP answers) and, once they are back, exactly one delivery. (IMAP alone out
//! of reach does not stop sending: `operator/sending.rs`.) (In the daemons binary: it stops
//! Postfix and Dovecot, which other tests must not see.)

use app::backend::Webmail;
use app::error::WebmailError;
use app::sending::{ComposeStart, Draft};
use crate::common::{backend_for, dovecot, find, postfix, req, wait_for_port, wait_for_port_closed};
use std::time::Duration;

const SOPHIE_RPPS: &str = "10100000033";
const SOPHIE: &str = "sophie.lambert@hopital-demo.mssante.fr";
const MARC: &str = "marc.garnier@cabinet-demo.mssante.fr";

async fn count_at_marc(id: &str, want: usize) -> usize {
    let mut n = 0;
    for _ in 0..100 {
        n = find(MARC, "INBOX", "Message-ID", id).len();
        if n >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    n
}

#[tokio::test]
async fn servers_down_during_a_send_lose_nothing_and_send_once() {
    let _daemons = crate::DAEMONS.lock().await;
    let (backend, session, pool, _) = backend_for(SOPHIE_RPPS).await;
    let new_draft = async |subject: &str| Draft {
        to: vec![MARC.into()],
        subject: subject.into(),
        body: "Compte rendu en pièce jointe.".into(),
        ..backend.start_compose(req(&session), ComposeStart::New).await.unwrap().draft
    };

    // SMTP down: not sent, kept in Drafts; once it is back, one send delivers it once
    let draft = new_draft("Envoi pendant une panne SMTP").await;
    postfix("stop");
    wait_for_port_closed(587).await;
    let failed = backend.send_message(req(&session), draft.clone()).await;
    postfix("start");
    assert_eq!(failed, Err(WebmailError::SendUnavailable));
    assert!(failed.unwrap_err().to_string().contains("conservé dans vos brouillons"));
    assert_eq!(find(SOPHIE, "Drafts", "Message-ID", &draft.id).len(), 1, "kept in Drafts");
    assert!(find(SOPHIE, "Sent", "Message-ID", &draft.id).is_empty());
    wait_for_port(587).await;
    assert!(backend.send_message(req(&session), draft.clone()).await.unwrap().copied_to_sent);
    assert_eq!(count_at_marc(&draft.id, 1).await, 1);
    assert!(find(SOPHIE, "Drafts", "Message-ID", &draft.id).is_empty());
    assert_eq!(find(SOPHIE, "Sent", "Message-ID", &draft.id).len(), 1);

    // Dovecot down: IMAP out of reach does not stop sending, but Postfix authenticates through
    // Dovecot, so the submission is refused — unless an authentication process still finishing
    // its work answers, and then it is sent with its copy in Sent waiting. Either way, once
    // Dovecot is back, one more send delivers it exactly once and files it.
    let draft = new_draft("Envoi pendant une panne IMAP").await;
    dovecot(&["doveadm", "stop"]);
    wait_for_port_closed(143).await;
    // Dovecot lets an open session finish its work after a stop; a new one is refused
    pool.forget(SOPHIE).await;
    let outcome = backend.send_message(req(&session), draft.clone()).await;
    dovecot(&["dovecot"]);
    match &outcome {
        Err(e) => assert_eq!(*e, WebmailError::SendUnavailable),
        Ok(sent) => assert!(!sent.copied_to_sent, "no copy in Sent while IMAP is down"),
    }
    wait_for_port(143).await;
    // an accepted message met a stopped LMTP: it waits in Postfix's queue, sent on now
    postfix("flush");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let delivered = if outcome.is_ok() { count_at_marc(&draft.id, 1).await } else { find(MARC, "INBOX", "Message-ID", &draft.id).len() };
    assert_eq!(delivered, usize::from(outcome.is_ok()), "delivered only if the submission was accepted");
    assert!(backend.send_message(req(&session), draft.clone()).await.unwrap().copied_to_sent);
    assert_eq!(count_at_marc(&draft.id, 1).await, 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(find(MARC, "INBOX", "Message-ID", &draft.id).len(), 1, "exactly once");
    assert_eq!(find(SOPHIE, "Sent", "Message-ID", &draft.id).len(), 1);
}
