//! Marks shared by the lists and the message view: a patient writing from Mon Espace Santé
//! (ECO.3.1.1: icon and words, never colour alone) and the health documents a message carries.

use crate::patient::PatientSender;
use crate::reading::XdmDocument;
use leptos::prelude::*;

/// « Patient · Mon espace santé », then the patient's name and INS (ECO.3.1.2).
#[component]
pub fn PatientMark(patient: PatientSender) -> impl IntoView {
    view! {
        <span class="marque-patient" data-testid="patient">
            <svg class="icone" aria-hidden="true" viewBox="0 0 24 24" width="16" height="16">
                <circle cx="12" cy="7.5" r="3.8" fill="none" stroke="currentColor" stroke-width="1.8"/>
                <path d="M4.5 20.5c.8-4.2 3.8-6.5 7.5-6.5s6.7 2.3 7.5 6.5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>
            </svg>
            <span class="etiquette">"Patient · Mon espace santé"</span>
        </span>
        <span class="patient-identite">{patient.label()}</span>
    }
}

/// The documents of an IHE XDM message, by type.
#[component]
pub fn DocumentMark(label: String) -> impl IntoView {
    view! {
        <span class="marque-document" data-testid="document">
            <svg class="icone" aria-hidden="true" viewBox="0 0 24 24" width="16" height="16">
                <path d="M6 3h8l4 4v14H6z M14 3v4h4 M9 12h6 M9 16h6" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/>
            </svg>
            {label}
        </span>
    }
}

/// Documents listed in a row: at most this many, then « et N autres ».
const ROW_DOCUMENTS: usize = 3;

/// In a list row, what the IHE XDM metadata says of each document (ECO.3.1.3): title, then type,
/// date, patient and author where known; the X-MSS-CODECDA types when there is no metadata.
#[component]
pub fn RowDocuments(documents: Vec<XdmDocument>, label: Option<String>) -> impl IntoView {
    if documents.is_empty() {
        return label.map(|label| view! { <DocumentMark label/> }).into_any();
    }
    let more = documents.len().saturating_sub(ROW_DOCUMENTS);
    view! {
        <span class="documents-ligne" data-testid="documents-ligne">
            {documents.into_iter().take(ROW_DOCUMENTS).map(|d| {
                let details = [d.kind.as_str(), d.created.as_str(), d.patient.as_str(), d.author.as_str()]
                    .into_iter().filter(|t| !t.is_empty() && *t != d.title).collect::<Vec<_>>().join(" · ");
                view! {
                    <DocumentMark label=d.title.clone()/>
                    {(!details.is_empty()).then(|| view! { <span class="document-details">{details}</span> })}
                }
            }).collect_view()}
            {(more > 0).then(|| view! { <span class="document-details">{format!("et {more} autre(s) document(s)")}</span> })}
        </span>
    }
    .into_any()
}
