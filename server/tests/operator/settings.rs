//! The settings page's rules, written as a Sieve script through ManageSieve and applied by the
//! real Pigeonhole on delivery (Postfix → LMTP): the automatic reply goes once to a sender and
//! never to a patient, filters file and mark new mail, forwarding outside the trust space is
//! refused, another program's script keeps running and is never overwritten silently. Lucie's
//! mailbox (and Paul's, who writes to her): no other test uses them; one test, as its steps
//! share Lucie's one active script.

use app::backend::Webmail;
use app::error::WebmailError;
use app::organisation::TraceFilter;
use app::settings::{Filter, FilterAction, FilterField, Forward, Rules, Vacation};
use crate::common::{backend_for, find, flags, operator_state, req};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const LUCIE_RPPS: &str = "10100000074";
const LUCIE: &str = "lucie.rolland@hopital-demo.mssante.fr";
const PAUL: &str = "paul.vidal@cabinet-demo.mssante.fr";
const PATIENT: &str = "285077511234511@patient.mssante.fr";

/// Hand `raw` to the operator's Postfix as another server would (port 25, from `from` to `to`).
async fn arrives(from: &str, to: &str, raw: &str) {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", 25)).await.unwrap();
    let mut smtp = BufReader::new(tcp);
    let expect = async |smtp: &mut BufReader<tokio::net::TcpStream>, code: &str| loop {
        let mut line = String::new();
        smtp.read_line(&mut line).await.unwrap();
        assert!(line.starts_with(code), "{code} expected, got {line}");
        if line.as_bytes().get(3) == Some(&b' ') {
            break;
        }
    };
    expect(&mut smtp, "220").await;
    for (command, code) in [
        ("EHLO mx.cabinet-demo.mssante.fr".to_string(), "250"),
        (format!("MAIL FROM:<{from}>"), "250"),
        (format!("RCPT TO:<{to}>"), "250"),
        ("DATA".to_string(), "354"),
    ] {
        smtp.get_mut().write_all(format!("{command}\r\n").as_bytes()).await.unwrap();
        expect(&mut smtp, code).await;
    }
    smtp.get_mut().write_all(format!("{raw}\r\n.\r\n").as_bytes()).await.unwrap();
    expect(&mut smtp, "250").await;
    smtp.get_mut().write_all(b"QUIT\r\n").await.unwrap();
}

/// The UIDs of `folder` in `mailbox` whose `header` contains `value`, once there are `count`
/// (within 15 s), or what there is then.
async fn wait_for(mailbox: &str, folder: &str, header: &str, value: &str, count: usize) -> Vec<String> {
    for _ in 0..150 {
        let found = find(mailbox, folder, header, value);
        if found.len() >= count {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    find(mailbox, folder, header, value)
}

fn message(from: &str, subject: &str, id: &str, extra: &str) -> String {
    format!("From: {from}\r\nTo: {LUCIE}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n{extra}Date: Thu, 03 Dec 2026 10:00:00 +0100\r\n\r\nBonjour.\r\n")
}

/// `doveadm sieve …` for Lucie: another mail program at work on her scripts.
fn doveadm_sieve(args: &[&str], input: Option<&str>) -> String {
    use std::io::Write;
    let conf = format!("{}/etc/dovecot/dovecot.conf", operator_state());
    let mut child = std::process::Command::new("doveadm")
        .args([&["-c", conf.as_str(), "sieve"], args].concat())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    if let Some(input) = input {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "doveadm sieve {args:?}");
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    // doveadm's table output names its one column first
    out.strip_prefix("sieve script:\n").map(String::from).unwrap_or(out)
}

/// `mailbox` without any script (a run before this one may have left some; this one must not
/// leave an automatic reply behind).
fn without_rules(mailbox: &str) {
    for args in [&["deactivate", "-u", mailbox][..], &["delete", "-u", mailbox, "messagerie-mssante"], &["delete", "-u", mailbox, "autre-logiciel"]] {
        let conf = format!("{}/etc/dovecot/dovecot.conf", operator_state());
        let _ = std::process::Command::new("doveadm").args([&["-c", conf.as_str(), "sieve"], args].concat()).stdin(std::process::Stdio::null()).output();
    }
}

#[tokio::test]
async fn rules_set_on_the_page_are_applied_by_the_operator_on_delivery() {
    let (backend, session, _, _) = backend_for(LUCIE_RPPS).await;
    without_rules(LUCIE);
    let tag = rand::random::<u32>();
    // a folder of her own for the filter (made by another client)
    let folder = format!("Laboratoire-{tag}");
    crate::common::dovecot(&["doveadm", "mailbox", "create", "-u", LUCIE, &folder]);
    let settings = backend.settings(req(&session)).await.unwrap();
    assert!(settings.folders.iter().any(|(name, _)| name == &folder), "{:?}", settings.folders);
    assert!(!settings.folders.iter().any(|(name, _)| name == "Drafts"), "nothing is filed into the drafts");

    // forwarding outside the trust space: refused with its reason, nothing written
    let outside = Rules { forward: Forward { enabled: true, to: "dr.lucie@gmail.com".into(), keep_copy: true }, ..Rules::default() };
    match backend.save_settings(req(&session), outside, String::new(), false).await {
        Err(WebmailError::InvalidInput(text)) => assert!(text.starts_with("Transfert refusé vers dr.lucie@gmail.com"), "{text}"),
        other => panic!("forward to gmail.com not refused: {other:?}"),
    }

    // an automatic reply (within its period, not to patients) and two filters
    let subject = format!("Absente {tag}");
    let rules = Rules {
        vacation: Vacation { enabled: true, from: "2020-01-01".into(), until: "2099-12-31".into(), subject: subject.clone(), text: "Je suis absente.\nMerci de votre message.".into(), days: 7, patients: false },
        forward: Forward::default(),
        filters: vec![
            Filter { field: FilterField::Subject, contains: format!("[Labo-{tag}]"), action: FilterAction::Move, folder: folder.clone() },
            Filter { field: FilterField::From, contains: PAUL.into(), action: FilterAction::MarkRead, folder: String::new() },
        ],
    };
    backend.save_settings(req(&session), rules.clone(), "Lucie ROLLAND\nKinésithérapeute".into(), false).await.unwrap();
    let saved = backend.settings(req(&session)).await.unwrap();
    assert_eq!((saved.rules, saved.signature.as_str(), saved.edited_elsewhere), (rules.clone(), "Lucie ROLLAND\nKinésithérapeute", false));
    // the signature starts every new message
    let compose = backend.start_compose(req(&session), app::sending::ComposeStart::New).await.unwrap();
    assert_eq!(compose.draft.body, "\n\n-- \nLucie ROLLAND\nKinésithérapeute");
    let traced = backend.traces(req(&session), String::new(), TraceFilter::default()).await.unwrap().rows;
    let row = traced.iter().find(|r| r.action.starts_with("Modification des règles")).expect("the change is traced");
    assert!(row.request.contains("PUTSCRIPT (") && row.request.contains("SETACTIVE") && row.answer.ends_with("OK ; OK"), "{} → {}", row.request, row.answer);
    assert_eq!(row.detail, "réponse automatique, 2 filtre(s)", "the texts are not in the trace");

    // Paul writes twice: one automatic reply, delivered to him by the operator
    arrives(PAUL, LUCIE, &message(PAUL, "Bilan", &format!("a-{tag}@cabinet-demo.mssante.fr"), "")).await;
    let replies = wait_for(PAUL, "INBOX", "Subject", &subject, 1).await;
    assert_eq!(replies.len(), 1, "the automatic reply reached Paul");
    let reply = crate::common::fetch_text(PAUL, "INBOX", &replies[0]);
    assert!(reply.contains("Auto-Submitted: auto-replied") && reply.contains("Je suis absente."), "{reply}");
    arrives(PAUL, LUCIE, &message(PAUL, "Bilan, suite", &format!("b-{tag}@cabinet-demo.mssante.fr"), "")).await;
    assert_eq!(wait_for(LUCIE, "INBOX", "Message-ID", &format!("b-{tag}@"), 1).await.len(), 1);
    // and a patient writes: no reply (patients not ticked)
    arrives(PATIENT, LUCIE, &message(PATIENT, "Question", &format!("p-{tag}@patient.mssante.fr"), "")).await;
    assert_eq!(wait_for(LUCIE, "INBOX", "Message-ID", &format!("p-{tag}@"), 1).await.len(), 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(find(PAUL, "INBOX", "Subject", &subject).len(), 1, "once per sender, not twice");
    assert!(find(PATIENT, "INBOX", "Subject", &subject).is_empty(), "never to a patient unless ticked");

    // the filters: Paul's mail is read; the lab's goes to its folder, and not to the inbox
    let first = find(LUCIE, "INBOX", "Message-ID", &format!("a-{tag}@"));
    assert!(flags(LUCIE, "INBOX", &first[0]).contains("\\Seen"), "marked read by the filter");
    let lab = format!("[Labo-{tag}] Résultats");
    arrives(PAUL, LUCIE, &message(PAUL, &lab, &format!("l-{tag}@cabinet-demo.mssante.fr"), "")).await;
    assert_eq!(wait_for(LUCIE, &folder, "Message-ID", &format!("l-{tag}@"), 1).await.len(), 1, "filed by the filter");
    assert!(find(LUCIE, "INBOX", "Message-ID", &format!("l-{tag}@")).is_empty());

    // another program makes its own script active: it keeps running, after the webmail's rules
    let theirs = "require \"fileinto\";\r\nif header :contains \"subject\" \"[autre]\" { fileinto \"Junk\"; }\r\n";
    doveadm_sieve(&["put", "-u", LUCIE, "-a", "autre-logiciel"], Some(theirs));
    let settings = backend.settings(req(&session)).await.unwrap();
    assert_eq!(settings.other_script.as_deref(), Some("autre-logiciel"));
    backend.save_settings(req(&session), rules.clone(), settings.signature, false).await.unwrap();
    let listed = doveadm_sieve(&["list", "-u", LUCIE], None);
    assert!(listed.lines().any(|l| l.starts_with("messagerie-mssante") && l.contains("ACTIVE")), "{listed}");
    assert_eq!(doveadm_sieve(&["get", "-u", LUCIE, "autre-logiciel"], None).replace("\r\n", "\n"), theirs.replace("\r\n", "\n"), "theirs untouched");
    arrives(PAUL, LUCIE, &message(PAUL, "[autre] essai", &format!("o-{tag}@cabinet-demo.mssante.fr"), "")).await;
    assert_eq!(wait_for(LUCIE, "Junk", "Message-ID", &format!("o-{tag}@"), 1).await.len(), 1, "their rule still applies");

    // the webmail's own script changed by another program: not replaced without the user's yes
    let ours = doveadm_sieve(&["get", "-u", LUCIE, "messagerie-mssante"], None);
    doveadm_sieve(&["put", "-u", LUCIE, "messagerie-mssante"], Some(&ours.replace(":days 7", ":days 3")));
    let settings = backend.settings(req(&session)).await.unwrap();
    assert!(settings.edited_elsewhere);
    let mut fewer = rules.clone();
    fewer.filters.pop();
    match backend.save_settings(req(&session), fewer.clone(), String::new(), false).await {
        Err(WebmailError::InvalidInput(text)) => assert!(text.contains("modifiées par un autre logiciel"), "{text}"),
        other => panic!("an edited script was replaced silently: {other:?}"),
    }
    backend.save_settings(req(&session), fewer.clone(), String::new(), true).await.unwrap();
    let settings = backend.settings(req(&session)).await.unwrap();
    assert_eq!((settings.rules, settings.edited_elsewhere, settings.signature.as_str()), (fewer, false, ""));
    without_rules(LUCIE);
}

/// The service's mailbox Lucie administers (no other test uses it).
const REEDUCATION: &str = "reeducation@hopital-demo.mssante.fr";

#[tokio::test]
async fn an_organisational_mailbox_s_automatic_reply_is_set_by_its_administrators() {
    without_rules(REEDUCATION);
    let (backend, session, _, config) = backend_for(LUCIE_RPPS).await;
    let tag = rand::random::<u32>();

    // her page offers the mailbox's automatic reply, off
    let team = |settings: app::settings::Settings| settings.teams.into_iter().find(|t| t.mailbox == REEDUCATION).expect("the mailbox she administers");
    let offered = team(backend.settings(req(&session)).await.unwrap());
    assert_eq!((offered.vacation.clone().map(|v| v.enabled), offered.edited_elsewhere), (Some(false), false));

    // a member who does not administer it may not set it (Julien is not even a member)
    let julien = crate::common::session_for("10100000025").await;
    let refused = backend.save_team_vacation(req(&julien), REEDUCATION.into(), Vacation::default(), false).await.unwrap_err();
    assert!(matches!(&refused, WebmailError::InvalidInput(text) if text.contains("administrateurs")), "{refused:?}");

    // set through the page (the address as typed), the operator applies it on delivery: Paul,
    // writing twice, gets one reply, from the mailbox
    let subject = format!("Service fermé {tag}");
    let vacation = Vacation { enabled: true, subject: subject.clone(), text: app::settings::moved_text("reeducation@nouvel-hopital.mssante.fr"), ..Vacation::default() };
    backend.save_team_vacation(req(&session), REEDUCATION.to_uppercase(), vacation.clone(), false).await.unwrap();
    assert_eq!(team(backend.settings(req(&session)).await.unwrap()).vacation, Some(vacation));
    let to_service = |subject: &str, id: &str| format!("From: {PAUL}\r\nTo: {REEDUCATION}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\nDate: Fri, 04 Dec 2026 10:00:00 +0100\r\n\r\nBonjour.\r\n");
    arrives(PAUL, REEDUCATION, &to_service("Rendez-vous", &format!("r1-{tag}@cabinet-demo.mssante.fr"))).await;
    let replies = wait_for(PAUL, "INBOX", "Subject", &subject, 1).await;
    assert_eq!(replies.len(), 1, "the service's automatic reply reached Paul");
    let reply = crate::common::fetch_text(PAUL, "INBOX", &replies[0]);
    assert!(reply.contains(&format!("From: <{REEDUCATION}>")) && reply.contains("Auto-Submitted: auto-replied") && reply.contains("nouvel-hopital"), "{reply}");
    arrives(PAUL, REEDUCATION, &to_service("Rendez-vous, suite", &format!("r2-{tag}@cabinet-demo.mssante.fr"))).await;
    assert_eq!(wait_for(REEDUCATION, "INBOX", "Message-ID", &format!("r2-{tag}@"), 1).await.len(), 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(find(PAUL, "INBOX", "Subject", &subject).len(), 1, "once per sender, not twice");

    // traced on the mailbox, under her name, without the text
    let rows = backend.traces(req(&session), REEDUCATION.into(), TraceFilter::default()).await.unwrap().rows;
    let row = rows.iter().find(|r| r.detail == "réponse automatique de la boîte activée").expect("the change is traced on the mailbox");
    assert_eq!(row.member, LUCIE);
    assert!(row.request.contains("PUTSCRIPT (") && row.answer.ends_with("OK ; OK"), "{} → {}", row.request, row.answer);

    // an operator with no delegation rule: the page says so, and nothing is attempted
    let mut without = config.clone();
    without.sieve.delegation_separator = None;
    let (elsewhere, session_elsewhere, _, _) = crate::common::backend_with(without, LUCIE_RPPS).await;
    assert_eq!(team(elsewhere.settings(req(&session_elsewhere)).await.unwrap()).vacation, None);
    let refused = elsewhere.save_team_vacation(req(&session_elsewhere), REEDUCATION.into(), Vacation::default(), false).await.unwrap_err();
    assert!(matches!(&refused, WebmailError::InvalidInput(text) if text.contains("ne permet pas")), "{refused:?}");

    // turned off: no reply to a new sender
    backend.save_team_vacation(req(&session), REEDUCATION.into(), Vacation::default(), false).await.unwrap();
    arrives(PATIENT, REEDUCATION, &to_service("Question", &format!("r3-{tag}@patient.mssante.fr")).replace(PAUL, PATIENT)).await;
    assert_eq!(wait_for(REEDUCATION, "INBOX", "Message-ID", &format!("r3-{tag}@"), 1).await.len(), 1);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(find(PATIENT, "INBOX", "Subject", &subject).is_empty());
    without_rules(REEDUCATION);
}
