//! The access traces (ECO.4.1.1, 4.1.2): every action through the webmail on any mailbox — the
//! user's own and the organisational ones — leaves one row saying who, when, what, from where,
//! what was asked of the operator, what it answered, and how it ended.

use super::{Backend, Caller};
use crate::clock::unix_now;
use crate::error::Error;
use crate::gateway::Exchange;
use crate::store::traces::Trace;
use app::organisation::{TraceAction, canonical_address, mailbox_of, shared_inbox};

/// How a traced action ended, in French.
pub fn outcome<T>(result: &Result<T, Error>) -> &'static str {
    match result {
        Ok(_) => "réussi",
        Err(e) => e.outcome(),
    }
}

impl Backend {
    /// Record `action` on the mailbox `folder` belongs to: the caller's own, or an organisational
    /// one under its canonical address when the caller is one of its members or was one (a refused
    /// attempt of a former member is kept; nobody else can write rows for a mailbox that does not
    /// exist, with a user agent of their choosing).
    pub async fn trace_in_folder<T>(&self, caller: &Caller, folder: &str, action: TraceAction, detail: String, result: &Result<T, Error>) {
        let mailbox = match mailbox_of(folder).map(canonical_address) {
            Some(organisational) => {
                if result.is_err() && !self.is_member_or_was(caller, &organisational).await {
                    return;
                }
                organisational
            }
            None => caller.identity.mailbox.clone(),
        };
        self.trace(caller, &mailbox, action, detail, outcome(result)).await
    }

    async fn is_member_or_was(&self, caller: &Caller, mailbox: &str) -> bool {
        let inbox = shared_inbox(mailbox);
        let listed = self.with_imap(caller, async |imap| imap.is_listed(&inbox).await).await.unwrap_or(false);
        listed || self.traces.has_member(mailbox, &caller.identity.mailbox).await.unwrap_or(false)
    }

    /// Record `action` on `mailbox`, once per request. A trace that cannot be stored is logged
    /// loudly; the action has happened.
    pub(super) async fn trace(&self, caller: &Caller, mailbox: &str, action: TraceAction, detail: String, outcome: &str) {
        let mailbox = &canonical_address(mailbox);
        if !caller.client.first(format!("{mailbox}\0{}\0{detail}\0{outcome}", action.code())) {
            return;
        }
        let exchanges = caller.client.take_exchanges();
        let joined = |part: fn(&Exchange) -> &str| exchanges.iter().map(part).collect::<Vec<_>>().join(" ; ");
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
            request: joined(|e| &e.request),
            answer: joined(|e| &e.answer),
        };
        if let Err(e) = self.traces.record(&trace).await {
            tracing::error!("access trace NOT recorded ({} on {mailbox}): {e}", action.code());
        }
    }
}
