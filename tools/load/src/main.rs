//! The scale-out load run (scripts/bench-load.sh drives it): simulated professionals, each signed
//! in through the PSC stand-in as a browser is, then every ~10 s one step of a visit — a page of
//! the inbox, a message opened, a search —, and one visit in 20 ends with a message sent to
//! another of them. The requests are the server functions the hydrated pages call, with the
//! headers a browser sends. Prints, per operation, the count, the errors and p50/p99; the errors
//! by phase when faults are injected (an instance killed, PostgreSQL restarted); a sample of each
//! error's answer (the French message the user reads).
//!
//! Goose's own options set the run (`--host`, `--users`, `--hatch-rate`, `--run-time`); the rest
//! comes from the environment:
//!   LOAD_ACCOUNTS   accounts charge.0001… (operator/load_accounts.py); user i is account i
//!   LOAD_MESSAGES   messages seeded in each INBOX (uids 1..=N are opened)
//!   FAULT_AT_S / FAULT_CMD / FAULT_NAME (and FAULT2_…)   a shell command run once, that many
//!     seconds after the last user signed in, and its name in the report (the script's instance
//!     kill and PostgreSQL restart)
use goose::prelude::*;
use rand::Rng;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const DOMAIN: &str = "hopital-demo.mssante.fr";
/// Seconds after a fault during which its errors are counted as its own.
const FAULT_WINDOW_S: u64 = 30;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Errors as users saw them: when (seconds since the first request), and the first answer's text
/// of each kind (operation, status; 0: no answer).
#[derive(Default)]
struct Errors {
    seen: Vec<u64>,
    samples: BTreeMap<(&'static str, u16), String>,
}

fn errors() -> &'static Mutex<Errors> {
    static ERRORS: OnceLock<Mutex<Errors>> = OnceLock::new();
    ERRORS.get_or_init(Default::default)
}

fn started() -> Instant {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}

/// When the last user signed in (the faults are timed from then).
fn all_in() -> &'static OnceLock<Instant> {
    static ALL_IN: OnceLock<Instant> = OnceLock::new();
    &ALL_IN
}

fn account_of(user: &GooseUser) -> u64 {
    user.weighted_users_index as u64 % env_number("LOAD_ACCOUNTS", 1000) + 1
}

fn mailbox(account: u64) -> String {
    format!("charge.{account:04}@{DOMAIN}")
}

/// Sign in as a browser does: the webmail sends to PSC, the e-CPS form is filled, PSC sends back.
async fn sign_in(user: &mut GooseUser) -> TransactionResult {
    started();
    let account = account_of(user);
    let rpps = format!("199{account:08}");
    let login = user.get_named("/auth/login", "connexion : PSC").await?;
    let form_url = match &login.response {
        Ok(response) if response.status().is_success() => format!("{}/login", response.url()),
        _ => return Err(Box::new(TransactionError::RequestFailed { raw_request: Box::new(login.request) })),
    };
    let submit = user.client.post(&form_url).form(&[("rpps", rpps.as_str())]);
    let request = GooseRequest::builder().method(GooseMethod::Post).path("/interaction/login").name("connexion : e-CPS").set_request_builder(submit).build();
    let mut back = user.request(request).await?;
    let home = user.base_url.as_str().trim_end_matches('/').to_string();
    let landed = back.response.as_ref().map(|r| r.url().as_str().starts_with(&home) && !r.url().path().starts_with("/auth/")).unwrap_or(false);
    if !landed {
        return user.set_failure("not back at the webmail after PSC", &mut back.request, None, None);
    }
    if user.weighted_users_index + 1 >= std::env::var("LOAD_USERS").ok().and_then(|v| v.parse().ok()).unwrap_or(usize::MAX) {
        all_in().get_or_init(Instant::now);
    }
    Ok(())
}

/// One server function called as the page calls it; a failure is kept with its answer.
async fn call(user: &mut GooseUser, operation: &'static str, function: &str, args: Value) -> Result<Option<String>, Box<TransactionError>> {
    let path = format!("/api/{function}");
    let origin = user.base_url.as_str().trim_end_matches('/').to_string();
    let builder = user.client.post(user.base_url.join(&path).expect("a path"))
        .header("origin", &origin)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body(args.to_string());
    let request = GooseRequest::builder().method(GooseMethod::Post).path(path.as_str()).name(operation).set_request_builder(builder).build();
    let answer = user.request(request).await?;
    match answer.response {
        Ok(response) if response.status().is_success() => Ok(Some(response.text().await.unwrap_or_default())),
        Ok(response) => {
            let status = response.status().as_u16();
            let text = response.text().await.unwrap_or_default();
            record(operation, status, text);
            Ok(None)
        }
        Err(error) => {
            record(operation, 0, error.to_string());
            Ok(None)
        }
    }
}

fn record(operation: &'static str, status: u16, text: String) {
    let at = started().elapsed().as_secs();
    let mut errors = errors().lock().unwrap();
    errors.seen.push(at);
    errors.samples.entry((operation, status)).or_insert_with(|| text.chars().take(300).collect());
}

fn search_args(search: Value) -> Value {
    json!({ "folder": "INBOX", "page": 0, "search": search, "view": "Messages" })
}

fn empty_search() -> Value {
    json!({ "from": "", "to": "", "subject": "", "body": "", "since": "", "until": "", "unread": false, "with_attachment": false })
}

async fn list(user: &mut GooseUser) -> TransactionResult {
    call(user, "liste", "messages", search_args(empty_search())).await?;
    Ok(())
}

async fn open(user: &mut GooseUser) -> TransactionResult {
    let uid = rand::thread_rng().gen_range(1..=env_number("LOAD_MESSAGES", 30));
    call(user, "ouverture", "message", json!({ "folder": "INBOX", "uid": uid })).await?;
    Ok(())
}

/// A search on the sender's name, then, one visit in 20, a message to another professional.
async fn search_then_maybe_send(user: &mut GooseUser) -> TransactionResult {
    let name = ["MARTIN", "PETIT", "DURAND", "SIMON", "MOREL"][rand::thread_rng().gen_range(0..5)];
    let mut search = empty_search();
    search["from"] = json!(name);
    call(user, "recherche", "messages", search_args(search)).await?;
    if rand::thread_rng().gen_range(0..20) == 0 {
        send(user).await?;
    }
    Ok(())
}

async fn send(user: &mut GooseUser) -> TransactionResult {
    let from = account_of(user);
    let accounts = env_number("LOAD_ACCOUNTS", 1000);
    let to = rand::thread_rng().gen_range(1..=accounts);
    let Some(compose) = call(user, "envoi : rédaction", "ecrire", json!({ "start": "New" })).await? else { return Ok(()) };
    let Ok(compose) = serde_json::from_str::<Value>(&compose) else { return Ok(()) };
    let draft = json!({
        "id": compose["draft"]["id"], "proof": compose["draft"]["proof"], "from": "",
        "to": [mailbox(to)], "cc": [], "subject": format!("Essai de charge : avis de {}", mailbox(from)),
        "body": "Bonjour,\n\nAvis demandé pour un patient suivi en commun (données fictives).\n\nCordialement",
        "attachments": [], "in_reply_to": null, "references": [], "receipt": false, "close_exchange": false,
    });
    if call(user, "envoi", "envoyer", json!({ "draft": draft })).await?.is_some() {
        SENT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    Ok(())
}

/// Runs the fault commands at their times (seconds after the last user signed in).
fn schedule_faults() -> Vec<(String, u64)> {
    let mut planned = Vec::new();
    for (at, command, name) in [("FAULT_AT_S", "FAULT_CMD", "FAULT_NAME"), ("FAULT2_AT_S", "FAULT2_CMD", "FAULT2_NAME")] {
        if let (Ok(at), Ok(command)) = (std::env::var(at), std::env::var(command)) {
            let at: u64 = at.parse().expect("seconds");
            let name = std::env::var(name).unwrap_or_else(|_| command.clone());
            planned.push((name.clone(), at));
            tokio::spawn(async move {
                while all_in().get().is_none() {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                tokio::time::sleep(Duration::from_secs(at)).await;
                let when = started().elapsed().as_secs();
                let status = tokio::process::Command::new("bash").arg("-c").arg(&command).status().await;
                eprintln!("[{when} s] panne injectée : {name} → {status:?}");
                FAULT_TIMES.lock().unwrap().push((name, when));
            });
        }
    }
    planned
}

/// Messages the webmail accepted, over the whole run (goose's figures start once all are in).
static SENT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

static FAULT_TIMES: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());

fn ms(us: u64) -> String {
    format!("{:.1} ms", us as f64 / 1000.0)
}

fn report(metrics: &GooseMetrics) {
    println!("\nOpérations (après la connexion de tous les utilisateurs) :");
    println!("  {:<22} {:>8} {:>8} {:>10} {:>10} {:>10}", "opération", "requêtes", "erreurs", "p50", "p99", "max");
    let mut names: Vec<&String> = metrics.requests.keys().collect();
    names.sort();
    for name in names {
        let aggregate = &metrics.requests[name];
        let timing = &aggregate.raw_data;
        println!(
            "  {:<22} {:>8} {:>8} {:>10} {:>10} {:>10}",
            name.trim_start_matches("POST ").trim_start_matches("GET "),
            aggregate.success_count + aggregate.fail_count,
            aggregate.fail_count,
            ms(timing.percentile_us(0.50)),
            ms(timing.percentile_us(0.99)),
            ms(timing.maximum_time_us),
        );
    }
    let errors = errors().lock().unwrap();
    let faults = FAULT_TIMES.lock().unwrap();
    println!("\nErreurs vues par les utilisateurs (toute la durée, connexions comprises) : {}", errors.seen.len());
    // an error belongs to the last fault before it, within FAULT_WINDOW_S
    let fault_of = |t: u64| faults.iter().enumerate().filter(|(_, (_, at))| t >= *at && t < at + FAULT_WINDOW_S).map(|(i, _)| i).last();
    for (i, (command, at)) in faults.iter().enumerate() {
        let during = errors.seen.iter().filter(|t| fault_of(**t) == Some(i)).count();
        println!("  après la panne « {command} » (à {at} s, {FAULT_WINDOW_S} s au plus) : {during}");
    }
    let outside = errors.seen.iter().filter(|t| fault_of(**t).is_none()).count();
    println!("  hors de ces fenêtres : {outside}");
    let mut by_second: BTreeMap<u64, usize> = BTreeMap::new();
    for t in &errors.seen {
        *by_second.entry(*t).or_default() += 1;
    }
    if !by_second.is_empty() {
        let spans: Vec<String> = by_second.iter().map(|(t, n)| format!("{t} s : {n}")).collect();
        println!("  par seconde : {}", spans.join(", "));
    }
    println!("Messages acceptés par la messagerie (toute la durée) : {}", SENT.load(std::sync::atomic::Ordering::Relaxed));
    for ((operation, status), text) in errors.samples.iter() {
        println!("  {operation} → {} : {text}", if *status == 0 { "pas de réponse".to_string() } else { format!("HTTP {status}") });
    }
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let planned = schedule_faults();
    if !planned.is_empty() {
        eprintln!("pannes prévues : {planned:?}");
    }
    let wait = (Duration::from_secs(8), Duration::from_secs(12));
    let metrics = GooseAttack::initialize()?
        .register_scenario(
            scenario!("Professionnel")
                .set_wait_time(wait.0, wait.1)?
                .register_transaction(transaction!(sign_in).set_on_start().set_name("connexion"))
                .register_transaction(transaction!(list).set_name("liste"))
                .register_transaction(transaction!(open).set_name("ouverture"))
                .register_transaction(transaction!(search_then_maybe_send).set_name("recherche")),
        )
        .execute()
        .await?;
    report(&metrics);
    Ok(())
}
