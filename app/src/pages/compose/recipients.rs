//! A recipient field: what is typed becomes chips, checked against the trust space; from two
//! characters the Annuaire santé suggests correspondents (keyboard: ↑/↓, Entrée, Échap), and a
//! patient's address asks for the patient's identity to be confirmed.

use super::state::{Chip, chips};
use crate::directory::{Correspondent, MIN_QUERY_CHARS, suggest_correspondents};
use leptos::prelude::*;

/// What was typed or pasted → the addresses in it. Entries are separated by `,`, `;` or a line
/// break outside quotes and angle brackets (`"GARNIER, Marc" <m@x>` is one entry).
fn split_addresses(text: &str) -> Vec<String> {
    let mut entries = vec![String::new()];
    let (mut quoted, mut angled) = (false, false);
    for c in text.chars() {
        match c {
            '"' if !angled => quoted = !quoted,
            '<' if !quoted => angled = true,
            '>' if !quoted => angled = false,
            ',' | ';' | '\n' | '\r' if !quoted && !angled => {
                entries.push(String::new());
                continue;
            }
            _ => {}
        }
        entries.last_mut().expect("never empty").push(c);
    }
    entries.iter().flat_map(|entry| addresses_in(entry)).collect()
}

/// One entry: `Dr Marc GARNIER <m@x>` → the address in angle brackets; `a@x b@y` → its words
/// holding an `@`; anything else as typed, so that its chip says why it is refused.
fn addresses_in(entry: &str) -> Vec<String> {
    let entry = entry.trim();
    if let Some((_, rest)) = entry.rsplit_once('<') {
        let inside = rest.split('>').next().unwrap_or_default().trim();
        if !inside.is_empty() {
            return vec![inside.to_string()];
        }
    }
    let words: Vec<String> = entry.split_whitespace().filter(|w| w.contains('@')).map(|w| w.trim_matches(['"', '(', ')']).to_string()).collect();
    match (words.is_empty(), entry.is_empty()) {
        (false, _) => words,
        (true, false) => vec![entry.to_string()],
        (true, true) => vec![],
    }
}

/// What is asked of the directory for this text: the part after the last comma or semicolon,
/// when it is not an address being typed and is long enough.
fn directory_query(text: &str) -> Option<String> {
    let last = text.rsplit([',', ';']).next().unwrap_or_default().trim();
    (last.chars().count() >= MIN_QUERY_CHARS && !last.contains('@')).then(|| last.to_string())
}

/// Typed addresses become chips on Enter, comma, semicolon, a space after an address, or leaving
/// the field; a refused one shows why. A name being typed asks the directory (debounced; an
/// answer that comes back after a newer question is dropped).
/// One question put to the directory while typing, and where its answer goes.
#[derive(Clone, Copy)]
struct Suggestions {
    asked: StoredValue<u64>,
    question: u64,
    notice: RwSignal<Option<String>>,
    active: RwSignal<Option<usize>>,
    suggestions: RwSignal<Vec<Correspondent>>,
}

/// A directory not ready yet (its first index being built) is asked again, this often and this
/// many times, while the question is still the last one typed.
const NOT_READY_RETRY: std::time::Duration = std::time::Duration::from_secs(2);
const NOT_READY_TRIES: u32 = 10;

impl Suggestions {
    fn fetch(self, query: String, tried: u32) {
        leptos::task::spawn_local(async move {
            let answer = suggest_correspondents(query.clone()).await;
            if self.asked.try_get_value() != Some(self.question) {
                return; // typed on since, or the page is gone
            }
            match answer {
                Ok(found) => {
                    self.notice.set(found.is_empty().then(|| "Aucun correspondant trouvé dans l'annuaire.".to_string()));
                    self.active.set(None);
                    self.suggestions.set(found);
                }
                // the directory is a help: when it fails, typing an address still works
                Err(e) => {
                    self.suggestions.set(vec![]);
                    self.notice.set(Some(e.to_string()));
                    if e == crate::error::WebmailError::DirectoryUnavailable && tried < NOT_READY_TRIES {
                        set_timeout(move || self.fetch(query, tried + 1), NOT_READY_RETRY);
                    }
                }
            }
        })
    }
}

#[component]
pub fn RecipientField(
    label: &'static str,
    name: &'static str,
    list: RwSignal<Vec<Chip>>,
    added: Callback<Vec<String>>,
    confirmed: RwSignal<Vec<String>>,
) -> impl IntoView {
    // what was typed before the page was interactive stays in the field (an address becomes its
    // chip once hydrated, below)
    let early = crate::pages::early_input::typed(name);
    let text = RwSignal::new(early.clone().unwrap_or_default());
    let suggestions = RwSignal::new(Vec::<Correspondent>::new());
    let active = RwSignal::new(None::<usize>);
    let notice = RwSignal::new(None::<String>);
    // the number of the latest question: older answers are not shown
    let asked = StoredValue::new(0u64);
    // the next input event is a paste
    let pasted = StoredValue::new(false);
    let add = move |new: Vec<String>| {
        let new: Vec<String> =
            new.into_iter().filter(|a| !list.with_untracked(|l| l.iter().any(|c| c.address.eq_ignore_ascii_case(a)))).collect();
        if !new.is_empty() {
            list.update(|l| l.extend(chips(&new)));
            added.run(new);
        }
    };
    let close = move || {
        asked.update_value(|n| *n += 1);
        suggestions.set(vec![]);
        active.set(None);
    };
    let commit = move || {
        let typed = split_addresses(&text.get_untracked());
        text.set(String::new());
        close();
        add(typed);
    };
    if early.is_some_and(|typed| typed.contains('@')) {
        Effect::new(move |_| commit());
    }
    let pick = move |c: Correspondent| {
        // what came before the name being typed (finished addresses) is kept
        let before = text.with_untracked(|t| t.rsplit_once([',', ';']).map(|(b, _)| b.to_string()).unwrap_or_default());
        text.set(String::new());
        close();
        let mut new = split_addresses(&before);
        new.push(c.address);
        add(new);
    };
    // a pause in typing first: each key does not cost a request
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let ask = move |query: String| {
        asked.update_value(|n| *n += 1);
        let question = asked.get_value();
        if let Some(t) = timer.get_value() {
            t.clear();
        }
        let handle = set_timeout_with_handle(
            move || Suggestions { asked, question, notice, active, suggestions }.fetch(query, 0),
            std::time::Duration::from_millis(150),
        );
        timer.set_value(handle.ok());
    };
    let input_id = format!("destinataires-{name}");
    let listbox_id = format!("suggestions-{name}");
    let option_id = move |i: usize| format!("suggestion-{name}-{i}");
    view! {
        <div class="champ destinataires">
            <label class="libelle" for=input_id.clone()>{label}</label>
            <ul class="puces" aria-label=format!("Destinataires {label}")>
                <For each=move || list.get() key=|c| (c.address.clone(), c.refusal.clone(), c.patient.clone()) let:chip>
                    {
                        let address = chip.address.clone();
                        view! {
                            <li class="puce" class:refusee=chip.refusal.is_some() class:patient=chip.patient.is_some() data-testid="puce">
                                <span class="adresse">{chip.address.clone()}</span>
                                {chip.refusal.clone().map(|why| view! { <span class="motif">{format!("Refusé : {why}")}</span> })}
                                {chip.patient.clone().map(|who| view! { <PatientIdentity address=chip.address.clone() who confirmed/> })}
                                <button type="button" class="retirer" aria-label=format!("Retirer {}", chip.address)
                                    on:click=move |_| {
                                        // a patient added again is confirmed again
                                        confirmed.update(|c| c.retain(|a| !a.eq_ignore_ascii_case(&address)));
                                        list.update(|l| l.retain(|c| c.address != address));
                                    }>"×"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <div class="saisie-destinataire">
                <input id=input_id type="text" name=name autocomplete="off" inputmode="email" spellcheck="false"
                    placeholder="nom, RPPS ou adresse MSSanté"
                    role="combobox" aria-autocomplete="list" aria-controls=listbox_id.clone()
                    aria-expanded=move || (!suggestions.with(Vec::is_empty)).to_string()
                    aria-activedescendant=move || active.get().map(option_id)
                    prop:value=text
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        // a space ends an address, not a name (« dub card » is one search)
                        let ends = value.ends_with([',', ';']) || (value.ends_with(' ') && value.trim_end().rsplit([',', ';', ' ']).next().is_some_and(|w| w.contains('@')))
                            // a pasted list (« Dr Marc GARNIER <m@x>; … ») becomes its chips at once
                            || (pasted.get_value() && value.contains('@'));
                        pasted.set_value(false);
                        text.set(value.clone());
                        notice.set(None);
                        if ends {
                            commit()
                        } else if let Some(query) = directory_query(&value) {
                            ask(query)
                        } else {
                            close()
                        }
                    }
                    on:paste=move |_| pasted.set_value(true)
                    on:keydown=move |ev| {
                        let count = suggestions.with_untracked(Vec::len);
                        match ev.key().as_str() {
                            "ArrowDown" if count > 0 => {
                                ev.prevent_default();
                                active.set(Some(active.get_untracked().map_or(0, |i| (i + 1) % count)));
                            }
                            "ArrowUp" if count > 0 => {
                                ev.prevent_default();
                                active.set(Some(active.get_untracked().map_or(count - 1, |i| (i + count - 1) % count)));
                            }
                            "Escape" if count > 0 => {
                                ev.prevent_default();
                                close();
                            }
                            "Enter" => {
                                ev.prevent_default();
                                match active.get_untracked().and_then(|i| suggestions.with_untracked(|s| s.get(i).cloned())) {
                                    Some(c) => pick(c),
                                    None => commit(),
                                }
                            }
                            _ => {}
                        }
                    }
                    on:blur=move |_| commit()/>
                <ul id=listbox_id class="suggestions" role="listbox" aria-label=format!("Correspondants proposés pour {label}")
                    hidden=move || suggestions.with(Vec::is_empty) data-testid="suggestions">
                    <For each=move || suggestions.get().into_iter().enumerate() key=|(i, c)| (*i, c.address.clone()) let:item>
                        {
                            let (i, c) = item;
                            let chosen = c.clone();
                            view! {
                                <li id=option_id(i) role="option" class="suggestion" aria-selected=move || (active.get() == Some(i)).to_string()
                                    // pressing keeps the focus in the field (no blur, so no chip from the half-typed name)
                                    on:mousedown=move |ev| ev.prevent_default()
                                    on:click=move |_| pick(chosen.clone())>
                                    <span class="nom">{c.name.clone()}</span>
                                    <span class="type-bal">{c.kind.label()}</span>
                                    <span class="qui">{c.about()}</span>
                                    <span class="adresse">{c.address.clone()}</span>
                                </li>
                            }
                        }
                    </For>
                </ul>
                <p class="aucune-suggestion" role="status" hidden=move || notice.with(Option::is_none)>{move || notice.get()}</p>
            </div>
        </div>
    }
}

/// Who a patient address designates, by its INS, and the box that confirms it is the right patient.
#[component]
fn PatientIdentity(address: String, who: String, confirmed: RwSignal<Vec<String>>) -> impl IntoView {
    let key = address.to_ascii_lowercase();
    let is_confirmed = {
        let key = key.clone();
        move || confirmed.with(|c| c.iter().any(|a| a.eq_ignore_ascii_case(&key)))
    };
    view! {
        <span class="identite-patient" data-testid="identite-patient">
            <span>{format!("Patient · Mon espace santé — {who}")}</span>
            <label class="confirmation">
                <input type="checkbox" prop:checked=is_confirmed on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    confirmed.update(|c| {
                        c.retain(|a| !a.eq_ignore_ascii_case(&key));
                        if on { c.push(key.clone()) }
                    });
                }/>
                " Identité vérifiée : c'est bien mon patient"
            </label>
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_asked_for_names_not_addresses() {
        assert_eq!(directory_query("dub card").as_deref(), Some("dub card"));
        assert_eq!(directory_query("a@b.fr, lefe").as_deref(), Some("lefe"));
        assert_eq!(directory_query("d"), None);
        assert_eq!(directory_query("claire.dubois@hop"), None);
        assert_eq!(split_addresses("a@b.fr; c@d.fr, e@f.fr"), ["a@b.fr", "c@d.fr", "e@f.fr"]);
    }

    #[test]
    fn a_pasted_list_gives_one_address_per_entry() {
        let marc = "marc.garnier@cabinet-demo.mssante.fr";
        assert_eq!(split_addresses(&format!("Dr Marc GARNIER <{marc}>")), [marc]);
        assert_eq!(
            split_addresses(&format!("\"GARNIER, Marc\" <{marc}>;\nClaire DUBOIS <claire.dubois@hopital-demo.mssante.fr>\r\nx@y.fr z@w.fr")),
            [marc, "claire.dubois@hopital-demo.mssante.fr", "x@y.fr", "z@w.fr"]
        );
        // a name left in the field is one refused chip, not one per word
        assert_eq!(split_addresses("dub card, "), ["dub card"]);
        assert_eq!(split_addresses(" ; ,"), Vec::<String>::new());
    }
}
