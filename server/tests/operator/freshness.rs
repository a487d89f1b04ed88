//! Lists stay fresh cheaply: a page is served again without fetching while CONDSTORE says its
//! folder is unchanged, and new mail is pushed for the folder shown, until sign-out.

use app::reading::{MessageAction, Search};
use app::backend::Webmail;
use app::sending::{ComposeStart, Draft};
use axum::extract::{Query, State};
use axum::response::IntoResponse;
use crate::common::{backend_for, no_request, req};
use futures::StreamExt;
use server::http::push::PushQuery;
use std::{sync::Arc, time::Duration};

#[tokio::test]
async fn an_unchanged_folder_is_listed_again_without_fetching() {
    let (backend, session, _, _) = backend_for("10100000058").await;
    let list = async || backend.list_messages(req(&session), "INBOX".into(), 0, Search::default(), None).await.unwrap();
    let first = list().await;
    let hits = backend.page_cache().hits();
    assert_eq!(list().await, first);
    assert_eq!(backend.page_cache().hits(), hits + 1, "served from the cache: HIGHESTMODSEQ unchanged");

    // a flag changed (here, but another client would do the same) bumps HIGHESTMODSEQ
    let newest = &first.messages[0];
    let (flag, unflag) = if newest.flagged { (MessageAction::Unflag, MessageAction::Flag) } else { (MessageAction::Flag, MessageAction::Unflag) };
    backend.update_messages(req(&session), "INBOX".into(), vec![newest.uid], flag).await.unwrap();
    let after = list().await;
    assert_eq!(backend.page_cache().hits(), hits + 1, "fetched again");
    assert_ne!(after.messages[0].flagged, newest.flagged, "and the change shows");
    backend.update_messages(req(&session), "INBOX".into(), vec![newest.uid], unflag).await.unwrap();
}

#[tokio::test]
async fn new_mail_is_pushed_for_the_folder_shown_until_sign_out() {
    let (backend, session, pool, _) = backend_for("10100000025").await;
    let backend = Arc::new(backend);
    let response = server::http::push::events(State(backend.clone()), session.clone(), Query(PushQuery { dossier: Some("Drafts".into()) }), no_request()).await.into_response();
    let mut events = response.into_body().into_data_stream();
    let mut next = async || {
        let chunk = tokio::time::timeout(Duration::from_secs(30), events.next()).await.expect("an event in time");
        chunk.map(|c| String::from_utf8(c.unwrap().to_vec()).unwrap())
    };
    assert!(next().await.unwrap().contains("event: pret\ndata: Drafts"));
    tokio::time::sleep(Duration::from_secs(1)).await; // the stream's IDLE is under way

    let draft = Draft { subject: "Poussé".into(), ..backend.start_compose(req(&session), ComposeStart::New).await.unwrap().draft };
    backend.save_draft(req(&session), draft.clone()).await.unwrap();
    loop {
        let event = next().await.expect("stream still open");
        if event.contains("event: changement\ndata: Drafts") {
            break;
        }
    }
    pool.forget("julien.moreau@hopital-demo.mssante.fr").await; // what sign-out does
    // well before the 25 s IDLE round would end by itself
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(event) = next().await {
            assert!(!event.contains("event:"), "nothing after sign-out: {event}");
        }
    })
    .await
    .expect("the stream ended at sign-out");
    backend.discard_draft(req(&session), draft.id, draft.proof).await.unwrap();
}

#[tokio::test]
async fn tabs_showing_the_same_folder_share_one_watch() {
    let (backend, session, _, _) = backend_for("10100000033").await; // Sophie
    let backend = Arc::new(backend);
    // five tabs on the same folder: more than the operator connections a user may hold for push
    let mut tabs = Vec::new();
    for _ in 0..5 {
        let response = server::http::push::events(State(backend.clone()), session.clone(), Query(PushQuery { dossier: Some("Drafts".into()) }), no_request())
            .await
            .into_response();
        assert_eq!(response.status(), 200, "a tab was refused its stream");
        tabs.push(response.into_body().into_data_stream());
    }
    let next = async |tab: &mut axum::body::BodyDataStream| {
        let chunk = tokio::time::timeout(Duration::from_secs(30), tab.next()).await.expect("an event in time");
        String::from_utf8(chunk.expect("stream open").unwrap().to_vec()).unwrap()
    };
    for tab in &mut tabs {
        assert!(next(tab).await.contains("event: pret\ndata: Drafts"));
    }
    tokio::time::sleep(Duration::from_secs(1)).await; // the watch's IDLE is under way
    let draft = Draft { subject: "Vu dans chaque onglet".into(), ..backend.start_compose(req(&session), ComposeStart::New).await.unwrap().draft };
    backend.save_draft(req(&session), draft.clone()).await.unwrap();
    for tab in &mut tabs {
        while !next(tab).await.contains("event: changement\ndata: Drafts") {}
    }
    backend.discard_draft(req(&session), draft.id, draft.proof).await.unwrap();
}
