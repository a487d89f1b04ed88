//! Shared by the integration tests: sign in at the real PSC stand-in as a browser would.
#![allow(dead_code)]

use server::config::{Config, PscConfig};
use server::psc::Psc;
use server::session::SignedInUser;

pub const CLAIRE_RPPS: &str = "10100000017";
pub const CLAIRE: &str = "claire.dubois@hopital-demo.mssante.fr";

pub fn config(client_id: &str) -> Config {
    // SAFETY: set before anything reads the environment in this test process
    unsafe { std::env::set_var("PSC_CLIENT_SECRET", "webmail-secret") };
    let mut config = Config::from_env().expect("config");
    config.psc = PscConfig { client_id: client_id.into(), ..config.psc };
    config
}

/// Do what the browser does at the PSC stand-in: follow redirects, submit the e-CPS form,
/// and return the query of the redirect back to the webmail's callback.
pub async fn sign_in_at_psc(authorize_url: &str, rpps: &str, callback: &str) -> Vec<(String, String)> {
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

pub async fn signed_in(client_id: &str, rpps: &str) -> (Psc, SignedInUser, Config) {
    let config = config(client_id);
    let psc = Psc::new(config.psc.clone(), &config.public_url).unwrap();
    let (url, pending) = psc.begin().await.expect("PSC discovery");
    let query = sign_in_at_psc(&url, rpps, &format!("{}/auth/callback", config.public_url)).await;
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let user = psc.finish(Some(pending), &get("code"), &get("state")).await.expect("sign-in accepted");
    (psc, user, config)
}


/// An access-trace store of its own (a fresh SQLite file) and the operator's directory.
pub async fn organisation(config: &Config) -> std::sync::Arc<server::organisation::Organisation> {
    let path = std::env::temp_dir().join(format!("traces-test-{}-{}.db", std::process::id(), rand::random::<u64>()));
    let traces = server::traces::TraceStore::open(&format!("sqlite://{}?mode=rwc", path.display()), 365).await.unwrap();
    std::sync::Arc::new(server::organisation::Organisation { traces, directory: server::directory::Directory::new(config.directory_file.clone()) })
}

/// The webmail backend as the server builds it (sessions in memory, outbox in an in-memory
/// SQLite), with `rpps` signed in through the real PSC stand-in.
pub async fn backend_for(rpps: &str) -> (server::webmail::Backend, tower_sessions::Session, std::sync::Arc<server::pool::ImapPool>, Config) {
    backend_sharing(rpps, None).await
}

/// Another browser session, of `rpps`, for the same backend (as the server has one for all users).
pub async fn session_for(rpps: &str) -> tower_sessions::Session {
    let (_, user, _) = signed_in("webmail", rpps).await;
    let session = tower_sessions::Session::new(None, std::sync::Arc::new(tower_sessions::MemoryStore::default()), None);
    server::session::sign_in(&session, &user).await.unwrap();
    session
}

async fn backend_sharing(
    rpps: &str,
    organisation: Option<std::sync::Arc<server::organisation::Organisation>>,
) -> (server::webmail::Backend, tower_sessions::Session, std::sync::Arc<server::pool::ImapPool>, Config) {
    use std::sync::Arc;
    let (psc, user, config) = signed_in("webmail", rpps).await;
    let session = tower_sessions::Session::new(None, Arc::new(tower_sessions::MemoryStore::default()), None);
    server::session::sign_in(&session, &user).await.unwrap();
    let imap = server::pool::ImapPool::new(server::imap::ImapGateway::new(config.imap.clone()).unwrap());
    let db = tower_sessions_sqlx_store::sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
    let sending = Arc::new(server::send::Sending::new(&config, db).await.unwrap());
    let organisation = match organisation {
        Some(shared) => shared,
        None => self::organisation(&config).await,
    };
    (server::webmail::Backend::new(Arc::new(psc), imap.clone(), sending, organisation), session, imap, config)
}

fn operator_state() -> String {
    std::env::var("OPERATOR_STATE").unwrap_or_else(|_| "/var/tmp/mssante-operator".into())
}

fn run_quietly(program: &str, args: &[&str]) {
    // daemons must not keep the test's output open
    let status = std::process::Command::new(program).args(args)
        .stdin(std::process::Stdio::null()).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null())
        .status().unwrap();
    assert!(status.success(), "{program} {args:?}");
}

/// Run a Dovecot command (`dovecot`, `doveadm …`) against the test operator's configuration.
pub fn dovecot(args: &[&str]) {
    let conf = format!("{}/etc/dovecot/dovecot.conf", operator_state());
    let (program, rest) = args.split_first().unwrap();
    run_quietly(program, &[&["-c", conf.as_str()], rest].concat());
}

/// `postfix start` / `postfix stop` for the test operator's Postfix.
pub fn postfix(command: &str) {
    let conf = format!("{}/etc/postfix", operator_state());
    run_quietly("postfix", &["-c", &conf, command]);
}

pub async fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("nothing listens on port {port}");
}

/// Wait until nothing listens on `port` any more (a stopped server's processes are gone).
pub async fn wait_for_port_closed(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("port {port} still open");
}

/// UIDs of the messages of `folder` in `mailbox` whose header `name` contains `value` (doveadm).
pub fn find(mailbox: &str, folder: &str, name: &str, value: &str) -> Vec<String> {
    let conf = format!("{}/etc/dovecot/dovecot.conf", operator_state());
    let out = std::process::Command::new("doveadm")
        .args(["-c", &conf, "search", "-u", mailbox, "mailbox", folder, "header", name, value])
        .stdin(std::process::Stdio::null()).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().map(|l| l.split_whitespace().last().unwrap_or_default().to_string()).collect()
}

/// The whole message `uid` of `folder` in `mailbox` (doveadm fetch).
pub fn fetch_text(mailbox: &str, folder: &str, uid: &str) -> String {
    let conf = format!("{}/etc/dovecot/dovecot.conf", operator_state());
    let out = std::process::Command::new("doveadm")
        .args(["-c", &conf, "fetch", "-u", mailbox, "text", "mailbox", folder, "uid", uid])
        .stdin(std::process::Stdio::null()).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
