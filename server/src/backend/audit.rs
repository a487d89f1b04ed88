//! The access traces: every action through the webmail on an organisational mailbox leaves one row
//! saying who, when, what, from where and how it ended.

use super::{Backend, Caller};
use crate::clock::unix_now;
use crate::error::Error;
use crate::store::traces::Trace;
use app::organisation::{TraceAction, mailbox_of};

/// How a traced action ended, in French.
pub fn outcome<T>(result: &Result<T, Error>) -> &'static str {
    match result {
        Ok(_) => "réussi",
        Err(e) => e.outcome(),
    }
}

impl Backend {
    /// Record `action` on the organisational mailbox `folder` belongs to (nothing for the
    /// caller's own folders).
    pub async fn trace_in_folder<T>(&self, caller: &Caller, folder: &str, action: TraceAction, detail: String, result: &Result<T, Error>) {
        if let Some(mailbox) = mailbox_of(folder) {
            self.trace(caller, mailbox, action, detail, outcome(result)).await
        }
    }

    /// Record `action` on `mailbox`, once per request. A trace that cannot be stored is logged
    /// loudly; the action has happened.
    pub(super) async fn trace(&self, caller: &Caller, mailbox: &str, action: TraceAction, detail: String, outcome: &str) {
        if !caller.client.first(format!("{mailbox}\0{}\0{detail}\0{outcome}", action.code())) {
            return;
        }
        let trace = Trace {
            mailbox: mailbox.to_string(),
            at: unix_now(),
            subject: caller.identity.subject.clone(),
            professional_id: caller.identity.subject_name_id.clone(),
            name: caller.identity.display_name(),
            member: caller.identity.mailbox.clone(),
            action: action.code().to_string(),
            detail,
            ip: caller.client.ip.clone(),
            user_agent: caller.client.user_agent.clone(),
            outcome: outcome.to_string(),
        };
        if let Err(e) = self.traces.record(&trace).await {
            tracing::error!("access trace NOT recorded ({} on {mailbox}): {e}", action.code());
        }
    }
}
