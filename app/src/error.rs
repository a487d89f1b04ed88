//! What can go wrong, as the user is told it. Every lower-layer error is mapped once into this
//! type (in `server/`), and this is the only place that words it, in French.

use serde::{Deserialize, Serialize};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum WebmailError {
    /// No signed-in user in this browser session.
    #[error("Vous n'êtes pas connecté(e).")]
    NotSignedIn,
    /// The PSC access token expired and could not be renewed.
    #[error("Votre session Pro Santé Connect a expiré. Reconnectez-vous pour continuer.")]
    SessionExpired,
    /// The operator refused the token (IMAP/SMTP authentication failed).
    #[error("Votre opérateur MSSanté a refusé l'accès à votre boîte aux lettres. Reconnectez-vous ; si le refus persiste, contactez votre administrateur.")]
    AccessRefused,
    /// The answer coming back from PSC did not match the request this browser made (state).
    #[error("La réponse de Pro Santé Connect ne correspond pas à votre demande de connexion (elle a pu être modifiée ou être trop ancienne). Par sécurité, la connexion a été refusée : recommencez.")]
    LoginTampered,
    /// PSC refused or failed the sign-in (denied, bad code, invalid ID token, wrong acr…).
    #[error("Pro Santé Connect n'a pas validé votre identification. Recommencez la connexion.")]
    LoginRefused,
    /// The PSC identity has no MSSanté mailbox at this operator.
    #[error("Aucune boîte aux lettres MSSanté n'est associée à votre identité chez cet opérateur.")]
    NoMailbox,
    /// PSC is unreachable.
    #[error("Pro Santé Connect est momentanément injoignable. Réessayez dans quelques instants.")]
    PscUnavailable,
    /// The operator's IMAP/SMTP servers are unreachable.
    #[error("Le serveur de messagerie de votre opérateur est momentanément injoignable. Réessayez dans quelques instants ; rien n'a été perdu.")]
    OperatorUnavailable,
    /// The operator's Sieve server (rules) is unreachable: nothing was changed.
    #[error("Le serveur des règles de votre opérateur (réponse automatique, transfert, filtres) est momentanément injoignable : rien n'a été modifié. Réessayez dans quelques instants.")]
    RulesUnavailable,
    /// The operator's SMTP submission server is unreachable: nothing was sent.
    #[error("Le serveur d'envoi de votre opérateur est injoignable : le message n'a pas été envoyé. Il est conservé dans vos brouillons ; réessayez dans quelques instants.")]
    SendUnavailable,
    /// The operator's certificate was refused (revoked, expired, not IGC-Santé, or its revocation
    /// status unknown): the connection was closed before anything was sent. `sending`: the
    /// submission server's (SMTP), else the mailbox server's (IMAP).
    #[error("Par sécurité, la connexion au serveur {} de votre opérateur a été refusée : son certificat n'est pas valide (révoqué, expiré ou non vérifiable). {} Prévenez l'administrateur de votre structure.", if *sending { "d'envoi" } else { "de messagerie" }, if *sending { "Le message n'a pas été envoyé ; il reste dans vos brouillons." } else { "Rien n'a été transmis à ce serveur." })]
    OperatorUntrusted { sending: bool },
    /// The folder does not exist (any more), or may not be used so.
    #[error("Ce dossier n'existe pas ou n'est pas accessible.")]
    FolderNotFound,
    /// A refusal the server words itself, in French: input that cannot be used, a right the user
    /// lacks, something too large or too many, something no longer there.
    #[error("{0}")]
    InvalidInput(String),
    /// The Annuaire santé cannot answer: its first index is being built, or its API is out of reach.
    #[error("L'annuaire santé ne peut pas répondre pour le moment : réessayez dans un instant. Vous pouvez toujours saisir une adresse.")]
    DirectoryUnavailable,
    /// The message does not exist (any more).
    #[error("Ce message n'existe pas ou a été supprimé.")]
    MessageNotFound,
    /// The browser could not reach the webmail's server (connection lost).
    #[error("Le serveur de la messagerie est injoignable : vérifiez votre connexion puis réessayez.")]
    Unreachable,
    /// The webmail's own database (sessions, traces, outbox) does not answer, e.g. while it restarts.
    #[error("La base de données de la messagerie ne répond pas pour le moment. Réessayez dans quelques instants ; rien n'a été perdu.")]
    StoreUnavailable,
    /// Anything else; details are in the server log (never health data).
    #[error("Une erreur inattendue s'est produite. Réessayez ; si elle persiste, contactez le support.")]
    Internal,
}

impl WebmailError {
    /// Short stable code, used in the `?erreur=` query of the sign-in page.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotSignedIn => "non-connecte",
            Self::SessionExpired => "session-expiree",
            Self::AccessRefused => "acces-refuse",
            Self::LoginTampered => "reponse-invalide",
            Self::LoginRefused => "connexion-refusee",
            Self::NoMailbox => "sans-boite",
            Self::PscUnavailable => "psc-indisponible",
            Self::OperatorUnavailable => "operateur-indisponible",
            Self::MessageNotFound => "message-introuvable",
            Self::FolderNotFound => "dossier-introuvable",
            Self::SendUnavailable => "envoi-indisponible",
            Self::RulesUnavailable => "regles-indisponibles",
            Self::OperatorUntrusted { sending: false } => "certificat-operateur",
            Self::OperatorUntrusted { sending: true } => "certificat-envoi",
            Self::DirectoryUnavailable => "annuaire-indisponible",
            Self::InvalidInput(_) => "saisie-invalide",
            Self::Unreachable => "serveur-injoignable",
            Self::StoreUnavailable => "base-indisponible",
            Self::Internal => "erreur-interne",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::NotSignedIn,
            Self::SessionExpired,
            Self::AccessRefused,
            Self::LoginTampered,
            Self::LoginRefused,
            Self::NoMailbox,
            Self::PscUnavailable,
            Self::OperatorUnavailable,
            Self::MessageNotFound,
            Self::FolderNotFound,
            Self::SendUnavailable,
            Self::RulesUnavailable,
            Self::OperatorUntrusted { sending: false },
            Self::OperatorUntrusted { sending: true },
            Self::DirectoryUnavailable,
            Self::Unreachable,
            Self::StoreUnavailable,
            Self::Internal,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }

    /// Whether the fix is to sign in (again).
    pub fn needs_sign_in(&self) -> bool {
        matches!(self, Self::NotSignedIn | Self::SessionExpired | Self::AccessRefused)
    }
}

impl FromServerFnError for WebmailError {
    type Encoder = ErrorText;

    fn from_server_fn_error(e: ServerFnErrorErr) -> Self {
        match e {
            // the request never got an answer: connection lost, server down
            ServerFnErrorErr::Request(_) => Self::Unreachable,
            // (de)serialisation and the like: a fault of ours
            _ => Self::Internal,
        }
    }
}

/// How a failure travels from a server function to the page: its code, and for refused input
/// the text that says why, on the next line (`saisie-invalide\nLa date…`). Plain text, so that
/// the WASM every visit loads carries no JSON decoder for it, and a log or a test reads it as is.
pub struct ErrorText;

impl ContentType for ErrorText {
    const CONTENT_TYPE: &'static str = "text/plain; charset=utf-8";
}

impl FormatType for ErrorText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl Encodes<WebmailError> for ErrorText {
    type Error = std::convert::Infallible;

    fn encode(e: &WebmailError) -> Result<Bytes, Self::Error> {
        Ok(Bytes::from(match e {
            WebmailError::InvalidInput(text) => format!("{}\n{text}", e.code()),
            _ => e.code().to_string(),
        }))
    }
}

impl Decodes<WebmailError> for ErrorText {
    type Error = String;

    fn decode(bytes: Bytes) -> Result<WebmailError, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(|e| e.to_string())?;
        match text.split_once('\n') {
            Some((code, why)) if code == WebmailError::InvalidInput(String::new()).code() => Ok(WebmailError::InvalidInput(why.to_string())),
            _ => WebmailError::from_code(text).ok_or_else(|| format!("unknown error code: {text:.40}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_travels_as_its_code_and_comes_back_the_same() {
        let refused = WebmailError::InvalidInput("La date « 31/02 » n'est pas valide.\nVérifiez-la.".into());
        for e in [WebmailError::SessionExpired, WebmailError::OperatorUntrusted { sending: true }, WebmailError::StoreUnavailable, refused] {
            let sent = e.ser();
            assert_eq!(WebmailError::de(sent), e);
        }
        assert_eq!(&WebmailError::SessionExpired.ser()[..], b"session-expiree");
        // an answer that is none of ours (a proxy's page) is a fault, never a silent success
        assert_eq!(WebmailError::de(Bytes::from_static(b"<html>Bad gateway</html>")), WebmailError::Internal);
    }

    #[test]
    fn every_code_maps_back_to_its_error() {
        for e in [WebmailError::SessionExpired, WebmailError::LoginTampered, WebmailError::Internal] {
            assert_eq!(WebmailError::from_code(e.code()), Some(e));
        }
        assert_eq!(WebmailError::from_code("<script>"), None);
    }

    #[test]
    fn messages_are_in_french() {
        assert!(WebmailError::SessionExpired.to_string().contains("Reconnectez-vous"));
        assert!(WebmailError::LoginTampered.to_string().contains("Pro Santé Connect"));
    }
}
