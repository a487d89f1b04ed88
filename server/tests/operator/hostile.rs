//! Requests an attacker would make, against the whole webmail served as in production: a body
//! larger than its route allows, and state-changing requests from another origin (CSRF).

use crate::common::{serve, session_cookie};
use std::time::Duration;

const ANOTHER_PAGE_ON_THIS_SITE: &str = "http://127.0.0.1:7777";
const CLAIRE_MAILBOX: &str = "claire.dubois@hopital-demo.mssante.fr";

/// Every route that changes something: the server functions (as Leptos registered them, so that a
/// new one is covered here by itself) and the plain POST endpoints.
fn state_changing_routes() -> Vec<String> {
    let mut routes: Vec<String> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_string()).collect();
    assert!(routes.len() >= 16, "server functions found: {routes:?}");
    routes.extend(["/auth/logout".to_string(), server::http::guard::UPLOAD_PATH.to_string()]);
    routes
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(30)).build().unwrap()
}

#[tokio::test]
async fn every_state_changing_route_refuses_another_origin() {
    let (base, _, db) = serve().await;
    let cookie = session_cookie(&db, "10100000017").await;
    let http = http();
    for route in state_changing_routes() {
        let post = || http.post(format!("{base}{route}")).header("cookie", &cookie).header("content-type", "application/json").body("{}");
        let by_origin = post().header("origin", ANOTHER_PAGE_ON_THIS_SITE).send().await.unwrap();
        assert_eq!(by_origin.status(), 403, "{route} from another origin");
        assert!(by_origin.text().await.unwrap().contains("ne vient pas des pages de la messagerie"));
        let by_fetch_metadata = post().header("sec-fetch-site", "same-site").send().await.unwrap();
        assert_eq!(by_fetch_metadata.status(), 403, "{route} from a same-site page (Sec-Fetch-Site)");
        let cross_site = post().header("sec-fetch-site", "cross-site").header("origin", "https://ailleurs.example").send().await.unwrap();
        assert_eq!(cross_site.status(), 403, "{route} from another site");
    }
    // a form or a text/plain body (what a page may send without a CORS check) never reaches a server function
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        for route in state_changing_routes().iter().filter(|r| r.starts_with("/api/")) {
            let response = http.post(format!("{base}{route}")).header("cookie", &cookie).header("content-type", content_type).body("{}").send().await.unwrap();
            assert_eq!(response.status(), 400, "{route} as {content_type}");
        }
    }
    // the webmail's own pages still work
    let own = http.post(format!("{base}/api/moi")).header("cookie", &cookie).header("origin", "http://127.0.0.1:8080")
        .header("sec-fetch-site", "same-origin").header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!(own.status(), 200);
    assert!(own.text().await.unwrap().contains("claire.dubois@hopital-demo.mssante.fr"));
}

#[tokio::test]
async fn bodies_are_bounded_on_every_route() {
    let (base, _, _) = serve().await;
    let http = http();
    let oversized = |limit: usize| vec![b'x'; limit + 1];
    let json = "application/json";
    for (route, limit) in [
        ("/api/moi".to_string(), server::http::guard::API_BODY_MAX),
        ("/api/envoyer".to_string(), server::http::guard::API_BODY_MAX),
        ("/auth/logout".to_string(), server::http::guard::OTHER_BODY_MAX),
        ("/".to_string(), server::http::guard::OTHER_BODY_MAX),
        // the largest allowance (Mon Espace Santé's 25 Mo) and the form around it
        (server::http::guard::UPLOAD_PATH.to_string(), app::patient::PATIENT_ATTACHMENT_BYTES as usize + 64 * 1024),
    ] {
        // declared: refused before a byte is read, in French
        let response = http.post(format!("{base}{route}")).header("content-type", json).body(oversized(limit)).send().await.unwrap();
        assert_eq!(response.status(), 413, "{route}");
        assert!(response.text().await.unwrap().contains("dépasse la taille autorisée"), "{route}");
    }
    // not declared (chunked): cut at the limit while read, never accepted
    assert!(chunked_post(&base, "/api/moi", 64 * 1024).await.starts_with("HTTP/1.1 200"), "a small one is read");
    let status = chunked_post(&base, "/api/moi", 4 * 1024 * 1024).await;
    assert!(!status.starts_with("HTTP/1.1 2"), "4 MiB streamed to /api/moi: {status}");
}

/// POST a valid JSON object of `bytes` (mostly white space) with no declared length; the
/// answer's status line.
async fn chunked_post(base: &str, path: &str, bytes: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://")).await.unwrap();
    let head = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(b"1\r\n{\r\n").await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..bytes / chunk.len() {
        // the server may stop reading (and answer) before the end: that is the point
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || stream.write_all(&chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"1\r\n}\r\n0\r\n\r\n").await;
    let mut answer = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut answer)).await.expect("an answer").unwrap_or(0);
    String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn answers_carrying_mail_are_not_stored_and_say_what_failed() {
    let (base, _, db) = serve().await;
    let cookie = session_cookie(&db, "10100000017").await;
    let http = http();
    let call = |function: &str, body: &str| {
        http.post(format!("{base}/api/{function}")).header("origin", "http://127.0.0.1:8080").header("sec-fetch-site", "same-origin")
            .header("content-type", "application/json").body(body.to_string())
    };
    let page = http.get(format!("{base}/")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-store", "a page");
    let list = call("messages", r#"{"folder":"INBOX","page":0,"search":{"from":"","to":"","subject":"","body":"","since":"","until":"","unread":false,"with_attachment":false}}"#)
        .header("cookie", &cookie).send().await.unwrap();
    assert_eq!(list.status(), 200);
    assert_eq!(list.headers()["cache-control"], "no-store", "a server function's answer");
    assert!(list.headers().get("strict-transport-security").is_none(), "no HSTS over plain http");
    // a server function's failure has its own status, not always 500
    assert_eq!(call("dossiers", "{}").send().await.unwrap().status(), 401, "not signed in");
    assert_eq!(call("message", r#"{"folder":"INBOX","uid":999999}"#).header("cookie", &cookie).send().await.unwrap().status(), 404);
    assert_eq!(call("message", r#"{"folder":"Nulle/Part","uid":1}"#).header("cookie", &cookie).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn a_page_load_marks_nothing_read_only_the_page_itself_does() {
    let (base, _, db) = serve().await;
    const MARC: &str = "marc.garnier@cabinet-demo.mssante.fr";
    let cookie = session_cookie(&db, "10100000041").await;
    let id = format!("lien-{}@hopital-demo.mssante.fr", rand::random::<u64>());
    let raw = format!("From: julien.moreau@hopital-demo.mssante.fr\r\nTo: {MARC}\r\nSubject: Lien ouvert\r\nMessage-ID: <{id}>\r\n\r\nCorps\r\n");
    let uid = crate::common::deliver(MARC, &raw, &id);
    // a link followed from any page: the message is shown, and stays unread
    let page = http().get(format!("{base}/messages/{uid}?dossier=INBOX")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Lien ouvert"));
    assert!(!crate::common::flags(MARC, "INBOX", &uid).contains("\\Seen"), "a GET changed the message");
    // the page's own call (a checked POST) reads it
    let read = http().post(format!("{base}/api/message")).header("cookie", &cookie).header("origin", "http://127.0.0.1:8080")
        .header("content-type", "application/json").body(format!(r#"{{"folder":"INBOX","uid":{uid}}}"#)).send().await.unwrap();
    assert_eq!(read.status(), 200);
    assert!(crate::common::flags(MARC, "INBOX", &uid).contains("\\Seen"));
}

#[tokio::test]
async fn tokens_and_files_are_sealed_at_rest() {
    let (base, backend, db) = serve().await;
    let (_, user, config) = crate::common::signed_in("webmail", "10100000017").await;
    let session = tower_sessions::Session::new(None, std::sync::Arc::new(db.session_store()), None);
    crate::common::sessions(&config).sign_in(&session, &user).await.unwrap();
    session.save().await.unwrap();
    let rows: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT data FROM tower_sessions").fetch_all(&db.any).await.unwrap();
    assert!(!rows.is_empty());
    let needle = |secret: &str| rows.iter().any(|(data,)| data.windows(secret.len()).any(|w| w == secret.as_bytes()));
    assert!(needle(&user.identity.mailbox), "the identity is stored in clear (shown on every page)");
    assert!(!needle(&user.tokens.access_token), "access token in clear at rest");
    assert!(!needle(user.tokens.refresh_token.as_deref().unwrap()), "refresh token in clear at rest");
    assert!(!needle(&user.tokens.id_token), "ID token in clear at rest");
    // the files of drafts too (health documents), and they still open
    let caller = crate::common::caller(&backend, &crate::common::session_for("10100000017").await).await;
    let document = b"Compte rendu d'hospitalisation de M. FAURE";
    let upload = backend.upload(&caller, "crh.txt", "text/plain", document).await.unwrap();
    let files: Vec<(Vec<u8>,)> = sqlx::query_as("SELECT data FROM draft_uploads").fetch_all(&db.any).await.unwrap();
    assert!(!files.iter().any(|(data,)| data.windows(5).any(|w| w == b"FAURE")), "an upload in clear at rest");
    assert_eq!(backend.sending.outbox.upload(CLAIRE_MAILBOX, &upload.id).await.unwrap().unwrap().data, document);
    let size = backend.sending.outbox.upload_size(CLAIRE_MAILBOX, &upload.id).await.unwrap();
    assert_eq!(size, Some(document.len() as u64), "the size is the file's, not the sealed bytes'");
    // and the server opens them: the session works
    let cookie = format!("mss_session={}", session.id().unwrap());
    let me = http().post(format!("{base}/api/moi")).header("cookie", cookie).header("content-type", "application/json").body("{}").send().await.unwrap();
    assert!(me.text().await.unwrap().contains(&user.identity.mailbox));
}

/// Every server function and endpoint, asked by a professional about what is not theirs: another
/// user's mailbox, an organisational mailbox they are not a member of (in any spelling), its
/// members and traces, another user's upload and draft. Nothing is served, nothing changes.
#[tokio::test]
async fn nobody_reaches_what_is_not_theirs() {
    use app::organisation::{Rights, TraceFilter};
    use app::reading::{MessageAction, Search};
    use app::sending::{ComposeStart, Draft, Upload};
    use serde_json::json;
    use crate::common::{CLAIRE, ORG};
    let (base, backend, db) = serve().await;
    let marc = session_cookie(&db, "10100000041").await; // a member of nothing here

    // Claire's own upload and draft, which Marc will name
    let claire_session = crate::common::session_for("10100000017").await;
    let claire = crate::common::caller(&backend, &claire_session).await;
    let upload = backend.upload(&claire, "ordonnance.pdf", "application/pdf", b"%PDF-1.4 confidentiel").await.unwrap();
    use app::backend::Webmail;
    let claire_draft = backend.start_compose(crate::common::req(&claire_session), ComposeStart::New).await.unwrap().draft;
    let claire_draft = Draft { subject: "Brouillon de Claire".into(), ..claire_draft };
    let draft_id = claire_draft.id.clone();
    backend.save_draft(crate::common::req(&claire_session), claire_draft.clone()).await.unwrap();

    let foreign_folders = [
        format!("Shared/{ORG}"),
        format!("Shared/{}", ORG.to_uppercase()),
        format!("Shared/{ORG}/Sent"),
        format!("Shared/{CLAIRE}"),
        format!("Shared/{CLAIRE}/Drafts"),
        format!("../{CLAIRE}/INBOX"),
        "#shared/INBOX".to_string(),
    ];
    let mut asked: Vec<(String, serde_json::Value)> = Vec::new();
    let mut ask = |function: &str, args: serde_json::Value| asked.push((function.to_string(), args));
    for folder in &foreign_folders {
        ask("messages", json!({ "folder": folder, "page": 0, "search": Search::default() }));
        ask("message", json!({ "folder": folder, "uid": 1 }));
        ask("document", json!({ "folder": folder, "uid": 1, "index": 1, "path": "IHE_XDM/SUBSET01/DOC0001.XML" }));
        for action in [MessageAction::MarkRead, MessageAction::Flag, MessageAction::Delete, MessageAction::Move("INBOX".into())] {
            ask("actions", json!({ "folder": folder, "uids": [1, 2, 3], "action": action }));
        }
        ask("actions", json!({ "folder": "INBOX", "uids": [1], "action": MessageAction::Move(folder.clone()) }));
        for start in [
            ComposeStart::Reply { folder: folder.clone(), uid: 1, all: true },
            ComposeStart::Forward { folder: folder.clone(), uid: 1 },
            ComposeStart::Draft { folder: folder.clone(), uid: 1 },
        ] {
            ask("ecrire", json!({ "start": start }));
        }
        ask("accuse", json!({ "folder": folder, "uid": 1, "send": true }));
        // a filter filing into it
        let filter = app::settings::Filter { contains: "x".into(), action: app::settings::FilterAction::Move, folder: folder.clone(), ..Default::default() };
        let rules = app::settings::Rules { filters: vec![filter], ..Default::default() };
        ask("parametres/enregistrer", json!({ "rules": rules, "signature": "", "replace_edited": false }));
    }
    let all_rights = Rights { read: true, mark: true, organise: true, send_as: true, administer: true };
    for mailbox in [ORG.to_string(), ORG.to_uppercase(), CLAIRE.to_string()] {
        ask("membres", json!({ "mailbox": mailbox }));
        ask("droits", json!({ "mailbox": mailbox, "member": "marc.garnier@cabinet-demo.mssante.fr", "rights": all_rights }));
        ask("traces", json!({ "mailbox": mailbox, "filter": TraceFilter::default() }));
        ask("parametres/signature-boite", json!({ "mailbox": mailbox, "signature": "Signature imposée" }));
        let vacation = app::settings::Vacation { enabled: true, ..Default::default() };
        ask("parametres/reponse-boite", json!({ "mailbox": mailbox, "vacation": vacation, "replace_edited": true }));
    }
    let claires_file = Upload { bytes: 1, ..upload.clone() };
    let http = http();
    let marcs_draft: app::sending::Compose = http.post(format!("{base}/api/ecrire")).header("cookie", &marc).header("content-type", "application/json")
        .body(json!({ "start": ComposeStart::New }).to_string()).send().await.unwrap().json().await.unwrap();
    let with_her_file = Draft { to: vec![CLAIRE.into()], attachments: vec![claires_file], ..marcs_draft.draft };
    ask("brouillon", json!({ "draft": with_her_file }));
    ask("envoyer", json!({ "draft": with_her_file }));
    let as_the_mailbox = Draft { from: ORG.into(), attachments: vec![], ..with_her_file.clone() };
    ask("brouillon", json!({ "draft": as_the_mailbox }));
    ask("envoyer", json!({ "draft": as_the_mailbox }));
    // her draft's id, with the proof issued to her: his saving, sending or discarding it is refused
    let hers = Draft { to: vec![CLAIRE.into()], ..claire_draft.clone() };
    ask("brouillon", json!({ "draft": hers }));
    ask("envoyer", json!({ "draft": hers }));
    ask("abandon", json!({ "id": draft_id, "proof": claire_draft.proof }));

    // Claire's export, followed by her page under an id Marc learns: he can neither see nor stop it
    let claire_cookie = session_cookie(&db, "10100000017").await;
    let followed = "export-de-claire-0001";
    let her_export = http.get(format!("{base}/boites/export?dossier=INBOX&format=mbox&suivi={followed}")).header("cookie", &claire_cookie).send().await.unwrap();
    assert_eq!(her_export.status(), 200);
    her_export.bytes().await.unwrap();
    ask("boites/export/suivi", json!({ "id": followed }));
    ask("boites/export/annuler", json!({ "id": followed }));
    ask("boites/export/suivi", json!({ "id": "../../x" }));

    for (function, args) in &asked {
        let response = http.post(format!("{base}/api/{function}")).header("cookie", &marc).header("content-type", "application/json")
            .body(args.to_string()).send().await.unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "/api/{function} {args} answered {status}: {}", response.text().await.unwrap());
    }
    for query in [format!("boite={ORG}"), format!("boite={CLAIRE}")] {
        let csv = http.get(format!("{base}/boites/traces.csv?{query}")).header("cookie", &marc).send().await.unwrap();
        assert!(csv.status().is_client_error(), "traces.csv?{query}: {}", csv.status());
    }
    for folder in &foreign_folders {
        let folder = percent_encoding::utf8_percent_encode(folder, percent_encoding::NON_ALPHANUMERIC);
        for path in [
            format!("/messages/contenu?dossier={folder}&uid=1"),
            format!("/messages/piece?dossier={folder}&uid=1&index=0&apercu=1"),
            format!("/boites/export?dossier={folder}&format=mbox"),
        ] {
            let part = http.get(format!("{base}{path}")).header("cookie", &marc).send().await.unwrap();
            assert!(part.status().is_client_error(), "{path}: {}", part.status());
        }
        let import = http.post(format!("{base}/boites/import?dossier={folder}")).header("cookie", &marc)
            .body("From: x@y.fr\r\nSubject: intrus\r\n\r\nx\r\n").send().await.unwrap();
        assert!(import.status().is_client_error(), "import into {folder}: {}", import.status());
    }
    assert_eq!(crate::common::find(CLAIRE, "Drafts", "Message-ID", &draft_id).len(), 1, "Claire's draft is still there");
    let hers: app::archive::ExportProgress = http.post(format!("{base}/api/boites/export/suivi")).header("cookie", &claire_cookie)
        .header("content-type", "application/json").body(json!({ "id": followed }).to_string()).send().await.unwrap().json().await.unwrap();
    assert_eq!(hers.state, app::archive::ExportState::Finished, "her export went to its end, not stopped by him");
    backend.discard_draft(crate::common::req(&claire_session), draft_id, claire_draft.proof).await.unwrap();

    // every server function is in this matrix, or takes nothing that names someone else's data
    let takes_nothing_foreign = ["moi", "dossiers", "boites", "destinataires", "annuaire", "suggestions", "recherche-annuaire", "parametres"];
    // a whole organisational mailbox he is not a member of
    let export = http.get(format!("{base}/boites/export?tout={ORG}&format=zip")).header("cookie", &marc).send().await.unwrap();
    assert_eq!(export.status(), 404, "export of {ORG}");
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let function = path.trim_start_matches("/api/");
        assert!(
            takes_nothing_foreign.contains(&function) || asked.iter().any(|(f, _)| f == function),
            "{path} is new: give it rows in this matrix"
        );
    }
}
