//! The stylesheet of the pages loaded on demand (style/pages.css: writing, organisational
//! mailboxes, settings, health documents, the directory). The first load does without it, and a
//! page that needs it stays hidden until it applies: never shown unstyled.
//!
//! Served directly, the page names it in the head (leptos_meta, written by the server and taken
//! over by the hydration). Reached in the browser afterwards, the page adds a `<link>` of its own
//! to the head, once, and never removes it: a `<link>` tied to a page's lifetime would be taken
//! out when that page goes, possibly while the next page, built a moment before, counts on it.

use leptos::prelude::*;

/// The `<meta>` of every signed-in page that gives the stylesheet's address (lib.rs, `ClientLoader`).
pub const PAGES_STYLESHEET_META: &str = "feuille-pages";
/// The `<link>` written by the server in the head.
const SERVED_LINK_ID: &str = "feuille-pages";

/// A page loaded on demand, with its stylesheet.
#[component]
pub fn WithPageStyles(children: Children) -> impl IntoView {
    let served = written_by_server();
    // served: the head had the stylesheet before anything was painted
    let ready = RwSignal::new(served);
    #[cfg(feature = "hydrate")]
    if !served {
        browser::when_applied(move || ready.set(true));
    }
    provide_context(Shown(ready.into()));
    view! {
        {served.then(stylesheet_address).flatten().map(|href| view! { <leptos_meta::Stylesheet id=SERVED_LINK_ID href/> })}
        // no box of its own (display: contents), hidden until the stylesheet applies (main.css:
        // a class, since the page's policy refuses style attributes)
        <div class="page-a-la-demande" class:en-attente=move || !ready.get()>
            {children()}
        </div>
    }
}

/// Whether the page is on the screen yet (it may wait for its stylesheet), for what must wait for
/// that: a hidden field takes no focus.
#[derive(Clone, Copy)]
struct Shown(Signal<bool>);

/// In a page loaded on demand, whether it is on the screen yet; anywhere else, always.
pub fn page_shown() -> Signal<bool> {
    use_context::<Shown>().map_or(Signal::stored(true), |shown| shown.0)
}

/// True on the server, and in the browser while it hydrates what the server wrote (the view must
/// then be the server's); false for a page built in the browser.
fn written_by_server() -> bool {
    #[cfg(feature = "hydrate")]
    let served = !browser::HYDRATED.get();
    #[cfg(not(feature = "hydrate"))]
    let served = true;
    served
}

/// Where the stylesheet is: the server knows it, the browser reads it from the page's `<meta>`.
fn stylesheet_address() -> Option<String> {
    #[cfg(feature = "ssr")]
    let address = use_context::<crate::ClientCode>().and_then(|code| code.pages_css);
    #[cfg(feature = "hydrate")]
    let address = browser::address();
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let address = None;
    address
}

/// The browser entry says when the page as served is hydrated (lib.rs, `hydrated`).
#[cfg(feature = "hydrate")]
pub(crate) fn hydration_done() {
    browser::HYDRATED.set(true);
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::Cell;

    use leptos::prelude::document;
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::HtmlLinkElement;

    use super::PAGES_STYLESHEET_META;

    thread_local! {
        pub(super) static HYDRATED: Cell<bool> = const { Cell::new(false) };
    }

    /// The attribute that marks the `<link>` this module adds (never removed once loaded).
    const OWN_LINK: &str = "data-feuille-pages";

    pub(super) fn address() -> Option<String> {
        let meta = document().query_selector(&format!("meta[name={PAGES_STYLESHEET_META}]")).ok()??;
        meta.get_attribute("content")
    }

    /// Calls `then` once the stylesheet applies, or at once if it cannot (no address, a failed
    /// load: the page then shows as it is rather than never; the next page tries again).
    pub(super) fn when_applied(then: impl FnOnce() + 'static) {
        let Some(link) = own_link() else { return then() };
        if link.sheet().is_some() {
            return then();
        }
        let failed = link.clone();
        let callback = Closure::once_into_js(move |event: web_sys::Event| {
            if event.type_() == "error" {
                failed.remove();
            }
            then();
        });
        let callback: &js_sys::Function = callback.unchecked_ref();
        let _ = link.add_event_listener_with_callback("load", callback);
        let _ = link.add_event_listener_with_callback("error", callback);
    }

    /// This module's `<link>`, added to the head the first time.
    fn own_link() -> Option<HtmlLinkElement> {
        let document = document();
        if let Some(found) = document.query_selector(&format!("link[{OWN_LINK}]")).ok().flatten() {
            return found.dyn_into().ok();
        }
        let href = address()?;
        let link: HtmlLinkElement = document.create_element("link").ok()?.dyn_into().ok()?;
        link.set_rel("stylesheet");
        link.set_href(&href);
        link.set_attribute(OWN_LINK, "").ok()?;
        document.head()?.append_child(&link).ok()?;
        Some(link)
    }
}
