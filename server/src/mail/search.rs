//! The search form as an IMAP SEARCH program (RFC 3501 §6.4.4), run by the operator's server.
//! User text travels as non-synchronising literals (LITERAL+), so no quoting can be escaped.

use crate::error::Error;
use app::reading::Search;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `{n+}\r\n<bytes>`: the server reads exactly n bytes, whatever they contain.
pub fn literal(text: &str) -> String {
    format!("{{{}+}}\r\n{text}", text.len())
}

/// "2026-11-05" → "5-Nov-2026" (IMAP date), or a French message saying what is wrong.
fn imap_date(value: &str, field: &str) -> Result<String, Error> {
    let bad = || Error::BadInput(format!("La date « {value} » ({field}) n'est pas valide : utilisez le format AAAA-MM-JJ."));
    let mut parts = value.split('-').map(|p| p.parse::<u32>().map_err(|_| bad()));
    let (y, m, d) = (parts.next().ok_or_else(bad)??, parts.next().ok_or_else(bad)??, parts.next().ok_or_else(bad)??);
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1900..=9999).contains(&y) {
        return Err(bad());
    }
    Ok(format!("{d}-{}-{y}", MONTHS[m as usize - 1]))
}

/// The search keys for `search` (without "UID SEARCH CHARSET UTF-8"); "ALL" when it is empty.
pub fn program(search: &Search) -> Result<String, Error> {
    let mut keys = Vec::new();
    for (key, value) in [("FROM", &search.from), ("TO", &search.to), ("SUBJECT", &search.subject), ("TEXT", &search.body)] {
        let value = value.trim();
        if value.chars().any(char::is_control) {
            return Err(Error::BadInput("La recherche contient des caractères non autorisés.".into()));
        }
        if !value.is_empty() {
            keys.push(format!("{key} {}", literal(value)));
        }
    }
    // dates of arrival; "until" is inclusive, so: not since the day after
    if !search.since.trim().is_empty() {
        keys.push(format!("SINCE {}", imap_date(search.since.trim(), "du")?));
    }
    if !search.until.trim().is_empty() {
        keys.push(format!("NOT SINCE {}", next_day(&imap_date(search.until.trim(), "au")?)));
    }
    if search.unread {
        keys.push("UNSEEN".into());
    }
    if search.untaken {
        keys.push(format!("UNKEYWORD {}", crate::gateway::imap::TAKEN));
    }
    if search.with_attachment {
        // Dovecot flags detected attachments; older mail is recognised by its structure
        keys.push("OR KEYWORD $HasAttachment HEADER Content-Type multipart/mixed".into());
    }
    Ok(if keys.is_empty() { "ALL".into() } else { keys.join(" ") })
}

/// The IMAP date after `date` ("30-Nov-2026" → "1-Dec-2026").
fn next_day(date: &str) -> String {
    let mut it = date.split('-');
    let (d, m, y): (u32, usize, u32) = (
        it.next().and_then(|d| d.parse().ok()).unwrap_or(1),
        it.next().and_then(|m| MONTHS.iter().position(|x| *x == m)).unwrap_or(0),
        it.next().and_then(|y| y.parse().ok()).unwrap_or(1970),
    );
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m];
    match (d < days, m < 11) {
        (true, _) => format!("{}-{}-{y}", d + 1, MONTHS[m]),
        (false, true) => format!("1-{}-{y}", MONTHS[m + 1]),
        (false, false) => format!("1-Jan-{}", y + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_search_is_all() {
        assert_eq!(program(&Search::default()).unwrap(), "ALL");
    }

    #[test]
    fn text_goes_as_literals_so_quotes_cannot_break_out() {
        let s = Search { from: "garnier".into(), subject: "é\" OR ALL \"".into(), ..Default::default() };
        assert_eq!(program(&s).unwrap(), "FROM {7+}\r\ngarnier SUBJECT {12+}\r\né\" OR ALL \"");
    }

    #[test]
    fn control_characters_are_refused() {
        let s = Search { body: "a\r\nA1 LOGOUT".into(), ..Default::default() };
        assert!(matches!(program(&s), Err(Error::BadInput(_))));
    }

    #[test]
    fn period_flags_and_attachments() {
        let s = Search { since: "2026-11-01".into(), until: "2026-11-30".into(), unread: true, with_attachment: true, ..Default::default() };
        assert_eq!(
            program(&s).unwrap(),
            "SINCE 1-Nov-2026 NOT SINCE 1-Dec-2026 UNSEEN OR KEYWORD $HasAttachment HEADER Content-Type multipart/mixed"
        );
        assert_eq!(next_day("31-Dec-2026"), "1-Jan-2027");
        assert_eq!(next_day("28-Feb-2028"), "29-Feb-2028");
    }

    #[test]
    fn bad_dates_say_so_in_french() {
        let s = Search { since: "01/11/2026".into(), ..Default::default() };
        let Err(Error::BadInput(text)) = program(&s) else { panic!() };
        assert!(text.contains("AAAA-MM-JJ"), "{text}");
    }
}
