#![recursion_limit = "512"]
//! Browser entry point: hydrates the server-rendered page.

// No panic hook: the WASM is built to stop at a panic at once, without formatting its message
// (.cargo/config.toml); the console shows "unreachable" and where in the WASM.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // asynchronous: a page whose code comes on demand (pages/on_demand.rs) is hydrated once that
    // code has arrived; the page answers from the end
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else { return };
        leptos::mount::hydrate_from_async(body, app::App).await.forget();
        app::hydrated();
    });
}
