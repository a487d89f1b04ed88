//! The pages, each in its module; all text is French. `frame` is around every signed-in page.

pub(crate) mod annuaire;
pub(crate) mod compose;
pub(crate) mod document;
pub(crate) mod frame;
pub(crate) mod mailbox;
pub(crate) mod markers;
pub(crate) mod message;
pub(crate) mod organisation;

pub use annuaire::AnnuairePage;
pub use compose::ComposePage;
pub use document::DocumentPage;
pub use frame::NotFound;
pub use mailbox::MailboxPage;
pub use message::MessagePage;
pub use organisation::{MembersPage, TracesPage};
