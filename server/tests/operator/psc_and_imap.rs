//! Against the real test operator (operator/start.sh): the PSC stand-in issues tokens through
//! the real authorization code flow, and real Dovecot accepts or refuses them.

use crate::common::{CLAIRE, CLAIRE_RPPS, config, sign_in_at_psc, signed_in};
use server::error::Error;
use app::reading::{FolderRole, MessageAction, Search};
use server::gateway::imap::{ImapGateway, PAGE_SIZE};
use server::mail::message::{self, PartUrls};
use server::gateway::psc::Psc;
use server::identity::ProfessionalId;
use server::identity::SignedInUser;

const JULIEN: &str = "julien.moreau@hopital-demo.mssante.fr";

#[tokio::test]
async fn psc_sign_in_gives_identity_and_a_token_dovecot_accepts() {
    let (_, user, config) = signed_in("webmail", CLAIRE_RPPS).await;
    assert_eq!(user.identity.mailbox, CLAIRE);
    assert_eq!(ProfessionalId::from_subject_name_id(&user.identity.subject_name_id), ProfessionalId::Rpps(CLAIRE_RPPS.into()));
    assert_eq!((user.identity.given_name.as_str(), user.identity.family_name.as_str()), ("Claire", "DUBOIS"));
    assert!(user.tokens.refresh_token.is_some(), "PSC issues a refresh token");

    let gateway = ImapGateway::new(config.imap).unwrap();
    let mut imap = gateway.open(&user.identity.mailbox, &user.tokens.access_token).await.expect("XOAUTH2 accepted");
    let inbox = imap.page("INBOX", 0, &Search::default(), server::clock::unix_now(), None).await.unwrap();
    assert_eq!((inbox.total, inbox.unseen, inbox.pages), (6, 3, 1));
    let subjects: Vec<_> = inbox.messages.iter().map(|m| m.subject.as_str()).collect();
    assert!(subjects.contains(&"Adressage : M. Bernard PETIT, dyspnée d'effort"), "{subjects:?}");
    assert!(subjects.contains(&"Compte rendu d'hospitalisation — M. Émile FAURE"), "{subjects:?}");
    assert!(inbox.messages.windows(2).all(|w| w[0].uid > w[1].uid), "newest first");

    // the windows-1252 message is decoded
    let legacy = inbox.messages.iter().find(|m| m.subject.contains("Émile FAURE")).unwrap();
    let opened = imap.shown_message("INBOX", legacy.uid, true).await.unwrap();
    let view = message::view(&PartUrls { folder: "INBOX", uid: legacy.uid }, &opened);
    assert!(view.text.contains("décompensation cardiaque"), "{}", view.text);
    // the PDF + IHE_XDM message lists both attachments, and the archive's CDA document
    // its subject shown without the XDM/1.0/DDM+ prefix, its document type from X-MSS-CODECDA
    let xdm = inbox.messages.iter().find(|m| m.document.is_some()).unwrap();
    assert_eq!(xdm.document.as_deref(), Some("Compte rendu d'examens biologiques, Lettre de liaison à la sortie"));
    assert!(!xdm.subject.contains("XDM/1.0"), "{}", xdm.subject);
    let opened = imap.shown_message("INBOX", xdm.uid, false).await.unwrap();
    let view = message::view(&PartUrls { folder: "INBOX", uid: xdm.uid }, &opened);
    let raw = imap.raw_message("INBOX", xdm.uid).await.unwrap().0;
    let names: Vec<_> = view.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["CR_biologie_VIDAL.pdf", "IHE_XDM.zip"]);
    assert_eq!(view.attachments[1].xdm.len(), 2);
    assert_eq!(view.attachments[1].xdm[0].patient, "VIDAL Hélène");
    // the level-1 CDA opens as its PDF twin, the level-3 one as its narrative
    let archive = server::mail::message::attachment(&raw, 1).unwrap().2;
    let version = |path: &str| server::mail::xdm::pdf_version(&archive, path, &server::mail::xdm::document(&archive, path).unwrap());
    assert!(version("IHE_XDM/SUBSET01/DOC0001.XML").unwrap().starts_with(b"%PDF"));
    assert_eq!(version("IHE_XDM/SUBSET01/DOC0002.XML"), None);
    let letter = server::mail::cda::read(&server::mail::xdm::document(&archive, "IHE_XDM/SUBSET01/DOC0002.XML").unwrap(), None);
    assert_eq!((letter.kind.as_str(), letter.sections.len()), ("Lettre de liaison à la sortie", 4));
    assert_eq!(letter.author, "Dr Claire DUBOIS, Centre hospitalier de démonstration — cardiologie");
    assert!(matches!(imap.shown_message("INBOX", 999_999, false).await, Err(Error::MessageNotFound(999_999))));
    assert!(matches!(imap.page("Nulle/Part", 0, &Search::default(), 0, None).await, Err(Error::FolderNotFound)));
    imap.logout().await;
}

async fn imap_for(rpps: &str) -> (server::gateway::imap::ImapSession, SignedInUser) {
    let (_, user, config) = signed_in("webmail", rpps).await;
    let imap = ImapGateway::new(config.imap).unwrap().open(&user.identity.mailbox, &user.tokens.access_token).await.unwrap();
    (imap, user)
}

#[tokio::test]
async fn folders_have_roles_french_names_counts_and_the_shared_mailbox() {
    let (mut imap, _) = imap_for(CLAIRE_RPPS).await;
    let folders = imap.folders().await.unwrap();
    let find = |role| folders.iter().find(|f| f.role == role && !f.name.starts_with("Shared/")).unwrap();
    assert_eq!((find(FolderRole::Inbox).label.as_str(), find(FolderRole::Inbox).total), ("Boîte de réception", 6));
    assert_eq!(find(FolderRole::Sent).label, "Envoyés");
    assert_eq!(find(FolderRole::Trash).label, "Corbeille");
    let shared = folders.iter().find(|f| f.name == crate::common::ORG_INBOX).expect("shared mailbox");
    assert_eq!((shared.role, shared.total), (FolderRole::Inbox, 3));
    assert_eq!(shared.label, "secretariat-cardio@hopital-demo.mssante.fr › Boîte de réception");
    // the shared namespace's root holds no messages: it is no folder to show
    assert!(folders.iter().all(|f| f.name != "Shared"), "{:?}", folders.iter().map(|f| &f.name).collect::<Vec<_>>());
    imap.logout().await;
}

#[tokio::test]
async fn server_side_search_finds_by_sender_text_accents_attachments() {
    let (mut imap, _) = imap_for(CLAIRE_RPPS).await;
    let mut search = async |s: Search| {
        imap.page("INBOX", 0, &s, 0, None).await.unwrap().messages.into_iter().map(|m| m.subject).collect::<Vec<_>>()
    };
    assert_eq!(search(Search { from: "garnier".into(), ..Default::default() }).await, ["Adressage : M. Bernard PETIT, dyspnée d'effort"]);
    assert_eq!(search(Search { subject: "dyspnée".into(), ..Default::default() }).await.len(), 1);
    assert_eq!(search(Search { body: "vertiges".into(), ..Default::default() }).await, ["Question sur mon traitement"]);
    assert_eq!(search(Search { with_attachment: true, ..Default::default() }).await.len(), 2);
    assert_eq!(search(Search { unread: true, ..Default::default() }).await.len(), 3);
    assert!(search(Search { from: "personne-inconnue".into(), ..Default::default() }).await.is_empty());
    imap.logout().await;
}

#[tokio::test]
async fn html_mail_is_sanitised_with_remote_images_blocked() {
    let (mut imap, _) = imap_for(CLAIRE_RPPS).await;
    let list = imap.page("INBOX", 0, &Search { from: "lambert".into(), ..Default::default() }, 0, None).await.unwrap();
    let uid = list.messages[0].uid;
    let (raw, _, _) = imap.raw_message("INBOX", uid).await.unwrap();
    let urls = PartUrls { folder: "INBOX", uid };
    let safe = message::safe_html(&raw, &urls, false).unwrap();
    assert!(safe.html.contains("<table") && safe.html.contains("Nébivolol"));
    assert!(!safe.html.contains("<script") && !safe.html.contains("pharmacie.example.invalid"));
    assert_eq!(safe.remote_images, 1);
    imap.logout().await;
}

#[tokio::test]
async fn actions_mark_flag_move_and_delete() {
    let (mut imap, user) = imap_for("10100000033").await; // Sophie: an inbox of her own to play with
    let raw = |n: u32| format!("From: test@hopital-demo.mssante.fr\r\nTo: {}\r\nSubject: Action {n}\r\n\r\nCorps\r\n", user.identity.mailbox);
    let page = async |imap: &mut server::gateway::imap::ImapSession, folder: &str| imap.page(folder, 0, &Search::default(), 0, None).await.unwrap();
    let (inbox_before, trash_before) = (page(&mut imap, "INBOX").await, page(&mut imap, "Trash").await);
    imap.append("INBOX", None, raw(1).as_bytes()).await.unwrap();
    imap.append("INBOX", None, raw(2).as_bytes()).await.unwrap();
    let inbox = page(&mut imap, "INBOX").await;
    assert_eq!((inbox.total, inbox.unseen), (inbox_before.total + 2, inbox_before.unseen + 2));
    let uids: Vec<u32> = inbox.messages[..2].iter().map(|m| m.uid).collect();

    imap.apply("INBOX", &uids, &MessageAction::MarkRead, CLAIRE).await.unwrap();
    assert_eq!(page(&mut imap, "INBOX").await.unseen, inbox_before.unseen);
    imap.apply("INBOX", &uids[..1], &MessageAction::MarkUnread, CLAIRE).await.unwrap();
    imap.apply("INBOX", &uids[..1], &MessageAction::Flag, CLAIRE).await.unwrap();
    let inbox = page(&mut imap, "INBOX").await;
    assert_eq!(inbox.unseen, inbox_before.unseen + 1);
    assert!(inbox.messages.iter().find(|m| m.uid == uids[0]).unwrap().flagged);
    imap.apply("INBOX", &uids[..1], &MessageAction::Unflag, CLAIRE).await.unwrap();
    assert!(!page(&mut imap, "INBOX").await.messages.iter().find(|m| m.uid == uids[0]).unwrap().flagged);

    // delete = to the Trash, and back with a move
    imap.apply("INBOX", &uids[..1], &MessageAction::Delete, CLAIRE).await.unwrap();
    assert_eq!(page(&mut imap, "INBOX").await.total, inbox_before.total + 1);
    let trash = page(&mut imap, "Trash").await;
    assert_eq!(trash.total, trash_before.total + 1);
    imap.apply("Trash", &[trash.messages[0].uid], &MessageAction::Move("INBOX".into()), CLAIRE).await.unwrap();
    assert_eq!(page(&mut imap, "INBOX").await.total, inbox_before.total + 2);
    assert_eq!(page(&mut imap, "Trash").await.total, trash_before.total);

    // from the Trash, deletion is for good
    let uids: Vec<u32> = page(&mut imap, "INBOX").await.messages[..2].iter().map(|m| m.uid).collect();
    imap.apply("INBOX", &uids, &MessageAction::Delete, CLAIRE).await.unwrap();
    let trashed: Vec<u32> = page(&mut imap, "Trash").await.messages[..2].iter().map(|m| m.uid).collect();
    imap.apply("Trash", &trashed, &MessageAction::Delete, CLAIRE).await.unwrap();
    assert_eq!(page(&mut imap, "INBOX").await.total, inbox_before.total);
    assert_eq!(page(&mut imap, "Trash").await.total, trash_before.total);
    assert!(matches!(imap.apply("INBOX", &uids, &MessageAction::Move("A\"B".into()), CLAIRE).await, Err(Error::FolderNotFound)));
    imap.logout().await;
}

/// scripts/test.sh seeds bench@ with 1 000 messages ("… n° 1" oldest to "… n° 1000" newest).
#[tokio::test]
async fn large_mailbox_is_paged_newest_first_and_searched_by_the_server() {
    let (mut imap, _) = imap_for("10100000058").await;
    let first = imap.page("INBOX", 0, &Search::default(), 0, None).await.unwrap();
    assert!(first.total >= 1000, "seed the bench mailbox first: {}", first.total);
    assert_eq!(first.messages.len() as u32, PAGE_SIZE);
    assert_eq!(first.pages, first.total.div_ceil(PAGE_SIZE));
    assert!(first.messages[0].subject.ends_with(&format!("n° {}", first.total)), "{}", first.messages[0].subject);
    let second = imap.page("INBOX", 1, &Search::default(), 0, None).await.unwrap();
    assert!(second.messages[0].subject.ends_with(&format!("n° {}", first.total - PAGE_SIZE)));
    let last = imap.page("INBOX", first.pages - 1, &Search::default(), 0, None).await.unwrap();
    assert!(last.messages.last().unwrap().subject.ends_with("n° 1"));
    // past the end: the last page
    assert_eq!(imap.page("INBOX", 10_000, &Search::default(), 0, None).await.unwrap().page, first.pages - 1);

    let found = imap.page("INBOX", 0, &Search { subject: "n° 777".into(), ..Default::default() }, 0, None).await.unwrap();
    assert_eq!((found.total, found.complete), (1, true), "a rare match: the whole mailbox was searched");

    // a search that most messages match stops once it has the page asked for (and one more):
    // the count is then a lower bound, and there is a next page
    let everyone = Search { from: "cabinet-demo".into(), ..Default::default() };
    let many = imap.page("INBOX", 0, &everyone, 0, None).await.unwrap();
    assert!(!many.complete && many.total > PAGE_SIZE && many.total < first.total, "{} of {}", many.total, first.total);
    assert_eq!((many.messages.len() as u32, many.pages), (PAGE_SIZE, 2));
    assert!(many.messages[0].subject.ends_with(&format!("n° {}", first.total)));
    let sixth = imap.page("INBOX", 5, &everyone, 0, None).await.unwrap();
    assert!(sixth.messages[0].subject.ends_with(&format!("n° {}", first.total - 5 * PAGE_SIZE)), "{}", sixth.messages[0].subject);
    assert!(found.messages[0].subject.ends_with("n° 777"));
    imap.logout().await;
}

#[tokio::test]
async fn refreshed_token_is_accepted_too() {
    let (psc, user, config) = signed_in("webmail", CLAIRE_RPPS).await;
    let renewed = psc.refresh(&user.tokens).await.expect("refresh");
    assert_ne!(renewed.access_token, user.tokens.access_token);
    let gateway = ImapGateway::new(config.imap).unwrap();
    gateway.open(CLAIRE, &renewed.access_token).await.expect("renewed token accepted").logout().await;
}

/// A renewal after many other sign-ins still works: the PSC stand-in keeps every session and the
/// refresh token bound to it (its library's default store of 1 000 entries dropped them after a
/// few hundred sign-ins: 'refresh token not found', and the load run's thousand users were
/// refused every renewal).
#[tokio::test]
async fn renewal_survives_many_other_sign_ins() {
    let (psc, user, _) = signed_in("webmail", CLAIRE_RPPS).await;
    use futures::StreamExt;
    let others = futures::stream::iter(0..1000).map(|_| signed_in("webmail", CLAIRE_RPPS)).buffer_unordered(8).count().await;
    assert_eq!(others, 1000);
    let renewed = psc.refresh(&user.tokens).await.expect("the first sign-in renews after 1 000 others");
    assert_ne!(renewed.access_token, user.tokens.access_token);
}

#[tokio::test]
async fn tampered_or_replayed_state_is_refused() {
    let config = config("webmail");
    let psc = Psc::new(config.psc.clone(), &config.public_url).unwrap();
    let (url, pending) = psc.begin().await.unwrap();
    let query = sign_in_at_psc(&url, CLAIRE_RPPS, &format!("{}/auth/callback", config.public_url)).await;
    let code = &query.iter().find(|(k, _)| k == "code").unwrap().1;
    assert!(matches!(psc.finish(Some(pending.clone()), code, "forged-state").await, Err(Error::StateMismatch)));
    assert!(matches!(psc.finish(None, code, &pending.state).await, Err(Error::StateMismatch)));
}

#[tokio::test]
async fn dovecot_refuses_forged_foreign_and_expired_tokens() {
    let (_, user, config) = signed_in("webmail", CLAIRE_RPPS).await;
    let gateway = ImapGateway::new(config.imap.clone()).unwrap();

    // signature altered
    let token = &user.tokens.access_token;
    let (head, sig) = token.rsplit_once('.').unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let forged = format!("{head}.{flipped}{}", &sig[1..]);
    assert!(matches!(gateway.open(CLAIRE, &forged).await, Err(Error::OperatorRefused(_))));

    // Claire's valid token does not open Julien's mailbox
    assert!(matches!(gateway.open(JULIEN, token).await, Err(Error::OperatorRefused(_))));

    // a token past its expiry (the 'webmail-expiring' client's live 5 s)
    let (_, short, _) = signed_in("webmail-expiring", CLAIRE_RPPS).await;
    gateway.open(CLAIRE, &short.tokens.access_token).await.expect("fresh token accepted").logout().await;
    tokio::time::sleep(std::time::Duration::from_secs(7)).await;
    assert!(matches!(gateway.open(CLAIRE, &short.tokens.access_token).await, Err(Error::OperatorRefused(_))));
}

#[tokio::test]
async fn imap_server_down_is_reported_as_unreachable() {
    let mut config = config("webmail");
    config.imap.port = 1; // nothing listens there
    let gateway = ImapGateway::new(config.imap).unwrap();
    assert!(matches!(gateway.open(CLAIRE, "token").await, Err(Error::OperatorUnreachable(_))));
}

/// Several tabs of one user asking at the moment the token is due: one renewal at PSC, whose new
/// tokens every tab takes. (PSC gives each refresh token once: a second renewal with the same one
/// would revoke the sign-in, and the tabs would find the user signed out.)
#[tokio::test]
async fn tabs_renewing_at_once_keep_the_user_signed_in() {
    use serde_json::json;
    let (base, _backend, db) = crate::common::serve().await;
    let mut first_refresh = None;
    let cookie = crate::common::session_cookie_with(&db, CLAIRE_RPPS, |user| {
        user.tokens.renew_after = 0; // due now
        first_refresh = user.tokens.refresh_token.clone();
    })
    .await;
    let http = reqwest::Client::new();
    let call = |function: &'static str, args: serde_json::Value| {
        let request = http.post(format!("{base}/api/{function}")).header("cookie", &cookie).header("content-type", "application/json");
        async move { request.body(args.to_string()).send().await.unwrap().status() }
    };
    let tabs = futures::future::join_all([
        call("dossiers", json!({})),
        call("messages", json!({ "folder": "INBOX", "page": 0, "search": Search::default() })),
        call("moi", json!({})),
        call("boites", json!({})),
        call("dossiers", json!({})),
    ])
    .await;
    assert!(tabs.iter().all(|s| s.is_success()), "{tabs:?}");
    assert!(call("messages", json!({ "folder": "INBOX", "page": 0, "search": Search::default() })).await.is_success(), "still signed in");
    // the refresh token read at sign-in was used once, and is spent
    let (psc, user, _) = signed_in("webmail", CLAIRE_RPPS).await;
    let spent = server::identity::Tokens { refresh_token: first_refresh, ..user.tokens };
    assert!(psc.refresh(&spent).await.is_err(), "a refresh token serves once");
}
