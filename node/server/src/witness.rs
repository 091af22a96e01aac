//! Witnessing among the members: a node cosigns another member's checkpoint once
//! it has checked the checkpoint against the signed events it holds of that log,
//! and keeps it, with every cosignature it can verify, as `ckpt/<origin>`. A
//! checkpoint whose root differs from the root of the events held is evidence
//! that the member showed different histories: both checkpoints (the one held,
//! which agrees with the events, and the one received) are kept in `meta` as
//! `equivocation/<origin>/<size>`, and the auditor reports them.

use remedy_core::checkpoint::{SignedCheckpoint, key_name};
use remedy_core::merkle;
use remedy_core::{MemberId, SigningKey, VerifyingKey};

use crate::merkle::{StoredTree, checkpoint_key};
use crate::store::{Store, StoreError};

/// What witnessing a received checkpoint came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Witnessed {
    /// Checked and cosigned: the rows to commit.
    Cosigned(Vec<(Vec<u8>, Vec<u8>)>),
    /// Nothing new (an older or the same checkpoint, already cosigned).
    Known,
    /// Larger than the log held so far: check again after catching up.
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
    /// The key of a member by its id, from the manifest.
    pub key_of: &'a dyn Fn(&MemberId) -> Option<VerifyingKey>,
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
        let Some(origin_key) = (self.key_of)(origin) else {
            return Ok(Witnessed::Invalid(format!(
                "{origin} has no key in the manifest"
            )));
        };
        if !received.signed_by(&key_name(origin.as_str()), &origin_key) {
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
            let held_text = stored.map(|s| s.to_text()).unwrap_or_default();
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
            let Some(witness_key) = (self.key_of)(&member) else {
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
