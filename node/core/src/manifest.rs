//! The federation manifest: who the members are, their keys and certificates, and
//! the policy they all agreed to, co-signed by the members.
//!
//! A manifest file is TOML in two parts:
//!
//! ```text
//! # remedy-net federation manifest v1        ┐
//! [federation] ... [policy] ... [[members]]   │ the body: signed exactly as these bytes
//! # --- signatures ---                        ┘ (up to and including this line)
//! [[signatures]]
//! member = "KH"
//! signature = "<128 hex digits>"
//! ```
//!
//! Members sign the body's bytes as they stand in the file, so adding a signature
//! never changes what the others signed, and nothing is re-encoded before it is
//! verified. The whole file is also valid TOML, parsed once for its content.
//!
//! Version 1 is valid when the node members named in it have signed it to the
//! manifest quorum of its policy. A later version names the hash of the body before
//! it and is valid when the quorum of the *previous* version's node members signed
//! it: the members who are trusted now decide who is trusted next.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keys::{
    KeyError, KeyHistory, KeyId, Signature, SigningKey, VerifyingKey, verifying_key_from_hex,
};
use crate::ledger::ReleaseRules;
use crate::member::MemberId;
use crate::privacy::Epsilon;
use crate::tables::Grain;

/// The first line of every manifest body.
pub const HEADER: &str = "# remedy-net federation manifest v1\n";
/// The line that ends the body and starts the signatures.
pub const SIGNATURES_MARKER: &str = "# --- signatures ---\n";

/// What a member does in the federation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A national agency running a node: appends, replicates, signs the manifest.
    Node,
    /// A regional coordinator: reads the regional view.
    Coordinator,
    /// An auditor: verifies signatures and histories.
    Auditor,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Node => "node",
            Role::Coordinator => "coordinator",
            Role::Auditor => "auditor",
        })
    }
}

/// The public part of a member's identity (`member.toml`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub id: MemberId,
    pub name: String,
    pub role: Role,
    /// ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// SHA-256 of the member's TLS certificate (DER), 64 hex digits.
    pub tls_fingerprint: String,
    /// HOST:PORT where the member's node serves; readers have none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Keys this member signed with before `public_key`, oldest first, each with the
    /// last event of its shared log it signed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retired_keys: Vec<RetiredKey>,
}

/// A key a member replaced, and the last event of its shared log it signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetiredKey {
    /// ed25519 public key, 64 hex digits.
    pub public_key: String,
    /// The last sequence number this key signed; the next key signs from the one after.
    pub last_seq: u64,
}

impl Member {
    /// The key the member signs with now.
    pub fn verifying_key(&self) -> Result<VerifyingKey, ManifestError> {
        self.parse_key(&self.public_key)
    }

    fn parse_key(&self, hex: &str) -> Result<VerifyingKey, ManifestError> {
        verifying_key_from_hex(hex).map_err(|source| ManifestError::BadKey {
            member: self.id.clone(),
            source,
        })
    }

    /// Every key the member signed its shared log with, each with the events it
    /// is valid for.
    pub fn key_history(&self) -> Result<KeyHistory, ManifestError> {
        let bad = |reason: String| ManifestError::KeyHistory {
            member: self.id.clone(),
            reason,
        };
        let mut keys = self
            .retired_keys
            .iter()
            .map(|r| Ok((self.parse_key(&r.public_key)?, Some(r.last_seq))))
            .chain([Ok((self.verifying_key()?, None))])
            .collect::<Result<Vec<_>, ManifestError>>()?
            .into_iter();
        let mut seen = BTreeSet::new();
        let Some((first, mut until)) = keys.next() else {
            return Err(bad("no key".into()));
        };
        seen.insert(first.to_bytes());
        let mut history = KeyHistory::new(first);
        for (key, last_seq) in keys {
            if !seen.insert(key.to_bytes()) {
                return Err(bad(format!(
                    "the key {} appears twice in its history",
                    KeyId::of(&key)
                )));
            }
            let after = until.unwrap_or_default();
            history = history.replaced_after(after, key).ok_or_else(|| {
                bad(format!(
                    "retired_keys must be oldest first with increasing last_seq; {after} does not follow the key before"
                ))
            })?;
            until = last_seq;
        }
        Ok(history)
    }
}

/// How many of a set of members must agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quorum {
    /// Every one of them.
    All,
    /// More than half.
    Majority,
    /// At least this many.
    AtLeast(u32),
}

impl Quorum {
    /// How many of `n` members make the quorum.
    pub fn needed(self, n: usize) -> usize {
        match self {
            Quorum::All => n,
            Quorum::Majority => n / 2 + 1,
            Quorum::AtLeast(k) => (k as usize).min(n),
        }
    }
}

impl fmt::Display for Quorum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quorum::All => f.write_str("all"),
            Quorum::Majority => f.write_str("majority"),
            Quorum::AtLeast(k) => write!(f, "at least {k}"),
        }
    }
}

impl Serialize for Quorum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Quorum::All => s.serialize_str("all"),
            Quorum::Majority => s.serialize_str("majority"),
            Quorum::AtLeast(k) => s.serialize_u32(*k),
        }
    }
}

impl<'de> Deserialize<'de> for Quorum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Word(String),
            Count(u32),
        }
        match Raw::deserialize(d)? {
            Raw::Word(w) if w == "all" => Ok(Quorum::All),
            Raw::Word(w) if w == "majority" => Ok(Quorum::Majority),
            Raw::Count(k) if k > 0 => Ok(Quorum::AtLeast(k)),
            Raw::Word(w) => Err(serde::de::Error::custom(format!(
                "quorum {w:?}: expected \"all\", \"majority\" or a count of at least 1"
            ))),
            Raw::Count(_) => Err(serde::de::Error::custom(
                "quorum 0: a quorum needs at least one member",
            )),
        }
    }
}

/// The rules every member agreed to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Smallest count a statistics release may publish; counts from 1 to this
    /// minus 1 are suppressed.
    #[serde(default = "default_threshold")]
    pub min_threshold: u32,
    /// Differential-privacy budget (ε) each member may spend per calendar
    /// quarter, whatever the periods its noised releases are labelled with.
    #[serde(default = "default_epsilon_cap")]
    pub epsilon_cap: f64,
    /// The one length of period members publish at: "quarter" (the default),
    /// "month" or "year". Receivers refuse releases of any other.
    #[serde(default)]
    pub grain: Grain,
    /// The largest payload one event of a shared log may carry, in bytes: the
    /// Admin service refuses a larger one, and every receiver and auditor too.
    #[serde(default = "default_max_event_bytes")]
    pub max_event_bytes: u32,
    /// The most a noised release's case total may be off, as its standard error
    /// relative to the true number of cases, in percent: `remedy publish
    /// --epsilon` refuses a noisier release unless the operator passes
    /// `--accept-noise`. A member within it keeps every regional case total
    /// within it too.
    #[serde(default = "default_noise_rse_percent")]
    pub max_noise_rse_percent: u32,
    /// The least width of every suppressed figure's protection interval in an
    /// exact release (a protection level): 0 asks only that no hidden figure be
    /// one value or inside 1..K−1.
    #[serde(default)]
    pub protection_width: u32,
    /// Who must endorse a work-plan item: "all" (every member it names), "majority"
    /// or a count.
    #[serde(default = "default_all")]
    pub workplan_quorum: Quorum,
    /// Which share of the node members must sign a manifest (and its successor).
    #[serde(default = "default_all")]
    pub manifest_quorum: Quorum,
}

fn default_threshold() -> u32 {
    5
}

fn default_noise_rse_percent() -> u32 {
    10
}

fn default_max_event_bytes() -> u32 {
    crate::event::MAX_PAYLOAD as u32
}

/// The smallest `max_event_bytes` a policy may set: room for any release.
pub const MIN_EVENT_BYTES: u32 = 64 * 1024;

fn default_epsilon_cap() -> f64 {
    1.0
}

fn default_all() -> Quorum {
    Quorum::All
}

impl Policy {
    /// The rules every receiver checks releases under; an error names the
    /// setting that is unusable.
    pub fn release_rules(&self) -> Result<ReleaseRules, ManifestError> {
        if self.min_threshold < 2 {
            return Err(ManifestError::BadPolicy(format!(
                "min_threshold {} would publish single cases; it must be at least 2",
                self.min_threshold
            )));
        }
        if !(MIN_EVENT_BYTES..=default_max_event_bytes()).contains(&self.max_event_bytes) {
            return Err(ManifestError::BadPolicy(format!(
                "max_event_bytes {} is outside {MIN_EVENT_BYTES} to {} (the event format's limit)",
                self.max_event_bytes,
                default_max_event_bytes()
            )));
        }
        let epsilon_cap = Epsilon::from_config(self.epsilon_cap).map_err(|e| {
            ManifestError::BadPolicy(format!("epsilon_cap {}: {e}", self.epsilon_cap))
        })?;
        if !(1..=100).contains(&self.max_noise_rse_percent) {
            return Err(ManifestError::BadPolicy(format!(
                "max_noise_rse_percent {} is outside 1 to 100 (percent of the true case total)",
                self.max_noise_rse_percent
            )));
        }
        Ok(ReleaseRules {
            min_threshold: self.min_threshold.into(),
            epsilon_cap,
            grain: self.grain,
            max_noise_rse_percent: self.max_noise_rse_percent.into(),
            protection_width: self.protection_width.into(),
        })
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            min_threshold: default_threshold(),
            epsilon_cap: default_epsilon_cap(),
            grain: Grain::default(),
            max_event_bytes: default_max_event_bytes(),
            max_noise_rse_percent: default_noise_rse_percent(),
            protection_width: 0,
            workplan_quorum: Quorum::All,
            manifest_quorum: Quorum::All,
        }
    }
}

/// The `[federation]` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Federation {
    pub name: String,
    /// 1 for the first manifest, then one more for each change.
    pub version: u64,
    /// Hex SHA-256 of the previous version's body; absent for version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
}

/// The signed content of a manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    pub federation: Federation,
    pub policy: Policy,
    pub members: Vec<Member>,
}

/// One member's signature over a manifest body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSignature {
    pub member: MemberId,
    /// ed25519 signature over the body bytes, 128 hex digits.
    pub signature: String,
}

/// Why a manifest was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ManifestError {
    #[error("not a remedy-net manifest: the first line must be {:?}", HEADER.trim_end())]
    NoHeader,
    #[error("the line {:?} that ends the signed part is missing", SIGNATURES_MARKER.trim_end())]
    NoMarker,
    #[error("line {line}, column {column}: {message}")]
    Toml {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "the signed part holds a [[signatures]] table; signatures belong after the marker line"
    )]
    SignaturesInBody,
    #[error("member {0} appears twice")]
    DuplicateMember(MemberId),
    #[error(
        "members {first} and {second} have the same {what} {value}; every member needs its own (a key or certificate names one party)"
    )]
    Shared {
        first: MemberId,
        second: MemberId,
        what: &'static str,
        value: String,
    },
    #[error("no member has the role node; a federation needs at least one")]
    NoNodes,
    #[error("member {member}: {source}")]
    BadKey { member: MemberId, source: KeyError },
    #[error("member {member}: {reason}")]
    KeyHistory { member: MemberId, reason: String },
    #[error(
        "member {member}: a key change must keep the keys before it and retire the replaced key after the last event it signed: {reason}"
    )]
    KeyRewritten { member: MemberId, reason: String },
    #[error("member {member}: tls_fingerprint must be 64 hex digits")]
    BadFingerprint { member: MemberId },
    #[error("member {member} is a node but has no endpoint")]
    NoEndpoint { member: MemberId },
    #[error("version 1 cannot name a previous manifest, and later versions must")]
    BadPrevious,
    #[error("[policy] {0}")]
    BadPolicy(String),
    #[error("signature by {0} does not verify over the manifest body")]
    BadSignature(MemberId),
    #[error("{0} signed twice")]
    DuplicateSignature(MemberId),
    #[error(
        "signed by {have} of {of} node members ({signers}); the policy needs {needed}: missing {missing}"
    )]
    NoQuorum {
        have: usize,
        needed: usize,
        of: usize,
        signers: String,
        missing: String,
    },
    #[error("version {found} does not follow version {previous}")]
    NotNext { previous: u64, found: u64 },
    #[error(
        "it names previous body {found}, but the previous manifest's body hashes to {expected}"
    )]
    WrongPrevious { expected: String, found: String },
    #[error("federation name changed from {from:?} to {to:?}")]
    Renamed { from: String, to: String },
}

/// A parsed manifest: the exact body bytes, their content, and the signatures.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    body_text: String,
    pub body: Body,
    pub signatures: Vec<ManifestSignature>,
}

#[derive(Deserialize)]
struct SignatureSection {
    #[serde(default)]
    signatures: Vec<ManifestSignature>,
}

impl Manifest {
    /// Writes a new, unsigned manifest from its content.
    pub fn new(body: Body) -> Self {
        let toml = toml::to_string(&body).unwrap_or_default();
        let body_text = format!("{HEADER}{toml}\n{SIGNATURES_MARKER}");
        Self {
            body_text,
            body,
            signatures: Vec::new(),
        }
    }

    /// Parses a manifest file. Checks structure and member entries, not signatures.
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        if !text.starts_with(HEADER) {
            return Err(ManifestError::NoHeader);
        }
        // The marker is a line of its own: its bytes inside a line (in a string,
        // say) do not end the body.
        let at = text
            .find(&format!("\n{SIGNATURES_MARKER}"))
            .map(|newline| newline + 1)
            .ok_or(ManifestError::NoMarker)?;
        let (body_text, rest) = text.split_at(at + SIGNATURES_MARKER.len());
        let body: Body = toml::from_str(body_text).map_err(|e| toml_error(body_text, 0, &e))?;
        let section: SignatureSection =
            toml::from_str(rest).map_err(|e| toml_error(rest, body_text.lines().count(), &e))?;
        if toml::from_str::<toml::Table>(body_text).is_ok_and(|t| t.contains_key("signatures")) {
            return Err(ManifestError::SignaturesInBody);
        }
        let manifest = Self {
            body_text: body_text.to_string(),
            body,
            signatures: section.signatures,
        };
        manifest.check_members()?;
        manifest.body.policy.release_rules()?;
        Ok(manifest)
    }

    fn check_members(&self) -> Result<(), ManifestError> {
        let mut seen = BTreeSet::new();
        // Who holds each key (current or retired) and each certificate.
        let mut keys: BTreeMap<String, MemberId> = BTreeMap::new();
        let mut certificates: BTreeMap<String, MemberId> = BTreeMap::new();
        for m in &self.body.members {
            if !seen.insert(&m.id) {
                return Err(ManifestError::DuplicateMember(m.id.clone()));
            }
            let shared = |held: &mut BTreeMap<String, MemberId>, what, value: &str| {
                let value = value.to_ascii_lowercase();
                match held.insert(value.clone(), m.id.clone()) {
                    Some(first) if first != m.id => Err(ManifestError::Shared {
                        first,
                        second: m.id.clone(),
                        what,
                        value,
                    }),
                    _ => Ok(()),
                }
            };
            for key in m.retired_keys.iter().map(|r| &r.public_key) {
                shared(&mut keys, "public key", key)?;
            }
            shared(&mut keys, "public key", &m.public_key)?;
            shared(&mut certificates, "tls_fingerprint", &m.tls_fingerprint)?;
            m.key_history()?;
            if m.tls_fingerprint.len() != 64 || hex::decode(&m.tls_fingerprint).is_err() {
                return Err(ManifestError::BadFingerprint {
                    member: m.id.clone(),
                });
            }
            if m.role == Role::Node && m.endpoint.is_empty() {
                return Err(ManifestError::NoEndpoint {
                    member: m.id.clone(),
                });
            }
        }
        if !self.body.members.iter().any(|m| m.role == Role::Node) {
            return Err(ManifestError::NoNodes);
        }
        if (self.body.federation.version == 1) != self.body.federation.previous.is_none() {
            return Err(ManifestError::BadPrevious);
        }
        Ok(())
    }

    /// The whole file: body, then one `[[signatures]]` table per signature.
    pub fn to_text(&self) -> String {
        let mut out = self.body_text.clone();
        for s in &self.signatures {
            out.push_str(&format!(
                "\n[[signatures]]\nmember = \"{}\"\nsignature = \"{}\"\n",
                s.member, s.signature
            ));
        }
        out
    }

    /// The exact bytes members sign.
    pub fn body_bytes(&self) -> &[u8] {
        self.body_text.as_bytes()
    }

    /// Hex SHA-256 of the body: what the next version names as `previous`.
    pub fn body_hash(&self) -> String {
        hex::encode(Sha256::digest(self.body_bytes()))
    }

    pub fn version(&self) -> u64 {
        self.body.federation.version
    }

    pub fn member(&self, id: &MemberId) -> Option<&Member> {
        self.body.members.iter().find(|m| &m.id == id)
    }

    /// Node members: the ones that sign manifests.
    pub fn nodes(&self) -> impl Iterator<Item = &Member> {
        self.body.members.iter().filter(|m| m.role == Role::Node)
    }

    /// Adds (or replaces) `member`'s signature.
    pub fn sign(&mut self, member: &MemberId, key: &SigningKey) {
        let signature = hex::encode(key.sign(self.body_bytes()).to_bytes());
        self.signatures.retain(|s| &s.member != member);
        self.signatures.push(ManifestSignature {
            member: member.clone(),
            signature,
        });
    }

    /// Checks the signatures against the node members of `signers` (this manifest
    /// for version 1, the previous version for later ones) and its quorum.
    ///
    /// Signatures by anyone else (a member who joins in this version, say) are
    /// ignored, as a signed-note verifier ignores keys it does not know: they neither
    /// count nor invalidate. A signature by a signer that does not verify is an error.
    fn check_signatures(&self, signers: &Manifest) -> Result<(), ManifestError> {
        let mut valid = BTreeSet::new();
        for s in &self.signatures {
            let Some(member) = signers.nodes().find(|m| m.id == s.member) else {
                continue;
            };
            let mut bytes = [0u8; 64];
            hex::decode_to_slice(&s.signature, &mut bytes)
                .map_err(|_| ManifestError::BadSignature(s.member.clone()))?;
            let key = member.verifying_key()?;
            key.verify_strict(self.body_bytes(), &Signature::from_bytes(&bytes))
                .map_err(|_| ManifestError::BadSignature(s.member.clone()))?;
            if !valid.insert(s.member.clone()) {
                return Err(ManifestError::DuplicateSignature(s.member.clone()));
            }
        }
        let nodes: Vec<&MemberId> = signers.nodes().map(|m| &m.id).collect();
        let needed = signers.body.policy.manifest_quorum.needed(nodes.len());
        if valid.len() < needed {
            let join = |ids: Vec<&MemberId>| {
                ids.iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(ManifestError::NoQuorum {
                have: valid.len(),
                needed,
                of: nodes.len(),
                signers: join(valid.iter().collect()),
                missing: join(
                    nodes
                        .iter()
                        .copied()
                        .filter(|m| !valid.contains(*m))
                        .collect(),
                ),
            });
        }
        Ok(())
    }

    /// Verifies a first version: signed by the quorum of its own node members.
    pub fn verify_genesis(&self) -> Result<(), ManifestError> {
        if self.version() != 1 {
            return Err(ManifestError::NotNext {
                previous: 0,
                found: self.version(),
            });
        }
        self.check_signatures(self)
    }

    /// Verifies a manifest of any version taken on trust as the starting point (a
    /// member that joins in a later version starts from that version): signed by
    /// the quorum of its own node members.
    pub fn verify_starting_point(&self) -> Result<(), ManifestError> {
        self.check_signatures(self)
    }

    /// Verifies that `self` may replace `previous`: the next version, naming the
    /// previous body, signed by the quorum of the previous version's node members.
    pub fn verify_successor(&self, previous: &Manifest) -> Result<(), ManifestError> {
        if self.version() != previous.version() + 1 {
            return Err(ManifestError::NotNext {
                previous: previous.version(),
                found: self.version(),
            });
        }
        if self.body.federation.name != previous.body.federation.name {
            return Err(ManifestError::Renamed {
                from: previous.body.federation.name.clone(),
                to: self.body.federation.name.clone(),
            });
        }
        let expected = previous.body_hash();
        let found = self.body.federation.previous.clone().unwrap_or_default();
        if found != expected {
            return Err(ManifestError::WrongPrevious { expected, found });
        }
        for before in previous.nodes() {
            if let Some(now) = self.member(&before.id) {
                check_key_change(before, now)?;
            }
        }
        self.check_signatures(previous)
    }
}

impl Manifest {
    /// Checks the node members of this version that were not node members of
    /// the version before (removed and added again, or made a node again): each
    /// keeps the key history it had the last time it was a node member in
    /// `earlier` (the versions accepted before this one), under the rules of a
    /// key change. Without this, a member could come back with another key and
    /// give its past events to it.
    pub fn verify_returning(&self, earlier: &[Manifest]) -> Result<(), ManifestError> {
        let Some(previous) = earlier.iter().max_by_key(|m| m.version()) else {
            return Ok(());
        };
        for now in self.nodes() {
            if previous.nodes().any(|m| m.id == now.id) {
                continue;
            }
            let last_time = earlier
                .iter()
                .filter(|m| m.version() < self.version())
                .filter_map(|m| Some((m.version(), m.nodes().find(|n| n.id == now.id)?)))
                .max_by_key(|(version, _)| *version);
            if let Some((version, before)) = last_time {
                check_key_change(before, now).map_err(|e| match e {
                    ManifestError::KeyRewritten { member, reason } => ManifestError::KeyRewritten {
                        member,
                        reason: format!(
                            "it returns as a node member after version {version}, where it was one last: {reason}"
                        ),
                    },
                    other => other,
                })?;
            }
        }
        Ok(())
    }
}

/// A node member's keys from one version to the next: unchanged, or the old key
/// retired after a stated event, with every earlier retirement kept as it was. A
/// change can never give past events to a different key.
fn check_key_change(before: &Member, now: &Member) -> Result<(), ManifestError> {
    let rewritten = |reason: String| ManifestError::KeyRewritten {
        member: now.id.clone(),
        reason,
    };
    let kept = now.retired_keys.get(..before.retired_keys.len());
    if kept != Some(before.retired_keys.as_slice()) {
        return Err(rewritten("the earlier retired_keys were changed".into()));
    }
    let added = &now.retired_keys[before.retired_keys.len()..];
    match added {
        [] if now.public_key == before.public_key => Ok(()),
        [] => Err(rewritten(format!(
            "public_key changed, but the old key {} is not listed in retired_keys with the last event it signed",
            before.public_key
        ))),
        [retired]
            if retired.public_key == before.public_key && now.public_key != before.public_key =>
        {
            Ok(())
        }
        [retired] => Err(rewritten(format!(
            "the key retired now, {}, is not the key of the version before, {}",
            retired.public_key, before.public_key
        ))),
        _ => Err(rewritten(format!(
            "{} keys retired at once; one version replaces one key",
            added.len()
        ))),
    }
}

/// Turns a TOML error into one with a line and column in the whole file.
fn toml_error(text: &str, line_offset: usize, e: &toml::de::Error) -> ManifestError {
    let (line, column) = e
        .span()
        .map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
            (line, column)
        })
        .unwrap_or((1, 1));
    ManifestError::Toml {
        line: line + line_offset,
        column,
        message: e.message().to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn member(id: &str, role: Role, key: &SigningKey) -> Member {
        Member {
            id: MemberId::new(id).unwrap(),
            name: format!("{id} agency"),
            role,
            public_key: hex::encode(key.verifying_key().as_bytes()),
            tls_fingerprint: format!("{:0>64}", hex::encode(id)),
            endpoint: if role == Role::Node {
                "127.0.0.1:7401".into()
            } else {
                String::new()
            },
            retired_keys: Vec::new(),
        }
    }

    struct Fixture {
        keys: Vec<(MemberId, SigningKey)>,
        manifest: Manifest,
    }

    fn fixture(quorum: Quorum) -> Fixture {
        let keys: Vec<(MemberId, SigningKey)> = ["KH", "ID", "VN", "JP"]
            .iter()
            .enumerate()
            .map(|(i, id)| {
                (
                    MemberId::new(*id).unwrap(),
                    SigningKey::from_seed([i as u8 + 1; 32]),
                )
            })
            .collect();
        let mut members: Vec<Member> = keys
            .iter()
            .map(|(id, k)| member(id.as_str(), Role::Node, k))
            .collect();
        members.push(member(
            "ILO",
            Role::Coordinator,
            &SigningKey::from_seed([9; 32]),
        ));
        let body = Body {
            federation: Federation {
                name: "pilot".into(),
                version: 1,
                previous: None,
            },
            policy: Policy {
                manifest_quorum: quorum,
                ..Policy::default()
            },
            members,
        };
        Fixture {
            keys,
            manifest: Manifest::new(body),
        }
    }

    #[test]
    fn signatures_are_over_the_exact_body_and_survive_a_round_trip() {
        let Fixture { keys, mut manifest } = fixture(Quorum::All);
        let body_before = manifest.body_bytes().to_vec();
        for (id, key) in &keys {
            manifest.sign(id, key);
            // Re-reading the file gives the same body bytes each time.
            manifest = Manifest::parse(&manifest.to_text()).unwrap();
            assert_eq!(manifest.body_bytes(), body_before.as_slice());
        }
        assert_eq!(manifest.verify_genesis(), Ok(()));
        assert_eq!(manifest.signatures.len(), 4);
    }

    #[test]
    fn missing_signatures_are_named() {
        let Fixture { keys, mut manifest } = fixture(Quorum::All);
        manifest.sign(&keys[0].0, &keys[0].1);
        manifest.sign(&keys[3].0, &keys[3].1);
        let err = manifest.verify_genesis().unwrap_err();
        assert_eq!(
            err.to_string(),
            "signed by 2 of 4 node members (JP, KH); the policy needs 4: missing ID, VN"
        );
        let Fixture { keys, mut manifest } = fixture(Quorum::Majority);
        for (id, key) in keys.iter().take(3) {
            manifest.sign(id, key);
        }
        assert_eq!(manifest.verify_genesis(), Ok(()));
    }

    #[test]
    fn a_changed_body_or_a_stranger_breaks_verification() {
        let Fixture { keys, mut manifest } = fixture(Quorum::All);
        for (id, key) in &keys {
            manifest.sign(id, key);
        }
        let tampered = manifest
            .to_text()
            .replace("min_threshold = 5", "min_threshold = 2");
        let err = Manifest::parse(&tampered)
            .unwrap()
            .verify_genesis()
            .unwrap_err();
        assert!(matches!(err, ManifestError::BadSignature(_)), "{err}");

        let mut stranger = manifest.clone();
        stranger.sign(
            &MemberId::new("ILO").unwrap(),
            &SigningKey::from_seed([9; 32]),
        );
        // A signature by someone who is not a signing member neither counts nor breaks.
        assert_eq!(stranger.verify_genesis(), Ok(()));
        stranger.signatures.retain(|s| s.member.as_str() != "KH");
        assert!(matches!(
            stranger.verify_genesis(),
            Err(ManifestError::NoQuorum { have: 3, .. })
        ));
    }

    #[test]
    fn a_successor_needs_the_previous_quorum() {
        let Fixture { keys, mut manifest } = fixture(Quorum::Majority);
        for (id, key) in &keys {
            manifest.sign(id, key);
        }
        // The Philippines joins: version 2, signed by three of the four old members.
        let ph_key = SigningKey::from_seed([20; 32]);
        let mut body = manifest.body.clone();
        body.federation.version = 2;
        body.federation.previous = Some(manifest.body_hash());
        body.members.push(member("PH", Role::Node, &ph_key));
        let mut next = Manifest::new(body);
        next.sign(&MemberId::new("PH").unwrap(), &ph_key);
        assert!(matches!(
            next.verify_successor(&manifest),
            Err(ManifestError::NoQuorum { have: 0, .. })
        ));
        next.sign(&keys[0].0, &keys[0].1);
        next.sign(&keys[1].0, &keys[1].1);
        assert!(matches!(
            next.verify_successor(&manifest),
            Err(ManifestError::NoQuorum { needed: 3, .. })
        ));
        next.sign(&keys[2].0, &keys[2].1);
        assert_eq!(next.verify_successor(&manifest), Ok(()));

        // A version that skips one, or names another body, is refused.
        let mut skip = next.clone();
        skip.body.federation.version = 3;
        assert!(matches!(
            skip.verify_successor(&manifest),
            Err(ManifestError::NotNext { .. })
        ));
        let other = Manifest::parse(
            &next
                .to_text()
                .replace(&manifest.body_hash(), &"00".repeat(32)),
        )
        .unwrap();
        assert!(matches!(
            other.verify_successor(&manifest),
            Err(ManifestError::WrongPrevious { .. })
        ));
    }

    #[test]
    fn a_member_removed_and_added_again_keeps_its_key_history() {
        let Fixture { keys, manifest } = fixture(Quorum::All);
        let kh = keys[0].0.clone();
        let next = |from: &Manifest, change: &dyn Fn(&mut Body)| {
            let mut body = from.body.clone();
            body.federation.version += 1;
            body.federation.previous = Some(from.body_hash());
            change(&mut body);
            Manifest::new(body)
        };
        let kh_entry = manifest.member(&kh).unwrap().clone();
        let v2 = next(&manifest, &|b| b.members.retain(|m| m.id != kh));
        // Back with its old key: accepted.
        let back = next(&v2, &|b| b.members.insert(0, kh_entry.clone()));
        assert_eq!(
            back.verify_returning(&[manifest.clone(), v2.clone()]),
            Ok(())
        );
        // Back with another key and no retirement: its past events would change key.
        let other = SigningKey::from_seed([31; 32]).verifying_key();
        let rewritten = next(&v2, &|b| {
            let mut entry = kh_entry.clone();
            entry.public_key = hex::encode(other.as_bytes());
            b.members.insert(0, entry);
        });
        let err = rewritten
            .verify_returning(&[manifest.clone(), v2.clone()])
            .unwrap_err();
        assert!(
            matches!(&err, ManifestError::KeyRewritten { reason, .. } if reason.contains("after version 1")),
            "{err}"
        );
        // A member that was never a node is new: nothing to keep.
        assert_eq!(rewritten.verify_returning(&[v2]), Ok(()));
    }

    #[test]
    fn a_key_change_retires_the_old_key_after_a_stated_event() {
        let Fixture { keys, mut manifest } = fixture(Quorum::All);
        for (id, key) in &keys {
            manifest.sign(id, key);
        }
        let (kh, old) = (keys[0].0.clone(), keys[0].1.verifying_key());
        let new = SigningKey::from_seed([30; 32]).verifying_key();
        let next_with = |change: &dyn Fn(&mut Member)| {
            let mut body = manifest.body.clone();
            body.federation.version = 2;
            body.federation.previous = Some(manifest.body_hash());
            change(body.members.iter_mut().find(|m| m.id == kh).unwrap());
            let mut next = Manifest::parse(&Manifest::new(body).to_text())?;
            for (id, key) in &keys {
                next.sign(id, key);
            }
            next.verify_successor(&manifest).map(|()| next)
        };
        let next = next_with(&|m| {
            m.public_key = hex::encode(new.as_bytes());
            m.retired_keys.push(RetiredKey {
                public_key: hex::encode(old.as_bytes()),
                last_seq: 12,
            });
        })
        .expect("a proper key change");
        let history = next.member(&kh).unwrap().key_history().unwrap();
        assert_eq!((history.key_for(12), history.key_for(13)), (&old, &new));
        // The text form survives a round trip.
        assert_eq!(Manifest::parse(&next.to_text()).unwrap(), next);

        // A new key without saying until when the old one signed.
        let err = next_with(&|m| m.public_key = hex::encode(new.as_bytes())).unwrap_err();
        assert!(matches!(err, ManifestError::KeyRewritten { .. }), "{err}");
        // Retiring some other key, or giving old events to a new key.
        let err = next_with(&|m| {
            m.public_key = hex::encode(new.as_bytes());
            m.retired_keys.push(RetiredKey {
                public_key: hex::encode(SigningKey::from_seed([31; 32]).verifying_key().as_bytes()),
                last_seq: 12,
            });
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("is not the key of the version before"),
            "{err}"
        );
        // A history whose last_seq goes backwards does not even parse.
        let mut member = next.member(&kh).unwrap().clone();
        member.retired_keys.push(RetiredKey {
            public_key: hex::encode(SigningKey::from_seed([32; 32]).verifying_key().as_bytes()),
            last_seq: 5,
        });
        let err = member.key_history().unwrap_err();
        assert!(err.to_string().contains("increasing last_seq"), "{err}");
    }

    #[test]
    fn an_unusable_policy_is_refused_when_parsed() {
        let text = fixture(Quorum::All).manifest.to_text();
        assert!(text.contains("grain = \"quarter\""), "{text}");
        for (from, to, says) in [
            (
                "epsilon_cap = 1.0",
                "epsilon_cap = nan",
                "[policy] epsilon_cap NaN",
            ),
            (
                "epsilon_cap = 1.0",
                "epsilon_cap = -1.0",
                "[policy] epsilon_cap -1",
            ),
            (
                "min_threshold = 5",
                "min_threshold = 1",
                "would publish single cases",
            ),
            (
                "grain = \"quarter\"",
                "grain = \"week\"",
                "unknown variant `week`",
            ),
            (
                "max_event_bytes = 1048576",
                "max_event_bytes = 100",
                "max_event_bytes 100 is outside",
            ),
        ] {
            let err = Manifest::parse(&text.replace(from, to)).unwrap_err();
            assert!(err.to_string().contains(says), "{to}: {err}");
        }
        let monthly = Manifest::parse(&text.replace("\"quarter\"", "\"month\"")).unwrap();
        assert_eq!(
            monthly.body.policy.release_rules().unwrap().grain,
            Grain::Month
        );
    }

    #[test]
    fn malformed_files_say_where() {
        assert_eq!(
            Manifest::parse("[federation]\n"),
            Err(ManifestError::NoHeader)
        );
        let Fixture { manifest, .. } = fixture(Quorum::All);
        let text = manifest.to_text();
        assert_eq!(
            Manifest::parse(&text.replace(SIGNATURES_MARKER, "")),
            Err(ManifestError::NoMarker)
        );
        let bad = text.replace("version = 1", "version = \"one\"");
        match Manifest::parse(&bad).unwrap_err() {
            ManifestError::Toml { line, column, .. } => {
                let expected = bad.lines().position(|l| l.starts_with("version")).unwrap() + 1;
                assert_eq!((line, column), (expected, 11));
            }
            other => panic!("{other}"),
        }
        // The marker's bytes inside a line do not end the body; the marker line
        // after them does.
        let inline = text.replacen(
            "name = \"",
            &format!("name = \"{}", SIGNATURES_MARKER.trim_end()),
            1,
        );
        let parsed = Manifest::parse(&inline).unwrap();
        assert!(
            parsed
                .body_bytes()
                .ends_with(format!("\n{SIGNATURES_MARKER}").as_bytes())
        );
        assert_eq!(parsed.signatures, manifest.signatures);
        // Two members with one certificate, or one key.
        for field in ["tls_fingerprint", "public_key"] {
            let mut body = manifest.body.clone();
            let first = body.members[0].clone();
            let second = &mut body.members[1];
            match field {
                "tls_fingerprint" => second.tls_fingerprint = first.tls_fingerprint.to_uppercase(),
                _ => second.public_key = first.public_key.clone(),
            }
            let err = Manifest::parse(&Manifest::new(body).to_text()).unwrap_err();
            assert!(
                matches!(&err, ManifestError::Shared { what, .. } if what.contains(field.split('_').next_back().unwrap())),
                "{field}: {err}"
            );
        }
        let dup = text.replace("id = \"ID\"", "id = \"KH\"");
        assert_eq!(
            Manifest::parse(&dup),
            Err(ManifestError::DuplicateMember(MemberId::new("KH").unwrap()))
        );
        let quorum = text.replace("manifest_quorum = \"all\"", "manifest_quorum = \"most\"");
        assert!(
            Manifest::parse(&quorum)
                .unwrap_err()
                .to_string()
                .contains("expected \"all\", \"majority\"")
        );
    }
}
