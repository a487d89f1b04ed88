//! Organisational mailboxes for the signed-in user: which ones they may open (NAMESPACE shared
//! prefix + MYRIGHTS), their members and rights (GETACL/SETACL/DELETEACL, enforced by the
//! operator), and the access traces every action through the webmail on one of them leaves.

use crate::directory::Directory;
use crate::error::Error;
use crate::psc::{ProfessionalId, unix_now};
use crate::session::{self, SignedInUser};
use crate::traces::{Trace, TraceStore};
use crate::webmail::Backend;
use crate::rights;
use app::format;
use app::organisation::{MailboxEntry, Member, Professional, Rights, TraceFilter, TraceReport, TraceRow, action_label};
use tower_sessions::Session;

pub struct Organisation {
    pub traces: TraceStore,
    pub directory: Directory,
}

pub use app::organisation::{SHARED_PREFIX, mailbox_of};

fn inbox_of(mailbox: &str) -> String {
    format!("{SHARED_PREFIX}{mailbox}")
}

/// The browser a request came from, for the traces.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
    /// What this request traced already: a server render may run a page's data loading more
    /// than once (each pass of a Suspense builds its children again); the user acted once.
    pub traced: Option<TracedInRequest>,
}

/// Provided per request (Leptos context); see [`Client::traced`].
#[derive(Debug, Clone, Default)]
pub struct TracedInRequest(std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>);

impl TracedInRequest {
    /// True the first time this action is seen in the request.
    fn first(&self, key: String) -> bool {
        self.0.lock().unwrap().insert(key)
    }
}

impl Client {
    pub fn from_request(headers: &http::HeaderMap, extensions: &http::Extensions) -> Self {
        let ip = extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "inconnue".into());
        let user_agent = headers.get(http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        Client { ip, user_agent: user_agent.chars().take(300).collect(), traced: None }
    }

    /// In a server function or a server render: the request Leptos is answering. Call it before
    /// any await (Leptos' context is certain on a future's first poll only).
    pub fn current() -> Self {
        let client = leptos::prelude::use_context::<http::request::Parts>()
            .map(|parts| Self::from_request(&parts.headers, &parts.extensions))
            .unwrap_or_else(|| Client { ip: "inconnue".into(), ..Client::default() });
        Client { traced: leptos::prelude::use_context::<TracedInRequest>(), ..client }
    }
}

/// How a traced action ended, in French.
pub fn outcome<T>(result: &Result<T, Error>) -> String {
    match result {
        Ok(_) => "réussi".into(),
        Err(Error::OperatorRefused(_) | Error::FolderNotFound) => "refusé par l'opérateur".into(),
        Err(Error::MessageNotFound(_)) => "message introuvable".into(),
        Err(Error::InvalidInput(_)) => "refusé (saisie invalide)".into(),
        Err(_) => "échec technique".into(),
    }
}

fn refused(text: &str) -> Error {
    Error::InvalidInput(text.into())
}

impl Backend {
    /// Record `action` on the organisational mailbox `folder` belongs to (nothing for the user's
    /// own folders). A trace that cannot be stored is logged loudly; the action has happened.
    pub async fn trace<T>(&self, session: &Session, folder: &str, action: &str, detail: String, result: &Result<T, Error>, client: &Client) {
        let Some(mailbox) = mailbox_of(folder) else { return };
        let Ok(user) = session::require_user(session).await else { return };
        self.trace_for(&user, mailbox, action, detail, outcome(result), client).await
    }

    pub async fn trace_for(&self, user: &SignedInUser, mailbox: &str, action: &str, detail: String, outcome: String, client: &Client) {
        if let Some(traced) = &client.traced {
            if !traced.first(format!("{mailbox}\0{action}\0{detail}\0{outcome}")) {
                return;
            }
        }
        let trace = Trace {
            mailbox: mailbox.to_string(),
            at: unix_now(),
            subject: user.subject.clone(),
            professional_id: user.subject_name_id.clone(),
            name: format!("{} {}", user.given_name, user.family_name).trim().to_string(),
            member: user.mailbox.clone(),
            action: action.to_string(),
            detail,
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            outcome,
        };
        if let Err(e) = self.organisation.traces.record(&trace).await {
            tracing::error!("access trace NOT recorded ({action} on {mailbox}): {e}");
        }
    }

    /// The user's rights on an organisational mailbox, as the operator reports them.
    pub async fn rights_on(&self, session: &Session, mailbox: &str) -> Result<Rights, Error> {
        let inbox = inbox_of(mailbox);
        let letters = self.with_imap(session, async |imap, _| imap.my_rights(&inbox).await).await;
        match letters {
            Ok(letters) => Ok(rights::from_letters(&letters)),
            Err(Error::OperatorRefused(_) | Error::FolderNotFound) => Ok(Rights::default()),
            Err(e) => Err(e),
        }
    }

    pub async fn mailboxes(&self, session: &Session) -> Result<Vec<MailboxEntry>, Error> {
        let folders = self.with_imap(session, async |imap, _| imap.folders().await).await?;
        let user = session::require_user(session).await?;
        let mut entries = Vec::new();
        for folder in folders.iter().filter(|f| f.role == app::api::FolderRole::Inbox) {
            let (address, organisational) = match mailbox_of(&folder.name) {
                Some(address) => (address.to_string(), true),
                None => (user.mailbox.clone(), false),
            };
            let rights = if organisational { self.rights_on(session, &address).await? } else { Rights::from_array([true; 5]) };
            entries.push(MailboxEntry { address, organisational, inbox: folder.name.clone(), unseen: folder.unseen, rights });
        }
        Ok(entries)
    }

    async fn require_admin(&self, session: &Session, mailbox: &str) -> Result<SignedInUser, Error> {
        if !self.rights_on(session, mailbox).await?.administer {
            return Err(refused("Seuls les administrateurs de cette boîte organisationnelle peuvent gérer ses membres."));
        }
        session::require_user(session).await
    }

    pub async fn members_of(&self, session: &Session, mailbox: &str) -> Result<Vec<Member>, Error> {
        self.require_admin(session, mailbox).await?;
        let inbox = inbox_of(mailbox);
        let acl = self.with_imap(session, async |imap, _| imap.acl(&inbox).await).await?;
        let mut members: Vec<Member> = acl
            .into_iter()
            .filter_map(|(identifier, letters)| {
                let address = identifier.strip_prefix("user=").unwrap_or(&identifier).to_string();
                address.contains('@').then(|| Member {
                    name: self.organisation.directory.name_of(&address).unwrap_or_default(),
                    rights: rights::from_letters(&letters),
                    address,
                })
            })
            .collect();
        members.sort_by(|a, b| a.name.cmp(&b.name).then(a.address.cmp(&b.address)));
        Ok(members)
    }

    /// Set `member`'s rights on every folder of the organisational mailbox; none at all revokes.
    /// The member's pooled connections and push streams are closed, so the change applies at once.
    pub async fn change_rights(&self, session: &Session, mailbox: &str, member: &str, rights: Rights, client: &Client) -> Result<(), Error> {
        let user = self.require_admin(session, mailbox).await?;
        let member = member.trim().to_lowercase();
        member.parse::<lettre::Address>().map_err(|_| refused("Adresse du membre invalide."))?;
        if member == mailbox.to_lowercase() {
            return Err(refused("La boîte elle-même n'est pas un membre."));
        }
        if member == user.mailbox.to_lowercase() && !rights.administer {
            return Err(refused("Vous ne pouvez pas retirer votre propre droit d'administration : demandez-le à un autre administrateur."));
        }
        let letters = rights::to_letters(&rights);
        let result = self
            .with_imap(session, async |imap, _| {
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
        self.trace_for(&user, mailbox, "droits", detail, outcome(&result), client).await;
        result?;
        self.imap.forget(&member).await;
        Ok(())
    }

    pub async fn search_directory(&self, session: &Session, query: &str) -> Result<Vec<Professional>, Error> {
        session::require_user(session).await?;
        Ok(self.organisation.directory.search(query))
    }

    /// The traces of an organisational mailbox: everyone's for its administrators, their own for
    /// other members, nothing for anyone else.
    pub async fn trace_report(&self, session: &Session, mailbox: &str, filter: &TraceFilter) -> Result<TraceReport, Error> {
        let user = session::require_user(session).await?;
        let rights = self.rights_on(session, mailbox).await?;
        if !rights.read && !rights.administer {
            return Err(refused("Vous n'avez pas accès à cette boîte organisationnelle."));
        }
        let everyone = rights.administer;
        let member = if everyone { filter.member.trim().to_string() } else { user.mailbox.clone() };
        let day = |text: &str, field: &str| -> Result<Option<i64>, Error> {
            if text.trim().is_empty() {
                return Ok(None);
            }
            format::paris_day_start(text)
                .map(Some)
                .ok_or_else(|| refused(&format!("La date « {text} » ({field}) n'est pas valide : utilisez le format AAAA-MM-JJ.")))
        };
        let since = day(&filter.since, "du")?.unwrap_or(0);
        let until = day(&filter.until, "au")?.map(|d| d + 86_400).unwrap_or(i64::MAX);
        let stored = self.organisation.traces.list(mailbox, Some(&member), Some(filter.action.trim()), since, until).await?;
        let mut per_member: Vec<(String, u32)> = Vec::new();
        for s in &stored {
            let who = if s.trace.name.is_empty() { s.trace.member.clone() } else { s.trace.name.clone() };
            match per_member.iter_mut().find(|(m, _)| *m == who) {
                Some((_, n)) => *n += 1,
                None => per_member.push((who, 1)),
            }
        }
        per_member.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let members = if everyone {
            let mut all: Vec<String> = self.members_of(session, mailbox).await?.into_iter().map(|m| m.address).collect();
            all.sort();
            all
        } else {
            vec![user.mailbox.clone()]
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
            })
            .collect();
        Ok(TraceReport { mailbox: mailbox.to_string(), everyone, rows, per_member, members, integrity: self.organisation.traces.verify().await? })
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
