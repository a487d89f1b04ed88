//! The settings page: the rules live at the operator, in the webmail's Sieve script (ManageSieve,
//! signed in with the user's PSC token), so that they apply on delivery whoever is signed in;
//! the signature lives in the webmail's store.

use super::{Backend, Caller};
use crate::error::Error;
use crate::gateway::sieve::{SieveSession, TIMEOUT};
use crate::mail::sieve_script::{self, SCRIPT_NAME};
use app::organisation::{TraceAction, canonical_address, is_shared};
use app::reading::FolderRole;
use app::settings::{self as limits, FilterAction, Rules, Settings, TeamSettings, Vacation};

impl Backend {
    /// Run `work` in a ManageSieve session of the caller (a refused token renewed once), within
    /// [`TIMEOUT`] for everything; `acting_for`: an organisational mailbox they administer, whose
    /// rules the operator lets them set (checked by the caller of this function).
    async fn with_sieve<T>(&self, caller: &Caller, acting_for: Option<&str>, work: impl AsyncFnOnce(&mut SieveSession) -> Result<T, Error>) -> Result<T, Error> {
        let run = async {
            let login = match acting_for {
                None => caller.identity.mailbox.clone(),
                Some(mailbox) => self.sieve.delegated_login(mailbox, &caller.identity.mailbox).ok_or(Error::Forbidden(NOT_DELEGATED.into()))?,
            };
            let mut session = match self.sieve.open(&login, &caller.access_token()).await {
                // acting for a mailbox, a refusal is the operator's rule, not an expired token
                Err(Error::OperatorRefused(_)) if acting_for.is_some() => return Err(Error::Forbidden(NOT_DELEGATED.into())),
                Err(Error::OperatorRefused(_)) if caller.may_renew() => {
                    caller.renew().await?;
                    self.sieve.open(&login, &caller.access_token()).await?
                }
                other => other?,
            };
            let result = work(&mut session).await;
            caller.client.exchanged(session.take_exchanges());
            session.logout().await;
            result
        };
        tokio::time::timeout(TIMEOUT, run).await.unwrap_or_else(|_| Err(Error::RulesUnreachable("délai dépassé".into())))
    }

    pub(super) async fn user_settings(&self, caller: &Caller) -> Result<Settings, Error> {
        // one folder list for the filters' folders and the mailboxes the user administers
        let listed = self.folders(caller).await?;
        let folders = filing(&listed);
        let written = self.with_sieve(caller, None, read_rules).await?;
        let mut settings = Settings {
            folders,
            rules: written.rules,
            other_script: written.other_script,
            edited_elsewhere: written.edited_elsewhere,
            signature: self.signatures.of(&caller.identity.mailbox).await?,
            ..Settings::default()
        };
        for team in self.mailboxes_in(caller, &listed).await?.into_iter().filter(|m| m.organisational && m.rights.administer) {
            let signature = self.signatures.of(&team.address).await?;
            // a mailbox whose operator does not delegate its rules still has its signature
            let written = match self.with_sieve(caller, Some(&team.address), read_rules).await {
                Ok(written) => Some(written),
                Err(Error::Forbidden(_)) => None,
                Err(e) => return Err(e),
            };
            settings.teams.push(TeamSettings {
                mailbox: team.address,
                signature,
                edited_elsewhere: written.as_ref().is_some_and(|w| w.edited_elsewhere),
                vacation: written.map(|w| w.rules.vacation),
            });
        }
        Ok(settings)
    }

    /// An organisational mailbox's signature, set by one of its administrators (checked with the
    /// operator: the right to administer it), traced on that mailbox.
    pub(super) async fn keep_team_signature(&self, caller: &Caller, mailbox: &str, signature: &str) -> Result<(), Error> {
        let mailbox = canonical_address(mailbox);
        self.require_admin(caller, &mailbox, "modifier sa signature").await?;
        let signature = checked_signature(signature)?;
        let result = self.signatures.set(&mailbox, &signature).await;
        let detail = if signature.is_empty() { "signature de la boîte retirée" } else { "signature de la boîte modifiée" };
        self.trace(caller, &mailbox, TraceAction::Settings, detail.into(), super::audit::outcome(&result)).await;
        result
    }

    /// An organisational mailbox's automatic reply, set by one of its administrators (the right
    /// checked with the operator first, then the operator's own delegation rule on ManageSieve);
    /// the mailbox's other rules in the webmail's script are kept. Traced on that mailbox.
    pub(super) async fn keep_team_vacation(&self, caller: &Caller, mailbox: &str, vacation: Vacation, replace_edited: bool) -> Result<(), Error> {
        let mailbox = canonical_address(mailbox);
        self.require_admin(caller, &mailbox, "régler sa réponse automatique").await?;
        let vacation = checked_rules(Rules { vacation, ..Rules::default() }, &[], &mailbox, |a| self.sending.trust.check(a))?.vacation;
        let detail = if vacation.enabled { "réponse automatique de la boîte activée" } else { "réponse automatique de la boîte désactivée" };
        let result = self
            .with_sieve(caller, Some(&mailbox), async |sieve| {
                write_rules(sieve, replace_edited, |current| Rules { vacation, ..current.unwrap_or_default() }).await.map(|_| ())
            })
            .await;
        self.trace(caller, &mailbox, TraceAction::Settings, detail.into(), super::audit::outcome(&result)).await;
        result
    }

    pub(super) async fn keep_settings(&self, caller: &Caller, rules: Rules, signature: String, replace_edited: bool) -> Result<(), Error> {
        let folders = self.filing_folders(caller).await?;
        let rules = checked_rules(rules, &folders, &caller.identity.mailbox, |a| self.sending.trust.check(a))?;
        let signature = checked_signature(&signature)?;
        let detail = describe(&rules);
        let result = self.with_sieve(caller, None, async |sieve| write_rules(sieve, replace_edited, |_| rules).await.map(|_| ())).await;
        self.trace(caller, &caller.identity.mailbox, TraceAction::Settings, detail, super::audit::outcome(&result)).await;
        result?;
        self.signatures.set(&caller.identity.mailbox, &signature).await
    }

    /// The signature of the mailbox a message is written from: the user's own, or the
    /// organisational mailbox's (set by its administrators).
    pub(super) async fn signature_of(&self, mailbox: &str) -> String {
        self.signatures.of(mailbox).await.unwrap_or_default()
    }

    /// The user's own folders a filter may file into (IMAP name, label): not the drafts, nor
    /// another mailbox's.
    async fn filing_folders(&self, caller: &Caller) -> Result<Vec<(String, String)>, Error> {
        Ok(filing(&self.folders(caller).await?))
    }
}

/// What a mailbox's scripts say: the webmail's rules, another program's active script, and
/// whether the webmail's script was edited elsewhere.
struct Written {
    rules: Rules,
    other_script: Option<String>,
    edited_elsewhere: bool,
}

async fn read_rules(sieve: &mut SieveSession) -> Result<Written, Error> {
    let scripts = sieve.list().await?;
    let ours = match scripts.iter().any(|s| s.name == SCRIPT_NAME) {
        true => Some(sieve.get(SCRIPT_NAME).await?),
        false => None,
    };
    let mut written = Written { rules: Rules::default(), other_script: None, edited_elsewhere: false };
    match ours.as_deref().map(sieve_script::read) {
        Some(Some((rules, other, unchanged))) => {
            written.rules = rules;
            written.other_script = other.filter(|name| scripts.iter().any(|s| &s.name == name));
            written.edited_elsewhere = !unchanged;
        }
        // a script of that name the webmail did not write
        Some(None) => written.edited_elsewhere = true,
        None => {}
    }
    if let Some(active) = scripts.iter().find(|s| s.active && s.name != SCRIPT_NAME) {
        written.other_script = Some(active.name.clone());
    }
    Ok(written)
}

/// Write the webmail's script with the rules `make` gives from the ones it holds now, and make it
/// active; another program's active script stays included after them. Refused when the script was
/// edited elsewhere and the user did not confirm replacing it (`replace_edited`).
async fn write_rules(sieve: &mut SieveSession, replace_edited: bool, make: impl FnOnce(Option<Rules>) -> Rules) -> Result<Rules, Error> {
    let scripts = sieve.list().await?;
    let mut other = scripts.iter().find(|s| s.active && s.name != SCRIPT_NAME).map(|s| s.name.clone());
    let mut current = None;
    if scripts.iter().any(|s| s.name == SCRIPT_NAME) {
        let text = sieve.get(SCRIPT_NAME).await?;
        let read = sieve_script::read(&text);
        if !replace_edited && !read.as_ref().is_some_and(|(_, _, unchanged)| *unchanged) {
            return Err(Error::BadInput(EDITED_ELSEWHERE.into()));
        }
        // the other program's script included before stays included while it exists
        let before = read.as_ref().and_then(|(_, other, _)| other.clone()).filter(|name| scripts.iter().any(|s| &s.name == name));
        other = other.or(before);
        current = read.map(|(rules, _, _)| rules);
    }
    let rules = make(current);
    sieve.put(SCRIPT_NAME, &sieve_script::script(&rules, other.as_deref())).await?;
    sieve.activate(SCRIPT_NAME).await?;
    Ok(rules)
}

const NOT_DELEGATED: &str = "L'opérateur de cette boîte organisationnelle ne permet pas à la messagerie de régler sa réponse automatique.";

/// Among the `listed` folders, those a filter may file into (IMAP name, label).
fn filing(listed: &[app::reading::Folder]) -> Vec<(String, String)> {
    listed.iter().filter(|f| !is_shared(&f.name) && f.role != FolderRole::Drafts).map(|f| (f.name.clone(), f.label.clone())).collect()
}

const EDITED_ELSEWHERE: &str = "Vos règles ont été modifiées par un autre logiciel depuis leur dernier enregistrement ici. \
     Cochez « Remplacer ces modifications » pour enregistrer celles de cette page.";

/// The trace's detail: what is on, never the texts (a reply may name a patient).
fn describe(rules: &Rules) -> String {
    let mut parts = Vec::new();
    if rules.vacation.enabled {
        parts.push("réponse automatique".to_string());
    }
    if rules.forward.enabled {
        parts.push(format!("transfert vers {}", rules.forward.to));
    }
    parts.push(format!("{} filtre(s)", rules.filters.len()));
    parts.join(", ")
}

/// `rules` as they may be written, or why not (in French). `trust`: the liste blanche's verdict
/// on an address, as compose gives it.
pub fn checked_rules(
    mut rules: Rules,
    folders: &[(String, String)],
    own: &str,
    trust: impl Fn(&str) -> Result<(), String>,
) -> Result<Rules, Error> {
    let bad = |text: String| Err(Error::BadInput(text));
    let vacation = &mut rules.vacation;
    vacation.subject = one_line(&vacation.subject);
    vacation.text = vacation.text.replace("\r\n", "\n").trim().to_string();
    if vacation.enabled {
        if vacation.subject.is_empty() || vacation.subject.chars().count() > limits::MAX_SUBJECT {
            return bad(format!("L'objet de la réponse automatique doit compter de 1 à {} caractères.", limits::MAX_SUBJECT));
        }
        if vacation.text.is_empty() || vacation.text.chars().count() > limits::MAX_REPLY_TEXT {
            return bad(format!("Le texte de la réponse automatique doit compter de 1 à {} caractères.", limits::MAX_REPLY_TEXT));
        }
    }
    if !limits::REPLY_DAYS.contains(&vacation.days) {
        return bad(format!("Une même personne reçoit la réponse au plus une fois tous les {} à {} jours.", limits::REPLY_DAYS.start(), limits::REPLY_DAYS.end()));
    }
    for date in [&mut vacation.from, &mut vacation.until] {
        *date = date.trim().to_string();
        if !date.is_empty() && !is_date(date) {
            return bad(format!("« {} » n'est pas une date (jour/mois/année).", one_line(date)));
        }
    }
    if !vacation.from.is_empty() && !vacation.until.is_empty() && vacation.from > vacation.until {
        return bad("La période de la réponse automatique finit avant de commencer.".into());
    }

    let forward = &mut rules.forward;
    forward.to = canonical_address(&forward.to);
    if forward.enabled {
        if forward.to.is_empty() {
            return bad("Indiquez l'adresse vers laquelle transférer vos messages.".into());
        }
        if forward.to == canonical_address(own) {
            return bad("Vos messages ne peuvent pas être transférés vers votre propre adresse.".into());
        }
        if app::patient::is_patient(&forward.to) {
            return bad("Les messages ne peuvent pas être transférés vers la messagerie d'un patient.".into());
        }
        if let Err(reason) = trust(&forward.to) {
            return bad(format!("Transfert refusé vers {} : {reason}.", forward.to));
        }
    }

    if rules.filters.len() > limits::MAX_FILTERS {
        return bad(format!("Au plus {} filtres.", limits::MAX_FILTERS));
    }
    for (n, filter) in rules.filters.iter_mut().enumerate() {
        filter.contains = one_line(&filter.contains);
        if filter.contains.is_empty() || filter.contains.chars().count() > limits::MAX_CONTAINS {
            return bad(format!("Filtre {} : le texte cherché doit compter de 1 à {} caractères.", n + 1, limits::MAX_CONTAINS));
        }
        if filter.action == FilterAction::Move {
            if !folders.iter().any(|(name, _)| name == &filter.folder) {
                return bad(format!("Filtre {} : choisissez un dossier de votre boîte.", n + 1));
            }
        } else {
            filter.folder.clear();
        }
    }
    Ok(rules)
}

fn checked_signature(signature: &str) -> Result<String, Error> {
    let signature: String = signature.replace("\r\n", "\n").chars().filter(|c| *c == '\n' || !c.is_control()).collect();
    let signature = signature.trim_end().to_string();
    if signature.chars().count() > limits::MAX_SIGNATURE {
        return Err(Error::BadInput(format!("La signature compte au plus {} caractères.", limits::MAX_SIGNATURE)));
    }
    Ok(signature)
}

fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string()
}

/// YYYY-MM-DD, a day that exists.
fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return false };
    let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return false;
    }
    let (y, m, d): (u32, u32, u32) = (y.parse().unwrap_or(0), m.parse().unwrap_or(0), d.parse().unwrap_or(0));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 2000 && (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::settings::{Filter, FilterField, Forward, Vacation};

    const OWN: &str = "claire.dubois@hopital-demo.mssante.fr";

    fn trust(a: &str) -> Result<(), String> {
        if a.ends_with(".mssante.fr") { Ok(()) } else { Err("ce domaine n'est pas dans l'espace de confiance MSSanté".into()) }
    }

    fn folders() -> Vec<(String, String)> {
        vec![("INBOX".into(), "Boîte de réception".into()), ("Archives".into(), "Archives".into())]
    }

    fn refusal(rules: Rules) -> String {
        match checked_rules(rules, &folders(), OWN, trust) {
            Err(Error::BadInput(text)) => text,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn forwarding_stays_inside_the_trust_space() {
        let forward = |to: &str| Rules { forward: Forward { enabled: true, to: to.into(), keep_copy: true }, ..Rules::default() };
        assert!(refusal(forward("dr.martin@gmail.com")).starts_with("Transfert refusé vers dr.martin@gmail.com : ce domaine"));
        assert!(refusal(forward(" Claire.Dubois@hopital-demo.mssante.fr ")).contains("propre adresse"));
        assert!(refusal(forward("1234567890123@patient.mssante.fr")).contains("patient"));
        let ok = checked_rules(forward(" Remplacant@Cabinet-Demo.mssante.fr"), &folders(), OWN, trust).unwrap();
        assert_eq!(ok.forward.to, "remplacant@cabinet-demo.mssante.fr");
        // off, it is not checked (the address is kept for next time)
        assert!(checked_rules(Rules { forward: Forward { enabled: false, to: "x@gmail.com".into(), keep_copy: false }, ..Rules::default() }, &folders(), OWN, trust).is_ok());
    }

    #[test]
    fn the_automatic_reply_and_filters_are_bounded() {
        let vacation = |v: Vacation| Rules { vacation: v, ..Rules::default() };
        assert!(refusal(vacation(Vacation { enabled: true, from: "2026-02-30".into(), ..Vacation::default() })).contains("n'est pas une date"));
        assert!(refusal(vacation(Vacation { enabled: true, from: "2027-01-05".into(), until: "2027-01-04".into(), ..Vacation::default() })).contains("finit avant"));
        assert!(refusal(vacation(Vacation { enabled: true, text: " ".into(), ..Vacation::default() })).contains("texte"));
        assert!(refusal(vacation(Vacation { days: 0, ..Vacation::default() })).contains("jours"));
        let ok = checked_rules(vacation(Vacation { enabled: true, subject: "Absent\r\nBcc: x".into(), from: "2028-02-29".into(), ..Vacation::default() }), &folders(), OWN, trust).unwrap();
        assert_eq!(ok.vacation.subject, "Absent  Bcc: x", "no line break in a subject");

        let filter = |f: Filter| Rules { filters: vec![f], ..Rules::default() };
        assert!(refusal(filter(Filter { field: FilterField::From, contains: "labo".into(), action: FilterAction::Move, folder: "Shared/x@y/INBOX".into() })).contains("dossier"));
        assert!(refusal(filter(Filter { contains: "  ".into(), ..Filter::default() })).contains("texte cherché"));
        assert!(refusal(Rules { filters: vec![Filter { contains: "a".into(), action: FilterAction::Flag, ..Filter::default() }; 51], ..Rules::default() }).contains("Au plus 50"));
        assert!(checked_rules(filter(Filter { field: FilterField::Subject, contains: "[Labo]".into(), action: FilterAction::Move, folder: "Archives".into() }), &folders(), OWN, trust).is_ok());
    }

    #[test]
    fn a_signature_is_plain_and_bounded() {
        assert_eq!(checked_signature("Dr Claire DUBOIS\r\nCardiologie\u{7}\n\n").unwrap(), "Dr Claire DUBOIS\nCardiologie");
        assert!(checked_signature(&"x".repeat(2001)).is_err());
    }
}
