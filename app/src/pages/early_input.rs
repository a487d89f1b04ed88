//! What the user typed or ticked in the page as served, before the WASM took over. Hydration
//! sets every field from the component's state, which would wipe it: the components read it
//! first, and give it to their state in an effect, once hydrated (hydration takes the served
//! attributes as they are; a change after it updates them and what derives from them). Only the
//! first time each kind of page is built in this document: that build is the served page's (a
//! page built later in the browser must not take over the boxes of the page it replaces — the
//! same UID in another folder is another message).

#[cfg(feature = "hydrate")]
fn first_build(kind: &'static str) -> bool {
    use std::cell::RefCell;
    use std::collections::HashSet;
    thread_local! {
        static BUILT: RefCell<HashSet<&'static str>> = RefCell::new(HashSet::new());
    }
    BUILT.with(|built| built.borrow_mut().insert(kind))
}

/// The values of the served page's ticked checkboxes matching `selector`.
pub(crate) fn ticked(selector: &'static str) -> Vec<String> {
    #[cfg(feature = "hydrate")]
    if first_build(selector) {
        use wasm_bindgen::JsCast;
        let found = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector_all(selector).ok());
        if let Some(found) = found {
            return (0..found.length())
                .filter_map(|i| found.item(i)?.dyn_into::<web_sys::HtmlInputElement>().ok())
                .filter(|input| input.checked())
                .map(|input| input.value())
                .collect();
        }
    }
    let _ = selector;
    Vec::new()
}

/// The text in the served page's field named `name` (input or textarea), when there is some.
pub(crate) fn typed(name: &'static str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    if first_build(name) {
        use wasm_bindgen::JsCast;
        let field = web_sys::window()?.document()?.query_selector(&format!("[name=\"{name}\"]")).ok()??;
        let value = match field.dyn_ref::<web_sys::HtmlTextAreaElement>() {
            Some(area) => area.value(),
            None => field.dyn_into::<web_sys::HtmlInputElement>().ok()?.value(),
        };
        return (!value.is_empty()).then_some(value);
    }
    let _ = name;
    None
}

/// The text typed in the served page's fields `names` before hydration, by name.
pub(crate) fn typed_fields(names: &'static [&'static str]) -> Vec<(&'static str, String)> {
    names.iter().filter_map(|name| Some((*name, typed(name)?))).collect()
}
