//! Organisational mailboxes: the mailbox switcher, members and their rights (enforced by the
//! operator through IMAP ACLs), the directory of professionals, and the per-user access traces.

use crate::error::WebmailError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where Dovecot shows other users' mailboxes (the operator's shared namespace prefix).
pub const SHARED_PREFIX: &str = "Shared/";

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
    /// An action code (see [`TRACE_ACTIONS`]).
    pub action: String,
    /// YYYY-MM-DD, inclusive (Paris time).
    pub since: String,
    pub until: String,
}

/// Action codes as stored, and their French names.
pub const TRACE_ACTIONS: [(&str, &str); 9] = [
    ("ouverture", "Ouverture de la boîte"),
    ("liste", "Consultation d'une liste"),
    ("lecture", "Lecture d'un message"),
    ("telechargement", "Téléchargement d'une pièce jointe"),
    ("envoi", "Envoi au nom de la boîte"),
    ("marquage", "Marquage"),
    ("deplacement", "Déplacement"),
    ("suppression", "Suppression"),
    ("droits", "Modification des droits"),
];

pub fn action_label(code: &str) -> &str {
    TRACE_ACTIONS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or(code)
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
}

/// Whether the hash chain of the traces is whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Integrity {
    Intact { rows: u64 },
    /// The first row whose content or predecessor does not match its hash.
    Broken { at_row: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceReport {
    pub mailbox: String,
    /// Whether the caller administers the mailbox (sees every member) or only sees their own.
    pub everyone: bool,
    pub rows: Vec<TraceRow>,
    /// Actions per member over the filtered rows, most active first.
    pub per_member: Vec<(String, u32)>,
    pub members: Vec<String>,
    pub integrity: Integrity,
}

#[server(endpoint = "boites")]
pub async fn my_mailboxes() -> Result<Vec<MailboxEntry>, WebmailError> {
    let (webmail, session) = crate::backend::from_request().await?;
    webmail.my_mailboxes(session).await
}

#[server(endpoint = "membres")]
pub async fn members(mailbox: String) -> Result<Vec<Member>, WebmailError> {
    let (webmail, session) = crate::backend::from_request().await?;
    webmail.members(session, mailbox).await
}

/// Give `member` these rights on the organisational `mailbox` (no right at all: revoke).
#[server(endpoint = "droits", input = leptos::server_fn::codec::Json)]
pub async fn set_rights(mailbox: String, member: String, rights: Rights) -> Result<(), WebmailError> {
    let (webmail, session) = crate::backend::from_request().await?;
    webmail.set_rights(session, mailbox, member, rights).await
}

#[server(endpoint = "annuaire")]
pub async fn find_professionals(query: String) -> Result<Vec<Professional>, WebmailError> {
    let (webmail, session) = crate::backend::from_request().await?;
    webmail.find_professionals(session, query).await
}

#[server(endpoint = "traces", input = leptos::server_fn::codec::Json)]
pub async fn traces(mailbox: String, filter: TraceFilter) -> Result<TraceReport, WebmailError> {
    let (webmail, session) = crate::backend::from_request().await?;
    webmail.traces(session, mailbox, filter).await
}
