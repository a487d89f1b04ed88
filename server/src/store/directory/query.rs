//! What the user typed, turned into an FTS5 query that cannot be anything but a list of word
//! prefixes: FTS5's own syntax (`"`, `*`, `NEAR(`, `AND`, column filters, `^`) never reaches it.

/// Words read from one field, and the longest word kept.
const MAX_WORDS: usize = 6;
const MAX_WORD: usize = 40;

/// The words of `text`: runs of letters and digits, lower case (FTS5's unicode61 tokenizer folds
/// accents the same way on both sides), at most [`MAX_WORDS`] of at most [`MAX_WORD`] characters.
pub fn words(text: &str) -> Vec<String> {
    let text: String = text.chars().take(app::directory::MAX_QUERY_CHARS).collect();
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(MAX_WORD).collect::<String>())
        .take(MAX_WORDS)
        .collect()
}

/// Words of two characters or more are matched by the index; a single letter (the last word
/// while it is being typed) would make FTS5 merge every word starting with it, so it is checked
/// on the candidates instead.
pub fn indexed(words: &[String]) -> (Vec<&String>, Vec<&String>) {
    words.iter().partition(|w| w.chars().count() >= 2)
}

/// `"dub"* "card"*`, each prefix restricted to `column` when given (`{name} : "dub"*`).
pub fn prefixes(words: &[&String], column: Option<&str>) -> String {
    words
        .iter()
        .map(|w| match column {
            Some(column) => format!("{{{column}}} : \"{w}\"*"),
            None => format!("\"{w}\"*"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Too little typed to ask anything (fewer than [`app::directory::MIN_QUERY_CHARS`] letters).
pub fn too_short(words: &[String]) -> bool {
    words.iter().map(|w| w.chars().count()).sum::<usize>() < app::directory::MIN_QUERY_CHARS
}

/// Whether every word begins some word of what the directory says of `c` (the check of single
/// letters, of recently used correspondents, and of what the FHIR API found by address).
pub fn matches_all(c: &app::directory::Correspondent, words: &[&String]) -> bool {
    let local_part = c.address.split('@').next().unwrap_or_default();
    let haystack = folded(&format!("{} {} {} {} {} {} {} {} {local_part}", c.name, c.identifier, c.profession, c.specialty, c.organisation, c.service, c.town, c.postcode));
    words.iter().all(|w| has_word_starting(&haystack, &folded(w)))
}

/// Lower case without diacritics, as the tokenizer sees text, for checking single letters.
pub fn folded(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).collect::<String>().to_lowercase()
}

/// Whether some word of `text` starts with `prefix` (both already folded).
pub fn has_word_starting(text: &str, prefix: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|w| w.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_syntax_is_never_passed_on() {
        assert_eq!(words(r#"dub" OR card* NEAR(a b) {name}:x ^y -z"#), ["dub", "or", "card", "near", "a", "b"]);
        assert_eq!(prefixes(&words("Lefèvre  J").iter().collect::<Vec<_>>(), None), r#""lefèvre"* "j"*"#);
        assert_eq!(prefixes(&[&"dub".to_string()], Some("name")), r#"{name} : "dub"*"#);
        assert!(words("\"*()").is_empty());
        assert!(words(&"a".repeat(500)).iter().all(|w| w.len() <= MAX_WORD));
    }

    #[test]
    fn single_letters_are_checked_outside_the_index() {
        let typed = words("claire d");
        let (long, short) = indexed(&typed);
        assert_eq!((long.len(), short.len()), (1, 1));
        assert!(has_word_starting(&folded("Dr Claire DUBOIS"), "d"));
        assert!(has_word_starting(&folded("Hélène LEFÈVRE"), "lefe"));
        assert!(!has_word_starting(&folded("Claire MARTIN"), "d"));
    }
}
