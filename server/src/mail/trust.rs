//! The MSSanté trust space: who may receive mail from us. A professional address must be on a
//! domain of the liste blanche (the ANS XML, read from a file and reread when it changes); a
//! patient address (Mon Espace Santé) must be an INS/NIR with a valid key.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

pub use app::patient::{PATIENT_DOMAIN, check_ins, is_patient};

/// The domains of a liste blanche document (namespace `https://listeblanche.mssante.fr/schema`).
pub fn parse_liste_blanche(xml: &str) -> Result<HashSet<String>, String> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| e.to_string())?;
    let root = doc.root_element();
    if root.tag_name().name() != "ListeBlancheMSSante" {
        return Err(format!("unexpected root element {}", root.tag_name().name()));
    }
    Ok(root
        .descendants()
        .filter(|n| n.tag_name().name() == "Domaine")
        .filter_map(|d| d.children().find(|c| c.tag_name().name() == "Nom")?.text())
        .map(|name| name.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect())
}

/// The liste blanche file, reread when its modification time changes (checked at most every
/// `RECHECK`), so an updated list applies without restarting the webmail.
pub struct TrustSpace {
    path: PathBuf,
    cache: Mutex<Cache>,
}

struct Cache {
    domains: Arc<HashSet<String>>,
    modified: Option<SystemTime>,
    checked: Option<Instant>,
}

const RECHECK: Duration = Duration::from_secs(10);

impl TrustSpace {
    pub fn new(path: PathBuf) -> Self {
        Self { path, cache: Mutex::new(Cache { domains: Arc::default(), modified: None, checked: None }) }
    }

    /// The list as it stands, shared (not copied) by every check made with it.
    pub fn snapshot(&self) -> TrustSnapshot {
        TrustSnapshot { domains: self.domains() }
    }

    fn domains(&self) -> Result<Arc<HashSet<String>>, String> {
        let mut cache = self.cache.lock().unwrap();
        if cache.checked.is_none_or(|at| at.elapsed() >= RECHECK) {
            cache.checked = Some(Instant::now());
            let modified = std::fs::metadata(&self.path).and_then(|m| m.modified()).ok();
            if modified.is_none() || modified != cache.modified {
                match std::fs::read_to_string(&self.path).map_err(|e| e.to_string()).and_then(|xml| parse_liste_blanche(&xml)) {
                    Ok(domains) => {
                        tracing::info!("liste blanche {}: {} domains", self.path.display(), domains.len());
                        *cache = Cache { domains: Arc::new(domains), modified, checked: cache.checked };
                    }
                    // keep the last good list; with none, refuse rather than let anything through
                    Err(e) => tracing::warn!("liste blanche {} unreadable: {e}", self.path.display()),
                }
            }
        }
        if cache.domains.is_empty() {
            return Err("la liste blanche de l'espace de confiance n'a pas pu être chargée ; contactez votre administrateur".into());
        }
        Ok(cache.domains.clone())
    }

    /// Ok, or why `address` may not receive mail from the trust space, in French.
    pub fn check(&self, address: &str) -> Result<(), String> {
        self.snapshot().check(address)
    }
}

/// The liste blanche at one moment, for checking many addresses.
pub struct TrustSnapshot {
    domains: Result<Arc<HashSet<String>>, String>,
}

impl TrustSnapshot {
    /// Ok, or why `address` may not receive mail from the trust space, in French.
    pub fn check(&self, address: &str) -> Result<(), String> {
        let address = address.trim();
        let parsed: lettre::Address = address.parse().map_err(|_| "adresse mal formée".to_string())?;
        let domain = parsed.domain().to_ascii_lowercase();
        if domain == PATIENT_DOMAIN {
            return check_ins(parsed.user(), app::format::year(crate::clock::unix_now())).map(|_| ());
        }
        if self.domains.as_ref().map_err(Clone::clone)?.contains(&domain) {
            Ok(())
        } else {
            Err(format!("le domaine {domain} n'appartient pas à l'espace de confiance MSSanté (liste blanche)"))
        }
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">
  <DateDeGeneration>2026-11-20T04:00:00+01:00</DateDeGeneration>
  <ListeDomaines>
    <Domaine><Nom>Hopital-Demo.mssante.fr</Nom><Description>CH</Description><DNCertificatOperateur>CN=a</DNCertificatOperateur></Domaine>
    <Domaine><Nom>hopital-demo.mssante.fr</Nom><DNCertificatOperateur>CN=b</DNCertificatOperateur></Domaine>
    <Domaine><Nom>pharmacie.mssante.fr</Nom></Domaine>
  </ListeDomaines>
</ListeBlancheMSSante>"#;

    #[test]
    fn domains_are_read_from_the_ans_format() {
        let domains = parse_liste_blanche(LIST).unwrap();
        assert_eq!(domains.len(), 2);
        assert!(domains.contains("hopital-demo.mssante.fr") && domains.contains("pharmacie.mssante.fr"));
        assert!(parse_liste_blanche("<autre/>").is_err());
    }

    #[test]
    fn addresses_are_checked_against_the_file_and_its_updates() {
        let path = std::env::temp_dir().join(format!("liste-blanche-{}.xml", std::process::id()));
        std::fs::write(&path, LIST).unwrap();
        let trust = TrustSpace::new(path.clone());
        assert_eq!(trust.check("dr.x@hopital-demo.mssante.fr"), Ok(()));
        assert_eq!(trust.check("285077511234511@patient.mssante.fr"), Ok(()));
        assert!(trust.check("someone@gmail.com").unwrap_err().contains("liste blanche"));
        assert!(trust.check("pas une adresse").unwrap_err().contains("mal formée"));
        assert!(trust.check("285077511234599@patient.mssante.fr").unwrap_err().contains("clé"));
        std::fs::remove_file(&path).unwrap();
        let missing = TrustSpace::new(path);
        assert!(missing.check("dr.x@hopital-demo.mssante.fr").unwrap_err().contains("n'a pas pu être chargée"));
    }
}
