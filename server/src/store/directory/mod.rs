//! The Annuaire santé, behind one trait ([`Directory`]) with two sources: the extraction file
//! named by `ANNUAIRE_FILE`, indexed on disk ([`index`]) and reloaded in the background when the
//! file changes (the index in service keeps answering until its successor is complete; a file
//! that cannot be read keeps the last good one), or the FHIR API when configured ([`fhir`]).

mod extraction;
mod fhir;
mod index;
mod query;

pub use fhir::{FhirDirectory, MAX_LOOKUPS};
pub use index::Built;

use crate::error::Error;
use app::directory::{BalKind, Correspondent, DirectoryCriteria, DirectoryPage, SUGGESTIONS};
use app::organisation::Professional;
use futures::future::BoxFuture;
use index::Index;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Where correspondents are found.
pub trait Directory: Send + Sync {
    /// Resolves once the source can answer (the first index built, say).
    fn ready(&self) -> BoxFuture<'_, ()>;
    /// Whether it can answer now: an address it lacks is then really absent from it.
    fn loaded(&self) -> bool;
    /// Suggestions for what is typed in a recipient field, `recent` addresses first.
    fn suggest<'a>(&'a self, text: &'a str, recent: &'a [String]) -> BoxFuture<'a, Result<Vec<Correspondent>, Error>>;
    /// A page of the `/annuaire` search.
    fn search_page<'a>(&'a self, criteria: &'a DirectoryCriteria) -> BoxFuture<'a, Result<DirectoryPage, Error>>;
    /// What the directory has of these addresses (those it has).
    fn find<'a>(&'a self, addresses: &'a [String]) -> BoxFuture<'a, Result<Vec<Correspondent>, Error>>;
}

/// Professionals (personal mailboxes) for the members page: name or RPPS/ADELI.
pub async fn professionals(directory: &dyn Directory, text: &str) -> Result<Vec<Professional>, Error> {
    Ok(directory
        .suggest(text, &[])
        .await?
        .into_iter()
        .filter(|c| c.kind == BalKind::Personal)
        .map(|c| Professional { address: c.address, name: c.name, identifier: c.identifier, profession: c.profession })
        .collect())
}

static BUILDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How often the extraction file is looked at for a new version.
pub const RELOAD_EVERY: Duration = Duration::from_secs(60);

/// The extraction file, indexed.
pub struct ExtractionDirectory {
    source: PathBuf,
    /// Where index files are built and kept.
    dir: PathBuf,
    current: RwLock<Option<Arc<Index>>>,
    /// The version of the file last tried (built or refused): it is not tried again.
    tried: std::sync::Mutex<Option<String>>,
}

/// A version of the extraction file (its size and modification time) in this index format.
fn stamp_of(source: &Path) -> Option<String> {
    let meta = std::fs::metadata(source).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    Some(format!("{}-{}-{}", index::FORMAT, meta.len(), modified.as_nanos()))
}

impl ExtractionDirectory {
    /// The directory of `source`, with no index yet: [`Self::refresh`] builds it (or opens the one
    /// an earlier run built from the same file).
    pub fn new(source: PathBuf, dir: PathBuf) -> Self {
        Self { source, dir, current: RwLock::new(None), tried: Default::default() }
    }

    fn index(&self) -> Option<Arc<Index>> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Entries in the index in service (0 while none is).
    pub fn entries(&self) -> u64 {
        self.index().map_or(0, |i| i.entries)
    }

    /// Bring the index up to the file's current version: open it when an earlier run built it,
    /// else build it on a thread of its own (the async workers keep serving) and swap it in.
    /// Returns what was built, if anything was.
    pub async fn refresh(&self) -> Option<Built> {
        // one build at a time in the process (tests run many webmails in one)
        let _one_at_a_time = BUILDING.lock().await;
        let stamp = stamp_of(&self.source)?;
        if self.index().is_some_and(|i| i.stamp == stamp) || self.tried.lock().unwrap().as_deref() == Some(stamp.as_str()) {
            return None;
        }
        *self.tried.lock().unwrap() = Some(stamp.clone());
        let _ = std::fs::create_dir_all(&self.dir);
        let target = self.dir.join(format!("annuaire-{stamp}.sqlite"));
        if target.exists() {
            match Index::open(&target).await {
                Ok(index) if index.stamp == stamp => {
                    tracing::info!("annuaire : index existant ouvert ({} boîtes)", index.entries);
                    self.swap(index, &target);
                    return None;
                }
                _ => {}
            }
        }
        // several webmail processes may share the folder: each builds into a file of its own, and
        // the rename that publishes it is atomic
        let partial = target.with_extension(format!("{}-{}.partial", std::process::id(), rand::random::<u32>()));
        let started = std::time::Instant::now();
        let (source, into, version) = (self.source.clone(), partial.clone(), stamp.clone());
        let (tx, rx) = tokio::sync::oneshot::channel();
        // a runtime of its own on a thread of its own: reading and indexing take tens of seconds
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            let result = match runtime {
                Ok(runtime) => runtime.block_on(index::build(&source, &into, &version)),
                Err(e) => Err(e.to_string()),
            };
            let _ = tx.send(result);
        });
        let result = rx.await.unwrap_or_else(|_| Err("construction interrompue".into()));
        let opened = match result {
            Ok(built) => match std::fs::rename(&partial, &target) {
                Ok(()) => Index::open(&target).await.map(|index| (built, index)).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e),
        };
        match opened {
            Ok((built, index)) => {
                tracing::info!(
                    "annuaire : {} indexé en {:.1} s ({} boîtes, {} lignes ignorées)",
                    self.source.display(),
                    started.elapsed().as_secs_f64(),
                    built.entries,
                    built.skipped
                );
                self.swap(index, &target);
                Some(built)
            }
            Err(reason) => {
                let _ = std::fs::remove_file(&partial);
                tracing::error!(
                    "annuaire : {} refusé ({reason}) ; {}",
                    self.source.display(),
                    if self.index().is_some() { "l'index précédent reste en service" } else { "aucun index en service" }
                );
                None
            }
        }
    }

    /// Put `index` in service (the one it replaces closes when its last request is done with
    /// it), then delete the files of older versions (a process still reading one keeps it open
    /// until it swaps too) and builds abandoned over an hour ago.
    fn swap(&self, index: Index, path: &Path) {
        self.current.write().unwrap_or_else(|p| p.into_inner()).replace(Arc::new(index));
        let Ok(files) = std::fs::read_dir(&self.dir) else { return };
        for file in files.flatten() {
            let (name, path_of) = (file.file_name().to_string_lossy().to_string(), file.path());
            let stale = |age: Duration| file.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().unwrap_or_default() > age);
            let old_version = name.ends_with(".sqlite") && path_of != path;
            let abandoned = name.ends_with(".partial") && stale(Duration::from_secs(3600));
            if name.starts_with("annuaire-") && (old_version || abandoned) {
                let _ = std::fs::remove_file(&path_of);
            }
        }
    }

    /// Refresh now, then every `period`, in the background.
    pub fn watched(self: Arc<Self>, period: Duration) -> Arc<Self> {
        let directory = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            loop {
                tick.tick().await;
                directory.refresh().await;
            }
        });
        self
    }
}

impl Directory for ExtractionDirectory {
    fn ready(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {
            self.refresh().await;
        })
    }

    fn loaded(&self) -> bool {
        self.index().is_some()
    }

    fn suggest<'a>(&'a self, text: &'a str, recent: &'a [String]) -> BoxFuture<'a, Result<Vec<Correspondent>, Error>> {
        Box::pin(async move {
            match self.index() {
                Some(index) => index.suggest(text, recent, SUGGESTIONS).await,
                None => Ok(vec![]),
            }
        })
    }

    fn search_page<'a>(&'a self, criteria: &'a DirectoryCriteria) -> BoxFuture<'a, Result<DirectoryPage, Error>> {
        Box::pin(async move { self.index().ok_or(Error::DirectoryUnavailable)?.search(criteria).await })
    }

    fn find<'a>(&'a self, addresses: &'a [String]) -> BoxFuture<'a, Result<Vec<Correspondent>, Error>> {
        Box::pin(async move {
            match self.index() {
                Some(index) => index.by_addresses(addresses).await,
                None => Ok(vec![]),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXTRACTION: &str = "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Service de rattachement|Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Libellé Profession|Libellé savoir-faire|Raison Sociale structure BAL|Code postal|Ligne Acheminement\n\
PER|claire.dubois@hopital-demo.mssante.fr|8|10100000017|810100000017||DR|DUBOIS|Claire|Médecin|Cardiologie et maladies vasculaires|CH DE DEMONSTRATION|75013|75013 PARIS\n\
PER|julien.moreau@hopital-demo.mssante.fr|8|10100000025|810100000025||M|MOREAU|Julien|Infirmier||CH DE DEMONSTRATION|75013|75013 PARIS\n\
PER|helene.lefevre@cabinet-demo.mssante.fr|0|751234567|0751234567||MME|LEFÈVRE|Hélène|Masseur-kinésithérapeute||CABINET LEFÈVRE|69003|69003 LYON\n\
PER|marc.dubreuil@cabinet-demo.mssante.fr|8|10100000041|810100000041||DR|DUBREUIL|Marc|Médecin|Médecine générale|CABINET DU PARC|20000|20000 AJACCIO\n\
ORG|secretariat-cardio@hopital-demo.mssante.fr||||Secrétariat de cardiologie||||||CH DE DEMONSTRATION|75013|75013 PARIS\n\
not a row\n";

    async fn directory(text: &str) -> (ExtractionDirectory, PathBuf) {
        let root = std::env::temp_dir().join(format!("annuaire-test-{}-{}", std::process::id(), rand::random::<u32>()));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("extraction.txt"), text).unwrap();
        let directory = ExtractionDirectory::new(root.join("extraction.txt"), root.join("index"));
        (directory, root)
    }

    fn names(found: &[Correspondent]) -> Vec<&str> {
        found.iter().map(|c| c.name.as_str()).collect()
    }

    #[tokio::test]
    async fn suggestions_by_word_prefixes_accents_and_numbers() {
        let (directory, root) = directory(EXTRACTION).await;
        let built = directory.refresh().await.unwrap();
        assert_eq!(built, Built { entries: 5, skipped: 1 });
        assert_eq!(names(&directory.suggest("dub card", &[]).await.unwrap()), ["Dr Claire DUBOIS"]);
        assert_eq!(names(&directory.suggest("lefevre", &[]).await.unwrap()), ["Mme Hélène LEFÈVRE"]);
        assert_eq!(names(&directory.suggest("LEFÈV", &[]).await.unwrap()), ["Mme Hélène LEFÈVRE"]);
        assert_eq!(names(&directory.suggest("101000000", &[]).await.unwrap()), ["Dr Claire DUBOIS", "Dr Marc DUBREUIL", "M. Julien MOREAU"]);
        assert_eq!(names(&directory.suggest("dub", &[]).await.unwrap()), ["Dr Claire DUBOIS", "Dr Marc DUBREUIL"], "name order");
        assert_eq!(names(&directory.suggest("dub g", &[]).await.unwrap()), ["Dr Marc DUBREUIL"], "a single letter still narrows");
        assert_eq!(names(&directory.suggest("secr cardio", &[]).await.unwrap()), ["Secrétariat de cardiologie"]);
        // recently used first
        let recent = ["marc.dubreuil@cabinet-demo.mssante.fr".to_string()];
        assert_eq!(names(&directory.suggest("dub", &recent).await.unwrap()), ["Dr Marc DUBREUIL", "Dr Claire DUBOIS"]);
        // hostile or empty input: nothing, no error
        for typed in ["", "d", "  ", "\"", "*", "NEAR(", "dub\" OR \"a", "{name}:x", "^dub", &"é".repeat(500), "AND OR NOT"] {
            assert!(directory.suggest(typed, &[]).await.is_ok(), "{typed:?}");
        }
        assert!(directory.suggest("d", &[]).await.unwrap().is_empty());
        std::fs::remove_dir_all(root).unwrap();
    }

    #[tokio::test]
    async fn the_annuaire_page_combines_criteria() {
        let (directory, root) = directory(EXTRACTION).await;
        directory.refresh().await.unwrap();
        let directory = &directory;
        let search = |c: DirectoryCriteria| async move { directory.search_page(&c).await.unwrap() };
        let doctors_75 = search(DirectoryCriteria { profession: "Médecin".into(), place: "75".into(), ..Default::default() }).await;
        assert_eq!(names(&doctors_75.entries), ["Dr Claire DUBOIS"]);
        assert_eq!(doctors_75.professions, ["Infirmier", "Masseur-kinésithérapeute", "Médecin"]);
        let corsica = search(DirectoryCriteria { place: "2A".into(), ..Default::default() }).await;
        assert_eq!(names(&corsica.entries), ["Dr Marc DUBREUIL"]);
        let lyon = search(DirectoryCriteria { place: "lyon".into(), ..Default::default() }).await;
        assert_eq!(names(&lyon.entries), ["Mme Hélène LEFÈVRE"]);
        let teams = search(DirectoryCriteria { kind: Some(BalKind::Organisational), organisation: "demonstration".into(), ..Default::default() }).await;
        assert_eq!(names(&teams.entries), ["Secrétariat de cardiologie"]);
        let by_number = search(DirectoryCriteria { identifier: "751234".into(), ..Default::default() }).await;
        assert_eq!(names(&by_number.entries), ["Mme Hélène LEFÈVRE"]);
        assert_eq!(search(DirectoryCriteria::default()).await.total, 0);
        assert_eq!(search(DirectoryCriteria { name: "\" NEAR( *".into(), ..Default::default() }).await.total, 0);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[tokio::test]
    async fn a_bad_file_keeps_the_last_good_index() {
        let (directory, root) = directory(EXTRACTION).await;
        directory.refresh().await.unwrap();
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(root.join("extraction.txt"), "nom;prénom\nDUPONT;Jean\n").unwrap();
        assert_eq!(directory.refresh().await, None, "refused");
        assert_eq!(directory.entries(), 5, "the old index still serves");
        assert_eq!(names(&directory.suggest("moreau", &[]).await.unwrap()), ["M. Julien MOREAU"]);
        // a new good file replaces it
        std::fs::write(root.join("extraction.txt"), EXTRACTION.replace("MOREAU", "MOREL")).unwrap();
        directory.refresh().await.unwrap();
        assert_eq!(names(&directory.suggest("more", &[]).await.unwrap()), ["M. Julien MOREL"]);
        let files = std::fs::read_dir(root.join("index")).unwrap().count();
        assert_eq!(files, 1, "the replaced index is deleted");
        std::fs::remove_dir_all(root).unwrap();
    }
}
