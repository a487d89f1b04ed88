//! Sending one file to the server with XMLHttpRequest: unlike `fetch`, it reports how much of the
//! body has gone, which the progress bars show (attachments in compose, mail imported).

use wasm_bindgen::{JsCast, closure::Closure};

/// How a sending ended: the HTTP status (0 when the connection was lost) and the answer's text.
pub struct Answer {
    pub status: u16,
    pub text: String,
}

/// POST `file` to `url` as `content_type` (the browser's own when empty). `on_progress` gets the
/// share sent in percent; `on_end` is called once, whatever happens, even when the sending
/// cannot start (status 0 then).
pub fn post_file(file: &web_sys::File, url: &str, content_type: &str, on_progress: impl Fn(u32) + 'static, on_end: impl FnOnce(Answer) + 'static) {
    let lost = || Answer { status: 0, text: String::new() };
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else { return on_end(lost()) };
    if xhr.open("POST", url).is_err() {
        return on_end(lost());
    }
    if !content_type.is_empty() {
        let _ = xhr.set_request_header("Content-Type", content_type);
    }
    let progress = Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            on_progress((e.loaded() / e.total() * 100.0) as u32);
        }
    });
    if let Ok(target) = xhr.upload() {
        target.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    }
    progress.forget();
    let request = xhr.clone();
    let on_end = std::cell::Cell::new(Some(on_end));
    let ended = Closure::<dyn Fn()>::new(move || {
        let Some(on_end) = on_end.take() else { return };
        on_end(Answer { status: request.status().unwrap_or(0), text: request.response_text().ok().flatten().unwrap_or_default() });
    });
    xhr.set_onloadend(Some(ended.as_ref().unchecked_ref()));
    ended.forget();
    let _ = xhr.send_with_opt_blob(Some(file));
}
