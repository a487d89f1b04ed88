//! Who is signed in: the professional as Pro Santé Connect identified them, and their PSC tokens.
//! PSC produces these, the session store keeps them, the backend acts with them.

use serde::{Deserialize, Serialize};

/// A sign-in under way: what the PSC answer must match.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub started_at: i64,
}

/// The professional behind a session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    /// PSC `sub`.
    pub subject: String,
    /// PSC SubjectNameID / preferred_username: '8' + RPPS or '0' + ADELI.
    pub subject_name_id: String,
    pub given_name: String,
    pub family_name: String,
    /// Nominative MSSanté mailbox (operator's mapping of the identity), lower case.
    pub mailbox: String,
}

impl Identity {
    /// "Claire DUBOIS", as shown and as put in From.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name).trim().to_string()
    }
}

/// The signed-in professional and their PSC tokens, as the session keeps them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedInUser {
    // flattened: the session's stored form is the same as before the split
    #[serde(flatten)]
    pub identity: Identity,
    pub tokens: Tokens,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    /// Unix seconds.
    pub access_expires_at: i64,
    /// Unix seconds after which the token is renewed before use: a fifth of its lifetime (at most
    /// 30 s) before it expires, so that a request never reaches the operator with a dying token.
    pub renew_after: i64,
    pub refresh_token: Option<String>,
    pub id_token: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").field("access_expires_at", &self.access_expires_at).finish_non_exhaustive()
    }
}

/// The national identifier carried in PSC's SubjectNameID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfessionalId {
    Rpps(String),
    Adeli(String),
    Other(String),
}

impl ProfessionalId {
    /// idNat_PS is '8' + RPPS (11 digits) or '0' + ADELI (9 characters).
    pub fn from_subject_name_id(id: &str) -> Self {
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        match (id.strip_prefix('8'), id.strip_prefix('0')) {
            (Some(rpps), _) if rpps.len() == 11 && digits(rpps) => Self::Rpps(rpps.into()),
            (_, Some(adeli)) if adeli.len() == 9 && adeli.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Self::Adeli(adeli.into())
            }
            _ => Self::Other(id.into()),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::Rpps(n) => format!("RPPS {n}"),
            Self::Adeli(n) => format!("ADELI {n}"),
            Self::Other(n) => format!("Identifiant {n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_name_id_carries_rpps_or_adeli() {
        assert_eq!(ProfessionalId::from_subject_name_id("810100000017"), ProfessionalId::Rpps("10100000017".into()));
        assert_eq!(ProfessionalId::from_subject_name_id("0751234567"), ProfessionalId::Adeli("751234567".into()));
        assert_eq!(ProfessionalId::from_subject_name_id("8123"), ProfessionalId::Other("8123".into()));
        assert_eq!(ProfessionalId::from_subject_name_id("ANS20230001").label(), "Identifiant ANS20230001");
        assert_eq!(ProfessionalId::from_subject_name_id("810100000017").label(), "RPPS 10100000017");
    }

    #[test]
    fn the_stored_session_keeps_its_flat_shape() {
        let user = SignedInUser {
            identity: Identity { subject: "s".into(), subject_name_id: "8".into(), given_name: "Claire".into(), family_name: "DUBOIS".into(), mailbox: "c@h.fr".into() },
            tokens: Tokens { access_token: "a".into(), access_expires_at: 1, renew_after: 1, refresh_token: None, id_token: "i".into() },
        };
        let json = serde_json::to_value(&user).unwrap();
        assert_eq!(json["mailbox"], "c@h.fr");
        assert_eq!(json["tokens"]["access_token"], "a");
        assert_eq!(user.identity.display_name(), "Claire DUBOIS");
    }
}
