//! Revocation of the operator's certificates (ECO.1.1.6, 1.1.7): the chain a server presents is
//! checked against the CRLs its certificates name (CRL distribution points), downloaded over HTTP,
//! verified against their issuer, kept on disk, and fetched again before they expire. It runs once
//! the TLS handshake is done (rustls has checked the chain, the name and the dates) and before the
//! webmail sends anything on the connection: no token reaches a server whose certificate is
//! revoked.
//!
//! A CRL that cannot be fetched leaves the last valid one in service; when none is valid, the
//! setting decides: refuse (default) or accept with a warning in the log.

use crate::clock::unix_now;
use crate::config::{CrlUnavailable, RevocationConfig};
use crate::error::Error;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::rustls::pki_types::{CertificateDer, UnixTime};
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, OwnedCertRevocationList, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};
use x509_parser::prelude::{DistributionPointName, FromDer, GeneralName, ParsedExtension, SubjectPublicKeyInfo, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

/// Bounds on what a server or a CRL publisher sends: certificates in a chain, distribution points
/// per certificate, bytes of one CRL, time to fetch it.
const MAX_CHAIN: usize = 6;
const MAX_POINTS: usize = 4;
const MAX_CRL_BYTES: usize = 20 * 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Seconds before a failed download is tried again.
const RETRY_AFTER: i64 = 60;

/// Which of the operator's servers a connection is for, as logs and messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Imap,
    Smtp,
    Sieve,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Imap => "IMAP",
            Side::Smtp => "SMTP",
            Side::Sieve => "ManageSieve",
        })
    }
}

/// One CRL as kept: its bytes (for the disk), parsed once (it may hold many thousand entries),
/// and its dates.
struct Kept {
    der: Vec<u8>,
    parsed: Arc<CertRevocationList<'static>>,
    dates: Dates,
}

/// A CRL's dates (Unix seconds).
#[derive(Clone, Copy)]
struct Dates {
    this_update: i64,
    next_update: Option<i64>,
    /// When it was last fetched (or read from disk: its file's date).
    fetched: i64,
}

impl Dates {
    fn valid_at(&self, now: i64) -> bool {
        self.next_update.is_none_or(|next| now < next)
    }

    /// Time to fetch it again: the refresh period has passed, or it expires within a tenth of its
    /// period (at most an hour), so that a new one is in hand before `nextUpdate`.
    fn due(&self, now: i64, refresh: Duration) -> bool {
        let margin = self.next_update.map(|next| ((next - self.this_update) / 10).clamp(0, 3600)).unwrap_or(0);
        now - self.fetched >= refresh.as_secs() as i64 || self.next_update.is_some_and(|next| now >= next - margin)
    }
}

pub struct Revocation {
    roots: Vec<CertificateDer<'static>>,
    config: RevocationConfig,
    http: reqwest::Client,
    /// One refresh at a time: connections opened together wait for the same download instead of
    /// each making one.
    state: tokio::sync::Mutex<Cache>,
}

/// The CRLs in hand and the downloads that failed lately, by distribution point URL.
#[derive(Default)]
struct Cache {
    kept: HashMap<String, Kept>,
    /// When the last download failed: not tried again before [`RETRY_AFTER`], so that a
    /// publisher out of reach does not hold every connection for the length of a timeout.
    failed: HashMap<String, i64>,
}

impl Revocation {
    /// For chains to `roots` (the configured ones, as the TLS handshake trusts them), with the
    /// CRLs kept in the cache folder.
    pub fn new(roots: Vec<CertificateDer<'static>>, config: RevocationConfig) -> Result<Self, Error> {
        std::fs::create_dir_all(&config.cache_dir).map_err(|e| Error::Store(format!("CRL cache {}: {e}", config.cache_dir.display())))?;
        let mut kept = HashMap::new();
        for entry in std::fs::read_dir(&config.cache_dir).into_iter().flatten().flatten() {
            let Some((url, der)) = read_cached(&entry.path()) else { continue };
            let fetched = entry.metadata().ok().and_then(|m| m.modified().ok()).map(unix_seconds).unwrap_or(0);
            if let Ok(crl) = read(der, fetched) {
                kept.insert(url, crl);
            }
        }
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::OperatorUnreachable(e.to_string()))?;
        Ok(Self { roots, config, http, state: tokio::sync::Mutex::new(Cache { kept, failed: HashMap::new() }) })
    }

    /// Accept or refuse the chain `side` presented (end-entity certificate first).
    pub async fn check(&self, side: Side, chain: &[CertificateDer<'_>]) -> Result<(), Error> {
        let refuse = |reason: String| refused(side, reason);
        if chain.is_empty() || chain.len() > MAX_CHAIN {
            return Err(refuse(format!("{} certificates presented", chain.len())));
        }
        let parsed = chain
            .iter()
            .map(|der| X509Certificate::from_der(der).map(|(_, cert)| cert))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| refuse(format!("unreadable certificate: {e}")))?;
        let roots: Vec<X509Certificate> = self.roots.iter().filter_map(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c)).collect();
        let now = unix_now();
        let mut crls = Vec::new();
        let mut unknown = Vec::new();
        {
            let mut state = self.state.lock().await;
            for (i, cert) in parsed.iter().enumerate() {
                // its issuer: the next certificate presented, or one of the configured roots
                let issuer = parsed.get(i + 1).filter(|next| next.subject() == cert.issuer())
                    .or_else(|| roots.iter().find(|root| root.subject() == cert.issuer()));
                if cert.subject() == cert.issuer() {
                    continue; // a root sent along: trusted as configured, or not at all
                }
                let points = distribution_points(cert);
                let mut found = false;
                for url in &points {
                    let failed_lately = state.failed.get(url).is_some_and(|&at| now - at < RETRY_AFTER);
                    if !failed_lately && state.kept.get(url).is_none_or(|crl| crl.dates.due(now, self.config.refresh)) {
                        match self.fetch(url, cert, issuer).await {
                            Ok(crl) => {
                                self.keep(url, &crl);
                                state.kept.insert(url.clone(), crl);
                                state.failed.remove(url);
                            }
                            Err(reason) => {
                                tracing::warn!("CRL {url} not refreshed ({reason}); the last valid one, if any, is used");
                                state.failed.insert(url.clone(), now);
                            }
                        }
                    }
                    if let Some(crl) = state.kept.get(url).filter(|crl| crl.dates.valid_at(now)) {
                        crls.push(crl.parsed.clone());
                        found = true;
                        break;
                    }
                }
                if !found {
                    let subject = cert.subject().to_string();
                    unknown.push(if points.is_empty() { format!("{subject} names no CRL") } else { format!("no valid CRL for {subject} ({})", points.join(", ")) });
                }
            }
        }
        if !unknown.is_empty() {
            match self.config.unavailable {
                CrlUnavailable::Refuse => return Err(refuse(format!("revocation status unknown: {}", unknown.join("; ")))),
                CrlUnavailable::Warn => tracing::warn!("operator {side} certificate accepted without revocation status (CRL_UNAVAILABLE=warn): {}", unknown.join("; ")),
            }
        }
        self.verify(chain, crls).map_err(|e| match e {
            webpki::Error::CertRevoked => refuse(format!(
                "certificate revoked in the chain of {} (serial {})",
                parsed[0].subject(),
                parsed[0].raw_serial_as_string()
            )),
            other => refuse(format!("{other:?}")),
        })
    }

    /// The whole path again, this time with the CRLs: a revoked certificate anywhere in it fails.
    fn verify(&self, chain: &[CertificateDer<'_>], crls: Vec<Arc<CertRevocationList<'static>>>) -> Result<(), webpki::Error> {
        let anchors = self.roots.iter().map(|der| webpki::anchor_from_trusted_cert(der)).collect::<Result<Vec<_>, _>>()?;
        let crl_refs: Vec<&CertRevocationList> = crls.iter().map(|crl| &**crl).collect();
        // statuses left unknown were dealt with above, by the setting
        let revocation = RevocationOptionsBuilder::new(&crl_refs).ok().map(|options| {
            options
                .with_depth(RevocationCheckDepth::Chain)
                .with_status_policy(UnknownStatusPolicy::Allow)
                .with_expiration_policy(ExpirationPolicy::Enforce)
                .build()
        });
        let algorithms = tokio_rustls::rustls::crypto::ring::default_provider().signature_verification_algorithms.all;
        let end_entity = EndEntityCert::try_from(&chain[0])?;
        end_entity.verify_for_usage(algorithms, &anchors, &chain[1..], UnixTime::now(), KeyUsage::server_auth(), revocation, None)?;
        Ok(())
    }

    /// Download the CRL at `url` for `cert`, signed by its `issuer`.
    async fn fetch(&self, url: &str, cert: &X509Certificate<'_>, issuer: Option<&X509Certificate<'_>>) -> Result<Kept, String> {
        let issuer = issuer.ok_or("issuer not found in the chain or the roots")?;
        let mut response = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("HTTP {}", response.status()));
        }
        let mut der = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            if der.len() + chunk.len() > MAX_CRL_BYTES {
                return Err(format!("over {MAX_CRL_BYTES} bytes"));
            }
            der.extend_from_slice(&chunk);
        }
        // parsed and its signature checked off the async workers: a CRL may be megabytes
        let (issuer_name, issuer_key) = (cert.issuer().as_raw().to_vec(), issuer.public_key().raw.to_vec());
        let kept = tokio::task::spawn_blocking(move || {
            let (_, crl) = CertificateRevocationList::from_der(&der).map_err(|e| format!("unreadable: {e}"))?;
            if crl.issuer().as_raw() != issuer_name.as_slice() {
                return Err("issued by another authority".to_string());
            }
            let (_, key) = SubjectPublicKeyInfo::from_der(&issuer_key).map_err(|e| format!("issuer key: {e}"))?;
            crl.verify_signature(&key).map_err(|e| format!("bad signature: {e}"))?;
            read(der, unix_now())
        })
        .await
        .map_err(|e| e.to_string())??;
        if !kept.dates.valid_at(unix_now()) {
            return Err("expired".into());
        }
        Ok(kept)
    }

    /// Write a fetched CRL to the cache folder (whole or not at all).
    fn keep(&self, url: &str, crl: &Kept) {
        let path = self.config.cache_dir.join(cache_name(url));
        let temporary = path.with_extension("tmp");
        let mut file = Vec::with_capacity(url.len() + 1 + crl.der.len());
        file.extend_from_slice(url.as_bytes());
        file.push(b'\n');
        file.extend_from_slice(&crl.der);
        if let Err(e) = std::fs::write(&temporary, file).and_then(|_| std::fs::rename(&temporary, &path)) {
            tracing::warn!("CRL {url} not written to {}: {e}", path.display());
        }
    }
}

/// The operator's `side` certificate refused, and why: logged for the administrator (the user is
/// told by the error's French text).
pub fn refused(side: Side, reason: String) -> Error {
    tracing::error!("operator {side} certificate refused: {reason}");
    Error::OperatorCertificate { side, reason }
}

/// Why a TLS handshake refused the server's certificate, when that is what `error` (or one of its
/// causes) says.
pub fn refused_in_handshake(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(tokio_rustls::rustls::Error::InvalidCertificate(reason)) = e.downcast_ref::<tokio_rustls::rustls::Error>() {
            return Some(format!("{reason:?}"));
        }
        cause = e.source();
    }
    None
}

/// The HTTP distribution points `cert` names (others cannot be fetched here).
fn distribution_points(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut urls = Vec::new();
    for extension in cert.extensions() {
        let ParsedExtension::CRLDistributionPoints(points) = extension.parsed_extension() else { continue };
        for point in points.iter() {
            let Some(DistributionPointName::FullName(names)) = &point.distribution_point else { continue };
            for name in names {
                if let GeneralName::URI(uri) = name && (uri.starts_with("http://") || uri.starts_with("https://")) && urls.len() < MAX_POINTS {
                    urls.push(uri.to_string());
                }
            }
        }
    }
    urls
}

/// A CRL read when it is fetched (`fetched`: now) or loaded from the cache: its dates, and the
/// form the chain is checked with.
fn read(der: Vec<u8>, fetched: i64) -> Result<Kept, String> {
    let (_, crl) = CertificateRevocationList::from_der(&der).map_err(|e| format!("unreadable: {e}"))?;
    let dates = Dates { this_update: crl.last_update().timestamp(), next_update: crl.next_update().map(|t| t.timestamp()), fetched };
    let parsed = OwnedCertRevocationList::from_der(&der).map_err(|e| format!("unusable: {e:?}"))?;
    Ok(Kept { der, parsed: Arc::new(CertRevocationList::Owned(parsed)), dates })
}

/// A cache file: the URL on the first line, then the CRL as fetched (DER).
fn read_cached(path: &std::path::Path) -> Option<(String, Vec<u8>)> {
    if path.extension().is_none_or(|e| e != "crl") {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let end = bytes.iter().position(|&b| b == b'\n')?;
    let url = std::str::from_utf8(&bytes[..end]).ok()?.to_string();
    (cache_name(&url) == path.file_name()?.to_str()?).then(|| (url, bytes[end + 1..].to_vec()))
}

fn cache_name(url: &str) -> String {
    let digest = Sha256::digest(url.as_bytes());
    format!("{}.crl", digest.iter().take(16).map(|b| format!("{b:02x}")).collect::<String>())
}

fn unix_seconds(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crl_is_fetched_again_before_it_expires_and_after_the_refresh_period() {
        let day: i64 = 86_400;
        let days = |n: i64| Duration::from_secs((n * day) as u64);
        let crl = Dates { this_update: 0, next_update: Some(7 * day), fetched: 0 };
        let hour = Duration::from_secs(3600);
        assert!(!crl.due(60, hour));
        assert!(crl.due(3600, hour), "refresh period over");
        assert!(crl.due(7 * day - 1800, days(30)), "within the last hour before nextUpdate");
        assert!(!crl.due(6 * day, days(30)));
        assert!(crl.valid_at(7 * day - 1) && !crl.valid_at(7 * day));
        let short = Dates { this_update: 0, next_update: Some(100), fetched: 0 };
        assert!(short.due(91, Duration::from_secs(3600)), "a tenth of a short period");
        assert!(!short.due(89, Duration::from_secs(3600)));
    }

    #[test]
    fn the_cache_file_names_its_url_and_refuses_one_renamed() {
        let dir = std::env::temp_dir().join(format!("crl-cache-{}-{}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = "http://crl.igc-sante.esante.gouv.fr/ACI-EL-ORG.crl";
        let path = dir.join(cache_name(url));
        std::fs::write(&path, [url.as_bytes(), b"\n", b"\x30\x00"].concat()).unwrap();
        assert_eq!(read_cached(&path), Some((url.to_string(), b"\x30\x00".to_vec())));
        let moved = dir.join(cache_name("http://elsewhere/x.crl"));
        std::fs::rename(&path, &moved).unwrap();
        assert_eq!(read_cached(&moved), None, "a file under another URL's name is not used");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
