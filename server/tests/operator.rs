//! Against the real test operator (operator/start.sh): the PSC stand-in issues tokens through
//! the real authorization code flow, and real Dovecot accepts or refuses them.

use server::config::{Config, PscConfig};
use server::error::Error;
use server::imap::ImapGateway;
use server::psc::{Psc, ProfessionalId};
use server::session::SignedInUser;

const CLAIRE_RPPS: &str = "10100000017";
const CLAIRE: &str = "claire.dubois@hopital-demo.mssante.fr";
const JULIEN: &str = "julien.moreau@hopital-demo.mssante.fr";

fn config(client_id: &str) -> Config {
    // SAFETY: set before anything reads the environment in this test process
    unsafe { std::env::set_var("PSC_CLIENT_SECRET", "webmail-secret") };
    let mut config = Config::from_env().expect("config");
    config.psc = PscConfig { client_id: client_id.into(), ..config.psc };
    config
}

/// Do what the browser does at the PSC stand-in: follow redirects, submit the e-CPS form,
/// and return the query of the redirect back to the webmail's callback.
async fn sign_in_at_psc(authorize_url: &str, rpps: &str, callback: &str) -> Vec<(String, String)> {
    let http = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut url = authorize_url.to_string();
    let mut form = None;
    for _ in 0..10 {
        let response = match form.take() {
            Some(body) => http.post(&url).form(&body).send().await,
            None => http.get(&url).send().await,
        }
        .expect("PSC stand-in reachable (is operator/start.sh running?)");
        if let Some(location) = response.headers().get("location") {
            url = reqwest::Url::parse(&url).unwrap().join(location.to_str().unwrap()).unwrap().to_string();
            if url.starts_with(callback) {
                return reqwest::Url::parse(&url).unwrap().query_pairs().into_owned().collect();
            }
        } else {
            assert!(response.status().is_success(), "PSC answered {}", response.status());
            url = format!("{url}/login");
            form = Some([("rpps", rpps.to_string())]);
        }
    }
    panic!("never redirected back to {callback}");
}

async fn signed_in(client_id: &str, rpps: &str) -> (Psc, SignedInUser, Config) {
    let config = config(client_id);
    let psc = Psc::new(config.psc.clone(), &config.public_url).unwrap();
    let (url, pending) = psc.begin().await.expect("PSC discovery");
    let query = sign_in_at_psc(&url, rpps, &format!("{}/auth/callback", config.public_url)).await;
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let user = psc.finish(Some(pending), &get("code"), &get("state")).await.expect("sign-in accepted");
    (psc, user, config)
}

#[tokio::test]
async fn psc_sign_in_gives_identity_and_a_token_dovecot_accepts() {
    let (_, user, config) = signed_in("webmail", CLAIRE_RPPS).await;
    assert_eq!(user.mailbox, CLAIRE);
    assert_eq!(ProfessionalId::from_subject_name_id(&user.subject_name_id), ProfessionalId::Rpps(CLAIRE_RPPS.into()));
    assert_eq!((user.given_name.as_str(), user.family_name.as_str()), ("Claire", "DUBOIS"));
    assert!(user.tokens.refresh_token.is_some(), "PSC issues a refresh token");

    let gateway = ImapGateway::new(config.imap).unwrap();
    let mut imap = gateway.open(&user.mailbox, &user.tokens.access_token).await.expect("XOAUTH2 accepted");
    let inbox = imap.inbox(&user.mailbox, server::psc::unix_now()).await.unwrap();
    assert!(inbox.total >= 6, "seeded inbox, got {}", inbox.total);
    let subjects: Vec<_> = inbox.messages.iter().map(|m| m.subject.as_str()).collect();
    assert!(subjects.contains(&"Adressage : M. Bernard PETIT, dyspnée d'effort"), "{subjects:?}");
    assert!(subjects.contains(&"Compte rendu d'hospitalisation — M. Émile FAURE"), "{subjects:?}");
    assert!(inbox.messages.windows(2).all(|w| w[0].uid > w[1].uid), "newest first");

    // the windows-1252 message is decoded, and its attachments-free body shown
    let legacy = inbox.messages.iter().find(|m| m.subject.contains("Émile FAURE")).unwrap();
    let view = imap.message(legacy.uid).await.unwrap();
    assert!(view.text.contains("décompensation cardiaque"), "{}", view.text);
    // the PDF + IHE_XDM message lists both attachments
    let xdm = inbox.messages.iter().find(|m| m.subject.starts_with("XDM/1.0/DDM+")).unwrap();
    let view = imap.message(xdm.uid).await.unwrap();
    let names: Vec<_> = view.attachments.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["CR_biologie_VIDAL.pdf", "IHE_XDM.zip"]);
    assert!(matches!(imap.message(999_999).await, Err(Error::MessageNotFound(999_999))));
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
