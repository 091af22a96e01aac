//! A statement signed by a party that runs no node (a regional coordinator),
//! carried in a member's shared log.
//!
//! The coordinator convenes the work plan: it opens drafts, comments and asks
//! members for their position. It has no log of its own, so it signs the plan
//! record with its federation key and submits it to a node (`Federation.Submit`);
//! the node appends a `statement` event to its own shared log that holds the
//! record's kind, version and exact bytes with the coordinator's signature over
//! them. The event is then signed twice: by the node (which carried it) and by
//! the coordinator (who said it). Every receiver, auditor and reader checks the
//! inner signature against the key the manifest lists for the signer.
//!
//! Signed message (bytes, in this order): the ASCII text `remedy-net
//! statement v1`, a zero byte, the signer id in ASCII, a zero byte, the inner
//! kind and version as big-endian u16, and the inner payload bytes.
//!
//! A partner organisation (`partner` module) signs the same way with its own
//! domain: `remedy-net partner statement v1`, a zero byte, its member's id, a
//! zero byte, its partner id, a zero byte, kind, version and payload. Its
//! statement names the member as `signer` and itself as `partner`, and is
//! carried only in that member's log.

use std::collections::BTreeMap;

use base64::Engine as _;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

use crate::keys::{SigningKey, verifying_key_from_hex};
use crate::manifest::{Manifest, Role};
use crate::member::MemberId;
use crate::payload::{Draft, Payload, PayloadError, PayloadKind, decode_json};

/// The plan kinds a coordinator may sign: drafts of items (never a proposal),
/// amendments of drafts, comments and requests for positions. Endorsing,
/// objecting, proposing and recording progress are the members' alone.
pub const COORDINATOR_KINDS: &[PayloadKind] = &[
    PayloadKind::WORKPLAN_ITEM,
    PayloadKind::ITEM_AMENDMENT,
    PayloadKind::COMMENT,
    PayloadKind::POSITION_REQUEST,
    PayloadKind::TRANSLATION,
];

const DOMAIN: &[u8] = b"remedy-net statement v1";
const PARTNER_DOMAIN: &[u8] = b"remedy-net partner statement v1";

/// The payload of a `statement` event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The party that signed, a coordinator of the federation; for a partner,
    /// the member that registered it.
    pub signer: MemberId,
    /// The partner organisation that signed (its id within `signer`'s
    /// partners); absent for a coordinator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// The signer's ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// The inner record's payload kind and version.
    pub kind: u16,
    pub version: u16,
    /// The inner record's exact bytes, standard base64.
    pub payload: String,
    /// ed25519 over the signed message (module docs), 128 hex digits.
    pub signature: String,
}

/// The message a statement's signature covers (a coordinator's when
/// `partner` is `None`, else a partner's).
pub fn message(
    signer: &MemberId,
    partner: Option<&str>,
    kind: PayloadKind,
    version: u16,
    payload: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(64 + payload.len());
    m.extend_from_slice(if partner.is_some() {
        PARTNER_DOMAIN
    } else {
        DOMAIN
    });
    m.push(0);
    m.extend_from_slice(signer.as_str().as_bytes());
    m.push(0);
    if let Some(p) = partner {
        m.extend_from_slice(p.as_bytes());
        m.push(0);
    }
    m.extend_from_slice(&kind.0.to_be_bytes());
    m.extend_from_slice(&version.to_be_bytes());
    m.extend_from_slice(payload);
    m
}

impl Statement {
    /// `signer` signs `draft` with `key`.
    pub fn sign(signer: &MemberId, key: &SigningKey, draft: &Draft) -> Self {
        let signature = key.sign(&message(
            signer,
            None,
            draft.kind,
            draft.version,
            &draft.payload,
        ));
        Self {
            signer: signer.clone(),
            partner: None,
            public_key: hex::encode(key.verifying_key().as_bytes()),
            kind: draft.kind.0,
            version: draft.version,
            payload: base64::engine::general_purpose::STANDARD.encode(&draft.payload),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// Partner `partner` of `member` signs `draft` with `key`.
    pub fn sign_partner(member: &MemberId, partner: &str, key: &SigningKey, draft: &Draft) -> Self {
        let signature = key.sign(&message(
            member,
            Some(partner),
            draft.kind,
            draft.version,
            &draft.payload,
        ));
        Self {
            signer: member.clone(),
            partner: Some(partner.to_string()),
            public_key: hex::encode(key.verifying_key().as_bytes()),
            kind: draft.kind.0,
            version: draft.version,
            payload: base64::engine::general_purpose::STANDARD.encode(&draft.payload),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// Who said it, for people: `ILO`, or `KH/kh-bar` for a partner.
    pub fn author(&self) -> String {
        match &self.partner {
            Some(p) => format!("{}/{p}", self.signer),
            None => self.signer.to_string(),
        }
    }

    /// Checks a partner's statement carried in `carrier`'s log against the
    /// carrier's partners as its log stands before this event.
    pub fn verify_partner(
        &self,
        carrier: &MemberId,
        book: &crate::partner::PartnerBook,
    ) -> Result<Draft, String> {
        let draft = self.inner()?;
        let Some(partner) = &self.partner else {
            return Err("not a partner's statement".into());
        };
        if &self.signer != carrier {
            return Err(format!(
                "partner {partner} of {} submits only through {}'s node; {carrier} carries it",
                self.signer, self.signer
            ));
        }
        let key = book.key(&self.signer, partner)?;
        if hex::encode(key.as_bytes()) != self.public_key {
            return Err(format!(
                "the statement is signed with a key {} has not registered for {partner} (or retired)",
                self.signer
            ));
        }
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(&self.signature, &mut bytes).map_err(|e| e.to_string())?;
        key.verify_strict(
            &message(
                &self.signer,
                Some(partner),
                draft.kind,
                draft.version,
                &draft.payload,
            ),
            &Signature::from_bytes(&bytes),
        )
        .map_err(|_| format!("the signature of {}/{partner} does not verify", self.signer))?;
        Ok(draft)
    }

    /// The inner record as a draft; checks the structure (not the signature).
    pub fn inner(&self) -> Result<Draft, String> {
        let kind = PayloadKind(self.kind);
        if let Some(partner) = &self.partner {
            crate::plan::slug("partner id", partner)?;
            if !crate::partner::PARTNER_KINDS.contains(&kind) {
                return Err(format!(
                    "a statement carries a {kind} record; a partner may sign only {}",
                    crate::partner::PARTNER_KINDS
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        } else if !COORDINATOR_KINDS.contains(&kind) {
            return Err(format!(
                "a statement carries a {kind} record; a coordinator may sign only {}",
                COORDINATOR_KINDS
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let payload = base64::engine::general_purpose::STANDARD
            .decode(&self.payload)
            .map_err(|e| format!("the statement's payload is not base64: {e}"))?;
        if self.signature.len() != 128 || hex::decode(&self.signature).is_err() {
            return Err("the statement's signature is not 128 hex digits".into());
        }
        verifying_key_from_hex(&self.public_key)
            .map_err(|e| format!("the statement's public key: {e}"))?;
        Ok(Draft {
            kind,
            version: self.version,
            payload,
        })
    }

    /// Checks a coordinator's signature with the key `signers` lists for it.
    pub fn verify(&self, signers: &Signers) -> Result<Draft, String> {
        let draft = self.inner()?;
        if self.partner.is_some() {
            return Err("a partner's statement is checked against its member's partners".into());
        }
        let keys = signers.keys.get(&self.signer).ok_or_else(|| {
            format!(
                "{} signed a statement but is not a coordinator of the federation",
                self.signer
            )
        })?;
        let key = keys
            .iter()
            .find(|k| hex::encode(k.as_bytes()) == self.public_key)
            .ok_or_else(|| {
                format!(
                    "the statement names a key of {} that the manifest does not list for it",
                    self.signer
                )
            })?;
        let mut bytes = [0u8; 64];
        hex::decode_to_slice(&self.signature, &mut bytes).map_err(|e| e.to_string())?;
        let signature = Signature::from_bytes(&bytes);
        key.verify_strict(
            &message(
                &self.signer,
                None,
                draft.kind,
                draft.version,
                &draft.payload,
            ),
            &signature,
        )
        .map_err(|_| {
            format!(
                "the statement's signature by {} does not verify",
                self.signer
            )
        })?;
        Ok(draft)
    }
}

impl Payload for Statement {
    const KIND: PayloadKind = PayloadKind::STATEMENT;
    const VERSION: u16 = 1;

    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn decode(version: u16, bytes: &[u8]) -> Result<Self, PayloadError> {
        let statement: Self = decode_json(Self::KIND, Self::VERSION, version, bytes)?;
        statement
            .inner()
            .map_err(|reason| PayloadError::Malformed {
                kind: Self::KIND,
                version,
                reason,
            })?;
        Ok(statement)
    }
}

/// The parties whose statements a node accepts, with their keys (current and
/// retired: a statement stays valid after its signer changed keys).
#[derive(Clone, Debug, Default)]
pub struct Signers {
    keys: BTreeMap<MemberId, Vec<VerifyingKey>>,
}

impl Signers {
    /// The coordinators of a manifest.
    pub fn of(manifest: &Manifest) -> Self {
        let mut keys = BTreeMap::new();
        for m in manifest
            .body
            .members
            .iter()
            .filter(|m| m.role == Role::Coordinator)
        {
            let mut all: Vec<VerifyingKey> = m
                .retired_keys
                .iter()
                .filter_map(|r| verifying_key_from_hex(&r.public_key).ok())
                .collect();
            all.extend(m.verifying_key().ok());
            keys.insert(m.id.clone(), all);
        }
        Self { keys }
    }

    /// Adds the coordinators of another manifest version (keys are never removed:
    /// what was signed stays verifiable).
    pub fn merge(&mut self, other: Signers) {
        for (id, keys) in other.keys {
            let held = self.keys.entry(id).or_default();
            for k in keys {
                if !held.contains(&k) {
                    held.push(k);
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn signers(id: &MemberId, key: &SigningKey) -> Signers {
        Signers {
            keys: BTreeMap::from([(id.clone(), vec![key.verifying_key()])]),
        }
    }

    #[test]
    fn a_statement_verifies_only_as_signed_and_only_by_a_listed_key() {
        let ilo = MemberId::new("ILO").unwrap();
        let key = SigningKey::from_seed([7; 32]);
        let draft = Draft {
            kind: PayloadKind::COMMENT,
            version: 1,
            payload: br#"{"on":"KH-1","text":"Please add a budget line"}"#.to_vec(),
        };
        let statement = Statement::sign(&ilo, &key, &draft);
        assert_eq!(statement.verify(&signers(&ilo, &key)), Ok(draft.clone()));
        let decoded = Statement::decode(1, &statement.encode()).unwrap();
        assert_eq!(decoded, statement);

        let other = SigningKey::from_seed([8; 32]);
        let err = statement.verify(&signers(&ilo, &other)).unwrap_err();
        assert!(err.contains("does not list"), "{err}");
        let err = statement.verify(&Signers::default()).unwrap_err();
        assert!(err.contains("not a coordinator"), "{err}");

        let mut changed = statement.clone();
        changed.payload = base64::engine::general_purpose::STANDARD
            .encode(br#"{"on":"KH-1","text":"Please drop the budget line"}"#);
        let err = changed.verify(&signers(&ilo, &key)).unwrap_err();
        assert!(err.contains("does not verify"), "{err}");

        let mut renamed = statement.clone();
        renamed.signer = MemberId::new("ILO2").unwrap();
        assert!(renamed.verify(&signers(&renamed.signer, &key)).is_err());

        let endorse = Statement::sign(
            &ilo,
            &key,
            &Draft {
                kind: PayloadKind::ENDORSEMENT,
                version: 2,
                payload: b"{}".to_vec(),
            },
        );
        let err = Statement::decode(1, &endorse.encode())
            .unwrap_err()
            .to_string();
        assert!(err.contains("may sign only"), "{err}");
    }
}
