//! Checkpoints of a shared log in the C2SP formats transparency logs use:
//! tlog-checkpoint (origin line, tree size, base64 root hash), signed as a C2SP
//! signed-note with the member's ed25519 key, and cosigned by witnesses with C2SP
//! tlog-cosignature/v1 signatures.
//!
//! ```text
//! remedy-net/<federation>/KH        ← origin line
//! 1042                              ← tree size (events)
//! 6Bv0Kb2…=                         ← RFC 6962 root, base64
//!                                   ← blank line ends the note body
//! — remedy-net/KH AbCd…             ← signatures: key name, base64(key id ‖ signature)
//! — remedy-net/VN AbCd…             ← a cosignature: base64(key id ‖ time ‖ signature)
//! ```
//!
//! Key ids follow signed-note: the first 4 bytes of SHA-256(name ‖ "\n" ‖ type ‖
//! public key), with type 0x01 for an ed25519 note signature and 0x04 for a
//! cosignature/v1. A verifier ignores signature lines it has no key for.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::keys::{Signature, SigningKey, VerifyingKey};
use crate::merkle::Hash;

/// The body of a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: [u8; 4],
    /// The rest of the decoded signature: 64 bytes for a note signature, 8 (time)
    /// + 64 for a cosignature.
    pub bytes: Vec<u8>,
}

/// A checkpoint with its signatures, as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub signatures: Vec<NoteSignature>,
}

/// Why a note cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("line {line}: {problem}")]
    Malformed { line: usize, problem: String },
}

const NOTE: u8 = 0x01;
const COSIGNATURE: u8 = 0x04;

/// The key name of a member: `remedy-net/KH`.
pub fn key_name(member: &str) -> String {
    format!("remedy-net/{member}")
}

/// The origin line of a member's log in a federation.
pub fn origin_line(federation: &str, member: &str) -> String {
    format!("remedy-net/{federation}/{member}")
}

pub fn key_id(name: &str, kind: u8, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([kind]);
    h.update(key.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

impl Checkpoint {
    /// The note body: exactly the bytes a signature covers.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
    }
}

impl SignedCheckpoint {
    /// A checkpoint signed by its log's own key.
    pub fn sign(checkpoint: Checkpoint, name: &str, key: &SigningKey) -> Self {
        let signature = key.sign(checkpoint.body().as_bytes());
        Self {
            signatures: vec![NoteSignature {
                name: name.into(),
                key_id: key_id(name, NOTE, &key.verifying_key()),
                bytes: signature.to_bytes().to_vec(),
            }],
            checkpoint,
        }
    }

    /// The note's text.
    pub fn to_text(&self) -> String {
        let mut text = self.checkpoint.body();
        text.push('\n');
        for s in &self.signatures {
            let mut raw = s.key_id.to_vec();
            raw.extend_from_slice(&s.bytes);
            text.push_str(&format!("\u{2014} {} {}\n", s.name, STANDARD.encode(raw)));
        }
        text
    }

    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let bad = |line: usize, problem: &str| NoteError::Malformed {
            line,
            problem: problem.into(),
        };
        let (body, sigs) = text
            .split_once("\n\n")
            .ok_or_else(|| bad(0, "no blank line between the body and the signatures"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(bad(
                lines.len(),
                "a checkpoint needs an origin, a size and a root",
            ));
        }
        let size: u64 = lines[1]
            .parse()
            .ok()
            .filter(|_| !lines[1].starts_with('0') || lines[1] == "0")
            .ok_or_else(|| bad(2, "the tree size is not a decimal number"))?;
        let root: Hash = STANDARD
            .decode(lines[2])
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad(3, "the root is not 32 bytes of base64"))?;
        let mut signatures = Vec::new();
        for (i, line) in sigs.lines().enumerate() {
            let n = lines.len() + 2 + i;
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or_else(|| bad(n, "a signature line starts with an em dash and a space"))?;
            let (name, encoded) = rest
                .rsplit_once(' ')
                .ok_or_else(|| bad(n, "a signature line is a key name and base64"))?;
            let raw = STANDARD
                .decode(encoded)
                .map_err(|_| bad(n, "the signature is not base64"))?;
            if raw.len() < 5 {
                return Err(bad(n, "the signature is too short"));
            }
            signatures.push(NoteSignature {
                name: name.into(),
                key_id: [raw[0], raw[1], raw[2], raw[3]],
                bytes: raw[4..].to_vec(),
            });
        }
        Ok(Self {
            checkpoint: Checkpoint {
                origin: lines[0].into(),
                size,
                root,
            },
            signatures,
        })
    }

    /// Whether the log's own key `name`/`key` signed this checkpoint.
    pub fn signed_by(&self, name: &str, key: &VerifyingKey) -> bool {
        let id = key_id(name, NOTE, key);
        let body = self.checkpoint.body();
        self.signatures.iter().any(|s| {
            s.name == name
                && s.key_id == id
                && Signature::from_slice(&s.bytes)
                    .is_ok_and(|sig| key.verify_strict(body.as_bytes(), &sig).is_ok())
        })
    }

    /// Adds a witness's cosignature at `time` (Unix seconds).
    pub fn cosign(&mut self, name: &str, key: &SigningKey, time: u64) {
        let message = cosigned_message(&self.checkpoint, time);
        let signature = key.sign(message.as_bytes());
        let mut bytes = time.to_be_bytes().to_vec();
        bytes.extend_from_slice(&signature.to_bytes());
        let id = key_id(name, COSIGNATURE, &key.verifying_key());
        self.signatures
            .retain(|s| !(s.name == name && s.key_id == id));
        self.signatures.push(NoteSignature {
            name: name.into(),
            key_id: id,
            bytes,
        });
    }

    /// Whether a signature line claims to be `name`/`key`'s cosignature (its
    /// name and cosignature key id), valid or not: a claimed cosignature that
    /// does not verify is evidence of tampering, not a line to skip.
    pub fn claims_cosignature(&self, name: &str, key: &VerifyingKey) -> bool {
        let id = key_id(name, COSIGNATURE, key);
        self.signatures
            .iter()
            .any(|s| s.name == name && s.key_id == id)
    }

    /// The time of a valid cosignature by `name`/`key`, if there is one.
    pub fn cosigned_by(&self, name: &str, key: &VerifyingKey) -> Option<u64> {
        let id = key_id(name, COSIGNATURE, key);
        self.signatures.iter().find_map(|s| {
            if s.name != name || s.key_id != id || s.bytes.len() != 72 {
                return None;
            }
            let time = u64::from_be_bytes(s.bytes[..8].try_into().ok()?);
            let sig = Signature::from_slice(&s.bytes[8..]).ok()?;
            let message = cosigned_message(&self.checkpoint, time);
            key.verify_strict(message.as_bytes(), &sig)
                .ok()
                .map(|()| time)
        })
    }
}

/// What a cosignature/v1 signs.
fn cosigned_message(checkpoint: &Checkpoint, time: u64) -> String {
    format!("cosignature/v1\ntime {time}\n{}", checkpoint.body())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: origin_line("mekong-pilot", "KH"),
            size: 1042,
            root: [7; 32],
        }
    }

    #[test]
    fn a_signed_checkpoint_round_trips_as_text_and_verifies() {
        let kh = SigningKey::from_seed([1; 32]);
        let vn = SigningKey::from_seed([2; 32]);
        let mut signed = SignedCheckpoint::sign(checkpoint(), &key_name("KH"), &kh);
        signed.cosign(&key_name("VN"), &vn, 1_700_000_000);
        let text = signed.to_text();
        assert!(text.starts_with("remedy-net/mekong-pilot/KH\n1042\nBwcH"));
        assert!(text.contains("\n\n\u{2014} remedy-net/KH "));
        let parsed = SignedCheckpoint::parse(&text).unwrap();
        assert_eq!(parsed, signed);
        assert!(parsed.signed_by(&key_name("KH"), &kh.verifying_key()));
        assert!(!parsed.signed_by(&key_name("KH"), &vn.verifying_key()));
        assert_eq!(
            parsed.cosigned_by(&key_name("VN"), &vn.verifying_key()),
            Some(1_700_000_000)
        );
        // A changed size breaks both.
        let changed = text.replace("\n1042\n", "\n1043\n");
        let parsed = SignedCheckpoint::parse(&changed).unwrap();
        assert!(!parsed.signed_by(&key_name("KH"), &kh.verifying_key()));
        assert_eq!(
            parsed.cosigned_by(&key_name("VN"), &vn.verifying_key()),
            None
        );
    }

    #[test]
    fn malformed_notes_say_which_line() {
        for (text, line) in [
            ("origin\n12\n", 0),
            ("origin\nx\nAAAA\n\n", 2),
            ("origin\n12\nnot base64\n\n", 3),
        ] {
            match SignedCheckpoint::parse(text) {
                Err(NoteError::Malformed { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
}
