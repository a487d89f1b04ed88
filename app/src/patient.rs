//! Patients on Mon Espace Santé: their mailbox is `<INS matricule>@patient.mssante.fr`, the
//! matricule being a NIR (or a provisional NIA) with its two-digit key. What a matricule says of
//! its holder (sex, month and year of birth, place of birth) lets a professional confirm that an
//! address is the right patient's before writing (ECO.3.1.5, §3.4.2.2); what Mon Espace Santé
//! puts in `From:` lets the lists show a patient by name and INS (ECO.3.1.1, ECO.3.1.2).

use serde::{Deserialize, Serialize};

/// The domain of patients' mailboxes (Mon Espace Santé).
pub const PATIENT_DOMAIN: &str = "patient.mssante.fr";

/// The subject prefix of a message carrying health documents (IHE XDM): hidden in lists.
pub const DOCUMENT_SUBJECT_PREFIX: &str = "XDM/1.0/DDM+";

/// Files a message to a patient may carry: Mon Espace Santé accepts 25 Mo (more than the usual
/// allowance between professionals).
pub const PATIENT_ATTACHMENT_BYTES: u64 = 25 * 1024 * 1024;

/// Subject that, sent to a patient, ends the exchange (the other form of `X-MSS-MES: FIN`).
pub const END_SUBJECT: &str = "[FIN]";

pub fn is_patient(address: &str) -> bool {
    address.trim().to_ascii_lowercase().ends_with(&format!("@{PATIENT_DOMAIN}"))
}

/// The INS matricule of a patient address, upper-cased (Corsica's 2A/2B).
pub fn ins_of(address: &str) -> Option<String> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    domain.eq_ignore_ascii_case(PATIENT_DOMAIN).then(|| local.to_ascii_uppercase())
}

/// The matricule as printed on a carte Vitale: `2 79 03 51 215 189 89`.
pub fn spaced_ins(ins: &str) -> String {
    let cuts = [1, 3, 5, 7, 10, 13];
    let mut out = String::new();
    for (i, c) in ins.chars().enumerate() {
        if cuts.contains(&i) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

/// What a valid matricule says of its holder, to show before writing to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsIdentity {
    pub sex: Sex,
    /// Month (1–12) of birth; none when the matricule says it is unknown (codes 20–42, 50–99).
    pub birth_month: Option<u8>,
    /// The year of birth: the matricule holds its last two digits, read as the latest year not
    /// after the current one (a centenarian would show a century late: the professional checks).
    pub birth_year: i32,
    pub birthplace: Birthplace,
    /// A provisional number (NIA, first digit 3, 4, 7 or 8).
    pub provisional: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Birthplace {
    /// Metropolitan département (`01`–`95`, `2A`, `2B`).
    Department(String),
    /// Overseas (`971`–`989`).
    Overseas(String),
    /// Born abroad (`99`), with the INSEE country code.
    Abroad(String),
}

const MONTHS: [&str; 12] =
    ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

impl InsIdentity {
    /// « Femme, née en mars 1979, dans le département 35 » — the sentence shown to confirm.
    pub fn describe(&self) -> String {
        let (sex, born) = match self.sex {
            Sex::Male => ("Homme", "né"),
            Sex::Female => ("Femme", "née"),
        };
        let when = match self.birth_month {
            Some(m) => format!("{born} en {} {}", MONTHS[m as usize - 1], self.birth_year),
            None => format!("{born} en {} (mois non renseigné)", self.birth_year),
        };
        let place = match &self.birthplace {
            Birthplace::Department(d) if d == "2A" => "en Corse-du-Sud (2A)".to_string(),
            Birthplace::Department(d) if d == "2B" => "en Haute-Corse (2B)".to_string(),
            Birthplace::Department(d) => format!("dans le département {d}"),
            Birthplace::Overseas(code) => match overseas_name(code) {
                Some(name) => format!("en outre-mer : {name} ({code})"),
                None => format!("en outre-mer ({code})"),
            },
            Birthplace::Abroad(_) => "à l'étranger".to_string(),
        };
        let provisional = if self.provisional { " — numéro provisoire" } else { "" };
        format!("{sex}, {when}, {place}{provisional}")
    }
}

fn overseas_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "971" => "Guadeloupe",
        "972" => "Martinique",
        "973" => "Guyane",
        "974" => "La Réunion",
        "975" => "Saint-Pierre-et-Miquelon",
        "976" => "Mayotte",
        "977" => "Saint-Barthélemy",
        "978" => "Saint-Martin",
        "986" => "Wallis-et-Futuna",
        "987" => "Polynésie française",
        "988" => "Nouvelle-Calédonie",
        _ => return None,
    })
}

/// The holder of a matricule (15 characters: 13 + key), or why it is not a valid one, in French.
/// `current_year` reads the two-digit year of birth.
pub fn check_ins(matricule: &str, current_year: i32) -> Result<InsIdentity, String> {
    let ins = matricule.trim().to_ascii_uppercase();
    if ins.chars().count() != 15 || !ins.is_ascii() {
        return Err(format!("l'INS du patient doit compter 15 caractères (13 + clé), et non {}", ins.chars().count()));
    }
    // Corsica: 2A and 2B in the département; the key is computed with 19 and 18 in their place
    let numeric = match &ins[5..7] {
        "2A" => format!("{}19{}", &ins[..5], &ins[7..13]),
        "2B" => format!("{}18{}", &ins[..5], &ins[7..13]),
        _ => ins[..13].to_string(),
    };
    if !numeric.bytes().all(|b| b.is_ascii_digit()) || !ins[13..].bytes().all(|b| b.is_ascii_digit()) {
        return Err("l'INS du patient ne doit contenir que des chiffres (2A ou 2B pour la Corse)".into());
    }
    let (sex, provisional) = match ins.as_bytes()[0] {
        b'1' => (Sex::Male, false),
        b'2' => (Sex::Female, false),
        b'3' | b'7' => (Sex::Male, true),
        b'4' | b'8' => (Sex::Female, true),
        _ => return Err("l'INS du patient doit commencer par 1 ou 2 (ou 3, 4, 7, 8 pour un numéro provisoire)".into()),
    };
    let number: u64 = numeric.parse().map_err(|_| "INS illisible".to_string())?;
    let key: u64 = ins[13..].parse().map_err(|_| "clé illisible".to_string())?;
    if 97 - number % 97 != key {
        return Err("la clé de l'INS du patient est fausse : vérifiez le numéro sur la carte Vitale ou l'attestation".into());
    }
    let two_digits: i32 = ins[1..3].parse().map_err(|_| "année illisible".to_string())?;
    let century = current_year - current_year.rem_euclid(100);
    let birth_year = if century + two_digits <= current_year { century + two_digits } else { century - 100 + two_digits };
    let month: u8 = ins[3..5].parse().map_err(|_| "mois illisible".to_string())?;
    let birthplace = match &ins[5..7] {
        "99" => Birthplace::Abroad(ins[7..10].to_string()),
        "97" | "98" => Birthplace::Overseas(ins[5..8].to_string()),
        "00" => return Err("le département de naissance de l'INS (00) n'existe pas".into()),
        department => Birthplace::Department(department.to_string()),
    };
    Ok(InsIdentity { sex, birth_month: (1..=12).contains(&month).then_some(month), birth_year, birthplace, provisional })
}

/// A message's sender when it is a patient writing from Mon Espace Santé: the name MES puts in
/// `From:` (birth name and first name) and the INS matricule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientSender {
    /// As Mon Espace Santé wrote it; empty when it gave none.
    pub name: String,
    /// Spaced as on a carte Vitale.
    pub ins: String,
}

impl PatientSender {
    /// From the `From:` display name and address; none when the address is not a patient's.
    pub fn of(display_name: Option<&str>, address: &str) -> Option<Self> {
        let ins = ins_of(address)?;
        // the display name is the sender's to write: no control or bidi characters, and bounded
        let name: String = display_name
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_control() && !('\u{202A}'..='\u{202E}').contains(c) && !('\u{2066}'..='\u{2069}').contains(c))
            .take(120)
            .collect();
        Some(Self { name: name.trim().to_string(), ins: spaced_ins(&ins) })
    }

    /// One line for a list row or a header: « DURAND Marie · INS 2 79 03 51 215 189 89 ».
    pub fn label(&self) -> String {
        let name = if self.name.is_empty() { "Patient (nom non transmis)" } else { &self.name };
        format!("{name} · INS {}", self.ins)
    }
}

/// The subject as lists show it: without the `XDM/1.0/DDM+` prefix of document messages; and
/// whether it had it.
pub fn shown_subject(subject: &str) -> (&str, bool) {
    let trimmed = subject.trim_start();
    match trimmed.get(..DOCUMENT_SUBJECT_PREFIX.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(DOCUMENT_SUBJECT_PREFIX) => (trimmed[DOCUMENT_SUBJECT_PREFIX.len()..].trim_start(), true),
        _ => (subject, false),
    }
}

/// Whether a subject is the `[FIN]` that ends an exchange with a patient.
pub fn ends_exchange(subject: &str) -> bool {
    subject.trim() == END_SUBJECT
}

/// The French label of a CDA document type (LOINC code, as in `X-MSS-CODECDA`), for the types
/// MSSanté messages most often carry; none for the others (the code is then shown).
pub fn document_type(code: &str) -> Option<&'static str> {
    Some(match code.trim() {
        "11490-0" => "Lettre de liaison à la sortie",
        "11488-4" => "Compte rendu de consultation",
        "34133-9" => "Synthèse médicale",
        "11502-2" => "Compte rendu d'examens biologiques",
        "18748-4" => "Compte rendu d'imagerie",
        "11506-3" => "Note d'évolution",
        "57833-6" => "Prescription de médicaments",
        "28570-0" => "Compte rendu opératoire",
        "60591-5" => "Synthèse patient",
        "11526-1" => "Compte rendu d'anatomopathologie",
        "18842-5" => "Résumé de sortie",
        "34794-8" => "Compte rendu de réunion de concertation",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid matricule from its first 13 characters (key computed, Corsica included).
    fn with_key(first13: &str) -> String {
        let numeric = first13.replace("2A", "19").replace("2B", "18");
        format!("{first13}{:02}", 97 - numeric.parse::<u64>().unwrap() % 97)
    }

    #[test]
    fn sex_birth_and_department_are_read() {
        let id = check_ins("279035121518989", 2026).unwrap();
        assert_eq!((id.sex, id.birth_month, id.birth_year), (Sex::Female, Some(3), 1979));
        assert_eq!(id.birthplace, Birthplace::Department("51".into()));
        assert!(!id.provisional);
        assert_eq!(id.describe(), "Femme, née en mars 1979, dans le département 51");
        let child = check_ins(&with_key("1210775123456"), 2026).unwrap();
        assert_eq!((child.sex, child.birth_year), (Sex::Male, 2021));
        assert_eq!(child.describe(), "Homme, né en juillet 2021, dans le département 75");
        // the current year's two digits are this century's; the next are the last one's
        assert_eq!(check_ins(&with_key("1261175123456"), 2026).unwrap().birth_year, 2026);
        assert_eq!(check_ins(&with_key("1271175123456"), 2026).unwrap().birth_year, 1927);
    }

    #[test]
    fn corsica_overseas_and_abroad() {
        let ajaccio = check_ins(&with_key("185052A123456"), 2026).unwrap();
        assert_eq!(ajaccio.birthplace, Birthplace::Department("2A".into()));
        assert!(ajaccio.describe().ends_with("en Corse-du-Sud (2A)"));
        let bastia = check_ins(&with_key("285052B123456").to_lowercase(), 2026).unwrap();
        assert!(bastia.describe().ends_with("en Haute-Corse (2B)"), "lower case is read too");
        let reunion = check_ins(&with_key("2900197412345"), 2026).unwrap();
        assert_eq!(reunion.birthplace, Birthplace::Overseas("974".into()));
        assert!(reunion.describe().ends_with("en outre-mer : La Réunion (974)"));
        assert!(check_ins(&with_key("2900198912345"), 2026).unwrap().describe().ends_with("en outre-mer (989)"));
        let abroad = check_ins(&with_key("1850699352001"), 2026).unwrap();
        assert_eq!(abroad.birthplace, Birthplace::Abroad("352".into()));
        assert_eq!(abroad.describe(), "Homme, né en juin 1985, à l'étranger");
    }

    #[test]
    fn unknown_months_and_provisional_numbers() {
        for month in ["20", "30", "42", "50", "63", "99"] {
            let id = check_ins(&with_key(&format!("185{month}35238123")), 2026).unwrap();
            assert_eq!(id.birth_month, None, "month code {month}");
            assert!(id.describe().contains("née en 1985 (mois non renseigné)") || id.describe().contains("né en 1985 (mois non renseigné)"));
        }
        let nia = check_ins(&with_key("7850135238123"), 2026).unwrap();
        assert!(nia.provisional && nia.sex == Sex::Male);
        assert!(nia.describe().ends_with("— numéro provisoire"));
        assert_eq!(check_ins(&with_key("8850135238123"), 2026).unwrap().sex, Sex::Female);
    }

    #[test]
    fn wrong_matricules_are_refused_with_the_reason() {
        assert!(check_ins("279035121518988", 2026).unwrap_err().contains("clé"));
        assert!(check_ins("27903512151898", 2026).unwrap_err().contains("15 caractères"));
        assert!(check_ins("2790351215189AB", 2026).is_err());
        assert!(check_ins(&with_key("5790351215189"), 2026).unwrap_err().contains("commencer par"));
        assert!(check_ins(&with_key("1850100123456"), 2026).unwrap_err().contains("00"));
        assert!(check_ins("2790351215189é9", 2026).is_err(), "non-ASCII never panics");
    }

    #[test]
    fn patient_senders_show_name_and_ins() {
        let p = PatientSender::of(Some("DURAND Marie"), "279035121518989@patient.mssante.fr").unwrap();
        assert_eq!(p.label(), "DURAND Marie · INS 2 79 03 51 215 189 89");
        let hostile = PatientSender::of(Some("\u{202E}eiraM\r\nDURAND"), "279035121518989@PATIENT.MSSANTE.FR").unwrap();
        assert_eq!(hostile.name, "eiraMDURAND");
        assert_eq!(PatientSender::of(None, "279035121518989@patient.mssante.fr").unwrap().label(), "Patient (nom non transmis) · INS 2 79 03 51 215 189 89");
        assert_eq!(PatientSender::of(Some("Dr X"), "x@patient.mssante.fr.example"), None);
        assert_eq!(PatientSender::of(Some("Dr X"), "claire@hopital-demo.mssante.fr"), None);
    }

    #[test]
    fn document_subjects_and_end_of_exchange() {
        assert_eq!(shown_subject("XDM/1.0/DDM+CR de biologie MARTIN Paul 19560412"), ("CR de biologie MARTIN Paul 19560412", true));
        assert_eq!(shown_subject("xdm/1.0/ddm+ Lettre"), ("Lettre", true));
        assert_eq!(shown_subject("Re: XDM/1.0/DDM+x"), ("Re: XDM/1.0/DDM+x", false));
        assert_eq!(shown_subject("XDM"), ("XDM", false));
        assert!(ends_exchange(" [FIN] ") && !ends_exchange("[FIN] suite") && !ends_exchange("[fin]"));
        assert_eq!(document_type("11502-2"), Some("Compte rendu d'examens biologiques"));
        assert_eq!(document_type("00000-0"), None);
    }
}
