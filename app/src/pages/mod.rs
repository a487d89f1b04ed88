//! The pages, each in its module; all text is French. `frame` is around every signed-in page:
//! the parent route, which stays in place (header, mailboxes, folders) while its pages change.

pub(crate) mod annuaire;
pub(crate) mod compose;
pub(crate) mod document;
pub(crate) mod early_input;
#[cfg(feature = "hydrate")]
pub(crate) mod file_upload;
pub(crate) mod frame;
pub(crate) mod get_form;
pub(crate) mod mailbox;
pub(crate) mod markers;
pub(crate) mod message;
pub(crate) mod on_demand;
pub(crate) mod organisation;
pub(crate) mod page_styles;
pub(crate) mod settings;
pub(crate) mod shortcuts;
pub(crate) mod transfer;

pub use annuaire::AnnuairePage;
pub use compose::ComposePage;
pub use document::DocumentPage;
pub use frame::{NotFound, SignedIn};
pub use mailbox::MailboxPage;
pub use message::MessagePage;
pub use on_demand::{AnnuaireRoute, ComposeRoute, DocumentRoute, MembersRoute, SettingsRoute, TracesRoute};
pub use organisation::{MembersPage, TracesPage};
pub use page_styles::PAGES_STYLESHEET_META;
pub use settings::SettingsPage;
