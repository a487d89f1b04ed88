//! The installable app: the service worker, written with this deployment's file names so that a
//! new deployment is a new worker (which the page offers to take on), and the page it shows when
//! the network is gone. The manifest, icons and the registering script are public files.

use super::assets;
use axum::{extract::State, http::header, response::IntoResponse};
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

/// What the service worker keeps; nothing in it carries mail.
#[derive(Clone)]
pub struct Shell(Arc<ShellFiles>);

struct ShellFiles {
    worker: String,
    offline_page: String,
    late_page: String,
}

impl Shell {
    pub fn new(options: &LeptosOptions) -> Shell {
        let built = assets::build_file_names(options);
        let pkg = format!("/{}", options.site_pkg_dir);
        let mut kept: Vec<String> = vec![OFFLINE_PATH.to_string()];
        kept.extend(assets::shell_public_files().map(str::to_string));
        kept.extend([&built.css, &built.js, &built.wasm].into_iter().chain(&built.chunk_loader).map(|name| format!("{pkg}/{name}")));
        let worker = without_comments(include_str!("service_worker.js"))
            .replace("__VERSION__", &js_literal(&built.version))
            .replace("__BUILD_DIR__", &js_literal(&format!("{pkg}/")))
            .replace("__SHELL__", &js_literal(&kept));
        Self::build(worker, &format!("{pkg}/{}", built.css))
    }

    fn build(worker: String, stylesheet: &str) -> Shell {
        let offline_page = notice_html(stylesheet, "Hors connexion", OFFLINE_NOTICE, false);
        let late_page = notice_html(stylesheet, "Page en attente", LATE_NOTICE, true);
        Shell(Arc::new(ShellFiles { worker, offline_page, late_page }))
    }

    /// A shell without service worker, for tests of the pages it serves.
    #[cfg(test)]
    pub fn with_stylesheet(stylesheet: &str) -> Shell {
        Self::build(String::new(), stylesheet)
    }

    /// The page answered when a page takes too long to come ([`super::slow`]).
    pub fn late_page(&self) -> &str {
        &self.0.late_page
    }
}

/// The policy of the pages written here: their stylesheet and icon, nothing else.
pub const NOTICE_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

pub const OFFLINE_PATH: &str = "/hors-connexion";

/// `/sw.js`: its own policy lets it fetch from this origin only (the deny-all one would stop it).
pub async fn service_worker(State(shell): State<Shell>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; connect-src 'self'"),
        ],
        shell.0.worker.clone(),
    )
}

/// The page shown instead of any page while there is no network: no mail, no script.
pub async fn offline_page(State(shell): State<Shell>) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, NOTICE_POLICY),
        ],
        shell.0.offline_page.clone(),
    )
}

const OFFLINE_NOTICE: &str = "<p class=\"accroche\">La messagerie n'est pas joignable depuis cet appareil pour le moment.</p>
<p>Le message que vous écriviez est gardé dans cet onglet : il vous sera proposé dès que vous rouvrirez « Écrire », une fois la connexion revenue.</p>
<a class=\"bouton-psc\" href=\"/\">Réessayer</a>";

/// Reloads the same address (an empty link is the page itself): nothing of it is written here.
const LATE_NOTICE: &str = "<p class=\"accroche\">Cette page met plus de temps que prévu à venir. Nouvel essai dans un instant…</p>
<p>Rien de ce que vous faisiez n'est perdu.</p>
<a class=\"bouton-psc\" href=\"\">Réessayer maintenant</a>";

/// A page with no script: a title, what `body` says, and (`reload`) a new try after 2 s.
fn notice_html(stylesheet: &str, title: &str, body: &str, reload: bool) -> String {
    let reload = if reload { "\n<meta http-equiv=\"refresh\" content=\"2\">" } else { "" };
    format!(
        r#"<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">{reload}
<title>{title} · Messagerie MSSanté</title>
<link rel="stylesheet" href="{stylesheet}">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<main id="contenu" class="connexion hors-connexion">
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"#
    )
}

/// The worker as browsers need it: its comments (whole lines, for whoever reads the source) and
/// indentation left out. It is fetched at sign-in and on each page load, to check for a new version.
fn without_comments(script: &str) -> String {
    script.lines().map(str::trim_start).filter(|line| !line.is_empty() && !line.starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// A constant for the worker's script, as JSON (quotes and backslashes escaped).
fn js_literal<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_worker_is_sent_without_its_comments() {
        let source = include_str!("service_worker.js");
        let sent = super::without_comments(source);
        assert!(source.contains("\n// ") && !sent.contains("\n//") && !sent.starts_with("//"));
        // every statement is there, as written
        for line in source.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//")) {
            assert!(sent.contains(line), "{line}");
        }
        assert!(sent.len() * 10 < source.len() * 7, "{} of {} bytes", sent.len(), source.len());
    }
}
