#![recursion_limit = "512"]
//! Browser entry point: hydrates the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // hydration is synchronous: the page answers from here
    app::hydrated();
}
