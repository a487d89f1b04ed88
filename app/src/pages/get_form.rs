//! The search and filter forms (GET): submitted, they move to their URL in place, through the
//! router; before the page is interactive, or without JavaScript, the browser does it itself.
//! The router's own `Form` does this and much more (POST, multipart, server actions), and all of
//! it was in the WASM every visit loads.

use leptos::prelude::*;

#[component]
pub(crate) fn GetForm(#[prop(into)] action: String, children: Children) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let on_submit = {
        let navigate = leptos_router::hooks::use_navigate();
        let target = action.clone();
        move |ev: leptos::ev::SubmitEvent| {
            use wasm_bindgen::JsCast;
            let Some(form) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok()) else { return };
            let Some(query) = web_sys::FormData::new_with_form(&form)
                .and_then(|data| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data))
                .ok()
                .and_then(|params| params.to_string().as_string())
            else {
                return;
            };
            ev.prevent_default();
            navigate(&format!("{target}?{query}"), Default::default());
        }
    };
    #[cfg(not(feature = "hydrate"))]
    let on_submit = |_: leptos::ev::SubmitEvent| {};
    view! { <form method="get" action=action on:submit=on_submit>{children()}</form> }
}
