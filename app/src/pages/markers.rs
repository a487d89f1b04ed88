//! Marks shared by the lists and the message view: a patient writing from Mon Espace Santé
//! (ECO.3.1.1: icon and words, never colour alone) and the health documents a message carries.

use crate::patient::PatientSender;
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
