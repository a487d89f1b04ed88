//! Several instances of the webmail on one PostgreSQL database (`DATABASE_URL`), as behind a
//! load balancer without sticky sessions: a session opened through one is served by the other,
//! and one draft sent through both at the same moment leaves once. A database of their own.

use app::sending::{Compose, ComposeStart, Draft};
use crate::common::{config, find, serve_with, session_cookie};
use serde_json::json;
use std::time::Duration;

const JULIEN_RPPS: &str = "10100000025";
const JULIEN: &str = "julien.moreau@hopital-demo.mssante.fr";
const MARC: &str = "marc.garnier@cabinet-demo.mssante.fr";

/// The database the instances share, made on the test operator's PostgreSQL when missing.
pub(crate) async fn shared_database() -> &'static str {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect("postgres://webmail@127.0.0.1:5433/postgres").await.expect("PostgreSQL of the test operator");
    if let Err(e) = sqlx::query("CREATE DATABASE webmail_instances").execute(&mut admin).await {
        assert!(e.to_string().contains("already exists"), "{e}");
    }
    "postgres://webmail@127.0.0.1:5433/webmail_instances"
}

/// Two instances started at the same moment (their migrations must not trip over each other).
async fn two_instances() -> ((String, server::store::database::Database), String) {
    let url = shared_database().await;
    let dir = std::env::temp_dir().join(format!("instances-{}-{}", std::process::id(), rand::random::<u64>()));
    let mut config = config("webmail");
    config.trace_database = url.into();
    let (first_file, second_file) = (dir.join("first.db"), dir.join("second.db"));
    let ((first, _, db), (second, _, _)) = tokio::join!(
        serve_with(config.clone(), Some(url), &first_file),
        serve_with(config.clone(), Some(url), &second_file),
    );
    assert!(db.is_shared());
    ((first, db), second)
}

async fn call(base: &str, cookie: &str, function: &str, args: serde_json::Value) -> reqwest::Response {
    reqwest::Client::new().post(format!("{base}/api/{function}")).header("cookie", cookie).header("content-type", "application/json")
        .body(args.to_string()).send().await.unwrap()
}

#[tokio::test]
async fn a_session_opened_on_one_instance_is_served_by_another() {
    let ((first, db), second) = two_instances().await;
    let cookie = session_cookie(&db, JULIEN_RPPS).await;
    for base in [&first, &second] {
        let me = call(base, &cookie, "moi", json!({})).await;
        assert_eq!(me.status(), 200, "{base}");
        assert!(me.text().await.unwrap().contains(JULIEN), "{base}");
    }
    // a draft begun on one is kept through the other
    let compose: Compose = call(&first, &cookie, "ecrire", json!({ "start": ComposeStart::New })).await.json().await.unwrap();
    let draft = Draft { to: vec![MARC.into()], subject: "Brouillon commencé ailleurs".into(), ..compose.draft };
    assert_eq!(call(&second, &cookie, "brouillon", json!({ "draft": draft })).await.status(), 200);
    assert_eq!(find(JULIEN, "Drafts", "Message-ID", &draft.id).len(), 1);
    assert_eq!(call(&first, &cookie, "abandon", json!({ "id": draft.id, "proof": draft.proof })).await.status(), 200);
}

#[tokio::test]
async fn one_draft_sent_through_two_instances_at_once_leaves_once() {
    let ((first, db), second) = two_instances().await;
    let cookie = session_cookie(&db, JULIEN_RPPS).await;
    let compose: Compose = call(&first, &cookie, "ecrire", json!({ "start": ComposeStart::New })).await.json().await.unwrap();
    let draft = Draft { to: vec![MARC.into()], subject: "Ordonnance renouvelée".into(), body: "Bonjour,\nl'ordonnance est prête.".into(), ..compose.draft };
    let send = json!({ "draft": draft });
    let (one, other) = tokio::join!(call(&first, &cookie, "envoyer", send.clone()), call(&second, &cookie, "envoyer", send.clone()));
    let mut answers = Vec::new();
    for response in [one, other] {
        answers.push((response.status().as_u16(), response.text().await.unwrap()));
    }
    assert!(answers.iter().any(|(status, _)| *status == 200), "{answers:?}");
    assert!(answers.iter().all(|(status, text)| *status == 200 || text.contains("déjà en cours d'envoi")), "{answers:?}");
    for _ in 0..100 {
        if !find(MARC, "INBOX", "Message-ID", &draft.id).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(find(MARC, "INBOX", "Message-ID", &draft.id).len(), 1, "delivered once");
    // and asked again through either, it is known as sent
    assert_eq!(call(&second, &cookie, "envoyer", send.clone()).await.status(), 200);
    assert_eq!(find(MARC, "INBOX", "Message-ID", &draft.id).len(), 1, "still once");
}

/// A sign-out through one instance closes the user's push stream held by another (PostgreSQL
/// LISTEN/NOTIFY): the browser there is not left receiving news of the mailbox.
#[tokio::test]
async fn a_sign_out_on_one_instance_ends_the_push_stream_held_by_another() {
    const SOPHIE_RPPS: &str = "10100000033";
    let ((first, db), second) = two_instances().await;
    let cookie = session_cookie(&db, SOPHIE_RPPS).await;
    let mut stream = reqwest::Client::new().get(format!("{second}/evenements?dossier=INBOX")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let first_event = String::from_utf8(stream.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(first_event.contains("event: pret"), "{first_event}");

    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let signed_out = no_redirect.post(format!("{first}/auth/logout")).header("cookie", &cookie).send().await.unwrap();
    assert!(signed_out.status().is_redirection(), "{}", signed_out.status());
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while stream.chunk().await.unwrap_or(None).is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the push stream on the other instance was still open 10 s after the sign-out");
    // and the session is gone for both
    let me = call(&second, &cookie, "moi", json!({})).await.text().await.unwrap();
    assert!(!me.contains("sophie.lambert@"), "still signed in on the other instance: {me}");
}
