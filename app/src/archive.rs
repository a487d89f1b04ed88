//! Moving in and out: the progress of an export the settings page follows while the browser
//! downloads it, and its cancellation. The page names the export it starts with an id of its
//! own; the server knows that id only for the user who started it.

use crate::error::WebmailError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportState {
    Running,
    Finished,
    Failed,
    Cancelled,
}

/// Where an export is: messages written to the download, out of how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportProgress {
    pub done: usize,
    pub total: usize,
    pub state: ExportState,
}

impl ExportProgress {
    /// What the page says of it, in French.
    pub fn describe(&self) -> String {
        match self.state {
            ExportState::Running => format!("{} message(s) exporté(s) sur {}", self.done, self.total),
            ExportState::Finished => format!("Export terminé : {} message(s) dans le fichier téléchargé.", self.done),
            ExportState::Failed => format!(
                "L'export s'est interrompu après {} message(s) sur {} : le fichier téléchargé est incomplet, ne le gardez pas et relancez l'export.",
                self.done, self.total
            ),
            ExportState::Cancelled => format!("Export annulé après {} message(s) sur {} : le fichier téléchargé est incomplet, supprimez-le.", self.done, self.total),
        }
    }
}

/// What an import did: the server's answer, summed over the files the page sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub imported: usize,
    pub duplicates: usize,
    /// Broken messages: their position in the archive (1-based) and why (the first ones only).
    pub broken: Vec<(usize, String)>,
    pub broken_count: usize,
}

impl ImportReport {
    pub fn describe(&self) -> String {
        let mut text = format!("{} message(s) ajouté(s), {} doublon(s) ignoré(s)", self.imported, self.duplicates);
        if self.broken_count > 0 {
            let positions: Vec<String> = self.broken.iter().take(10).map(|(n, _)| format!("n° {n}")).collect();
            text.push_str(&format!(", {} message(s) illisible(s) non importé(s) ({}{})", self.broken_count, positions.join(", "), if self.broken_count > 10 { "…" } else { "" }));
        }
        text.push('.');
        text
    }
}

/// The id a page gives an export it follows: 16 to 64 letters, digits or dashes.
pub fn valid_export_id(id: &str) -> bool {
    (16..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// How far the caller's export `id` has gone.
#[server(endpoint = "boites/export/suivi", input = leptos::server_fn::codec::Json)]
pub async fn follow_export(id: String) -> Result<ExportProgress, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.export_progress(request, id).await
}

/// Stop the caller's export `id`: the download ends as failed (never a file that looks whole).
#[server(endpoint = "boites/export/annuler", input = leptos::server_fn::codec::Json)]
pub async fn cancel_export(id: String) -> Result<ExportProgress, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.cancel_export(request, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_ids_are_bounded_and_plain() {
        assert!(valid_export_id("k3j4h5g6f7d8s9a0-1"));
        assert!(!valid_export_id("court"));
        assert!(!valid_export_id(&"a".repeat(65)));
        assert!(!valid_export_id("../../etc/passwd-xxxxxxxx"));
        assert!(!valid_export_id("abcdefghijklmnop\u{e9}"));
    }
}
