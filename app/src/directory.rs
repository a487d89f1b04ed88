//! The Annuaire santé as the pages see it: correspondents suggested while a recipient is typed,
//! the multi-criteria search of `/annuaire`, and who a message's correspondents are.

use crate::error::WebmailError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What is typed before suggestions are asked for, and the most that is read of it.
pub const MIN_QUERY_CHARS: usize = 2;
pub const MAX_QUERY_CHARS: usize = 100;
/// Suggestions shown under a recipient field.
pub const SUGGESTIONS: usize = 8;
/// Rows of a page of `/annuaire`.
pub const PAGE_ROWS: u32 = 20;

/// The kind of MSSanté mailbox (the extraction's « Type de BAL »).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BalKind {
    /// PER: one professional's.
    Personal,
    /// ORG: a team's or a service's.
    Organisational,
    /// APP: a software's.
    Applicative,
}

impl BalKind {
    pub fn code(self) -> &'static str {
        match self {
            BalKind::Personal => "PER",
            BalKind::Organisational => "ORG",
            BalKind::Applicative => "APP",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_uppercase().as_str() {
            "PER" | "CAB" => Some(BalKind::Personal),
            "ORG" => Some(BalKind::Organisational),
            "APP" => Some(BalKind::Applicative),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BalKind::Personal => "BAL nominative",
            BalKind::Organisational => "BAL organisationnelle",
            BalKind::Applicative => "BAL applicative",
        }
    }
}

/// One mailbox of the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correspondent {
    pub address: String,
    pub kind: BalKind,
    /// « Dr Claire DUBOIS »; for a team's mailbox, its service (or structure).
    pub name: String,
    /// « RPPS 10100000017 », « ADELI … », or nothing (organisational mailboxes).
    pub identifier: String,
    pub profession: String,
    /// The « libellé savoir-faire » (specialty).
    pub specialty: String,
    /// Raison sociale (or trade name) of the structure, and the service within it.
    pub organisation: String,
    pub service: String,
    pub town: String,
    pub postcode: String,
}

impl Correspondent {
    /// « Médecin · Cardiologie et maladies vasculaires — CH DE DEMONSTRATION, Cardiologie — 75013 PARIS »
    pub fn about(&self) -> String {
        let join = |parts: &[&str], sep: &str| parts.iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(sep);
        let job = join(&[&self.profession, &self.specialty], " · ");
        let structure = join(&[&self.organisation, &self.service], ", ");
        let place = join(&[&self.postcode, &self.town], " ");
        join(&[&job, &structure, &place], " — ")
    }
}

/// The criteria of the `/annuaire` page; empty ones are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryCriteria {
    pub name: String,
    /// RPPS or ADELI number (or its beginning).
    pub identifier: String,
    pub profession: String,
    pub specialty: String,
    /// A town, a postcode or a département number.
    pub place: String,
    /// Raison sociale, trade name or service.
    pub organisation: String,
    pub kind: Option<BalKind>,
    /// 0-based.
    pub page: u32,
}

impl DirectoryCriteria {
    pub fn is_empty(&self) -> bool {
        [&self.name, &self.identifier, &self.profession, &self.specialty, &self.place, &self.organisation]
            .iter()
            .all(|c| c.trim().is_empty())
            && self.kind.is_none()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryPage {
    pub entries: Vec<Correspondent>,
    /// Matches in all (counted up to a bound: `complete` says whether it was reached).
    pub total: u32,
    pub complete: bool,
    pub page: u32,
    pub pages: u32,
    /// The professions the directory knows, for the page's selector.
    pub professions: Vec<String>,
}

impl DirectoryPage {
    /// Page `asked` (0-based, kept within range) of `matching`, every match found.
    pub fn paged(matching: Vec<Correspondent>, asked: u32, complete: bool, professions: Vec<String>) -> Self {
        let total = matching.len() as u32;
        let pages = total.div_ceil(PAGE_ROWS).max(1);
        let page = asked.min(pages - 1);
        let entries = matching.into_iter().skip((page * PAGE_ROWS) as usize).take(PAGE_ROWS as usize).collect();
        Self { entries, total, complete, page, pages, professions }
    }
}

/// What the directory says of one address of a message (sender or recipient).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressNote {
    pub address: String,
    /// Who it is (profession, structure), when the directory has it.
    pub about: Option<String>,
    /// On a trust-space domain, yet absent from the directory.
    pub absent: bool,
}

/// Directory entries whose name, number, profession, specialty, structure or place begin with
/// every word typed (accents and case ignored); recently used correspondents first.
#[server(endpoint = "suggestions", input = leptos::server_fn::codec::Json)]
pub async fn suggest_correspondents(query: String) -> Result<Vec<Correspondent>, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.suggest_correspondents(request, query).await
}

/// A page of the directory matching every criterion.
#[server(endpoint = "recherche-annuaire", input = leptos::server_fn::codec::Json)]
pub async fn search_directory(criteria: DirectoryCriteria) -> Result<DirectoryPage, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.search_directory(request, criteria).await
}
