//! How the data of the pages every visit shows (the frame, a folder's list, a message) travel from
//! the server to the browser: postcard, in the server functions' answers and in the resources
//! written into the served page. The JSON decoders serde generates per type are the largest part
//! of the WASM after Leptos itself; postcard's are a fraction of them (fields in order, no names).
//! The pages loaded on demand keep JSON. Arguments stay JSON (encoding is small, and the tests and
//! tools call the functions with it).

use leptos::prelude::*;

/// The output codec of those server functions.
pub type Binary = leptos::server_fn::codec::Postcard;

/// The codec of the resources holding their answers in the served page (base64 of postcard).
pub type Hydrated = codee::binary::PostcardCodec;

/// A resource whose value is written into the served page in postcard.
pub type BinaryResource<T> = Resource<T, Hydrated>;

/// [`Resource::new`] with the postcard codec.
#[track_caller]
pub fn resource<S, T, Fut>(source: impl Fn() -> S + Send + Sync + 'static, fetcher: impl Fn(S) -> Fut + Send + Sync + 'static) -> BinaryResource<T>
where
    S: Send + Sync + Clone + PartialEq + 'static,
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
