//! The same renames in the JS glue wasm-bindgen wrote (minified by cargo-leptos). The glue names
//! each import once, as a key of the object it hands to the module (`"./site_bg.js":{name:function…}`),
//! and each export as a property of the module's exports (`wasm.name(…)`). A name is changed only
//! where it stands whole and in that one form; anything else stops the build, so that a change in
//! wasm-bindgen's output can never give a glue that calls what the module no longer has.

use crate::Fault;

/// One change of the glue, at a byte offset of the original text.
pub struct Edit {
    pub at: usize,
    pub len: usize,
    pub with: String,
}

fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$'
}

/// Where `name` stands as a whole identifier in `js` (not inside a longer one).
pub fn occurrences(js: &str, name: &str) -> Vec<usize> {
    let bytes = js.as_bytes();
    js.match_indices(name)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = at.checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(at + name.len()).copied();
            !before.is_some_and(is_identifier_byte) && !after.is_some_and(is_identifier_byte)
        })
        .collect()
}

/// The one place where an import is given to the module: a key of the imports object.
pub fn import_key(js: &str, name: &str) -> Result<usize, Fault> {
    let found = occurrences(js, name);
    let bytes = js.as_bytes();
    match found[..] {
        [at] if at > 0 && matches!(bytes[at - 1], b'{' | b',') && bytes.get(at + name.len()) == Some(&b':') => Ok(at),
        _ => Err(Fault::new(format!("the glue names the import {name} {} times, or not as a key of the imports object", found.len()))),
    }
}

/// Whether the glue uses `name` only as a property (`wasm.name`), at least once: then it can be
/// renamed there and nowhere else matters. `hydrate`, also the glue's own exported function, is not.
pub fn used_as_property_only(js: &str, name: &str) -> Option<Vec<usize>> {
    let found = occurrences(js, name);
    (!found.is_empty() && found.iter().all(|&at| at > 0 && js.as_bytes()[at - 1] == b'.')).then_some(found)
}

/// The text with every edit made; edits may not overlap.
pub fn apply(js: &str, mut edits: Vec<Edit>) -> Result<String, Fault> {
    edits.sort_by_key(|edit| edit.at);
    let mut out = String::with_capacity(js.len());
    let mut from = 0;
    for edit in &edits {
        if edit.at < from {
            return Err(Fault::new(format!("two changes of the glue overlap at byte {}", edit.at)));
        }
        out.push_str(&js[from..edit.at]);
        out.push_str(&edit.with);
        from = edit.at + edit.len;
    }
    out.push_str(&js[from..]);
    Ok(out)
}

/// The n-th short name: a letter, then letters or digits (a valid key and property name).
pub fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut name = vec![LETTERS[n % LETTERS.len()]];
    n /= LETTERS.len();
    while n > 0 {
        n -= 1;
        name.push(REST[n % REST.len()]);
        n /= REST.len();
    }
    String::from_utf8(name).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_counts_only_where_it_stands_whole() {
        let js = "x.free();e.__wbg_free_1(a);__wbg_free_1b:1;'__wbg_free_1'";
        assert_eq!(occurrences(js, "__wbg_free_1"), [11, 44]);
        assert_eq!(occurrences(js, "free"), [2]);
    }

    #[test]
    fn an_import_is_found_only_as_the_one_key() {
        let js = r#"{__proto__:null,"./s_bg.js":{__wbg_log_01:function(e){console.log(e)},__wbg_now_02:function(){}}}"#;
        assert_eq!(import_key(js, "__wbg_now_02").unwrap(), js.find("__wbg_now_02").unwrap());
        assert!(import_key(js, "__wbg_gone_03").is_err(), "absent");
        assert!(import_key(&format!("{js};f('__wbg_log_01')"), "__wbg_log_01").is_err(), "also elsewhere");
        assert!(import_key("a.__wbg_log_01:1", "__wbg_log_01").is_err(), "not a key");
    }

    #[test]
    fn an_export_is_renamed_only_when_the_glue_reads_it_as_a_property() {
        let js = "export function hydrate(){e.hydrate()}function f(){e.__wbindgen_malloc(1);return e.__wbindgen_malloc}";
        assert_eq!(used_as_property_only(js, "__wbindgen_malloc").unwrap().len(), 2);
        assert!(used_as_property_only(js, "hydrate").is_none());
        assert!(used_as_property_only(js, "memory").is_none(), "never used");
    }

    #[test]
    fn edits_apply_in_order_and_never_overlap() {
        let edits = vec![Edit { at: 4, len: 3, with: "X".into() }, Edit { at: 0, len: 1, with: "yy".into() }];
        assert_eq!(apply("abcdefgh", edits).unwrap(), "yybcdXh");
        assert!(apply("abcdefgh", vec![Edit { at: 0, len: 3, with: String::new() }, Edit { at: 2, len: 1, with: String::new() }]).is_err());
    }

    #[test]
    fn short_names_are_distinct_identifiers() {
        let names: Vec<String> = (0..10_000).map(short_name).collect();
        let distinct: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        assert!(names.iter().all(|n| n.as_bytes()[0].is_ascii_alphabetic() && n.bytes().all(|b| b.is_ascii_alphanumeric())));
        assert_eq!((short_name(0).as_str(), short_name(51).as_str(), short_name(52).len()), ("a", "Z", 2));
    }
}
