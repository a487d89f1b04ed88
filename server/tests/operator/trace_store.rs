//! The access-trace store on both of its databases: SQLite (the default) and PostgreSQL (the test
//! operator's, on 127.0.0.1:5433): the chain verifies, and an edited or deleted row is found.

use app::organisation::Integrity;
use server::clock::unix_now;
use server::store::traces::{Trace, TraceStore};

const POSTGRES: &str = "postgres://webmail@127.0.0.1:5433/traces";

fn trace(action: &str, at: i64) -> Trace {
    Trace {
        mailbox: "secretariat-cardio@hopital-demo.mssante.fr".into(),
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
    }
}

/// A store on `url` with nothing in it yet.
async fn empty_store(url: &str) -> TraceStore {
    let store = TraceStore::open(url, 365).await.expect("trace database reachable (is operator/start.sh running?)");
    store.execute_unchecked("DELETE FROM access_traces").await.unwrap();
    store.execute_unchecked("DELETE FROM access_trace_anchor").await.unwrap();
    store
}

async fn chain_holds_and_tampering_is_found(url: &str) {
    let store = empty_store(url).await;
    let now = unix_now();
    for action in ["ouverture", "lecture", "suppression"] {
        store.record(&trace(action, now)).await.unwrap();
    }
    let rows = store.list("secretariat-cardio@hopital-demo.mssante.fr", None, None, 0, i64::MAX).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.trace.action.as_str()).collect::<Vec<_>>(), ["suppression", "lecture", "ouverture"]);
    assert_eq!(store.verify().await.unwrap(), Integrity::Intact { rows: 3 });
    let read = rows[1].id;
    let only_reads = store.list("secretariat-cardio@hopital-demo.mssante.fr", Some("julien.moreau@hopital-demo.mssante.fr"), Some("lecture"), 0, i64::MAX).await.unwrap();
    assert_eq!(only_reads.len(), 1);

    store.execute_unchecked(&format!("UPDATE access_traces SET detail = 'UID 4' WHERE id = {read}")).await.unwrap();
    assert_eq!(store.verify().await.unwrap(), Integrity::Broken { at_row: read }, "edited row");

    let store = empty_store(url).await;
    for action in ["ouverture", "lecture", "suppression"] {
        store.record(&trace(action, now)).await.unwrap();
    }
    let rows = store.list("secretariat-cardio@hopital-demo.mssante.fr", None, None, 0, i64::MAX).await.unwrap();
    store.execute_unchecked(&format!("DELETE FROM access_traces WHERE id = {}", rows[1].id)).await.unwrap();
    assert_eq!(store.verify().await.unwrap(), Integrity::Broken { at_row: rows[0].id }, "the row after a deleted one");
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
