//! The compose page: recipients as chips checked against the trust space as they are typed,
//! attachments uploaded with a progress bar, the draft saved by itself (to the Drafts folder, and
//! in this tab while the server cannot be reached), and send.

use crate::format;
use super::early_input;
use super::frame::{PageProblem, Problem};
use crate::sending::{
    Compose, ComposeStart, Draft, Upload, discard_draft, is_patient, send_message, start_compose,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::params::ParamsMap;
use state::{DraftState, Saving, kept};

mod recipients;
mod state;

use recipients::RecipientField;

fn start_of(query: &ParamsMap) -> ComposeStart {
    let folder = query.get("dossier").filter(|f| !f.is_empty()).unwrap_or_else(|| "INBOX".into());
    let uid = |key: &str| query.get(key).and_then(|v| v.parse::<u32>().ok());
    if let Some(uid) = uid("repondre") {
        ComposeStart::Reply { folder, uid, all: query.get("tous").is_some() }
    } else if let Some(uid) = uid("transferer") {
        ComposeStart::Forward { folder, uid }
    } else if let Some(uid) = uid("brouillon") {
        ComposeStart::Draft { folder, uid }
    } else if let Some(address) = query.get("a").filter(|a| !a.is_empty()) {
        ComposeStart::To(address)
    } else if let Some(folder) = query.get("dossier").filter(|f| !f.is_empty()) {
        ComposeStart::NewIn(folder)
    } else {
        ComposeStart::New
    }
}

#[component]
pub fn ComposePage() -> impl IntoView {
    let query = use_query_map();
    let start = Resource::new(move || start_of(&query.read()), start_compose);
    view! {
        <Title text="Nouveau message"/>
        <noscript><p class="alerte">"L'écriture des messages nécessite JavaScript."</p></noscript>
        <Suspense fallback=|| view! { <p class="chargement">"Préparation du message…"</p> }>
            {move || Suspend::new(async move {
                match start.await {
                    Ok(compose) => view! { <ComposeForm compose/> }.into_any(),
                    Err(error) => view! { <PageProblem title="Écriture impossible" error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ComposeForm(compose: Compose) -> impl IntoView {
    let Compose { draft, from, senders, signatures, max_attachment_bytes, max_patient_attachment_bytes } = compose;
    let state = DraftState::new(draft, from.clone());
    let DraftState { id, to, cc, bcc, subject, body, attachments, receipt, close_exchange, .. } = state;
    let current = Memo::new(move |_| state.draft());
    let restore = move |d: Draft| state.restore(d);

    let added = state::recipient_checks(state, current);
    let saving = Saving::start(current);
    let Saving { save, leaving, restorable } = saving;
    // typed in the page as served, before it was interactive: kept, and saved as
    // the draft's (after the autosave watches it)
    let early: Vec<(RwSignal<String>, String)> =
        [("objet", subject), ("corps", body)].into_iter().filter_map(|(name, field)| Some((field, early_input::typed(name)?))).collect();
    if !early.is_empty() {
        Effect::new(move |_| early.iter().for_each(|(field, typed)| field.set(typed.clone())));
    }
    let send = Action::new(|d: &Draft| send_message(d.clone()));

    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(sent)) = send.value().get() {
            kept::clear();
            navigate(if sent.copied_to_sent { "/?envoye=1" } else { "/?envoye=2" }, Default::default());
        }
    });
    let discard = Action::new(|(id, proof): &(String, String)| discard_draft(id.clone(), proof.clone()));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = discard.value().get() {
            kept::clear();
            navigate("/", Default::default());
        }
    });

    // a reply starts with the cursor in the text, above the quoted message
    let text = NodeRef::<leptos::html::Textarea>::new();
    let replying = matches!(start_of(&use_query_map().read_untracked()), ComposeStart::Reply { .. });
    let shown = super::page_styles::page_shown();
    Effect::new(move |_| {
        if let (true, true, Some(text)) = (replying, shown.get(), text.get()) {
            // once it is in the document and shown (a detached or hidden field takes no focus)
            set_timeout(
                move || {
                    let _ = text.focus();
                    let _ = text.set_selection_range(0, 0);
                },
                std::time::Duration::ZERO,
            );
        }
    });

    let refused = move || state.has_refused();
    let uploading = RwSignal::new(Vec::<(u32, String, u32)>::new());
    let has_patient = move || current.with(|d| d.recipients().any(|r| is_patient(r)));
    let patient_refusal = move || current.with(Draft::patient_refusal);
    let mixed = move || current.with(|d| d.recipients().filter(|r| is_patient(r)).count() == 1 && d.recipients().count() > 1);
    let on_send = move |_| {
        leaving.set(true);
        send.dispatch(current.get_untracked());
    };
    Effect::new(move |_| {
        // a failed send leaves the page editable and saving again
        if matches!(send.value().get(), Some(Err(_))) {
            leaving.set(false);
        }
    });

    view! {
        <section class="redaction" aria-labelledby="titre-redaction">
            <h1 id="titre-redaction">{move || if subject.with(String::is_empty) { "Nouveau message".to_string() } else { subject.get() }}</h1>
            <RestoreBanner restorable restore=Callback::new(restore)/>
            <SenderChoice state senders signatures from/>
            <RecipientField label="À" name="a" list=to added confirmed=state.patient_confirmed/>
            <RecipientField label="Cc" name="cc" list=cc added confirmed=state.patient_confirmed/>
            <RecipientField label="Cci" name="cci" list=bcc added confirmed=state.patient_confirmed/>
            <label class="champ">
                <span class="libelle">"Objet"</span>
                <input type="text" name="objet" maxlength="250" prop:value=subject on:input=move |ev| subject.set(event_target_value(&ev))/>
            </label>
            <label class="champ corps-redaction">
                <span class="visuellement-cache">"Message"</span>
                <textarea name="corps" rows="14" node_ref=text prop:value=body on:input=move |ev| body.set(event_target_value(&ev))></textarea>
            </label>
            <Attachments attachments uploading
                max_bytes=Signal::derive(move || if has_patient() { max_patient_attachment_bytes } else { max_attachment_bytes })/>
            <ComposeOptions receipt delivery_receipt=state.delivery_receipt close_exchange has_patient=Signal::derive(has_patient)/>
            {move || send.value().get().and_then(Result::err).map(|error| view! {
                <div class="alerte" role="alert" data-testid="erreur-envoi">
                    <p><strong>"Le message n'a pas été envoyé."</strong></p>
                    <p>{error.to_string()}</p>
                    {error.needs_sign_in().then(|| view! { <a href="/auth/login" rel="external">"Se reconnecter avec Pro Santé Connect"</a> })}
                </div>
            })}
            {move || refused().then(|| view! {
                <p class="alerte" role="alert">"Retirez ou corrigez les destinataires refusés pour pouvoir envoyer."</p>
            })}
            {move || (has_patient() && subject.with(|s| crate::patient::ends_exchange(s))).then(|| view! {
                <p class="bandeau-info" data-testid="objet-fin">
                    "Objet « [FIN] » : ce message clôt l'échange ; le patient ne pourra plus vous écrire sur Mon espace santé."
                </p>
            })}
            {move || mixed().then(|| view! {
                <label class="confirmation-mixte" data-testid="confirmation-mixte">
                    <input type="checkbox" prop:checked=state.mixed_confirmed on:change=move |ev| state.mixed_confirmed.set(event_target_checked(&ev))/>
                    " Ce message part à un patient et à des professionnels : le patient verra leurs adresses. Je confirme."
                </label>
            })}
            {move || (!refused()).then(patient_refusal).flatten().map(|why| view! {
                <p class="alerte" role="status" data-testid="regle-patient">{why}</p>
            })}
            <div class="actions-redaction">
                <button type="button" class="principal" on:click=on_send
                    disabled=move || send.pending().get() || refused() || patient_refusal().is_some() || !uploading.with(Vec::is_empty)>
                    {move || if send.pending().get() { "Envoi…" } else { "Envoyer" }}
                </button>
                <button type="button" class="secondaire" on:click=move |_| { save.dispatch(current.get_untracked()); }>"Enregistrer le brouillon"</button>
                <button type="button" class="secondaire supprimer" on:click=move |_| { leaving.set(true); discard.dispatch((id.get_untracked(), state.proof())); }>"Supprimer le brouillon"</button>
                {move || saving.status().map(|(class, text)| view! { <span class=class role="status" data-testid="etat-brouillon">{text}</span> })}
                // the session ended (inactivity): the draft is in this tab, offered back once signed in again
                {move || saving.save.value().get().and_then(Result::err).filter(|e| e.needs_sign_in()).map(|_| view! {
                    <a href="/auth/login" rel="external" data-testid="reconnexion">"Se reconnecter avec Pro Santé Connect"</a>
                })}
            </div>
            {move || discard.value().get().and_then(Result::err).map(|error| view! { <Problem error/> })}
        </section>
    }
}

/// An unsaved draft found in this tab (connection lost, page closed), offered back.
#[component]
fn RestoreBanner(restorable: RwSignal<Option<Draft>>, restore: Callback<Draft>) -> impl IntoView {
    move || {
        restorable.get().map(|kept| {
            let kept_again = kept.clone();
            let subject = if kept.subject.is_empty() { "sans objet".to_string() } else { kept.subject };
            view! {
                <div class="bandeau-info" role="status" data-testid="reprise">
                    <p>{format!("Un brouillon non enregistré a été retrouvé dans cet onglet (« {subject} »).")}</p>
                    <button type="button" on:click=move |_| { restore.run(kept_again.clone()); restorable.set(None); }>"Reprendre ce brouillon"</button>
                    <button type="button" class="secondaire" on:click=move |_| { kept::clear(); restorable.set(None); }>"Ignorer"</button>
                </div>
            }
        })
    }
}

/// "De": the user's own mailbox, or an organisational one they may send as; changing it changes
/// the signature in the text (`signatures`: one per sender).
#[component]
fn SenderChoice(state: DraftState, senders: Vec<String>, signatures: Vec<String>, from: String) -> impl IntoView {
    let sender = state.sender;
    let signature_of = {
        let by_sender: Vec<(String, String)> = senders.iter().cloned().zip(signatures).collect();
        move |address: &str| by_sender.iter().find(|(s, _)| s == address).map(|(_, sig)| sig.clone()).unwrap_or_default()
    };
    let choose = move |chosen: String| {
        let (old, new) = (signature_of(&sender.get_untracked()), signature_of(&chosen));
        if let Some(body) = state.body.with_untracked(|body| crate::sending::swap_signature(body, &old, &new)) {
            state.body.set(body);
        }
        sender.set(chosen);
    };
    if senders.len() > 1 {
        view! {
            <label class="champ">
                <span class="libelle">"De"</span>
                <select name="de" on:change=move |ev| choose(event_target_value(&ev))>
                    {senders.into_iter().map(|address| {
                        let selected = address == sender.get_untracked();
                        let label = if state.is_own(&address) { address.clone() } else { format!("{address} (boîte organisationnelle, en votre nom)") };
                        view! { <option value=address.clone() selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
        }
        .into_any()
    } else {
        view! { <p class="expediteur-redaction"><span class="libelle">"De : "</span>{from}</p> }.into_any()
    }
}

/// Read receipt, and closing the exchange when a patient is among the recipients.
#[component]
fn ComposeOptions(receipt: RwSignal<bool>, delivery_receipt: RwSignal<bool>, close_exchange: RwSignal<bool>, has_patient: Signal<bool>) -> impl IntoView {
    view! {
        <fieldset class="options">
            <legend class="visuellement-cache">"Options"</legend>
            <label><input type="checkbox" prop:checked=receipt on:change=move |ev| receipt.set(event_target_checked(&ev))/>" Demander un accusé de lecture"</label>
            <label><input type="checkbox" name="remise" prop:checked=delivery_receipt on:change=move |ev| delivery_receipt.set(event_target_checked(&ev))/>" Demander un accusé de remise"</label>
            <Show when=move || has_patient.get()>
                <label class="cloture">
                    <input type="checkbox" name="cloture" prop:checked=close_exchange on:change=move |ev| close_exchange.set(event_target_checked(&ev))/>
                    " Clôturer l'échange : le patient ne pourra pas répondre à ce message (Mon espace santé)"
                </label>
            </Show>
        </fieldset>
    }
}

/// The draft's files: add (uploaded at once, with a progress bar), list with sizes, remove.
#[component]
fn Attachments(attachments: RwSignal<Vec<Upload>>, uploading: RwSignal<Vec<(u32, String, u32)>>, max_bytes: Signal<u64>) -> impl IntoView {
    let problem = RwSignal::new(None::<String>);
    let total = move || attachments.with(|a| a.iter().map(|u| u.bytes).sum::<u64>());
    let on_files = move |ev: leptos::ev::Event| {
        problem.set(None);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(files) = input.files() else { return };
            let mut planned = total();
            let max_bytes = max_bytes.get_untracked();
            for i in 0..files.length() {
                let Some(file) = files.get(i) else { continue };
                planned += file.size() as u64;
                if planned > max_bytes {
                    problem.set(Some(format!(
                        "« {} » n'a pas été ajouté : les pièces jointes dépasseraient la taille autorisée ({} au total).",
                        file.name(),
                        format::size(max_bytes)
                    )));
                    break;
                }
                upload::start(file, attachments, uploading, problem);
            }
            input.set_value("");
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, max_bytes);
    };
    view! {
        <div class="pieces-redaction">
            <ul class="pieces-jointes" aria-label="Pièces jointes">
                <For each=move || attachments.get() key=|u| u.id.clone() let:file>
                    {
                        let id = file.id.clone();
                        view! {
                            <li class="piece" data-testid="piece-ajoutee">
                                <span class="nom-pj">{file.name.clone()}</span>
                                <span class="taille">{format::size(file.bytes)}</span>
                                <button type="button" class="retirer" aria-label=format!("Retirer {}", file.name)
                                    on:click=move |_| attachments.update(|a| a.retain(|u| u.id != id))>"×"</button>
                            </li>
                        }
                    }
                </For>
                <For each=move || uploading.get() key=|(key, _, percent)| (*key, *percent) let:progress>
                    <li class="piece en-cours">
                        <span class="nom-pj">{progress.1.clone()}</span>
                        <progress max="100" value=progress.2 aria-label=format!("Envoi de {}", progress.1)></progress>
                        <span class="taille">{format!("{} %", progress.2)}</span>
                    </li>
                </For>
            </ul>
            <label class="ajouter-pj">
                <span>"Joindre des fichiers"</span>
                <input type="file" multiple on:change=on_files/>
            </label>
            <span class="aide" data-testid="budget-pj">{move || format!("{} utilisés sur {} autorisés", format::size(total()), format::size(max_bytes.get()))}</span>
            {move || problem.get().map(|p| view! { <p class="alerte" role="alert">{p}</p> })}
        </div>
    }
}

/// Uploading one file with XMLHttpRequest, whose upload events drive the progress bar.
#[cfg(feature = "hydrate")]
mod upload {
    use super::Upload;
    use crate::pages::file_upload::Answer;
    use leptos::prelude::*;

    pub fn start(file: web_sys::File, attachments: RwSignal<Vec<Upload>>, uploading: RwSignal<Vec<(u32, String, u32)>>, problem: RwSignal<Option<String>>) {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let key = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = file.name();
        uploading.update(|u| u.push((key, name.clone(), 0)));
        let url = format!("/brouillons/pieces?nom={}", crate::urls::encode(&name));
        let on_progress = move |percent| uploading.update(|u| u.iter_mut().filter(|p| p.0 == key).for_each(|p| p.2 = percent));
        crate::pages::file_upload::post_file(&file, &url, &file.type_(), on_progress, move |Answer { status, text }| {
            uploading.update(|u| u.retain(|p| p.0 != key));
            match (status, serde_json::from_str::<Upload>(&text)) {
                (200, Ok(kept)) => attachments.update(|a| a.push(kept)),
                (0, _) => problem.set(Some(format!("La connexion a été perdue pendant l'envoi de « {name} » : ajoutez-le de nouveau."))),
                (413, _) if !text.starts_with("Les pièces") => {
                    problem.set(Some(format!("« {name} » dépasse la taille autorisée pour les pièces jointes.")))
                }
                (_, _) if !text.is_empty() && !text.starts_with('{') => problem.set(Some(format!("« {name} » n'a pas été ajouté : {text}"))),
                _ => problem.set(Some(format!("« {name} » n'a pas été ajouté : réessayez."))),
            }
        });
    }
}
