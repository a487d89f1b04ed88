//! Moving a mailbox out and in over HTTP, as the settings page does: the 1 000-message bench INBOX
//! exported as mbox and re-imported into an empty folder gives the same messages (Message-IDs,
//! subjects, flags); imported again, all are duplicates; a ZIP of .eml round-trips too; a broken
//! record is reported by its position and the rest imported; each export and import is traced
//! with its count. The imports go to folders of Lucie's made for this test.

use crate::common::{dovecot, operator_state, serve, session_cookie};
use app::backend::Webmail;
use app::organisation::TraceFilter;
use std::collections::BTreeSet;

const BENCH_RPPS: &str = "10100000058";
const BENCH: &str = "bench@hopital-demo.mssante.fr";
const LUCIE_RPPS: &str = "10100000074";
const LUCIE: &str = "lucie.rolland@hopital-demo.mssante.fr";

/// (Message-ID, subject, flags) of every message of `folder` in `mailbox`, as Dovecot has them.
fn contents(mailbox: &str, folder: &str) -> BTreeSet<(String, String, String)> {
    let conf = format!("{}/etc/dovecot/dovecot.conf", operator_state());
    let out = std::process::Command::new("doveadm")
        .args(["-c", &conf, "-f", "tab", "fetch", "-u", mailbox, "hdr.message-id hdr.subject flags", "mailbox", folder])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(|line| {
            let mut cells = line.split('\t').map(|c| c.trim().to_string());
            let (id, subject, flags) = (cells.next().unwrap_or_default(), cells.next().unwrap_or_default(), cells.next().unwrap_or_default());
            let flags = flags.split_whitespace().filter(|f| *f != "\\Recent").collect::<Vec<_>>().join(" ");
            (id, subject, flags)
        })
        .collect()
}

/// What an import answers.
use app::archive::ImportReport as Report;

#[tokio::test]
async fn a_mailbox_exported_and_imported_again_is_the_same() {
    let (base, backend, db) = serve().await;
    let bench = session_cookie(&db, BENCH_RPPS).await;
    let lucie = session_cookie(&db, LUCIE_RPPS).await;
    let http = reqwest::Client::new();
    let tag = rand::random::<u32>();
    let (as_mbox, as_zip) = (format!("Import-mbox-{tag}"), format!("Import-zip-{tag}"));
    for folder in [&as_mbox, &as_zip] {
        dovecot(&["doveadm", "mailbox", "create", "-u", LUCIE, folder]);
    }
    let source = contents(BENCH, "INBOX");
    assert_eq!(source.len(), 1000, "the bench INBOX as seeded (seed.py bench 1000)");
    assert!(source.iter().any(|(_, _, flags)| flags.contains("\\Seen")) && source.iter().any(|(_, _, flags)| flags.is_empty()));

    let export = http.get(format!("{base}/boites/export?dossier=INBOX&format=mbox")).header("cookie", &bench).send().await.unwrap();
    assert_eq!(export.status(), 200);
    assert_eq!(export.headers()["x-nombre-messages"], "1000");
    assert_eq!(export.headers()["content-type"], "application/mbox");
    assert!(export.headers()["content-disposition"].to_str().unwrap().contains("INBOX.mbox"));
    let mbox = export.bytes().await.unwrap();
    assert_eq!(mbox.windows(6).filter(|w| w == b"\nFrom ").count() + 1, 1000, "one record per message");

    let import = async |folder: &str, body: Vec<u8>| -> Report {
        let answer = http
            .post(format!("{base}/boites/import?dossier={folder}"))
            .header("cookie", &lucie)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        answer.json().await.unwrap()
    };
    let report = import(&as_mbox, mbox.to_vec()).await;
    assert_eq!((report.imported, report.duplicates, report.broken_count), (1000, 0, 0));
    assert_eq!(contents(LUCIE, &as_mbox), source, "same Message-IDs, subjects and flags");
    let again = import(&as_mbox, mbox.to_vec()).await;
    assert_eq!((again.imported, again.duplicates), (0, 1000), "nothing twice");

    // the same messages as a ZIP of .eml (no flags in that format)
    let zip = http.get(format!("{base}/boites/export?dossier={as_mbox}&format=zip")).header("cookie", &lucie).send().await.unwrap();
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let zip = zip.bytes().await.unwrap().to_vec();
    let names: Vec<String> = {
        let archive = zip::ZipArchive::new(std::io::Cursor::new(&zip)).unwrap();
        archive.file_names().map(|n| n.unwrap().to_string()).collect()
    };
    assert_eq!(names.len(), 1000);
    assert!(names.iter().all(|n| n.starts_with(&format!("{as_mbox}/")) && n.ends_with(".eml")), "{:?}", &names[..3]);
    let report = import(&as_zip, zip).await;
    assert_eq!((report.imported, report.broken_count), (1000, 0));
    let ids = |set: &BTreeSet<(String, String, String)>| set.iter().map(|(id, subject, _)| (id.clone(), subject.clone())).collect::<BTreeSet<_>>();
    assert_eq!(ids(&contents(LUCIE, &as_zip)), ids(&source));

    // a broken record is named, the others are imported
    let broken = format!("From x Thu Jan  1 00:00:00 1970\nnot a header\n\nFrom x Thu Jan  1 00:00:00 1970\nSubject: Reste\nMessage-ID: <reste-{tag}@hopital-demo.mssante.fr>\n\nbody\n");
    let report = import(&as_zip, broken.into_bytes()).await;
    assert_eq!((report.imported, report.broken_count, report.broken[0].0), (1, 1, 1), "{:?}", report.broken);

    // a selection: the messages named that the folder has, and those only
    let first_uids: Vec<u32> = {
        let conf = format!("{}/etc/dovecot/dovecot.conf", operator_state());
        let out = std::process::Command::new("doveadm").args(["-c", &conf, "search", "-u", BENCH, "mailbox", "INBOX", "1:3"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.split_whitespace().nth(1)?.parse().ok()).collect()
    };
    assert_eq!(first_uids.len(), 3);
    let named: Vec<String> = first_uids.iter().map(u32::to_string).chain(["4000000000".to_string()]).collect();
    let chosen = http.get(format!("{base}/boites/export?dossier=INBOX&format=zip&uids={}", named.join(","))).header("cookie", &bench).send().await.unwrap();
    assert_eq!(chosen.headers()["x-nombre-messages"], "3");
    assert!(chosen.headers()["content-disposition"].to_str().unwrap().contains("INBOX-selection.zip"));
    let chosen = zip::ZipArchive::new(std::io::Cursor::new(chosen.bytes().await.unwrap().to_vec())).unwrap();
    assert_eq!(chosen.len(), 3);
    for refused in ["1,x", &vec!["1"; 5001].join(",")] {
        let answer = http.get(format!("{base}/boites/export?dossier=INBOX&format=zip&uids={refused}")).header("cookie", &bench).send().await.unwrap();
        assert_eq!(answer.status(), 400, "uids={}", &refused[..refused.len().min(20)]);
    }

    // an export of a folder the caller does not have is refused
    let other = http.get(format!("{base}/boites/export?dossier=Shared/secretariat-cardio@hopital-demo.mssante.fr&format=mbox")).header("cookie", &lucie).send().await.unwrap();
    assert_eq!(other.status(), 404);

    // traced with their counts, on the mailbox concerned
    let session = crate::common::session_for(LUCIE_RPPS).await;
    let rows = backend.traces(crate::common::req(&session), String::new(), TraceFilter::default()).await.unwrap().rows;
    assert!(rows.iter().any(|r| r.action == "Import de messages" && r.detail == "import : 1000 message(s) ajouté(s), 0 doublon(s), 0 illisible(s)"), "{rows:#?}");
    assert!(rows.iter().any(|r| r.action == "Export de messages" && r.detail == "export ZIP : 1000 message(s) sur 1000"));
    let session = crate::common::session_for(BENCH_RPPS).await;
    let rows = backend.traces(crate::common::req(&session), String::new(), TraceFilter::default()).await.unwrap().rows;
    assert!(rows.iter().any(|r| r.action == "Export de messages" && r.detail == "export mbox : 1000 message(s) sur 1000"));
}

/// The page follows an export as the browser downloads it (messages done out of the total) and
/// may stop it: the download then ends as failed, never as a file that looks whole; only the user
/// who started it can follow or stop it.
#[tokio::test]
async fn an_export_is_followed_and_can_be_cancelled() {
    use app::archive::{ExportProgress, ExportState};
    let (base, backend, db) = serve().await;
    let bench = session_cookie(&db, BENCH_RPPS).await;
    let lucie = session_cookie(&db, LUCIE_RPPS).await;
    let http = reqwest::Client::new();
    let ask = async |cookie: &str, function: &str, id: &str| {
        http.post(format!("{base}/api/boites/export/{function}")).header("cookie", cookie).header("content-type", "application/json")
            .body(serde_json::json!({ "id": id }).to_string()).send().await.unwrap()
    };
    let progress = async |function: &str, id: &str| -> ExportProgress { ask(&bench, function, id).await.json().await.unwrap() };

    // followed to its end
    let id = format!("export-suivi-{}", rand::random::<u32>());
    let whole = http.get(format!("{base}/boites/export?dossier=INBOX&format=zip&suivi={id}")).header("cookie", &bench).send().await.unwrap();
    assert_eq!(whole.status(), 200);
    let running = progress("suivi", &id).await;
    assert_eq!((running.total, running.state), (1000, ExportState::Running));
    whole.bytes().await.unwrap();
    let mut ended = progress("suivi", &id).await;
    for _ in 0..50 {
        if ended.state != ExportState::Running {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        ended = progress("suivi", &id).await;
    }
    assert_eq!(ended, ExportProgress { done: 1000, total: 1000, state: ExportState::Finished });

    // stopped midway: 60 messages of 1 MB (more than the connection holds while the browser has
    // not read them), the cancel button pressed after the first bytes
    let folder = format!("Export-annule-{}", rand::random::<u32>());
    dovecot(&["doveadm", "mailbox", "create", "-u", LUCIE, &folder]);
    let big: String = (0..60).map(|n| format!("From x Thu Jan  1 00:00:00 1970\nSubject: Gros {n}\nMessage-ID: <gros-{n}-{folder}@hopital-demo.mssante.fr>\n\n{}\n", "ligne d'imagerie\n".repeat(60_000))).collect();
    let added = http.post(format!("{base}/boites/import?dossier={folder}")).header("cookie", &lucie).body(big).send().await.unwrap();
    assert_eq!(added.json::<Report>().await.unwrap().imported, 60);
    let id = format!("export-annule-{}", rand::random::<u32>());
    let mut slow = http.get(format!("{base}/boites/export?dossier={folder}&format=mbox&suivi={id}")).header("cookie", &lucie).send().await.unwrap();
    let mut received = slow.chunk().await.unwrap().unwrap().len();
    // another user knows the id: they can neither see nor stop it
    assert_eq!(ask(&bench, "suivi", &id).await.status(), 404);
    assert_eq!(ask(&bench, "annuler", &id).await.status(), 404);
    let cancelled: ExportProgress = ask(&lucie, "annuler", &id).await.json().await.unwrap();
    assert!(cancelled.done < 60 && cancelled.total == 60, "{cancelled:?}");
    let mut failed = false;
    loop {
        match slow.chunk().await {
            Ok(Some(bytes)) => received += bytes.len(),
            Ok(None) => break,
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    assert!(failed, "the download ends as failed after {received} bytes");
    assert!(received < 60 * 990_000, "{received} bytes");
    let after: ExportProgress = ask(&lucie, "suivi", &id).await.json().await.unwrap();
    assert_eq!(after.state, ExportState::Cancelled);
    assert!(after.done < 60, "{after:?}");
    assert_eq!(ask(&lucie, "suivi", "../../etc").await.status(), 400);

    let session = crate::common::session_for(LUCIE_RPPS).await;
    let rows = backend.traces(crate::common::req(&session), String::new(), TraceFilter::default()).await.unwrap().rows;
    assert!(rows.iter().any(|r| r.action == "Export de messages" && r.detail.starts_with("export mbox annulé : ")), "{rows:#?}");
}
