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
}

impl Shell {
    pub fn new(options: &LeptosOptions) -> Shell {
        let built = assets::build_file_names(options);
        let pkg = format!("/{}", options.site_pkg_dir);
        let mut kept: Vec<String> = vec![OFFLINE_PATH.to_string()];
        kept.extend(assets::PUBLIC_FILES.iter().map(|f| f.to_string()));
        kept.extend([&built.css, &built.js, &built.wasm].map(|name| format!("{pkg}/{name}")));
        let worker = include_str!("service_worker.js")
            .replace("__VERSION__", &js_literal(&built.version))
            .replace("__SHELL__", &js_literal(&kept));
        let offline_page = offline_html(&format!("{pkg}/{}", built.css));
        Shell(Arc::new(ShellFiles { worker, offline_page }))
    }
}

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
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        ],
        shell.0.offline_page.clone(),
    )
}

fn offline_html(stylesheet: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hors connexion · Messagerie MSSanté</title>
<link rel="stylesheet" href="{stylesheet}">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
</head>
<body>
<main id="contenu" class="connexion hors-connexion">
<h1>Hors connexion</h1>
<p class="accroche">La messagerie n'est pas joignable depuis cet appareil pour le moment.</p>
<p>Le message que vous écriviez est gardé dans cet onglet : il vous sera proposé dès que vous rouvrirez « Écrire », une fois la connexion revenue.</p>
<a class="bouton-psc" href="/">Réessayer</a>
</main>
</body>
</html>
"#
    )
}

/// A constant for the worker's script, as JSON (quotes and backslashes escaped).
fn js_literal<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
