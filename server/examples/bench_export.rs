//! Benchmark (a command that prints figures, not a test): exporting bench2@'s INBOX (`seed.py
//! bench N bench2@hopital-demo.mssante.fr`) over HTTP as a browser downloads it, from the release
//! webmail running as its own process: messages and bytes per second, and the server's resident memory, sampled every
//! 50 ms, before and at its peak during the export (whatever the folder's size, the server holds
//! one batch of at most 8 MB).
//!   scripts/bench-export.sh [mbox|zip]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PORT: u16 = 8081;
// bench2@: its twin, filled with `seed.py bench 100000 bench2@hopital-demo.mssante.fr` (bench@ keeps the
// 1 000 messages the tests count)
const BENCH_RPPS: &str = "10100000602";

#[tokio::main]
async fn main() {
    let format = std::env::args().nth(1).unwrap_or_else(|| "mbox".into());
    let webmail = Arc::new(common::ReleaseWebmail::start(PORT, &[]).await);
    let http = webmail.signed_in_client(BENCH_RPPS).await;
    // a first request warms the sign-in and the pool
    http.get(format!("{}/", webmail.base)).send().await.unwrap().bytes().await.unwrap();
    let before = webmail.rss_mib();
    let peak = Arc::new(Mutex::new(before));
    let running = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (webmail, peak, running) = (webmail.clone(), peak.clone(), running.clone());
        tokio::spawn(async move {
            while running.load(Ordering::Relaxed) {
                let now = webmail.rss_mib();
                {
                    let mut p = peak.lock().unwrap();
                    *p = p.max(now);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let started = Instant::now();
    let answer = http.get(format!("{}/boites/export?dossier=INBOX&format={format}", webmail.base)).send().await.unwrap();
    assert_eq!(answer.status(), 200, "export refused");
    let total: u64 = answer.headers()["x-nombre-messages"].to_str().unwrap().parse().unwrap();
    let first_byte = started.elapsed();
    let mut bytes = 0u64;
    let mut answer = answer;
    while let Some(chunk) = answer.chunk().await.expect("the export ended with an error") {
        bytes += chunk.len() as u64;
    }
    let took = started.elapsed().as_secs_f64();
    running.store(false, Ordering::Relaxed);
    sampler.await.unwrap();
    let peak = *peak.lock().unwrap();
    println!("Export of bench2@'s INBOX over HTTP ({format}, release webmail on {}):", webmail.base);
    println!("  {total} messages, {:.1} MB in {took:.1} s (first byte after {:.0} ms)", bytes as f64 / 1e6, first_byte.as_secs_f64() * 1000.0);
    println!("  {:.0} messages/s, {:.1} MB/s", total as f64 / took, bytes as f64 / 1e6 / took);
    println!("  server RSS: {before:.0} MiB before, {peak:.0} MiB at its peak during the export");
}
