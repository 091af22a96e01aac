//! Verification of a whole log: sequence continuity, previous-hash links and
//! signatures, reporting the first bad event and what is wrong with it.
//!
//! Structure (origin, log, sequence, link) is checked as each event arrives;
//! signatures are collected and checked in batches of [`BATCH`] with ed25519 batch
//! verification, which costs about half of one-by-one verification. When a batch
//! fails, its events are checked one by one to name the first bad one. A linked
//! event (no signature) counts as verified once the signed event after it does;
//! a log that ends with linked events, or has more than [`MAX_LINKED`] in a row,
//! fails.

use std::fmt;

use crate::event::{DecodeError, EventHash, LogKind, MAX_LINKED, SignedEvent};
use crate::keys::{KeyHistory, Signature, VerifyingKey};
use crate::member::MemberId;

/// Signatures verified per batch.
pub const BATCH: usize = 64;

/// The position of a log's last event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ChainHead {
    /// Sequence number of the last event; 0 for an empty log.
    pub seq: u64,
    /// Hash of the last event's body; zeros for an empty log.
    pub hash: EventHash,
}

impl ChainHead {
    pub const EMPTY: ChainHead = ChainHead {
        seq: 0,
        hash: EventHash::ZERO,
    };

    pub fn of(event: &SignedEvent) -> Self {
        Self {
            seq: event.seq(),
            hash: event.hash(),
        }
    }
}

/// What is wrong with an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("cannot be decoded: {0}")]
    Undecodable(DecodeError),
    #[error("claims origin {found}, but this is the log of {expected}")]
    WrongOrigin { expected: MemberId, found: MemberId },
    #[error("belongs to the {found} log, but this is the {expected} log")]
    WrongLog { expected: LogKind, found: LogKind },
    #[error("sequence gap: expected {expected}, found {found}")]
    Gap { expected: u64, found: u64 },
    #[error("broken link: previous hash is {found}, but the event before has hash {expected}")]
    BrokenLink {
        expected: EventHash,
        found: EventHash,
    },
    #[error("signature does not verify with the origin's key")]
    BadSignature,
    #[error(
        "its body is not the one event {next} links to: a linked event, vouched for only by that link, was changed or replaced"
    )]
    Altered { next: u64 },
    #[error(
        "no signature covers it: the events from here to {last} are linked, and only a signed event after them covers them"
    )]
    Unsigned { last: u64 },
    #[error(
        "{MAX_LINKED} linked events precede it and it is not signed either: the format requires a signature at least every {} events",
        MAX_LINKED + 1
    )]
    TooManyLinked,
    #[error("a {0} must carry its own signature (it is cited on its own), but this one is linked")]
    LinkedStatement(crate::payload::PayloadKind),
    #[error(
        "signed with a key the origin replaced after event {last_seq}; only its new key is valid from event {} on",
        last_seq + 1
    )]
    RetiredKey { last_seq: u64 },
    #[error("payload: {0}")]
    Payload(crate::payload::PayloadError),
    #[error("breaks the federation's disclosure policy: {0}")]
    Policy(crate::release::PolicyError),
    #[error("breaks the work-plan rules: {0}")]
    Plan(String),
}

impl Violation {
    /// A short stable name for counting and filtering.
    pub fn code(&self) -> &'static str {
        match self {
            Violation::Undecodable(_) => "undecodable",
            Violation::WrongOrigin { .. } => "wrong-origin",
            Violation::WrongLog { .. } => "wrong-log",
            Violation::Gap { .. } => "gap",
            Violation::BrokenLink { .. } => "broken-link",
            Violation::BadSignature => "bad-signature",
            Violation::Altered { .. } => "broken-link",
            Violation::Unsigned { .. } => "unsigned",
            Violation::TooManyLinked => "unsigned",
            Violation::LinkedStatement(_) => "unsigned",
            Violation::RetiredKey { .. } => "retired-key",
            Violation::Payload(_) => "payload",
            Violation::Policy(_) => "policy",
            Violation::Plan(_) => "plan",
        }
    }
}

/// The first bad event of a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin} {log} log, event {seq}: {violation}")]
pub struct ChainError {
    pub origin: MemberId,
    pub log: LogKind,
    pub seq: u64,
    pub violation: Violation,
}

/// What is wrong with the signature of `event`, which does not verify with the key
/// valid for it: signed with a key replaced before it, or simply bad.
pub fn signature_violation(keys: &KeyHistory, event: &SignedEvent) -> Violation {
    keys.keys()
        .iter()
        .filter_map(|(_, key)| Some((key, keys.retired_after(key)?)))
        .find(|(key, last_seq)| *last_seq < event.seq() && event.verify_strict(key))
        .map_or(Violation::BadSignature, |(_, last_seq)| {
            Violation::RetiredKey { last_seq }
        })
}

/// Checks a log event by event, starting after a known head.
pub struct ChainVerifier {
    origin: MemberId,
    log: LogKind,
    keys: KeyHistory,
    head: ChainHead,
    /// Signed events whose signatures are still to be checked.
    pending: Vec<SignedEvent>,
    /// Events those pending signatures cover (the signed ones and the linked
    /// ones before each).
    pending_covered: u64,
    /// Linked events since the last signed one.
    uncovered: u64,
    /// An event whose link to the linked event before it broke: which of the two
    /// changed is decided by the event after it.
    suspect: Option<u64>,
    verified: u64,
}

impl fmt::Debug for ChainVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainVerifier")
            .field("origin", &self.origin)
            .field("log", &self.log)
            .field("head", &self.head)
            .field("verified", &self.verified)
            .finish()
    }
}

impl ChainVerifier {
    /// A verifier for the log of `origin`, whose events must follow `start`
    /// (use [`ChainHead::EMPTY`] for a whole log).
    /// `keys` gives the key valid for each event: one key, or the origin's
    /// history of keys from the manifest.
    pub fn new(
        origin: MemberId,
        log: LogKind,
        keys: impl Into<KeyHistory>,
        start: ChainHead,
    ) -> Self {
        Self {
            origin,
            log,
            keys: keys.into(),
            head: start,
            pending: Vec::with_capacity(BATCH),
            pending_covered: 0,
            uncovered: 0,
            suspect: None,
            verified: 0,
        }
    }

    fn error(&self, seq: u64, violation: Violation) -> ChainError {
        ChainError {
            origin: self.origin.clone(),
            log: self.log,
            seq,
            violation,
        }
    }

    /// Checks raw bytes as the next event. `expected_seq` is where the bytes were
    /// found (a store key), used to name the event when the bytes are not decodable.
    pub fn push_raw(&mut self, expected_seq: u64, raw: Vec<u8>) -> Result<(), ChainError> {
        self.push_decoded(expected_seq, SignedEvent::decode(raw))
    }

    /// Like [`ChainVerifier::push_raw`] for bytes decoded elsewhere (a reader thread,
    /// say, so decoding and hashing overlap with signature verification).
    pub fn push_decoded(
        &mut self,
        expected_seq: u64,
        decoded: Result<SignedEvent, DecodeError>,
    ) -> Result<(), ChainError> {
        match decoded {
            Ok(event) => self.push(event),
            Err(e) => {
                self.flush()?;
                Err(self.error(expected_seq, Violation::Undecodable(e)))
            }
        }
    }

    /// Checks the next event.
    pub fn push(&mut self, event: SignedEvent) -> Result<(), ChainError> {
        if let Some(suspect) = self.suspect.take() {
            // This event links to the suspect: the suspect is intact, so the linked
            // event before it changed. Otherwise the suspect changed.
            let changed = if event.prev() == self.head.hash {
                suspect - 1
            } else {
                suspect
            };
            self.flush()?;
            return Err(self.error(changed, Violation::Altered { next: changed + 1 }));
        }
        let seq = event.seq();
        let structural = if event.origin() != &self.origin {
            Some(Violation::WrongOrigin {
                expected: self.origin.clone(),
                found: event.origin().clone(),
            })
        } else if event.log() != self.log {
            Some(Violation::WrongLog {
                expected: self.log,
                found: event.log(),
            })
        } else if seq != self.head.seq + 1 {
            Some(Violation::Gap {
                expected: self.head.seq + 1,
                found: seq,
            })
        } else if event.prev() != self.head.hash && self.uncovered > 0 && self.suspect.is_none() {
            // The event before is linked, vouched for only by the hash this one
            // holds: either its body or this one changed. The next event (or this
            // one's signature) tells which.
            self.suspect = Some(seq);
            None
        } else if event.prev() != self.head.hash {
            Some(Violation::BrokenLink {
                expected: self.head.hash,
                found: event.prev(),
            })
        } else {
            None
        };
        if let Some(violation) = structural {
            // An earlier event with a bad signature is the first bad event.
            self.flush()?;
            return Err(self.error(seq, violation));
        }
        self.head = ChainHead::of(&event);
        if !event.is_signed() {
            let violation = if event.kind().signed_alone() {
                Some(Violation::LinkedStatement(event.kind()))
            } else if self.uncovered >= MAX_LINKED {
                Some(Violation::TooManyLinked)
            } else {
                None
            };
            if let Some(violation) = violation {
                self.flush()?;
                return Err(self.error(seq, violation));
            }
            self.uncovered += 1;
            return Ok(());
        }
        self.pending_covered += self.uncovered + 1;
        self.uncovered = 0;
        self.pending.push(event);
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Verifies the signatures collected so far.
    pub fn flush(&mut self) -> Result<(), ChainError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let messages: Vec<&[u8]> = self.pending.iter().map(|e| e.body()).collect();
        let signatures: Vec<Signature> = self
            .pending
            .iter()
            .filter_map(SignedEvent::signature)
            .collect();
        let keys: Vec<VerifyingKey> = self
            .pending
            .iter()
            .map(|e| *self.keys.key_for(e.seq()))
            .collect();
        if ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_err() {
            // Batch verification may reject what one-by-one accepts only for
            // deliberately crafted signatures; name the first event either way.
            let bad = self
                .pending
                .iter()
                .find(|e| !e.verify(self.keys.key_for(e.seq())))
                .unwrap_or(&self.pending[0]);
            let violation = signature_violation(&self.keys, bad);
            return Err(self.error(bad.seq(), violation));
        }
        self.verified += self.pending_covered;
        self.pending_covered = 0;
        self.pending.clear();
        Ok(())
    }

    /// Finishes verification and returns the head of the verified log, which
    /// must be a signed event.
    pub fn finish(mut self) -> Result<ChainHead, ChainError> {
        // A last event whose link broke: if its signature holds, the one before changed.
        self.flush()?;
        if let Some(suspect) = self.suspect {
            return Err(self.error(suspect - 1, Violation::Altered { next: suspect }));
        }
        if self.uncovered > 0 {
            let first = self.head.seq - self.uncovered + 1;
            let last = self.head.seq;
            return Err(self.error(first, Violation::Unsigned { last }));
        }
        Ok(self.head)
    }

    /// Events whose signatures have been verified so far.
    pub fn verified(&self) -> u64 {
        self.verified
    }
}

/// Test logs, shared by the tests of this crate.
#[cfg(test)]
pub(crate) mod testing {
    use super::ChainHead;
    use crate::event::{Draft, LogKind, SignedEvent, Unsigned};
    use crate::keys::SigningKey;
    use crate::member::MemberId;
    use crate::payload::PayloadKind;

    /// A shared log of `n` notes by `origin` (texts from `text`, time = sequence
    /// number) in which only the events where `signed(seq)` are signed.
    pub fn notes(
        key: &SigningKey,
        origin: &MemberId,
        n: u64,
        text: impl Fn(u64) -> String,
        signed: impl Fn(u64) -> bool,
    ) -> Vec<SignedEvent> {
        let mut head = ChainHead::EMPTY;
        (1..=n)
            .map(|seq| {
                let draft = Draft {
                    kind: PayloadKind::NOTE,
                    version: 1,
                    payload: text(seq).into_bytes(),
                };
                let body =
                    Unsigned::build(origin, LogKind::Shared, seq, head.hash, seq as i64, &draft);
                let e = if signed(seq) {
                    body.sign(key)
                } else {
                    body.link()
                };
                head = ChainHead::of(&e);
                e
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::Draft;
    use crate::keys::SigningKey;
    use crate::payload::PayloadKind;

    fn kh() -> MemberId {
        MemberId::new("KH").expect("valid")
    }

    fn chain(key: &SigningKey, n: u64) -> Vec<SignedEvent> {
        chain_by(|_| key, n)
    }

    /// A chain of `n` events, event `seq` signed by `key_of(seq)`.
    fn chain_by<'k>(key_of: impl Fn(u64) -> &'k SigningKey, n: u64) -> Vec<SignedEvent> {
        let mut head = ChainHead::EMPTY;
        (1..=n)
            .map(|seq| {
                let draft = Draft {
                    kind: PayloadKind::NOTE,
                    version: 1,
                    payload: format!("note {seq}").into_bytes(),
                };
                let e = SignedEvent::seal(
                    key_of(seq),
                    &kh(),
                    LogKind::Shared,
                    seq,
                    head.hash,
                    seq as i64,
                    &draft,
                );
                head = ChainHead::of(&e);
                e
            })
            .collect()
    }

    /// A chain of `n` notes by KH of which only those where `signed(seq)` are signed.
    fn sealed_chain(key: &SigningKey, n: u64, signed: impl Fn(u64) -> bool) -> Vec<SignedEvent> {
        testing::notes(key, &kh(), n, |seq| format!("note {seq}"), signed)
    }

    /// Runs the verifier over raw events; returns the head or the error.
    fn check(events: Vec<Vec<u8>>) -> Result<ChainHead, ChainError> {
        let key = SigningKey::from_seed([3; 32]).verifying_key();
        let mut v = ChainVerifier::new(kh(), LogKind::Shared, key, ChainHead::EMPTY);
        for (i, raw) in events.into_iter().enumerate() {
            v.push_raw(i as u64 + 1, raw)?;
        }
        v.finish()
    }

    fn raws(events: &[SignedEvent]) -> Vec<Vec<u8>> {
        events.iter().map(|e| e.raw().to_vec()).collect()
    }

    #[test]
    fn a_good_chain_verifies_across_batches() {
        let events = chain(&SigningKey::from_seed([3; 32]), 200);
        let head = check(raws(&events)).expect("verifies");
        assert_eq!(head, ChainHead::of(&events[199]));
    }

    #[test]
    fn the_first_bad_signature_is_named_inside_a_batch() {
        let mut raw = raws(&chain(&SigningKey::from_seed([3; 32]), 100));
        // Corrupt the signature of event 70 (second batch), then event 90.
        let last = raw[69].len() - 1;
        raw[69][last] ^= 1;
        let last = raw[89].len() - 1;
        raw[89][last] ^= 1;
        let err = check(raw).unwrap_err();
        assert_eq!((err.seq, err.violation), (70, Violation::BadSignature));
    }

    #[test]
    fn a_signature_by_another_key_is_bad() {
        let events = chain(&SigningKey::from_seed([4; 32]), 3);
        let err = check(raws(&events)).unwrap_err();
        assert_eq!((err.seq, &err.violation), (1, &Violation::BadSignature));
        assert_eq!(
            err.to_string(),
            "KH shared log, event 1: signature does not verify with the origin's key"
        );
    }

    #[test]
    fn gaps_links_and_truncation_are_named() {
        let events = chain(&SigningKey::from_seed([3; 32]), 10);

        let mut gap = raws(&events);
        gap.remove(4);
        let err = check(gap).unwrap_err();
        assert_eq!(
            (err.seq, err.violation),
            (
                6,
                Violation::Gap {
                    expected: 5,
                    found: 6
                }
            )
        );

        // Event 5 re-signed with a wrong previous hash.
        let key = SigningKey::from_seed([3; 32]);
        let mut relinked = raws(&events);
        let forged = SignedEvent::seal(
            &key,
            &kh(),
            LogKind::Shared,
            5,
            EventHash([9; 32]),
            5,
            &Draft {
                kind: PayloadKind::NOTE,
                version: 1,
                payload: vec![],
            },
        );
        relinked[4] = forged.raw().to_vec();
        let err = check(relinked).unwrap_err();
        assert_eq!(err.seq, 5);
        assert!(matches!(err.violation, Violation::BrokenLink { .. }));

        let mut torn = raws(&events);
        torn[7].truncate(30);
        let err = check(torn).unwrap_err();
        assert_eq!(err.seq, 8);
        assert!(matches!(
            err.violation,
            Violation::Undecodable(DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn an_earlier_bad_signature_wins_over_a_later_gap() {
        let mut raw = raws(&chain(&SigningKey::from_seed([3; 32]), 10));
        let last = raw[2].len() - 1;
        raw[2][last] ^= 1;
        raw.remove(6);
        let err = check(raw).unwrap_err();
        assert_eq!((err.seq, err.violation), (3, Violation::BadSignature));
    }

    #[test]
    fn an_event_of_another_origin_or_log_is_refused() {
        let key = SigningKey::from_seed([3; 32]);
        let vn = MemberId::new("VN").expect("valid");
        let draft = Draft {
            kind: PayloadKind::NOTE,
            version: 1,
            payload: vec![],
        };
        let other = SignedEvent::seal(&key, &vn, LogKind::Shared, 1, EventHash::ZERO, 0, &draft);
        let err = check(vec![other.raw().to_vec()]).unwrap_err();
        assert!(matches!(err.violation, Violation::WrongOrigin { .. }));
        let private =
            SignedEvent::seal(&key, &kh(), LogKind::Private, 1, EventHash::ZERO, 0, &draft);
        let err = check(vec![private.raw().to_vec()]).unwrap_err();
        assert!(matches!(err.violation, Violation::WrongLog { .. }));
    }

    #[test]
    fn each_event_is_checked_with_the_key_valid_for_it() {
        let (old, new) = (
            SigningKey::from_seed([3; 32]),
            SigningKey::from_seed([4; 32]),
        );
        let history = KeyHistory::new(old.verifying_key())
            .replaced_after(70, new.verifying_key())
            .expect("valid");
        let run = |events: &[SignedEvent]| {
            let mut v =
                ChainVerifier::new(kh(), LogKind::Shared, history.clone(), ChainHead::EMPTY);
            for e in events {
                v.push(e.clone())?;
            }
            v.finish()
        };
        // Old key up to 70, new key after: valid.
        let good = chain_by(|seq| if seq <= 70 { &old } else { &new }, 100);
        assert_eq!(run(&good), Ok(ChainHead::of(&good[99])));
        // The old key after its replacement: rejected, and said so.
        let stolen = chain_by(|seq| if seq <= 80 { &old } else { &new }, 100);
        let err = run(&stolen).unwrap_err();
        assert_eq!(
            (err.seq, err.violation.clone()),
            (71, Violation::RetiredKey { last_seq: 70 })
        );
        assert!(err.to_string().contains("replaced after event 70"), "{err}");
        // The new key before it was valid: a plain bad signature.
        let early = chain_by(|seq| if seq <= 60 { &old } else { &new }, 100);
        assert_eq!(run(&early).unwrap_err().violation, Violation::BadSignature);
    }

    #[test]
    fn linked_events_are_covered_by_the_next_signature() {
        let key = SigningKey::from_seed([3; 32]);
        // Signed every 100th event and at the end, like a writer's batches.
        let events = sealed_chain(&key, 250, |seq| seq.is_multiple_of(100) || seq == 250);
        let mut v =
            ChainVerifier::new(kh(), LogKind::Shared, key.verifying_key(), ChainHead::EMPTY);
        for e in &events[..150] {
            v.push(e.clone()).unwrap();
        }
        v.flush().unwrap();
        assert_eq!(v.verified(), 100, "events 101 to 150 await their signature");
        for e in &events[150..] {
            v.push(e.clone()).unwrap();
        }
        assert_eq!(v.finish(), Ok(ChainHead::of(&events[249])));

        // A changed linked body no longer matches the link of the event after it,
        // which names it: a payload byte of event 42, a byte of the link event 42
        // holds, a payload byte of the last linked event before a signed one.
        for (index, byte, named) in [(41, 64, 42), (41, 20, 42), (98, 64, 99)] {
            let mut raw = raws(&events);
            raw[index][byte] ^= 1;
            let err = check(raw).unwrap_err();
            assert_eq!(
                (err.seq, err.violation),
                (named, Violation::Altered { next: named + 1 })
            );
        }

        // The signature of a run's last event is bad: that event is named.
        let mut raw = raws(&events);
        let last = raw[99].len() - 1;
        raw[99][last] ^= 1;
        assert_eq!(check(raw).unwrap_err().violation, Violation::BadSignature);

        // A log may not end with linked events: the first uncovered is named.
        let err = check(raws(&events[..230])).unwrap_err();
        assert_eq!(
            (err.seq, err.violation.clone()),
            (201, Violation::Unsigned { last: 230 })
        );
        assert!(err.to_string().contains("no signature covers it"), "{err}");

        // Nor hold more than MAX_LINKED in a row.
        let long = sealed_chain(&key, MAX_LINKED + 2, |seq| seq == MAX_LINKED + 2);
        let err = check(raws(&long)).unwrap_err();
        assert_eq!(
            (err.seq, err.violation),
            (MAX_LINKED + 1, Violation::TooManyLinked)
        );
        let most = sealed_chain(&key, MAX_LINKED + 1, |seq| seq == MAX_LINKED + 1);
        assert!(check(raws(&most)).is_ok());
    }
}
