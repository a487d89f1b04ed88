//! Sealing what the webmail keeps at rest and must not give away with a copy of its databases
//! (PSC tokens, files uploaded for drafts, sent messages awaiting their copy): AES-256-GCM with a
//! key of the webmail's own, in a file only it may read.

use super::{private_file, store};
use crate::error::Error;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hmac;
use std::path::Path;

/// The 32-byte secret kept in `key_file`, made (random, readable by the webmail only) when missing.
pub fn secret_file(key_file: &Path) -> Result<Vec<u8>, Error> {
    if !key_file.exists() {
        // written aside, then linked into place: an instance (or a test) starting at the same
        // moment finds either no key or a whole one, and both end with the same
        let fresh = key_file.with_extension(format!("new-{:x}", rand::random::<u64>()));
        private_file(&fresh)?;
        std::fs::write(&fresh, rand::random::<[u8; 32]>()).map_err(store)?;
        let linked = std::fs::hard_link(&fresh, key_file);
        let _ = std::fs::remove_file(&fresh);
        match linked {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(store(e)),
            _ => {}
        }
    }
    private_file(key_file)?;
    std::fs::read(key_file).map_err(store)
}

/// What sealing adds to the bytes: the nonce before them, the tag after.
pub const OVERHEAD: usize = NONCE_LEN + 16;

pub struct Sealer {
    key: LessSafeKey,
    /// For proofs ([`Sealer::prove`]): derived from the same file, never the sealing key itself.
    proofs: hmac::Key,
}

impl Sealer {
    /// With the key in `key_file`, made (32 random bytes, readable by the webmail only) when
    /// missing. Rotating it: replace the file and restart; what the old key sealed is then lost
    /// (sessions sign in again, pending uploads are added again).
    pub fn open(key_file: &Path) -> Result<Self, Error> {
        let bytes = secret_file(key_file)?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| store(format!("{}: not a 32-byte key", key_file.display())))?;
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &bytes), b"mssante-webmail proofs");
        Ok(Self { key: LessSafeKey::new(key), proofs: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()) })
    }

    /// A proof that this webmail issued `parts` (e.g. a draft's Message-ID for one mailbox), for
    /// values that travel through the browser and must come back unchanged.
    pub fn prove(&self, purpose: &str, parts: &[&str]) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.proofs, &proof_input(purpose, parts)))
    }

    /// Whether `proof` is what [`Self::prove`] gives for the same purpose and parts.
    pub fn is_proven(&self, purpose: &str, parts: &[&str], proof: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(proof) else { return false };
        hmac::verify(&self.proofs, &proof_input(purpose, parts), &given).is_ok()
    }

    /// Nonce, ciphertext and tag.
    pub fn seal(&self, plain: &[u8]) -> Result<Vec<u8>, Error> {
        let nonce = rand::random::<[u8; NONCE_LEN]>();
        let mut sealed = plain.to_vec();
        self.key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut sealed).map_err(store)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// The bytes, or none when another key sealed them or they were altered.
    pub fn open_sealed(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, rest) = sealed.split_at_checked(NONCE_LEN)?;
        let mut rest = rest.to_vec();
        let plain = self.key.open_in_place(Nonce::try_assume_unique_for_key(nonce).ok()?, Aad::empty(), &mut rest).ok()?;
        Some(plain.to_vec())
    }
}

/// Length-prefixed, so that no two lists of parts give the same bytes.
fn proof_input(purpose: &str, parts: &[&str]) -> Vec<u8> {
    std::iter::once(purpose).chain(parts.iter().copied()).flat_map(|p| [&(p.len() as u64).to_be_bytes()[..], p.as_bytes()].concat()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_bytes_open_with_their_key_only() {
        let dir = std::env::temp_dir().join(format!("sealer-{}-{}", std::process::id(), rand::random::<u64>()));
        let sealer = Sealer::open(&dir.join("k")).unwrap();
        let plain = b"CR d'hospitalisation";
        let sealed = sealer.seal(plain).unwrap();
        assert_eq!(sealed.len(), plain.len() + OVERHEAD);
        assert!(!sealed.windows(4).any(|w| w == b"hosp"));
        assert_eq!(sealer.open_sealed(&sealed).unwrap(), b"CR d'hospitalisation");
        let mut altered = sealed.clone();
        altered[20] ^= 1;
        assert_eq!(sealer.open_sealed(&altered), None);
        assert_eq!(Sealer::open(&dir.join("other")).unwrap().open_sealed(&sealed), None);
    }

    #[test]
    fn proofs_hold_for_what_was_proven_only() {
        let dir = std::env::temp_dir().join(format!("sealer-proof-{}-{}", std::process::id(), rand::random::<u64>()));
        let sealer = Sealer::open(&dir.join("k")).unwrap();
        let proof = sealer.prove("brouillon", &["claire@h.fr", "abc@h.fr"]);
        assert!(sealer.is_proven("brouillon", &["claire@h.fr", "abc@h.fr"], &proof));
        assert!(!sealer.is_proven("brouillon", &["marc@h.fr", "abc@h.fr"], &proof));
        assert!(!sealer.is_proven("brouillon", &["claire@h.fr", "abd@h.fr"], &proof));
        assert!(!sealer.is_proven("autre", &["claire@h.fr", "abc@h.fr"], &proof));
        // the boundary between parts counts
        assert!(!sealer.is_proven("brouillon", &["claire@h.fra", "bc@h.fr"], &proof));
        assert!(!sealer.is_proven("brouillon", &["claire@h.fr", "abc@h.fr"], ""));
        assert!(!Sealer::open(&dir.join("other")).unwrap().is_proven("brouillon", &["claire@h.fr", "abc@h.fr"], &proof));
    }

    #[test]
    fn instances_starting_together_make_one_key() {
        let path = std::env::temp_dir().join(format!("sealer-race-{}-{}", std::process::id(), rand::random::<u64>())).join("k");
        let sealers: Vec<Sealer> = std::thread::scope(|s| {
            let started: Vec<_> = (0..8).map(|_| s.spawn(|| Sealer::open(&path).unwrap())).collect();
            started.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let sealed = sealers[0].seal(b"jeton").unwrap();
        assert!(sealers.iter().all(|other| other.open_sealed(&sealed).as_deref() == Some(b"jeton".as_slice())));
    }
}
