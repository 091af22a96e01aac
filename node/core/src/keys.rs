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
}
