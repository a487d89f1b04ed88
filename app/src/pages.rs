//! Pages: sign-in, inbox, message. Everything the user reads is in French.

use crate::api::{Me, MessageList, MessageView, current_user, list_inbox, read_message};
use crate::error::WebmailError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Signed-in frame: header with the user and sign-out, or the sign-in page when nobody is.
#[component]
fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let me = Resource::new(|| (), |_| current_user());
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="chargement">"Chargement…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => view! {
                        <Header me/>
                        <main id="contenu">{children.read_value()()}</main>
                    }.into_any(),
                    Ok(None) => view! { <SignInPage/> }.into_any(),
                    Err(e) => view! { <main id="contenu"><Problem error=e/></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Header(me: Me) -> impl IntoView {
    view! {
        <header class="bandeau">
            <a class="marque" href="/">"Messagerie "<strong>"MSSanté"</strong></a>
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
fn Problem(error: WebmailError) -> impl IntoView {
    let sign_in = error.needs_sign_in();
    view! {
        <div class="alerte" role="alert">
            <p>{error.to_string()}</p>
            {sign_in.then(|| view! { <a href="/auth/login" rel="external">"Se reconnecter avec Pro Santé Connect"</a> })}
        </div>
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    view! {
        <Title text="Boîte de réception"/>
        <SignedIn>
            <Inbox/>
        </SignedIn>
    }
}

#[component]
fn Inbox() -> impl IntoView {
    let inbox = Resource::new(|| (), |_| list_inbox());
    view! {
        <Suspense fallback=|| view! { <p class="chargement">"Chargement de la boîte de réception…"</p> }>
            {move || Suspend::new(async move {
                match inbox.await {
                    Ok(list) => view! { <MessageTable list/> }.into_any(),
                    Err(error) => view! { <Problem error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn MessageTable(list: MessageList) -> impl IntoView {
    let empty = list.messages.is_empty();
    view! {
        <section class="boite" aria-labelledby="titre-boite">
            <h1 id="titre-boite">
                "Boîte de réception"
                <span class="compteur">{format!("{} message(s), {} non lu(s)", list.total, list.unseen)}</span>
            </h1>
            {empty.then(|| view! { <p class="vide">"Aucun message."</p> })}
            <ul class="messages" data-testid="messages">
                {list.messages.into_iter().map(|m| {
                    let class = if m.seen { "message lu" } else { "message non-lu" };
                    view! {
                        <li class=class>
                            <a href=format!("/messages/{}", m.uid)>
                                <span class="expediteur">{m.from}</span>
                                <span class="objet">
                                    {m.has_attachments.then(|| view! { <PaperClip/> })}
                                    {m.subject}
                                </span>
                                <time class="date">{m.date}</time>
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
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
    let uid = move || params.read().get("uid").and_then(|u| u.parse::<u32>().ok());
    let message = Resource::new(uid, |uid| async move {
        match uid {
            Some(uid) => read_message(uid).await,
            None => Err(WebmailError::MessageNotFound),
        }
    });
    view! {
        <nav class="retour"><a href="/">"← Boîte de réception"</a></nav>
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
    view! {
        <Title text=message.subject.clone()/>
        <article class="lecture">
            <h1 data-testid="objet">{message.subject}</h1>
            <div class="entetes">
                <p><span class="libelle">"De : "</span>{message.from}</p>
                {recipients("À : ", message.to)}
                {recipients("Cc : ", message.cc)}
                <p><span class="libelle">"Date : "</span>{message.date}</p>
            </div>
            {(!message.attachments.is_empty()).then(|| view! {
                <ul class="pieces-jointes" aria-label="Pièces jointes">
                    {message.attachments.into_iter().map(|a| view! {
                        <li>
                            <span class="type-pj">{extension(&a.name)}</span>
                            <span class="nom-pj">{a.name}</span>
                            <span class="taille">{a.size}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            <pre class="corps" data-testid="corps">{message.text}</pre>
        </article>
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
