//! GET /boites/traces.csv?boite=…[&membre=&action=&du=&au=]: the access traces the caller may
//! read (same checks as the trace page), as CSV for a spreadsheet.

use crate::backend::Backend;
use crate::error::Error;
use app::organisation::{TraceFilter, TraceReport};
use axum::extract::{Query, State};
use axum::http::{header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::sync::Arc;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct ExportQuery {
    boite: String,
    #[serde(default)]
    membre: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    du: String,
    #[serde(default)]
    au: String,
}

/// One CSV cell: quoted, quotes doubled, and a leading = + - @ neutralised so that a
/// spreadsheet never reads a value (a user agent, a subject) as a formula.
fn cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    format!("\"{}\"", value.replace('"', "\"\""))
}

pub fn csv(report: &TraceReport) -> String {
    // BOM + semicolons: what French spreadsheets open directly
    let mut out = String::from("\u{feff}N°;Date (Paris);Membre;Nom;Identifiant;Action;Détail;Demande à l'opérateur;Réponse de l'opérateur;Résultat;Adresse IP;Navigateur\r\n");
    for r in &report.rows {
        let id = r.id.to_string();
        let cells = [&id, &r.at, &r.member, &r.name, &r.identifier, &r.action, &r.detail, &r.request, &r.answer, &r.outcome, &r.ip, &r.user_agent];
        out.push_str(&cells.map(|c| cell(c)).join(";"));
        out.push_str("\r\n");
    }
    out
}

pub async fn traces_csv(State(backend): State<Arc<Backend>>, session: Session, Query(q): Query<ExportQuery>, request: Parts) -> Result<Response, Error> {
    let filter = TraceFilter { member: q.membre, action: q.action, since: q.du, until: q.au };
    let caller = backend.caller_of(session, &request).await?;
    let report = backend.trace_report(&caller, &q.boite, &filter).await?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"traces.csv\""),
        (header::CACHE_CONTROL, "private, no-store"),
    ];
    Ok((headers, csv(&report)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::organisation::{Integrity, TraceRow};

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        let row = TraceRow {
            id: 7,
            at: "22/11/2026 14:05:09".into(),
            member: "julien.moreau@hopital-demo.mssante.fr".into(),
            name: "Julien MOREAU".into(),
            identifier: "RPPS 10100000025".into(),
            action: "Lecture d'un message".into(),
            detail: "UID 4, \"urgent\"".into(),
            ip: "127.0.0.1".into(),
            user_agent: "=HYPERLINK(\"http://x\")".into(),
            outcome: "réussi".into(),
            request: "UID FETCH 4 (BODY.PEEK[])".into(),
            answer: "OK".into(),
        };
        let report = TraceReport { mailbox: "m".into(), personal: false, everyone: true, rows: vec![row], per_member: vec![], members: vec![], integrity: Integrity::Intact { rows: 1 } };
        let text = csv(&report);
        assert!(text.starts_with("\u{feff}N°;Date (Paris);"));
        assert!(text.contains("\"UID 4, \"\"urgent\"\"\""), "{text}");
        assert!(text.contains("\"UID FETCH 4 (BODY.PEEK[])\";\"OK\";\"réussi\""), "{text}");
        assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    }
}
