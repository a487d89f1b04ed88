//! The access-trace store on both of its databases: SQLite (the default) and PostgreSQL (the test
//! operator's, on 127.0.0.1:5433): the chain verifies, an edited or deleted row is found, and so
//! are the newest rows removed (or all of them) after the head was signed, and a forged checkpoint.

use app::organisation::Integrity;
use server::clock::unix_now;
use server::store::traces::{Trace, TraceStore};
use std::sync::Arc;

const POSTGRES: &str = "postgres://webmail@127.0.0.1:5433/traces";

fn trace(action: &str, at: i64) -> Trace {
    Trace {
        mailbox: crate::common::ORG.into(),
        at,
        subject: "f:0000:810100000025".into(),
        professional_id: "810100000025".into(),
        name: "Julien MOREAU".into(),
        member: "julien.moreau@hopital-demo.mssante.fr".into(),
        action: action.into(),
        detail: "dossier Shared/secretariat-cardio@hopital-demo.mssante.fr, UID 3".into(),
        ip: "10.1.2.3".into(),
        user_agent: "Mozilla/5.0".into(),
        outcome: "réussi".into(),
        request: "UID FETCH 3 (BODY.PEEK[])".into(),
        answer: "OK".into(),
    }
}

/// A store on `url` with nothing in it yet.
async fn empty_store(url: &str) -> Arc<TraceStore> {
    let key = std::env::temp_dir().join(format!("traces-signing-{}.key", std::process::id()));
    let store = TraceStore::open(url, 183, &key).await.expect("trace database reachable (is operator/start.sh running?)");
    for table in ["access_traces", "access_trace_anchor", "access_trace_checkpoints"] {
        store.execute_unchecked(&format!("DELETE FROM {table}")).await.unwrap();
    }
    Arc::new(store)
}

async fn chain_holds_and_tampering_is_found(url: &str) {
    let store = empty_store(url).await;
    let now = unix_now();
    for action in ["ouverture", "lecture", "suppression"] {
        store.record(&trace(action, now)).await.unwrap();
    }
    let rows = store.list(crate::common::ORG, None, None, 0, i64::MAX).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.trace.action.as_str()).collect::<Vec<_>>(), ["suppression", "lecture", "ouverture"]);
    assert_eq!(store.verify().await.unwrap(), Integrity::Intact { rows: 3 });
    let read = rows[1].id;
    let only_reads = store.list(crate::common::ORG, Some("julien.moreau@hopital-demo.mssante.fr"), Some("lecture"), 0, i64::MAX).await.unwrap();
    assert_eq!(only_reads.len(), 1);

    store.execute_unchecked(&format!("UPDATE access_traces SET detail = 'UID 4' WHERE id = {read}")).await.unwrap();
    assert_eq!(store.verify().await.unwrap(), Integrity::Broken { at_row: read }, "edited row");

    let store = empty_store(url).await;
    for action in ["ouverture", "lecture", "suppression"] {
        store.record(&trace(action, now)).await.unwrap();
    }
    let rows = store.list(crate::common::ORG, None, None, 0, i64::MAX).await.unwrap();
    store.execute_unchecked(&format!("DELETE FROM access_traces WHERE id = {}", rows[1].id)).await.unwrap();
    assert_eq!(store.verify().await.unwrap(), Integrity::Broken { at_row: rows[0].id }, "the row after a deleted one");

    // the newest rows removed after the head was signed: the chain that is left is whole, the
    // checkpoint says it is short
    let store = empty_store(url).await;
    for action in ["ouverture", "lecture", "suppression", "envoi"] {
        store.record(&trace(action, now)).await.unwrap();
    }
    store.checkpoint().await.unwrap();
    let ids: Vec<i64> = store.list(crate::common::ORG, None, None, 0, i64::MAX).await.unwrap().iter().map(|r| r.id).collect();
    let (newest, kept) = (ids[0], ids[2]);
    assert_eq!(store.execute_unchecked(&format!("DELETE FROM access_traces WHERE id > {kept}")).await.unwrap(), 2);
    match store.verify().await.unwrap() {
        Integrity::Truncated { signed_row, newest_row, .. } => assert_eq!((signed_row, newest_row), (newest, kept)),
        other => panic!("newest rows removed, found {other:?}"),
    }
    assert!(store.verify().await.unwrap().message().starts_with("Alerte : des traces ont été supprimées."));
    // the whole table emptied
    assert_eq!(store.execute_unchecked("DELETE FROM access_traces").await.unwrap(), 2);
    assert!(matches!(store.verify().await.unwrap(), Integrity::Truncated { newest_row: 0, .. }));
    // a checkpoint written by hand to match (its signature cannot be the webmail's)
    store.execute_unchecked(&format!("UPDATE access_trace_checkpoints SET last_row = 0, signature = '{}'", "ab".repeat(64))).await.unwrap();
    assert!(matches!(store.verify().await.unwrap(), Integrity::CheckpointForged { .. }));

    // rows written after the last checkpoint are not covered by it until the next one
    let store = empty_store(url).await;
    store.record(&trace("ouverture", now)).await.unwrap();
    store.checkpoint().await.unwrap();
    store.record(&trace("lecture", now)).await.unwrap();
    assert!(matches!(store.verify().await.unwrap(), Integrity::Intact { rows: 2 }));
    store.checkpoint().await.unwrap();
    store.checkpoint().await.unwrap();
    assert_eq!(store.execute_unchecked("DELETE FROM access_trace_checkpoints").await.unwrap(), 2, "one checkpoint per new head");
}

#[tokio::test]
async fn sqlite() {
    let path = std::env::temp_dir().join(format!("traces-store-{}.db", std::process::id()));
    chain_holds_and_tampering_is_found(&format!("sqlite://{}?mode=rwc", path.display())).await;
    std::fs::remove_file(path).unwrap();
}

#[tokio::test]
async fn postgresql() {
    chain_holds_and_tampering_is_found(POSTGRES).await;
}

/// Two instances (two stores, each with its own pool and its own in-process lock) writing one
/// PostgreSQL store at the same moment keep one valid chain. A database of its own: the test
/// above empties the shared one.
#[tokio::test]
async fn two_instances_writing_at_once_keep_one_chain_on_postgresql() {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect("postgres://webmail@127.0.0.1:5433/postgres").await.expect("PostgreSQL of the test operator");
    if let Err(e) = sqlx::query("CREATE DATABASE traces_instances").execute(&mut admin).await {
        assert!(e.to_string().contains("already exists"), "{e}");
    }
    let url = "postgres://webmail@127.0.0.1:5433/traces_instances";
    let first = empty_store(url).await;
    let key = std::env::temp_dir().join(format!("traces-signing-{}.key", std::process::id()));
    let second = Arc::new(TraceStore::open(url, 183, &key).await.unwrap());
    let now = unix_now();
    async fn writes(store: &Arc<TraceStore>, action: &str, now: i64) {
        for _ in 0..40 {
            store.record(&trace(action, now)).await.unwrap();
        }
    }
    tokio::join!(writes(&first, "lecture", now), writes(&second, "ouverture", now), writes(&first, "suppression", now), writes(&second, "envoi", now));
    assert_eq!(first.verify().await.unwrap(), Integrity::Intact { rows: 160 });
    assert_eq!(second.verify().await.unwrap(), Integrity::Intact { rows: 160 });
}
