#![recursion_limit = "512"]
//! The webmail's user interface: Leptos components, routes and server functions, rendered on the
//! server and hydrated in the browser. What the server does behind the server functions (PSC
//! session, IMAP gateway) sits behind the [`backend::Webmail`] trait, implemented in `server/`.

pub mod reading;
pub mod archive;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod directory;
pub mod documents;
pub mod error;
pub mod format;
pub mod organisation;
pub mod patient;
pub mod sending;
pub mod settings;
pub mod urls;
pub mod wire;
mod pages;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

/// Provided by the server for a request that cannot be signed in (it carries no session): its
/// page is the sign-in page, which works as plain HTML, so the application's code is not sent.
#[derive(Clone, Copy)]
pub struct WithoutSession;

/// The browser entry's signal that the whole page is hydrated: the 'interactive' mark the
/// first-load benchmark times; pages built from now on are the browser's own.
#[cfg(feature = "hydrate")]
pub fn hydrated() {
    pages::page_styles::hydration_done();
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark("interactive");
    }
}

/// Where this deployment's application code is (`/pkg/…js` and `…wasm`), and the stylesheet of
/// the pages loaded on demand (`pages/page_styles.rs`), provided by the server.
#[derive(Clone, Debug)]
pub struct ClientCode {
    pub js: String,
    pub wasm: String,
    pub pages_css: Option<String>,
}

/// Starts the application code once the page as served has been painted: what the server wrote
/// shows first, and the code (from the service worker's cache once installed) never competes
/// with it for the network. Only the small JS file is fetched early.
#[component]
fn ClientLoader(code: ClientCode) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let nonce = leptos::nonce::use_nonce();
    #[cfg(not(feature = "ssr"))]
    let nonce = None::<String>;
    // after the first contentful paint (or a second, for a tab in the background that paints
    // nothing), once
    let start = format!(
        "let started = false;\
         const start = () => {{ if (started) return; started = true;\
           import({js}).then((m) => m.default({{ module_or_path: {wasm} }}).then(() => m.hydrate())); }};\
         try {{ new PerformanceObserver((list, seen) => {{\
           if (list.getEntriesByName('first-contentful-paint').length) {{ seen.disconnect(); setTimeout(start, 0); }}\
         }}).observe({{ type: 'paint', buffered: true }}); }} catch (e) {{ start(); }}\
         setTimeout(start, 1000);",
        js = js_string(&code.js),
        wasm = js_string(&code.wasm),
    );
    view! {
        <link rel="modulepreload" href=code.js/>
        <script type="module" nonce=nonce>{start}</script>
        // where the pages loaded on demand find their stylesheet (pages/page_styles.rs)
        {code.pages_css.map(|href| view! { <meta name=pages::PAGES_STYLESHEET_META content=href/> })}
    }
}

/// A JavaScript string literal of a path the server made (quotes and backslashes escaped).
fn js_string(path: &str) -> String {
    format!("\"{}\"", path.replace('\\', "\\\\").replace('"', "\\\"").replace('<', "\\u003c"))
}

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let interactive = use_context::<WithoutSession>().is_none();
    #[cfg(feature = "ssr")]
    let nonce = leptos::nonce::use_nonce();
    #[cfg(not(feature = "ssr"))]
    let nonce = None::<String>;
    view! {
        <!DOCTYPE html>
        <html lang="fr">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <meta name="theme-color" content="#000091"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                // installable: the service worker keeps the application shell (public/pwa.js)
                <script type="module" src="/pwa.js" nonce=nonce></script>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                {interactive.then(|| match use_context::<ClientCode>() {
                    Some(code) => view! { <ClientLoader code/> }.into_any(),
                    None => view! { <HydrationScripts options/> }.into_any(),
                })}
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
        <Title formatter=|page: String| {
            if page.is_empty() { "Messagerie MSSanté".to_string() } else { format!("{page} · Messagerie MSSanté") }
        }/>
        <Router>
            <Routes fallback=pages::NotFound>
                // the list and the message are in the main code; the other pages' code comes on
                // their first visit (pages/on_demand.rs)
                // whole pages are rendered before sending: readable without JavaScript, no streaming scripts
                // the frame (header, mailboxes, folders) stays while its pages change: who is signed
                // in and their mailboxes are asked once, not on every navigation
                <ParentRoute path=path!("") view=pages::SignedIn ssr=SsrMode::Async>
                    <Route path=path!("") view=pages::MailboxPage ssr=SsrMode::Async/>
                    <Route path=path!("messages/:uid") view=pages::MessagePage ssr=SsrMode::Async/>
                    <Route path=path!("messages/:uid/document") view={Lazy::<pages::DocumentRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("ecrire") view={Lazy::<pages::ComposeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("annuaire") view={Lazy::<pages::AnnuaireRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("boites/membres") view={Lazy::<pages::MembersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("boites/traces") view={Lazy::<pages::TracesRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("parametres") view={Lazy::<pages::SettingsRoute>::new()} ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
