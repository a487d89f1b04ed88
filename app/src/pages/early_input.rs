//! What the user typed or ticked in the page as served, before the WASM took over. Hydration
//! sets every field from the component's state, which would wipe it: the components read it
//! first (only while hydrating; a page built in the browser has nothing of the kind).

#[cfg(feature = "hydrate")]
fn hydrating() -> bool {
    leptos::prelude::Owner::current_shared_context().is_some_and(|context| context.during_hydration())
}

/// The values of the served page's inputs matching `selector` that are ticked (checkboxes).
pub(crate) fn ticked(selector: &str) -> Vec<String> {
    #[cfg(feature = "hydrate")]
    if hydrating() {
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
pub(crate) fn typed(name: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    if hydrating() {
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
