//! HTML mail made safe to show: an allow-list of tags, attributes and CSS properties (ammonia),
//! links opened outside, `cid:` images served by the webmail, remote images dropped unless the
//! user allowed them for this message. The result is shown in a sandboxed frame under its own CSP.

use ammonia::{Builder, UrlRelative};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};

pub struct SafeHtml {
    pub html: String,
    /// Remote images found (and dropped, unless allowed).
    pub remote_images: usize,
}

const STYLE_PROPERTIES: &[&str] = &[
    "color", "background-color", "font-family", "font-size", "font-style", "font-weight", "text-align",
    "text-decoration", "line-height", "margin", "margin-left", "margin-right", "margin-top", "margin-bottom",
    "padding", "padding-left", "padding-right", "padding-top", "padding-bottom", "border", "border-collapse",
    "border-color", "border-style", "border-width", "width", "max-width", "height", "vertical-align", "white-space",
];

const URL_ATTRIBUTES: &[&str] = &["href", "src", "cite", "longdesc", "background", "action", "poster"];

/// "https://…", "cid:…": an absolute URL, as opposed to one relative to the webmail.
fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    })
}

/// `cid_urls` maps a Content-ID (without <>) to the webmail URL serving that part.
pub fn sanitize(html: &str, cid_urls: HashMap<String, String>, allow_remote_images: bool) -> SafeHtml {
    let remote = Arc::new(AtomicUsize::new(0));
    let counter = remote.clone();
    let mut builder = Builder::default();
    builder
        .add_generic_attributes(["style", "align", "valign", "width", "height", "bgcolor", "border", "cellpadding", "cellspacing"])
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect::<HashSet<_>>())
        .url_schemes(["http", "https", "mailto", "cid", "data"].into_iter().collect())
        // relative URLs are dropped by the filter below; only the ones it writes (cid:) remain
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .attribute_filter(move |element, attribute, value| {
            let lower = value.trim().to_ascii_lowercase();
            if URL_ATTRIBUTES.contains(&attribute) && !has_scheme(&lower) {
                return None;
            }
            match (element, attribute) {
                ("img", "src") if lower.starts_with("cid:") => {
                    cid_urls.get(value.trim()[4..].trim_matches(['<', '>'])).map(|url| Cow::Owned(url.clone()))
                }
                ("img", "src") if lower.starts_with("http:") || lower.starts_with("https:") => {
                    counter.fetch_add(1, Ordering::Relaxed);
                    allow_remote_images.then(|| Cow::Owned(value.to_string()))
                }
                ("img", "src") if lower.starts_with("data:image/") && !lower.starts_with("data:image/svg") => {
                    Some(Cow::Owned(value.to_string()))
                }
                ("img", "src") => None,
                (_, "href") if lower.starts_with("cid:") || lower.starts_with("data:") => None,
                _ => Some(Cow::Owned(value.to_string())),
            }
        });
    let html = builder.clean(html).to_string();
    SafeHtml { html, remote_images: remote.load(Ordering::Relaxed) }
}

/// The document served to the frame: the sanitised body and a quiet default style.
pub fn document(body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><style>\
         body{{font-family:system-ui,sans-serif;font-size:15px;line-height:1.45;color:#161616;margin:0;padding:4px;overflow-wrap:anywhere}}\
         img{{max-width:100%;height:auto}}table{{max-width:100%}}</style></head><body>{body}</body></html>"
    )
}

/// CSP of the frame's document: nothing runs, nothing is fetched but the message's own parts
/// (and remote images when allowed).
pub fn frame_policy(allow_remote_images: bool) -> String {
    let images = if allow_remote_images { "'self' data: https: http:" } else { "'self' data:" };
    format!(
        "default-src 'none'; img-src {images}; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIL: &str = r#"<p onclick="steal()">Bonjour <b>Dr</b> <a href="javascript:alert(1)">x</a>
<a href="https://ansm.sante.fr/">ANSM</a></p><script>alert('x')</script>
<img src="https://tracker.example/pixel.gif"><img src="cid:logo@pharmacie">
<iframe src="https://evil.example"></iframe><form action="https://evil.example"><input name=p></form>
<p style="color:red;background:url(https://evil.example/x);position:fixed">rouge</p>
<svg><script>alert(1)</script></svg><img src="data:image/svg+xml;base64,PHN2Zz4=">
<a href="/auth/logout">relatif</a><img src="/messages/piece?uid=1&index=0">"#;

    fn cids() -> HashMap<String, String> {
        HashMap::from([("logo@pharmacie".to_string(), "/messages/piece?uid=4&cid=logo".to_string())])
    }

    #[test]
    fn scripts_handlers_frames_forms_and_js_urls_are_removed() {
        let safe = sanitize(MAIL, cids(), false);
        for bad in ["<script", "onclick", "javascript:", "<iframe", "<form", "<input", "<svg", "position", "url(", "image/svg", "/auth/logout", "uid=1"] {
            assert!(!safe.html.contains(bad), "{bad} left in {}", safe.html);
        }
        assert!(safe.html.contains("<b>Dr</b>"));
        assert!(safe.html.contains(r#"style="color:red""#), "{}", safe.html);
        assert!(safe.html.contains(r#"href="https://ansm.sante.fr/" target="_blank" rel="noopener noreferrer""#), "{}", safe.html);
    }

    #[test]
    fn remote_images_are_blocked_until_allowed_and_cid_images_are_served_locally() {
        let blocked = sanitize(MAIL, cids(), false);
        assert_eq!(blocked.remote_images, 1);
        assert!(!blocked.html.contains("tracker.example"));
        assert!(blocked.html.contains(r#"src="/messages/piece?uid=4&amp;cid=logo""#), "{}", blocked.html);
        let allowed = sanitize(MAIL, cids(), true);
        assert!(allowed.html.contains(r#"src="https://tracker.example/pixel.gif""#));
    }

    #[test]
    fn frame_policy_forbids_scripts() {
        let p = frame_policy(false);
        assert!(p.contains("default-src 'none'") && p.contains("sandbox") && !p.contains("allow-scripts"));
        assert!(!p.contains("https:"));
        assert!(frame_policy(true).contains("https:"));
    }
}
