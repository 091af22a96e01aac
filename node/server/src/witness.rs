//! Witnessing among the members: a node cosigns another member's checkpoint once
//! it has checked the checkpoint against the signed events it holds of that log,
//! and keeps it, with every cosignature it can verify, as `ckpt/<origin>`. A
//! checkpoint whose root differs from the root of the events held is evidence
//! that the member showed different histories: both checkpoints (the one held,
//! which agrees with the events, and the one received) are kept in `meta` as
//! `equivocation/<origin>/<size>`, and the auditor reports them.

use remedy_core::checkpoint::{SignedCheckpoint, key_name};
use remedy_core::merkle;
use remedy_core::{KeyHistory, MemberId, SigningKey};

use crate::merkle::{StoredTree, checkpoint_key};
use crate::store::{Store, StoreError};

/// What witnessing a received checkpoint came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Witnessed {
    /// Checked and cosigned: the rows to commit.
    Cosigned(Vec<(Vec<u8>, Vec<u8>)>),
    /// Nothing new (an older or the same checkpoint, already cosigned).
    Known,
    /// Not decidable yet, check again later: a checkpoint of more events than
    /// held, or one that disagrees with the events held while no checkpoint of
    /// them is held to set against it as evidence.
    Pending,
    /// Not a valid checkpoint of that origin.
    Invalid(String),
    /// Validly signed, but not the history held: the evidence row to keep.
    Conflict {
        reason: String,
        evidence: (Vec<u8>, Vec<u8>),
    },
}

/// Everything a witness needs to know about the federation.
pub struct Witness<'a> {
    pub store: &'a dyn Store,
    pub own: &'a MemberId,
    pub key: &'a SigningKey,
    /// The federation's name, for the checkpoints' origin lines.
    pub federation: &'a str,
    /// The keys of a member by its id, from the manifest.
    pub key_of: &'a dyn Fn(&MemberId) -> Option<KeyHistory>,
}

impl std::fmt::Debug for Witness<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Witness({})", self.own)
    }
}

impl Witness<'_> {
    /// Checks `text`, a checkpoint of `origin`'s log (of which this node holds
    /// `held` events), and cosigns it at `time` (Unix seconds) if it agrees.
    pub fn witness(
        &self,
        origin: &MemberId,
        held: u64,
        text: &str,
        time: u64,
    ) -> Result<Witnessed, StoreError> {
        let received = match SignedCheckpoint::parse(text) {
            Ok(c) => c,
            Err(e) => return Ok(Witnessed::Invalid(format!("unreadable checkpoint: {e}"))),
        };
        let line = remedy_core::checkpoint::origin_line(self.federation, origin.as_str());
        if received.checkpoint.origin != line {
            return Ok(Witnessed::Invalid(format!(
                "the checkpoint is of the log {:?}, not {line:?}",
                received.checkpoint.origin
            )));
        }
        let Some(origin_keys) = (self.key_of)(origin) else {
            return Ok(Witnessed::Invalid(format!(
                "{origin} has no key in the manifest"
            )));
        };
        // A checkpoint is signed with the key that signed the last event it covers.
        let origin_key = origin_keys.key_for(received.checkpoint.size);
        if !received.signed_by(&key_name(origin.as_str()), origin_key) {
            return Ok(Witnessed::Invalid(format!(
                "the checkpoint is not signed by {origin}'s key"
            )));
        }
        let size = received.checkpoint.size;
        if size > held {
            return Ok(Witnessed::Pending);
        }
        let ours = merkle::root(&StoredTree::of(self.store, origin, self.own), size)?;
        let stored = self
            .store
            .projection(&checkpoint_key(origin))?
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|t| SignedCheckpoint::parse(&t).ok());
        if ours != received.checkpoint.root {
            // Evidence is two checkpoints the origin signed: wait for one of the
            // history held (it comes with the events, from the origin or a peer).
            let Some(held_checkpoint) = stored else {
                return Ok(Witnessed::Pending);
            };
            let held_text = held_checkpoint.to_text();
            let evidence = serde_json::json!({
                "origin": origin.to_string(),
                "size": size,
                "held": held_text,
                "received": text,
                "root_of_events_held": hex::encode(ours),
            });
            return Ok(Witnessed::Conflict {
                reason: format!(
                    "{origin} signed a checkpoint of {size} events whose root is not that of the {size} events it signed and this node holds"
                ),
                evidence: (
                    format!("equivocation/{origin}/{size:020}").into_bytes(),
                    evidence.to_string().into_bytes(),
                ),
            });
        }
        // Keep the newest agreeing checkpoint, with every cosignature that verifies.
        let mut keep = match stored {
            Some(s) if s.checkpoint.size > size => return Ok(Witnessed::Known),
            Some(s) if s.checkpoint == received.checkpoint => s,
            _ => SignedCheckpoint {
                checkpoint: received.checkpoint.clone(),
                signatures: received
                    .signatures
                    .iter()
                    .filter(|s| s.name == key_name(origin.as_str()))
                    .cloned()
                    .collect(),
            },
        };
        let before = keep.clone();
        for s in &received.signatures {
            let Some(member) = s.name.strip_prefix("remedy-net/") else {
                continue;
            };
            let Ok(member) = MemberId::new(member) else {
                continue;
            };
            if keep.signatures.contains(s) || &member == origin {
                continue;
            }
            // Cosignatures count with the witness's current key only.
            let Some(witness_key) = (self.key_of)(&member).map(|h| *h.current()) else {
                continue;
            };
            let mut single = SignedCheckpoint {
                checkpoint: received.checkpoint.clone(),
                signatures: vec![s.clone()],
            };
            if single.cosigned_by(&s.name, &witness_key).is_some() {
                keep.signatures.append(&mut single.signatures);
            }
        }
        let own_name = key_name(self.own.as_str());
        if keep
            .cosigned_by(&own_name, &self.key.verifying_key())
            .is_none()
        {
            keep.cosign(&own_name, self.key, time);
        }
        if keep == before {
            return Ok(Witnessed::Known);
        }
        Ok(Witnessed::Cosigned(vec![(
            checkpoint_key(origin),
            keep.to_text().into_bytes(),
        )]))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use remedy_core::checkpoint::{Checkpoint, origin_line};
    use remedy_core::merkle::Frontier;
    use remedy_core::payload::{Note, Payload};
    use remedy_core::{ChainHead, LogKind, SignedEvent};

    use super::*;
    use crate::store::{Commit, LogId, MemoryStore};

    fn member(id: &str) -> MemberId {
        MemberId::new(id).unwrap()
    }

    /// VN's `n` notes from `text`, and the checkpoint VN signs for them as `line`.
    fn history(key: &SigningKey, text: &str, n: u64, line: &str) -> (Vec<Vec<u8>>, String) {
        let (mut head, mut frontier, mut raws) =
            (ChainHead::EMPTY, Frontier::default(), Vec::new());
        for i in 1..=n {
            let draft = Note {
                text: format!("{text} {i}"),
            }
            .to_draft();
            let e = SignedEvent::seal(key, &member("VN"), LogKind::Shared, i, head.hash, 0, &draft);
            head = ChainHead::of(&e);
            frontier.push(e.raw(), |_, _, _| {});
            raws.push(e.into_raw());
        }
        let checkpoint = Checkpoint {
            origin: line.into(),
            size: n,
            root: frontier.root(),
        };
        (
            raws,
            SignedCheckpoint::sign(checkpoint, &key_name("VN"), key).to_text(),
        )
    }

    #[test]
    fn agreeing_checkpoints_are_cosigned_and_others_refused_or_kept_as_evidence() {
        let store = MemoryStore::new();
        let (vn_key, kh_key) = (
            SigningKey::from_seed([3; 32]),
            SigningKey::from_seed([4; 32]),
        );
        let line = origin_line("pilot", "VN");
        let (held, agreeing) = history(&vn_key, "a", 5, &line);
        // KH holds VN's five events and their tree rows.
        let mut frontier = Frontier::default();
        let mut commit = Commit::default();
        for (i, raw) in held.iter().enumerate() {
            commit
                .projections
                .extend(crate::merkle::push(&member("VN"), &mut frontier, raw));
            commit
                .events
                .push((LogId::Replica(member("VN")), i as u64 + 1, raw.clone()));
        }
        store.commit(commit).unwrap();
        let vn_public = vn_key.verifying_key();
        let key_of = |m: &MemberId| (m == &member("VN")).then(|| KeyHistory::new(vn_public));
        let witness = Witness {
            store: &store,
            own: &member("KH"),
            key: &kh_key,
            federation: "pilot",
            key_of: &key_of,
        };
        let vn = member("VN");
        // Another history of five events, validly signed by VN, before any
        // checkpoint of the history held: nothing to set against it yet.
        let (_, other) = history(&vn_key, "b", 5, &line);
        assert_eq!(
            witness.witness(&vn, 5, &other, 99).unwrap(),
            Witnessed::Pending
        );
        match witness.witness(&vn, 5, &agreeing, 100).unwrap() {
            Witnessed::Cosigned(rows) => store
                .commit(Commit {
                    projections: rows,
                    ..Commit::default()
                })
                .unwrap(),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            witness.witness(&vn, 5, &agreeing, 101).unwrap(),
            Witnessed::Known
        );
        // A checkpoint of more events than held waits; one of another log is refused.
        let (_, longer) = history(&vn_key, "a", 7, &line);
        assert_eq!(
            witness.witness(&vn, 5, &longer, 102).unwrap(),
            Witnessed::Pending
        );
        let (_, elsewhere) = history(&vn_key, "a", 5, &origin_line("other", "VN"));
        assert!(matches!(
            witness.witness(&vn, 5, &elsewhere, 103).unwrap(),
            Witnessed::Invalid(_)
        ));
        // Once it is held, the other history's checkpoint is evidence.
        match witness.witness(&vn, 5, &other, 104).unwrap() {
            Witnessed::Conflict { evidence, .. } => {
                let json: serde_json::Value = serde_json::from_slice(&evidence.1).unwrap();
                let kept = SignedCheckpoint::parse(json["held"].as_str().unwrap()).unwrap();
                assert!(
                    kept.cosigned_by(&key_name("KH"), &kh_key.verifying_key())
                        .is_some()
                );
                assert_eq!(json["received"].as_str().unwrap(), other);
            }
            other => panic!("{other:?}"),
        }
    }
}
