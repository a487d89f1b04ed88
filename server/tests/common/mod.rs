//! Shared by the integration tests: sign in at the real PSC stand-in as a browser would, and
//! build the backend as the server does.
#![allow(dead_code)]

use app::backend::Request;
use server::backend::{Backend, Caller};
use server::store::database::Database;
use server::store::session::Sessions;
use server::config::{Config, PscConfig};
use server::gateway::pool::ImapPool;
use server::gateway::psc::Psc;
use server::identity::SignedInUser;
use std::sync::Arc;
use tower_sessions::Session;

pub const CLAIRE_RPPS: &str = "10100000017";
pub const CLAIRE: &str = "claire.dubois@hopital-demo.mssante.fr";
/// The demo's organisational mailbox (the cardiology secretariat), and its inbox as members see it.
pub const ORG: &str = "secretariat-cardio@hopital-demo.mssante.fr";
pub const ORG_INBOX: &str = "Shared/secretariat-cardio@hopital-demo.mssante.fr";

pub fn config(client_id: &str) -> Config {
    // SAFETY: set before anything reads the environment in this test process
    unsafe { std::env::set_var("PSC_CLIENT_SECRET", "webmail-secret") };
    let mut config = Config::from_env().expect("config");
    config.psc = PscConfig { client_id: client_id.into(), ..config.psc };
    // one key for the whole test process, so that every backend opens every session
    config.seal_key_file = std::env::temp_dir().join(format!("webmail-test-{}", std::process::id())).join("seal.key");
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


/// The session store as the server has it, with this test process's key.
pub fn sessions(config: &Config) -> Sessions {
    Sessions::new(Arc::new(server::store::sealer::Sealer::open(&config.seal_key_file).unwrap()))
}

/// A server function's request from this browser session (outside HTTP: no headers).
pub fn req(session: &Session) -> Request {
    Request::new(session.clone(), None)
}

/// The caller of a plain endpoint, for the backend calls those endpoints make.
pub async fn caller(backend: &Backend, session: &Session) -> Caller {
    backend.caller(req(session)).await.expect("signed in")
}

/// The request parts of an endpoint called outside HTTP.
pub fn no_request() -> axum::http::request::Parts {
    axum::http::Request::new(()).into_parts().0
}

/// A browser session of `rpps`, signed in through the real PSC stand-in.
pub async fn session_for(rpps: &str) -> Session {
    let (_, user, config) = signed_in("webmail", rpps).await;
    let session = Session::new(None, Arc::new(tower_sessions::MemoryStore::default()), None);
    sessions(&config).sign_in(&session, &user).await.unwrap();
    session
}

/// The webmail backend as the server builds it ([`Backend::build`]; access traces in a SQLite
/// file of its own, uploads and sent Message-IDs in an in-memory SQLite), with `rpps` signed in.
pub async fn backend_for(rpps: &str) -> (Backend, Session, Arc<ImapPool>, Config) {
    backend_with(config("webmail"), rpps).await
}

/// [`backend_for`] with settings of the test's own.
pub async fn backend_with(mut config: Config, rpps: &str) -> (Backend, Session, Arc<ImapPool>, Config) {
    let traces = std::env::temp_dir().join(format!("traces-test-{}-{}.db", std::process::id(), rand::random::<u64>()));
    config.trace_database = format!("sqlite://{}?mode=rwc", traces.display());
    let db = server::store::database::Database::in_memory().await.unwrap();
    let backend = Backend::build(&config, &db).await.expect("backend");
    let pool = backend.imap.clone();
    (backend, session_for(rpps).await, pool, config)
}

/// The whole webmail as the server builds it (router, sessions, guards), served on a loopback port
/// of its own: its base URL, the backend, and the session database.
pub async fn serve() -> (String, Arc<Backend>, Database) {
    let mut config = config("webmail");
    let dir = std::env::temp_dir().join(format!("webmail-test-{}-{}", std::process::id(), rand::random::<u64>()));
    config.trace_database = format!("sqlite://{}?mode=rwc", dir.join("traces.db").display());
    serve_with(config, None, &dir.join("sessions.db")).await
}

/// [`serve`] with settings of the test's own, on the database at `url` (the SQLite file
/// `sqlite_file` when none): several of them on one PostgreSQL database are instances of one
/// service.
pub async fn serve_with(config: Config, url: Option<&str>, sqlite_file: &std::path::Path) -> (String, Arc<Backend>, Database) {
    let db = Database::open(url, sqlite_file).await.unwrap();
    let backend = Arc::new(Backend::build(&config, &db).await.expect("backend"));
    let options = leptos::prelude::LeptosOptions::builder().output_name("mssante-webmail").build();
    let app = server::http::router(&config, options, backend.clone(), db.clone()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await.unwrap();
    });
    (base, backend, db)
}

/// A session cookie for `rpps`, signed in through the PSC stand-in and kept in `db` as the
/// server keeps its sessions.
pub async fn session_cookie(db: &Database, rpps: &str) -> String {
    session_cookie_with(db, rpps, |_| {}).await
}

/// [`session_cookie`], with the signed-in user changed by `change` before it is kept.
pub async fn session_cookie_with(db: &Database, rpps: &str, change: impl FnOnce(&mut SignedInUser)) -> String {
    let (_, mut user, config) = signed_in("webmail", rpps).await;
    change(&mut user);
    let session = Session::new(None, Arc::new(db.session_store()), None);
    sessions(&config).sign_in(&session, &user).await.unwrap();
    session.save().await.unwrap();
    format!("mss_session={}", session.id().expect("saved session has an id"))
}

/// The release webmail (`WEBMAIL_BIN`, built by `cargo leptos build --release`) as its own
/// process on `port` (8081: a callback the PSC stand-in accepts besides the demo's), its data in a
/// folder of its own; `env` adds or overrides settings. Stopped and cleaned up when dropped.
pub struct ReleaseWebmail {
    pub base: String,
    pub process: std::process::Child,
    data: std::path::PathBuf,
}

impl ReleaseWebmail {
    pub async fn start(port: u16, env: &[(&str, &str)]) -> Self {
        let bin = std::env::var("WEBMAIL_BIN").expect("WEBMAIL_BIN (scripts/env.sh sets it)");
        let data = std::env::temp_dir().join(format!("release-webmail-{}-{port}", std::process::id()));
        let process = std::process::Command::new(bin)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("WEBMAIL_PUBLIC_URL", format!("http://127.0.0.1:{port}"))
            .env("PSC_CLIENT_SECRET", "webmail-secret")
            .env("SESSION_DB", data.join("sessions.db"))
            .env("SEAL_KEY_FILE", data.join("seal.key"))
            .env("TRACE_DATABASE_URL", format!("sqlite://{}?mode=rwc", data.join("traces.db").display()))
            .env("RUST_LOG", "error")
            .envs(env.iter().copied())
            .spawn()
            .unwrap();
        wait_for_port(port).await;
        Self { base: format!("http://127.0.0.1:{port}"), process, data }
    }

    /// Resident memory of the process now, in MiB (Linux).
    pub fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.process.id())).unwrap_or_default();
        status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
    }

    /// Sign in through the real PSC stand-in, as a browser would; the client keeps the cookie.
    pub async fn signed_in_client(&self, rpps: &str) -> reqwest::Client {
        let http = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let login = http.get(format!("{}/auth/login", self.base)).send().await.unwrap();
        let to_psc = login.headers()["location"].to_str().unwrap().to_string();
        let query = sign_in_at_psc(&to_psc, rpps, &format!("{}/auth/callback", self.base)).await;
        let back = http.get(format!("{}/auth/callback", self.base)).query(&query).send().await.unwrap();
        assert!(back.status().is_redirection(), "sign-in: {}", back.status());
        http
    }
}

impl Drop for ReleaseWebmail {
    fn drop(&mut self) {
        self.process.kill().ok();
        self.process.wait().ok();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

pub fn operator_state() -> String {
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

/// Put `raw` into `mailbox`'s INBOX as delivered mail (doveadm save); its UID.
pub fn deliver(mailbox: &str, raw: &str, message_id: &str) -> String {
    use std::io::Write;
    let conf = format!("{}/etc/dovecot/dovecot.conf", operator_state());
    let mut child = std::process::Command::new("doveadm")
        .args(["-c", &conf, "save", "-u", mailbox, "-m", "INBOX"])
        .stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::null()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(raw.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "doveadm save");
    find(mailbox, "INBOX", "Message-ID", message_id).pop().expect("saved")
}

/// What doveadm fetches of message `uid` of `folder` in `mailbox`: `text`, `flags`…
fn doveadm_fetch(mailbox: &str, item: &str, folder: &str, uid: &str) -> String {
    let conf = format!("{}/etc/dovecot/dovecot.conf", operator_state());
    let out = std::process::Command::new("doveadm")
        .args(["-c", &conf, "fetch", "-u", mailbox, item, "mailbox", folder, "uid", uid])
        .stdin(std::process::Stdio::null()).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The whole message `uid` of `folder` in `mailbox`.
pub fn fetch_text(mailbox: &str, folder: &str, uid: &str) -> String {
    doveadm_fetch(mailbox, "text", folder, uid)
}

/// The IMAP flags of message `uid` of `folder` in `mailbox`.
pub fn flags(mailbox: &str, folder: &str, uid: &str) -> String {
    doveadm_fetch(mailbox, "flags", folder, uid)
}
