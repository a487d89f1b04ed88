//! Folder names: IMAP's modified UTF-7 (RFC 3501 §5.1.3) and the French names of special-use folders.

use app::organisation::SHARED_PREFIX;
use app::reading::FolderRole;
use crate::error::Error;
use base64::Engine;

/// "Envoy&AOk-s" → "Envoyés". Malformed input is shown as it is.
pub fn decode_mutf7(name: &str) -> String {
    let mut out = String::new();
    let mut rest = name;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('-') else { return name.to_string() };
        let encoded = &after[..end];
        if encoded.is_empty() {
            out.push('&');
        } else {
            let b64 = encoded.replace(',', "/");
            let Ok(bytes) = base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64) else { return name.to_string() };
            let units: Vec<u16> = bytes.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            out.push_str(&String::from_utf16_lossy(&units));
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The French name shown for a folder.
pub fn label(name: &str, role: FolderRole) -> String {
    let plain = match role {
        FolderRole::Inbox => "Boîte de réception",
        FolderRole::Drafts => "Brouillons",
        FolderRole::Sent => "Envoyés",
        FolderRole::Trash => "Corbeille",
        FolderRole::Junk => "Indésirables",
        FolderRole::Archive => "Archives",
        FolderRole::Other => return decode_mutf7(name).replace('/', " › "),
    };
    // a special folder inside an organisational mailbox: "secretariat-cardio@… › Boîte de réception"
    match name.strip_prefix(SHARED_PREFIX).map(|rest| rest.split_once('/').map_or(rest, |(owner, _)| owner)) {
        Some(owner) => format!("{owner} › {plain}"),
        None => plain.to_string(),
    }
}

/// Reject what cannot be a folder name before it reaches an IMAP command.
pub fn check_name(name: &str) -> Result<(), Error> {
    if name.is_empty() || name.len() > 512 || name.chars().any(|c| c.is_control() || c == '"' || c == '\\') {
        return Err(Error::FolderNotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modified_utf7_decodes() {
        assert_eq!(decode_mutf7("Envoy&AOk-s"), "Envoyés");
        assert_eq!(decode_mutf7("Dossiers &- Archives"), "Dossiers & Archives");
        assert_eq!(decode_mutf7("Cardiologie/R&AOk-sultats"), "Cardiologie/Résultats");
        assert_eq!(decode_mutf7("broken&AOk"), "broken&AOk");
    }

    #[test]
    fn special_folders_have_french_names() {
        assert_eq!(label("INBOX", FolderRole::Inbox), "Boîte de réception");
        assert_eq!(label("Sent", FolderRole::Sent), "Envoyés");
        assert_eq!(label("Shared/secretariat-cardio@h.mssante.fr/INBOX", FolderRole::Inbox), "secretariat-cardio@h.mssante.fr › Boîte de réception");
        assert_eq!(label("Shared/secretariat-cardio@h.mssante.fr", FolderRole::Inbox), "secretariat-cardio@h.mssante.fr › Boîte de réception");
        assert_eq!(label("Patients/Suivi", FolderRole::Other), "Patients › Suivi");
    }

    #[test]
    fn injection_in_folder_names_is_refused() {
        assert!(check_name("INBOX\r\nA1 LOGOUT").is_err());
        assert!(check_name("a\"b").is_err());
        assert!(check_name("Shared/secretariat-cardio@hopital-demo.mssante.fr/INBOX").is_ok());
    }
}
