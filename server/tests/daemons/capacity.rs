//! The operator's per-user connection limit (Dovecot's mail_max_userip_connections) reached: a
//! capacity refusal, never read as a refused token. (In the daemons binary: it fills one user's
//! connection allowance, which other tests must not see.)

use crate::common::{CLAIRE, CLAIRE_RPPS, backend_for, req, signed_in};
use app::backend::Webmail;
use app::error::WebmailError;
use app::reading::Search;
use server::error::Error;
use server::gateway::imap::ImapGateway;

#[tokio::test]
async fn a_full_connection_allowance_is_not_a_refused_token() {
    let _daemons = crate::DAEMONS.lock().await;
    let (backend, session, _, _) = backend_for(CLAIRE_RPPS).await;
    let (_, user, config) = signed_in("webmail", CLAIRE_RPPS).await;
    let gateway = ImapGateway::new(config.imap).unwrap();
    let mut open = Vec::new();
    let refusal = loop {
        match gateway.open(CLAIRE, &user.tokens.access_token).await {
            Ok(session) => open.push(session),
            Err(e) => break e,
        }
        assert!(open.len() < 100, "the operator never refused a connection");
    };
    assert!(matches!(refusal, Error::OperatorBusy(_)), "after {} connections: {refusal:?}", open.len());
    assert_eq!(app::error::WebmailError::from(refusal).code(), "operateur-indisponible", "the user is told to retry, not to sign in");
    // the webmail's request meanwhile: "retry later", and the user stays signed in
    let busy = backend.list_messages(req(&session), "INBOX".into(), 0, Search::default(), None).await;
    assert_eq!(busy, Err(WebmailError::OperatorUnavailable));
    for connection in open {
        connection.logout().await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(backend.list_messages(req(&session), "INBOX".into(), 0, Search::default(), None).await.is_ok(), "still signed in");
}
