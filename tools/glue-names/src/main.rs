//! Finishes the front end's build, after cargo-leptos (scripts/build.sh).
//!
//! wasm-bindgen names each function the module imports from its JS glue with the Rust path and a
//! 16-digit hash (`__wbg_getItem_2d8f6c…`), and the exports the glue calls with mangled Rust
//! names; every name is written twice, in the module and in the glue, and the hashes do not
//! compress: about 6 KB of the first load. Here each becomes a short name, in both files at once.
//! The module also loses the custom sections that only describe its build.
//!
//! The files are then named by a hash of what they now hold. The main script, the module and the
//! chunk loader (`--split`) name one another, so one hash of the three is the new name of each,
//! and `hash.txt`, where the server reads the names, says so. Their gzip copies are made again
//! (and their brotli copies by scripts/build.sh, as for every file of the site).
//!
//!   glue-names <site's pkg folder> <hash.txt> <output name>

mod glue;
mod wasm;

use base64::Engine;
use glue::Edit;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use wasm::Module;

/// Why the build cannot be finished; it then stops, the files left as cargo-leptos made them.
#[derive(Debug)]
pub struct Fault(String);

impl Fault {
    pub fn new(what: impl Into<String>) -> Fault {
        Fault(what.into())
    }
}

/// The module name under which the glue now gives the module its imports.
const GLUE_MODULE: &str = "w";

/// The module and the glue with short names between them.
struct Shortened {
    module: Module,
    glue: String,
}

/// Renames every import the module takes from the glue (`./<output>_bg.js`), and every exported
/// function the glue only reads as a property and the chunk loader never names.
fn shorten(output: &str, module: &[u8], glue: &str, chunk_loader: &str) -> Result<Shortened, Fault> {
    let mut module = Module::parse(module)?;
    let glue_module = format!("./{output}_bg.js");
    let mut edits = Vec::new();
    let quoted = format!("\"{glue_module}\"");
    match glue.match_indices(&quoted).map(|(at, _)| at).collect::<Vec<_>>()[..] {
        [at] => edits.push(Edit { at, len: quoted.len(), with: format!("\"{GLUE_MODULE}\"") }),
        ref found => return Err(Fault::new(format!("the glue names {quoted} {} times, not once", found.len()))),
    }
    let mut imports: HashMap<String, String> = HashMap::new();
    for import in module.imports.iter_mut().filter(|import| import.module == glue_module) {
        let short = match imports.get(&import.name) {
            Some(short) => short.clone(),
            None => {
                let short = glue::short_name(imports.len());
                edits.push(Edit { at: glue::import_key(glue, &import.name)?, len: import.name.len(), with: short.clone() });
                imports.insert(import.name.clone(), short.clone());
                short
            }
        };
        import.module = GLUE_MODULE.into();
        import.name = short;
    }
    if imports.is_empty() {
        return Err(Fault::new(format!("the module imports nothing from {glue_module}: not wasm-bindgen's output, or already shortened")));
    }
    let kept: BTreeSet<String> = module.exports.iter().map(|export| export.name.clone()).collect();
    let mut fresh = (0..).map(glue::short_name).filter(|name| !kept.contains(name));
    for export in module.exports.iter_mut().filter(|export| export.kind == wasm::FUNCTION) {
        let Some(found) = glue::used_as_property_only(glue, &export.name) else { continue };
        if chunk_loader.contains(&export.name) {
            continue;
        }
        let short = fresh.next().unwrap_or_default();
        edits.extend(found.into_iter().map(|at| Edit { at, len: export.name.len(), with: short.clone() }));
        export.name = short;
    }
    let glue = glue::apply(glue, edits)?;
    if let Some(left) = imports.keys().find(|name| !glue::occurrences(&glue, name).is_empty()) {
        return Err(Fault::new(format!("{left} is still in the glue")));
    }
    Ok(Shortened { module, glue })
}

/// One name for the three files, from what they hold (with the names they had, which come from
/// cargo-leptos' own hashes): any change in any of them gives new names to all three, and a
/// name always stands for the same bytes, as browsers that keep these files a year expect.
fn content_name(parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    hash.update(b"glue-names 1");
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&hash.finalize()[..16])
}

/// The chunk loader as browsers need it: cargo-leptos writes it unminified, each chunk under a
/// comment line naming the pages that use it. Whole comment lines and indentation go; a line
/// with anything else on it stays as it is.
fn without_comment_lines(script: &str) -> String {
    let comment = |line: &str| line.starts_with("/*") && line.ends_with("*/") && line.matches("*/").count() == 1;
    script.lines().map(str::trim_start).filter(|line| !line.is_empty() && !comment(line)).collect::<Vec<_>>().join("\n")
}

/// The `hash.txt` lines cargo-leptos writes (`js: <hash>`).
fn hash_of<'a>(hashes: &'a str, kind: &str) -> Option<&'a str> {
    hashes.lines().filter_map(|line| line.split_once(':')).find(|(k, _)| k.trim() == kind).map(|(_, hash)| hash.trim())
}

fn with_hash(hashes: &str, kind: &str, new: &str) -> String {
    hashes
        .lines()
        .map(|line| match line.split_once(':') {
            Some((k, _)) if k.trim() == kind => format!("{kind}: {new}\n"),
            _ => format!("{line}\n"),
        })
        .collect()
}

fn replace_once_or_more(text: &str, old: &str, new: &str, what: &str) -> Result<String, Fault> {
    if text.contains(old) { Ok(text.replace(old, new)) } else { Err(Fault::new(format!("{what} does not name {old}"))) }
}

fn read(path: &Path) -> Result<Vec<u8>, Fault> {
    fs::read(path).map_err(|e| Fault::new(format!("{}: {e}", path.display())))
}

fn text(path: &Path) -> Result<String, Fault> {
    String::from_utf8(read(path)?).map_err(|_| Fault::new(format!("{}: not UTF-8", path.display())))
}

/// The file and its gzip copy (its brotli copy is made by scripts/build.sh, with the reference
/// encoder, for every file of the site).
fn write_with_copies(path: &Path, bytes: &[u8]) -> Result<(), Fault> {
    let fault = |e: std::io::Error| Fault::new(format!("{}: {e}", path.display()));
    fs::write(path, bytes).map_err(fault)?;
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gzip.write_all(bytes).map_err(fault)?;
    fs::write(with_suffix(path, "gz"), gzip.finish().map_err(fault)?).map_err(fault)
}

fn remove_with_copies(path: &Path) {
    for file in [path.to_path_buf(), with_suffix(path, "br"), with_suffix(path, "gz")] {
        let _ = fs::remove_file(file);
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn finish(pkg: &Path, hash_file: &Path, output: &str) -> Result<String, Fault> {
    let hashes = text(hash_file)?;
    let hash = |kind| hash_of(&hashes, kind).ok_or_else(|| Fault::new(format!("{}: no {kind} line", hash_file.display())));
    let (js_hash, wasm_hash) = (hash("js")?, hash("wasm")?);
    let split_hash = hash_of(&hashes, "split");
    let js_path = pkg.join(format!("{output}.{js_hash}.js"));
    let wasm_path = pkg.join(format!("{output}.{wasm_hash}.wasm"));
    let split_path = split_hash.map(|hash| pkg.join(format!("__wasm_split.{hash}.js")));
    let (original, original_glue) = (read(&wasm_path)?, text(&js_path)?);
    let split = split_path.as_deref().map(text).transpose()?.unwrap_or_default();
    let Shortened { mut module, glue } = shorten(output, &original, &original_glue, &split)?;
    let new = content_name(&[glue.as_bytes(), &module.encode(), split.as_bytes()]);
    // the three files now name one another by the new name
    let (glue, split) = match split_hash {
        Some(old) => {
            let (old_name, new_name) = (format!("__wasm_split.{old}.js"), format!("__wasm_split.{new}.js"));
            for import in module.imports.iter_mut().filter(|import| import.module == format!("./{old_name}")) {
                import.module = format!("./{new_name}");
            }
            let glue = replace_once_or_more(&glue, &old_name, &new_name, "the main script")?;
            let split = replace_once_or_more(&split, &format!("{output}.{js_hash}.js"), &format!("{output}.{new}.js"), "the chunk loader")?;
            let split = without_comment_lines(&split);
            (glue, split)
        }
        None => (glue, split),
    };
    let module = module.encode();
    write_with_copies(&pkg.join(format!("{output}.{new}.wasm")), &module)?;
    write_with_copies(&pkg.join(format!("{output}.{new}.js")), glue.as_bytes())?;
    let mut hashes = with_hash(&with_hash(&hashes, "js", &new), "wasm", &new);
    if let Some(split_path) = &split_path {
        write_with_copies(&pkg.join(format!("__wasm_split.{new}.js")), split.as_bytes())?;
        hashes = with_hash(&hashes, "split", &new);
        remove_with_copies(split_path);
    }
    fs::write(hash_file, hashes).map_err(|e| Fault::new(format!("{}: {e}", hash_file.display())))?;
    remove_with_copies(&js_path);
    remove_with_copies(&wasm_path);
    Ok(format!("{output}.{new}.{{js,wasm}}: WASM {} → {} bytes, script {} → {} bytes", original.len(), module.len(), original_glue.len(), glue.len()))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [pkg, hash_file, output] = &args[..] else {
        eprintln!("usage: glue-names <site's pkg folder> <hash.txt> <output name>");
        std::process::exit(2);
    };
    match finish(Path::new(pkg), Path::new(hash_file), output) {
        Ok(done) => println!("glue-names: {done}"),
        Err(Fault(why)) => {
            eprintln!("glue-names: {why}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLUE: &str = r#"let e;export function hydrate(){e.hydrate()}import*as _ from"./__wasm_split.AbC.js";function i(){return{__proto__:null,"./site_bg.js":{__proto__:null,__wbg_log_0123456789abcdef:function(t){console.log(t),e.closure_invoke_long_mangled_name(1)},__wbindgen_object_drop_ref:function(t){}},"./__wasm_split.AbC.js":_}}"#;

    #[test]
    fn the_module_and_the_glue_agree_on_the_short_names() {
        let Shortened { module, glue } = shorten("site", &wasm::tests::sample(), GLUE, "mainExports.memory").unwrap();
        let imports: Vec<(&str, &str)> = module.imports.iter().map(|i| (i.module.as_str(), i.name.as_str())).collect();
        assert_eq!(imports, [("w", "a"), ("w", "b"), ("./__wasm_split.AbC.js", "__wasm_split_load_x")]);
        assert!(glue.contains(r#"{__proto__:null,"w":{__proto__:null,a:function(t){console.log(t),e.a(1)},b:function(t){}}"#), "{glue}");
        assert_eq!(module.exports.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["memory", "a"]);
        // what the glue exports itself, and the chunk loader's module, stay as they were
        assert!(glue.contains("export function hydrate(){e.hydrate()}") && glue.contains(r#""./__wasm_split.AbC.js":_"#));
    }

    #[test]
    fn an_export_the_chunk_loader_names_keeps_its_name() {
        let Shortened { module, .. } = shorten("site", &wasm::tests::sample(), GLUE, "x.closure_invoke_long_mangled_name").unwrap();
        assert_eq!(module.exports[1].name, "closure_invoke_long_mangled_name");
    }

    #[test]
    fn a_glue_that_does_not_match_the_module_stops_the_build() {
        let sample = wasm::tests::sample();
        assert!(shorten("site", &sample, &GLUE.replace("__wbindgen_object_drop_ref:", "other:"), "").is_err(), "an import without its key");
        assert!(shorten("other", &sample, GLUE, "").is_err(), "another output name");
        let Shortened { module, glue } = shorten("site", &sample, GLUE, "").unwrap();
        assert!(shorten("site", &module.encode(), &glue, "").is_err(), "already shortened");
    }

    #[test]
    fn the_chunk_loader_loses_its_comment_lines_only() {
        let loader = "function f() {\n    return 1; /* kept */\n}\n/* a, b */\nconst c = g(\"./c.wasm\"); /* x */ /* y */\n/* one */ h(); /* two */\n";
        assert_eq!(without_comment_lines(loader), "function f() {\nreturn 1; /* kept */\n}\nconst c = g(\"./c.wasm\"); /* x */ /* y */\n/* one */ h(); /* two */");
    }

    #[test]
    fn any_change_in_any_file_is_a_new_name() {
        let name = content_name(&[b"glue", b"module", b"loader"]);
        assert_eq!(name.len(), 22);
        assert_eq!(name, content_name(&[b"glue", b"module", b"loader"]));
        assert_ne!(name, content_name(&[b"glue", b"module", b"loader!"]));
        assert_ne!(name, content_name(&[b"gluem", b"odule", b"loader"]), "where one file ends counts");
    }

    #[test]
    fn hash_txt_lines_are_read_and_replaced() {
        let hashes = "js: aaa\nwasm: bbb\ncss: ccc\nsplit: ddd\n";
        assert_eq!((hash_of(hashes, "wasm"), hash_of(hashes, "split"), hash_of(hashes, "manifest")), (Some("bbb"), Some("ddd"), None));
        assert_eq!(with_hash(hashes, "wasm", "NEW"), "js: aaa\nwasm: NEW\ncss: ccc\nsplit: ddd\n");
    }
}
