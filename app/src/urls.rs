//! The webmail's own URLs, built the same way on the server and in the browser.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

pub fn encode(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// A folder's list page ("/?dossier=…").
pub fn folder(name: &str) -> String {
    if name == "INBOX" { "/".into() } else { format!("/?dossier={}", encode(name)) }
}

/// A message's reading page.
pub fn message(folder: &str, uid: u32) -> String {
    format!("/messages/{uid}?dossier={}", encode(folder))
}

/// A page of an organisational mailbox: "membres" or "traces".
pub fn organisation(page: &str, mailbox: &str) -> String {
    format!("/boites/{page}?boite={}", encode(mailbox))
}

/// The traces of the user's own mailbox (« Mon activité »): the trace page without a mailbox.
pub fn my_activity() -> String {
    "/boites/traces".into()
}

/// The selected messages of `folder`, downloaded as a ZIP of .eml.
pub fn export_selection(folder: &str, uids: &[u32]) -> String {
    let uids: Vec<String> = uids.iter().map(u32::to_string).collect();
    format!("/boites/export?dossier={}&format=zip&uids={}", encode(folder), uids.join(","))
}

/// The automatic reply, forwarding, filters and signature.
pub fn settings() -> String {
    "/parametres".into()
}

/// How the compose page starts from a message.
#[derive(Clone, Copy)]
pub enum ComposeFrom {
    Reply,
    ReplyAll,
    Forward,
    Draft,
}

/// The compose page: empty ("/ecrire"), or from a message of a folder.
pub fn compose(from: Option<(ComposeFrom, &str, u32)>) -> String {
    let Some((kind, folder, uid)) = from else { return "/ecrire".into() };
    let key = match kind {
        ComposeFrom::Reply | ComposeFrom::ReplyAll => "repondre",
        ComposeFrom::Forward => "transferer",
        ComposeFrom::Draft => "brouillon",
    };
    let all = if matches!(kind, ComposeFrom::ReplyAll) { "&tous=1" } else { "" };
    format!("/ecrire?dossier={}&{key}={uid}{all}", encode(folder))
}

/// A new message written while reading `folder` (from its organisational mailbox, if it is one's).
pub fn compose_in(folder: &str) -> String {
    match crate::organisation::mailbox_of(folder) {
        Some(_) => format!("/ecrire?dossier={}", encode(folder)),
        None => "/ecrire".into(),
    }
}

/// A new message to `address`.
pub fn write_to(address: &str) -> String {
    format!("/ecrire?a={}", encode(address))
}

/// The directory page with these criteria.
pub fn annuaire() -> &'static str {
    "/annuaire"
}

/// Where a message's attachments and HTML body are served (server/src/parts.rs).
pub struct PartUrls<'a> {
    pub folder: &'a str,
    pub uid: u32,
}

impl PartUrls<'_> {
    fn query(&self) -> String {
        format!("dossier={}&uid={}", encode(self.folder), self.uid)
    }

    pub fn attachment(&self, index: usize, inline: bool) -> String {
        format!("/messages/piece?{}&index={index}{}", self.query(), if inline { "&apercu=1" } else { "" })
    }

    pub fn xdm_document(&self, index: usize, path: &str) -> String {
        format!("/messages/piece?{}&index={index}&xdm={}", self.query(), encode(path))
    }

    /// The PDF version of an XDM document, opened in the browser.
    pub fn xdm_pdf(&self, index: usize, path: &str) -> String {
        format!("{}&pdf=1&apercu=1", self.xdm_document(index, path))
    }

    /// The page showing an XDM document.
    pub fn xdm_view(&self, index: usize, path: &str) -> String {
        format!("/messages/{}/document?dossier={}&index={index}&chemin={}", self.uid, encode(self.folder), encode(path))
    }

    pub fn html(&self, remote_images: bool) -> String {
        format!("/messages/contenu?{}{}", self.query(), if remote_images { "&images=1" } else { "" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_are_encoded() {
        assert_eq!(folder("INBOX"), "/");
        assert_eq!(message("Shared/secretariat@h.fr/INBOX", 3), "/messages/3?dossier=Shared%2Fsecretariat%40h%2Efr%2FINBOX");
        let urls = PartUrls { folder: "Sent", uid: 9 };
        assert_eq!(urls.attachment(1, true), "/messages/piece?dossier=Sent&uid=9&index=1&apercu=1");
        assert_eq!(urls.html(false), "/messages/contenu?dossier=Sent&uid=9");
        assert_eq!(compose(Some((ComposeFrom::ReplyAll, "INBOX", 4))), "/ecrire?dossier=INBOX&repondre=4&tous=1");
        assert_eq!(compose(None), "/ecrire");
    }
}
