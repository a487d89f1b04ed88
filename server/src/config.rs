//! Settings, read once from the environment. Defaults point at the local test operator
//! (operator/start.sh), so the demo needs nothing but the client secret.

use std::{env, path::PathBuf, time::Duration};

#[derive(Clone, Debug)]
pub struct Config {
    /// Origin the browser uses to reach the webmail, e.g. http://127.0.0.1:8080 (no trailing slash).
    pub public_url: String,
    pub psc: PscConfig,
    pub imap: ImapConfig,
    pub smtp: SmtpConfig,
    /// ManageSieve (RFC 5804, STARTTLS, 4190): where the user's rules are kept.
    pub sieve: SieveConfig,
    pub sending: SendingConfig,
    /// The webmail's database shared by its instances (`postgres://…`); `None`: the SQLite file
    /// `session_db`, for one machine.
    pub database_url: Option<String>,
    /// Balancers whose `X-Forwarded-For` gives the browser's address (`TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Access traces: `sqlite://…` (default), or `postgres://…` (DATABASE_URL's when it is set).
    pub trace_database: String,
    pub trace_retention_days: i64,
    /// The Ed25519 seed signing the traces' checkpoints (made when missing; keep it apart from
    /// the trace database).
    pub trace_signing_key_file: PathBuf,
    /// How often the chain's head is signed.
    pub trace_checkpoint_every: Duration,
    /// The Annuaire santé extraction (Extraction_Correspondance_MSSante format).
    pub directory_file: PathBuf,
    /// Where the directory's index is built and kept (one SQLite file per extraction).
    pub directory_index_dir: PathBuf,
    /// The Annuaire Santé FHIR API (base URL and key), used instead of the file when both are set.
    pub directory_api: Option<(String, String)>,
    /// SQLite file holding the server-side sessions.
    pub session_db: PathBuf,
    /// The key sealing what is kept at rest: PSC tokens, uploads, sent messages (made, 0600, when missing).
    pub seal_key_file: PathBuf,
    /// A session ends after this long without activity.
    pub session_idle: Duration,
    /// The largest archive one import may send.
    pub import_max_bytes: usize,
    /// The settings still at the local test operator's or the demo's values (see
    /// [`Config::check_production`]).
    pub test_values: Vec<&'static str>,
    /// Where Prometheus metrics are served (`/metrics`), apart from the public address; none when unset.
    pub metrics_addr: Option<std::net::SocketAddr>,
}

fn production_refusal(public_url: &str, test_values: &[&str]) -> Option<String> {
    (public_url.starts_with("https://") && !test_values.is_empty()).then(|| {
        format!(
            "WEBMAIL_PUBLIC_URL est en https (service réel), mais ces réglages gardent leur valeur de test : {} ; \
             donnez-leur les valeurs de production (README, « Configuration »)",
            test_values.join(", ")
        )
    })
}

/// The PSC client secret of the demo and the tests (operator/psc).
const DEMO_CLIENT_SECRET: &str = "webmail-secret";

/// Which security settings keep a value only right for the test operator: the PSC stand-in, its
/// certificate authority and whitelist, the demo's client secret and NIL, keys in the build folder.
/// `get` reads one setting (the environment, or a test's map).
fn settings_at_test_values(get: impl Fn(&str) -> Option<String>) -> Vec<&'static str> {
    let unset = |name: &str| get(name).is_none_or(|v| v.is_empty());
    let mut found = Vec::new();
    let issuer = get("PSC_ISSUER").unwrap_or_default();
    let public_https = url::Url::parse(&issuer).is_ok_and(|url| {
        url.scheme() == "https"
            && match url.host() {
                Some(url::Host::Domain(name)) => name != "localhost",
                Some(url::Host::Ipv4(ip)) => !ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
                None => false,
            }
    });
    if !public_https {
        found.push("PSC_ISSUER");
    }
    if get("PSC_CLIENT_SECRET").as_deref() == Some(DEMO_CLIENT_SECRET) {
        found.push("PSC_CLIENT_SECRET");
    }
    for name in ["IMAP_CA_FILE", "LISTE_BLANCHE_FILE", "MSS_NIL", "SEAL_KEY_FILE", "TRACE_SIGNING_KEY_FILE"] {
        if unset(name) {
            found.push(name);
        }
    }
    found
}

/// The CRLs of the operator's certificate chain (IGC-Santé).
#[derive(Clone, Debug)]
pub struct RevocationConfig {
    /// Where the last valid CRL of each distribution point is kept.
    pub cache_dir: PathBuf,
    /// A CRL is fetched again after this long, and before its `nextUpdate` in any case.
    pub refresh: Duration,
    /// What to do when no valid CRL can be had for a certificate.
    pub unavailable: CrlUnavailable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrlUnavailable {
    /// Refuse the connection (default: nothing is sent to a server whose status is unknown).
    Refuse,
    /// Accept it, with a warning in the log.
    Warn,
}

#[derive(Clone, Debug)]
pub struct PscConfig {
    pub issuer: String,
    /// Path of the discovery document under the issuer: PSC uses a non-standard one.
    pub discovery_path: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// Authentication level demanded and checked in the ID token (PSC: eidas1).
    pub acr: String,
}

#[derive(Clone, Debug)]
pub struct ImapConfig {
    pub host: String,
    /// IMAP with STARTTLS (MSSanté clients use 143).
    pub port: u16,
    /// Certificate authority the operator's server certificate must chain to (IGC-Santé in production).
    pub ca_file: PathBuf,
    /// Debug setting: log each request's IMAP commands with their durations (`IMAP_TRACE=1`).
    pub trace: bool,
    /// How long one request searches before showing what it found and resuming in the next.
    pub search_budget: std::time::Duration,
    /// How the operator's certificates are checked for revocation (the same for SMTP).
    pub revocation: RevocationConfig,
}

#[derive(Clone, Debug)]
pub struct SmtpConfig {
    pub host: String,
    /// Submission with STARTTLS (587).
    pub port: u16,
    pub ca_file: PathBuf,
    pub revocation: RevocationConfig,
}

#[derive(Clone, Debug)]
pub struct SieveConfig {
    pub host: String,
    pub port: u16,
    pub ca_file: PathBuf,
    pub revocation: RevocationConfig,
    /// How the operator lets an administrator act for an organisational mailbox on ManageSieve:
    /// sign-in name `<mailbox><separator><administrator>` with the administrator's token (Dovecot's
    /// master-user separator). `None` (SIEVE_DELEGATION_SEPARATOR=non): the operator has no such rule.
    pub delegation_separator: Option<String>,
}

#[derive(Clone, Debug)]
pub struct SendingConfig {
    /// The MSSanté liste blanche (ANS XML), reread when it changes.
    pub liste_blanche: PathBuf,
    /// X-MSS-NIL: the product's reference on convergence.esante.gouv.fr, on every message.
    pub nil: String,
    /// Largest total size of one message's attachments.
    pub max_attachment_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration : {0}")]
pub struct ConfigError(String);

fn var(name: &str, default: &str) -> String {
    env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string())
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let operator_state = var("OPERATOR_STATE", "/var/tmp/mssante-operator");
        let client_secret = env::var("PSC_CLIENT_SECRET")
            .map_err(|_| ConfigError("PSC_CLIENT_SECRET manque (secret du client Pro Santé Connect)".into()))?;
        let port = var("IMAP_PORT", "143");
        let smtp_port = var("SMTP_PORT", "587");
        let sieve_port = var("SIEVE_PORT", "4190");
        let max_mb = var("ATTACHMENTS_MAX_MB", "20");
        let ca_file: PathBuf = var("IMAP_CA_FILE", &format!("{operator_state}/certs/ca.crt")).into();
        let imap_host = var("IMAP_HOST", "localhost");
        let retention = var("TRACE_RETENTION_DAYS", "183");
        let idle = var("SESSION_IDLE_MINUTES", "30");
        let import_mb = var("IMPORT_MAX_MB", "2048");
        let crl_refresh = var("CRL_REFRESH_MINUTES", "60");
        let checkpoint = var("TRACE_CHECKPOINT_SECONDS", "60");
        let unavailable = match var("CRL_UNAVAILABLE", "refuse").as_str() {
            "refuse" => CrlUnavailable::Refuse,
            "warn" => CrlUnavailable::Warn,
            other => return Err(ConfigError(format!("CRL_UNAVAILABLE invalide : {other} (refuse ou warn)"))),
        };
        let revocation = RevocationConfig {
            cache_dir: var("CRL_CACHE_DIR", "target/webmail-data/crl").into(),
            refresh: Duration::from_secs(
                60 * crl_refresh.parse::<u64>().map_err(|_| ConfigError(format!("CRL_REFRESH_MINUTES invalide : {crl_refresh}")))?,
            ),
            unavailable,
        };
        Ok(Self {
            public_url: var("WEBMAIL_PUBLIC_URL", "http://127.0.0.1:8080").trim_end_matches('/').to_string(),
            psc: PscConfig {
                issuer: var("PSC_ISSUER", "http://127.0.0.1:9090"),
                discovery_path: var("PSC_DISCOVERY_PATH", ".well-known/wallet-openid-configuration"),
                client_id: var("PSC_CLIENT_ID", "webmail"),
                client_secret,
                scopes: var("PSC_SCOPES", "scope_all mail offline_access").split_whitespace().map(String::from).collect(),
                acr: var("PSC_ACR", "eidas1"),
            },
            imap: ImapConfig {
                host: imap_host.clone(),
                port: port.parse().map_err(|_| ConfigError(format!("IMAP_PORT invalide : {port}")))?,
                ca_file: ca_file.clone(),
                trace: var("IMAP_TRACE", "0") == "1",
                search_budget: std::time::Duration::from_millis(
                    var("IMAP_SEARCH_BUDGET_MS", "5000").parse().map_err(|_| ConfigError("IMAP_SEARCH_BUDGET_MS invalide".into()))?,
                ),
                revocation: revocation.clone(),
            },
            smtp: SmtpConfig {
                host: var("SMTP_HOST", &imap_host),
                port: smtp_port.parse().map_err(|_| ConfigError(format!("SMTP_PORT invalide : {smtp_port}")))?,
                ca_file: ca_file.clone(),
                revocation: revocation.clone(),
            },
            sieve: SieveConfig {
                host: var("SIEVE_HOST", &imap_host),
                port: sieve_port.parse().map_err(|_| ConfigError(format!("SIEVE_PORT invalide : {sieve_port}")))?,
                ca_file,
                revocation,
                delegation_separator: Some(var("SIEVE_DELEGATION_SEPARATOR", "*")).filter(|s| s != "non"),
            },
            sending: SendingConfig {
                liste_blanche: var("LISTE_BLANCHE_FILE", &format!("{operator_state}/listeblanche.xml")).into(),
                nil: var("MSS_NIL", "WEBMAIL-MSSANTE-DEMO"),
                max_attachment_bytes: 1024 * 1024
                    * max_mb.parse::<u64>().map_err(|_| ConfigError(format!("ATTACHMENTS_MAX_MB invalide : {max_mb}")))?,
            },
            database_url: env::var("DATABASE_URL").ok().filter(|v| !v.is_empty()),
            trusted_proxies: var("TRUSTED_PROXIES", "")
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| a.parse().map_err(|_| ConfigError(format!("TRUSTED_PROXIES : « {a} » n'est pas une adresse IP"))))
                .collect::<Result<_, _>>()?,
            trace_database: var("TRACE_DATABASE_URL", &env::var("DATABASE_URL").ok().filter(|v| !v.is_empty()).unwrap_or_else(|| "sqlite://target/webmail-data/traces.db?mode=rwc".into())),
            trace_retention_days: retention.parse().map_err(|_| ConfigError(format!("TRACE_RETENTION_DAYS invalide : {retention}")))?,
            trace_signing_key_file: var("TRACE_SIGNING_KEY_FILE", "target/webmail-data/traces-signing.key").into(),
            trace_checkpoint_every: Duration::from_secs(
                checkpoint.parse::<u64>().ok().filter(|&s| s > 0).ok_or_else(|| ConfigError(format!("TRACE_CHECKPOINT_SECONDS invalide : {checkpoint}")))?,
            ),
            directory_file: var("ANNUAIRE_FILE", &format!("{operator_state}/annuaire.txt")).into(),
            directory_index_dir: var("ANNUAIRE_INDEX_DIR", "target/webmail-data/annuaire").into(),
            directory_api: match (env::var("ANNUAIRE_FHIR_URL"), env::var("ESANTE_API_KEY")) {
                (Ok(url), Ok(key)) if !url.is_empty() && !key.is_empty() => Some((url, key)),
                _ => None,
            },
            session_db: var("SESSION_DB", "target/webmail-data/sessions.db").into(),
            seal_key_file: var("SEAL_KEY_FILE", "target/webmail-data/seal.key").into(),
            session_idle: Duration::from_secs(
                60 * idle.parse::<u64>().map_err(|_| ConfigError(format!("SESSION_IDLE_MINUTES invalide : {idle}")))?,
            ),
            import_max_bytes: 1024 * 1024 * import_mb.parse::<usize>().map_err(|_| ConfigError(format!("IMPORT_MAX_MB invalide : {import_mb}")))?,
            test_values: settings_at_test_values(|name| env::var(name).ok()),
            metrics_addr: match env::var("METRICS_ADDR").ok().filter(|v| !v.is_empty()) {
                Some(addr) => Some(addr.parse().map_err(|_| ConfigError(format!("METRICS_ADDR invalide : {addr} (adresse:port)")))?),
                None => None,
            },
        })
    }

    /// Served over https, the webmail is a real service: it refuses to start while a security
    /// setting keeps its test value, and names each one (plain http is the demo and the tests).
    pub fn check_production(&self) -> Result<(), ConfigError> {
        production_refusal(&self.public_url, &self.test_values).map_or(Ok(()), |refusal| Err(ConfigError(refusal)))
    }

    /// Whether cookies must carry the Secure flag (anything but plain-HTTP local development).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn found(settings: &[(&str, &str)]) -> Vec<&'static str> {
        let map: HashMap<String, String> = settings.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        settings_at_test_values(|name| map.get(name).cloned())
    }

    const PRODUCTION: [(&str, &str); 7] = [
        ("PSC_ISSUER", "https://auth.esante.gouv.fr/auth/realms/esante-wallet"),
        ("PSC_CLIENT_SECRET", "un-secret-de-production"),
        ("IMAP_CA_FILE", "/etc/mssante/igc-sante.pem"),
        ("LISTE_BLANCHE_FILE", "/var/lib/mssante/listeblanche.xml"),
        ("MSS_NIL", "NIL-0001"),
        ("SEAL_KEY_FILE", "/var/lib/webmail/seal.key"),
        ("TRACE_SIGNING_KEY_FILE", "/etc/webmail/traces.key"),
    ];

    #[test]
    fn the_test_operators_values_are_named() {
        assert_eq!(
            found(&[("PSC_CLIENT_SECRET", DEMO_CLIENT_SECRET)]),
            ["PSC_ISSUER", "PSC_CLIENT_SECRET", "IMAP_CA_FILE", "LISTE_BLANCHE_FILE", "MSS_NIL", "SEAL_KEY_FILE", "TRACE_SIGNING_KEY_FILE"]
        );
        assert_eq!(found(&PRODUCTION), Vec::<&str>::new());
        // a local or plain-http issuer is the stand-in, whatever its spelling
        for issuer in ["http://psc.example.fr", "https://127.0.0.1:9090", "https://localhost/realm", "https://[::1]:9090"] {
            let mut settings = PRODUCTION.to_vec();
            settings[0].1 = issuer;
            assert_eq!(found(&settings), ["PSC_ISSUER"], "{issuer}");
        }
        let mut settings = PRODUCTION.to_vec();
        settings[4].1 = "";
        assert_eq!(found(&settings), ["MSS_NIL"]);
    }

    #[test]
    fn only_an_https_service_is_refused() {
        let left = ["PSC_CLIENT_SECRET", "IMAP_CA_FILE"];
        assert_eq!(production_refusal("http://127.0.0.1:8080", &left), None, "the demo starts");
        let refusal = production_refusal("https://webmail.chu-exemple.fr", &left).unwrap();
        assert!(refusal.contains("valeur de test : PSC_CLIENT_SECRET, IMAP_CA_FILE"), "{refusal}");
        assert_eq!(production_refusal("https://webmail.chu-exemple.fr", &[]), None);
    }
}
