//! Benchmark (a command that prints figures, not a test): does a message built to be slow delay
//! everyone else? The release webmail runs as its own process; over HTTP, as a browser calls it,
//! this measures a quick server function (`/api/moi`) and a static file while idle, then while
//! four clients keep opening the heaviest HTML message the budgets let through.
//!   scripts/bench-hostile.sh [seconds]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

// one of the addresses the PSC stand-in accepts as callback (8080 is the demo's)
const PORT: u16 = 8081;
const SOPHIE: &str = "sophie.lambert@hopital-demo.mssante.fr";

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

async fn quick_requests(http: &reqwest::Client, base: &str, for_how_long: Duration) -> (Vec<Duration>, Vec<Duration>) {
    let (mut api, mut file) = (vec![], vec![]);
    let end = Instant::now() + for_how_long;
    while Instant::now() < end {
        let t = Instant::now();
        let r = http.post(format!("{base}/api/moi")).header("content-type", "application/json").body("{}").send().await.unwrap();
        r.bytes().await.unwrap();
        api.push(t.elapsed());
        let t = Instant::now();
        http.get(format!("{base}/favicon.svg")).send().await.unwrap().bytes().await.unwrap();
        file.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (api, file)
}

fn report(what: &str, api: &mut [Duration], file: &mut [Duration]) {
    println!(
        "{what:<44} /api/moi p50 {:>6.1} ms  p99 {:>7.1} ms   static p50 {:>6.1} ms  p99 {:>7.1} ms   (n = {})",
        percentile(api, 0.5), percentile(api, 0.99), percentile(file, 0.5), percentile(file, 0.99), api.len()
    );
}

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let webmail = common::ReleaseWebmail::start(PORT, &[]).await;
    let base = webmail.base.clone();

    // the heaviest HTML the budgets still sanitise: 2 MiB, nested 250 deep, repeated
    let unit = format!("{}<p style=\"color:red\">Bilan <b>K+</b> 4,1 <a href=\"https://ansm.sante.fr/\">x</a></p>{}", "<div>".repeat(250), "</div>".repeat(250));
    let html = unit.repeat((2 * 1024 * 1024 - 4096) / unit.len());
    let id = format!("lourd-{}@hopital-demo.mssante.fr", std::process::id());
    let raw = format!("From: piege@hopital-demo.mssante.fr\r\nTo: {SOPHIE}\r\nSubject: Message lourd\r\nMessage-ID: <{id}>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n");
    let uid = common::deliver(SOPHIE, &raw, &id);

    let http = webmail.signed_in_client("10100000033").await;
    println!("Hostile-mail responsiveness over HTTP (release webmail on {base}, {seconds} s per phase, {} KiB HTML message):\n", raw.len() / 1024);
    let (mut api, mut file) = quick_requests(&http, &base, Duration::from_secs(seconds)).await;
    report("idle", &mut api, &mut file);

    let stop = Instant::now() + Duration::from_secs(seconds);
    let mut openers = Vec::new();
    for _ in 0..4 {
        let (http, base, uid) = (http.clone(), base.clone(), uid.clone());
        openers.push(tokio::spawn(async move {
            let mut opened = vec![];
            while Instant::now() < stop {
                let t = Instant::now();
                let body = format!(r#"{{"folder":"INBOX","uid":{uid}}}"#);
                http.post(format!("{base}/api/message")).header("content-type", "application/json").body(body).send().await.unwrap().bytes().await.unwrap();
                http.get(format!("{base}/messages/contenu?dossier=INBOX&uid={uid}")).send().await.unwrap().bytes().await.unwrap();
                opened.push(t.elapsed());
            }
            opened
        }));
    }
    let (mut api, mut file) = quick_requests(&http, &base, Duration::from_secs(seconds)).await;
    report("while 4 clients open the heavy message", &mut api, &mut file);
    let mut opened: Vec<Duration> = futures::future::join_all(openers).await.into_iter().flat_map(Result::unwrap).collect();
    println!("{:<44} p50 {:>6.1} ms  p99 {:>7.1} ms   (n = {})", "opening the heavy message (JSON + body)", percentile(&mut opened, 0.5), percentile(&mut opened, 0.99), opened.len());
}
