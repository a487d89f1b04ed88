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

const URL_SCHEMES: &[&str] = &["http", "https", "mailto", "cid", "data"];

/// The scheme of `value` when it is an absolute URL with an allowed scheme, parsed as a browser
/// parses it (WHATWG): only ASCII spaces and controls around it are ignored, so a URL that starts
/// with a Unicode space has no scheme, and a relative URL (resolved against the webmail) none either.
fn allowed_scheme(value: &str) -> Option<String> {
    let url = url::Url::parse(value).ok()?;
    URL_SCHEMES.contains(&url.scheme()).then(|| url.scheme().to_string())
}

/// The declarations of a `style` attribute whose values cannot fetch or compute anything: no
/// `url(`, `expression(`, `image-set(`, `@`, scheme or CSS escape (which could spell them). The
/// properties themselves are then allow-listed.
fn safe_declarations(style: &str) -> String {
    const UNSAFE: &[&str] = &["url(", "expression(", "image-set(", "image(", "@", "\\", "javascript:", "vbscript:", "behavior"];
    style
        .split(';')
        .filter(|d| {
            let lower = d.to_ascii_lowercase();
            !d.trim().is_empty() && !UNSAFE.iter().any(|u| lower.contains(u))
        })
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(";")
}

/// `cid_urls` maps a Content-ID (without <>) to the webmail URL serving that part.
pub fn sanitize(html: &str, cid_urls: HashMap<String, String>, allow_remote_images: bool) -> SafeHtml {
    let remote = Arc::new(AtomicUsize::new(0));
    let counter = remote.clone();
    let mut builder = Builder::default();
    builder
        .add_generic_attributes(["style", "align", "valign", "width", "height", "bgcolor", "border", "cellpadding", "cellspacing"])
        .filter_style_properties(STYLE_PROPERTIES.iter().copied().collect::<HashSet<_>>())
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        // relative URLs are dropped by the filter below; only the ones it writes (cid:) remain
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .set_tag_attribute_value("a", "target", "_blank")
        .attribute_filter(move |element, attribute, value| {
            if attribute == "style" {
                return Some(Cow::Owned(safe_declarations(value)));
            }
            if !URL_ATTRIBUTES.contains(&attribute) {
                return Some(Cow::Owned(value.to_string()));
            }
            let scheme = allowed_scheme(value)?;
            let plain = value.trim_matches(|c: char| c.is_ascii_whitespace() || c.is_ascii_control());
            match (element, attribute, scheme.as_str()) {
                ("img", "src", "cid") => {
                    cid_urls.get(plain[4..].trim_matches(['<', '>'])).map(|url| Cow::Owned(url.clone()))
                }
                ("img", "src", "http" | "https") => {
                    counter.fetch_add(1, Ordering::Relaxed);
                    allow_remote_images.then(|| Cow::Owned(value.to_string()))
                }
                ("img", "src", "data") if plain.to_ascii_lowercase().starts_with("data:image/") && !plain.to_ascii_lowercase().starts_with("data:image/svg") => {
                    Some(Cow::Owned(value.to_string()))
                }
                ("img", "src", _) => None,
                (_, "href", "cid" | "data") => None,
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
    fn style_values_that_fetch_or_compute_are_dropped() {
        let safe = sanitize(r#"<p style="color:red;width: expression(alert(1));height:u\72l(x);font-weight:bold">p</p>"#, cids(), false);
        assert!(safe.html.contains("color:red") && safe.html.contains("font-weight:bold"), "{}", safe.html);
        assert!(!safe.html.contains("expression") && !safe.html.contains("height"), "{}", safe.html);
    }

    #[test]
    fn a_url_behind_a_unicode_space_is_no_url() {
        // the browser keeps these spaces: the href would be relative to the webmail, or a script
        for space in ["\u{2028}", "\u{a0}", "\u{1680}", "\u{2000}", "\u{2005}", "\u{2009}"] {
            for target in ["javascript:alert(1)", "x:/../../auth/logout"] {
                let html = format!(r#"<a href="{space}{target}">lien</a><img src="{space}{target}">"#);
                let safe = sanitize(&html, cids(), true);
                assert!(!safe.html.contains("href") && !safe.html.contains("src"), "{space:?}{target} kept: {}", safe.html);
            }
        }
        let safe = sanitize(r#"<a href=" https://ansm.sante.fr/">ANSM</a>"#, cids(), false);
        assert!(safe.html.contains("href"), "ASCII spaces are ignored, as by the browser: {}", safe.html);
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
