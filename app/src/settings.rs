//! What the user sets once and the operator applies to every message that arrives: an automatic
//! reply, forwarding, filters (kept at the operator in one Sieve script the webmail owns, applied
//! on delivery even when no one is signed in), and the signature the webmail adds to what they
//! write.

use crate::error::WebmailError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Bounds on what one user may set (each refused with its reason beyond).
pub const MAX_FILTERS: usize = 50;
pub const MAX_SUBJECT: usize = 200;
pub const MAX_REPLY_TEXT: usize = 4000;
pub const MAX_CONTAINS: usize = 200;
pub const MAX_SIGNATURE: usize = 2000;
/// An automatic reply goes to one sender once in this many days at most (Pigeonhole's bounds).
pub const REPLY_DAYS: std::ops::RangeInclusive<u32> = 1..=30;

/// The automatic reply (« Réponse automatique »).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vacation {
    pub enabled: bool,
    /// First and last day (YYYY-MM-DD, Paris time); empty: from now, until turned off.
    pub from: String,
    pub until: String,
    pub subject: String,
    pub text: String,
    /// One reply per sender in this many days.
    pub days: u32,
    /// Also answer patients (Mon Espace Santé): off unless ticked.
    pub patients: bool,
}

impl Default for Vacation {
    fn default() -> Self {
        Self { enabled: false, from: String::new(), until: String::new(), subject: "Absence".into(), text: ABSENCE_TEXT.into(), days: 7, patients: false }
    }
}

/// The text proposed for an absence.
pub const ABSENCE_TEXT: &str = "Bonjour,\n\nJe suis absent(e) et ne lis pas mes messages pendant cette période. Pour une demande urgente, adressez-vous au secrétariat.\n\nCordialement";

/// The text proposed when the user moves to another address: `new` is the new one.
pub fn moved_text(new: &str) -> String {
    format!("Bonjour,\n\nCette adresse n'est plus consultée. Ma nouvelle adresse MSSanté est {new} : merci d'y adresser vos messages.\n\nCordialement")
}

/// Forwarding (« Transfert ») to one address of the trust space.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    pub enabled: bool,
    pub to: String,
    /// Keep a copy in this mailbox too.
    pub keep_copy: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterField {
    #[default]
    From,
    To,
    Subject,
}

impl FilterField {
    pub const ALL: [FilterField; 3] = [Self::From, Self::To, Self::Subject];

    pub fn label(self) -> &'static str {
        match self {
            Self::From => "L'expéditeur",
            Self::To => "Les destinataires",
            Self::Subject => "L'objet",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::From => "de",
            Self::To => "a",
            Self::Subject => "objet",
        }
    }

    pub fn from_code(code: &str) -> Self {
        Self::ALL.into_iter().find(|f| f.code() == code).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FilterAction {
    /// File into `Filter::folder` (and stop: later filters do not apply to it).
    #[default]
    Move,
    MarkRead,
    Flag,
}

impl FilterAction {
    pub const ALL: [FilterAction; 3] = [Self::Move, Self::MarkRead, Self::Flag];

    pub fn label(self) -> &'static str {
        match self {
            Self::Move => "Classer dans le dossier",
            Self::MarkRead => "Marquer comme lu",
            Self::Flag => "Marquer d'un drapeau",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Move => "classer",
            Self::MarkRead => "lu",
            Self::Flag => "drapeau",
        }
    }

    pub fn from_code(code: &str) -> Self {
        Self::ALL.into_iter().find(|a| a.code() == code).unwrap_or_default()
    }
}

/// « Si <field> contient <contains>, <action> ».
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub field: FilterField,
    pub contains: String,
    pub action: FilterAction,
    /// For [`FilterAction::Move`]: the folder's IMAP name (one of [`Settings::folders`]).
    pub folder: String,
}

/// Everything the webmail's Sieve script says, in the order it applies: the automatic reply,
/// forwarding, then the filters in their order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    pub vacation: Vacation,
    pub forward: Forward,
    pub filters: Vec<Filter>,
}

/// The settings page's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub rules: Rules,
    pub signature: String,
    /// The script another program (another mail client) had made active: it still applies, after
    /// the webmail's rules, and is never changed.
    pub other_script: Option<String>,
    /// The webmail's script was changed by another program since the webmail wrote it: saving
    /// here replaces those changes, which the user must confirm.
    pub edited_elsewhere: bool,
    /// The folders a filter may file into: IMAP name and label.
    pub folders: Vec<(String, String)>,
    /// The organisational mailboxes the user administers: their signature and automatic reply.
    pub teams: Vec<TeamSettings>,
}

/// What the administrators of an organisational mailbox set for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSettings {
    pub mailbox: String,
    /// Put in the messages members write from the mailbox.
    pub signature: String,
    /// Its automatic reply; `None` when its operator does not let the webmail act for the
    /// mailbox on its rules.
    pub vacation: Option<Vacation>,
    /// The mailbox's webmail script was changed by another program since it was written here.
    pub edited_elsewhere: bool,
}

/// The user's settings.
#[server(endpoint = "parametres", input = leptos::server_fn::codec::Json)]
pub async fn load_settings() -> Result<Settings, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.settings(request).await
}

/// Save the signature of an organisational mailbox the user administers.
#[server(endpoint = "parametres/signature-boite", input = leptos::server_fn::codec::Json)]
pub async fn save_team_signature(mailbox: String, signature: String) -> Result<(), WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.save_team_signature(request, mailbox, signature).await
}

/// Save the automatic reply of an organisational mailbox the user administers (its other rules
/// are kept). `replace_edited` as for [`save_settings`].
#[server(endpoint = "parametres/reponse-boite", input = leptos::server_fn::codec::Json)]
pub async fn save_team_vacation(mailbox: String, vacation: Vacation, replace_edited: bool) -> Result<(), WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.save_team_vacation(request, mailbox, vacation, replace_edited).await
}

/// Save the rules and the signature. `replace_edited`: the user confirmed replacing changes
/// another program made to the webmail's script.
#[server(endpoint = "parametres/enregistrer", input = leptos::server_fn::codec::Json)]
pub async fn save_settings(rules: Rules, signature: String, replace_edited: bool) -> Result<(), WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.save_settings(request, rules, signature, replace_edited).await
}
