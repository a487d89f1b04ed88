//! The pages, each in its module; all text is French. `frame` is around every signed-in page:
//! the parent route, which stays in place (header, mailboxes, folders) while its pages change.
//! The list and a message are in the code every page loads; the others are lazy routes, each
//! its own WASM file (`cargo leptos build --split`) fetched when the page is first shown.

pub(crate) mod annuaire;
pub(crate) mod compose;
pub(crate) mod document;
pub(crate) mod early_input;
pub(crate) mod frame;
pub(crate) mod mailbox;
pub(crate) mod markers;
pub(crate) mod message;
pub(crate) mod organisation;
pub(crate) mod shortcuts;

pub use frame::{NotFound, SignedIn};
pub use mailbox::MailboxPage;
pub use message::MessagePage;

/// `$route`: the lazy route showing the page component `$page`.
macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(this: Self) -> leptos::prelude::AnyView {
                let $route = this;
                leptos::prelude::IntoAny::into_any($page())
            }
        }
    };
}

lazy_page!(ComposeRoute, compose::ComposePage);
lazy_page!(AnnuaireRoute, annuaire::AnnuairePage);
lazy_page!(DocumentRoute, document::DocumentPage);
lazy_page!(MembersRoute, organisation::MembersPage);
lazy_page!(TracesRoute, organisation::TracesPage);
