//! Traces of the user's own (nominative) mailbox (ECO.4.1.1, 4.1.2): a read, a delete and a send
//! each leave one row naming the command sent to the operator and its answer, failures too; the
//! user reads them on « Mon activité ». Agathe's mailbox: no other test uses it.

use app::backend::Webmail;
use app::organisation::{Integrity, TraceFilter, TraceRow};
use app::reading::MessageAction;
use app::sending::{ComposeStart, Draft};
use crate::common::{backend_for, deliver, find, req};

const AGATHE_RPPS: &str = "10100000066";
const AGATHE: &str = "agathe.pellerin@hopital-demo.mssante.fr";
const MARC: &str = "marc.garnier@cabinet-demo.mssante.fr";

#[tokio::test]
async fn a_read_a_delete_and_a_send_each_leave_one_row_with_the_operator_answer() {
    let (backend, session, _, _) = backend_for(AGATHE_RPPS).await;
    let activity = async || backend.traces(req(&session), String::new(), TraceFilter::default()).await.unwrap();
    let newest = async |count: usize| -> TraceRow {
        let report = activity().await;
        assert_eq!(report.rows.len(), count, "one row per action: {:#?}", report.rows);
        report.rows[0].clone()
    };
    let id = format!("own-traces-{}@hopital-demo.mssante.fr", rand::random::<u64>());
    let raw = format!("From: {MARC}\r\nTo: {AGATHE}\r\nSubject: Compte rendu\r\nMessage-ID: <{id}>\r\n\r\nBonjour.\r\n");
    let uid: u32 = deliver(AGATHE, &raw, &id).parse().unwrap();

    let read = backend.read_message(req(&session), "INBOX".into(), uid).await.unwrap();
    assert_eq!(read.message_id, id);
    let row = newest(1).await;
    assert_eq!((row.action.as_str(), row.member.as_str(), row.outcome.as_str()), ("Lecture d'un message", AGATHE, "réussi"));
    assert!(row.request.contains(&format!("UID FETCH {uid} (UID BODY.PEEK[])")), "{}", row.request);
    assert!(row.answer.split(" ; ").all(|a| a == "OK") && !row.answer.is_empty(), "{}", row.answer);

    // a failure is traced with the operator's refusal
    let moved = backend.update_messages(req(&session), "INBOX".into(), vec![uid], MessageAction::Move("Dossier-qui-n-existe-pas".into())).await;
    assert!(moved.is_err());
    let row = newest(2).await;
    assert_eq!((row.action.as_str(), row.outcome.as_str()), ("Déplacement", "refusé par l'opérateur"));
    assert!(row.request.ends_with(&format!("UID MOVE {uid}")) && row.answer.ends_with("NO [TRYCREATE]"), "{} → {}", row.request, row.answer);

    backend.update_messages(req(&session), "INBOX".into(), vec![uid], MessageAction::Delete).await.unwrap();
    let row = newest(3).await;
    assert_eq!((row.action.as_str(), row.outcome.as_str()), ("Suppression", "réussi"));
    assert!(row.request.contains(&format!("UID MOVE {uid} (corbeille)")) && row.answer.ends_with("OK"), "{} → {}", row.request, row.answer);
    assert!(find(AGATHE, "INBOX", "Message-ID", &id).is_empty() && find(AGATHE, "Trash", "Message-ID", &id).len() == 1);

    backend.directory.ready().await;
    let compose = backend.start_compose(req(&session), ComposeStart::New).await.unwrap();
    let draft = Draft { to: vec![MARC.into()], subject: "Suivi".into(), body: "Bien reçu.".into(), ..compose.draft };
    backend.send_message(req(&session), draft.clone()).await.unwrap();
    let row = newest(4).await;
    assert_eq!((row.action.as_str(), row.outcome.as_str()), ("Envoi d'un message", "réussi"));
    assert!(row.detail.contains(&draft.id) && row.detail.contains(MARC), "{}", row.detail);
    assert!(row.request.contains("MAIL FROM, RCPT TO ×1, DATA (") && row.answer.split(" ; ").any(|a| a == "250"), "{} → {}", row.request, row.answer);

    // « Mon activité »: the caller's own rows, the chain whole once its head is signed
    let report = activity().await;
    assert!(report.personal && !report.everyone && report.mailbox == AGATHE);
    assert!(report.rows.iter().all(|r| r.member == AGATHE));
    backend.traces.checkpoint().await.unwrap();
    assert_eq!(activity().await.integrity, Integrity::Intact { rows: 4 });
    // the newest row removed behind the webmail's back is found
    let newest_id = report.rows[0].id;
    backend.traces.execute_unchecked(&format!("DELETE FROM access_traces WHERE id = {newest_id}")).await.unwrap();
    let integrity = activity().await.integrity;
    assert!(matches!(&integrity, Integrity::Truncated { signed_row, .. } if *signed_row == newest_id), "{integrity:?}");
}
