//! « Paramètres »: the automatic reply, forwarding, filters and signature, on one page that works
//! on a phone (one column, every field its full width).

use super::frame::Problem;
use crate::settings::{self as limits, Filter, FilterAction, FilterField, Rules, Settings, TeamSettings, Vacation, save_settings, save_team_signature, save_team_vacation, load_settings};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let loaded = Resource::new(|| (), |_| load_settings());
    view! {
        <Title text="Paramètres"/>
        <section class="parametres-page">
            <h1>"Paramètres"</h1>
            <Transition fallback=|| view! { <p class="chargement">"Chargement des paramètres…"</p> }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(settings) => view! { <SettingsForm settings/> }.into_any(),
                        Err(error) => view! { <Problem error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SettingsForm(settings: Settings) -> impl IntoView {
    let Settings { rules, signature, other_script, edited_elsewhere, folders, teams } = settings;
    let vacation = RwSignal::new(rules.vacation);
    let forward = RwSignal::new(rules.forward);
    let filters = RwSignal::new(rules.filters);
    let signature = RwSignal::new(signature);
    let replace = RwSignal::new(false);
    let folders = StoredValue::new(folders);
    let save = Action::new(move |replace_edited: &bool| {
        let rules = Rules { vacation: vacation.get_untracked(), forward: forward.get_untracked(), filters: filters.get_untracked() };
        save_settings(rules, signature.get_untracked(), *replace_edited)
    });
    let first_folder = move || folders.with_value(|f| f.first().map(|(name, _)| name.clone()).unwrap_or_default());
    view! {
        <form class="parametres" on:submit=move |ev| { ev.prevent_default(); save.dispatch(replace.get_untracked()); }>
            <fieldset>
                <legend>"Réponse automatique"</legend>
                <VacationFields vacation suffix=String::new()/>
            </fieldset>

            <fieldset>
                <legend>"Transfert"</legend>
                <label class="case"><input type="checkbox" name="transfert" checked=move || forward.with(|f| f.enabled) prop:checked=move || forward.with(|f| f.enabled)
                    on:change=move |ev| forward.update(|f| f.enabled = event_target_checked(&ev))/>"Transférer les messages reçus"</label>
                <label>"Vers l'adresse MSSanté"<input type="email" name="vers" autocomplete="off" value=move || forward.with(|f| f.to.clone()) prop:value=move || forward.with(|f| f.to.clone())
                    on:input=move |ev| forward.update(|f| f.to = event_target_value(&ev))/></label>
                <label class="case"><input type="checkbox" name="copie" checked=move || forward.with(|f| f.keep_copy) prop:checked=move || forward.with(|f| f.keep_copy)
                    on:change=move |ev| forward.update(|f| f.keep_copy = event_target_checked(&ev))/>"Garder une copie dans ma boîte"</label>
                <p class="aide">"Seulement vers une adresse de l'espace de confiance MSSanté. Sans copie, les filtres ci-dessous ne s'appliquent pas."</p>
            </fieldset>

            <fieldset>
                <legend>"Filtres"</legend>
                <p class="aide">"Appliqués dans l'ordre à chaque message reçu ; un message classé dans un dossier n'est plus soumis aux filtres suivants."</p>
                <ol class="filtres" data-testid="filtres">
                    {move || (0..filters.with(Vec::len)).map(|i| view! { <FilterRow i filters folders/> }).collect_view()}
                </ol>
                <button type="button" disabled=move || { filters.with(|f| f.len() >= limits::MAX_FILTERS) }
                    on:click=move |_| filters.update(|f| f.push(Filter { folder: first_folder(), ..Filter::default() }))>"Ajouter un filtre"</button>
            </fieldset>

            <fieldset>
                <legend>"Signature"</legend>
                <label for="signature">"Ajoutée à vos nouveaux messages et à vos réponses"</label>
                <textarea id="signature" name="signature" rows="4" maxlength=limits::MAX_SIGNATURE
                    prop:value=move || signature.get() on:input=move |ev| signature.set(event_target_value(&ev))>{signature.get_untracked()}</textarea>
            </fieldset>

            {other_script.map(|name| view! {
                <p class="bandeau-info" data-testid="autre-script">
                    {format!("Des règles écrites par un autre logiciel (« {name} ») s'appliquent aussi, après celles-ci ; la messagerie ne les modifie pas.")}
                </p>
            })}
            {edited_elsewhere.then(|| view! {
                <div class="bandeau-info" role="alert">
                    <p>"Ces règles ont été modifiées par un autre logiciel depuis leur dernier enregistrement ici."</p>
                    <label class="case"><input type="checkbox" name="remplacer" checked=replace prop:checked=replace
                        on:change=move |ev| replace.set(event_target_checked(&ev))/>"Remplacer ces modifications"</label>
                </div>
            })}
            {move || save.value().get().map(|saved| match saved {
                Ok(()) => view! { <p class="bandeau-info" role="status" data-testid="parametres-enregistres">"Paramètres enregistrés."</p> }.into_any(),
                Err(error) => view! { <Problem error/> }.into_any(),
            })}
            <div class="actions-parametres">
                <button type="submit" class="principal" disabled=move || save.pending().get()>"Enregistrer"</button>
            </div>
        </form>
        // a form of its own (forms do not nest), saved by nothing: each part acts at once
        <div class="parametres">
            {(!teams.is_empty()).then(|| view! {
                <fieldset data-testid="signatures-boites">
                    <legend>"Boîtes organisationnelles"</legend>
                    <p class="aide">"Vous en êtes administrateur : la signature est ajoutée aux messages que leurs membres écrivent depuis la boîte ; la réponse automatique part de la boîte."</p>
                    {teams.into_iter().map(|team| view! { <TeamSettingsField team/> }).collect_view()}
                </fieldset>
            })}
            <super::transfer::ExportImport folders/>
        </div>
    }
}

/// The automatic reply's fields (the user's own, or an organisational mailbox's: `suffix` keeps
/// their names and ids apart on the page).
#[component]
fn VacationFields(vacation: RwSignal<Vacation>, suffix: String) -> impl IntoView {
    view! {
        <label class="case"><input type="checkbox" name=format!("absence{suffix}") checked=move || vacation.with(|v| v.enabled) prop:checked=move || vacation.with(|v| v.enabled)
            on:change=move |ev| vacation.update(|v| v.enabled = event_target_checked(&ev))/>"Répondre automatiquement aux messages reçus"</label>
        <div class="periode">
            <label>"Du "<input type="date" name=format!("du{suffix}") value=move || vacation.with(|v| v.from.clone()) prop:value=move || vacation.with(|v| v.from.clone())
                on:change=move |ev| vacation.update(|v| v.from = event_target_value(&ev))/></label>
            <label>"Au "<input type="date" name=format!("au{suffix}") value=move || vacation.with(|v| v.until.clone()) prop:value=move || vacation.with(|v| v.until.clone())
                on:change=move |ev| vacation.update(|v| v.until = event_target_value(&ev))/></label>
        </div>
        <p class="aide">"Sans dates, la réponse part dès l'enregistrement et jusqu'à ce que vous la désactiviez."</p>
        <label>"Objet"<input type="text" name=format!("objet-reponse{suffix}") maxlength=limits::MAX_SUBJECT value=move || vacation.with(|v| v.subject.clone()) prop:value=move || vacation.with(|v| v.subject.clone())
            on:input=move |ev| vacation.update(|v| v.subject = event_target_value(&ev))/></label>
        // beside its label, not in it: the label's name must not take in the text
        <label for=format!("texte-reponse{suffix}")>"Message"</label>
        <textarea id=format!("texte-reponse{suffix}") name=format!("texte-reponse{suffix}") rows="7" maxlength=limits::MAX_REPLY_TEXT prop:value=move || vacation.with(|v| v.text.clone())
            on:input=move |ev| vacation.update(|v| v.text = event_target_value(&ev))>{vacation.with_untracked(|v| v.text.clone())}</textarea>
        <div class="modeles">
            <button type="button" on:click=move |_| vacation.update(|v| { v.subject = "Absence".into(); v.text = limits::ABSENCE_TEXT.into(); })>"Texte d'absence"</button>
            <button type="button" on:click=move |_| vacation.update(|v| { v.subject = "Changement d'adresse".into(); v.text = limits::moved_text("…"); })>"Texte de changement d'adresse"</button>
        </div>
        <label>"Une même personne la reçoit au plus une fois tous les "
            <input type="number" name=format!("jours{suffix}") class="jours" min=*limits::REPLY_DAYS.start() max=*limits::REPLY_DAYS.end()
                value=move || vacation.with(|v| v.days.to_string()) prop:value=move || vacation.with(|v| v.days.to_string())
                on:change=move |ev| vacation.update(|v| v.days = event_target_value(&ev).trim().parse().unwrap_or(0))/>" jours"</label>
        <label class="case"><input type="checkbox" name=format!("patients{suffix}") checked=move || vacation.with(|v| v.patients) prop:checked=move || vacation.with(|v| v.patients)
            on:change=move |ev| vacation.update(|v| v.patients = event_target_checked(&ev))/>"Répondre aussi aux patients (Mon Espace Santé)"</label>
        <p class="aide">"Jamais de réponse aux listes de diffusion, aux envois en nombre ni aux réponses automatiques."</p>
    }
}

/// One filter: « Si <champ> contient <texte>, <action> [dossier] », moved up or down, removed.
#[component]
fn FilterRow(i: usize, filters: RwSignal<Vec<Filter>>, folders: StoredValue<Vec<(String, String)>>) -> impl IntoView {
    let get = move || filters.with(|f| f.get(i).cloned().unwrap_or_default());
    let edit = move |change: &dyn Fn(&mut Filter)| filters.update(|f| {
        if let Some(filter) = f.get_mut(i) {
            change(filter);
        }
    });
    let n = i + 1;
    view! {
        <li class="filtre" data-testid="filtre">
            <label>{format!("Filtre {n} : si ")}<select name=format!("champ-{n}") aria-label=format!("Filtre {n} : ce qui est regardé") on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.field = FilterField::from_code(&v)); }>
                {FilterField::ALL.iter().map(|field| view! {
                    <option value=field.code() selected=move || get().field == *field>{field.label()}</option>
                }).collect_view()}
            </select></label>
            <label>" contient "<input type="text" name=format!("contient-{n}") aria-label=format!("Filtre {n} : texte cherché") maxlength=limits::MAX_CONTAINS value=move || get().contains prop:value=move || get().contains
                on:input=move |ev| { let v = event_target_value(&ev); edit(&|f| f.contains = v.clone()); }/></label>
            <label>" alors "<select name=format!("action-{n}") aria-label=format!("Filtre {n} : action") on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.action = FilterAction::from_code(&v)); }>
                {FilterAction::ALL.iter().map(|action| view! {
                    <option value=action.code() selected=move || get().action == *action>{action.label()}</option>
                }).collect_view()}
            </select></label>
            {move || (get().action == FilterAction::Move).then(|| view! {
                <label>" dossier "<select name=format!("dossier-{n}") aria-label=format!("Filtre {n} : dossier") on:change=move |ev| { let v = event_target_value(&ev); edit(&|f| f.folder = v.clone()); }>
                    {folders.get_value().into_iter().map(|(name, label)| {
                        let selected = get().folder == name;
                        view! { <option value=name selected=selected>{label}</option> }
                    }).collect_view()}
                </select></label>
            })}
            <span class="ordre">
                <button type="button" aria-label=format!("Monter le filtre {n}") disabled={ i == 0 }
                    on:click=move |_| filters.update(|f| if i > 0 && i < f.len() { f.swap(i - 1, i) })>"↑"</button>
                <button type="button" aria-label=format!("Descendre le filtre {n}") disabled=move || { i + 1 >= filters.with(Vec::len) }
                    on:click=move |_| filters.update(|f| if i + 1 < f.len() { f.swap(i, i + 1) })>"↓"</button>
                <button type="button" class="supprimer" aria-label=format!("Supprimer le filtre {n}")
                    on:click=move |_| filters.update(|f| if i < f.len() { f.remove(i); })>"Supprimer"</button>
            </span>
        </li>
    }
}

/// One organisational mailbox the user administers: its signature and its automatic reply, each
/// saved on its own.
#[component]
fn TeamSettingsField(team: TeamSettings) -> impl IntoView {
    let TeamSettings { mailbox, signature, vacation, edited_elsewhere } = team;
    let text = RwSignal::new(signature);
    let slug = mailbox.replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let id = format!("signature-{slug}");
    let save = {
        let mailbox = mailbox.clone();
        Action::new(move |_: &()| save_team_signature(mailbox.clone(), text.get_untracked()))
    };
    let reply = vacation.map(|vacation| {
        let vacation = RwSignal::new(vacation);
        let replace = RwSignal::new(false);
        let save_reply = {
            let mailbox = mailbox.clone();
            Action::new(move |_: &()| save_team_vacation(mailbox.clone(), vacation.get_untracked(), replace.get_untracked()))
        };
        view! {
            <fieldset data-testid="reponse-boite">
                <legend>{format!("Réponse automatique de {mailbox}")}</legend>
                <VacationFields vacation suffix=format!("-{slug}")/>
                {edited_elsewhere.then(|| view! {
                    <div class="bandeau-info" role="alert">
                        <p>"Les règles de cette boîte ont été modifiées par un autre logiciel depuis leur dernier enregistrement ici."</p>
                        <label class="case"><input type="checkbox" name=format!("remplacer-{slug}") checked=replace prop:checked=replace
                            on:change=move |ev| replace.set(event_target_checked(&ev))/>"Remplacer ces modifications"</label>
                    </div>
                })}
                <div class="modeles">
                    <button type="button" disabled=move || save_reply.pending().get() on:click=move |_| { save_reply.dispatch(()); }>
                        {format!("Enregistrer la réponse automatique de {mailbox}")}
                    </button>
                </div>
                {move || save_reply.value().get().map(|saved| match saved {
                    Ok(()) => view! { <p class="bandeau-info" role="status">"Réponse automatique de la boîte enregistrée."</p> }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                })}
            </fieldset>
        }
        .into_any()
    });
    view! {
        <label for=id.clone()>{format!("Signature de {mailbox}")}</label>
        <textarea id=id name="signature-boite" rows="4" maxlength=limits::MAX_SIGNATURE
            prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))>{text.get_untracked()}</textarea>
        <div class="modeles">
            <button type="button" disabled=move || save.pending().get() on:click=move |_| { save.dispatch(()); }>
                {format!("Enregistrer la signature de {mailbox}")}
            </button>
        </div>
        {move || save.value().get().map(|saved| match saved {
            Ok(()) => view! { <p class="bandeau-info" role="status">"Signature de la boîte enregistrée."</p> }.into_any(),
            Err(error) => view! { <Problem error/> }.into_any(),
        })}
        {reply.unwrap_or_else(|| view! {
            <p class="aide">"L'opérateur de cette boîte ne permet pas de régler sa réponse automatique depuis la messagerie."</p>
        }.into_any())}
    }
}
