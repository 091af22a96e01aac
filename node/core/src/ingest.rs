//! Deciding about events received from a peer, before anything is stored.
//!
//! Replication hands every page of another origin's events to an [`Ingest`] for
//! that origin. Each event is checked against the origin's key from the manifest
//! (signatures in batches; strict single verification to name a bad one), the log
//! kind (only shared events travel), sequence continuity, the previous-hash link and
//! the payload schema.
//! A linked event (no signature of its own) is decided like a signed one but only
//! kept if the signed event after it in the page is accepted, which proves it: the
//! signed body holds the hash of the one before, and so on back. A page must end
//! with a signed event; linked events after the last one are rejected as
//! `unsigned`.
//! An event this node already holds is a duplicate if its body is the same, and a
//! **fork** if a validly signed, different body claims the same sequence number:
//! the origin equivocated. What was signed is compared, not the signature bytes, so
//! the same body under a second valid signature is not a fork. After a fork the
//! origin is halted: nothing more is accepted from it until people look at the
//! evidence.
//!
//! Pure: the caller reads what it holds and stores what is accepted.

use crate::chain::{ChainHead, Violation};
use crate::event::{EventHash, LogKind, MAX_LINKED, SignedEvent};
use crate::keys::{KeyHistory, Signature, VerifyingKey};
use crate::ledger::ReleaseLedger;
use crate::member::MemberId;

/// Two different bodies signed by one origin for one sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fork {
    pub origin: MemberId,
    pub seq: u64,
    /// Hash of the body this node holds.
    pub held: EventHash,
    /// The conflicting event as received, kept whole as evidence.
    pub received: SignedEvent,
}

/// What to do with one received event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Valid and next in the chain: store it.
    Append(SignedEvent),
    /// Already held, same body.
    Duplicate { seq: u64 },
    /// The origin equivocated: keep the evidence, halt the origin.
    Fork(Box<Fork>),
    /// Invalid: log it with the peer, count it, store nothing.
    Reject { seq: Option<u64>, reason: Violation },
    /// The origin is halted after a fork; the event was not looked at.
    Halted,
}

/// Linked events of a page decided so far, awaiting the signed event that covers
/// them; what to go back to if none does.
struct Run {
    /// Where their outcomes start.
    from: usize,
    /// The first one's sequence number.
    first: u64,
    head: ChainHead,
    releases: ReleaseLedger,
    linked: u64,
}

/// The receiving side of one origin's shared log.
#[derive(Debug, Clone)]
pub struct Ingest {
    origin: MemberId,
    keys: KeyHistory,
    head: ChainHead,
    halted: bool,
    /// The origin's releases so far: revisions, and ε spent per period against
    /// the federation's cap; with the minimum disclosure threshold.
    releases: ReleaseLedger,
    max_payload: usize,
    signers: crate::statement::Signers,
    /// The origin's partners as its log stands at `head`.
    partners: crate::partner::PartnerBook,
}

impl Ingest {
    /// `head` is the last event this node holds of `origin`'s shared log.
    /// `keys`: the origin's key, or its history of keys from the manifest.
    pub fn new(origin: MemberId, keys: impl Into<KeyHistory>, head: ChainHead) -> Self {
        Self {
            origin,
            keys: keys.into(),
            head,
            halted: false,
            releases: ReleaseLedger::new(crate::ledger::ReleaseRules::default()),
            max_payload: crate::event::MAX_PAYLOAD,
            signers: crate::statement::Signers::default(),
            partners: crate::partner::PartnerBook::new(),
        }
    }

    /// Sets the origin's partners as its log stands at `head` (read from the
    /// store: `remedy-node`'s `plan::partner_book`).
    pub fn with_partners(mut self, partners: crate::partner::PartnerBook) -> Self {
        self.partners = partners;
        self
    }

    pub fn partners(&self) -> &crate::partner::PartnerBook {
        &self.partners
    }

    /// Sets the coordinators whose statements this origin may carry (the
    /// manifest's; none by default, so a statement is refused).
    pub fn with_signers(mut self, signers: crate::statement::Signers) -> Self {
        self.signers = signers;
        self
    }

    /// Sets the origin's releases held so far and the limits they are checked
    /// under (the manifest's minimum threshold and ε cap).
    pub fn with_releases(mut self, releases: ReleaseLedger) -> Self {
        self.releases = releases;
        self
    }

    /// Sets the largest payload one event may carry (the manifest's
    /// `max_event_bytes`; the event format's limit otherwise).
    pub fn with_max_payload(mut self, bytes: usize) -> Self {
        self.max_payload = bytes;
        self
    }

    pub fn releases(&self) -> &ReleaseLedger {
        &self.releases
    }

    pub fn head(&self) -> ChainHead {
        self.head
    }

    pub fn is_halted(&self) -> bool {
        self.halted
    }

    /// Stops accepting events from this origin, as after a fork found earlier.
    pub fn halt(&mut self) {
        self.halted = true;
    }

    /// Decides about a page of received events, in order, up to and including the
    /// first one that is rejected or forks: what follows it in the page is not
    /// looked at (the caller drops it and asks again, perhaps of another peer).
    /// `held(seq)` gives the hash of the event this node holds at `seq` (at most the
    /// head).
    ///
    /// Events at or below the head whose body this node holds already are
    /// duplicates and cost one hash, no signature check: relays deliver most events
    /// more than once.
    pub fn decide(
        &mut self,
        raws: Vec<Vec<u8>>,
        held: impl Fn(u64) -> Option<EventHash>,
    ) -> Vec<Outcome> {
        let head = self.head.seq;
        let decoded: Vec<_> = raws
            .into_iter()
            .map(|raw| {
                SignedEvent::decode(raw).map(|event| {
                    let seq = event.seq();
                    let known = event.origin() == &self.origin
                        && seq <= head
                        && held(seq) == Some(event.hash());
                    (event, known)
                })
            })
            .collect();
        // Signatures of the rest in one batch; on failure, one by one (strictly) to
        // tell the good from the bad.
        let unknown: Vec<&SignedEvent> = decoded
            .iter()
            .filter_map(|d| d.as_ref().ok())
            .filter(|(event, known)| !known && event.is_signed())
            .map(|(event, _)| event)
            .collect();
        let batch_ok = {
            let messages: Vec<&[u8]> = unknown.iter().map(|e| e.body()).collect();
            let signatures: Vec<Signature> = unknown.iter().filter_map(|e| e.signature()).collect();
            let keys: Vec<VerifyingKey> = unknown
                .iter()
                .map(|e| *self.keys.key_for(e.seq()))
                .collect();
            ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
        };
        let mut outcomes = Vec::with_capacity(decoded.len());
        // Linked events decided but not yet covered by a signed one.
        let mut run: Option<Run> = None;
        for d in decoded {
            let signed = matches!(&d, Ok((event, _)) if event.is_signed());
            let outcome = match d {
                Err(e) => Outcome::Reject {
                    seq: None,
                    reason: Violation::Undecodable(e),
                },
                Ok((event, true)) if !self.halted => Outcome::Duplicate { seq: event.seq() },
                Ok((event, _)) if !event.is_signed() && !self.halted => {
                    let run = run.get_or_insert_with(|| Run {
                        from: outcomes.len(),
                        first: event.seq(),
                        head: self.head,
                        releases: self.releases.clone(),
                        linked: 0,
                    });
                    run.linked += 1;
                    if event.kind().signed_alone() {
                        Outcome::Reject {
                            seq: Some(event.seq()),
                            reason: Violation::LinkedStatement(event.kind()),
                        }
                    } else if run.linked > MAX_LINKED {
                        Outcome::Reject {
                            seq: Some(event.seq()),
                            reason: Violation::TooManyLinked,
                        }
                    } else if event.seq() <= self.head.seq {
                        // Another body for a held sequence number, which only the
                        // signed event after it can prove: decided there.
                        continue;
                    } else {
                        self.decide_one(event, true, &held)
                    }
                }
                Ok((event, _)) => {
                    let valid = batch_ok || event.verify_strict(self.keys.key_for(event.seq()));
                    self.decide_one(event, valid, &held)
                }
            };
            let stop = matches!(outcome, Outcome::Reject { .. } | Outcome::Fork(_));
            if stop {
                // The linked events before it are not covered: drop them.
                if let Some(run) = run.take() {
                    self.undo(&mut outcomes, run);
                }
            } else if signed {
                // Accepted or already held: it covers the run before it.
                run = None;
            }
            outcomes.push(outcome);
            if stop {
                return outcomes;
            }
        }
        if let Some(run) = run.take() {
            let (first, last) = (run.first, self.head.seq.max(run.first));
            self.undo(&mut outcomes, run);
            outcomes.push(Outcome::Reject {
                seq: Some(first),
                reason: Violation::Unsigned { last },
            });
        }
        outcomes
    }

    /// Forgets the decisions about a run of linked events no signature covered.
    fn undo(&mut self, outcomes: &mut Vec<Outcome>, run: Run) {
        outcomes.truncate(run.from);
        self.head = run.head;
        self.releases = run.releases;
    }

    fn decide_one(
        &mut self,
        event: SignedEvent,
        signed: bool,
        held: &impl Fn(u64) -> Option<EventHash>,
    ) -> Outcome {
        if self.halted {
            return Outcome::Halted;
        }
        let seq = event.seq();
        let reject = |reason| Outcome::Reject {
            seq: Some(seq),
            reason,
        };
        if event.origin() != &self.origin {
            return reject(Violation::WrongOrigin {
                expected: self.origin.clone(),
                found: event.origin().clone(),
            });
        }
        if event.log() != LogKind::Shared {
            return reject(Violation::WrongLog {
                expected: LogKind::Shared,
                found: event.log(),
            });
        }
        if !signed {
            return reject(crate::chain::signature_violation(&self.keys, &event));
        }
        if seq <= self.head.seq {
            return match held(seq) {
                Some(hash) if hash == event.hash() => Outcome::Duplicate { seq },
                Some(hash) => {
                    self.halted = true;
                    Outcome::Fork(Box::new(Fork {
                        origin: self.origin.clone(),
                        seq,
                        held: hash,
                        received: event,
                    }))
                }
                // The caller could not say what it holds: treat as not provable.
                None => reject(Violation::Gap {
                    expected: self.head.seq + 1,
                    found: seq,
                }),
            };
        }
        if seq != self.head.seq + 1 {
            return reject(Violation::Gap {
                expected: self.head.seq + 1,
                found: seq,
            });
        }
        if event.prev() != self.head.hash {
            return reject(Violation::BrokenLink {
                expected: self.head.hash,
                found: event.prev(),
            });
        }
        if event.kind().is_private() {
            return reject(Violation::Payload(
                crate::payload::PayloadError::PrivateKind(event.kind()),
            ));
        }
        if event.payload().len() > self.max_payload {
            return reject(Violation::Payload(crate::payload::PayloadError::TooLarge {
                kind: event.kind(),
                bytes: event.payload().len(),
                limit: self.max_payload,
            }));
        }
        if let Err(e) = crate::kinds::check(event.kind(), event.version(), event.payload()) {
            return reject(Violation::Payload(e));
        }
        if let Err(problem) = crate::plan::check_event(&event, &self.signers, &self.partners) {
            return reject(Violation::Plan(problem));
        }
        if let Err(problem) =
            self.partners
                .apply(event.seq(), event.kind(), event.version(), event.payload())
        {
            return reject(Violation::Plan(problem));
        }
        if event.kind() == crate::PayloadKind::RELEASE {
            use crate::payload::Payload as _;
            let checked = crate::release::Release::from_event(&event)
                .map_err(Violation::Payload)
                .and_then(|r| self.releases.admit(&r).map_err(Violation::Policy));
            if let Err(violation) = checked {
                return reject(violation);
            }
        }
        self.head = ChainHead::of(&event);
        Outcome::Append(event)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::event::Draft;
    use crate::keys::SigningKey;
    use crate::payload::PayloadKind;

    fn vn() -> MemberId {
        MemberId::new("VN").unwrap()
    }

    fn draft(text: &str) -> Draft {
        Draft {
            kind: PayloadKind::NOTE,
            version: 1,
            payload: text.as_bytes().to_vec(),
        }
    }

    /// A history of `n` events by `key`, with texts from `prefix`.
    fn history(key: &SigningKey, n: u64, prefix: &str) -> Vec<SignedEvent> {
        let mut head = ChainHead::EMPTY;
        (1..=n)
            .map(|seq| {
                let e = SignedEvent::seal(
                    key,
                    &vn(),
                    LogKind::Shared,
                    seq,
                    head.hash,
                    0,
                    &draft(&format!("{prefix}{seq}")),
                );
                head = ChainHead::of(&e);
                e
            })
            .collect()
    }

    /// Like [`history`], but only the events where `signed(seq)` are signed.
    fn sealed(
        key: &SigningKey,
        n: u64,
        prefix: &str,
        signed: impl Fn(u64) -> bool,
    ) -> Vec<SignedEvent> {
        crate::chain::testing::notes(key, &vn(), n, |seq| format!("{prefix}{seq}"), signed)
    }

    fn raws(events: &[SignedEvent]) -> Vec<Vec<u8>> {
        events.iter().map(|e| e.raw().to_vec()).collect()
    }

    /// Applies outcomes to a map of held hashes, as a store would.
    fn apply(held: &mut BTreeMap<u64, EventHash>, outcomes: &[Outcome]) {
        for o in outcomes {
            if let Outcome::Append(e) = o {
                held.insert(e.seq(), e.hash());
            }
        }
    }

    /// An event over the federation's per-event limit is rejected with the
    /// reason, and nothing after it is taken.
    #[test]
    fn an_event_over_the_federations_size_limit_is_rejected() {
        use crate::payload::Payload as _;
        let key = SigningKey::from_seed([4; 32]);
        let note = crate::payload::Note {
            text: "x".repeat(70_000),
        };
        let event = SignedEvent::seal(
            &key,
            &vn(),
            LogKind::Shared,
            1,
            EventHash::ZERO,
            0,
            &note.to_draft(),
        );
        let mut ingest =
            Ingest::new(vn(), key.verifying_key(), ChainHead::EMPTY).with_max_payload(65_536);
        let out = ingest.decide(raws(std::slice::from_ref(&event)), |_| None);
        match &out[0] {
            Outcome::Reject {
                seq: Some(1),
                reason,
            } => {
                assert_eq!(reason.code(), "payload");
                assert!(
                    reason
                        .to_string()
                        .contains("over the federation's limit of 65536 bytes"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
        let mut roomy = Ingest::new(vn(), key.verifying_key(), ChainHead::EMPTY);
        assert!(matches!(
            roomy.decide(raws(&[event]), |_| None)[0],
            Outcome::Append(_)
        ));
    }

    #[test]
    fn a_valid_history_is_appended_and_replays_are_duplicates() {
        let key = SigningKey::from_seed([1; 32]);
        let events = history(&key, 100, "n");
        let mut ingest = Ingest::new(vn(), key.verifying_key(), ChainHead::EMPTY);
        let mut held = BTreeMap::new();
        let out = ingest.decide(raws(&events[..60]), |s| held.get(&s).copied());
        assert!(out.iter().all(|o| matches!(o, Outcome::Append(_))));
        apply(&mut held, &out);
        // An overlapping page: 50..100.
        let out = ingest.decide(raws(&events[49..]), |s| held.get(&s).copied());
        assert_eq!(
            out.iter()
                .filter(|o| matches!(o, Outcome::Duplicate { .. }))
                .count(),
            11
        );
        assert_eq!(
            out.iter()
                .filter(|o| matches!(o, Outcome::Append(_)))
                .count(),
            40
        );
        assert_eq!(ingest.head(), ChainHead::of(&events[99]));
    }

    #[test]
    fn forgeries_other_origins_private_events_gaps_and_garbage_are_rejected() {
        let key = SigningKey::from_seed([1; 32]);
        let events = history(&key, 5, "n");
        let mut ingest = Ingest::new(vn(), key.verifying_key(), ChainHead::EMPTY);
        let forged = history(&SigningKey::from_seed([2; 32]), 1, "n");
        let kh = SignedEvent::seal(
            &key,
            &MemberId::new("KH").unwrap(),
            LogKind::Shared,
            1,
            EventHash::ZERO,
            0,
            &draft("x"),
        );
        let private = SignedEvent::seal(
            &key,
            &vn(),
            LogKind::Private,
            1,
            EventHash::ZERO,
            0,
            &draft("case"),
        );
        // One bad event per page: a page is decided up to its first bad event.
        let out: Vec<Outcome> = [
            forged[0].raw().to_vec(),
            kh.raw().to_vec(),
            private.raw().to_vec(),
            b"garbage".to_vec(),
            events[1].raw().to_vec(),
        ]
        .into_iter()
        .flat_map(|raw| ingest.decide(vec![raw, events[0].raw().to_vec()], |_| None))
        .collect();
        let reasons: Vec<_> = out
            .iter()
            .map(|o| match o {
                Outcome::Reject { reason, .. } => std::mem::discriminant(reason),
                other => panic!("accepted {other:?}"),
            })
            .collect();
        assert_eq!(
            reasons,
            vec![
                std::mem::discriminant(&Violation::BadSignature),
                std::mem::discriminant(&Violation::WrongOrigin {
                    expected: vn(),
                    found: vn()
                }),
                std::mem::discriminant(&Violation::WrongLog {
                    expected: LogKind::Shared,
                    found: LogKind::Shared
                }),
                std::mem::discriminant(&Violation::Undecodable(crate::event::DecodeError::BadTag(
                    0
                ))),
                std::mem::discriminant(&Violation::Gap {
                    expected: 1,
                    found: 2
                }),
            ]
        );
        assert_eq!(ingest.head(), ChainHead::EMPTY);
        // The good events still go in afterwards.
        let out = ingest.decide(raws(&events), |_| None);
        assert!(out.iter().all(|o| matches!(o, Outcome::Append(_))));
    }

    #[test]
    fn a_second_body_for_a_held_sequence_is_a_fork_and_halts_the_origin() {
        let key = SigningKey::from_seed([1; 32]);
        let ours = history(&key, 10, "a");
        let theirs = history(&key, 10, "b"); // same key, different bodies: equivocation
        let mut ingest = Ingest::new(vn(), key.verifying_key(), ChainHead::EMPTY);
        let mut held = BTreeMap::new();
        let out = ingest.decide(raws(&ours), |s| held.get(&s).copied());
        apply(&mut held, &out);
        let out = ingest.decide(raws(&theirs[..3]), |s| held.get(&s).copied());
        match &out[0] {
            Outcome::Fork(fork) => {
                assert_eq!((fork.seq, fork.held), (1, ours[0].hash()));
                assert_eq!(fork.received, theirs[0]);
            }
            other => panic!("expected a fork, got {other:?}"),
        }
        assert_eq!(out.len(), 1, "the rest of the page is not looked at");
        assert!(ingest.is_halted());
        let out = ingest.decide(raws(&theirs[3..5]), |s| held.get(&s).copied());
        assert_eq!(out, vec![Outcome::Halted, Outcome::Halted]);
    }

    #[test]
    fn the_same_body_under_another_valid_signature_is_not_a_fork() {
        let seed = [1; 32];
        let key = SigningKey::from_seed(seed);
        let ours = history(&key, 1, "a");
        // A second valid signature over the same body, from a different nonce.
        let mut expanded = ed25519_dalek::hazmat::ExpandedSecretKey::from(&seed);
        expanded.hash_prefix = [7; 32];
        let other = ed25519_dalek::hazmat::raw_sign::<sha2::Sha512>(
            &expanded,
            ours[0].body(),
            &key.verifying_key(),
        );
        assert_ne!(Some(other), ours[0].signature());
        let mut resigned = ours[0].body().to_vec();
        resigned.extend_from_slice(&other.to_bytes());
        assert!(
            SignedEvent::decode(resigned.clone())
                .unwrap()
                .verify_strict(&key.verifying_key())
        );

        let held: BTreeMap<u64, EventHash> = [(1, ours[0].hash())].into();
        let mut ingest = Ingest::new(vn(), key.verifying_key(), ChainHead::of(&ours[0]));
        assert_eq!(
            ingest.decide(vec![resigned], |s| held.get(&s).copied()),
            vec![Outcome::Duplicate { seq: 1 }]
        );
        assert!(!ingest.is_halted());
    }

    /// Noised releases of one period add up against the cap; another period has
    /// its own budget; what was spent before (from the store) counts.
    #[test]
    fn noised_releases_beyond_the_epsilon_cap_are_rejected() {
        use crate::payload::Payload as _;
        use crate::privacy::Epsilon;
        use rand::SeedableRng;
        let key = SigningKey::from_seed([1; 32]);
        let cases: Vec<_> = crate::synthetic::generate(
            &vn(),
            300,
            2,
            crate::case::Date::parse("2024-01-01").unwrap(),
            crate::case::Date::parse("2024-12-31").unwrap(),
        )
        .collect();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let mut head = ChainHead::EMPTY;
        let mut events = Vec::new();
        let mut releases = Vec::new();
        for (period, epsilon, revision) in [
            ("2024-Q3", "0.6", 1),
            ("2024-Q4", "0.6", 1),
            ("2024-Q3", "0.5", 2),
        ] {
            let tables =
                crate::tables::compute(crate::tables::Period::parse(period).unwrap(), &cases);
            let source = crate::release::Source {
                private_seq: 1,
                private_hash: String::new(),
            };
            let e = Epsilon::parse(epsilon).unwrap();
            let release = crate::release::build_noised(&tables, 5, e, &mut rng, revision, source);
            let event = SignedEvent::seal(
                &key,
                &vn(),
                LogKind::Shared,
                head.seq + 1,
                head.hash,
                0,
                &release.to_draft(),
            );
            head = ChainHead::of(&event);
            events.push(event);
            releases.push(release);
        }
        let rules = crate::ledger::ReleaseRules::default();
        let mut ingest = Ingest::new(vn(), key.verifying_key(), ChainHead::EMPTY)
            .with_releases(ReleaseLedger::new(rules));
        let out = ingest.decide(raws(&events), |_| None);
        assert!(matches!(out[0], Outcome::Append(_)));
        assert!(matches!(out[1], Outcome::Append(_)));
        match &out[2] {
            Outcome::Reject {
                seq: Some(3),
                reason: Violation::Policy(crate::release::PolicyError::OverBudget(over)),
            } => {
                assert_eq!(over.spent, Epsilon::parse("0.6").unwrap());
                assert_eq!(over.period, "2024-Q3");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            ingest
                .releases()
                .budget()
                .spent(crate::tables::Period::parse("2024-Q4").unwrap()),
            Epsilon::parse("0.6").unwrap()
        );
        // Spending recorded earlier (from the store) counts: 0.6 already spent on
        // 2024-Q3 refuses 0.5 more.
        let mut held = ReleaseLedger::new(rules);
        held.record(&releases[0]);
        held.record(&releases[1]);
        let mut ingest =
            Ingest::new(vn(), key.verifying_key(), ChainHead::of(&events[1])).with_releases(held);
        let out = ingest.decide(raws(&events[2..]), |_| None);
        assert!(
            matches!(
                out[0],
                Outcome::Reject {
                    reason: Violation::Policy(crate::release::PolicyError::OverBudget(_)),
                    ..
                }
            ),
            "{out:?}"
        );
    }

    /// A member changing the status of another member's recommendation is refused
    /// by receivers like a forged event.
    #[test]
    fn a_status_change_of_another_members_recommendation_is_rejected() {
        use crate::payload::Payload as _;
        let key = SigningKey::from_seed([1; 32]);
        let change = crate::plan::RecommendationStatus {
            recommendation: crate::plan::RecordId::parse("KH-1").unwrap(),
            status: "dropped".into(),
            note: String::new(),
        };
        let event = SignedEvent::seal(
            &key,
            &vn(),
            LogKind::Shared,
            1,
            ChainHead::EMPTY.hash,
            0,
            &change.to_draft(),
        );
        let mut ingest = Ingest::new(vn(), key.verifying_key(), ChainHead::EMPTY);
        let out = ingest.decide(raws(&[event]), |_| None);
        match &out[0] {
            Outcome::Reject {
                reason: Violation::Plan(problem),
                ..
            } => assert!(problem.contains("only its author may"), "{problem}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn linked_events_are_kept_only_under_a_valid_signature() {
        let key = SigningKey::from_seed([1; 32]);
        let every_tenth = |seq: u64| seq.is_multiple_of(10);
        let events = sealed(&key, 30, "n", every_tenth);
        let mut ingest = Ingest::new(vn(), key.verifying_key(), ChainHead::EMPTY);
        let mut held = BTreeMap::new();
        // A page ending in linked events: the covered part goes in, the rest is
        // rejected as unsigned.
        let out = ingest.decide(raws(&events[..25]), |s| held.get(&s).copied());
        apply(&mut held, &out);
        assert_eq!(out.len(), 21, "{out:?}");
        assert!(out[..20].iter().all(|o| matches!(o, Outcome::Append(_))));
        assert_eq!(
            out[20],
            Outcome::Reject {
                seq: Some(21),
                reason: Violation::Unsigned { last: 25 }
            }
        );
        assert_eq!(ingest.head(), ChainHead::of(&events[19]));

        // A run whose signature is bad: none of it goes in.
        let mut forged = raws(&events[20..30]);
        let last = forged[9].len() - 1;
        forged[9][last] ^= 1;
        let out = ingest.decide(forged, |s| held.get(&s).copied());
        assert_eq!(
            out,
            vec![Outcome::Reject {
                seq: Some(30),
                reason: Violation::BadSignature
            }]
        );
        assert_eq!(ingest.head(), ChainHead::of(&events[19]));

        // A linked body changed in transit: the link after it breaks, nothing goes in.
        let mut changed = raws(&events[20..30]);
        let at = changed[3].len() - 1;
        changed[3][at] ^= 1;
        let out = ingest.decide(changed, |s| held.get(&s).copied());
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(matches!(
            out[0],
            Outcome::Reject {
                seq: Some(25),
                reason: Violation::BrokenLink { .. }
            }
        ));
        assert_eq!(ingest.head(), ChainHead::of(&events[19]));

        // The whole run, duplicates first: in.
        let out = ingest.decide(raws(&events[15..30]), |s| held.get(&s).copied());
        apply(&mut held, &out);
        assert_eq!(
            out.iter()
                .filter(|o| matches!(o, Outcome::Append(_)))
                .count(),
            10
        );
        assert_eq!(ingest.head(), ChainHead::of(&events[29]));

        // Another history signed by VN for the same sequence numbers: a fork,
        // proven at its first signed event.
        let other = sealed(&key, 10, "other", every_tenth);
        let out = ingest.decide(raws(&other), |s| held.get(&s).copied());
        match out.as_slice() {
            [Outcome::Fork(fork)] => {
                assert_eq!(fork.seq, 10);
                assert_eq!(fork.held, events[9].hash());
                assert!(fork.received.is_signed());
            }
            other => panic!("{other:?}"),
        }
        assert!(ingest.is_halted());
    }
}
