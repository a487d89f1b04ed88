//! The Annuaire santé over HTTP, as the compose page and /annuaire call it, on the test
//! operator's extraction (the demo people and 50 000 fictitious mailboxes).

use crate::common::{req, serve, session_cookie, session_for};
use app::directory::{BalKind, Correspondent, DirectoryPage};
use app::sending::{ComposeStart, Draft};
use app::backend::Webmail;

const CLAIRE: &str = "10100000017";
const MARC: &str = "marc.garnier@cabinet-demo.mssante.fr";

async fn call<T: serde::de::DeserializeOwned>(base: &str, cookie: &str, function: &str, body: serde_json::Value) -> (u16, Option<T>) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/{function}"))
        .header("cookie", cookie)
        .header("origin", "http://127.0.0.1:8080")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.ok())
}

fn names(found: &[Correspondent]) -> Vec<String> {
    found.iter().map(|c| c.name.clone()).collect()
}

#[tokio::test]
async fn correspondents_are_suggested_as_they_are_typed() {
    let (base, backend, db) = serve().await;
    backend.directory.ready().await;
    let cookie = session_cookie(&db, CLAIRE).await;
    let suggest = |query: &str| {
        let (base, cookie) = (base.clone(), cookie.clone());
        let body = serde_json::json!({ "query": query });
        async move { call::<Vec<Correspondent>>(&base, &cookie, "suggestions", body).await }
    };

    // a prefix of every word, accents and case ignored, across name and specialty
    let (status, found) = suggest("dub card").await;
    let found = found.unwrap();
    assert_eq!(status, 200);
    assert!(found.len() <= app::directory::SUGGESTIONS);
    assert!(found.iter().all(|c| c.name.to_uppercase().contains("DUB") && c.specialty.starts_with("Cardio")), "{:?}", names(&found));
    assert!(found.iter().any(|c| c.address == "claire.dubois@hopital-demo.mssante.fr"), "{:?}", names(&found));
    let claire = found.iter().find(|c| c.address == "claire.dubois@hopital-demo.mssante.fr").unwrap();
    assert_eq!((claire.name.as_str(), claire.identifier.as_str(), claire.kind), ("Dr Claire DUBOIS", "RPPS 10100000017", BalKind::Personal));
    assert_eq!(claire.organisation, "CH DE DEMONSTRATION");
    let lefevre = suggest("lefevre").await.1.unwrap();
    assert!(!lefevre.is_empty() && lefevre.iter().all(|c| c.name.contains("LEFÈVRE")), "{:?}", names(&lefevre));
    let by_number = suggest("10100000041").await.1.unwrap();
    assert_eq!(names(&by_number), ["Dr Marc GARNIER"]);
    let team = suggest("secretariat cardio demonstration").await.1.unwrap();
    assert_eq!(team.first().map(|c| (c.address.as_str(), c.kind)), Some((crate::common::ORG, BalKind::Organisational)));

    // whom Claire last wrote to comes first: Marc before every GARCIA and GARNIER of the file
    let before = suggest("gar").await.1.unwrap();
    assert_ne!(before.first().map(|c| c.address.as_str()), Some(MARC), "not first by name");
    let session = session_for(CLAIRE).await;
    let start = backend.start_compose(req(&session), ComposeStart::New).await.unwrap();
    let draft = Draft { to: vec![MARC.into()], subject: "Avis".into(), body: "Bonjour".into(), ..start.draft };
    backend.send_message(req(&session), draft).await.unwrap();
    let after = suggest("gar").await.1.unwrap();
    assert_eq!(after.first().map(|c| c.address.as_str()), Some(MARC));

    // hostile or pointless input: an empty list, never an error
    let long = "é".repeat(500);
    for typed in ["", "d", "  ", "\"", "*", "NEAR(", "dub\" OR \"a", "{name} : x", "^dub", "a* b* c* d* e* f* g* h*", long.as_str(), "'; DROP TABLE entry; --"] {
        let (status, found) = suggest(typed).await;
        assert_eq!(status, 200, "{typed:?}");
        assert!(found.is_some(), "{typed:?}");
    }
}

#[tokio::test]
async fn the_annuaire_page_searches_by_criteria() {
    let (base, backend, db) = serve().await;
    backend.directory.ready().await;
    let cookie = session_cookie(&db, CLAIRE).await;
    let search = |criteria: serde_json::Value| {
        let (base, cookie) = (base.clone(), cookie.clone());
        async move { call::<DirectoryPage>(&base, &cookie, "recherche-annuaire", serde_json::json!({ "criteria": criteria })).await.1.unwrap() }
    };
    let base_criteria = serde_json::json!({ "name": "", "identifier": "", "profession": "", "specialty": "", "place": "", "organisation": "", "kind": null, "page": 0 });
    let with = |changes: &[(&str, serde_json::Value)]| {
        let mut c = base_criteria.clone();
        for (k, v) in changes {
            c[*k] = v.clone();
        }
        c
    };
    let nurses_in_gironde = search(with(&[("profession", "Infirmier".into()), ("place", "33".into())])).await;
    assert!(nurses_in_gironde.total > 0 && nurses_in_gironde.entries.len() <= 20);
    assert!(nurses_in_gironde.entries.iter().all(|c| c.profession == "Infirmier" && c.postcode.starts_with("33")));
    assert!(nurses_in_gironde.professions.contains(&"Sage-femme".to_string()));
    let second = search(with(&[("profession", "Infirmier".into()), ("place", "33".into()), ("page", 1.into())])).await;
    assert!(nurses_in_gironde.pages < 2 || second.entries.first() != nurses_in_gironde.entries.first(), "another page");
    let teams = search(with(&[("organisation", "demonstration".into()), ("kind", "Organisational".into())])).await;
    assert!(teams.entries.iter().any(|c| c.address == crate::common::ORG));
    assert!(teams.entries.iter().all(|c| c.kind == BalKind::Organisational));
    let cardiologists_in_lyon = search(with(&[("specialty", "cardio".into()), ("place", "lyon".into())])).await;
    assert!(cardiologists_in_lyon.total > 0);
    assert!(cardiologists_in_lyon.entries.iter().all(|c| c.town == "LYON" && c.specialty.starts_with("Cardiologie")));
    let nothing = search(with(&[("name", "\" NEAR( * {".into())])).await;
    assert_eq!(nothing.total, 0);
}

#[tokio::test]
async fn the_fhir_api_answers_when_configured() {
    // the test operator's stand-in of the Annuaire Santé FHIR API, serving the same extraction
    let mut config = crate::common::config("webmail");
    config.directory_api = Some(("http://127.0.0.1:9091/fhir/v2".into(), "cle-annuaire-test".into()));
    let (backend, session, _, _) = crate::common::backend_with(config.clone(), CLAIRE).await;
    let found = backend.suggest_correspondents(req(&session), "dubois card".into()).await.unwrap();
    let claire = found.iter().find(|c| c.address == "claire.dubois@hopital-demo.mssante.fr").expect("Claire found through FHIR");
    assert_eq!((claire.name.as_str(), claire.identifier.as_str(), claire.profession.as_str()), ("Dr Claire DUBOIS", "RPPS 10100000017", "Médecin"));
    assert_eq!((claire.organisation.as_str(), claire.postcode.as_str(), claire.town.as_str()), ("CH DE DEMONSTRATION", "75013", "PARIS"));
    assert!(found.iter().all(|c| c.specialty.starts_with("Cardiologie")), "every word checked: {:?}", names(&found));
    let team = backend.suggest_correspondents(req(&session), "secretariat-cardio".into()).await.unwrap();
    assert_eq!(team.first().map(|c| (c.name.as_str(), c.kind)), Some(("Secrétariat de cardiologie", BalKind::Organisational)));
    let page = backend.search_directory(req(&session), app::directory::DirectoryCriteria { name: "garnier".into(), profession: "Médecin".into(), ..Default::default() }).await.unwrap();
    assert!(page.entries.iter().any(|c| c.address == MARC));
    // a message's correspondents are looked up there too
    let sent = backend.list_messages(req(&session), "INBOX".into(), 0, Default::default(), None).await.unwrap();
    let from_marc = sent.messages.iter().find(|m| m.subject.starts_with("Adressage")).unwrap();
    let view = backend.read_message(req(&session), "INBOX".into(), from_marc.uid).await.unwrap();
    assert!(view.correspondents.iter().any(|n| n.address == MARC && n.about.as_deref().is_some_and(|a| a.contains("Médecine générale"))), "{:?}", view.correspondents);

    // a wrong key: the API refuses, the user is told in French, and nothing else breaks
    config.directory_api = Some(("http://127.0.0.1:9091/fhir/v2".into(), "mauvaise-cle".into()));
    let (refused, session, _, _) = crate::common::backend_with(config, CLAIRE).await;
    let Err(e) = refused.suggest_correspondents(req(&session), "dubois".into()).await else { panic!("must fail") };
    assert!(e.to_string().contains("Vous pouvez toujours saisir une adresse"), "{e}");
    assert!(refused.list_messages(req(&session), "INBOX".into(), 0, Default::default(), None).await.is_ok());
}
