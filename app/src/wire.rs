//! How the data of the pages every visit shows (the frame, a folder's list, a message) travel from
//! the server to the browser: postcard, in the server functions' answers and in the resources
//! written into the served page. The JSON decoders serde generates per type are the largest part
//! of the WASM after Leptos itself; postcard's are a fraction of them (fields in order, no names).
//! The pages loaded on demand keep JSON. Arguments stay JSON (encoding is small, and the tests and
//! tools call the functions with it).
//!
//! Those pages' resources are all one Leptos resource type ([`Data`] around a [`Held`] value,
//! keyed by a hash of what they depend on): the resource machinery (async derived signal, its
//! futures, the hydration codec) is in the WASM once instead of once per resource type, and only
//! the postcard decoder remains per type.

use crate::error::WebmailError;
use leptos::prelude::*;
use serde::{Serialize, de::DeserializeOwned};
use std::any::Any;
use std::future::{Future, IntoFuture};
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

/// The output codec of those server functions.
pub type Binary = leptos::server_fn::codec::Postcard;

/// On the server, how a fetched value is written into the page (postcard of its own type).
#[cfg(feature = "ssr")]
type Encode = fn(&(dyn Any + Send + Sync)) -> Vec<u8>;
/// In the browser, a fetched value is never written anywhere.
#[cfg(not(feature = "ssr"))]
type Encode = ();

/// A resource's value, whatever its type: as written into the served page (postcard, decoded when
/// the page reads it), or as fetched in this process.
#[derive(Clone)]
pub enum Held {
    Served(Arc<[u8]>),
    Fetched(Arc<dyn Any + Send + Sync>, Encode),
}

impl Held {
    fn fetched<T: Serialize + Send + Sync + 'static>(value: T) -> Self {
        #[cfg(feature = "ssr")]
        let encode: Encode = |value| value.downcast_ref::<T>().and_then(|v| postcard::to_allocvec(v).ok()).unwrap_or_default();
        #[cfg(not(feature = "ssr"))]
        let encode = ();
        Held::Fetched(Arc::new(value), encode)
    }

    /// The value as `Result<T, WebmailError>`; data that does not decode (a page served by another
    /// version of the webmail) is a fault of ours, said as such.
    fn read<T: DeserializeOwned + Clone + 'static>(&self) -> Result<T, WebmailError> {
        match self {
            Held::Served(bytes) => postcard::from_bytes::<Result<T, WebmailError>>(bytes).unwrap_or(Err(WebmailError::Internal)),
            Held::Fetched(value, _) => value.downcast_ref::<Result<T, WebmailError>>().cloned().unwrap_or(Err(WebmailError::Internal)),
        }
    }
}

/// The codec of [`Held`] in the served page: its postcard bytes as [`bytes_to_text`].
pub struct HeldText;

impl codee::Encoder<Held> for HeldText {
    type Error = ();
    type Encoded = String;

    fn encode(value: &Held) -> Result<String, ()> {
        match value {
            Held::Served(bytes) => Ok(bytes_to_text(bytes)),
            #[cfg(feature = "ssr")]
            Held::Fetched(value, encode) => Ok(bytes_to_text(&encode(value.as_ref()))),
            #[cfg(not(feature = "ssr"))]
            Held::Fetched(..) => Err(()),
        }
    }
}

impl codee::Decoder<Held> for HeldText {
    type Error = ();
    type Encoded = str;

    fn decode(text: &str) -> Result<Held, ()> {
        text_to_bytes(text).map(|bytes| Held::Served(bytes.into())).ok_or(())
    }
}

/// The escape of a byte that is not written as itself.
const ESCAPE: char = '~';

/// Bytes as text where their UTF-8 stays as it is (postcard writes strings as they are, so the
/// senders, subjects and previews in the page's data read as in its HTML, and compress with it:
/// base64 made them noise) and every other byte is `~` and two hex digits. `<` is escaped too
/// (the page's script must never hold `</script>`), and so are control characters.
pub fn bytes_to_text(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 4);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == ESCAPE || c == '<' || c.is_control() {
                let mut buf = [0; 4];
                c.encode_utf8(&mut buf).bytes().for_each(|b| escape(&mut text, b));
            } else {
                text.push(c);
            }
        }
        // bytes that start no valid character
        chunk.invalid().iter().for_each(|&b| escape(&mut text, b));
    }
    text
}

fn escape(text: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    text.push(ESCAPE);
    text.push(HEX[usize::from(b >> 4)] as char);
    text.push(HEX[usize::from(b & 15)] as char);
}

/// The bytes [`bytes_to_text`] wrote; `None` for text it cannot have written.
pub fn text_to_bytes(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == ESCAPE {
            let high = chars.next()?.to_digit(16)?;
            let low = chars.next()?.to_digit(16)?;
            bytes.push((high * 16 + low) as u8);
        } else {
            let mut buf = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Some(bytes)
}

/// The one resource type behind every [`Data`].
type Erased = Resource<Held, HeldText>;

/// A page's data: `Result<T, WebmailError>`, loaded again when what it depends on changes. `.await`
/// it in a `Suspense` or read it with [`Data::get`].
pub struct Data<T> {
    held: Erased,
    kind: PhantomData<fn() -> T>,
}

impl<T> Clone for Data<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Data<T> {}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> Data<T> {
    /// The value once loaded (tracked).
    pub fn get(&self) -> Option<Result<T, WebmailError>> {
        self.held.get().map(|held| held.read())
    }
}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> IntoFuture for Data<T> {
    type Output = Result<T, WebmailError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        let held = self.held;
        Box::pin(async move { held.await.read() })
    }
}

type Key = Arc<dyn Fn() -> u64 + Send + Sync>;
type Fetch = Arc<dyn Fn(u64) -> Pin<Box<dyn Future<Output = Held> + Send>> + Send + Sync>;

/// A [`Data`] fetched by `fetcher` from what `source` reads, again whenever that changes (compared
/// by hash); written into the served page and read from it at hydration.
#[track_caller]
pub fn resource<S, T, Fut>(source: impl Fn() -> S + Send + Sync + 'static, fetcher: impl Fn(S) -> Fut + Send + Sync + 'static) -> Data<T>
where
    S: Hash + 'static,
    T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<T, WebmailError>> + Send + 'static,
{
    let source = Arc::new(source);
    let key: Key = {
        let source = source.clone();
        Arc::new(move || {
            let mut hasher = std::hash::DefaultHasher::new();
            source().hash(&mut hasher);
            hasher.finish()
        })
    };
    // the fetch follows a change of the key at once: what the source reads now is what was hashed
    let fetch: Fetch = Arc::new(move |_| {
        let value = fetcher(untrack(|| source()));
        Box::pin(async move { Held::fetched(value.await) })
    });
    Data { held: erased(key, fetch), kind: PhantomData }
}

/// Not generic: every [`Data`] shares this one instance of the resource's code.
#[inline(never)]
fn erased(key: Key, fetch: Fetch) -> Erased {
    Resource::new_with_options(move || key(), move |k| fetch(k), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_come_back_the_same_through_the_text() {
        let samples: [&[u8]; 6] = [
            b"",
            "Compte rendu d'hospitalisation — Mme Élise MARTIN".as_bytes(),
            &[0, 1, 2, 0x7e, 0x80, 0xff, 0xc3, 0xa9, 0xc3],
            b"</script><script>alert(1)</script>",
            "~7e already looks escaped \u{2028}\u{fffd}".as_bytes(),
            &[0xf0, 0x9f, 0x98, 0x80, 0xf0, 0x9f, 0x98],
        ];
        for bytes in samples {
            let text = bytes_to_text(bytes);
            assert_eq!(text_to_bytes(&text).as_deref(), Some(bytes), "{text:?}");
            assert!(!text.contains('<'), "{text:?}");
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
        // readable text stays readable: what brotli matches with the page's HTML
        assert_eq!(bytes_to_text("Résultats d'analyse".as_bytes()), "Résultats d'analyse");
        assert_eq!(bytes_to_text(&[0x05, b'A']), "~05A");
    }

    #[test]
    fn text_it_cannot_have_written_is_refused() {
        assert_eq!(text_to_bytes("~"), None);
        assert_eq!(text_to_bytes("~4"), None);
        assert_eq!(text_to_bytes("~zz"), None);
    }

    #[test]
    fn a_value_reads_back_as_its_type_or_as_a_fault() {
        let list: Result<Vec<String>, WebmailError> = Ok(vec!["INBOX".into(), "Envoyés".into()]);
        let served = Held::Served(postcard::to_allocvec(&list).unwrap().into());
        assert_eq!(served.read::<Vec<String>>(), list);
        assert_eq!(Held::fetched(list.clone()).read::<Vec<String>>(), list);
        let refused: Result<u32, WebmailError> = Err(WebmailError::FolderNotFound);
        assert_eq!(Held::Served(postcard::to_allocvec(&refused).unwrap().into()).read::<u32>(), refused);
        // another type than the one written, or bytes cut short
        assert_eq!(Held::fetched(list).read::<u32>(), Err(WebmailError::Internal));
        assert_eq!(Held::Served(Arc::from(&[0u8, 5, b'I'][..])).read::<Vec<String>>(), Err(WebmailError::Internal));
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_page_carries_what_the_browser_decodes() {
        let value: Result<Vec<String>, WebmailError> = Ok(vec!["Dr Marc GARNIER".into()]);
        let text = <HeldText as codee::Encoder<Held>>::encode(&Held::fetched(value.clone())).unwrap();
        assert!(text.contains("Dr Marc GARNIER"));
        let held = <HeldText as codee::Decoder<Held>>::decode(&text).unwrap();
        assert_eq!(held.read::<Vec<String>>(), value);
    }
}
