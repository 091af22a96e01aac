//! The event envelope: the one binary format that is signed, stored and sent.
//!
//! An event is its *body* followed by a 64-byte ed25519 signature over exactly the
//! body bytes (a *signed* event), or by nothing (a *linked* event). Nodes store and
//! send those bytes unchanged and verify them as received; nothing is ever
//! re-encoded before verification.
//!
//! A linked event is covered by the next signed event of its log: every body holds
//! the hash of the body before it, so one signature over the last body of a run
//! binds every body of the run. A writer signs the last event of each commit (one
//! write holding one or more appends) and at least every [`MAX_LINKED`]` + 1`
//! events; a log never ends with a linked event.
//! A batch of 1,000 events thus costs four signatures, not 1,000, and 64 bytes less
//! on disk and on the wire per linked event. The layout (all integers
//! big-endian) is documented for independent verifiers in `docs/event-format.md`:
//!
//! ```text
//! offset   size  field
//! 0        1     tag 0xFE (never valid UTF-8, so a body cannot pass for a signed note)
//! 1        1     format version, 1
//! 2        1     origin length n, 2..=16
//! 3        n     origin member id, ASCII
//! 3+n      1     log: 1 shared, 2 private
//! 4+n      8     sequence number, from 1, no gaps
//! 12+n     32    SHA-256 of the previous event's body; zeros for sequence 1
//! 44+n     8     time, milliseconds since the Unix epoch (signed)
//! 52+n     2     payload kind
//! 54+n     2     payload version
//! 56+n     4     payload length L, at most MAX_PAYLOAD
//! 60+n     L     payload
//! 60+n+L   64    signature (not part of the body); absent in a linked event
//! ```
//!
//! The event's hash, which the next event links to, is SHA-256 of the body alone, so
//! the same body under two valid signatures is the same event.

use std::fmt;

use ed25519_dalek::Verifier;
use sha2::{Digest, Sha256};

use crate::keys::{Signature, SigningKey, VerifyingKey};
use crate::member::MemberId;
use crate::payload::PayloadKind;

/// First byte of every event body.
pub const EVENT_TAG: u8 = 0xFE;
/// The envelope format this code writes.
pub const FORMAT_VERSION: u8 = 1;
/// Largest payload an event may carry. Bulk material (case imports) is split into
/// many events, so a single payload never needs to be large.
pub const MAX_PAYLOAD: usize = 1 << 20;
/// Length of the signature that follows the body.
pub const SIGNATURE_LEN: usize = 64;
/// Most linked events in a row: the one after them must be signed.
pub const MAX_LINKED: u64 = 255;

/// Whether the raw bytes of an event carry a signature, from the header's lengths
/// alone (no decoding, no hashing): for cutting pages at signed events. Bytes
/// that are not an event give false.
pub fn is_signed(raw: &[u8]) -> bool {
    let Some(&n) = raw.get(2) else { return false };
    let at = 3 + n as usize + 53;
    raw.get(at..at + 4).is_some_and(|len| {
        let payload = u32::from_be_bytes(array(len)) as usize;
        raw.len() == 60 + n as usize + payload + SIGNATURE_LEN
    })
}

/// Which of a member's two logs an event belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogKind {
    /// Public events, replicated to every peer.
    Shared,
    /// Case records; never leave the node.
    Private,
}

impl LogKind {
    pub fn code(self) -> u8 {
        match self {
            LogKind::Shared => 1,
            LogKind::Private => 2,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(LogKind::Shared),
            2 => Some(LogKind::Private),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LogKind::Shared => "shared",
            LogKind::Private => "private",
        }
    }
}

impl fmt::Display for LogKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// SHA-256 of an event body.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct EventHash(pub [u8; 32]);

impl EventHash {
    /// The `prev` of the first event in a log.
    pub const ZERO: EventHash = EventHash([0; 32]);

    pub fn of_body(body: &[u8]) -> Self {
        Self(Sha256::digest(body).into())
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        Some(Self(bytes.try_into().ok()?))
    }
}

impl fmt::Display for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventHash({})", &hex::encode(&self.0[..8]))
    }
}

pub use crate::payload::Draft;

/// Why bytes are not an event.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum DecodeError {
    #[error("truncated: {len} bytes, the envelope needs at least {needed}")]
    Truncated { len: usize, needed: usize },
    #[error("not an event: first byte is {0:#04x}, expected 0xfe")]
    BadTag(u8),
    #[error("unknown envelope format version {0} (this build reads version 1)")]
    UnknownFormat(u8),
    #[error("origin is not a member id: {0}")]
    BadOrigin(String),
    #[error("unknown log code {0} (expected 1 shared or 2 private)")]
    BadLog(u8),
    #[error("sequence number 0 (sequences start at 1)")]
    ZeroSequence,
    #[error("payload of {0} bytes is over the {MAX_PAYLOAD}-byte limit")]
    PayloadTooLarge(usize),
    #[error(
        "length mismatch: {len} bytes, the header announces a body of {body} (+ {SIGNATURE_LEN} when signed)"
    )]
    LengthMismatch { len: usize, body: usize },
}

/// The parsed header of an event; the bytes themselves stay in `SignedEvent::raw`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub origin: MemberId,
    pub log: LogKind,
    pub seq: u64,
    pub prev: EventHash,
    pub time_ms: i64,
    pub kind: PayloadKind,
    pub version: u16,
    /// Offset of the payload within the raw bytes.
    payload_at: usize,
    /// Length of the body (the signed part).
    body_len: usize,
}

/// An event body built but not yet signed.
///
/// The hash an event's successor links to covers the body only, so a writer can
/// build a run of bodies in order (each needs its predecessor's hash) and then sign
/// them in parallel.
#[derive(Clone, Debug)]
pub struct Unsigned {
    body: Vec<u8>,
    header: Header,
    hash: EventHash,
}

impl Unsigned {
    pub fn build(
        origin: &MemberId,
        log: LogKind,
        seq: u64,
        prev: EventHash,
        time_ms: i64,
        draft: &Draft,
    ) -> Self {
        let origin_bytes = origin.as_str().as_bytes();
        let body_len = 60 + origin_bytes.len() + draft.payload.len();
        let mut body = Vec::with_capacity(body_len + SIGNATURE_LEN);
        body.push(EVENT_TAG);
        body.push(FORMAT_VERSION);
        body.push(origin_bytes.len() as u8);
        body.extend_from_slice(origin_bytes);
        body.push(log.code());
        body.extend_from_slice(&seq.to_be_bytes());
        body.extend_from_slice(&prev.0);
        body.extend_from_slice(&time_ms.to_be_bytes());
        body.extend_from_slice(&draft.kind.0.to_be_bytes());
        body.extend_from_slice(&draft.version.to_be_bytes());
        body.extend_from_slice(&(draft.payload.len() as u32).to_be_bytes());
        body.extend_from_slice(&draft.payload);
        debug_assert_eq!(body.len(), body_len);
        let hash = EventHash::of_body(&body);
        let header = Header {
            origin: origin.clone(),
            log,
            seq,
            prev,
            time_ms,
            kind: draft.kind,
            version: draft.version,
            payload_at: 60 + origin_bytes.len(),
            body_len,
        };
        Self { body, header, hash }
    }

    pub fn seq(&self) -> u64 {
        self.header.seq
    }

    pub fn hash(&self) -> EventHash {
        self.hash
    }

    /// Length of the body in bytes.
    pub fn len(&self) -> usize {
        self.body.len()
    }

    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// The event without a signature: the next signed event covers it.
    pub fn link(self) -> SignedEvent {
        SignedEvent {
            raw: self.body,
            header: self.header,
            hash: self.hash,
        }
    }

    /// Signs the body and appends the signature.
    pub fn sign(self, key: &SigningKey) -> SignedEvent {
        let Self {
            mut body,
            header,
            hash,
        } = self;
        let signature = key.sign(&body);
        body.extend_from_slice(&signature.to_bytes());
        SignedEvent {
            raw: body,
            header,
            hash,
        }
    }
}

/// An event as stored and sent, signed or linked (see the module documentation).
/// The raw bytes are authoritative: the header is parsed from them once, and
/// accessors slice into them.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedEvent {
    raw: Vec<u8>,
    header: Header,
    hash: EventHash,
}

impl crate::payload::Carried for SignedEvent {
    fn kind(&self) -> PayloadKind {
        SignedEvent::kind(self)
    }
    fn version(&self) -> u16 {
        SignedEvent::version(self)
    }
    fn payload(&self) -> &[u8] {
        SignedEvent::payload(self)
    }
}

impl SignedEvent {
    /// Builds, signs and returns the next event of a log.
    pub fn seal(
        key: &SigningKey,
        origin: &MemberId,
        log: LogKind,
        seq: u64,
        prev: EventHash,
        time_ms: i64,
        draft: &Draft,
    ) -> Self {
        Unsigned::build(origin, log, seq, prev, time_ms, draft).sign(key)
    }

    /// Parses raw bytes. This checks the structure only; signatures and chain links
    /// are checked by [`SignedEvent::verify_strict`] and the [`crate::ChainVerifier`].
    pub fn decode(raw: Vec<u8>) -> Result<Self, DecodeError> {
        const MIN: usize = 3;
        if raw.len() < MIN {
            return Err(DecodeError::Truncated {
                len: raw.len(),
                needed: MIN,
            });
        }
        if raw[0] != EVENT_TAG {
            return Err(DecodeError::BadTag(raw[0]));
        }
        if raw[1] != FORMAT_VERSION {
            return Err(DecodeError::UnknownFormat(raw[1]));
        }
        let n = raw[2] as usize;
        let fixed = 60 + n;
        if raw.len() < fixed {
            return Err(DecodeError::Truncated {
                len: raw.len(),
                needed: fixed,
            });
        }
        let origin = std::str::from_utf8(&raw[3..3 + n])
            .ok()
            .and_then(|s| MemberId::new(s).ok())
            .ok_or_else(|| {
                DecodeError::BadOrigin(String::from_utf8_lossy(&raw[3..3 + n]).into())
            })?;
        let at = 3 + n;
        let log = LogKind::from_code(raw[at]).ok_or(DecodeError::BadLog(raw[at]))?;
        let seq = u64::from_be_bytes(array(&raw[at + 1..at + 9]));
        if seq == 0 {
            return Err(DecodeError::ZeroSequence);
        }
        let prev = EventHash(array(&raw[at + 9..at + 41]));
        let time_ms = i64::from_be_bytes(array(&raw[at + 41..at + 49]));
        let kind = PayloadKind(u16::from_be_bytes(array(&raw[at + 49..at + 51])));
        let version = u16::from_be_bytes(array(&raw[at + 51..at + 53]));
        let payload_len = u32::from_be_bytes(array(&raw[at + 53..at + 57])) as usize;
        if payload_len > MAX_PAYLOAD {
            return Err(DecodeError::PayloadTooLarge(payload_len));
        }
        let body_len = fixed + payload_len;
        if raw.len() != body_len && raw.len() != body_len + SIGNATURE_LEN {
            return Err(DecodeError::LengthMismatch {
                len: raw.len(),
                body: body_len,
            });
        }
        let hash = EventHash::of_body(&raw[..body_len]);
        let header = Header {
            origin,
            log,
            seq,
            prev,
            time_ms,
            kind,
            version,
            payload_at: fixed,
            body_len,
        };
        Ok(Self { raw, header, hash })
    }

    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    pub fn into_raw(self) -> Vec<u8> {
        self.raw
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn origin(&self) -> &MemberId {
        &self.header.origin
    }

    pub fn log(&self) -> LogKind {
        self.header.log
    }

    pub fn seq(&self) -> u64 {
        self.header.seq
    }

    pub fn prev(&self) -> EventHash {
        self.header.prev
    }

    pub fn time_ms(&self) -> i64 {
        self.header.time_ms
    }

    pub fn kind(&self) -> PayloadKind {
        self.header.kind
    }

    pub fn version(&self) -> u16 {
        self.header.version
    }

    /// SHA-256 of the body: the event's identity and what the next event links to.
    pub fn hash(&self) -> EventHash {
        self.hash
    }

    /// The signed bytes.
    pub fn body(&self) -> &[u8] {
        &self.raw[..self.header.body_len]
    }

    pub fn payload(&self) -> &[u8] {
        &self.raw[self.header.payload_at..self.header.body_len]
    }

    /// Whether a signature follows the body (otherwise the event is linked).
    pub fn is_signed(&self) -> bool {
        self.raw.len() > self.header.body_len
    }

    /// The signature over the body; `None` for a linked event.
    pub fn signature(&self) -> Option<Signature> {
        self.is_signed()
            .then(|| Signature::from_bytes(&array(&self.raw[self.header.body_len..])))
    }

    /// Strict verification of this one signature (rejects non-canonical encodings and
    /// small-order components); false for a linked event, which only a chain
    /// verifies. Chains use batch verification instead.
    pub fn verify_strict(&self, key: &VerifyingKey) -> bool {
        self.signature()
            .is_some_and(|s| key.verify_strict(self.body(), &s).is_ok())
    }

    /// Plain (RFC 8032) verification, used to locate a failure inside a batch.
    pub(crate) fn verify(&self, key: &VerifyingKey) -> bool {
        self.signature()
            .is_some_and(|s| key.verify(self.body(), &s).is_ok())
    }
}

impl fmt::Debug for SignedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SignedEvent({} {} #{} kind {} v{} {} bytes)",
            self.header.origin,
            self.header.log,
            self.header.seq,
            self.header.kind,
            self.header.version,
            self.raw.len()
        )
    }
}

fn array<const N: usize>(slice: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(slice);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn kh() -> MemberId {
        MemberId::new("KH").expect("valid")
    }

    fn sample() -> SignedEvent {
        let draft = Draft {
            kind: PayloadKind::NOTE,
            version: 1,
            payload: b"hello".to_vec(),
        };
        SignedEvent::seal(
            &SigningKey::from_seed([1; 32]),
            &kh(),
            LogKind::Shared,
            1,
            EventHash::ZERO,
            1_700_000_000_000,
            &draft,
        )
    }

    #[test]
    fn decode_gives_back_what_was_sealed() {
        let event = sample();
        let back = SignedEvent::decode(event.raw().to_vec()).expect("decodes");
        assert_eq!(back, event);
        assert_eq!(back.payload(), b"hello");
        assert_eq!(back.origin().as_str(), "KH");
        assert_eq!(back.seq(), 1);
        assert_eq!(back.raw().len(), 60 + 2 + 5 + 64);
        assert!(back.verify_strict(&SigningKey::from_seed([1; 32]).verifying_key()));
        assert!(!back.verify_strict(&SigningKey::from_seed([2; 32]).verifying_key()));
    }

    #[test]
    fn the_signature_covers_every_body_byte() {
        let event = sample();
        let key = SigningKey::from_seed([1; 32]).verifying_key();
        for i in 0..event.body().len() {
            let mut raw = event.raw().to_vec();
            raw[i] ^= 0x01;
            // A flipped byte either breaks the structure or the signature.
            if let Ok(tampered) = SignedEvent::decode(raw) {
                assert!(!tampered.verify_strict(&key), "byte {i} is not covered");
            }
        }
    }

    #[test]
    fn truncation_and_garbage_are_named() {
        let raw = sample().into_raw();
        assert!(matches!(
            SignedEvent::decode(raw[..raw.len() - 1].to_vec()),
            Err(DecodeError::Truncated { .. } | DecodeError::LengthMismatch { .. })
        ));
        assert_eq!(
            SignedEvent::decode(vec![0x00; 200]),
            Err(DecodeError::BadTag(0))
        );
        let mut longer = raw.clone();
        longer.push(0);
        assert!(matches!(
            SignedEvent::decode(longer),
            Err(DecodeError::LengthMismatch { .. })
        ));
        let mut bad_log = raw.clone();
        bad_log[5] = 9;
        assert_eq!(SignedEvent::decode(bad_log), Err(DecodeError::BadLog(9)));
        assert!(matches!(
            SignedEvent::decode(vec![]),
            Err(DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn a_linked_event_is_its_body_alone() {
        let signed = sample();
        let draft = Draft {
            kind: PayloadKind::NOTE,
            version: 1,
            payload: b"hello".to_vec(),
        };
        let linked = Unsigned::build(
            &kh(),
            LogKind::Shared,
            1,
            EventHash::ZERO,
            1_700_000_000_000,
            &draft,
        )
        .link();
        assert_eq!(linked.raw(), signed.body());
        assert_eq!(
            linked.hash(),
            signed.hash(),
            "the same body is the same event"
        );
        let back = SignedEvent::decode(linked.raw().to_vec()).expect("decodes");
        assert!(!back.is_signed() && signed.is_signed());
        assert!(!is_signed(linked.raw()) && is_signed(signed.raw()));
        assert!(!is_signed(b"garbage"));
        assert_eq!(back.signature(), None);
        assert!(!back.verify_strict(&SigningKey::from_seed([1; 32]).verifying_key()));
        // Anything between a body and a signed event is neither.
        let mut half = signed.raw().to_vec();
        half.truncate(signed.body().len() + 32);
        assert!(matches!(
            SignedEvent::decode(half),
            Err(DecodeError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn the_hash_is_of_the_body_not_the_signature() {
        let event = sample();
        assert_eq!(event.hash(), EventHash::of_body(event.body()));
        assert_ne!(event.hash(), EventHash::of_body(event.raw()));
    }
}
