//! The webmail's Sieve script (RFC 5228, with vacation, date, imap4flags, copy, include): written
//! from the settings page's [`Rules`], which it also carries (one JSON comment line) so that the
//! page reads them back as they were set. A script whose text is not what its rules give was
//! changed by another program.

use crate::mail::folders::decode_mutf7;
use app::settings::{FilterAction, FilterField, Rules};
use std::fmt::Write;

/// The name of the webmail's script at the operator.
pub const SCRIPT_NAME: &str = "messagerie-mssante";
const RULES_MARK: &str = "# regles: ";

/// The script for `rules`; `other`: another program's script, run after the webmail's rules.
pub fn script(rules: &Rules, other: Option<&str>) -> String {
    let mut out = String::new();
    let line = |out: &mut String, text: &str| {
        out.push_str(text);
        out.push_str("\r\n");
    };
    line(&mut out, "# Règles de la messagerie MSSanté (réponse automatique, transfert, filtres).");
    line(&mut out, "# Écrit par la messagerie : modifiez-les depuis sa page « Paramètres ».");
    let carried = serde_json::json!({ "rules": rules, "other": other });
    line(&mut out, &format!("{RULES_MARK}{carried}"));
    line(&mut out, "require [\"copy\", \"date\", \"relational\", \"fileinto\", \"imap4flags\", \"vacation\", \"include\"];");

    let vacation = &rules.vacation;
    if vacation.enabled {
        let mut tests = Vec::new();
        if !vacation.from.is_empty() {
            tests.push(format!("currentdate :value \"ge\" \"date\" {}", quote(&vacation.from)));
        }
        if !vacation.until.is_empty() {
            tests.push(format!("currentdate :value \"le\" \"date\" {}", quote(&vacation.until)));
        }
        if !vacation.patients {
            tests.push(format!("not address :domain :is \"from\" {}", quote(app::patient::PATIENT_DOMAIN)));
        }
        let reply = format!("vacation :days {} :subject {} {};", vacation.days, quote(&vacation.subject), quote(&vacation.text));
        if tests.is_empty() {
            line(&mut out, &reply);
        } else {
            line(&mut out, &format!("if allof ({}) {{", tests.join(", ")));
            line(&mut out, &format!("  {reply}"));
            line(&mut out, "}");
        }
    }

    let forward = &rules.forward;
    if forward.enabled {
        if forward.keep_copy {
            line(&mut out, &format!("redirect :copy {};", quote(&forward.to)));
        } else {
            // nothing is kept here: no filter would have anything to file
            line(&mut out, &format!("redirect {};", quote(&forward.to)));
            line(&mut out, "stop;");
        }
    }

    for filter in &rules.filters {
        let test = match filter.field {
            FilterField::From => format!("header :contains \"from\" {}", quote(&filter.contains)),
            FilterField::To => format!("header :contains [\"to\", \"cc\"] {}", quote(&filter.contains)),
            FilterField::Subject => format!("header :contains \"subject\" {}", quote(&filter.contains)),
        };
        let action = match filter.action {
            FilterAction::Move => format!("fileinto {}; stop;", quote(&decode_mutf7(&filter.folder))),
            FilterAction::MarkRead => "addflag \"\\\\Seen\";".to_string(),
            FilterAction::Flag => "addflag \"\\\\Flagged\";".to_string(),
        };
        line(&mut out, &format!("if {test} {{ {action} }}"));
    }

    if let Some(other) = other {
        line(&mut out, &format!("include :personal {};", quote(other)));
    }
    out
}

/// What a script of the webmail carries: its rules and the other program's script it runs, and
/// whether its text is still the one the webmail wrote. `None`: not a script of the webmail.
pub fn read(text: &str) -> Option<(Rules, Option<String>, bool)> {
    let carried = text.lines().find_map(|l| l.strip_prefix(RULES_MARK))?;
    let value: serde_json::Value = serde_json::from_str(carried).ok()?;
    let rules: Rules = serde_json::from_value(value.get("rules")?.clone()).ok()?;
    let other = value.get("other").and_then(|o| o.as_str()).map(String::from);
    let unchanged = script(&rules, other.as_deref()) == text.replace("\r\n", "\n").replace('\n', "\r\n");
    Some((rules, other, unchanged))
}

/// A Sieve quoted string: `"` and `\` escaped, line breaks as CRLF (the only form a quoted string
/// may hold them in), other control characters dropped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\r\n"),
            c if c.is_control() => {}
            c => {
                let _ = out.write_char(c);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::settings::{Filter, Forward, Vacation};

    fn rules() -> Rules {
        Rules {
            vacation: Vacation { enabled: true, from: "2026-12-20".into(), until: "2027-01-04".into(), subject: "Absent \"congés\"".into(), text: "Bonjour,\nabsent.\\".into(), days: 3, patients: false },
            forward: Forward { enabled: true, to: "remplacant@hopital-demo.mssante.fr".into(), keep_copy: true },
            filters: vec![
                Filter { field: FilterField::Subject, contains: "[Labo]".into(), action: FilterAction::Move, folder: "R&AOk-sultats".into() },
                Filter { field: FilterField::From, contains: "noreply".into(), action: FilterAction::MarkRead, folder: String::new() },
            ],
        }
    }

    #[test]
    fn the_script_says_what_the_page_set() {
        let text = script(&rules(), Some("roundcube"));
        assert!(text.contains("if allof (currentdate :value \"ge\" \"date\" \"2026-12-20\", currentdate :value \"le\" \"date\" \"2027-01-04\", not address :domain :is \"from\" \"patient.mssante.fr\") {"));
        assert!(text.contains("vacation :days 3 :subject \"Absent \\\"congés\\\"\" \"Bonjour,\r\nabsent.\\\\\";"), "{text}");
        assert!(text.contains("redirect :copy \"remplacant@hopital-demo.mssante.fr\";"));
        assert!(text.contains("if header :contains \"subject\" \"[Labo]\" { fileinto \"Résultats\"; stop; }"), "folder names in UTF-8");
        assert!(text.contains("addflag \"\\\\Seen\";"));
        assert!(text.trim_end().ends_with("include :personal \"roundcube\";"), "the other program's rules run last");
        assert!(text.lines().all(|l| !l.contains('\n')));
    }

    #[test]
    fn rules_come_back_from_the_script_and_changes_by_others_are_seen() {
        let text = script(&rules(), Some("roundcube"));
        assert_eq!(read(&text), Some((rules(), Some("roundcube".into()), true)));
        let edited = text.replace("\"[Labo]\" { fileinto", "\"[Labo2]\" { fileinto");
        assert_eq!(read(&edited).map(|(_, _, unchanged)| unchanged), Some(false));
        assert_eq!(read("require \"fileinto\";\r\nkeep;\r\n"), None, "another program's script");
        // a script sent back with LF line ends only is still the webmail's own
        assert_eq!(read(&text.replace("\r\n", "\n")).map(|(_, _, unchanged)| unchanged), Some(true));
    }

    #[test]
    fn forwarding_without_a_copy_stops_there_and_a_hostile_text_stays_a_string() {
        let mut r = Rules { forward: Forward { enabled: true, to: "a@hopital-demo.mssante.fr".into(), keep_copy: false }, ..Default::default() };
        r.filters.push(Filter { field: FilterField::To, contains: "\"; discard; \"\u{0}".into(), action: FilterAction::Flag, folder: String::new() });
        let text = script(&r, None);
        assert!(text.contains("redirect \"a@hopital-demo.mssante.fr\";\r\nstop;"));
        assert!(text.contains("if header :contains [\"to\", \"cc\"] \"\\\"; discard; \\\"\" { addflag \"\\\\Flagged\"; }"), "{text}");
        assert!(!text.contains("vacation :days"));
    }
}
