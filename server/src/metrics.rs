//! The process's Prometheus series, kept here (below every layer) so that each layer counts its
//! own: HTTP requests (`http/metrics.rs`, which also serves them), IMAP commands and SMTP
//! submissions (`gateway/`), token renewals (`backend/`). A label is a route template, a server
//! function's name, a command's name or an outcome — never a path as asked, a query, an address,
//! a folder or a subject.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::{Histogram, exponential_buckets}};
use prometheus_client::registry::Registry;
use std::sync::LazyLock;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Answered {
    pub route: String,
    pub method: String,
    pub status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Route {
    pub route: String,
    pub method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Command {
    pub command: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    pub outcome: &'static str,
}

type Timed<L> = Family<L, Histogram, fn() -> Histogram>;

pub struct Metrics {
    pub registry: Registry,
    pub requests: Family<Answered, Counter>,
    pub latency: Timed<Route>,
    pub imap_commands: Timed<Command>,
    pub imap_errors: Family<Command, Counter>,
    pub smtp_submissions: Timed<Outcome>,
    pub token_renewals: Family<Outcome, Counter>,
    pub imap_idle: Gauge,
    pub push_streams: Gauge,
}

/// 1 ms … 32 s.
fn buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// One set for the process: every router and backend built in it counts into the same series.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("webmail");
    let requests = Family::<Answered, Counter>::default();
    let latency: Timed<Route> = Family::new_with_constructor(buckets);
    let imap_commands: Timed<Command> = Family::new_with_constructor(buckets);
    let imap_errors = Family::<Command, Counter>::default();
    let smtp_submissions: Timed<Outcome> = Family::new_with_constructor(buckets);
    let token_renewals = Family::<Outcome, Counter>::default();
    let (imap_idle, push_streams) = (Gauge::default(), Gauge::default());
    registry.register("http_requests", "Requests answered, per route, method and status class", requests.clone());
    registry.register("http_request_duration_seconds", "Time to the response's head, per route and method", latency.clone());
    registry.register("imap_command_duration_seconds", "IMAP commands the operator answered, per command", imap_commands.clone());
    registry.register("imap_command_errors", "IMAP commands refused by the operator or cut off with the connection, per command", imap_errors.clone());
    registry.register("smtp_submission_duration_seconds", "Messages handed to the operator's submission server, per outcome", smtp_submissions.clone());
    registry.register("token_renewals", "PSC token renewals, per outcome", token_renewals.clone());
    registry.register("imap_idle_connections", "IMAP connections kept in the pool between requests", imap_idle.clone());
    registry.register("push_streams", "Folders watched for push (one IMAP IDLE each)", push_streams.clone());
    Metrics { registry, requests, latency, imap_commands, imap_errors, smtp_submissions, token_renewals, imap_idle, push_streams }
});

fn outcome(ok: bool) -> &'static str {
    if ok { "ok" } else { "echec" }
}

/// An IMAP command the operator answered (its name as the code writes it: « UID FETCH »,
/// « LIST (STATUS) »…) took `seconds`.
pub fn imap_command(command: &str, seconds: f64) {
    METRICS.imap_commands.get_or_create(&Command { command: command.to_string() }).observe(seconds);
}

/// An IMAP command failed: refused (NO, BAD) or its connection lost. `request` is the command as
/// the code wrote it; only its name is kept (« UID FETCH 1:50 (FLAGS) » → « UID FETCH »), never
/// its arguments (a folder, a search).
pub fn imap_command_failed(request: &str) {
    METRICS.imap_errors.get_or_create(&Command { command: command_name(request).to_string() }).inc();
}

/// The IMAP command's name: its first word, two when the first is UID.
fn command_name(request: &str) -> &str {
    let mut words = request.split_whitespace();
    let first = words.next().unwrap_or("");
    match (first, words.next()) {
        ("UID", Some(second)) => &request[..request.find(second).unwrap_or(0) + second.len()],
        _ => first,
    }
}

pub fn smtp_submission(ok: bool, seconds: f64) {
    METRICS.smtp_submissions.get_or_create(&Outcome { outcome: outcome(ok) }).observe(seconds);
}

pub fn token_renewal(ok: bool) {
    METRICS.token_renewals.get_or_create(&Outcome { outcome: outcome(ok) }).inc();
}

#[cfg(test)]
mod tests {
    use super::command_name;

    #[test]
    fn a_failed_command_is_named_without_its_arguments() {
        assert_eq!(command_name("UID FETCH 1:50 (FLAGS)"), "UID FETCH");
        assert_eq!(command_name("UID MOVE 3,4 (corbeille)"), "UID MOVE");
        assert_eq!(command_name("SELECT"), "SELECT");
        assert_eq!(command_name("APPEND (1200 octets)"), "APPEND");
        assert_eq!(command_name("FETCH 1:20 (en-têtes)"), "FETCH");
        assert_eq!(command_name(""), "");
    }
}
