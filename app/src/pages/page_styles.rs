//! The stylesheet of the pages loaded on demand (style/pages.css: writing, organisational
//! mailboxes, settings, health documents, the directory). The first load does without it. A page
//! that needs it names it in the head (leptos_meta, written by the server when the page is served
//! directly), and stays hidden until it applies: never shown unstyled.

use leptos::prelude::*;

/// The `<meta>` of every signed-in page that gives the stylesheet's address (lib.rs, `ClientLoader`).
pub const PAGES_STYLESHEET_META: &str = "feuille-pages";
/// The stylesheet's `<link>` in the head.
const LINK_ID: &str = "feuille-pages";

/// A page loaded on demand, with its stylesheet.
#[component]
pub fn WithPageStyles(children: Children) -> impl IntoView {
    let ready = RwSignal::new(already_applied());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if !ready.get_untracked() {
            when_applied(move || ready.set(true));
        }
    });
    view! {
        {stylesheet_address().map(|href| view! { <leptos_meta::Stylesheet id=LINK_ID href/> })}
        // no box of its own (display: contents), hidden until the stylesheet applies (main.css:
        // a class, since the page's policy refuses style attributes)
        <div class="page-a-la-demande" class:en-attente=move || !ready.get()>
            {children()}
        </div>
    }
}

/// Where the stylesheet is: the server knows it, the browser reads it from the page's `<meta>`.
fn stylesheet_address() -> Option<String> {
    #[cfg(feature = "ssr")]
    let address = use_context::<crate::ClientCode>().and_then(|code| code.pages_css);
    #[cfg(feature = "hydrate")]
    let address = document().query_selector(&format!("meta[name={PAGES_STYLESHEET_META}]")).ok().flatten().and_then(|meta| meta.get_attribute("content"));
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let address = None;
    address
}

/// Written by the server, the page shows at once (its head had the stylesheet before anything was
/// painted); in the browser, once the stylesheet is loaded (it may be there from another page).
fn already_applied() -> bool {
    #[cfg(feature = "hydrate")]
    let applied = loaded_link().is_some();
    #[cfg(not(feature = "hydrate"))]
    let applied = true;
    applied
}

#[cfg(feature = "hydrate")]
fn link() -> Option<web_sys::HtmlLinkElement> {
    use wasm_bindgen::JsCast;
    document().get_element_by_id(LINK_ID)?.dyn_into().ok()
}

#[cfg(feature = "hydrate")]
fn loaded_link() -> Option<web_sys::HtmlLinkElement> {
    link().filter(|link| link.sheet().is_some())
}

/// Calls `then` once the stylesheet applies, or at once if it cannot (no address, a failed load:
/// the page then shows as it is rather than never).
#[cfg(feature = "hydrate")]
fn when_applied(then: impl FnOnce() + 'static) {
    use wasm_bindgen::{JsCast, closure::Closure};
    match link() {
        Some(link) if link.sheet().is_none() => {
            let callback = Closure::once_into_js(then);
            let callback: &js_sys::Function = callback.unchecked_ref();
            let _ = link.add_event_listener_with_callback("load", callback);
            let _ = link.add_event_listener_with_callback("error", callback);
        }
        _ => then(),
    }
}
