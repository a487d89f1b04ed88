//! Folder lists: search, pages of messages, selection and actions, the organisational bar.

use super::early_input;
use super::markers::{PatientMark, RowDocuments};
use super::frame::{Changes, Mailboxes, PageProblem, Problem, folder_of};
use super::organisation::OrganisationNav;
use crate::error::WebmailError;
use crate::format;
use crate::organisation::mailbox_of;
use crate::reading::{Folder, ListView, MessageAction, MessageList, MessageSummary, Search, list_messages, update_messages};
use crate::urls::{self, ComposeFrom};
use leptos::prelude::*;
use leptos_meta::Title;
use super::get_form::GetForm;
use leptos_router::{hooks::use_query_map, params::ParamsMap};

fn search_of(query: &ParamsMap) -> Search {
    let text = |k: &str| query.get(k).unwrap_or_default();
    Search {
        from: text("de"),
        to: text("a"),
        subject: text("objet"),
        body: text("texte"),
        since: text("du"),
        until: text("au"),
        unread: query.get("nonlus").is_some(),
        with_attachment: query.get("pj").is_some(),
        untaken: query.get("libres").is_some(),
    }
}
/// Above the lists of an organisational mailbox: that every action is traced, and its pages.
#[component]
fn OrganisationBar(folder: String) -> impl IntoView {
    let boxes: Mailboxes = expect_context();
    let mailbox = mailbox_of(&folder).map(String::from);
    view! {
        <Transition fallback=|| ()>
            {move || {
                let mailbox = mailbox.clone();
                Suspend::new(async move {
                    let mailbox = mailbox?;
                    let administer = boxes.await.ok()?.into_iter().any(|b| b.address == mailbox && b.rights.administer);
                    Some(view! { <OrganisationNav mailbox administer/> })
                })
            }}
        </Transition>
    }
}

/// Changing messages: the action, and the error it may leave for the page to show.
pub(super) fn message_action() -> Action<(String, Vec<u32>, MessageAction), Result<(), WebmailError>> {
    let Changes(changes) = expect_context();
    Action::new(move |(folder, uids, action): &(String, Vec<u32>, MessageAction)| {
        let (folder, uids, action) = (folder.clone(), uids.clone(), action.clone());
        async move {
            let result = update_messages(folder, uids, action).await;
            changes.update(|n| *n += 1);
            result
        }
    })
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let Changes(changes) = expect_context();
    let query = use_query_map();
    let list = crate::wire::resource(
        move || {
            let q = query.read();
            let view = q.get("vue").and_then(|v| ListView::from_key(&v));
            (folder_of(&q), q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(0), search_of(&q), view, changes.get())
        },
        |(folder, page, search, view, _)| list_messages(folder, page, search, view),
    );
    let selected = RwSignal::new(Selection::new());
    let act = message_action();
    let sent_notice = move || match query.read().get("envoye").as_deref() {
        Some("1") => Some("Message envoyé."),
        Some("2") => Some("Message envoyé. Le serveur de messagerie ne répond pas : sa copie sera rangée dans « Envoyés » dès qu'il répondra de nouveau."),
        _ => None,
    };
    view! {
        <Title text="Messages"/>
        {move || sent_notice().map(|text| view! { <p class="bandeau-info" role="status" data-testid="envoye">{text}</p> })}
        {move || mailbox_of(&folder_of(&query.read())).is_some().then(|| view! { <OrganisationBar folder=folder_of(&query.read_untracked())/> })}
        <SearchForm/>
        {move || act.value().get().and_then(Result::err).map(|error| view! { <Problem error/> })}
        <Transition fallback=|| view! { <p class="chargement">"Chargement des messages…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! { <MessageTable list selected act/> }.into_any(),
                    Err(error) => view! { <PageProblem title="Messages indisponibles" error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The search form's text fields, by name.
const TEXT_FIELDS: [&str; 6] = ["texte", "de", "a", "objet", "du", "au"];

#[component]
fn SearchForm() -> impl IntoView {
    let query = use_query_map();
    // in the HTML as served too, so that the search shows before the page is interactive
    let initial = move |k: &'static str| query.read_untracked().get(k).unwrap_or_default();
    let served = StoredValue::new(TEXT_FIELDS.map(|k| (k, initial(k))));
    // what was typed before the page was interactive stays, until the search itself changes
    let early = StoredValue::new(early_input::typed_fields(&TEXT_FIELDS));
    let q = move |k: &'static str| {
        let now = query.read().get(k).unwrap_or_default();
        if served.with_value(|s| s.iter().any(|(name, value)| *name == k && *value != now)) {
            early.update_value(|e| e.retain(|(name, _)| *name != k));
        }
        early.with_value(|e| e.iter().find(|(name, _)| *name == k).map(|(_, typed)| typed.clone())).unwrap_or(now)
    };
    let searching = move || !search_of(&query.read()).is_empty();
    view! {
        <GetForm action="/" attr:class="recherche" attr:role="search" attr:id="recherche">
            <input type="hidden" name="dossier" value=folder_of(&query.read_untracked()) prop:value=move || folder_of(&query.read())/>
            <label class="champ-principal">
                <span class="visuellement-cache">"Rechercher dans le texte"</span>
                <input type="search" name="texte" placeholder="Rechercher dans les messages" value=initial("texte") prop:value=move || q("texte")/>
            </label>
            <button type="submit">"Rechercher"</button>
            <details class="criteres" open=searching>
                <summary>"Plus de critères"</summary>
                <label>"De "<input name="de" value=initial("de") prop:value=move || q("de")/></label>
                <label>"À "<input name="a" value=initial("a") prop:value=move || q("a")/></label>
                <label>"Objet "<input name="objet" value=initial("objet") prop:value=move || q("objet")/></label>
                <label>"Du "<input type="date" name="du" value=initial("du") prop:value=move || q("du")/></label>
                <label>"Au "<input type="date" name="au" value=initial("au") prop:value=move || q("au")/></label>
                <label><input type="checkbox" name="nonlus" value="1" checked=!initial("nonlus").is_empty() prop:checked=move || !q("nonlus").is_empty()/>" Non lus"</label>
                <label><input type="checkbox" name="pj" value="1" checked=!initial("pj").is_empty() prop:checked=move || !q("pj").is_empty()/>" Avec pièce jointe"</label>
            </details>
            {move || searching().then(|| view! {
                <a class="effacer" href=urls::folder(&folder_of(&query.read()))>"Effacer la recherche"</a>
            })}
        </GetForm>
    }
}

/// "/?dossier=…&page=N" keeping the current search.
fn page_url(query: &ParamsMap, page: u32) -> String {
    let mut parts: Vec<String> = ["dossier", "de", "a", "objet", "texte", "du", "au", "nonlus", "pj", "libres"]
        .into_iter()
        .filter_map(|k| query.get(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={}", urls::encode(&v))))
        .collect();
    if page > 0 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() { "/".into() } else { format!("/?{}", parts.join("&")) }
}

/// The folder's first page listed the other way (the server keeps the choice for the session).
fn view_url(query: &ParamsMap, view: ListView) -> String {
    let folder = page_url(query, 0);
    let separator = if folder.contains('?') { '&' } else { '?' };
    format!("{folder}{separator}vue={}", view.key())
}

/// The UIDs ticked, each once: a page's rows at most (a vector: a tree set's code is several KB of the
/// WASM every visit loads, for a hundred numbers).
type Selection = Vec<u32>;

/// Adds the UIDs not yet in the selection.
fn add(selected: &mut Selection, uids: &[u32]) {
    for uid in uids {
        if !selected.contains(uid) {
            selected.push(*uid);
        }
    }
}

/// Whether every UID of a row is selected (its box is then ticked, and unticking clears them).
fn all_in(selected: &[u32], uids: &[u32]) -> bool {
    uids.iter().all(|uid| selected.contains(uid))
}

/// The UIDs a row's box stands for: its message, or every message of its conversation.
fn row_uids(m: &MessageSummary) -> Vec<u32> {
    std::iter::once(m.uid).chain(m.conversation.iter().map(|c| c.uid)).collect()
}

#[component]
fn MessageTable(
    list: MessageList,
    selected: RwSignal<Selection>,
    act: Action<(String, Vec<u32>, MessageAction), Result<(), WebmailError>>,
) -> impl IntoView {
    let query = use_query_map();
    let uids: Vec<u32> = list.messages.iter().flat_map(row_uids).collect();
    // forget selections that are not on this page any more
    selected.update_untracked(|s| s.retain(|uid| uids.contains(uid)));
    // boxes ticked in the page as served, before it was interactive, stay ticked (a
    // conversation's box stands for all its messages)
    let early: Vec<u32> = early_input::ticked("input.choix")
        .iter()
        .filter_map(|uid| uid.parse::<u32>().ok())
        .filter_map(|uid| list.messages.iter().find(|m| m.uid == uid))
        .flat_map(row_uids)
        .collect();
    if !early.is_empty() {
        Effect::new(move |_| selected.update(|s| add(s, &early)));
    }
    let all_uids = uids.clone();
    let all_selected = move || !all_uids.is_empty() && selected.with(|s| s.len() == all_uids.len());
    let (page, pages, folder) = (list.page, list.pages, list.folder.clone());
    let searching = !search_of(&query.read_untracked()).is_empty();
    let conversations = list.conversations;
    let title = if searching { "Résultats de la recherche" } else if conversations { "Conversations" } else { "Messages" };
    let empty = list.messages.is_empty() && list.progress.is_none();
    let progress = list.progress;
    let Changes(changes) = expect_context();
    if progress.is_some() {
        // the search ran out of time: what it found is shown, and it goes on where it stopped
        Effect::new(move |_| set_timeout(move || changes.update(|n| *n += 1), std::time::Duration::from_millis(100)));
    }
    view! {
        <section class="boite" aria-labelledby="titre-boite">
            <h1 id="titre-boite">
                {title}
                <span class="compteur">{if list.complete && searching {
                    // the folder's unread count says nothing of the results
                    format!("{} message(s) trouvé(s)", list.total)
                } else if conversations {
                    let among = if list.complete { "" } else { " parmi les plus récents" };
                    format!("{} conversation(s){among}, {} message(s) non lu(s)", list.total, list.unseen)
                } else if list.complete {
                    format!("{} message(s), {} non lu(s)", list.total, list.unseen)
                } else {
                    format!("au moins {} messages trouvés", list.total)
                }}</span>
                // asks the server again in place (a plain reload without JavaScript)
                <a class="actualiser" href=page_url(&query.read_untracked(), page) on:click=move |ev| {
                    ev.prevent_default();
                    changes.update(|n| *n += 1);
                }>"Actualiser"</a>
                {(!searching).then(|| {
                    let (other, label) = if conversations {
                        (ListView::Messages, "Message par message")
                    } else {
                        (ListView::Conversations, "Par conversation")
                    };
                    view! { <a class="vue" href=view_url(&query.read_untracked(), other) data-testid="changer-vue">{label}</a> }
                })}
            </h1>
            {progress.map(|p| view! {
                <p class="recherche-en-cours" role="status" data-testid="recherche-en-cours">
                    {format!("Recherche en cours : {} messages parcourus sur {}… ", format::count(p.scanned), format::count(p.of))}
                    <a href=page_url(&query.read_untracked(), page)>"Continuer la recherche"</a>
                </p>
            })}
            <Toolbar folder=folder.clone() selected act select_all=uids.clone() all_selected=Signal::derive(all_selected)/>
            {empty.then(|| view! { <p class="vide">"Aucun message."</p> })}
            <ul class="messages" data-testid="messages">
                {list.messages.into_iter().map(|mut m| {
                    let uid = m.uid;
                    let members = row_uids(&m);
                    let unread = !m.seen || m.conversation.iter().any(|c| !c.seen);
                    let class = if unread { "message non-lu" } else { "message lu" };
                    let ticked = {
                        let members = members.clone();
                        move || selected.with(|s| all_in(s, &members))
                    };
                    let others = std::mem::take(&mut m.conversation);
                    let size = m.conversation_size;
                    let (flagged, label) = (m.flagged, format!("Sélectionner « {} »", m.subject));
                    view! {
                        <li class=class class:suivi=flagged class:conversation={size > 1}>
                            <label class="case">
                                <input type="checkbox" class="choix" value=uid aria-label=label
                                    prop:checked=ticked
                                    on:change=move |_| selected.update(|s| {
                                        if all_in(s, &members) {
                                            s.retain(|uid| !members.contains(uid));
                                        } else {
                                            add(s, &members);
                                        }
                                    })/>
                            </label>
                            <Row m folder=folder.clone() size/>
                            {(size > 1).then(|| view! { <Conversation others folder=folder.clone() size/> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(pages > 1).then(|| view! {
                <nav class="pagination" aria-label="Pages">
                    {(page > 0).then(|| view! { <a href=page_url(&query.read_untracked(), page - 1)>"← Plus récents"</a> })}
                    <span>{if list.complete { format!("Page {} sur {}", page + 1, pages) } else { format!("Page {}", page + 1) }}</span>
                    {(page + 1 < pages).then(|| view! { <a href=page_url(&query.read_untracked(), page + 1)>"Plus anciens →"</a> })}
                </nav>
            })}
        </section>
    }
}

/// A message's line: sender, subject and its marks, date, the start of its text; in the
/// conversation view, how many messages its conversation has.
#[component]
fn Row(m: MessageSummary, folder: String, #[prop(optional)] size: u32) -> impl IntoView {
    let href = if m.draft { urls::compose(Some((ComposeFrom::Draft, &folder, m.uid))) } else { urls::message(&folder, m.uid) };
    view! {
        <a href=href>
            {match m.patient {
                Some(patient) => view! { <span class="expediteur de-patient"><PatientMark patient/></span> }.into_any(),
                None => view! { <span class="expediteur">{m.from}</span> }.into_any(),
            }}
            <span class="objet">
                {m.flagged.then(|| view! { <span class="drapeau" title="Suivi">"⚑ "</span> })}
                {m.has_attachments.then(|| view! { <PaperClip/> })}
                {(size > 1).then(|| view! { <span class="nombre" title=format!("{size} messages dans la conversation")>{size}</span> })}
                {m.subject}
                <RowDocuments documents=m.documents label=m.document/>
                {(!m.receipts.is_empty()).then(|| view! { <span class="accuses" data-testid="accuses">{m.receipts.join(" · ")}</span> })}
                {m.handled.map(|who| view! { <span class="pris-en-charge" data-testid="pris-en-charge">{who}</span> })}
            </span>
            <time class="date">{m.date}</time>
            {(!m.preview.is_empty()).then(|| view! { <span class="debut-texte">{m.preview}</span> })}
        </a>
    }
}

/// The other messages of a conversation, under its newest one (a native disclosure: it opens
/// before the page is interactive).
#[component]
fn Conversation(others: Vec<MessageSummary>, folder: String, size: u32) -> impl IntoView {
    let hidden = size as usize - 1 - others.len();
    view! {
        <details class="fil" data-testid="conversation">
            <summary>{format!("{} autre(s) message(s) de la conversation", size - 1)}</summary>
            <ul>
                {others.into_iter().map(|m| {
                    let class = if m.seen { "lu" } else { "non-lu" };
                    view! { <li class=class><Row m folder=folder.clone()/></li> }
                }).collect_view()}
            </ul>
            {(hidden > 0).then(|| view! { <p class="plus-anciens">{format!("et {hidden} plus ancien(s)")}</p> })}
        </details>
    }
}

/// Actions on the selected messages.
#[component]
fn Toolbar(
    folder: String,
    selected: RwSignal<Selection>,
    act: Action<(String, Vec<u32>, MessageAction), Result<(), WebmailError>>,
    select_all: Vec<u32>,
    all_selected: Signal<bool>,
) -> impl IntoView {
    let folder = StoredValue::new(folder);
    let none = move || selected.with(Vec::is_empty);
    let run = move |action: MessageAction| {
        let uids = selected.get_untracked();
        selected.set(Selection::new());
        act.dispatch((folder.get_value(), uids, action));
    };
    let button = move |label: &'static str, action: MessageAction| {
        view! { <button type="button" disabled=none on:click=move |_| run(action.clone())>{label}</button> }
    };
    view! {
        <div class="actions" class:vide=none role="toolbar" aria-label="Actions sur la sélection">
            <label class="tout">
                <input type="checkbox" aria-label="Tout sélectionner" prop:checked=move || all_selected.get()
                    on:change=move |_| {
                        let all = all_selected.get_untracked();
                        selected.set(if all { Selection::new() } else { select_all.clone() });
                    }/>
            </label>
            {button("Marquer lu", MessageAction::MarkRead)}
            {button("Marquer non lu", MessageAction::MarkUnread)}
            {button("Suivre", MessageAction::Flag)}
            {button("Ne plus suivre", MessageAction::Unflag)}
            <MoveTo folder=folder.get_value() disabled=Signal::derive(none) on_move=Callback::new(move |target| run(MessageAction::Move(target)))/>
            <button type="button" class="supprimer" disabled=none on:click=move |_| run(MessageAction::Delete) data-raccourci="supprimer">"Supprimer"</button>
            // a download of the selection (ZIP of .eml), the selection kept
            <a class="bouton-lien exporter-selection" download aria-disabled=move || none().to_string()
                href=move || crate::urls::export_selection(&folder.get_value(), &selected.get())>"Exporter"</a>
        </div>
    }
}

/// "Déplacer vers…": the other folders of the user.
#[component]
pub(super) fn MoveTo(folder: String, disabled: Signal<bool>, on_move: Callback<String>) -> impl IntoView {
    let folders = use_context::<crate::wire::Data<Vec<Folder>>>();
    let options = move || {
        let list = folders.and_then(|f| f.get()).and_then(Result::ok).unwrap_or_default();
        list.into_iter()
            .filter(|f| f.name != folder)
            .map(|f| view! { <option value=f.name>{f.label}</option> })
            .collect_view()
    };
    view! {
        <select aria-label="Déplacer vers" disabled=disabled on:change=move |ev| {
            let target = event_target_value(&ev);
            if !target.is_empty() {
                on_move.run(target);
            }
        }>
            <option value="" selected>"Déplacer vers…"</option>
            <Transition fallback=|| ()>{options}</Transition>
        </select>
    }
}

/// Paperclip icon (inline SVG: no emoji font needed, nothing fetched).
#[component]
fn PaperClip() -> impl IntoView {
    view! {
        <svg class="pj" role="img" aria-label="Pièce jointe" viewBox="0 0 24 24" width="16" height="16">
            <path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"
                fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_holds_each_uid_once() {
        let mut selected = Selection::new();
        add(&mut selected, &[7, 3]);
        // a conversation's box ticked after one of its messages
        add(&mut selected, &[3, 9, 7]);
        assert_eq!(selected, [7, 3, 9]);
        assert!(all_in(&selected, &[9, 3]));
        assert!(!all_in(&selected, &[9, 4]));
    }
}
