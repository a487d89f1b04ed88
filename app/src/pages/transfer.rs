//! « Exporter et importer », on the settings page: an export is a plain download (the browser
//! shows its progress and can cancel it; the server streams it as it fetches), an import sends
//! the file with its progress shown, then says what was added, skipped and unreadable.

use leptos::prelude::*;

/// What the server answers an import with.
#[cfg(feature = "hydrate")]
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ImportReport {
    pub imported: usize,
    pub duplicates: usize,
    pub broken: Vec<(usize, String)>,
    pub broken_count: usize,
}

#[cfg(feature = "hydrate")]
impl ImportReport {
    pub fn describe(&self) -> String {
        let mut text = format!("{} message(s) ajouté(s), {} doublon(s) ignoré(s)", self.imported, self.duplicates);
        if self.broken_count > 0 {
            let positions: Vec<String> = self.broken.iter().take(10).map(|(n, _)| format!("n° {n}")).collect();
            text.push_str(&format!(", {} message(s) illisible(s) non importé(s) ({}{})", self.broken_count, positions.join(", "), if self.broken_count > 10 { "…" } else { "" }));
        }
        text.push('.');
        text
    }
}

#[component]
pub fn ExportImport(folders: StoredValue<Vec<(String, String)>>) -> impl IntoView {
    let target = RwSignal::new(folders.with_value(|f| f.first().map(|(n, _)| n.clone()).unwrap_or_default()));
    let progress = RwSignal::new(None::<u32>);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let options = move || folders.get_value().into_iter().map(|(name, label)| view! { <option value=name>{label}</option> }).collect_view();
    #[cfg(feature = "hydrate")]
    let on_file = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(file) = input.as_ref().and_then(|i| i.files()).and_then(|files| files.get(0)) {
            outcome.set(None);
            upload::start(file, target.get_untracked(), progress, outcome);
        }
        if let Some(input) = input {
            input.set_value("");
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let on_file = move |_: leptos::ev::Event| {};
    view! {
        <fieldset>
            <legend>"Exporter et importer"</legend>
            <form class="exporter" method="get" action="/boites/export">
                <label>"Dossier"<select name="dossier">{options}</select></label>
                <label class="case"><input type="radio" name="format" value="mbox" checked/>"mbox (un fichier pour le dossier)"</label>
                <label class="case"><input type="radio" name="format" value="zip"/>"ZIP de fichiers .eml"</label>
                <div class="modeles">
                    <button type="submit">"Exporter ce dossier"</button>
                    <a class="bouton-lien" href="/boites/export?tout=1" download>"Exporter toute la boîte (ZIP)"</a>
                </div>
            </form>
            <p class="aide">"Le fichier se télécharge au fur et à mesure ; votre navigateur en montre la progression et permet de l'annuler."</p>
            <label>"Importer dans le dossier"<select name="import-dossier" on:change=move |ev| target.set(event_target_value(&ev))>{options}</select></label>
            <label class="ajouter-pj">
                <span>"Choisir un fichier mbox, ZIP ou .eml"</span>
                <input type="file" name="import" accept=".mbox,.zip,.eml,application/mbox,application/zip,message/rfc822" on:change=on_file/>
            </label>
            {move || progress.get().map(|percent| view! {
                <p><progress max="100" value=percent aria-label="Envoi du fichier"></progress>{format!(" {percent} %")}</p>
            })}
            {move || outcome.get().map(|o| match o {
                Ok(text) => view! { <p class="bandeau-info" role="status" data-testid="import-fait">{text}</p> }.into_any(),
                Err(text) => view! { <p class="alerte" role="alert">{text}</p> }.into_any(),
            })}
        </fieldset>
    }
}

#[cfg(feature = "hydrate")]
mod upload {
    use super::ImportReport;
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, closure::Closure};

    pub fn start(file: web_sys::File, folder: String, progress: RwSignal<Option<u32>>, outcome: RwSignal<Option<Result<String, String>>>) {
        let Ok(xhr) = web_sys::XmlHttpRequest::new() else { return };
        if xhr.open("POST", &format!("/boites/import?dossier={}", crate::urls::encode(&folder))).is_err() {
            return;
        }
        let _ = xhr.set_request_header("Content-Type", "application/octet-stream");
        progress.set(Some(0));
        let on_progress = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                progress.set(Some((e.loaded() / e.total() * 100.0) as u32));
            }
        });
        if let Ok(target) = xhr.upload() {
            target.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        on_progress.forget();
        let request = xhr.clone();
        let name = file.name();
        let done = Closure::<dyn Fn()>::new(move || {
            progress.set(None);
            let status = request.status().unwrap_or(0);
            let text = request.response_text().ok().flatten().unwrap_or_default();
            outcome.set(Some(match (status, serde_json::from_str::<ImportReport>(&text)) {
                (200, Ok(report)) => Ok(format!("« {name} » : {}", report.describe())),
                (0, _) => Err(format!("La connexion a été perdue pendant l'envoi de « {name} » : rien n'a été importé après la coupure ; relancez l'import (les messages déjà ajoutés seront ignorés).")),
                (_, _) if !text.is_empty() && !text.starts_with('{') => Err(format!("« {name} » : {text}")),
                _ => Err(format!("« {name} » n'a pas été importé : réessayez.")),
            }));
        });
        xhr.set_onloadend(Some(done.as_ref().unchecked_ref()));
        done.forget();
        let _ = xhr.send_with_opt_blob(Some(&file));
    }
}
