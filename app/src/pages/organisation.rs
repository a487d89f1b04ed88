//! Pages of organisational mailboxes: the members and their rights (administrators), and the
//! access traces with filters, a per-member activity chart and a CSV export.

use crate::organisation::{
    Member, Rights, TraceAction, TraceFilter, TraceReport, find_professionals, members, set_rights, traces,
};
use super::frame::Problem;
use crate::urls;
use leptos::prelude::*;
use leptos_meta::Title;
use super::get_form::GetForm;
use leptos_router::hooks::use_query_map;

fn mailbox_param() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get("boite").unwrap_or_default())
}

/// Links of an organisational mailbox: its inbox, traces and (for administrators) members.
#[component]
pub fn OrganisationNav(mailbox: String, administer: bool) -> impl IntoView {
    view! {
        <nav class="bandeau-info organisation" aria-label="Boîte organisationnelle">
            <span>"Boîte organisationnelle "<strong>{mailbox.clone()}</strong>" : chaque action y est tracée à votre nom."</span>
            <a href=format!("{}&libres=1", urls::folder(&crate::organisation::shared_inbox(&mailbox))) data-testid="non-pris-en-charge">"Non pris en charge"</a>
            <a href=urls::organisation("traces", &mailbox)>"Traces d'accès"</a>
            {administer.then(|| view! { <a href=urls::organisation("membres", &mailbox)>"Membres et droits"</a> })}
        </nav>
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let mailbox = mailbox_param();
    let changed = RwSignal::new(0u32);
    let list = Resource::new(move || (mailbox.get(), changed.get()), |(mailbox, _)| members(mailbox));
    let save = Action::new(move |(member, rights): &(String, Rights)| set_rights(mailbox.get_untracked(), member.clone(), *rights));
    let revoked = RwSignal::new(None::<Revoked>);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(()))) {
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <Title text="Membres et droits"/>
        <section class="organisation-page">
            <h1>"Membres et droits — "{move || mailbox.get()}</h1>
            <p class="aide">"Les droits sont appliqués par votre opérateur MSSanté (ACL IMAP). Un accès retiré l'est immédiatement, y compris pour une session ouverte."</p>
            {move || save.value().get().and_then(Result::err).map(|error| view! { <Problem error/> })}
            {move || revoked.get().map(|r| view! {
                <div class="bandeau-info" role="status" data-testid="acces-retire">
                    {format!("L'accès de {} a été retiré. ", r.who)}
                    <button type="button" on:click=move |_| {
                        save.dispatch((r.address.clone(), r.rights));
                        revoked.set(None);
                    }>"Annuler"</button>
                </div>
            })}
            <Transition fallback=|| view! { <p class="chargement">"Chargement des membres…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! {
                            <table class="membres" data-testid="membres">
                                <thead><tr><th scope="col">"Membre"</th>
                                    {Rights::LABELS.iter().map(|l| view! { <th scope="col">{*l}</th> }).collect_view()}
                                    <th scope="col"><span class="visuellement-cache">"Actions"</span></th></tr></thead>
                                <tbody>{list.into_iter().map(|m| view! { <MemberRow m save revoked/> }).collect_view()}</tbody>
                            </table>
                        }.into_any(),
                        Err(error) => view! { <Problem error/> }.into_any(),
                    }
                })}
            </Transition>
            <AddMember save/>
        </section>
    }
}

/// A member whose access was just removed, with what they held: « Annuler » gives it back.
#[derive(Clone)]
struct Revoked {
    who: String,
    address: String,
    rights: Rights,
}

#[component]
fn MemberRow(m: Member, save: Action<(String, Rights), Result<(), crate::error::WebmailError>>, revoked: RwSignal<Option<Revoked>>) -> impl IntoView {
    let before = m.rights;
    let held = RwSignal::new(m.rights.as_array());
    let address = StoredValue::new(m.address.clone());
    let who = if m.name.is_empty() { m.address.clone() } else { format!("{} ({})", m.name, m.address) };
    view! {
        <tr data-testid="membre">
            <th scope="row">{who.clone()}</th>
            {(0..5).map(|i| view! {
                <td><input type="checkbox" aria-label=format!("{} — {}", Rights::LABELS[i], who)
                    prop:checked=move || held.get()[i]
                    on:change=move |ev| held.update(|h| h[i] = event_target_checked(&ev))/></td>
            }).collect_view()}
            <td class="actions-membre">
                <button type="button" on:click=move |_| { save.dispatch((address.get_value(), Rights::from_array(held.get_untracked()))); }>"Enregistrer"</button>
                <button type="button" class="supprimer" on:click={
                    let who = who.clone();
                    move |_| {
                        revoked.set(Some(Revoked { who: who.clone(), address: address.get_value(), rights: before }));
                        save.dispatch((address.get_value(), Rights::default()));
                    }
                }>"Retirer l'accès"</button>
            </td>
        </tr>
    }
}

/// Find a professional in the directory (name or RPPS) and give them reading and marking.
#[component]
fn AddMember(save: Action<(String, Rights), Result<(), crate::error::WebmailError>>) -> impl IntoView {
    let search = Action::new(|query: &String| find_professionals(query.clone()));
    let query = RwSignal::new(String::new());
    view! {
        <form class="ajout-membre" on:submit=move |ev| { ev.prevent_default(); search.dispatch(query.get_untracked()); }>
            <h2>"Ajouter un membre"</h2>
            <label>"Nom ou RPPS "<input type="search" name="q" prop:value=query on:input=move |ev| query.set(event_target_value(&ev))/></label>
            <button type="submit">"Chercher dans l'annuaire"</button>
        </form>
        {move || search.value().get().map(|found| match found {
            Ok(found) if found.is_empty() => view! { <p class="vide">"Aucun professionnel trouvé."</p> }.into_any(),
            Ok(found) => view! {
                <ul class="annuaire" data-testid="annuaire">
                    {found.into_iter().map(|p| {
                        let address = p.address.clone();
                        view! {
                            <li>
                                <span>{format!("{} · {} · {} · {}", p.name, p.identifier, p.profession, p.address)}</span>
                                <button type="button" on:click=move |_| {
                                    save.dispatch((address.clone(), Rights { read: true, mark: true, ..Rights::default() }));
                                }>"Ajouter (lire et marquer)"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
            Err(error) => view! { <Problem error/> }.into_any(),
        })}
    }
}

/// Rows shown on the page (the CSV export has them all).
const SHOWN: usize = 200;

fn filter_of(query: &leptos_router::params::ParamsMap) -> TraceFilter {
    let get = |k: &str| query.get(k).unwrap_or_default();
    TraceFilter { member: get("membre"), action: get("action"), since: get("du"), until: get("au") }
}

#[component]
pub fn TracesPage() -> impl IntoView {
    let query = use_query_map();
    let mailbox = mailbox_param();
    let report = Resource::new(move || (mailbox.get(), filter_of(&query.read())), |(mailbox, filter)| traces(mailbox, filter));
    // without a mailbox: the user's own (« Mon activité »)
    let personal = move || mailbox.get().trim().is_empty();
    // the server reads the title once the page is written, when the query may be gone already
    let served_personal = mailbox.get_untracked().trim().is_empty();
    let personal_title = move || mailbox.try_get().map_or(served_personal, |m| m.trim().is_empty());
    view! {
        <Title text=move || if personal_title() { "Mon activité".to_string() } else { "Traces d'accès".to_string() }/>
        <section class="organisation-page">
            <h1>{move || if personal() { "Mon activité".to_string() } else { format!("Traces d'accès — {}", mailbox.get()) }}</h1>
            {move || personal().then(|| view! {
                <p class="aide">"Chaque action faite avec la messagerie sur votre boîte : ce qui a été demandé à votre opérateur et ce qu'il a répondu."</p>
            })}
            <Transition fallback=|| view! { <p class="chargement">"Chargement des traces…"</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(report) => view! { <TraceView report/> }.into_any(),
                        Err(error) => view! { <Problem error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TraceView(report: TraceReport) -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &'static str| query.read().get(k).unwrap_or_default();
    let csv = format!("/boites/traces.csv?{}", {
        let q = query.read_untracked();
        ["boite", "membre", "action", "du", "au"]
            .iter()
            .filter_map(|k| q.get(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={}", urls::encode(&v))))
            .collect::<Vec<_>>()
            .join("&")
    });
    let hidden = report.rows.len().saturating_sub(SHOWN);
    let most = report.per_member.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let mailbox = report.mailbox.clone();
    view! {
        {if report.integrity.is_intact() {
            view! { <p class="bandeau-info" data-testid="integrite">{report.integrity.message()}</p> }.into_any()
        } else {
            view! { <p class="alerte" role="alert" data-testid="integrite">{report.integrity.message()}</p> }.into_any()
        }}
        {(!report.everyone && !report.personal).then(|| view! { <p class="aide">"Vous voyez vos propres traces ; les administrateurs de la boîte voient celles de tous les membres."</p> })}
        <GetForm action="/boites/traces" attr:class="recherche filtres-traces">
            <input type="hidden" name="boite" value=mailbox/>
            {report.everyone.then(|| view! {
                <label>"Membre "<select name="membre">
                    <option value="">"Tous"</option>
                    {report.members.iter().map(|m| {
                        let selected = q("membre") == *m;
                        view! { <option value=m.clone() selected=selected>{m.clone()}</option> }
                    }).collect_view()}
                </select></label>
            })}
            <label>"Action "<select name="action">
                <option value="">"Toutes"</option>
                {TraceAction::ALL.map(|a| view! { <option value=a.code() selected=q("action") == a.code()>{a.label()}</option> }).collect_view()}
            </select></label>
            <label>"Du "<input type="date" name="du" prop:value=move || q("du")/></label>
            <label>"Au "<input type="date" name="au" prop:value=move || q("au")/></label>
            <button type="submit">"Filtrer"</button>
            <a href=csv rel="external" download="traces.csv">"Exporter en CSV"</a>
        </GetForm>
        <figure class="activite">
            <figcaption>{if report.personal { "Activité par action" } else { "Activité par membre" }}</figcaption>
            <svg role="img" aria-label=if report.personal { "Nombre d'actions par type d'action" } else { "Nombre d'actions par membre" } viewBox=format!("0 0 400 {}", 24 * report.per_member.len().max(1))
                width="400" height=24 * report.per_member.len().max(1)>
                {report.per_member.iter().enumerate().map(|(i, (who, n))| {
                    let y = 24 * i;
                    let width = 1 + 220 * n / most;
                    view! {
                        <text x="0" y=y + 16 class="etiquette">{who.clone()}</text>
                        <rect x="150" y=y + 4 width=width height="16" class="barre"/>
                        <text x=155 + width y=y + 16 class="valeur">{n.to_string()}</text>
                    }
                }).collect_view()}
            </svg>
        </figure>
        // keyboard users can scroll it too (it is wider than a phone)
        <div class="table-defilante" tabindex="0" role="region" aria-label="Traces, défilement horizontal">
            <table class="traces" data-testid="traces">
                <thead><tr>
                    <th scope="col">"N°"</th><th scope="col">"Date"</th>
                    {(!report.personal).then(|| view! { <th scope="col">"Membre"</th> })}
                    <th scope="col">"Action"</th>
                    <th scope="col">"Détail"</th><th scope="col">"Demande à l'opérateur → réponse"</th><th scope="col">"Résultat"</th>
                    <th scope="col">"Adresse IP"</th><th scope="col">"Navigateur"</th>
                </tr></thead>
                <tbody>
                    {report.rows.into_iter().take(SHOWN).map(|r| {
                        let personal = report.personal;
                        let short: String = r.user_agent.chars().take(40).collect();
                        let short = if short.len() < r.user_agent.len() { format!("{short}…") } else { short };
                        view! {
                            <tr>
                                <td>{r.id}</td><td>{r.at}</td>
                                {(!personal).then(|| view! { <td>{format!("{} ({}, {})", r.name, r.identifier, r.member)}</td> })}
                                <td>{r.action}</td><td class="detail">{r.detail}</td>
                                <td class="detail">{if r.request.is_empty() { "—".to_string() } else { format!("{} → {}", r.request, r.answer) }}</td>
                                <td>{r.outcome}</td><td>{r.ip}</td>
                                <td class="navigateur" title=r.user_agent.clone()>{short}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {(hidden > 0).then(|| view! { <p class="aide">{format!("Les {SHOWN} traces les plus récentes sont affichées ; l'export CSV contient aussi les {hidden} autres.")}</p> })}
        <p class="aide">"Heures de Paris. Les traces ne contiennent aucun contenu de message."</p>
    }
}
