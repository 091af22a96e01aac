//! Signing keys, their text encoding and their ids.
//!
//! A signing key file holds the 32-byte ed25519 seed as 64 lower-case hex digits and
//! one optional trailing newline, nothing else. Reading the file and checking its mode
//! is the node's job (this crate does no I/O); parsing and encoding are here.

use std::fmt;

use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};

pub use ed25519_dalek::{Signature, VerifyingKey};

/// Why key material was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("wrong length: {found} characters, expected 64 hex digits (a 32-byte ed25519 seed)")]
    WrongLength { found: usize },
    #[error("not hex: {0}")]
    NotHex(String),
    #[error("public key {0} is not a valid ed25519 point")]
    BadPublicKey(String),
    #[error("public key {0} is a weak (small-order) key and cannot be trusted")]
    WeakPublicKey(String),
}

/// An ed25519 signing key. Debug output never shows the secret.
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// A fresh key from the operating system's randomness.
    pub fn generate() -> Self {
        Self(ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng))
    }

    /// Parses the text of a key file.
    pub fn from_file_text(text: &[u8]) -> Result<Self, KeyError> {
        let text = text.strip_suffix(b"\n").unwrap_or(text);
        if text.len() != 64 {
            return Err(KeyError::WrongLength { found: text.len() });
        }
        let mut seed = [0u8; 32];
        hex::decode_to_slice(text, &mut seed).map_err(|e| KeyError::NotHex(e.to_string()))?;
        Ok(Self::from_seed(seed))
    }

    /// The text a key file holds.
    pub fn to_file_text(&self) -> String {
        format!("{}\n", hex::encode(self.0.to_bytes()))
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.0.verifying_key()
    }

    pub fn key_id(&self) -> KeyId {
        KeyId::of(&self.verifying_key())
    }

    pub fn sign(&self, message: &[u8]) -> Signature {
        self.0.sign(message)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(key id {})", self.key_id())
    }
}

/// Parses a public key given as 64 hex digits, refusing weak keys.
pub fn verifying_key_from_hex(text: &str) -> Result<VerifyingKey, KeyError> {
    let mut bytes = [0u8; 32];
    if text.len() != 64 {
        return Err(KeyError::WrongLength { found: text.len() });
    }
    hex::decode_to_slice(text, &mut bytes).map_err(|e| KeyError::NotHex(e.to_string()))?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::BadPublicKey(text.into()))?;
    if key.is_weak() {
        return Err(KeyError::WeakPublicKey(text.into()));
    }
    Ok(key)
}

/// A short, stable name for a public key: the first 8 bytes of SHA-256 over the
/// 32 public key bytes, in hex. Printed by `remedy keygen` and shown in logs so an
/// operator can compare keys by eye.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId([u8; 8]);

impl KeyId {
    pub fn of(key: &VerifyingKey) -> Self {
        let digest = Sha256::digest(key.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        Self(id)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// The keys a member signed its log with, in order. A member replaces its key
/// through a manifest change that names the last event the old key signed; from the
/// next event on only the new key is valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHistory {
    /// `(first sequence number, key)`, the first from 1, strictly increasing.
    keys: Vec<(u64, VerifyingKey)>,
}

impl KeyHistory {
    /// One key for the whole log.
    pub fn new(key: VerifyingKey) -> Self {
        Self {
            keys: vec![(1, key)],
        }
    }

    /// The key that replaced the current one after event `last_seq`. `None` when
    /// `last_seq` is not after the current key's first event (the history would not
    /// say which key signed what).
    pub fn replaced_after(mut self, last_seq: u64, key: VerifyingKey) -> Option<Self> {
        let (first, _) = self.keys.last().copied()?;
        // A key that never signed may be replaced at once (after event 0 for the first).
        if last_seq + 1 < first {
            return None;
        }
        if last_seq + 1 == first {
            self.keys.pop();
        }
        self.keys.push((last_seq + 1, key));
        Some(self)
    }

    /// The key valid for event `seq` (for 0, an empty log, the first key).
    pub fn key_for(&self, seq: u64) -> &VerifyingKey {
        let at = self.keys.partition_point(|(first, _)| *first <= seq.max(1));
        &self.keys[at.saturating_sub(1)].1
    }

    /// The key the member signs with now.
    pub fn current(&self) -> &VerifyingKey {
        &self.keys[self.keys.len() - 1].1
    }

    /// When `key` is one of this history's replaced keys, the last event it was
    /// valid for.
    pub fn retired_after(&self, key: &VerifyingKey) -> Option<u64> {
        self.keys
            .windows(2)
            .find(|w| &w[0].1 == key)
            .map(|w| w[1].0 - 1)
    }

    /// `(first sequence number, key)` for every key, oldest first.
    pub fn keys(&self) -> &[(u64, VerifyingKey)] {
        &self.keys
    }
}

impl From<VerifyingKey> for KeyHistory {
    fn from(key: VerifyingKey) -> Self {
        Self::new(key)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn key_file_text_round_trips() {
        let key = SigningKey::generate();
        let text = key.to_file_text();
        assert_eq!(text.len(), 65);
        let back = SigningKey::from_file_text(text.as_bytes()).expect("parses");
        assert_eq!(back.verifying_key(), key.verifying_key());
        // Without the trailing newline too.
        assert!(SigningKey::from_file_text(text.trim_end().as_bytes()).is_ok());
    }

    #[test]
    fn key_file_errors_say_what_is_wrong() {
        assert_eq!(
            SigningKey::from_file_text(b"abcd").unwrap_err(),
            KeyError::WrongLength { found: 4 }
        );
        let not_hex = "zz".repeat(32);
        assert!(matches!(
            SigningKey::from_file_text(not_hex.as_bytes()),
            Err(KeyError::NotHex(_))
        ));
    }

    #[test]
    fn weak_public_keys_are_refused() {
        // The identity point encodes as 1 followed by zeros: small order.
        let mut weak = [0u8; 32];
        weak[0] = 1;
        assert!(matches!(
            verifying_key_from_hex(&hex::encode(weak)),
            Err(KeyError::WeakPublicKey(_))
        ));
        let good = SigningKey::from_seed([7; 32]).verifying_key();
        assert_eq!(
            verifying_key_from_hex(&hex::encode(good.as_bytes())),
            Ok(good)
        );
    }

    #[test]
    fn key_id_is_stable() {
        let key = SigningKey::from_seed([7; 32]);
        assert_eq!(key.key_id().to_string().len(), 16);
        assert_eq!(key.key_id(), KeyId::of(&key.verifying_key()));
    }

    #[test]
    fn a_key_history_gives_each_event_its_key() {
        let [a, b, c] = [1u8, 2, 3].map(|s| SigningKey::from_seed([s; 32]).verifying_key());
        let history = KeyHistory::new(a)
            .replaced_after(10, b)
            .and_then(|h| h.replaced_after(25, c))
            .expect("increasing");
        for (seq, key) in [
            (0, a),
            (1, a),
            (10, a),
            (11, b),
            (25, b),
            (26, c),
            (1000, c),
        ] {
            assert_eq!(history.key_for(seq), &key, "event {seq}");
        }
        assert_eq!(history.current(), &c);
        assert_eq!(history.retired_after(&a), Some(10));
        assert_eq!(history.retired_after(&b), Some(25));
        assert_eq!(history.retired_after(&c), None);
        // A replacement cannot reach behind the current key's first event.
        assert_eq!(history.clone().replaced_after(24, a), None);
        // A key that signed nothing is simply superseded.
        let fresh = KeyHistory::new(a).replaced_after(0, b).expect("at once");
        assert_eq!(fresh.keys(), &[(1, b)]);
    }
}
