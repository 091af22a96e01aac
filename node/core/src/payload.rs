//! Payload kinds and their versioned encodings.
//!
//! The envelope carries a payload kind and a payload version next to the payload
//! bytes. A payload type implements [`Payload`]: it encodes at its current version and
//! decodes every version it ever wrote, upgrading old ones, so an event signed years
//! ago stays readable after the format moved on. An unknown kind or version is an
//! error the caller can report, never a panic.

use std::fmt;

/// The kind of a payload, as carried in the envelope.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PayloadKind(pub u16);

impl PayloadKind {
    /// A free-text note from an operator. Also the payload the benchmarks append.
    pub const NOTE: PayloadKind = PayloadKind(1);

    /// A batch of case records. Private: only ever in a private log.
    pub const CASES: PayloadKind = PayloadKind(2);

    /// The end of a case import. Private.
    pub const IMPORT_COMMIT: PayloadKind = PayloadKind(3);

    /// A statistics release: anonymised tables after disclosure control. Shared.
    pub const RELEASE: PayloadKind = PayloadKind(4);

    /// The seed a noised release drew its noise from. Private: with it, the noise
    /// could be taken off the published counts.
    pub const NOISE_SEED: PayloadKind = PayloadKind(5);

    /// A recommendation from a national workshop. Shared, like every plan kind
    /// below (see the `plan` module).
    pub const RECOMMENDATION: PayloadKind = PayloadKind(6);
    /// A change of a recommendation's status, by its author.
    pub const RECOMMENDATION_STATUS: PayloadKind = PayloadKind(7);
    /// A pilot project's progress report (aggregate indicators).
    pub const PILOT_REPORT: PayloadKind = PayloadKind(8);
    /// An item proposed for the joint regional work plan.
    pub const WORKPLAN_ITEM: PayloadKind = PayloadKind(9);
    /// A member's endorsement of a work-plan item.
    pub const ENDORSEMENT: PayloadKind = PayloadKind(10);
    /// A member's objection to a work-plan item.
    pub const OBJECTION: PayloadKind = PayloadKind(11);
    /// Progress of an item: a date, a note, milestones reached, indicator
    /// values, and the status its lead records.
    pub const ITEM_UPDATE: PayloadKind = PayloadKind(12);
    /// A new version of a work-plan item, made from the one before.
    pub const ITEM_AMENDMENT: PayloadKind = PayloadKind(13);
    /// A member proposes a version of an item (its endorsement of it).
    pub const ITEM_PROPOSAL: PayloadKind = PayloadKind(14);
    /// The proposer's or lead's answer to an objection.
    pub const ANSWER: PayloadKind = PayloadKind(15);
    /// A comment on an item or a recommendation.
    pub const COMMENT: PayloadKind = PayloadKind(16);
    /// A request for members' positions on a version by a date.
    pub const POSITION_REQUEST: PayloadKind = PayloadKind(17);
    /// A plan record signed by a coordinator, carried in a member's log
    /// (the `statement` module).
    pub const STATEMENT: PayloadKind = PayloadKind(18);
    /// A member registers a partner organisation and its keys (`partner`).
    pub const PARTNER: PayloadKind = PayloadKind(19);
    /// A member retires a partner's key.
    pub const PARTNER_RETIREMENT: PayloadKind = PayloadKind(20);
    /// A national consultation workshop: participation counts, agenda,
    /// summary, the recommendations it validated (`workshop`).
    pub const WORKSHOP: PayloadKind = PayloadKind(21);
    /// A pilot project with its indicators, baselines and targets (`pilot`).
    pub const PILOT: PayloadKind = PayloadKind(22);
    /// Values of a pilot's indicators at a date, with lessons and problems.
    pub const PILOT_PROGRESS: PayloadKind = PayloadKind(23);
    /// A translation of a record's texts into one of the federation's languages.
    pub const TRANSLATION: PayloadKind = PayloadKind(24);

    /// Every kind this build knows, with its name.
    pub const KNOWN: &'static [(PayloadKind, &'static str)] = &[
        (PayloadKind::NOTE, "note"),
        (PayloadKind::CASES, "cases"),
        (PayloadKind::IMPORT_COMMIT, "import-commit"),
        (PayloadKind::RELEASE, "release"),
        (PayloadKind::NOISE_SEED, "noise-seed"),
        (PayloadKind::RECOMMENDATION, "recommendation"),
        (PayloadKind::RECOMMENDATION_STATUS, "recommendation-status"),
        (PayloadKind::PILOT_REPORT, "pilot-report"),
        (PayloadKind::WORKPLAN_ITEM, "workplan-item"),
        (PayloadKind::ENDORSEMENT, "endorsement"),
        (PayloadKind::OBJECTION, "objection"),
        (PayloadKind::ITEM_UPDATE, "item-update"),
        (PayloadKind::ITEM_AMENDMENT, "item-amendment"),
        (PayloadKind::ITEM_PROPOSAL, "item-proposal"),
        (PayloadKind::ANSWER, "objection-answer"),
        (PayloadKind::COMMENT, "comment"),
        (PayloadKind::POSITION_REQUEST, "position-request"),
        (PayloadKind::STATEMENT, "statement"),
        (PayloadKind::PARTNER, "partner"),
        (PayloadKind::PARTNER_RETIREMENT, "partner-retirement"),
        (PayloadKind::WORKSHOP, "workshop"),
        (PayloadKind::PILOT, "pilot"),
        (PayloadKind::PILOT_PROGRESS, "pilot-progress"),
        (PayloadKind::TRANSLATION, "translation"),
    ];

    /// Kinds about individuals' records: never in a shared log.
    pub fn is_private(self) -> bool {
        matches!(
            self,
            PayloadKind::CASES | PayloadKind::IMPORT_COMMIT | PayloadKind::NOISE_SEED
        )
    }

    /// Kinds every event of which carries its own signature: statements cited on
    /// their own (releases and every plan record), which a reader checks one by
    /// one without the log around them. Notes and private records may be linked.
    pub fn signed_alone(self) -> bool {
        !self.is_private() && self != PayloadKind::NOTE
    }

    pub fn name(self) -> Option<&'static str> {
        Self::KNOWN
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, n)| *n)
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::KNOWN
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(k, _)| *k)
    }
}

impl fmt::Display for PayloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "kind-{}", self.0),
        }
    }
}

impl fmt::Debug for PayloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PayloadKind({self})")
    }
}

/// Why a payload could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PayloadError {
    #[error("payload kind {0} is unknown to this build")]
    UnknownKind(PayloadKind),
    #[error("payload kind {0} holds individual records and may only be in a private log")]
    PrivateKind(PayloadKind),
    #[error(
        "a {kind} payload of {bytes} bytes is over the federation's limit of {limit} bytes per event (the manifest's policy, max_event_bytes)"
    )]
    TooLarge {
        kind: PayloadKind,
        bytes: usize,
        limit: usize,
    },
    #[error("payload kind {found} where {expected} was expected")]
    WrongKind {
        expected: PayloadKind,
        found: PayloadKind,
    },
    #[error(
        "{kind} payload version {version} is unknown to this build (it reads versions 1 to {newest})"
    )]
    UnknownVersion {
        kind: PayloadKind,
        version: u16,
        newest: u16,
    },
    #[error("{kind} payload v{version} is malformed: {reason}")]
    Malformed {
        kind: PayloadKind,
        version: u16,
        reason: String,
    },
}

/// What a caller asks to append: everything but the chain position, time and
/// signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub kind: PayloadKind,
    pub version: u16,
    pub payload: Vec<u8>,
}

/// What carries a payload: an event (`event::SignedEvent`), whose module builds
/// on this one.
pub trait Carried {
    fn kind(&self) -> PayloadKind;
    fn version(&self) -> u16;
    fn payload(&self) -> &[u8];
}

/// A payload type with a versioned encoding.
pub trait Payload: Sized {
    const KIND: PayloadKind;
    /// The version `encode` writes.
    const VERSION: u16;

    fn encode(&self) -> Vec<u8>;

    /// Decodes any version this type ever wrote, upgrading old ones.
    fn decode(version: u16, bytes: &[u8]) -> Result<Self, PayloadError>;

    /// A draft for appending this payload at its current version.
    fn to_draft(&self) -> Draft {
        Draft {
            kind: Self::KIND,
            version: Self::VERSION,
            payload: self.encode(),
        }
    }

    /// Decodes the payload of an event, checking its kind.
    fn from_event(event: &impl Carried) -> Result<Self, PayloadError> {
        if event.kind() != Self::KIND {
            return Err(PayloadError::WrongKind {
                expected: Self::KIND,
                found: event.kind(),
            });
        }
        Self::decode(event.version(), event.payload())
    }
}

/// Implements [`Payload`] for a JSON payload type: `json_payload!(Type, KIND,
/// VERSION, validate)` checks every decoded value with `validate`
/// (`fn(&Type) -> Result<(), String>`); a type at version 2 that still reads
/// version 1 adds `v1: OldType => upgrade` (`fn(OldType) -> Result<Type,
/// String>`, which makes its own checks). A failed check is `Malformed` with the
/// reason. Unknown fields are the types' own business (`deny_unknown_fields`).
macro_rules! json_payload {
    ($type:ty, $kind:expr, $version:literal, $validate:expr $(, v1: $old:ty => $upgrade:expr)?) => {
        impl $crate::payload::Payload for $type {
            const KIND: $crate::payload::PayloadKind = $kind;
            const VERSION: u16 = $version;

            fn encode(&self) -> Vec<u8> {
                serde_json::to_vec(self).unwrap_or_default()
            }

            fn decode(
                version: u16,
                bytes: &[u8],
            ) -> Result<Self, $crate::payload::PayloadError> {
                let bad = |reason: String| $crate::payload::PayloadError::Malformed {
                    kind: Self::KIND,
                    version,
                    reason,
                };
                $(
                    if version == 1 {
                        let old: $old = $crate::payload::decode_json(Self::KIND, 1, 1, bytes)?;
                        let upgrade: fn($old) -> Result<Self, String> = $upgrade;
                        return upgrade(old).map_err(bad);
                    }
                )?
                let value: Self =
                    $crate::payload::decode_json(Self::KIND, Self::VERSION, version, bytes)?;
                let validate: fn(&Self) -> Result<(), String> = $validate;
                validate(&value).map_err(bad)?;
                Ok(value)
            }
        }
    };
}
pub(crate) use json_payload;

/// Decodes a payload stored as JSON, at the one version `T` writes so far.
pub fn decode_json<T: serde::de::DeserializeOwned>(
    kind: PayloadKind,
    newest: u16,
    version: u16,
    bytes: &[u8],
) -> Result<T, PayloadError> {
    if version != newest {
        return Err(PayloadError::UnknownVersion {
            kind,
            version,
            newest,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| PayloadError::Malformed {
        kind,
        version,
        reason: e.to_string(),
    })
}

/// A free-text note (version 1: the UTF-8 text itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub text: String,
}

impl Payload for Note {
    const KIND: PayloadKind = PayloadKind::NOTE;
    const VERSION: u16 = 1;

    fn encode(&self) -> Vec<u8> {
        self.text.as_bytes().to_vec()
    }

    fn decode(version: u16, bytes: &[u8]) -> Result<Self, PayloadError> {
        match version {
            1 => String::from_utf8(bytes.to_vec())
                .map(|text| Note { text })
                .map_err(|e| PayloadError::Malformed {
                    kind: Self::KIND,
                    version,
                    reason: e.to_string(),
                }),
            _ => Err(PayloadError::UnknownVersion {
                kind: Self::KIND,
                version,
                newest: Self::VERSION,
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn notes_round_trip_and_unknown_versions_are_named() {
        let note = Note {
            text: "workshop held in Phnom Penh".into(),
        };
        let draft = note.to_draft();
        assert_eq!(Note::decode(draft.version, &draft.payload), Ok(note));
        assert_eq!(
            Note::decode(9, b"x"),
            Err(PayloadError::UnknownVersion {
                kind: PayloadKind::NOTE,
                version: 9,
                newest: 1
            })
        );
        assert!(matches!(
            Note::decode(1, &[0xff]),
            Err(PayloadError::Malformed { .. })
        ));
        assert_eq!(PayloadKind(77).to_string(), "kind-77");
        assert_eq!(PayloadKind::from_name("note"), Some(PayloadKind::NOTE));
    }
}
