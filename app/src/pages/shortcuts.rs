//! Keyboard shortcuts on the signed-in pages: the keys mail users know from other webmails, off
//! while typing, « ? » lists them. Each acts through the page's own control (marked
//! `data-raccourci`), so a shortcut does exactly what that link or button does, and nothing when
//! the page has no such control.

use leptos::prelude::*;

/// Keys and what they do, as the help lists them.
const SHORTCUTS: &[(&str, &str)] = &[
    ("j / k", "message suivant / précédent dans la liste"),
    ("o ou Entrée", "ouvrir le message"),
    ("x", "sélectionner le message"),
    ("r", "répondre"),
    ("a", "répondre à tous"),
    ("f", "transférer"),
    ("c", "écrire un message"),
    ("/", "rechercher"),
    ("e ou #", "supprimer"),
    ("u", "revenir à la liste"),
    ("?", "afficher cette aide"),
];

const HELP_ID: &str = "raccourcis";

/// The list of shortcuts, in a modal dialog (« ? » opens it, Échap or « Fermer » closes it).
#[component]
pub(crate) fn ShortcutsHelp() -> impl IntoView {
    listen_for_shortcuts();
    view! {
        <dialog id=HELP_ID class="raccourcis" aria-labelledby="titre-raccourcis">
            <h2 id="titre-raccourcis">"Raccourcis clavier"</h2>
            <table>
                <tbody>
                    {SHORTCUTS.iter().map(|(keys, what)| view! { <tr><th scope="row"><kbd>{*keys}</kbd></th><td>{*what}</td></tr> }).collect_view()}
                </tbody>
            </table>
            <form method="dialog"><button type="submit">"Fermer"</button></form>
        </dialog>
    }
}

/// What a key does, given where the focus is.
#[derive(Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))] // the keys are the browser's business
enum Command {
    /// Move the focus to the next (+1) or previous (-1) message of the list.
    Move(i32),
    /// Click the focused message's link.
    Open,
    /// Tick or untick the focused message.
    Tick,
    /// Click the control marked `data-raccourci=<name>`.
    Click(&'static str),
    /// Focus the search field.
    Search,
    Help,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn command(key: &str) -> Option<Command> {
    Some(match key {
        "j" => Command::Move(1),
        "k" => Command::Move(-1),
        "o" => Command::Open,
        "x" => Command::Tick,
        "r" => Command::Click("repondre"),
        "a" => Command::Click("repondre-tous"),
        "f" => Command::Click("transferer"),
        "c" => Command::Click("ecrire"),
        "e" | "#" => Command::Click("supprimer"),
        "u" => Command::Click("retour"),
        "/" => Command::Search,
        "?" => Command::Help,
        _ => return None,
    })
}

/// In the browser: one keydown listener for the page's life.
fn listen_for_shortcuts() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{JsCast, closure::Closure};
        let Some(window) = web_sys::window() else { return };
        let on_key = Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(|ev: web_sys::KeyboardEvent| {
            if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.default_prevented() || typing(&ev) {
                return;
            }
            if let Some(command) = command(&ev.key()) {
                if run(command) {
                    ev.prevent_default();
                }
            }
        });
        let _ = window.add_event_listener_with_callback("keydown", on_key.as_ref().unchecked_ref());
        let listener = send_wrapper::SendWrapper::new(on_key);
        on_cleanup(move || {
            if let Some(window) = web_sys::window() {
                let _ = window.remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
        });
    }
}

/// The key goes to a field being typed in (or a list being chosen from), not to the shortcuts.
#[cfg(feature = "hydrate")]
fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    let Some(element) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else { return false };
    matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || element.is_content_editable()
}

/// Does it; false when the page had nothing for it (the key then keeps its usual effect).
#[cfg(feature = "hydrate")]
fn run(command: Command) -> bool {
    use wasm_bindgen::JsCast;
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return false };
    let html = |selector: &str| document.query_selector(selector).ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    // the control matching `selector` in the list row holding the focus
    let in_focused_row = |selector: &str| {
        let row = document.active_element()?.closest(".message").ok()??;
        row.query_selector(selector).ok()??.dyn_into::<web_sys::HtmlElement>().ok()
    };
    match command {
        Command::Move(step) => {
            let Ok(links) = document.query_selector_all(".messages .message > a") else { return false };
            let links: Vec<web_sys::HtmlElement> = (0..links.length()).filter_map(|i| links.item(i)?.dyn_into().ok()).collect();
            let current = document.active_element().and_then(|a| links.iter().position(|l| l.is_same_node(Some(&a))));
            let next = match current {
                Some(i) => (i as i32 + step).clamp(0, links.len() as i32 - 1) as usize,
                None => 0,
            };
            links.get(next).map(|link| link.focus()).is_some()
        }
        Command::Open => in_focused_row("a").map(|link| link.click()).is_some(),
        Command::Tick => in_focused_row("input.choix").map(|tick| tick.click()).is_some(),
        Command::Click(name) => html(&format!("[data-raccourci={name}]")).map(|control| control.click()).is_some(),
        Command::Search => html("input[name=texte]").map(|field| field.focus()).is_some(),
        Command::Help => document
            .get_element_by_id(HELP_ID)
            .and_then(|d| d.dyn_into::<web_sys::HtmlDialogElement>().ok())
            .map(|dialog| dialog.show_modal().is_ok())
            .unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_in_the_help_does_something() {
        assert_eq!(command("j"), Some(Command::Move(1)));
        assert_eq!(command("#"), command("e"));
        assert_eq!(command("J"), None, "Maj+J is text, not a shortcut");
        for (keys, _) in SHORTCUTS {
            for key in keys.split([' ', '/']).filter(|k| !k.is_empty() && *k != "ou" && *k != "Entrée") {
                assert!(command(key).is_some(), "{key}");
            }
        }
    }
}
