//! Organisational mailboxes for the caller: which ones they may open (shared namespace +
//! MYRIGHTS), their members and rights (GETACL/SETACL/DELETEACL, enforced by the operator), and
//! the reports of their access traces (recorded by `audit.rs`).

use super::audit::outcome;
use super::{Backend, Caller};
use crate::error::Error;
use crate::identity::ProfessionalId;
use crate::mail::rights;
use app::format;
use app::organisation::{
    MailboxEntry, Member, Rights, TraceAction, TraceFilter, TraceReport, TraceRow, action_label, canonical_address, mailbox_of,
    shared_inbox,
};
use app::reading::FolderRole;

fn forbidden(text: &str) -> Error {
    Error::Forbidden(text.into())
}

fn bad_input(text: &str) -> Error {
    Error::BadInput(text.into())
}

impl Backend {
    /// The user's rights on an organisational mailbox, as the operator reports them.
    /// Asked only about a mailbox the caller sees: MYRIGHTS on an unknown one is refused, and
    /// has even brought down the operator's IMAP process.
    pub(super) async fn rights_on(&self, caller: &Caller, mailbox: &str) -> Result<Rights, Error> {
        let inbox = shared_inbox(&canonical_address(mailbox));
        match self.with_imap(caller, async |imap| imap.is_listed(&inbox).await).await {
            Ok(true) => self.listed_rights(caller, &inbox).await,
            Ok(false) | Err(Error::OperatorRefused(_) | Error::FolderNotFound) => Ok(Rights::default()),
            Err(e) => Err(e),
        }
    }

    /// The caller's rights on an organisational inbox the operator has just listed to them.
    async fn listed_rights(&self, caller: &Caller, inbox: &str) -> Result<Rights, Error> {
        match self.with_imap(caller, async |imap| imap.my_rights(inbox).await).await {
            Ok(letters) => Ok(rights::from_letters(&letters)),
            Err(Error::OperatorRefused(_) | Error::FolderNotFound) => Ok(Rights::default()),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn mailboxes(&self, caller: &Caller) -> Result<Vec<MailboxEntry>, Error> {
        let folders = self.folders(caller).await?;
        self.mailboxes_in(caller, &folders).await
    }

    /// The caller's mailboxes among their `folders` (listed by the server for this request).
    pub(super) async fn mailboxes_in(&self, caller: &Caller, folders: &[app::reading::Folder]) -> Result<Vec<MailboxEntry>, Error> {
        let mut entries = Vec::new();
        for folder in folders.iter().filter(|f| f.role == FolderRole::Inbox) {
            let (address, organisational) = match mailbox_of(&folder.name) {
                Some(address) => (address.to_string(), true),
                None => (caller.identity.mailbox.clone(), false),
            };
            // listed just now: no second LIST per mailbox on every page
            let rights = if organisational { self.listed_rights(caller, &folder.name).await? } else { Rights::from_array([true; 5]) };
            entries.push(MailboxEntry { address, organisational, inbox: folder.name.clone(), unseen: folder.unseen, rights });
        }
        Ok(entries)
    }

    /// Refused unless the caller administers `mailbox` (asked of the operator); `what` is the
    /// action refused, in the French text (« gérer ses membres »).
    pub(super) async fn require_admin(&self, caller: &Caller, mailbox: &str, what: &str) -> Result<(), Error> {
        if !self.rights_on(caller, mailbox).await?.administer {
            return Err(forbidden(&format!("Seuls les administrateurs de cette boîte organisationnelle peuvent {what}.")));
        }
        Ok(())
    }

    pub(super) async fn members_of(&self, caller: &Caller, mailbox: &str) -> Result<Vec<Member>, Error> {
        self.require_admin(caller, mailbox, "gérer ses membres").await?;
        let inbox = shared_inbox(mailbox);
        let acl = self.with_imap(caller, async |imap| imap.acl(&inbox).await).await?;
        let mut members: Vec<Member> = acl
            .into_iter()
            .filter_map(|(identifier, letters)| {
                let address = identifier.strip_prefix("user=").unwrap_or(&identifier).to_string();
                address.contains('@').then(|| Member { name: String::new(), rights: rights::from_letters(&letters), address })
            })
            .collect();
        let addresses: Vec<String> = members.iter().map(|m| m.address.clone()).collect();
        let known = self.directory.find(&addresses).await.unwrap_or_default();
        for member in &mut members {
            if let Some(found) = known.iter().find(|c| c.address.eq_ignore_ascii_case(&member.address)) {
                member.name.clone_from(&found.name);
            }
        }
        members.sort_by(|a, b| a.name.cmp(&b.name).then(a.address.cmp(&b.address)));
        Ok(members)
    }

    /// Set `member`'s rights on every folder of the organisational mailbox; none at all revokes.
    /// The member's pooled connections and push streams are closed, so the change applies at once.
    pub(super) async fn change_rights(&self, caller: &Caller, mailbox: &str, member: &str, rights: Rights) -> Result<(), Error> {
        self.require_admin(caller, mailbox, "gérer ses membres").await?;
        let member = member.trim().to_lowercase();
        member.parse::<lettre::Address>().map_err(|_| bad_input("Adresse du membre invalide."))?;
        if member == mailbox.to_lowercase() {
            return Err(bad_input("La boîte elle-même n'est pas un membre."));
        }
        if member == caller.identity.mailbox.to_lowercase() && !rights.administer {
            return Err(bad_input("Vous ne pouvez pas retirer votre propre droit d'administration : demandez-le à un autre administrateur."));
        }
        let letters = rights::to_letters(&rights);
        let result = self
            .with_imap(caller, async |imap| {
                for folder in imap.organisational_folders(mailbox).await? {
                    imap.set_acl(&folder, &member, &letters).await?;
                }
                Ok(())
            })
            .await;
        let detail = if rights.none() {
            format!("{member} : accès retiré")
        } else {
            let sets: Vec<&str> = Rights::LABELS.iter().zip(rights.as_array()).filter(|(_, h)| *h).map(|(l, _)| *l).collect();
            format!("{member} : {}", sets.join(", "))
        };
        self.trace(caller, mailbox, TraceAction::Rights, detail, outcome(&result)).await;
        result?;
        self.signals.forget_everywhere(&member).await;
        Ok(())
    }

    /// The traces of a mailbox: of an organisational one, everyone's for its administrators, their
    /// own for other members, nothing for anyone else; of the caller's own (`mailbox` empty or
    /// theirs, « Mon activité »), theirs.
    pub async fn trace_report(&self, caller: &Caller, mailbox: &str, filter: &TraceFilter) -> Result<TraceReport, Error> {
        let own = canonical_address(&caller.identity.mailbox);
        let personal = mailbox.trim().is_empty() || canonical_address(mailbox) == own;
        let mailbox = &if personal { own } else { canonical_address(mailbox) };
        let everyone = if personal {
            false
        } else {
            let rights = self.rights_on(caller, mailbox).await?;
            if !rights.read && !rights.administer {
                return Err(forbidden("Vous n'avez pas accès à cette boîte organisationnelle."));
            }
            rights.administer
        };
        let member = if everyone { canonical_address(&filter.member) } else { caller.identity.mailbox.clone() };
        let day = |text: &str, field: &str| -> Result<Option<i64>, Error> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            format::paris_day_start(text)
                .map(Some)
                .ok_or_else(|| bad_input(&format!("La date « {text} » ({field}) n'est pas valide : utilisez le format AAAA-MM-JJ.")))
        };
        let since = day(&filter.since, "du")?.unwrap_or(0);
        let until = day(&filter.until, "au")?.map(|d| d + 86_400).unwrap_or(i64::MAX);
        let stored = self.traces.list(mailbox, Some(&member), Some(filter.action.trim()), since, until).await?;
        let mut per_member: Vec<(String, u32)> = Vec::new();
        for s in &stored {
            // the user's own activity is counted by action; a shared mailbox's, by member
            let who = match (personal, s.trace.name.is_empty()) {
                (true, _) => action_label(&s.trace.action).to_string(),
                (false, true) => s.trace.member.clone(),
                (false, false) => s.trace.name.clone(),
            };
            match per_member.iter_mut().find(|(m, _)| *m == who) {
                Some((_, n)) => *n += 1,
                None => per_member.push((who, 1)),
            }
        }
        per_member.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let members = if everyone {
            let mut all: Vec<String> = self.members_of(caller, mailbox).await?.into_iter().map(|m| m.address).collect();
            all.sort();
            all
        } else {
            vec![caller.identity.mailbox.clone()]
        };
        let rows = stored
            .into_iter()
            .map(|s| TraceRow {
                id: s.id,
                at: format::timestamp(s.trace.at),
                member: s.trace.member,
                name: s.trace.name,
                identifier: ProfessionalId::from_subject_name_id(&s.trace.professional_id).label(),
                action: action_label(&s.trace.action).to_string(),
                detail: s.trace.detail,
                ip: s.trace.ip,
                user_agent: s.trace.user_agent,
                outcome: s.trace.outcome,
                request: s.trace.request,
                answer: s.trace.answer,
            })
            .collect();
        Ok(TraceReport { mailbox: mailbox.to_string(), personal, everyone, rows, per_member, members, integrity: self.traces.verify().await? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisational_folders_are_recognised() {
        assert_eq!(mailbox_of("Shared/secretariat-cardio@hopital-demo.mssante.fr"), Some("secretariat-cardio@hopital-demo.mssante.fr"));
        assert_eq!(mailbox_of("Shared/secretariat-cardio@hopital-demo.mssante.fr/Archives"), Some("secretariat-cardio@hopital-demo.mssante.fr"));
        assert_eq!(mailbox_of("INBOX"), None);
        assert_eq!(mailbox_of("Sent"), None);
    }
}
