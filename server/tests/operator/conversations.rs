//! The conversation view against Dovecot: messages grouped through References and In-Reply-To,
//! newest conversation first, the choice kept for the session, and the large INBOX grouped from
//! its newest messages only; list rows carry the start of their text.

use crate::common::{backend_for, dovecot, req};
use app::backend::Webmail;
use app::reading::{ListView, Search};
use server::gateway::imap::ImapGateway;

/// A message of the test's folder: `id`, answering `in_reply_to` / `references` when given.
fn message(mailbox: &str, id: &str, subject: &str, in_reply_to: &str, references: &str, body: &str) -> Vec<u8> {
    let mut header = format!(
        "From: Dr Antoine ROUX <antoine.roux@labo-demo.mssante.fr>\r\nTo: {mailbox}\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\nDate: Sat, 28 Nov 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\n"
    );
    if !in_reply_to.is_empty() {
        header += &format!("In-Reply-To: {in_reply_to}\r\n");
    }
    if !references.is_empty() {
        header += &format!("References: {references}\r\n");
    }
    format!("{header}{body}").into_bytes()
}

#[tokio::test]
async fn replies_are_grouped_with_their_conversation_and_the_choice_is_kept() {
    let (backend, session, _, config) = backend_for("10100000058").await;
    let user = backend.sessions.require_user(&session).await.unwrap();
    let mailbox = user.identity.mailbox.clone();
    let folder = format!("Fils-{}", rand::random::<u32>());
    dovecot(&["doveadm", "mailbox", "create", "-u", &mailbox, &folder]);
    let n = rand::random::<u32>();
    let id = |k: &str| format!("fil.{k}.{n}@hopital-demo.mssante.fr");
    let plain = "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour,\r\n\r\nTexte.\r\n";
    let mixed = "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Transfer-Encoding: quoted-printable\r\n\r\nR=C3=A9sultats normaux,\r\ncontr=C3=B4le dans un mois.\r\n--b\r\n\
                 Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n";
    let (a, b, c, d, e, f) = (id("a"), id("b"), id("c"), id("d"), id("e"), id("f"));
    let gone = id("supprime");
    let messages = [
        message(&mailbox, &a, "Bilan de M. PETIT", "", "", plain),
        message(&mailbox, &b, "Planning", "", "", plain),
        message(&mailbox, &c, "RE: Bilan de M. PETIT", &format!("<{a}>"), "", plain),
        message(&mailbox, &d, "RE: RE: Bilan de M. PETIT", "", &format!("<{a}> <{c}>"), mixed),
        // two answers to a message the folder does not have
        message(&mailbox, &e, "RE: Garde", &format!("<{gone}>"), &format!("<{gone}>"), plain),
        message(&mailbox, &f, "RE: Garde", "", &format!("<{gone}>"), plain),
    ];
    let gateway = ImapGateway::new(config.imap.clone()).unwrap();
    let mut imap = gateway.open(&mailbox, &user.tokens.access_token).await.unwrap();
    for raw in &messages {
        imap.append(&folder, None, raw).await.unwrap();
    }
    imap.logout().await;

    let list = |view| backend.list_messages(req(&session), folder.clone(), 0, Search::default(), view);
    let grouped = list(Some(ListView::Conversations)).await.unwrap();
    assert!(grouped.conversations && grouped.complete);
    let rows: Vec<(&str, u32, usize)> = grouped.messages.iter().map(|m| (m.subject.as_str(), m.conversation_size, m.conversation.len())).collect();
    assert_eq!(rows, [("RE: Garde", 2, 1), ("RE: RE: Bilan de M. PETIT", 3, 2), ("Planning", 1, 0)]);
    let bilan = &grouped.messages[1];
    let older: Vec<&str> = bilan.conversation.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(older, ["RE: Bilan de M. PETIT", "Bilan de M. PETIT"], "the others, newest first");
    assert_eq!((grouped.total, grouped.pages), (3, 1));
    // the start of the text: decoded, on one line, from a multipart message's first part
    assert_eq!(bilan.preview, "Résultats normaux, contrôle dans un mois.");
    assert_eq!(bilan.conversation[0].preview, "Bonjour, Texte.");

    // kept for the session: the next list without a choice is grouped too, until changed back
    assert!(list(None).await.unwrap().conversations);
    let flat = list(Some(ListView::Messages)).await.unwrap();
    assert!(!flat.conversations);
    assert_eq!(flat.messages.len(), 6);
    assert!(flat.messages.iter().all(|m| m.conversation.is_empty() && m.conversation_size == 0));
    assert!(!list(None).await.unwrap().conversations);
    // a search lists messages whatever the view chosen
    let search = Search { subject: "Garde".into(), ..Search::default() };
    let found = backend.list_messages(req(&session), folder.clone(), 0, search, Some(ListView::Conversations)).await.unwrap();
    assert!(!found.conversations && found.messages.len() == 2);

    dovecot(&["doveadm", "mailbox", "delete", "-s", "-u", &mailbox, &folder]);
}

#[tokio::test]
async fn the_large_inbox_is_grouped_from_its_newest_messages_only() {
    let (backend, session, _, config) = backend_for("10100000058").await;
    let user = backend.sessions.require_user(&session).await.unwrap();
    let mut imap = ImapGateway::new(config.imap).unwrap().open(&user.identity.mailbox, &user.tokens.access_token).await.unwrap();
    let first = imap.conversations("INBOX", 0, 0, None).await.unwrap();
    let fetches: Vec<String> = imap.take_trace().into_iter().map(|(command, _)| command).filter(|c| c.starts_with("FETCH")).collect();
    assert_eq!(fetches, ["FETCH (conversations)"], "one window of the newest messages, never the whole folder");
    assert!(!first.complete, "the 1 000-message INBOX is not read whole");
    assert_eq!(first.messages.len(), 50);
    assert!(first.pages >= 2);
    let second = imap.conversations("INBOX", 1, 0, None).await.unwrap();
    let newest_of = |l: &app::reading::MessageList| l.messages.iter().map(|m| m.uid).collect::<Vec<_>>();
    assert!(newest_of(&first).iter().min() > newest_of(&second).iter().max(), "page 2 holds older conversations");
    imap.logout().await;
}
