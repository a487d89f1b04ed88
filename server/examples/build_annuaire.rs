//! Build the directory index of an extraction file and say how long it took and how large it is
//! (the in-process part of scripts/bench-annuaire.sh).
//!   cargo run --release -p server --example build_annuaire -- <extraction> <index dir>

use server::store::directory::ExtractionDirectory;
use std::time::Instant;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(source), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: build_annuaire <extraction> <index dir>");
        std::process::exit(2);
    };
    let _ = std::fs::remove_dir_all(&dir);
    let directory = ExtractionDirectory::new(source.into(), dir.clone().into());
    let started = Instant::now();
    let built = directory.refresh().await.expect("the extraction was refused");
    let size: u64 = std::fs::read_dir(&dir).unwrap().flatten().map(|f| f.metadata().unwrap().len()).sum();
    println!(
        "index built in {:.1} s: {} mailboxes ({} lines skipped), {:.0} MB on disk",
        started.elapsed().as_secs_f64(),
        built.entries,
        built.skipped,
        size as f64 / 1e6
    );
}
