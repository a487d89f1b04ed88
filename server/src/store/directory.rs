//! The directory of professionals, from the Annuaire santé "Extraction_Correspondance_MSSante"
//! file (UTF-8, `|`-separated, one header line; columns found by their header names). Used to add
//! members by name or RPPS, and to show members' names.

use app::organisation::Professional;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

pub struct Directory {
    path: PathBuf,
    cache: Mutex<(Option<SystemTime>, Vec<Professional>)>,
}

/// Lower case without French accents, for matching what people type.
fn folded(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'î' | 'ï' | 'Î' | 'Ï' => 'i',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The personal mailboxes (type PER) of an extraction file.
pub fn parse(text: &str) -> Vec<Professional> {
    let mut lines = text.lines();
    let Some(header) = lines.next() else { return vec![] };
    let columns: Vec<String> = header.split('|').map(|h| folded(h.trim())).collect();
    // older files suffix some names with " structure BAL": match by prefix
    let column = |name: &str| columns.iter().position(|c| c.starts_with(&folded(name)));
    let (Some(kind), Some(address)) = (column("Type de BAL"), column("Adresse BAL")) else { return vec![] };
    let (idnat, family, given, profession) =
        (column("Identification nationale PP"), column("Nom d'exercice"), column("Prénom d'exercice"), column("Libellé Profession"));
    lines
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('|').map(str::trim).collect();
            let field = |i: Option<usize>| i.and_then(|i| fields.get(i)).copied().unwrap_or_default();
            if field(Some(kind)) != "PER" || field(Some(address)).is_empty() {
                return None;
            }
            let id = field(idnat);
            let identifier = match (id.strip_prefix('8'), id.strip_prefix('0')) {
                (Some(rpps), _) => format!("RPPS {rpps}"),
                (_, Some(adeli)) => format!("ADELI {adeli}"),
                _ => id.to_string(),
            };
            Some(Professional {
                address: field(Some(address)).to_string(),
                name: format!("{} {}", field(given), field(family)).trim().to_string(),
                identifier,
                profession: field(profession).to_string(),
            })
        })
        .collect()
}

const MAX_RESULTS: usize = 20;

impl Directory {
    pub fn new(path: PathBuf) -> Self {
        Self { path, cache: Mutex::new((None, vec![])) }
    }

    fn entries(&self) -> Vec<Professional> {
        let mut cache = self.cache.lock().unwrap();
        let modified = std::fs::metadata(&self.path).and_then(|m| m.modified()).ok();
        if modified.is_some() && modified != cache.0 {
            match std::fs::read_to_string(&self.path) {
                Ok(text) => *cache = (modified, parse(&text)),
                Err(e) => tracing::warn!("directory {} unreadable: {e}", self.path.display()),
            }
        }
        cache.1.clone()
    }

    /// Professionals whose name, RPPS/ADELI or address contains every word of `query`.
    pub fn search(&self, query: &str) -> Vec<Professional> {
        let words: Vec<String> = query.split_whitespace().map(folded).collect();
        if words.is_empty() {
            return vec![];
        }
        self.entries()
            .into_iter()
            .filter(|p| {
                let haystack = folded(&format!("{} {} {}", p.name, p.identifier, p.address));
                words.iter().all(|w| haystack.contains(w.as_str()))
            })
            .take(MAX_RESULTS)
            .collect()
    }

    /// The name of the professional with that address, if the directory has it.
    pub fn name_of(&self, address: &str) -> Option<String> {
        self.entries().into_iter().find(|p| p.address.eq_ignore_ascii_case(address)).map(|p| p.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXTRACTION: &str = "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|Code Profession|Libellé Profession\n\
PER|claire.dubois@hopital-demo.mssante.fr|8|10100000017|810100000017|1|1750000000||MME|DUBOIS|Claire|C|Civil|10|Médecin\n\
ORG|secretariat-cardio@hopital-demo.mssante.fr||||1|1750000000|Cardiologie||||||\n\
PER|julien.moreau@hopital-demo.mssante.fr|8|10100000025|810100000025|1|1750000000||M|MOREAU|Julien|C|Civil|60|Infirmier\n";

    #[test]
    fn extraction_is_read_by_column_names() {
        let people = parse(EXTRACTION);
        assert_eq!(people.len(), 2, "ORG rows are not people");
        assert_eq!(people[0], Professional {
            address: "claire.dubois@hopital-demo.mssante.fr".into(),
            name: "Claire DUBOIS".into(),
            identifier: "RPPS 10100000017".into(),
            profession: "Médecin".into(),
        });
    }

    #[test]
    fn search_by_name_without_accents_or_by_rpps() {
        let path = std::env::temp_dir().join(format!("annuaire-{}.txt", std::process::id()));
        std::fs::write(&path, EXTRACTION).unwrap();
        let directory = Directory::new(path.clone());
        assert_eq!(directory.search("moreau")[0].name, "Julien MOREAU");
        assert_eq!(directory.search("10100000017")[0].name, "Claire DUBOIS");
        assert_eq!(directory.search("claire médecin").len(), 0, "profession is not searched");
        assert!(directory.search("  ").is_empty());
        assert_eq!(directory.name_of("JULIEN.MOREAU@hopital-demo.mssante.fr").as_deref(), Some("Julien MOREAU"));
        std::fs::remove_file(path).unwrap();
    }
}
