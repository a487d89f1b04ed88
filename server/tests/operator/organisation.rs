//! Organisational mailboxes against the real operator: the switcher, rights administration through
//! IMAP ACLs (and who may not), one trace row per action, sending in the mailbox's name,
//! revocation in an open session, tampering detected. One test, in order: the steps share the
//! operator's ACLs.

use app::reading::{MessageAction, Search};
use app::backend::Webmail;
use app::error::WebmailError;
use app::organisation::{Integrity, Rights, TraceFilter};
use app::sending::{ComposeStart, Draft};
use crate::common::{CLAIRE, CLAIRE_RPPS, ORG, ORG_INBOX, backend_for, fetch_text, find, req, session_for};
use std::time::Duration;

const JULIEN_RPPS: &str = "10100000025";
const JULIEN: &str = "julien.moreau@hopital-demo.mssante.fr";
const MARC: &str = "marc.garnier@cabinet-demo.mssante.fr";
const SECRETARY: Rights = Rights { read: true, mark: true, organise: false, send_as: true, administer: false };

#[tokio::test]
async fn rights_traces_sending_as_the_mailbox_and_revocation() {
    // one backend, two users signed in, as on the server
    let (claire, claire_session, _, _) = backend_for(CLAIRE_RPPS).await;
    let julien = &claire;
    let traces = &claire.traces;
    let session = session_for(JULIEN_RPPS).await;
    let all = TraceFilter::default();
    let rows = async || claire.traces(req(&claire_session), ORG.into(), TraceFilter::default()).await.unwrap().rows;
    // as operator/start.sh grants them (again, should an earlier run have stopped half-way)
    claire.set_rights(req(&claire_session), ORG.into(), JULIEN.into(), SECRETARY).await.unwrap();

    // the switcher: own mailbox first, then the organisational one with the rights the operator
    // reports, once, under its address, even after he opened it by another spelling (the operator
    // then lists that spelling too on his connection)
    let shouted = ORG_INBOX.to_uppercase().replace("SHARED/", "Shared/");
    julien.list_messages(req(&session), shouted, 0, Search::default(), None).await.expect("the operator serves this spelling");
    let boxes = julien.my_mailboxes(req(&session), julien.list_folders(req(&session)).await.unwrap()).await.unwrap();
    assert_eq!((boxes[0].address.as_str(), boxes[0].organisational), (JULIEN, false));
    assert_eq!(boxes.iter().map(|b| b.address.as_str()).collect::<Vec<_>>(), [JULIEN, ORG]);
    let org_box = boxes.iter().find(|b| b.address == ORG).expect("the organisational mailbox is offered");
    assert_eq!((org_box.inbox.as_str(), org_box.rights), (ORG_INBOX, Rights { read: true, mark: true, organise: false, send_as: true, administer: false }));
    assert!(claire.my_mailboxes(req(&claire_session), claire.list_folders(req(&claire_session)).await.unwrap()).await.unwrap().iter().any(|b| b.address == ORG && b.rights.administer));

    // the mailbox's signature: set by an administrator (the address as typed, in capitals), put in
    // what a member writes from it; a member is neither offered nor allowed to change it
    let signature = format!("Secrétariat de cardiologie\nPoste {}", rand::random::<u16>());
    claire.save_team_signature(req(&claire_session), ORG.to_uppercase(), signature.clone()).await.unwrap();
    let offered = claire.settings(req(&claire_session)).await.unwrap().teams;
    assert!(offered.iter().any(|t| t.mailbox == ORG && t.signature == signature), "{offered:?}");
    assert!(julien.settings(req(&session)).await.unwrap().teams.is_empty());
    let refused = julien.save_team_signature(req(&session), ORG.into(), "Julien".into()).await.unwrap_err();
    assert!(matches!(&refused, WebmailError::InvalidInput(text) if text.contains("administrateurs")), "{refused:?}");
    let written = julien.start_compose(req(&session), ComposeStart::NewIn(ORG_INBOX.into())).await.unwrap().draft;
    assert_eq!(written.from, ORG);
    assert!(written.body.starts_with(&format!("\n\n-- \n{signature}")), "{:?}", written.body);
    let own = julien.start_compose(req(&session), ComposeStart::New).await.unwrap().draft;
    assert!(!own.body.contains(&signature), "not in what he writes as himself");
    let traced = rows().await;
    assert!(traced.iter().any(|r| r.member == CLAIRE && r.detail == "signature de la boîte modifiée"), "{traced:#?}");

    // one action, one row: who, what, outcome; the user's own folders leave none
    let start = rows().await.len();
    let inbox = julien.list_messages(req(&session), ORG_INBOX.into(), 0, Search::default(), None).await.unwrap();
    let after_open = rows().await;
    assert_eq!(after_open.len(), start + 1);
    let row = &after_open[0];
    assert_eq!((row.member.as_str(), row.name.as_str(), row.identifier.as_str()), (JULIEN, "Julien MOREAU", "RPPS 10100000025"));
    assert_eq!((row.action.as_str(), row.outcome.as_str()), ("Ouverture de la boîte", "réussi"));
    let uid = inbox.messages[0].uid;
    let read = julien.read_message(req(&session), ORG_INBOX.into(), uid).await.unwrap();
    julien.update_messages(req(&session), ORG_INBOX.into(), vec![uid], MessageAction::Flag).await.unwrap();
    julien.update_messages(req(&session), ORG_INBOX.into(), vec![uid], MessageAction::Unflag).await.unwrap();
    julien.list_messages(req(&session), "INBOX".into(), 0, Search::default(), None).await.unwrap();
    let now = rows().await;
    assert_eq!(now.len(), start + 4, "open, read, flag, unflag; nothing for his own inbox");
    assert_eq!(now[2].action, "Lecture d'un message");
    assert!(now[2].detail.contains(&format!("UID {uid}")) && now[2].detail.contains(&format!("<{}>", read.message_id)), "{}", now[2].detail);

    // members see their own trace only; administrators see everyone's, with the chain checked
    let own = julien.traces(req(&session), ORG.into(), TraceFilter { member: CLAIRE.into(), ..all.clone() }).await.unwrap();
    assert!(!own.everyone && !own.rows.is_empty() && own.rows.iter().all(|r| r.member == JULIEN), "a member asking for another's trace gets their own");
    let everyone = claire.traces(req(&claire_session), ORG.into(), all.clone()).await.unwrap();
    assert!(everyone.everyone && everyone.per_member.iter().any(|(who, n)| who == "Julien MOREAU" && *n >= 4));
    // the chain is the store's: it holds the rows of the members' own mailboxes too
    assert!(matches!(everyone.integrity, Integrity::Intact { rows } if rows > everyone.rows.len() as u64), "{:?}", everyone.integrity);

    // a member who does not administer cannot list members or change rights (the operator refuses too)
    assert!(matches!(julien.members(req(&session), ORG.into()).await, Err(WebmailError::InvalidInput(t)) if t.contains("administrateurs")));
    let all_rights = Rights { read: true, mark: true, organise: true, send_as: true, administer: true };
    assert!(julien.set_rights(req(&session), ORG.into(), JULIEN.into(), all_rights).await.is_err());
    assert!(!julien.my_mailboxes(req(&session), julien.list_folders(req(&session)).await.unwrap()).await.unwrap().iter().any(|b| b.address == ORG && b.rights.administer));

    // sending in the mailbox's name: From the mailbox (named after its entity, ECO.2.2.7), Sender
    // the member, traced with its Message-ID
    claire.directory.ready().await;
    let compose = julien.start_compose(req(&session), ComposeStart::New).await.unwrap();
    assert_eq!(compose.senders, vec![JULIEN.to_string(), ORG.to_string()]);
    let draft = Draft { from: ORG.into(), to: vec![MARC.into()], subject: "Rendez-vous de cardiologie".into(), body: "Rendez-vous confirmé.".into(), ..compose.draft };
    julien.send_message(req(&session), draft.clone()).await.unwrap();
    let mut delivered = vec![];
    for _ in 0..100 {
        delivered = find(MARC, "INBOX", "Message-ID", &draft.id);
        if !delivered.is_empty() { break }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = fetch_text(MARC, "INBOX", &delivered[0]);
    let parsed = mail_parser::MessageParser::default().parse(text.as_bytes()).unwrap();
    let from = parsed.from().and_then(|a| a.first()).unwrap();
    assert_eq!((from.name.as_deref(), from.address.as_deref()), (Some("CH DE DEMONSTRATION – Secrétariat de cardiologie"), Some(ORG)), "{text}");
    let sender = parsed.sender().and_then(|a| a.first()).unwrap();
    assert_eq!((sender.name.as_deref(), sender.address.as_deref()), (Some("Julien MOREAU"), Some(JULIEN)), "{text}");
    let sent = &rows().await[0];
    assert_eq!((sent.action.as_str(), sent.member.as_str()), ("Envoi d'un message", JULIEN));
    assert!(sent.detail.contains(&draft.id) && sent.detail.contains(MARC));

    // revocation by an administrator applies at once to Julien's open session
    claire.directory.ready().await; // the names come from the directory's index
    let members = claire.members(req(&claire_session), ORG.into()).await.unwrap();
    assert!(members.iter().any(|m| m.address == JULIEN && m.name == "M. Julien MOREAU" && m.rights.read), "{members:?}");
    claire.set_rights(req(&claire_session), ORG.into(), JULIEN.into(), Rights::default()).await.unwrap();
    assert!(julien.list_messages(req(&session), ORG_INBOX.into(), 0, Search::default(), None).await.is_err(), "no access any more");
    assert!(!claire.members(req(&claire_session), ORG.into()).await.unwrap().iter().any(|m| m.address == JULIEN));
    let latest = rows().await;
    assert_eq!((latest[0].action.as_str(), latest[0].outcome.as_str()), ("Ouverture de la boîte", "refusé par l'opérateur"));
    assert_eq!((latest[1].action.as_str(), latest[1].member.as_str()), ("Modification des droits", CLAIRE));
    assert!(latest[1].detail.contains("accès retiré"));
    // an administrator cannot lock themself out
    assert!(matches!(claire.set_rights(req(&claire_session), ORG.into(), CLAIRE.into(), SECRETARY).await, Err(WebmailError::InvalidInput(t)) if t.contains("propre droit")));

    claire.set_rights(req(&claire_session), ORG.into(), JULIEN.into(), SECRETARY).await.unwrap();
    assert!(julien.list_messages(req(&session), ORG_INBOX.into(), 0, Search::default(), None).await.is_ok(), "access given back");

    // care-team handling: « Je m'en occupe » is seen by every member, filterable, traced; taking
    // it over lets the previous member go; a reply from the mailbox says who answered
    let uid = inbox.messages[1].uid;
    let answered = format!("\\Answered $MSSRepondu.{JULIEN}");
    crate::common::dovecot(&["doveadm", "flags", "remove", "-u", ORG, &answered, "mailbox", "INBOX", "uid", &uid.to_string()]); // an earlier run
    julien.update_messages(req(&session), ORG_INBOX.into(), vec![uid], MessageAction::TakeCharge).await.unwrap();
    let listed = claire.list_messages(req(&claire_session), ORG_INBOX.into(), 0, Search::default(), None).await.unwrap();
    assert_eq!(listed.messages.iter().find(|m| m.uid == uid).unwrap().handled, Some(format!("Pris en charge par {JULIEN}")));
    assert!(julien.read_message(req(&session), ORG_INBOX.into(), uid).await.unwrap().taken_by_me);
    assert!(!claire.read_message(req(&claire_session), ORG_INBOX.into(), uid).await.unwrap().taken_by_me);
    let untaken = claire.list_messages(req(&claire_session), ORG_INBOX.into(), 0, Search { untaken: true, ..Search::default() }, None).await.unwrap();
    assert!(!untaken.messages.iter().any(|m| m.uid == uid), "« non pris en charge » leaves it out");
    assert_eq!(untaken.total + 1, listed.total);
    assert!(rows().await.iter().any(|r| r.member == JULIEN && r.detail.ends_with(&format!("UID {uid} : pris en charge"))));
    claire.update_messages(req(&claire_session), ORG_INBOX.into(), vec![uid], MessageAction::TakeCharge).await.unwrap();
    let keywords = crate::common::flags(ORG, "INBOX", &uid.to_string());
    assert!(keywords.contains(&format!("$MSSPris.{CLAIRE}")) && !keywords.contains(&format!("$MSSPris.{JULIEN}")), "{keywords}");
    claire.update_messages(req(&claire_session), ORG_INBOX.into(), vec![uid], MessageAction::ReleaseCharge).await.unwrap();
    let listed = claire.list_messages(req(&claire_session), ORG_INBOX.into(), 0, Search::default(), None).await.unwrap();
    assert_eq!(listed.messages.iter().find(|m| m.uid == uid).unwrap().handled, None);
    let original = claire.read_message(req(&claire_session), ORG_INBOX.into(), uid).await.unwrap();
    let reply = julien.start_compose(req(&session), ComposeStart::Reply { folder: ORG_INBOX.into(), uid, all: false }).await.unwrap().draft;
    let reply = Draft { from: ORG.into(), to: vec![MARC.into()], body: "C'est noté.".into(), ..reply };
    assert_eq!(reply.in_reply_to.as_deref(), Some(original.message_id.as_str()));
    julien.send_message(req(&session), reply).await.unwrap();
    let listed = claire.list_messages(req(&claire_session), ORG_INBOX.into(), 0, Search::default(), None).await.unwrap();
    assert_eq!(listed.messages.iter().find(|m| m.uid == uid).unwrap().handled, Some(format!("Répondu par {JULIEN}")));
    assert!(crate::common::flags(ORG, "INBOX", &uid.to_string()).contains("\\Answered"));

    // an edited row breaks the chain, and the page says where
    let first = traces.list(ORG, None, None, 0, i64::MAX).await.unwrap().last().unwrap().id;
    traces.execute_unchecked(&format!("UPDATE access_traces SET member = 'quelqu-un@ailleurs.fr' WHERE id = {first}")).await.unwrap();
    assert_eq!(claire.traces(req(&claire_session), ORG.into(), all).await.unwrap().integrity, Integrity::Broken { at_row: first });
}

#[tokio::test]
async fn traces_cannot_be_dodged_nor_written_by_outsiders() {
    const MARC_RPPS: &str = "10100000041";
    let (claire, claire_session, _, _) = backend_for(CLAIRE_RPPS).await;
    let rows = async || claire.traces(req(&claire_session), ORG.into(), TraceFilter::default()).await.unwrap().rows;
    // another spelling of the same mailbox, which the operator serves: traced under the mailbox itself
    let shouted = ORG_INBOX.to_uppercase().replace("SHARED/", "Shared/");
    let before = rows().await.len();
    claire.list_messages(req(&claire_session), shouted.clone(), 0, Search::default(), None).await.expect("the operator serves this spelling");
    let after = rows().await;
    assert_eq!(after.len(), before + 1, "the read is on the administrators' page");
    assert!(after[0].detail.contains(&shouted));
    let upper = claire.traces(req(&claire_session), ORG.to_uppercase(), TraceFilter::default()).await.unwrap();
    assert_eq!((upper.mailbox.as_str(), upper.rows.len()), (ORG, after.len()), "asked in capitals, the same trace");

    // someone who is not a member cannot add rows, nor make rows for a mailbox that does not exist
    let marc = session_for(MARC_RPPS).await;
    assert!(claire.list_messages(req(&marc), ORG_INBOX.into(), 0, Search::default(), None).await.is_err());
    assert!(claire.read_message(req(&marc), ORG_INBOX.into(), 1).await.is_err());
    assert_eq!(rows().await.len(), after.len(), "no row from a non-member");
    let unknown = "inconnue@hopital-demo.mssante.fr";
    assert!(claire.list_messages(req(&claire_session), format!("Shared/{unknown}"), 0, Search::default(), None).await.is_err());
    assert!(claire.traces.list(unknown, None, None, 0, i64::MAX).await.unwrap().is_empty(), "no row for a mailbox that does not exist");

    // asking for the trace of an unknown mailbox is refused, and breaks nothing at the operator
    assert!(matches!(claire.traces(req(&claire_session), unknown.into(), TraceFilter::default()).await, Err(WebmailError::InvalidInput(t)) if t.contains("pas accès")));
    assert!(claire.list_messages(req(&claire_session), "INBOX".into(), 0, Search::default(), None).await.is_ok());
}
