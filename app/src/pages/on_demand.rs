//! Pages whose code the browser loads the first time they are visited (lazy routes: the release
//! build splits each into its own WASM chunk, `cargo leptos build --split`). The mailbox list and
//! the message stay in the main file: every visit starts there, and on a phone the first load
//! (sign-in, inbox, one message) carries only what it shows. Their styles come the same way
//! (`page_styles.rs`).

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// `OnDemand => Page`: a route type whose view is `Page`, loaded on the first visit.
macro_rules! on_demand {
    ($($route:ident => $page:path),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <super::page_styles::WithPageStyles><$page/></super::page_styles::WithPageStyles> }.into_any()
            }
        }
    )*};
}

on_demand! {
    ComposeRoute => super::ComposePage,
    DocumentRoute => super::DocumentPage,
    AnnuaireRoute => super::AnnuairePage,
    MembersRoute => super::MembersPage,
    TracesRoute => super::TracesPage,
    SettingsRoute => super::SettingsPage,
}
