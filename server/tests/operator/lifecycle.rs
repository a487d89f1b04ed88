//! The server as a service runs it: the `server` binary itself, started and stopped as systemd or
//! an orchestrator would. Probes (`/healthz`, `/readyz`), metrics on their own address, the stop
//! on SIGTERM (push streams ended, the process gone well within its 20 s), and the refusal to serve
//! real users on test settings.

use crate::common::{CLAIRE_RPPS, config, session_cookie};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The webmail binary on `port` with the test operator's settings and a data folder of its own;
/// `settings` added or overriding.
fn start(port: u16, settings: &[(&str, &str)]) -> (Child, PathBuf) {
    let dir = std::env::temp_dir().join(format!("webmail-service-{}-{port}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("site")).unwrap();
    let file = |name: &str| dir.join(name).display().to_string();
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("LEPTOS_OUTPUT_NAME", "mssante-webmail")
        .env("LEPTOS_SITE_ROOT", file("site"))
        .env("LEPTOS_SITE_PKG_DIR", "pkg")
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_ENV", "PROD")
        .env("LEPTOS_HASH_FILES", "false")
        .env("PSC_CLIENT_SECRET", "webmail-secret")
        .env("SESSION_DB", file("sessions.db"))
        // the key of this test process, so that the sessions it writes are the server's
        .env("SEAL_KEY_FILE", config("webmail").seal_key_file)
        .env("TRACE_DATABASE_URL", format!("sqlite://{}?mode=rwc", file("traces.db")))
        .env("TRACE_SIGNING_KEY_FILE", file("traces.key"))
        .env("ANNUAIRE_INDEX_DIR", file("annuaire"))
        .env("CRL_CACHE_DIR", file("crl"))
        .env("RUST_LOG", "warn")
        // the log (on stdout) and start-up errors (stderr), read once the process is gone
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in settings {
        command.env(name, value);
    }
    (command.spawn().expect("the server binary"), dir)
}

/// A loopback port nothing listens on at this moment (the system's pick): no run trips over a
/// process that another run, or anything else on the machine, holds on a fixed port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until the server answers `/healthz` (30 s at most: a debug build opens its stores).
async fn until_alive(base: &str, server: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(answer) = reqwest::get(format!("{base}/healthz")).await {
            assert_eq!(answer.status(), 200);
            assert_eq!(answer.text().await.unwrap(), "ok\n");
            return;
        }
        if let Some(status) = server.try_wait().unwrap() {
            panic!("the server stopped at start ({status}):\n{}", what_it_said(server));
        }
        assert!(Instant::now() < deadline, "the server never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a stopped server wrote: its start-up error (stderr), then its log (stdout).
fn what_it_said(server: &mut Child) -> String {
    let mut said = String::new();
    if let Some(mut stderr) = server.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut stderr, &mut said);
    }
    if let Some(mut stdout) = server.stdout.take() {
        let _ = std::io::Read::read_to_string(&mut stdout, &mut said);
    }
    said
}

/// The exit status once the process is gone, waiting `within` at most.
async fn exited(server: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some(status) = server.try_wait().unwrap() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

fn terminate(server: &Child) {
    let sent = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(sent.success());
}

async fn readiness(base: &str) -> (u16, serde_json::Value) {
    let answer = reqwest::get(format!("{base}/readyz")).await.unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

#[tokio::test]
async fn probes_tell_an_instance_that_cannot_serve_and_sigterm_ends_push_streams_then_the_process() {
    let (port, metrics_addr) = (free_port(), format!("127.0.0.1:{}", free_port()));
    let base = format!("http://127.0.0.1:{port}");
    let (mut server, dir) = start(port, &[("METRICS_ADDR", &metrics_addr), ("LOG_FORMAT", "json"), ("RUST_LOG", "info,sqlx=warn")]);
    until_alive(&base, &mut server).await;
    let (status, parts) = readiness(&base).await;
    assert_eq!((status, &parts), (200, &serde_json::json!({ "pret": true, "parties": { "sessions": "ok", "traces": "ok", "imap": "ok", "smtp": "ok" } })));

    // a browser with the inbox open, its push stream running
    let db = server::store::database::Database::open(None, &dir.join("sessions.db")).await.unwrap();
    let cookie = session_cookie(&db, CLAIRE_RPPS).await;
    let mut answer = reqwest::Client::new().get(format!("{base}/evenements?dossier=INBOX")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let first = String::from_utf8(answer.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(first.contains("event: pret"), "{first}");

    // metrics, on their own address only: routes as templates, nothing of the user
    // the folder list: IMAP commands, timed per command (never per folder)
    let folders = reqwest::Client::new().post(format!("{base}/api/dossiers")).header("cookie", &cookie).header("content-type", "application/json").body("{}").send().await.unwrap();
    assert_eq!(folders.status(), 200);
    // a message asked in a folder that is not there: the operator refuses the SELECT, counted by
    // its name only
    let missing = reqwest::Client::new().post(format!("{base}/api/message")).header("cookie", &cookie).header("content-type", "application/json")
        .body(r#"{"folder":"Dossier-Disparu","uid":1}"#).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let metrics = reqwest::get(format!("http://{metrics_addr}/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"webmail_imap_command_duration_seconds_count{command="LIST"#), "{metrics}");
    assert!(metrics.contains(r#"webmail_imap_command_errors_total{command="SELECT"} 1"#), "{metrics}");
    for series in [
        r#"webmail_http_requests_total{route="/readyz",method="GET",status="2xx"} 1"#,
        r#"webmail_http_requests_total{route="/evenements",method="GET",status="2xx"} 1"#,
        r#"webmail_http_request_duration_seconds_count{route="/readyz",method="GET"} 1"#,
        "webmail_push_streams 1",
        "webmail_imap_idle_connections ",
    ] {
        assert!(metrics.contains(series), "{series} missing from:\n{metrics}");
    }
    for private in ["INBOX", "Disparu", "dossier=", "claire", "hopital-demo", CLAIRE_RPPS] {
        assert!(!metrics.contains(private), "{private} in the metrics");
    }
    assert_eq!(reqwest::get(format!("{base}/metrics")).await.unwrap().status(), 404, "not on the public address");

    // stopped: the stream ends at once (the browser reconnects elsewhere), then the process
    let asked = Instant::now();
    terminate(&server);
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = answer.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the push stream was still open 10 s after SIGTERM");
    let status = exited(&mut server, Duration::from_secs(25)).await.expect("the process gone within the 20 s drain");
    assert!(status.success(), "{status:?}");
    eprintln!("stopped {} ms after SIGTERM, push stream included", asked.elapsed().as_millis());
    assert!(reqwest::get(format!("{base}/healthz")).await.is_err(), "nothing listens any more");
    // its log: one JSON object per line, the stop told, nothing of the user nor a token
    let mut log = String::new();
    std::io::Read::read_to_string(&mut server.stdout.take().unwrap(), &mut log).unwrap();
    let lines: Vec<serde_json::Value> = log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}"))).collect();
    assert!(lines.iter().any(|l| l["fields"]["message"].as_str().is_some_and(|m| m.starts_with("stopping"))), "{log}");
    for private in ["claire", "Bearer", "eyJ"] {
        assert!(!log.contains(private), "{private} in the log");
    }

    // an instance whose operator is out of reach is alive but not ready
    let (mut cut_off, _) = start(port, &[("IMAP_PORT", "1"), ("SMTP_PORT", "1")]);
    until_alive(&base, &mut cut_off).await;
    let (status, parts) = readiness(&base).await;
    assert_eq!(status, 503);
    assert_eq!(parts["pret"], false);
    assert_eq!((&parts["parties"]["imap"], &parts["parties"]["smtp"], &parts["parties"]["sessions"]), (&"injoignable".into(), &"injoignable".into(), &"ok".into()));
    terminate(&cut_off);
    assert!(exited(&mut cut_off, Duration::from_secs(25)).await.is_some_and(|s| s.success()));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_https_service_on_test_settings_refuses_to_start_and_names_them() {
    let (mut server, dir) = start(free_port(), &[("WEBMAIL_PUBLIC_URL", "https://webmail.chu-exemple.fr")]);
    let status = exited(&mut server, Duration::from_secs(30)).await.expect("refused at once");
    assert!(!status.success());
    let said = what_it_said(&mut server);
    for setting in ["PSC_ISSUER", "PSC_CLIENT_SECRET", "IMAP_CA_FILE", "LISTE_BLANCHE_FILE", "MSS_NIL"] {
        assert!(said.contains(setting), "{setting} not named: {said}");
    }
    // the files given their own place here are not named
    assert!(!said.contains("SEAL_KEY_FILE") && !said.contains("TRACE_SIGNING_KEY_FILE"), "{said}");
    assert!(said.contains("Le serveur de messagerie n'a pas pu démarrer"), "{said}");
    let _ = std::fs::remove_dir_all(dir);
}

/// An address another process holds (a run left behind, another service): the instance stops at
/// once and says which address and which setting, rather than only "address in use".
#[tokio::test]
async fn an_address_already_held_stops_the_start_and_is_named() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = held.local_addr().unwrap();
    let held_text = address.to_string();
    for (setting, port, settings) in [("LEPTOS_SITE_ADDR", address.port(), vec![]), ("METRICS_ADDR", free_port(), vec![("METRICS_ADDR", held_text.as_str())])] {
        let (mut server, dir) = start(port, &settings);
        let status = exited(&mut server, Duration::from_secs(30)).await.expect("refused at once");
        assert!(!status.success());
        let said = what_it_said(&mut server);
        assert!(said.contains(&format!("impossible d'écouter sur {address} ({setting})")), "{said}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Two instances of the binary on one PostgreSQL database behind HAProxy (`deploy/haproxy.cfg`,
/// as `scripts/cluster.sh` runs it): round robin without sticky sessions, the user's session
/// served by both, the browser's address traced as the balancer forwards it (`TRUSTED_PROXIES`),
/// a push stream passed through, and with one instance killed (SIGKILL) the user
/// goes on through the other without signing in again.
#[tokio::test]
async fn behind_haproxy_the_instances_share_the_user_and_survive_the_loss_of_one() {
    let database = crate::instances::shared_database().await;
    let ports = [free_port(), free_port()];
    let metrics = [free_port(), free_port()].map(|port| format!("127.0.0.1:{port}"));
    let instance = |i: usize| {
        start(ports[i], &[("DATABASE_URL", database), ("TRACE_DATABASE_URL", database), ("METRICS_ADDR", &metrics[i]), ("TRUSTED_PROXIES", "127.0.0.1")])
    };
    let (first, dir) = instance(0);
    let (second, _) = instance(1);
    let (mut first, mut second) = (Stopped(first), Stopped(second));
    let [first_base, second_base] = ports.map(|port| format!("http://127.0.0.1:{port}"));
    until_alive(&first_base, &mut first.0).await;
    until_alive(&second_base, &mut second.0).await;
    let servers = format!("    server first 127.0.0.1:{} check\n    server second 127.0.0.1:{} check", ports[0], ports[1]);
    let balancer_port = free_port();
    let balancer_config = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/haproxy.cfg")).unwrap()
        .replace("@LISTEN@", &format!("127.0.0.1:{balancer_port}")).replace("@SERVERS@", &servers);
    std::fs::write(dir.join("haproxy.cfg"), balancer_config).unwrap();
    let mut balancer = Stopped(Command::new("haproxy").args(["-db", "-f"]).arg(dir.join("haproxy.cfg")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("haproxy (scripts/install-deps.sh)"));
    let base = &format!("http://127.0.0.1:{balancer_port}");
    // until its health checks (/readyz, twice) have put both instances in
    let deadline = Instant::now() + Duration::from_secs(20);
    while !reqwest::get(format!("{base}/healthz")).await.is_ok_and(|a| a.status() == 200) {
        assert!(balancer.0.try_wait().unwrap().is_none(), "haproxy stopped at start");
        assert!(Instant::now() < deadline, "no instance in service behind haproxy");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let db = server::store::database::Database::open(Some(database), &dir.join("unused.db")).await.unwrap();
    let cookie = session_cookie(&db, CLAIRE_RPPS).await;
    let me = async || {
        let answer = reqwest::Client::new().post(format!("{base}/api/moi")).header("cookie", &cookie).header("content-type", "application/json").body("{}").send().await.unwrap();
        (answer.status().as_u16(), answer.text().await.unwrap())
    };
    for _ in 0..6 {
        let (status, text) = me().await;
        assert!(status == 200 && text.contains("claire.dubois@"), "{status} {text}");
    }
    for metrics in &metrics {
        let text = reqwest::get(format!("http://{metrics}/metrics")).await.unwrap().text().await.unwrap();
        assert!(text.contains(r#"webmail_http_requests_total{route="/api/moi",method="POST",status="2xx"}"#), "no request reached {metrics}:\n{text}");
    }
    // the access traces name the browser's address as HAProxy saw it (this client on 127.0.0.2),
    // never one the browser claims, through the balancer or straight to an instance
    let from_a_browser = reqwest::Client::builder().local_address(std::net::IpAddr::from([127, 0, 0, 2])).build().unwrap();
    let listing = serde_json::json!({ "folder": crate::common::ORG_INBOX, "page": 0, "search": app::reading::Search::default(), "view": null }).to_string();
    let pool = db.shared_pool().expect("PostgreSQL");
    let traced_from = async |ip: &str| -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM access_traces WHERE ip = $1").bind(ip).fetch_one(&pool).await.unwrap()
    };
    let before = traced_from("127.0.0.2").await;
    for at in [base, &second_base] {
        let listed = from_a_browser.post(format!("{at}/api/messages")).header("cookie", &cookie).header("content-type", "application/json")
            .header("x-forwarded-for", "203.0.113.9").body(listing.clone()).send().await.unwrap();
        assert_eq!(listed.status(), 200, "{at}");
    }
    assert_eq!(traced_from("127.0.0.2").await, before + 2, "each listing traced from the browser's address");
    assert_eq!(traced_from("203.0.113.9").await, 0, "an address the browser wrote was recorded");
    let mut stream = reqwest::Client::new().get(format!("{base}/evenements?dossier=INBOX")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(stream.status(), 200);
    let event = tokio::time::timeout(Duration::from_secs(10), stream.chunk()).await.expect("the first event through HAProxy").unwrap().unwrap();
    assert!(String::from_utf8_lossy(&event).contains("event: pret"));

    // one instance gone at once: every request still answered, the user still signed in
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    for _ in 0..6 {
        let (status, text) = me().await;
        assert!(status == 200 && text.contains("claire.dubois@"), "after the loss of one instance: {status} {text}");
    }
}

/// A process killed when the test ends, whether it passed or not (a failed assertion must not
/// leave an instance holding its port for the next run).
struct Stopped(Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
