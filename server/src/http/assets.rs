//! Static files. The build's JS, WASM and CSS are served from the brotli-11 and gzip copies the
//! release build made (never compressed again on each request); when the build named them by
//! their content (`hash-files`), browsers keep them a year without asking again. Every other
//! public file (icon, manifest, service worker) is checked with the server on each use.

use axum::http::{HeaderValue, header};
use leptos::prelude::LeptosOptions;
use std::path::{Path, PathBuf};
use tower_http::services::{ServeDir, ServeFile};

/// Assets named by their content never change: a year, no revalidation.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Assets whose name stays the same from one build to the next: revalidated on each use.
const REVALIDATE: &str = "no-cache";

/// Whether this build named its files by their content: cargo-leptos then leaves their hashes
/// beside the server binary (`hash.txt`), where Leptos reads them to write the page's links
/// (`LeptosOptions::hash_files`). `LEPTOS_HASH_FILES` still decides when it is set.
pub fn hashed_build(options: &LeptosOptions) -> bool {
    match std::env::var("LEPTOS_HASH_FILES") {
        Ok(value) => value == "true",
        Err(_) => hash_file(options).is_some_and(|file| file.is_file()),
    }
}

/// Where cargo-leptos leaves the hashes, and Leptos reads them: beside the server binary.
fn hash_file(options: &LeptosOptions) -> Option<PathBuf> {
    Some(std::env::current_exe().ok()?.parent()?.join(options.hash_file.as_ref()))
}

/// `/pkg/…`: the build's files, precompressed copies first.
pub fn build_files(options: &LeptosOptions) -> ServeDir {
    let dir: PathBuf = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    ServeDir::new(dir).precompressed_br().precompressed_gzip()
}

/// How long a browser may keep what was served under `/pkg/` (successful answers only: a
/// missing file may appear with the next deployment).
pub async fn build_files_caching(
    axum::extract::State(hashed): axum::extract::State<bool>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    if response.status().is_success() {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(if hashed { IMMUTABLE } else { REVALIDATE }));
        if hashed {
            // never asked for again: when it last changed, and the offer of ranges, are bytes for nothing
            headers.remove(header::LAST_MODIFIED);
            headers.remove(header::ACCEPT_RANGES);
        }
    }
    response
}

/// A public file, from its brotli or gzip copy when there is one, answering a revalidation with
/// `304 Not Modified` (the file handler of leptos_axum drops the request's conditional headers:
/// every revalidation sent the whole file again).
pub fn public_file(options: &LeptosOptions, path: &str) -> ServeFile {
    ServeFile::new(Path::new(options.site_root.as_ref()).join(path.trim_start_matches('/'))).precompressed_br().precompressed_gzip()
}

/// The public files (public/): icons, the manifest, the script registering the service worker.
pub const PUBLIC_FILES: &[&str] = &["/favicon.svg", "/icone.svg", "/icone-192.png", "/icone-512.png", "/manifest.webmanifest", "/pwa.js"];

/// The public files the service worker keeps with the shell: not the manifest's icons (`icone*`),
/// which only an installation shows (the browser fetches them then) — kept, they cost every
/// first visit 9 KB for the PNGs, 0.7 KB for the SVG.
pub fn shell_public_files() -> impl Iterator<Item = &'static str> {
    PUBLIC_FILES.iter().copied().filter(|file| !file.starts_with("/icone"))
}

/// Public files are revalidated on each use (their names do not change between deployments).
pub fn is_public_file(path: &str) -> bool {
    PUBLIC_FILES.contains(&path)
}

pub const PUBLIC_POLICY: &str = REVALIDATE;

/// The names of the build's CSS, JS and WASM files, and what tells this build from others.
pub struct BuildFiles {
    pub css: String,
    pub js: String,
    pub wasm: String,
    pub chunk_loader: Option<String>,
    /// The stylesheet of the pages loaded on demand (style/pages.css), when the build made it.
    pub pages_css: Option<String>,
    pub version: String,
}

/// Read from `hash.txt` (lines `css: <hash>`) when the build hashed its files; otherwise the plain
/// names, and a version that changes with each start (a development build changes all the time).
pub fn build_file_names(options: &LeptosOptions) -> BuildFiles {
    let name = options.output_name.as_ref();
    let hashes = options
        .hash_files
        .then(|| hash_file(options))
        .flatten()
        .and_then(|file| std::fs::read_to_string(file).ok())
        .unwrap_or_default();
    let hash_of = |kind: &str| {
        hashes.lines().filter_map(|line| line.split_once(':')).find(|(k, _)| k.trim() == kind).map(|(_, h)| h.trim().to_string())
    };
    let named = |kind: &str| match hash_of(kind) {
        Some(hash) => format!("{name}.{hash}.{kind}"),
        None => format!("{name}.{kind}"),
    };
    let split = hash_of("split");
    // a change in any chunk is a new version too
    let version = match hash_of("wasm") {
        Some(hash) => split.as_ref().map_or(hash.clone(), |split| format!("{hash}-{split}")),
        None => format!("dev-{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()),
    };
    // a build split into chunks (`--split`) has the script that loads them, which the main script
    // imports at start
    let chunk_loader = split.map(|hash| format!("__wasm_split.{hash}.js"));
    let pages_css = hash_of("pages-css").map(|hash| format!("{name}-pages.{hash}.css"));
    BuildFiles { css: named("css"), js: named("js"), wasm: named("wasm"), chunk_loader, pages_css, version }
}
