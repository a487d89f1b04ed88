//! The operator's certificates checked for revocation (ECO.1.1.6, 1.1.7) against the test
//! operator's PKI (operator/pki.sh: a root, an intermediate, server certificates naming their CRL
//! over HTTP). The second address (127.0.0.2) presents a certificate of its own, with its CRL
//! served apart (port 9093): this test revokes it and stops that server without touching the
//! connections of the other tests. One test, its steps in order.

use crate::common;
use server::config::{Config, CrlUnavailable};
use server::error::Error;
use server::gateway::imap::ImapGateway;
use server::gateway::revocation::Side;
use server::gateway::smtp::SmtpGateway;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn pki(args: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../operator/pki.sh");
    let status = std::process::Command::new(script).args(args).status().expect("operator/pki.sh runs");
    assert!(status.success(), "pki.sh {args:?}");
}

/// The settings of a webmail reaching the second address, its CRLs kept in `cache`, fetched
/// again at every connection (`refresh` zero: what a running webmail does once its period is over).
fn second_address(config: &Config, cache: &Path, unavailable: CrlUnavailable) -> Config {
    let mut config = config.clone();
    for (host, revocation) in [(&mut config.imap.host, &mut config.imap.revocation), (&mut config.smtp.host, &mut config.smtp.revocation)] {
        *host = "127.0.0.2".into();
        revocation.cache_dir = cache.to_path_buf();
        revocation.refresh = Duration::ZERO;
        revocation.unavailable = unavailable;
    }
    config
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crl-{name}-{}-{}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What IMAP (connect and sign in), the SMTP limits probe and an SMTP submission each give.
struct Outcome {
    imap: Result<(), Error>,
    probe: Result<(), Error>,
    submission: Result<(), Error>,
}

async fn connect(config: &Config, user: &server::identity::SignedInUser) -> Outcome {
    let imap = ImapGateway::new(config.imap.clone()).unwrap();
    let imap = imap.open(&user.identity.mailbox, &user.tokens.access_token).await.map(|_| ());
    let smtp = SmtpGateway::new(config.smtp.clone()).unwrap();
    let probe = smtp.size_limit().await.map(|_| ());
    // sent as someone else: past TLS, the revocation check and AUTH, the server refuses the sender
    // (nothing is delivered)
    let envelope = lettre::address::Envelope::new(
        Some("julien.moreau@hopital-demo.mssante.fr".parse().unwrap()),
        vec![user.identity.mailbox.parse().unwrap()],
    )
    .unwrap();
    let mut exchanges = Vec::new();
    let submission = smtp.send(&user.identity.mailbox, &user.tokens.access_token, &envelope, b"Subject: x\r\n\r\nx\r\n", false, &mut exchanges).await;
    Outcome { imap, probe, submission }
}

fn refused(result: &Result<(), Error>, side: Side, why: &str) -> bool {
    matches!(result, Err(Error::OperatorCertificate { side: s, reason }) if *s == side && reason.contains(why))
}

#[tokio::test]
async fn a_revoked_certificate_is_refused_and_the_last_valid_crl_serves_while_its_server_is_down() {
    let (_, user, base) = common::signed_in("webmail", common::CLAIRE_RPPS).await;
    pki(&["revocable"]);
    pki(&["serve", "9093"]);
    tokio::time::sleep(Duration::from_millis(500)).await; // Dovecot and Postfix reload

    // 1. valid certificate, CRLs fetched and kept
    let kept = fresh_dir("kept");
    let config = second_address(&base, &kept, CrlUnavailable::Refuse);
    let outcome = connect(&config, &user).await;
    assert!(outcome.imap.is_ok(), "IMAP: {:?}", outcome.imap.err());
    assert!(outcome.probe.is_ok(), "SMTP probe: {:?}", outcome.probe.err());
    assert!(matches!(outcome.submission, Err(Error::MessageRefused(_))), "SMTP reached MAIL FROM: {:?}", outcome.submission);
    assert_eq!(std::fs::read_dir(&kept).unwrap().count(), 2, "the intermediate's CRL and the root's, on disk");

    // 2. the CRL server down: the kept CRL serves; a webmail that never had one refuses by
    //    default, accepts with a warning when so configured
    pki(&["stop", "9093"]);
    let outcome = connect(&config, &user).await;
    assert!(outcome.imap.is_ok() && outcome.probe.is_ok(), "kept CRL used: {:?} {:?}", outcome.imap.err(), outcome.probe.err());
    let never = fresh_dir("never");
    let outcome = connect(&second_address(&base, &never, CrlUnavailable::Refuse), &user).await;
    assert!(refused(&outcome.imap, Side::Imap, "revocation status unknown"), "{:?}", outcome.imap);
    assert!(refused(&outcome.probe, Side::Smtp, "revocation status unknown"), "{:?}", outcome.probe);
    assert!(refused(&outcome.submission, Side::Smtp, "revocation status unknown"), "{:?}", outcome.submission);
    let outcome = connect(&second_address(&base, &never, CrlUnavailable::Warn), &user).await;
    assert!(outcome.imap.is_ok() && outcome.probe.is_ok(), "warn: {:?} {:?}", outcome.imap.err(), outcome.probe.err());

    // 3. revoked: every connection refused, IMAP and SMTP, before the token is sent
    pki(&["revoke", "revocable"]);
    pki(&["serve", "9093"]);
    let outcome = connect(&config, &user).await;
    assert!(refused(&outcome.imap, Side::Imap, "certificate revoked"), "{:?}", outcome.imap);
    assert!(refused(&outcome.probe, Side::Smtp, "certificate revoked"), "{:?}", outcome.probe);
    assert!(refused(&outcome.submission, Side::Smtp, "certificate revoked"), "{:?}", outcome.submission);
    let told = app::error::WebmailError::from(outcome.submission.unwrap_err()).to_string();
    assert!(told.contains("son certificat n'est pas valide") && told.contains("reste dans vos brouillons"), "{told}");

    // 4. a CRL past its nextUpdate and none newer to be had: refused by default
    pki(&["revocable", "3"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let short = fresh_dir("short");
    let config = second_address(&base, &short, CrlUnavailable::Refuse);
    let outcome = connect(&config, &user).await;
    assert!(outcome.imap.is_ok(), "new certificate, fresh CRL: {:?}", outcome.imap.err());
    pki(&["stop", "9093"]);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let outcome = connect(&config, &user).await;
    assert!(refused(&outcome.imap, Side::Imap, "no valid CRL"), "{:?}", outcome.imap);
    assert!(refused(&outcome.probe, Side::Smtp, "no valid CRL"), "{:?}", outcome.probe);
    let outcome = connect(&second_address(&base, &short, CrlUnavailable::Warn), &user).await;
    assert!(outcome.imap.is_ok(), "warn: {:?}", outcome.imap.err());

    // the operator as it was: a valid certificate and its CRL served
    pki(&["revocable"]);
    pki(&["serve", "9093"]);
    for dir in [kept, never, short] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}
