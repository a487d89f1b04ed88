#![recursion_limit = "512"]
//! Browser entry point: hydrates the server-rendered page.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // asynchronously: a page whose code is in its own file (a lazy route) hydrates once that
    // file is loaded
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body().expect("the page has a body");
        leptos::mount::hydrate_from_async(body, app::App).await.forget();
        app::hydrated();
    });
}
