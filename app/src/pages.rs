//! Pages: sign-in, folder lists with search and actions, message reading. All text is French.

use crate::api::{
    Attachment, Folder, Me, MessageAction, MessageList, MessageView, Preview, Search, current_user,
    list_folders, list_messages, read_message, update_messages,
};
use crate::error::WebmailError;
use crate::organisation::{MailboxEntry, mailbox_of, my_mailboxes};
use crate::organisation_pages::OrganisationNav;
use crate::sending::answer_receipt;
use crate::urls::{self, ComposeFrom, PartUrls};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Form,
    hooks::{use_navigate, use_params_map, use_query_map},
    params::ParamsMap,
};
use std::collections::BTreeSet;

/// Bumped after every change made to messages, so that lists and counts reload.
#[derive(Clone, Copy)]
struct Changes(RwSignal<u32>);

fn folder_of(query: &ParamsMap) -> String {
    query.get("dossier").filter(|f| !f.is_empty()).unwrap_or_else(|| "INBOX".into())
}

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
    }
}

/// Signed-in frame: header, folders and the page; the sign-in page when nobody is signed in.
#[component]
pub(crate) fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    let changes = Changes(RwSignal::new(0));
    provide_context(changes);
    let Changes(counter) = changes;
    provide_context(Resource::new(move || counter.get(), |_| my_mailboxes()));
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="chargement">"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => view! {
                        <Header me/>
                        <div class="espace">
                            <Folders/>
                            <main id="contenu">{children.read_value()()}</main>
                        </div>
                    }.into_any(),
                    Ok(None) => view! { <SignInPage/> }.into_any(),
                    Err(e) => view! { <main id="contenu"><Problem error=e/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// In the browser: reload lists and counts whenever the server pushes a change in the folder
/// shown (/evenements?dossier=…); a new stream follows the user to another folder.
fn listen_for_new_mail(changes: Changes) {
    #[cfg(feature = "hydrate")]
    {
        let query = use_query_map();
        let folder = Memo::new(move |_| folder_of(&query.read()));
        Effect::new(move |_| {
        use wasm_bindgen::{JsCast, closure::Closure};
        let Ok(source) = web_sys::EventSource::new(&format!("/evenements?dossier={}", urls::encode(&folder.get()))) else { return };
        let Changes(counter) = changes;
        let on_change = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_| counter.update(|n| *n += 1));
        let _ = source.add_event_listener_with_callback("changement", on_change.as_ref().unchecked_ref());
        on_change.forget();
        let source = send_wrapper::SendWrapper::new(source);
        on_cleanup(move || source.close());
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = changes;
}

type Mailboxes = Resource<Result<Vec<MailboxEntry>, WebmailError>>;

/// The user's own mailbox and the organisational ones they hold rights on, with unread counts.
#[component]
fn MailboxSwitcher() -> impl IntoView {
    let boxes: Mailboxes = expect_context();
    let query = use_query_map();
    let navigate = use_navigate();
    let navigate = StoredValue::new(navigate);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let list = boxes.await.unwrap_or_default();
                let current = mailbox_of(&folder_of(&query.read_untracked())).map(String::from);
                (list.len() > 1).then(|| view! {
                    <label class="choix-boite">
                        <span class="visuellement-cache">"Boîte aux lettres"</span>
                        <select data-testid="choix-boite" on:change=move |ev| navigate.get_value()(&urls::folder(&event_target_value(&ev)), Default::default())>
                            {list.into_iter().map(|b| {
                                let selected = current.as_deref() == b.organisational.then_some(b.address.as_str());
                                let unseen = if b.unseen > 0 { format!(" ({} non lus)", b.unseen) } else { String::new() };
                                view! { <option value=b.inbox.clone() selected=selected>{format!("{}{unseen}", b.address)}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                })
            })}
        </Transition>
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

#[component]
fn Header(me: Me) -> impl IntoView {
    // only once someone is signed in
    listen_for_new_mail(expect_context());
    view! {
        <header class="bandeau">
            <a class="marque" href="/">"Messagerie "<strong>"MSSanté"</strong></a>
            <a class="ecrire" href=urls::compose(None)>"Écrire"</a>
            <MailboxSwitcher/>
            <div class="utilisateur">
                <span class="nom" data-testid="utilisateur">{me.display_name}</span>
                <span class="details">{me.professional_id}" · "{me.mailbox}</span>
            </div>
            <form method="post" action="/auth/logout" class="deconnexion">
                <button type="submit">"Se déconnecter"</button>
            </form>
        </header>
    }
}

/// The folder tree with unread counts; reloads when messages change or the page does.
#[component]
fn Folders() -> impl IntoView {
    let Changes(changes) = expect_context();
    let query = use_query_map();
    let params = use_params_map();
    let folders = Resource::new(move || (changes.get(), params.get(), query.get()), |_| list_folders());
    provide_context(folders);
    let current = move || folder_of(&query.read());
    view! {
        <nav class="dossiers" aria-label="Dossiers">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match folders.await {
                        Ok(list) => view! {
                            <ul>
                                {list.into_iter().map(|f| {
                                    let active = { let name = f.name.clone(); Signal::derive(move || current() == name) };
                                    view! {
                                        <li class:actif=active class:partage=f.name.starts_with("Shared/")>
                                            <a href=urls::folder(&f.name) aria-current=move || active.get().then_some("page")>
                                                <span class="libelle-dossier">{f.label}</span>
                                                {(f.unseen > 0).then(|| view! {
                                                    <span class="non-lus" title="Non lus">{f.unseen}</span>
                                                })}
                                            </a>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        // the page's main part says what went wrong, once
                        Err(_) => ().into_any(),
                    }
                })}
            </Transition>
        </nav>
    }
}

#[component]
fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let problem = move || query.read().get("erreur").and_then(|c| WebmailError::from_code(&c));
    view! {
        <Title text="Connexion"/>
        <main id="contenu" class="connexion">
            <h1>"Messagerie sécurisée de santé"</h1>
            <p class="accroche">"Échangez avec les professionnels de santé et vos patients dans l'espace de confiance MSSanté."</p>
            {move || problem().map(|e| view! { <p class="alerte" role="alert">{e.to_string()}</p> })}
            <a class="bouton-psc" href="/auth/login" rel="external">
                <span class="psc-logo" aria-hidden="true">"PSC"</span>
                "Se connecter avec Pro Santé Connect"
            </a>
            <p class="aide">"Avec l'application e-CPS ou votre carte CPS."</p>
        </main>
    }
}

/// An error, worded for the user, with the way out.
#[component]
pub(crate) fn Problem(error: WebmailError) -> impl IntoView {
    let sign_in = error.needs_sign_in();
    view! {
        <div class="alerte" role="alert">
            <p>{error.to_string()}</p>
            {sign_in.then(|| view! { <a href="/auth/login" rel="external">"Se reconnecter avec Pro Santé Connect"</a> })}
        </div>
    }
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    view! {
        <SignedIn>
            <Mailbox/>
        </SignedIn>
    }
}

/// Changing messages: the action, and the error it may leave for the page to show.
fn message_action() -> Action<(String, Vec<u32>, MessageAction), Result<(), WebmailError>> {
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
fn Mailbox() -> impl IntoView {
    let Changes(changes) = expect_context();
    let query = use_query_map();
    let list = Resource::new(
        move || {
            let q = query.read();
            (folder_of(&q), q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(0), search_of(&q), changes.get())
        },
        |(folder, page, search, _)| list_messages(folder, page, search),
    );
    let selected = RwSignal::new(BTreeSet::<u32>::new());
    let act = message_action();
    let sent_notice = move || match query.read().get("envoye").as_deref() {
        Some("1") => Some("Message envoyé."),
        Some("2") => Some("Message envoyé. Sa copie dans « Envoyés » n'a pas encore pu être faite : elle le sera au prochain envoi."),
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
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SearchForm() -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &'static str| query.read().get(k).unwrap_or_default();
    let searching = move || !search_of(&query.read()).is_empty();
    view! {
        <Form method="GET" action="/" attr:class="recherche" attr:role="search">
            <input type="hidden" name="dossier" prop:value=move || folder_of(&query.read())/>
            <label class="champ-principal">
                <span class="visuellement-cache">"Rechercher dans le texte"</span>
                <input type="search" name="texte" placeholder="Rechercher dans les messages" prop:value=move || q("texte")/>
            </label>
            <button type="submit">"Rechercher"</button>
            <details class="criteres" open=searching>
                <summary>"Plus de critères"</summary>
                <label>"De "<input name="de" prop:value=move || q("de")/></label>
                <label>"À "<input name="a" prop:value=move || q("a")/></label>
                <label>"Objet "<input name="objet" prop:value=move || q("objet")/></label>
                <label>"Du "<input type="date" name="du" prop:value=move || q("du")/></label>
                <label>"Au "<input type="date" name="au" prop:value=move || q("au")/></label>
                <label><input type="checkbox" name="nonlus" value="1" prop:checked=move || !q("nonlus").is_empty()/>" Non lus"</label>
                <label><input type="checkbox" name="pj" value="1" prop:checked=move || !q("pj").is_empty()/>" Avec pièce jointe"</label>
            </details>
            {move || searching().then(|| view! {
                <a class="effacer" href=urls::folder(&folder_of(&query.read()))>"Effacer la recherche"</a>
            })}
        </Form>
    }
}

/// "/?dossier=…&page=N" keeping the current search.
fn page_url(query: &ParamsMap, page: u32) -> String {
    let mut parts: Vec<String> = ["dossier", "de", "a", "objet", "texte", "du", "au", "nonlus", "pj"]
        .into_iter()
        .filter_map(|k| query.get(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={}", urls::encode(&v))))
        .collect();
    if page > 0 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() { "/".into() } else { format!("/?{}", parts.join("&")) }
}

#[component]
fn MessageTable(
    list: MessageList,
    selected: RwSignal<BTreeSet<u32>>,
    act: Action<(String, Vec<u32>, MessageAction), Result<(), WebmailError>>,
) -> impl IntoView {
    let query = use_query_map();
    let uids: Vec<u32> = list.messages.iter().map(|m| m.uid).collect();
    // forget selections that are not on this page any more
    selected.update_untracked(|s| s.retain(|uid| uids.contains(uid)));
    let all_uids = uids.clone();
    let all_selected = move || !all_uids.is_empty() && selected.with(|s| s.len() == all_uids.len());
    let (page, pages, folder) = (list.page, list.pages, list.folder.clone());
    let title = if search_of(&query.read_untracked()).is_empty() { "Messages" } else { "Résultats de la recherche" };
    let empty = list.messages.is_empty();
    view! {
        <section class="boite" aria-labelledby="titre-boite">
            <h1 id="titre-boite">
                {title}
                <span class="compteur">{if list.complete {
                    format!("{} message(s), {} non lu(s)", list.total, list.unseen)
                } else {
                    format!("au moins {} messages trouvés", list.total)
                }}</span>
            </h1>
            <Toolbar folder=folder.clone() selected act select_all=uids.clone() all_selected=Signal::derive(all_selected)/>
            {empty.then(|| view! { <p class="vide">"Aucun message."</p> })}
            <ul class="messages" data-testid="messages">
                {list.messages.into_iter().map(|m| {
                    let uid = m.uid;
                    let class = if m.seen { "message lu" } else { "message non-lu" };
                    view! {
                        <li class=class class:suivi=m.flagged>
                            <input type="checkbox" class="choix" aria-label=format!("Sélectionner « {} »", m.subject)
                                prop:checked=move || selected.with(|s| s.contains(&uid))
                                on:change=move |_| selected.update(|s| if !s.remove(&uid) { s.insert(uid); })/>
                            <a href=if m.draft { urls::compose(Some((ComposeFrom::Draft, &folder, uid))) } else { urls::message(&folder, uid) }>
                                <span class="expediteur">{m.from}</span>
                                <span class="objet">
                                    {m.flagged.then(|| view! { <span class="drapeau" title="Suivi">"⚑ "</span> })}
                                    {m.has_attachments.then(|| view! { <PaperClip/> })}
                                    {m.subject}
                                </span>
                                <time class="date">{m.date}</time>
                            </a>
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

/// Actions on the selected messages.
#[component]
fn Toolbar(
    folder: String,
    selected: RwSignal<BTreeSet<u32>>,
    act: Action<(String, Vec<u32>, MessageAction), Result<(), WebmailError>>,
    select_all: Vec<u32>,
    all_selected: Signal<bool>,
) -> impl IntoView {
    let folder = StoredValue::new(folder);
    let none = move || selected.with(BTreeSet::is_empty);
    let run = move |action: MessageAction| {
        let uids: Vec<u32> = selected.get_untracked().into_iter().collect();
        selected.set(BTreeSet::new());
        act.dispatch((folder.get_value(), uids, action));
    };
    let button = move |label: &'static str, action: MessageAction| {
        view! { <button type="button" disabled=none on:click=move |_| run(action.clone())>{label}</button> }
    };
    view! {
        <div class="actions" role="toolbar" aria-label="Actions sur la sélection">
            <label class="tout">
                <input type="checkbox" aria-label="Tout sélectionner" prop:checked=move || all_selected.get()
                    on:change=move |_| {
                        let all = all_selected.get_untracked();
                        selected.set(if all { BTreeSet::new() } else { select_all.iter().copied().collect() });
                    }/>
            </label>
            {button("Marquer lu", MessageAction::MarkRead)}
            {button("Marquer non lu", MessageAction::MarkUnread)}
            {button("Suivre", MessageAction::Flag)}
            {button("Ne plus suivre", MessageAction::Unflag)}
            <MoveTo folder=folder.get_value() disabled=Signal::derive(none) on_move=Callback::new(move |target| run(MessageAction::Move(target)))/>
            <button type="button" class="supprimer" disabled=none on:click=move |_| run(MessageAction::Delete)>"Supprimer"</button>
        </div>
    }
}

/// "Déplacer vers…": the other folders of the user.
#[component]
fn MoveTo(folder: String, disabled: Signal<bool>, on_move: Callback<String>) -> impl IntoView {
    let folders = use_context::<Resource<Result<Vec<Folder>, WebmailError>>>();
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

/// "PDF" for "CR.pdf": a short, readable file-type badge.
fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((_, ext)) if (1..=4).contains(&ext.len()) => ext.to_uppercase(),
        _ => "FICHIER".into(),
    }
}

#[component]
pub fn MessagePage() -> impl IntoView {
    view! {
        <SignedIn>
            <Message/>
        </SignedIn>
    }
}

#[component]
fn Message() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let message = Resource::new(
        move || (folder_of(&query.read()), params.read().get("uid").and_then(|u| u.parse::<u32>().ok())),
        |(folder, uid)| async move {
            match uid {
                Some(uid) => read_message(folder, uid).await,
                None => Err(WebmailError::MessageNotFound),
            }
        },
    );
    view! {
        <nav class="retour"><a href=move || urls::folder(&folder_of(&query.read()))>"← Retour à la liste"</a></nav>
        <Suspense fallback=|| view! { <p class="chargement">"Ouverture du message…"</p> }>
            {move || Suspend::new(async move {
                match message.await {
                    Ok(message) => view! { <MessageBody message/> }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MessageBody(message: MessageView) -> impl IntoView {
    let recipients = |label: &'static str, list: Vec<String>| {
        (!list.is_empty()).then(|| view! { <p><span class="libelle">{label}</span>{list.join(", ")}</p> })
    };
    let (folder, uid) = (message.folder.clone(), message.uid);
    let act = message_action();
    let navigate = use_navigate();
    let back = urls::folder(&folder);
    // after "non lu", a move or a deletion, the message is done with here: back to the list
    let leaving = RwSignal::new(false);
    Effect::new(move |_| {
        if matches!(act.value().get(), Some(Ok(()))) && leaving.get_untracked() {
            navigate(&back, Default::default());
        }
    });
    let flagged = RwSignal::new(message.flagged);
    let run = move |action: MessageAction| {
        leaving.set(matches!(action, MessageAction::MarkUnread | MessageAction::Move(_) | MessageAction::Delete));
        act.dispatch((folder.clone(), vec![uid], action));
    };
    let run = StoredValue::new(run);
    let leaves = move |action: MessageAction| move |_| run.read_value()(action.clone());
    let toggle_flag = move |_| {
        let now = !flagged.get_untracked();
        flagged.set(now);
        run.read_value()(if now { MessageAction::Flag } else { MessageAction::Unflag });
    };
    let images = RwSignal::new(false);
    let urls = PartUrls { folder: &message.folder, uid };
    let html_src = {
        let (plain, with_images) = (urls.html(false), urls.html(true));
        move || if images.get() { with_images.clone() } else { plain.clone() }
    };
    let remote = message.remote_images;
    view! {
        <Title text=message.subject.clone()/>
        <article class="lecture">
            <h1 data-testid="objet">{message.subject}</h1>
            <div class="actions" role="toolbar" aria-label="Actions sur le message">
                <a class="bouton" href=urls::compose(Some((ComposeFrom::Reply, &message.folder, uid)))>"Répondre"</a>
                <a class="bouton" href=urls::compose(Some((ComposeFrom::ReplyAll, &message.folder, uid)))>"Répondre à tous"</a>
                <a class="bouton" href=urls::compose(Some((ComposeFrom::Forward, &message.folder, uid)))>"Transférer"</a>
                <button type="button" on:click=leaves(MessageAction::MarkUnread)>"Marquer non lu"</button>
                <button type="button" on:click=toggle_flag aria-pressed=move || flagged.get().to_string()>
                    {move || if flagged.get() { "Ne plus suivre" } else { "Suivre" }}
                </button>
                <MoveTo folder=message.folder.clone() disabled=Signal::derive(|| false)
                    on_move=Callback::new(move |target| run.read_value()(MessageAction::Move(target)))/>
                <button type="button" class="supprimer" on:click=leaves(MessageAction::Delete)>"Supprimer"</button>
            </div>
            {move || act.value().get().and_then(Result::err).map(|error| view! { <Problem error/> })}
            {message.receipt_requested.then(|| view! { <ReceiptRequest folder=message.folder.clone() uid/> })}
            <div class="entetes">
                <p><span class="libelle">"De : "</span>{message.from}</p>
                {recipients("À : ", message.to)}
                {recipients("Cc : ", message.cc)}
                <p><span class="libelle">"Date : "</span>{message.date}</p>
            </div>
            {(!message.attachments.is_empty()).then(|| view! {
                <ul class="pieces-jointes" aria-label="Pièces jointes">
                    {message.attachments.into_iter().map(|a| view! { <AttachmentItem a folder=message.folder.clone() uid/> }).collect_view()}
                </ul>
            })}
            {if message.has_html {
                view! {
                    {(remote > 0).then(|| view! {
                        <p class="images-bloquees" data-testid="images-bloquees">
                            {format!("{remote} image(s) distante(s) bloquée(s) pour protéger votre confidentialité. ")}
                            <button type="button" on:click=move |_| images.set(true) disabled=move || images.get()>
                                "Afficher les images"
                            </button>
                        </p>
                    })}
                    <iframe class="corps-html" title="Contenu du message" data-testid="corps-html"
                        sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" src=html_src></iframe>
                }.into_any()
            } else {
                view! { <pre class="corps" data-testid="corps">{message.text}</pre> }.into_any()
            }}
        </article>
    }
}

/// The sender asks for a read receipt: sent only if the user agrees (RFC 8098, ANS MDN).
#[component]
fn ReceiptRequest(folder: String, uid: u32) -> impl IntoView {
    let answer = Action::new(move |send: &bool| answer_receipt(folder.clone(), uid, *send));
    view! {
        <div class="bandeau-info" role="status" data-testid="accuse">
            {move || match answer.value().get() {
                None => view! {
                    <p>"L'expéditeur demande un accusé de lecture."</p>
                    <button type="button" disabled=move || answer.pending().get() on:click=move |_| { answer.dispatch(true); }>"Envoyer l'accusé de lecture"</button>
                    <button type="button" class="secondaire" disabled=move || answer.pending().get() on:click=move |_| { answer.dispatch(false); }>"Ne pas l'envoyer"</button>
                }.into_any(),
                Some(Ok(())) => view! { <p>"C'est noté : cet accusé de lecture ne vous sera plus demandé."</p> }.into_any(),
                Some(Err(error)) => view! { <Problem error/> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn AttachmentItem(a: Attachment, folder: String, uid: u32) -> impl IntoView {
    let urls = PartUrls { folder: &folder, uid };
    let download = urls.attachment(a.index, false);
    let inline = urls.attachment(a.index, true);
    let xdm: Vec<_> = a.xdm.iter().map(|d| (d.clone(), urls.xdm_document(a.index, &d.path))).collect();
    view! {
        <li class="piece">
            <span class="type-pj">{extension(&a.name)}</span>
            <a class="nom-pj" href=download download=a.name.clone() rel="external">{a.name.clone()}</a>
            <span class="taille">{a.size}</span>
            {match a.preview {
                Preview::Pdf => Some(view! { <a class="apercu" href=inline.clone() target="_blank" rel="external">"Ouvrir"</a> }.into_any()),
                Preview::Image => Some(view! { <img class="vignette" src=inline.clone() alt=format!("Aperçu de {}", a.name)/> }.into_any()),
                Preview::None => None,
            }}
            {(!xdm.is_empty()).then(|| view! {
                <div class="xdm" data-testid="xdm">
                    <p class="libelle">"Documents de l'archive IHE XDM :"</p>
                    <ul>
                        {xdm.into_iter().map(|(d, href)| view! {
                            <li>
                                <a href=href rel="external">{d.title}</a>
                                <span class="details">{format!(" — {} · {} · {}", d.patient, d.created, d.mime_type)}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
        </li>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page introuvable"/>
        <main id="contenu"><p class="alerte">"Cette page n'existe pas."</p><a href="/">"Retour à la boîte de réception"</a></main>
    }
}

