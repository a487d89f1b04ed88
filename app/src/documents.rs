//! Health documents (CDA R2) carried in an IHE XDM archive, as the document page shows them: the
//! CDA header, and the level-3 narrative as a typed tree (no HTML travels: the page builds its
//! own elements, so nothing of the sender's markup can run).

use crate::error::WebmailError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthDocument {
    pub title: String,
    /// The document type (`code/@displayName`, or its LOINC code).
    pub kind: String,
    /// When it was written (`effectiveTime`), in French.
    pub date: String,
    /// Name, birth date and INS of the patient (`recordTarget`).
    pub patient: String,
    pub author: String,
    /// The organisation keeping the original (`custodian`).
    pub custodian: String,
    /// Where its PDF version opens (embedded in the CDA, or its twin in the archive): shown first.
    pub pdf: Option<String>,
    pub sections: Vec<Section>,
    /// Why some or all of it cannot be shown, in French.
    pub notice: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
    pub subsections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    Paragraph(Vec<Span>),
    List { ordered: bool, items: Vec<Vec<Span>> },
    Table { caption: String, head: Vec<Vec<String>>, rows: Vec<Vec<String>> },
}

/// A run of text with the emphasis the narrative gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
    /// A line break (`<br/>`) after it.
    pub br: bool,
}

#[server(endpoint = "document", input = leptos::server_fn::codec::Json)]
pub async fn read_document(folder: String, uid: u32, index: usize, path: String) -> Result<HealthDocument, WebmailError> {
    let (webmail, request) = crate::backend::from_request().await?;
    webmail.read_document(request, folder, uid, index, path).await
}
