//! « Exporter et importer », on the settings page. An export is a download the server streams as
//! it fetches; once the page is interactive it follows it (messages done out of the total) and can
//! cancel it. An import sends one file or several (chosen or dropped) one after the other, with
//! the progress of each, then says what was added, skipped and unreadable. Without the page's code,
//! both still work as plain HTML (a download, one file chosen).

use crate::archive::{ExportProgress, ExportState};
use leptos::prelude::*;

/// Files one import takes at once (each is one request); more are named, never silently left.
#[cfg(feature = "hydrate")]
const FILES_AT_ONCE: usize = 1000;

#[component]
pub fn ExportImport(folders: StoredValue<Vec<(String, String)>>) -> impl IntoView {
    view! {
        <fieldset>
            <legend>"Exporter et importer"</legend>
            <Export folders/>
            <Import folders/>
        </fieldset>
    }
}

#[component]
fn Export(folders: StoredValue<Vec<(String, String)>>) -> impl IntoView {
    let folder = RwSignal::new(folders.with_value(|f| f.first().map(|(n, _)| n.clone()).unwrap_or_default()));
    let format = RwSignal::new("mbox".to_string());
    // the export the page follows: its id and where it is
    let followed = RwSignal::new(None::<(String, ExportProgress)>);
    let lost = RwSignal::new(false);
    let options = move || folders.get_value().into_iter().map(|(name, label)| view! { <option value=name>{label}</option> }).collect_view();
    #[cfg(feature = "hydrate")]
    let start = move |query: String| {
        if followed.get_untracked().is_some_and(|(_, p)| p.state == ExportState::Running) {
            return; // one at a time from this page
        }
        lost.set(false);
        let id = follow::new_id();
        follow::download(&format!("/boites/export?{query}&suivi={id}"));
        followed.set(Some((id.clone(), ExportProgress { done: 0, total: 0, state: ExportState::Running })));
        follow::poll(id, followed, lost, 0);
    };
    #[cfg(not(feature = "hydrate"))]
    let start = move |_: String| {};
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        start(format!("dossier={}&format={}", crate::urls::encode(&folder.get_untracked()), format.get_untracked()));
    };
    let on_whole = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        start("tout=1".into());
    };
    // the organisational mailboxes the user may read, each exported whole
    let mailboxes = use_context::<crate::pages::frame::Mailboxes>();
    let teams = move || {
        let all = mailboxes.and_then(|m| m.get()).and_then(Result::ok).unwrap_or_default();
        all.into_iter()
            .filter(|m| m.organisational && m.rights.read)
            .map(|team| {
                let query = format!("tout={}", crate::urls::encode(&team.address));
                view! {
                    <a class="bouton-lien" href=format!("/boites/export?{query}") download
                        on:click=move |ev| { ev.prevent_default(); start(query.clone()); }>
                        {format!("Exporter {} (ZIP)", team.address)}
                    </a>
                }
            })
            .collect_view()
    };
    let cancel = move |_| {
        if let Some((id, _)) = followed.get_untracked() {
            leptos::task::spawn_local(async move {
                if let Ok(progress) = crate::archive::cancel_export(id.clone()).await {
                    let _ = followed.try_set(Some((id, progress)));
                }
            });
        }
    };
    view! {
        <form class="exporter" method="get" action="/boites/export" on:submit=on_submit>
            <label>"Dossier"<select name="dossier" on:change=move |ev| folder.set(event_target_value(&ev))>{options}</select></label>
            <label class="case"><input type="radio" name="format" value="mbox" checked on:change=move |_| format.set("mbox".into())/>"mbox (un fichier pour le dossier)"</label>
            <label class="case"><input type="radio" name="format" value="zip" on:change=move |_| format.set("zip".into())/>"ZIP de fichiers .eml"</label>
            <div class="modeles">
                <button type="submit">"Exporter ce dossier"</button>
                <a class="bouton-lien" href="/boites/export?tout=1" download on:click=on_whole>"Exporter toute la boîte (ZIP)"</a>
                <Transition fallback=|| ()>{teams}</Transition>
            </div>
        </form>
        {move || match followed.get() {
            Some((_, progress)) if progress.state == ExportState::Running => view! {
                <p class="suivi-export" data-testid="export-suivi" role="status">
                    <progress max=progress.total.max(1) value=progress.done aria-label="Export en cours"></progress>
                    " " {progress.describe()} " "
                    <button type="button" on:click=cancel>"Annuler l'export"</button>
                </p>
            }.into_any(),
            Some((_, progress)) if progress.state == ExportState::Finished => view! {
                <p class="bandeau-info" role="status" data-testid="export-suivi">{progress.describe()}</p>
            }.into_any(),
            Some((_, progress)) => view! { <p class="alerte" role="alert" data-testid="export-suivi">{progress.describe()}</p> }.into_any(),
            None => view! {
                <p class="aide">"Le fichier se télécharge au fur et à mesure ; la progression s'affiche ici et l'export peut être annulé."</p>
            }.into_any(),
        }}
        {move || lost.get().then(|| view! {
            <p class="alerte" role="alert">"Le suivi de cet export n'est pas disponible : voyez où en est le téléchargement dans votre navigateur."</p>
        })}
    }
}

#[component]
fn Import(folders: StoredValue<Vec<(String, String)>>) -> impl IntoView {
    let target = RwSignal::new(folders.with_value(|f| f.first().map(|(n, _)| n.clone()).unwrap_or_default()));
    // the file being sent (its number, how many, its name) and how much of it went
    let progress = RwSignal::new(None::<(usize, usize, String, u32)>);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let failures = RwSignal::new(Vec::<String>::new());
    let over = RwSignal::new(false);
    let options = move || folders.get_value().into_iter().map(|(name, label)| view! { <option value=name>{label}</option> }).collect_view();
    #[cfg(feature = "hydrate")]
    let send = move |files: Option<web_sys::FileList>| {
        let files: Vec<web_sys::File> = files.map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
        if files.is_empty() || progress.get_untracked().is_some() {
            return;
        }
        outcome.set(None);
        failures.set(Vec::new());
        upload::all(files, target.get_untracked(), progress, outcome, failures);
    };
    #[cfg(feature = "hydrate")]
    let on_file = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        send(input.as_ref().and_then(|i| i.files()));
        if let Some(input) = input {
            input.set_value("");
        }
    };
    #[cfg(feature = "hydrate")]
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        over.set(false);
        send(ev.data_transfer().and_then(|d| d.files()));
    };
    #[cfg(not(feature = "hydrate"))]
    let on_file = move |_: leptos::ev::Event| {};
    #[cfg(not(feature = "hydrate"))]
    let on_drop = move |_: leptos::ev::DragEvent| {};
    view! {
        <label>"Importer dans le dossier"<select name="import-dossier" on:change=move |ev| target.set(event_target_value(&ev))>{options}</select></label>
        <label
            class="ajouter-pj depot"
            class:survole=over
            on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); over.set(true); }
            on:dragleave=move |_| over.set(false)
            on:drop=on_drop
        >
            <span>"Choisir ou déposer ici des fichiers mbox, ZIP ou .eml"</span>
            <input type="file" name="import" multiple accept=".mbox,.zip,.eml,application/mbox,application/zip,message/rfc822" on:change=on_file/>
        </label>
        {move || progress.get().map(|(n, of, name, percent)| view! {
            <p role="status">
                <progress max="100" value=percent aria-label="Envoi du fichier"></progress>
                {if of > 1 { format!(" Fichier {n} sur {of} (« {name} ») : {percent} %") } else { format!(" « {name} » : {percent} %") }}
            </p>
        })}
        {move || outcome.get().map(|o| match o {
            Ok(text) => view! { <p class="bandeau-info" role="status" data-testid="import-fait">{text}</p> }.into_any(),
            Err(text) => view! { <p class="alerte" role="alert">{text}</p> }.into_any(),
        })}
        <For each=move || failures.get().into_iter().enumerate() key=|(i, _)| *i let((_, text))>
            <p class="alerte" role="alert">{text}</p>
        </For>
    }
}

/// Following an export from the page: its id, the download it starts, the progress it asks for.
#[cfg(feature = "hydrate")]
mod follow {
    use crate::archive::{ExportProgress, ExportState, follow_export};
    use leptos::prelude::*;
    use std::time::Duration;

    /// Progress asked for every so often; an export the server does not know yet (its request not
    /// arrived) is asked for again, this many times at most.
    const EVERY: Duration = Duration::from_millis(800);
    const UNKNOWN_AT_MOST: u32 = 15;

    pub fn new_id() -> String {
        let part = || format!("{:012x}", (web_sys::js_sys::Math::random() * 281_474_976_710_656.0) as u64);
        format!("export-{}{}", part(), part())
    }

    /// The browser downloads `url` as it does a link's (to disk, with its own progress).
    pub fn download(url: &str) {
        use wasm_bindgen::JsCast;
        let link = web_sys::window().and_then(|w| w.document()).and_then(|d| d.create_element("a").ok());
        if let Some(link) = link {
            let _ = link.set_attribute("href", url);
            let _ = link.set_attribute("download", "");
            if let Ok(link) = link.dyn_into::<web_sys::HtmlElement>() {
                link.click();
            }
        }
    }

    pub fn poll(id: String, followed: RwSignal<Option<(String, ExportProgress)>>, lost: RwSignal<bool>, unknown: u32) {
        set_timeout(
            move || {
                leptos::task::spawn_local(async move {
                    // the page went elsewhere, or another export is followed now
                    if followed.try_get_untracked().flatten().is_none_or(|(current, _)| current != id) {
                        return;
                    }
                    match follow_export(id.clone()).await {
                        Ok(progress) => {
                            let _ = followed.try_set(Some((id.clone(), progress)));
                            if progress.state == ExportState::Running {
                                poll(id, followed, lost, 0);
                            }
                        }
                        Err(_) if unknown < UNKNOWN_AT_MOST => poll(id, followed, lost, unknown + 1),
                        Err(_) => {
                            let _ = followed.try_set(None);
                            let _ = lost.try_set(true);
                        }
                    }
                });
            },
            EVERY,
        );
    }
}

#[cfg(feature = "hydrate")]
mod upload {
    use super::FILES_AT_ONCE;
    use crate::archive::ImportReport;
    use crate::pages::file_upload::Answer;
    use leptos::prelude::*;

    type Progress = RwSignal<Option<(usize, usize, String, u32)>>;

    /// Send `files` one after the other into `folder`; the sum of what they did at the end, and
    /// what each that failed says.
    pub fn all(mut files: Vec<web_sys::File>, folder: String, progress: Progress, outcome: RwSignal<Option<Result<String, String>>>, failures: RwSignal<Vec<String>>) {
        if files.len() > FILES_AT_ONCE {
            let left: Vec<String> = files.drain(FILES_AT_ONCE..).map(|f| f.name()).collect();
            failures.update(|f| f.push(format!("{} fichier(s) non envoyé(s) (au plus {FILES_AT_ONCE} à la fois) : à partir de « {} ». Importez-les ensuite.", left.len(), left[0])));
        }
        next(std::rc::Rc::new(files), 0, folder, progress, outcome, failures, ImportReport::default());
    }

    fn next(
        files: std::rc::Rc<Vec<web_sys::File>>,
        index: usize,
        folder: String,
        progress: Progress,
        outcome: RwSignal<Option<Result<String, String>>>,
        failures: RwSignal<Vec<String>>,
        sum: ImportReport,
    ) {
        let Some(file) = files.get(index).cloned() else {
            let _ = progress.try_set(None);
            let _ = outcome.try_set(match files.len() {
                0 => None,
                1 if !failures.get_untracked().is_empty() => None,
                1 => Some(Ok(format!("« {} » : {}", files[0].name(), sum.describe()))),
                n => Some(Ok(format!("{n} fichiers envoyés : {}", sum.describe()))),
            });
            return;
        };
        let name = file.name();
        let _ = progress.try_set(Some((index + 1, files.len(), name.clone(), 0)));
        let url = format!("/boites/import?dossier={}", crate::urls::encode(&folder));
        send(file, &url, progress, move |result| {
            let mut sum = sum;
            match result {
                Ok(report) => {
                    sum.imported += report.imported;
                    sum.duplicates += report.duplicates;
                    sum.broken_count += report.broken_count;
                    sum.broken.extend(report.broken);
                }
                Err(text) => {
                    let _ = failures.try_update(|f| f.push(format!("« {name} » : {text}")));
                }
            }
            next(files, index + 1, folder, progress, outcome, failures, sum);
        });
    }

    fn send(file: web_sys::File, url: &str, progress: Progress, done: impl FnOnce(Result<ImportReport, String>) + 'static) {
        let on_progress = move |percent| {
            let _ = progress.try_update(|p| if let Some(p) = p { p.3 = percent });
        };
        crate::pages::file_upload::post_file(&file, url, "application/octet-stream", on_progress, move |Answer { status, text }| {
            done(match (status, serde_json::from_str::<ImportReport>(&text)) {
                (200, Ok(report)) => Ok(report),
                (0, _) => Err("la connexion a été perdue pendant l'envoi : rien n'a été importé après la coupure ; relancez l'import (les messages déjà ajoutés seront ignorés).".into()),
                (_, _) if !text.is_empty() && !text.starts_with('{') => Err(text),
                _ => Err("n'a pas été importé : réessayez.".into()),
            })
        });
    }
}
