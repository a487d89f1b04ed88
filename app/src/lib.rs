#![recursion_limit = "512"]
//! The webmail's user interface: Leptos components, routes and server functions, rendered on the
//! server and hydrated in the browser. What the server does behind the server functions (PSC
//! session, IMAP gateway) sits behind the [`backend::Webmail`] trait, implemented in `server/`.

pub mod reading;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod directory;
pub mod documents;
pub mod error;
pub mod format;
pub mod organisation;
pub mod patient;
pub mod sending;
pub mod urls;
mod pages;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="fr">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/mssante-webmail.css"/>
        <Title formatter=|page: String| {
            if page.is_empty() { "Messagerie MSSanté".to_string() } else { format!("{page} · Messagerie MSSanté") }
        }/>
        <Router>
            <Routes fallback=pages::NotFound>
                // whole pages are rendered before sending: readable without JavaScript, no streaming scripts
                // the frame (header, mailboxes, folders) stays while its pages change: who is signed
                // in and their mailboxes are asked once, not on every navigation
                <ParentRoute path=path!("") view=pages::SignedIn ssr=SsrMode::Async>
                    <Route path=path!("") view=pages::MailboxPage ssr=SsrMode::Async/>
                    <Route path=path!("messages/:uid") view=pages::MessagePage ssr=SsrMode::Async/>
                    <Route path=path!("messages/:uid/document") view=pages::DocumentPage ssr=SsrMode::Async/>
                    <Route path=path!("ecrire") view=pages::ComposePage ssr=SsrMode::Async/>
                    <Route path=path!("annuaire") view=pages::AnnuairePage ssr=SsrMode::Async/>
                    <Route path=path!("boites/membres") view=pages::MembersPage ssr=SsrMode::Async/>
                    <Route path=path!("boites/traces") view=pages::TracesPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
