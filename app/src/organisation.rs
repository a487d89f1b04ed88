//! Organisational mailboxes: the mailbox switcher, members and their rights (enforced by the
//! operator through IMAP ACLs), the directory of professionals, and the per-user access traces.

use crate::error::WebmailError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where Dovecot shows other users' mailboxes (the operator's shared namespace prefix).
pub const SHARED_PREFIX: &str = "Shared/";

/// The IMAP name of an organisational mailbox's inbox.
pub fn shared_inbox(address: &str) -> String {
    format!("{SHARED_PREFIX}{address}")
}

/// Whether an IMAP folder name lies in the shared namespace (another mailbox's folder).
pub fn is_shared(folder: &str) -> bool {
    folder.starts_with(SHARED_PREFIX)
}

/// An address as traces record and compare it: trimmed and in lower case (the operator serves
/// `Shared/SECRETARIAT@…` and `Shared/secretariat@…` alike).
pub fn canonical_address(address: &str) -> String {
    address.trim().to_lowercase()
}

/// The organisational mailbox a folder belongs to ("Shared/<address>[/…]"), if it is one.
pub fn mailbox_of(folder: &str) -> Option<&str> {
    folder.strip_prefix(SHARED_PREFIX).map(|rest| rest.split('/').next().unwrap_or(rest)).filter(|a| a.contains('@'))
}

/// What a member may do in an organisational mailbox, as readable sets (each one a set of
/// RFC 4314 rights, see `server/src/rights.rs`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rights {
    /// Lire : see the mailbox and read its messages.
    pub read: bool,
    /// Marquer : read/unread, follow-up flags.
    pub mark: bool,
    /// Classer et supprimer : file into folders, delete.
    pub organise: bool,
    /// Envoyer au nom de la boîte.
    pub send_as: bool,
    /// Administrer : manage members and their rights, read everyone's traces.
    pub administer: bool,
}

impl Rights {
    pub fn none(&self) -> bool {
        *self == Rights::default()
    }

    /// The sets, in French, in the order the pages show them.
    pub const LABELS: [&'static str; 5] = ["Lire", "Marquer", "Classer et supprimer", "Envoyer au nom de la boîte", "Administrer"];

    pub fn as_array(&self) -> [bool; 5] {
        [self.read, self.mark, self.organise, self.send_as, self.administer]
    }

    pub fn from_array(a: [bool; 5]) -> Self {
        Rights { read: a[0], mark: a[1], organise: a[2], send_as: a[3], administer: a[4] }
    }
}

/// A mailbox the user can open: their own, or an organisational one they hold rights on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxEntry {
    pub address: String,
    pub organisational: bool,
    /// IMAP name of its inbox ("INBOX", or "Shared/<address>").
    pub inbox: String,
    pub unseen: u32,
    pub rights: Rights,
}

/// A member of an organisational mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub address: String,
    /// From the directory; empty when the address is not in it.
    pub name: String,
    pub rights: Rights,
}

/// A professional found in the directory (Annuaire santé extraction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Professional {
    pub address: String,
    pub name: String,
    /// "RPPS 10100000017" (or ADELI).
    pub identifier: String,
    pub profession: String,
}

/// Which traces to show; empty fields mean all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceFilter {
    /// The member's address.
    pub member: String,
    /// An action code (see [`TraceAction::code`]).
    pub action: String,
    /// YYYY-MM-DD, inclusive (Paris time).
    pub since: String,
    pub until: String,
}

/// What a member did in an organisational mailbox, as the access traces record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TraceAction {
    Open,
    List,
    Read,
    Download,
    Send,
    Mark,
    Move,
    Delete,
    Rights,
    Settings,
    Export,
    Import,
}

impl TraceAction {
    pub const ALL: [TraceAction; 12] = [
        Self::Open,
        Self::List,
        Self::Read,
        Self::Download,
        Self::Send,
        Self::Mark,
        Self::Move,
        Self::Delete,
        Self::Rights,
        Self::Settings,
        Self::Export,
        Self::Import,
    ];

    /// The code stored in the trace (and used in filters): never changes once written.
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "ouverture",
            Self::List => "liste",
            Self::Read => "lecture",
            Self::Download => "telechargement",
            Self::Send => "envoi",
            Self::Mark => "marquage",
            Self::Move => "deplacement",
            Self::Delete => "suppression",
            Self::Rights => "droits",
            Self::Settings => "parametres",
            Self::Export => "export",
            Self::Import => "import",
        }
    }

    /// Its French name, as pages and exports show it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Ouverture de la boîte",
            Self::List => "Consultation d'une liste",
            Self::Read => "Lecture d'un message",
            Self::Download => "Téléchargement d'une pièce jointe",
            Self::Send => "Envoi d'un message",
            Self::Mark => "Marquage",
            Self::Move => "Déplacement",
            Self::Delete => "Suppression",
            Self::Rights => "Modification des droits",
            Self::Settings => "Modification des règles",
            Self::Export => "Export de messages",
            Self::Import => "Import de messages",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// The French name of a stored action code (the code itself if unknown).
pub fn action_label(code: &str) -> &str {
    match TraceAction::from_code(code) {
        Some(action) => action.label(),
        None => code,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceRow {
    pub id: i64,
    /// Paris time, in French.
    pub at: String,
    pub member: String,
    pub name: String,
    /// "RPPS …".
    pub identifier: String,
    pub action: String,
    pub detail: String,
    pub ip: String,
    pub user_agent: String,
    /// "réussi" or why it failed.
    pub outcome: String,
    /// What was asked of the operator, and what it answered ("" for rows written before).
    pub request: String,
    pub answer: String,
}

/// Whether the hash chain of the traces is whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Integrity {
    Intact { rows: u64 },
    /// The first row whose content or predecessor does not match its hash.
    Broken { at_row: i64 },
    /// The row the last signed checkpoint names is gone, with every row after it: the newest
    /// traces (or all of them) were removed. `signed_at`: Paris time of that checkpoint.
    Truncated { signed_row: i64, newest_row: i64, signed_at: String },
    /// The last checkpoint's signature is not the webmail's: it was written by someone else.
    CheckpointForged { signed_at: String },
}

impl Integrity {
    pub fn is_intact(&self) -> bool {
        matches!(self, Self::Intact { .. })
    }

    /// What the verification found, in French.
    pub fn message(&self) -> String {
        match self {
            Self::Intact { rows } => format!("Intégrité vérifiée : la chaîne de {rows} trace(s) est intacte."),
            Self::Broken { at_row } => {
                format!("Alerte : la trace n° {at_row} a été modifiée ou une trace a été supprimée. Prévenez le responsable de la boîte.")
            }
            Self::Truncated { signed_row, newest_row, signed_at } => format!(
                "Alerte : des traces ont été supprimées. Le point de contrôle signé le {signed_at} atteste la trace n° {signed_row}, \
                 mais la plus récente encore présente est la n° {newest_row}. Prévenez le responsable de la boîte."
            ),
            Self::CheckpointForged { signed_at } => format!(
                "Alerte : le point de contrôle daté du {signed_at} ne porte pas la signature de la messagerie : les traces ont pu être modifiées. \
                 Prévenez le responsable de la boîte."
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceReport {
    pub mailbox: String,
    /// The caller's own mailbox (« Mon activité »), not an organisational one.
    pub personal: bool,
    /// Whether the caller administers the mailbox (sees every member) or only sees their own.
    pub everyone: bool,
    pub rows: Vec<TraceRow>,
    /// Actions per member over the filtered rows, most active first (per action on « Mon activité »).
    pub per_member: Vec<(String, u32)>,
    pub members: Vec<String>,
    pub integrity: Integrity,
}

#[server(endpoint = "boites", input = leptos::server_fn::codec::Json, output = crate::wire::Binary)]
pub async fn my_mailboxes() -> Result<Vec<MailboxEntry>, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    // the folder list the page asks for anyway: one LIST for both in a page rendered on the server
    let folders = crate::reading::folders_once(webmail.clone(), request.clone()).await?;
    request.memo.clone().once("boites".into(), async move { webmail.my_mailboxes(request, folders).await }).await
}

#[server(endpoint = "membres", input = leptos::server_fn::codec::Json)]
pub async fn members(mailbox: String) -> Result<Vec<Member>, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.members(request, mailbox).await
}

/// Give `member` these rights on the organisational `mailbox` (no right at all: revoke).
#[server(endpoint = "droits", input = leptos::server_fn::codec::Json)]
pub async fn set_rights(mailbox: String, member: String, rights: Rights) -> Result<(), WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.set_rights(request, mailbox, member, rights).await
}

#[server(endpoint = "annuaire", input = leptos::server_fn::codec::Json)]
pub async fn find_professionals(query: String) -> Result<Vec<Professional>, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.find_professionals(request, query).await
}

#[server(endpoint = "traces", input = leptos::server_fn::codec::Json)]
pub async fn traces(mailbox: String, filter: TraceFilter) -> Result<TraceReport, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.traces(request, mailbox, filter).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_actions_keep_their_stored_codes() {
        let codes: Vec<&str> = TraceAction::ALL.iter().map(|a| a.code()).collect();
        assert_eq!(codes, ["ouverture", "liste", "lecture", "telechargement", "envoi", "marquage", "deplacement", "suppression", "droits", "parametres", "export", "import"]);
        assert!(TraceAction::ALL.iter().all(|a| TraceAction::from_code(a.code()) == Some(*a)));
        assert_eq!(action_label("lecture"), "Lecture d'un message");
        assert_eq!(action_label("inconnue"), "inconnue");
        assert_eq!(mailbox_of(&shared_inbox("secretariat@h.fr")), Some("secretariat@h.fr"));
        assert!(is_shared("Shared/secretariat@h.fr/Archives") && !is_shared("INBOX"));
    }
}
