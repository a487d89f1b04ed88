//! Reading the Annuaire santé extraction « Extraction_Correspondance_MSSante »: UTF-8, `|`
//! separated, one header line, columns found by their header names (older files suffix some with
//! « structure BAL »). The file comes from outside: lines, fields and rows are bounded, and a line
//! that cannot be read is counted and skipped.

use app::directory::{BalKind, Correspondent};

/// Longest line read (the real rows are under 600 bytes); longer ones are skipped.
pub const MAX_LINE: usize = 8 * 1024;
/// Longest field kept, in characters.
const MAX_FIELD: usize = 200;

/// One mailbox of the extraction, as the index keeps it: what the pages are shown, and the parts
/// only searching and ordering need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its address lower case; its name from the parts below ([`name_of`]).
    pub shown: Correspondent,
    /// The RPPS/ADELI digits, and the national identifier (8… / 0…), for search by number.
    pub numbers: String,
    /// « Dr », « Pr », « M. », « Mme » or empty.
    pub title: String,
    pub family: String,
    pub given: String,
    pub departement: String,
}

/// How a mailbox is named: a person « Dr Claire DUBOIS »; a team by its service, else its structure.
pub fn name_of(kind: BalKind, title: &str, given: &str, family: &str, service: &str, organisation: &str) -> String {
    match kind {
        BalKind::Personal => [title, given, family].iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join(" "),
        _ if !service.is_empty() => service.to_string(),
        _ => organisation.to_string(),
    }
}

/// Where each column is in this file.
pub struct Columns {
    kind: usize,
    address: usize,
    id_type: Option<usize>,
    id: Option<usize>,
    national_id: Option<usize>,
    title: Option<usize>,
    family: Option<usize>,
    given: Option<usize>,
    profession: Option<usize>,
    specialty: Option<usize>,
    organisation: Option<usize>,
    trade_name: Option<usize>,
    service: Option<usize>,
    routing: Option<usize>,
    postcode: Option<usize>,
    departement: Option<usize>,
    count: usize,
}

/// Lower case, without French accents: how header names are compared.
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

impl Columns {
    /// The header line's columns; an error (in words, for the log) when the two that make a
    /// row usable, « Type de BAL » and « Adresse BAL », are missing.
    pub fn of(header: &str) -> Result<Self, String> {
        let header = header.trim_start_matches('\u{feff}');
        let names: Vec<String> = header.split('|').map(|h| folded(h.trim())).collect();
        let find = |name: &str| names.iter().position(|c| c.starts_with(&folded(name)));
        let (Some(kind), Some(address)) = (find("Type de BAL"), find("Adresse BAL")) else {
            return Err("en-tête sans les colonnes « Type de BAL » et « Adresse BAL »".into());
        };
        Ok(Self {
            kind,
            address,
            id_type: find("Type Identifiant PP"),
            id: find("Identifiant PP"),
            national_id: find("Identification nationale PP"),
            title: find("Civilité d'exercice"),
            family: find("Nom d'exercice"),
            given: find("Prénom d'exercice"),
            profession: find("Libellé Profession"),
            specialty: find("Libellé savoir-faire"),
            organisation: find("Raison Sociale"),
            trade_name: find("Enseigne commerciale"),
            service: find("Service de rattachement"),
            routing: find("Ligne Acheminement"),
            postcode: find("Code postal"),
            departement: find("Département"),
            count: names.len(),
        })
    }

    /// The entry a row describes, if it is one: a known mailbox type and an address.
    pub fn entry(&self, line: &str) -> Option<Entry> {
        if line.len() > MAX_LINE {
            return None;
        }
        let fields: Vec<&str> = line.trim_end_matches(['\r', '\n']).splitn(self.count.max(1), '|').collect();
        let field = |i: Option<usize>| -> String {
            let text = i.and_then(|i| fields.get(i)).map(|f| f.trim()).unwrap_or_default();
            text.chars().filter(|c| !c.is_control()).take(MAX_FIELD).collect()
        };
        let kind = BalKind::from_code(&field(Some(self.kind)))?;
        let address = field(Some(self.address)).to_lowercase();
        if !plausible_address(&address) {
            return None;
        }
        let (id_type, id, national) = (field(self.id_type), field(self.id), field(self.national_id));
        let identifier = match (id_type.as_str(), national.chars().next()) {
            _ if id.is_empty() && national.is_empty() => String::new(),
            ("8", _) | (_, Some('8')) => format!("RPPS {}", if id.is_empty() { &national[1..] } else { &id }),
            ("0", _) | (_, Some('0')) => format!("ADELI {}", if id.is_empty() { &national[1..] } else { &id }),
            _ => id.clone(),
        };
        let routing = field(self.routing);
        let mut postcode = field(self.postcode);
        // « Ligne Acheminement » is « 75013 PARIS »: the town is what follows the postcode
        let town = match routing.split_once(' ') {
            Some((code, town)) if code.len() == 5 && code.chars().all(|c| c.is_ascii_digit()) => {
                if postcode.is_empty() {
                    postcode = code.to_string();
                }
                town.trim().to_string()
            }
            _ => routing,
        };
        let organisation = Some(field(self.organisation)).filter(|o| !o.is_empty()).unwrap_or_else(|| field(self.trade_name));
        let (title, family, given, service) = (title_of(&field(self.title)), field(self.family), field(self.given), field(self.service));
        Some(Entry {
            shown: Correspondent {
                name: name_of(kind, &title, &given, &family, &service, &organisation),
                kind,
                address,
                identifier,
                profession: field(self.profession),
                specialty: field(self.specialty),
                organisation,
                service,
                town,
                postcode: postcode.clone(),
            },
            numbers: [id.as_str(), national.as_str()].iter().filter(|n| !n.is_empty()).copied().collect::<Vec<_>>().join(" "),
            title,
            family,
            given,
            departement: Some(field(self.departement)).filter(|d| !d.is_empty()).unwrap_or_else(|| departement_of(&postcode)),
        })
    }
}

/// local@domain, printable ASCII, no spaces: what a mailbox address of the directory looks like.
fn plausible_address(address: &str) -> bool {
    address.len() <= 254
        && address.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && address.chars().all(|c| c.is_ascii_graphic())
}

/// The « Civilité d'exercice » code as written before a name.
fn title_of(code: &str) -> String {
    match code.to_ascii_uppercase().as_str() {
        "DR" => "Dr",
        "PR" => "Pr",
        "M" => "M.",
        "MME" => "Mme",
        "MLLE" => "Mlle",
        _ => "",
    }
    .to_string()
}

/// « 75013 » → « 75 »; « 97411 » → « 974 »; « 20000 » (Corsica) → « 2A »; « 20200 » → « 2B ».
pub fn departement_of(postcode: &str) -> String {
    if postcode.len() != 5 || !postcode.chars().all(|c| c.is_ascii_digit()) {
        return String::new();
    }
    match &postcode[..2] {
        "97" | "98" => postcode[..3].to_string(),
        "20" => if postcode.as_bytes()[2] < b'2' { "2A" } else { "2B" }.to_string(),
        two => two.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub const HEADER: &str = "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|Code Profession|Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|Enseigne commerciale structure BAL|Complément destinataire (L2)|Complément point géographique (L3)|Numéro Voie (L4)|Indice répétition voie (L4)|Type de voie (L4)|Libellé Voie (L4)|Lieu-dit (L5)|Ligne Acheminement (L6)|Code postal|Département|Pays";

    #[test]
    fn rows_are_read_by_column_names() {
        let columns = Columns::of(HEADER).unwrap();
        let claire = columns
            .entry("PER|Claire.Dubois@hopital-demo.mssante.fr|8|10100000017|810100000017|1|1750000000||DR|DUBOIS|Claire|C|Civil|10|Médecin|SM04|Cardiologie et maladies vasculaires|O|CH DE DEMONSTRATION|||||||||75013 PARIS|||FRANCE")
            .unwrap();
        assert_eq!(claire.shown.address, "claire.dubois@hopital-demo.mssante.fr");
        assert_eq!(claire.shown.name, "Dr Claire DUBOIS");
        assert_eq!(claire.shown.identifier, "RPPS 10100000017");
        assert_eq!((claire.shown.postcode.as_str(), claire.shown.town.as_str(), claire.departement.as_str()), ("75013", "PARIS", "75"));
        let team = columns.entry("ORG|secretariat-cardio@hopital-demo.mssante.fr||||1|1750000000|Secrétariat de cardiologie||||||||||||CH DE DEMONSTRATION|||||||||||2A|FRANCE").unwrap();
        assert_eq!((team.shown.kind, team.shown.name.as_str(), team.shown.identifier.as_str()), (BalKind::Organisational, "Secrétariat de cardiologie", ""));
        // an unknown type, no address, a line past the bound: not entries
        assert_eq!(columns.entry("XYZ|a@b.fr|"), None);
        assert_eq!(columns.entry("PER||8|1"), None);
        assert_eq!(columns.entry(&format!("PER|a@b.fr|{}", "x".repeat(MAX_LINE))), None);
    }

    #[test]
    fn a_header_without_the_key_columns_is_refused() {
        assert!(Columns::of("nom;prenom;adresse").is_err());
        assert!(Columns::of("").is_err());
        // older files: « … structure BAL » suffixes, a byte-order mark
        assert!(Columns::of("\u{feff}Type de BAL|Adresse BAL structure BAL").is_ok());
    }

    #[test]
    fn departements_from_postcodes() {
        assert_eq!(departement_of("75013"), "75");
        assert_eq!(departement_of("97411"), "974");
        assert_eq!(departement_of("20000"), "2A");
        assert_eq!(departement_of("20290"), "2B");
        assert_eq!(departement_of("7501"), "");
    }
}
