#![recursion_limit = "512"]
//! Browser entry point: hydrates the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // asynchronous: a page whose code comes on demand (pages/on_demand.rs) is hydrated once that
    // code has arrived; the page answers from the end
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else { return };
        leptos::mount::hydrate_from_async(body, app::App).await.forget();
        app::hydrated();
    });
}
