//! The frame of every signed-in page: header with the mailbox switcher, folder tree, new-mail
//! push; the sign-in page, error and not-found pages.

use crate::error::WebmailError;
use crate::organisation::{MailboxEntry, mailbox_of, my_mailboxes};
use crate::reading::{Me, current_user, list_folders};
use crate::urls;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::Outlet,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
};

/// Bumped after every change made to messages, so that lists and counts reload.
#[derive(Clone, Copy)]
pub(crate) struct Changes(pub RwSignal<u32>);

pub(crate) fn folder_of(query: &ParamsMap) -> String {
    query.get("dossier").filter(|f| !f.is_empty()).unwrap_or_else(|| "INBOX".into())
}

/// Signed-in frame: header, folders and the page; the sign-in page when nobody is signed in.
#[component]
pub fn SignedIn() -> impl IntoView {
    let me = crate::wire::resource(|| (), |_| current_user());
    let changes = Changes(RwSignal::new(0));
    provide_context(changes);
    let Changes(counter) = changes;
    provide_context(crate::wire::resource(move || counter.get(), |_| my_mailboxes()));
    view! {
        <Transition fallback=|| view! { <p class="chargement">"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => view! {
                        // the browser's own jump (not the router's), which moves the focus too
                        <a class="evitement" href="#contenu" rel="external">"Aller au contenu"</a>
                        // shown by public/pwa.js when a new version has been deployed
                        <div id="nouvelle-version" class="bandeau-info nouvelle-version" role="status" hidden>
                            "Une nouvelle version de la messagerie est disponible. "
                            <button type="button">"Recharger"</button>
                        </div>
                        <div class="cadre">
                            <Header me/>
                            <main id="contenu" tabindex="-1"><Outlet/></main>
                        </div>
                    }.into_any(),
                    Ok(None) => view! { <SignInPage/> }.into_any(),
                    Err(e) => view! { <main id="contenu"><PageProblem title="Messagerie indisponible" error=e/></main> }.into_any(),
                }
            })}
        </Transition>
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

pub(crate) type Mailboxes = crate::wire::Data<Vec<MailboxEntry>>;

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

/// After moving to another page in place, the focus would stay on the link that is gone (the
/// page's start, for a screen reader or the keyboard): it goes to the new content instead, unless
/// the page put it somewhere itself (a reply's text).
fn focus_content_after_navigation() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let location = leptos_router::hooks::use_location();
        let refocus = || {
            let document = web_sys::window().and_then(|w| w.document());
            let lost = document.as_ref().and_then(|d| d.active_element()).is_none_or(|e| e.tag_name() == "BODY");
            let main = document.and_then(|d| d.get_element_by_id("contenu")).and_then(|m| m.dyn_into::<web_sys::HtmlElement>().ok());
            if let (true, Some(main)) = (lost, main) {
                let _ = main.focus();
            }
        };
        Effect::new(move |previous: Option<String>| {
            let path = location.pathname.get();
            if previous.is_some_and(|p| p != path) {
                // once the new page has replaced the old one
                set_timeout(refocus, std::time::Duration::ZERO);
            }
            path
        });
    }
}

/// The top bar, and the drawer with the account and the folders. On a phone the bar is one compact
/// row and the drawer a popover opened by « Menu » (native HTML: it works before hydration and
/// without JavaScript); on a desktop the drawer's parts take their places in the frame's grid.
#[component]
fn Header(me: Me) -> impl IntoView {
    // only once someone is signed in
    listen_for_new_mail(expect_context());
    focus_content_after_navigation();
    let query = use_query_map();
    let search = move || format!("{}#recherche", urls::folder(&folder_of(&query.read())));
    view! {
        <header class="bandeau">
            <button type="button" class="menu icone-bouton" popovertarget="tiroir" aria-label="Menu : dossiers et compte">
                <Icon path="M4 6h16M4 12h16M4 18h16"/>
            </button>
            <a class="marque" href="/"><span class="long">"Messagerie "</span><strong>"MSSanté"</strong></a>
            <a class="loupe icone-bouton" href=search aria-label="Rechercher">
                <Icon path="M10.5 4a6.5 6.5 0 1 0 0 13a6.5 6.5 0 0 0 0-13zM15.5 15.5L20 20"/>
            </a>
            <a class="ecrire" href=move || urls::compose_in(&folder_of(&query.read())) data-raccourci="ecrire">"Écrire"</a>
        </header>
        <super::shortcuts::ShortcutsHelp/>
        <aside id="tiroir" class="tiroir" aria-label="Compte et dossiers" popover="auto" on:click=close_drawer_on_link>
            <div class="compte">
                <div class="utilisateur">
                    <span class="nom" data-testid="utilisateur">{me.display_name}</span>
                    <span class="details">{me.professional_id}" · "{me.mailbox}</span>
                </div>
                <MailboxSwitcher/>
                <a class="lien-annuaire" href=urls::annuaire()>"Annuaire"</a>
                <a class="lien-annuaire" href=urls::my_activity() data-testid="mon-activite">"Mon activité"</a>
                <a class="lien-annuaire" href=urls::settings() data-testid="parametres">"Paramètres"</a>
                <form method="post" action="/auth/logout" class="deconnexion">
                    <button type="submit">"Se déconnecter"</button>
                </form>
            </div>
            <Folders/>
        </aside>
    }
}

/// A link followed inside the drawer navigates in place (no page load): close the drawer too.
fn close_drawer_on_link(ev: leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let on_link = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|e| e.closest("a").ok().flatten().is_some());
        if let Some(drawer) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()).filter(|_| on_link) {
            // not open (the desktop layout): nothing to close, and the error says so
            let _ = drawer.hide_popover();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// A line icon (inline SVG: nothing fetched, no emoji font); the control carries the label.
#[component]
fn Icon(path: &'static str) -> impl IntoView {
    view! {
        <svg aria-hidden="true" viewBox="0 0 24 24" width="24" height="24">
            <path d=path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
        </svg>
    }
}

/// The folder tree with unread counts; reloads when messages change (new mail, read, moved…) or
/// another folder is opened, not when a message of this one is (its reading changes the counts).
#[component]
fn Folders() -> impl IntoView {
    let Changes(changes) = expect_context();
    let query = use_query_map();
    let folders = crate::wire::resource(move || (changes.get(), folder_of(&query.read())), |_| list_folders());
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

/// A page that could not be shown: its title and heading say so, then why.
#[component]
pub(crate) fn PageProblem(title: &'static str, error: WebmailError) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1 class="titre-probleme">{title}</h1>
        <Problem error/>
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
        <main id="contenu">
            <h1 class="titre-probleme">"Page introuvable"</h1>
            <p class="alerte">"Cette page n'existe pas."</p>
            <a href="/">"Retour à la boîte de réception"</a>
        </main>
    }
}

