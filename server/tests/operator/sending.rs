//! Writing and sending against the real test operator: Postfix submission with the PSC token,
//! delivery through Dovecot, drafts and the Sent folder over IMAP, read receipts.

use app::backend::Webmail;
use app::error::WebmailError;
use app::reading::Search;
use app::sending::{ComposeStart, Draft};
use crate::common::{backend_for, backend_with, caller, fetch_text, find, req};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::time::Duration;

const JULIEN_RPPS: &str = "10100000025";
const JULIEN: &str = "julien.moreau@hopital-demo.mssante.fr";
const MARC_RPPS: &str = "10100000041";
const MARC: &str = "marc.garnier@cabinet-demo.mssante.fr";
const PATIENT: &str = "285077511234511@patient.mssante.fr";

/// A relay to the operator's IMAP port that can be cut: while `down`, connections are closed at
/// once (the mailbox server out of reach, SMTP and its authentication still there). Its port.
async fn imap_relay(down: Arc<AtomicBool>) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            if down.load(SeqCst) {
                continue; // dropped: closed
            }
            tokio::spawn(async move {
                if let Ok(mut server) = tokio::net::TcpStream::connect("127.0.0.1:143").await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    port
}

/// Wait until `mailbox` has `count` messages with that Message-ID in `folder` (delivery is queued).
async fn delivered(mailbox: &str, folder: &str, id: &str, count: usize) -> Vec<String> {
    delivered_with(mailbox, folder, "Message-ID", id, count).await
}

async fn delivered_with(mailbox: &str, folder: &str, header: &str, value: &str, count: usize) -> Vec<String> {
    let mut found = vec![];
    for _ in 0..100 {
        found = find(mailbox, folder, header, value);
        if found.len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    found
}

#[tokio::test]
async fn sent_inside_the_trust_space_once_with_the_mssante_headers() {
    let (backend, session, _, _) = backend_for(JULIEN_RPPS).await;
    backend.directory.ready().await; // the sender's display name takes the entity from it
    let start = backend.start_compose(req(&session), ComposeStart::New).await.unwrap();
    assert_eq!(start.from, JULIEN);
    let draft = Draft {
        to: vec![MARC.into(), PATIENT.into()],
        subject: "Résultats d'analyses".into(),
        body: "Bonjour,\nles résultats sont normaux.".into(),
        close_exchange: true,
        ..start.draft
    };
    // a patient among the recipients: identity, then the mix with a professional, confirmed first
    let unconfirmed = backend.send_message(req(&session), draft.clone()).await;
    assert!(matches!(&unconfirmed, Err(WebmailError::InvalidInput(t)) if t.contains("Confirmez l'identité du patient")), "{unconfirmed:?}");
    let draft = Draft { patient_confirmed: vec![PATIENT.to_uppercase()], ..draft };
    let unmixed = backend.send_message(req(&session), draft.clone()).await;
    assert!(matches!(&unmixed, Err(WebmailError::InvalidInput(t)) if t.contains("patient et à des professionnels")), "{unmixed:?}");
    assert!(find(MARC, "INBOX", "Message-ID", &draft.id).is_empty(), "nothing left before the confirmations");
    let draft = Draft { mixed_confirmed: true, ..draft };
    let sent = backend.send_message(req(&session), draft.clone()).await.unwrap();
    assert!(sent.copied_to_sent);

    let at_marc = delivered(MARC, "INBOX", &draft.id, 1).await;
    assert_eq!(at_marc.len(), 1, "delivered to the professional");
    assert_eq!(delivered(PATIENT, "INBOX", &draft.id, 1).await.len(), 1, "delivered to the patient");
    let text = fetch_text(MARC, "INBOX", &at_marc[0]);
    assert!(text.contains("X-MSS-NIL: WEBMAIL-MSSANTE-DEMO"), "{text}");
    assert!(text.contains("X-MSS-MES: FIN"), "patient exchange closed");
    // ECO.2.2.7: Titre_Prénom_NOM_Entité (a nurse: no title)
    assert!(text.contains(&format!("From: \"Julien_MOREAU_CH DE DEMONSTRATION\" <{JULIEN}>")), "{text}");
    assert_eq!(find(JULIEN, "Sent", "Message-ID", &draft.id).len(), 1, "one copy in Sent");
    assert!(find(JULIEN, "Drafts", "Message-ID", &draft.id).is_empty(), "the draft is gone");

    // a retry (double click, lost answer) is recognised: nothing is sent again
    assert!(backend.send_message(req(&session), draft.clone()).await.unwrap().copied_to_sent);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(find(MARC, "INBOX", "Message-ID", &draft.id).len(), 1, "still one delivery");
    assert_eq!(find(JULIEN, "Sent", "Message-ID", &draft.id).len(), 1, "still one copy in Sent");
}

/// ECO.1.2.3: an IMAP failure does not stop sending; the copy in Sent is made once IMAP answers.
#[tokio::test]
async fn the_mailbox_server_out_of_reach_does_not_stop_sending() {
    let down = Arc::new(AtomicBool::new(false));
    let mut config = crate::common::config("webmail");
    config.imap.port = imap_relay(down.clone()).await;
    let (backend, session, pool, _) = backend_with(config, JULIEN_RPPS).await;
    backend.directory.ready().await;
    let start = backend.start_compose(req(&session), ComposeStart::New).await.unwrap();
    let draft = Draft { to: vec![MARC.into()], subject: "Envoi pendant une panne IMAP".into(), body: "Bien reçu.".into(), ..start.draft };

    down.store(true, SeqCst);
    pool.forget(JULIEN).await;
    assert_eq!(backend.list_folders(req(&session)).await.err(), Some(WebmailError::OperatorUnavailable), "reading says the mailbox server is down");
    let sent = backend.send_message(req(&session), draft.clone()).await;
    assert_eq!(sent.map(|s| s.copied_to_sent), Ok(false), "sent, its copy in Sent waiting");
    assert_eq!(delivered(MARC, "INBOX", &draft.id, 1).await.len(), 1, "delivered while IMAP was out of reach");
    assert!(find(JULIEN, "Sent", "Message-ID", &draft.id).is_empty());

    // the next page shown files it in Sent; sending it again sends nothing
    down.store(false, SeqCst);
    backend.list_folders(req(&session)).await.unwrap();
    assert_eq!(find(JULIEN, "Sent", "Message-ID", &draft.id).len(), 1, "filed once IMAP answers");
    assert!(backend.send_message(req(&session), draft.clone()).await.unwrap().copied_to_sent);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(find(MARC, "INBOX", "Message-ID", &draft.id).len(), 1, "delivered once");
}

#[tokio::test]
async fn a_refused_recipient_stops_the_whole_send_and_says_why() {
    let (backend, session, _, _) = backend_for(JULIEN_RPPS).await;
    let checks = backend
        .check_recipients(req(&session), vec![MARC.into(), "dr.house@gmail.com".into(), "285077511234599@patient.mssante.fr".into()])
        .await
        .unwrap();
    assert_eq!(checks[0].refusal, None);
    assert!(checks[1].refusal.as_deref().unwrap().contains("n'appartient pas à l'espace de confiance"));
    assert!(checks[2].refusal.as_deref().unwrap().contains("clé de l'INS"));
    assert_eq!(checks[2].patient, None, "no identity for a refused INS");
    let patient = backend.check_recipients(req(&session), vec![PATIENT.into()]).await.unwrap();
    assert_eq!(patient[0].patient.as_deref(), Some("Femme, née en juillet 1985, dans le département 75"));
    assert_eq!(checks[0].patient, None);
    // one patient per message
    let second = "279035121518989@patient.mssante.fr";
    let two = Draft { to: vec![PATIENT.into(), second.into()], patient_confirmed: vec![PATIENT.into(), second.into()], mixed_confirmed: true, subject: "Deux".into(),
        ..backend.start_compose(req(&session), ComposeStart::New).await.unwrap().draft };
    let refused = backend.send_message(req(&session), two).await;
    assert!(matches!(&refused, Err(WebmailError::InvalidInput(t)) if t.contains("un seul patient")), "{refused:?}");

    let draft = Draft { to: vec![MARC.into()], cc: vec!["dr.house@gmail.com".into()], subject: "Avis".into(), ..backend.start_compose(req(&session), ComposeStart::New).await.unwrap().draft };
    let Err(WebmailError::InvalidInput(why)) = backend.send_message(req(&session), draft.clone()).await else { panic!("must be refused") };
    assert!(why.starts_with("Rien n'a été envoyé") && why.contains("dr.house@gmail.com"), "{why}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(find(MARC, "INBOX", "Message-ID", &draft.id).is_empty(), "not even to the valid recipient");

    // a cap on recipients, said in French, for a check and for a send
    let crowd: Vec<String> = (0..10_000).map(|n| format!("confrere.{n}@hopital-demo.mssante.fr")).collect();
    let Err(WebmailError::InvalidInput(why)) = backend.check_recipients(req(&session), crowd.clone()).await else { panic!("must be refused") };
    assert!(why.contains("au plus 100 destinataires") && why.contains("10000"), "{why}");
    assert_eq!(backend.check_recipients(req(&session), crowd[..100].to_vec()).await.unwrap().len(), 100);
    let crowded = Draft { to: crowd[..60].to_vec(), cc: crowd[60..101].to_vec(), ..draft.clone() };
    assert!(matches!(backend.send_message(req(&session), crowded.clone()).await, Err(WebmailError::InvalidInput(t)) if t.contains("au plus 100")));
    assert!(matches!(backend.save_draft(req(&session), crowded).await, Err(WebmailError::InvalidInput(t)) if t.contains("au plus 100")));

    let nobody = Draft { to: vec![], cc: vec![], ..draft };
    assert!(matches!(backend.send_message(req(&session), nobody).await, Err(WebmailError::InvalidInput(t)) if t.contains("au moins un destinataire")));
}

#[tokio::test]
async fn drafts_are_replaced_reopened_with_their_files_and_discarded() {
    let (backend, session, _, _) = backend_for(JULIEN_RPPS).await;
    let issued = backend.start_compose(req(&session), ComposeStart::New).await.unwrap().draft;
    let id = issued.id.clone();
    let file = backend.upload(&caller(&backend, &session).await, "ordonnance.pdf", "application/pdf", b"%PDF-1.4 ordonnance").await.unwrap();
    let mut draft = Draft { to: vec![MARC.into()], subject: "Brouillon".into(), body: "première version".into(), attachments: vec![file], receipt: true, ..issued };
    backend.save_draft(req(&session), draft.clone()).await.unwrap();
    draft.body = "seconde version".into();
    backend.save_draft(req(&session), draft.clone()).await.unwrap();
    let saved = find(JULIEN, "Drafts", "Message-ID", &id);
    assert_eq!(saved.len(), 1, "the second save replaced the first");

    let uid: u32 = saved[0].parse().unwrap();
    let reopened = backend.start_compose(req(&session), ComposeStart::Draft { folder: "Drafts".into(), uid }).await.unwrap().draft;
    assert_eq!((reopened.id.as_str(), reopened.body.as_str(), reopened.to.clone(), reopened.receipt), (id.as_str(), "seconde version", vec![MARC.to_string()], true));
    assert_eq!(reopened.attachments.len(), 1);
    assert_eq!((reopened.attachments[0].name.as_str(), reopened.attachments[0].bytes), ("ordonnance.pdf", 19));

    backend.discard_draft(req(&session), id.clone(), reopened.proof.clone()).await.unwrap();
    assert!(find(JULIEN, "Drafts", "Message-ID", &id).is_empty());

    let too_big = vec![0u8; 26 * 1024 * 1024];
    let Err(server::error::Error::TooLarge(why)) = backend.upload(&caller(&backend, &session).await, "scanner.dcm", "application/dicom", &too_big).await else { panic!() };
    assert!(why.contains("taille autorisée"), "{why}");
}

/// Mon Espace Santé accepts 25 Mo of files: that is the allowance as soon as a patient is a
/// recipient, the usual 20 Mo otherwise (a file between the two waits for its recipients).
#[tokio::test]
async fn a_message_to_a_patient_may_carry_25_mo() {
    let (backend, session, _, _) = backend_for(JULIEN_RPPS).await;
    let compose = backend.start_compose(req(&session), ComposeStart::New).await.unwrap();
    assert_eq!((compose.max_attachment_bytes, compose.max_patient_attachment_bytes), (20 * 1024 * 1024, 25 * 1024 * 1024));
    let scan = backend.upload(&caller(&backend, &session).await, "irm.pdf", "application/pdf", &vec![0x25; 22 * 1024 * 1024]).await.expect("under 25 Mo");
    let to_colleague = Draft { to: vec![MARC.into()], subject: "IRM".into(), attachments: vec![scan], ..compose.draft };
    let refused = backend.save_draft(req(&session), to_colleague.clone()).await;
    assert!(matches!(&refused, Err(WebmailError::InvalidInput(t)) if t.contains("limite 20,0 Mo")), "{refused:?}");
    let to_patient = Draft { to: vec![PATIENT.into()], ..to_colleague };
    backend.save_draft(req(&session), to_patient.clone()).await.expect("25 Mo towards Mon Espace Santé");
    backend.discard_draft(req(&session), to_patient.id, to_patient.proof).await.unwrap();
}

/// The Message-ID is the server's: a page that picks one (say another sender's, to pass for them
/// in threads and receipts) is refused before anything is saved or sent.
#[tokio::test]
async fn a_page_cannot_choose_the_message_id() {
    let (backend, session, _, _) = backend_for(JULIEN_RPPS).await;
    let issued = backend.start_compose(req(&session), ComposeStart::New).await.unwrap().draft;
    assert!(!issued.proof.is_empty());
    let stolen = format!("{}@cabinet-demo.mssante.fr", server::mail::compose::random_id());
    let forged = [
        Draft { id: stolen.clone(), proof: String::new(), ..issued.clone() },
        Draft { id: stolen.clone(), ..issued.clone() }, // another id under the issued proof
        Draft { proof: issued.proof.replace(|c: char| c != 'A', "A"), ..issued.clone() },
    ];
    for draft in forged {
        let draft = Draft { to: vec![MARC.into()], subject: "Usurpé".into(), ..draft };
        for refused in [backend.save_draft(req(&session), draft.clone()).await, backend.send_message(req(&session), draft.clone()).await.map(|_| ())] {
            assert!(matches!(&refused, Err(WebmailError::InvalidInput(t)) if t.contains("Brouillons")), "{refused:?}");
        }
        assert!(backend.discard_draft(req(&session), draft.id.clone(), draft.proof.clone()).await.is_err());
    }
    assert!(find(JULIEN, "Drafts", "Message-ID", &stolen).is_empty());
    assert!(find(MARC, "INBOX", "Message-ID", &stolen).is_empty(), "nothing was sent under the chosen id");
    // the issued id works
    backend.save_draft(req(&session), Draft { subject: "Le sien".into(), ..issued.clone() }).await.unwrap();
    backend.discard_draft(req(&session), issued.id.clone(), issued.proof.clone()).await.unwrap();
}

#[tokio::test]
async fn replies_and_read_receipts_with_consent() {
    // Marc writes to Julien and asks for a read receipt
    let (marc, marc_session, _, _) = backend_for(MARC_RPPS).await;
    let question = Draft { to: vec![JULIEN.into()], subject: "Avis cardiologique".into(), body: "Pouvez-vous revoir M. Martin ?".into(), receipt: true, ..marc.start_compose(req(&marc_session), ComposeStart::New).await.unwrap().draft };
    marc.send_message(req(&marc_session), question.clone()).await.unwrap();
    let uid: u32 = delivered(JULIEN, "INBOX", &question.id, 1).await[0].parse().unwrap();

    let (julien, session, _, _) = backend_for(JULIEN_RPPS).await;
    let view = julien.read_message(req(&session), "INBOX".into(), uid).await.unwrap();
    assert!(view.receipt_requested, "the page asks Julien for his consent");
    let reply = julien.start_compose(req(&session), ComposeStart::Reply { folder: "INBOX".into(), uid, all: true }).await.unwrap().draft;
    assert_eq!((reply.to.clone(), reply.subject.as_str()), (vec![MARC.to_string()], "RE : Avis cardiologique"));
    assert_eq!(reply.in_reply_to.as_deref(), Some(question.id.as_str()));

    julien.answer_receipt(req(&session), "INBOX".into(), uid, true).await.unwrap();
    let receipts = delivered_with(MARC, "INBOX", "References", &question.id, 1).await;
    let receipts: Vec<_> = receipts.into_iter().filter(|u| fetch_text(MARC, "INBOX", u).contains("disposition-notification")).collect();
    assert_eq!(receipts.len(), 1, "Marc got the MDN");
    let mdn = fetch_text(MARC, "INBOX", &receipts[0]);
    assert!(mdn.contains("Disposition: manual-action/MDN-sent-manually; displayed"), "{mdn}");
    assert!(!julien.read_message(req(&session), "INBOX".into(), uid).await.unwrap().receipt_requested, "not asked twice");
}

#[tokio::test]
async fn the_attachment_allowance_is_counted_on_the_server() {
    let (backend, session, _, _) = backend_for(JULIEN_RPPS).await;
    let caller = caller(&backend, &session).await;
    let fifteen_mb = vec![b'%'; 15 * 1024 * 1024];
    let mut first = backend.upload(&caller, "scanner-1.pdf", "application/pdf", &fifteen_mb).await.unwrap();
    let mut second = backend.upload(&caller, "scanner-2.pdf", "application/pdf", &fifteen_mb).await.unwrap();
    // the page declares one byte each: 30 MB would pass a 20 MB allowance if it were believed
    (first.bytes, second.bytes) = (1, 1);
    let draft = Draft { to: vec![MARC.into()], subject: "Imagerie".into(), attachments: vec![first, second], ..backend.start_compose(req(&session), ComposeStart::New).await.unwrap().draft };
    let refused = |r: Result<_, WebmailError>| matches!(r, Err(WebmailError::InvalidInput(t)) if t.contains("taille autorisée"));
    assert!(refused(backend.save_draft(req(&session), draft.clone()).await.map(|_| ())), "kept as a draft past the allowance");
    assert!(refused(backend.send_message(req(&session), draft.clone()).await.map(|_| ())), "sent past the allowance");
    assert!(find(MARC, "INBOX", "Message-ID", &draft.id).is_empty());

    // and one user's uploads together stay within a quota (5 messages' allowance)
    let twenty_mb = vec![b'%'; 20 * 1024 * 1024];
    let mut kept = 30 * 1024 * 1024;
    while kept + twenty_mb.len() <= 100 * 1024 * 1024 {
        backend.upload(&caller, "examen.dcm", "application/dicom", &twenty_mb).await.expect("within the quota");
        kept += twenty_mb.len();
    }
    let Err(server::error::Error::TooLarge(why)) = backend.upload(&caller, "examen.dcm", "application/dicom", &twenty_mb).await else { panic!("past the quota") };
    assert!(why.contains("pièces jointes en attente"), "{why}");
}

/// The allowance for files follows the operator's message size limit (SIZE, read after STARTTLS):
/// a file the webmail accepts is never refused by the mail server for its size.
#[tokio::test]
async fn the_operator_size_limit_sets_the_allowance() {
    let usual = crate::common::config("webmail");
    let probe = |port: u16| {
        let mut smtp = usual.smtp.clone();
        smtp.port = port;
        async move { server::gateway::smtp::SmtpGateway::new(smtp).unwrap().size_limit().await.unwrap() }
    };
    assert_eq!(probe(587).await, Some(39_845_888), "the operator's main.cf");
    assert_eq!(probe(2587).await, Some(2_000_000), "its small submission port");

    // on 587 the configured 20 MB fit: they stay the allowance
    let (backend, session, _, _) = backend_for(JULIEN_RPPS).await;
    let compose = backend.start_compose(req(&session), ComposeStart::New).await.unwrap();
    assert_eq!(compose.max_attachment_bytes, usual.sending.max_attachment_bytes);

    // on 2587 only what fits in 2 MB once encoded, with room for the text
    let mut small = usual.clone();
    small.smtp.port = 2587;
    let (backend, session, _, _) = crate::common::backend_with(small, JULIEN_RPPS).await;
    let compose = backend.start_compose(req(&session), ComposeStart::New).await.unwrap();
    let allowance = compose.max_attachment_bytes;
    assert_eq!(allowance, server::backend::attachments_within(2_000_000));
    assert!((300_000..350_000).contains(&allowance), "{allowance}");
    let me = caller(&backend, &session).await;
    let Err(server::error::Error::TooLarge(why)) = backend.upload(&me, "irm.pdf", "application/pdf", &vec![b'x'; allowance as usize + 1]).await else { panic!("over the operator's limit") };
    assert!(why.contains("limite"), "{why}");
    // the largest file allowed, with a text as long as the page may send, goes through
    let file = backend.upload(&me, "irm.pdf", "application/pdf", &vec![0xA5; allowance as usize]).await.unwrap();
    let draft = Draft { to: vec![MARC.into()], subject: "IRM".into(), body: "é".repeat(500_000), attachments: vec![file], ..compose.draft };
    backend.send_message(req(&session), draft.clone()).await.expect("accepted by the 2 MB server");
    assert_eq!(find(MARC, "INBOX", "Message-ID", &draft.id).len(), 1);
}

/// What came back about Julien's messages (seeded: a read receipt, a delivery notification, three
/// Mon Espace Santé bounces) shows beside them in Sent, and each bounce explains itself and leads
/// to the message it is about.
#[tokio::test]
async fn receipts_and_mes_bounces_are_matched_to_sent_messages() {
    let (backend, session, _, _) = backend_for(JULIEN_RPPS).await;
    let sent = backend.list_messages(req(&session), "Sent".into(), 0, Search::default(), None).await.unwrap();
    let status = |subject: &str| sent.messages.iter().find(|m| m.subject == subject).map(|m| m.receipts.clone()).unwrap_or_default();
    let read = status("Avis sur M. Bernard PETIT");
    assert!(read.len() == 1 && read[0].starts_with("Lu par marc.garnier@cabinet-demo.mssante.fr le "), "{read:?}");
    let delivered = status("Votre bilan de sortie");
    assert!(delivered.len() == 1 && delivered[0].starts_with("Remis à patient INS 2 85 07 75 112 345 11 le "), "{delivered:?}");
    assert_eq!(status("Résultats de votre échographie"), ["Échec de remise à patient INS 2 79 03 51 215 189 89"]);
    assert_eq!(status("Imagerie de contrôle (dossier complet)"), ["Échec de remise à patient INS 2 85 07 75 112 345 11"]);

    let inbox = backend.list_messages(req(&session), "INBOX".into(), 0, Search::default(), None).await.unwrap();
    assert!(inbox.messages.iter().all(|m| m.receipts.is_empty()), "statuses belong to Sent");
    let bounces: Vec<u32> = inbox.messages.iter().filter(|m| m.subject == "Undelivered Mail Returned to Sender").map(|m| m.uid).collect();
    assert_eq!(bounces.len(), 3);
    let mut sentences = Vec::new();
    for uid in bounces {
        let report = backend.read_message(req(&session), "INBOX".into(), uid).await.unwrap().report.expect("recognised");
        assert!(report.failed);
        let original = report.original.expect("the message is in Sent");
        assert!(original.starts_with("/messages/") && original.ends_with("?dossier=Sent"), "{original}");
        sentences.push(report.sentence);
    }
    for cause in ["n'existe pas, ou le patient s'est opposé", "est fermée", "dépasse les 25 Mo"] {
        assert_eq!(sentences.iter().filter(|s| s.contains(cause)).count(), 1, "{cause}: {sentences:?}");
    }
    assert!(sentences.iter().all(|s| s.starts_with("Message non remis au patient d'INS ")), "{sentences:?}");
    // the sent message shows what came back about it
    let avis = sent.messages.iter().find(|m| m.subject == "Avis sur M. Bernard PETIT").unwrap().uid;
    let view = backend.read_message(req(&session), "Sent".into(), avis).await.unwrap();
    assert!(view.receipts[0].starts_with("Lu par marc.garnier"), "{:?}", view.receipts);
}

/// « Demander un accusé de remise »: the operator is asked for a DSN (RFC 3461), Postfix sends it
/// once Dovecot has the message, and the Sent list shows it as delivered.
#[tokio::test]
async fn a_delivery_notification_asked_comes_back_to_sent() {
    let (backend, session, _, _) = backend_for(JULIEN_RPPS).await;
    let compose = backend.start_compose(req(&session), ComposeStart::New).await.unwrap();
    let subject = format!("Courrier à remettre {}", server::mail::compose::random_id());
    let draft = Draft { to: vec![MARC.into()], subject: subject.clone(), body: "Bonjour.".into(), delivery_receipt: true, ..compose.draft };
    backend.send_message(req(&session), draft.clone()).await.unwrap();
    // the notification quotes the message's headers (RET=HDRS): it is found by its Message-ID
    let notice = delivered_with(JULIEN, "INBOX", "Subject", "Successful Mail Delivery Report", 1).await;
    assert!(!notice.is_empty(), "Postfix sent the success notification");
    let mut statuses = vec![];
    for _ in 0..50 {
        let sent = backend.list_messages(req(&session), "Sent".into(), 0, Search::default(), None).await.unwrap();
        statuses = sent.messages.iter().find(|m| m.subject == subject).map(|m| m.receipts.clone()).unwrap_or_default();
        if !statuses.is_empty() { break }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(statuses.iter().any(|s| s.starts_with(&format!("Remis à {MARC} le "))), "{statuses:?}");
}

/// The same draft sent twice at the same moment (two tabs, a double tap on a slow network): one
/// send submits it, the other is told it is on its way, and it is delivered once.
#[tokio::test]
async fn one_draft_sent_twice_at_the_same_moment_leaves_once() {
    let (backend, session, _, _) = backend_for(JULIEN_RPPS).await;
    let start = backend.start_compose(req(&session), ComposeStart::New).await.unwrap();
    let draft = Draft { to: vec![MARC.into()], subject: "Compte rendu de consultation".into(), body: "Bonjour,\nci-joint le compte rendu.".into(), ..start.draft };
    let (first, second) = tokio::join!(backend.send_message(req(&session), draft.clone()), backend.send_message(req(&session), draft.clone()));
    let outcomes = [&first, &second];
    assert!(outcomes.iter().any(|o| o.is_ok()), "{first:?} {second:?}");
    for outcome in outcomes {
        let on_its_way = matches!(outcome, Err(WebmailError::InvalidInput(t)) if t.contains("déjà en cours d'envoi"));
        assert!(outcome.is_ok() || on_its_way, "{outcome:?}");
    }
    assert_eq!(delivered(MARC, "INBOX", &draft.id, 1).await.len(), 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(find(MARC, "INBOX", "Message-ID", &draft.id).len(), 1, "delivered once");
    // once over, a retry finds it sent (and is not refused)
    assert!(backend.send_message(req(&session), draft.clone()).await.is_ok());
    assert_eq!(find(JULIEN, "Sent", "Message-ID", &draft.id).len(), 1, "one copy in Sent");
}
