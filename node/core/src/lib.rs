//! remedy-core: the pure domain of remedy-net.
//!
//! Everything here is a function of its inputs: no files, no sockets, no clock, no
//! threads. The store and the runtime in `remedy-node` do the I/O around it.
//!
//! ```text
//!   Draft ──seal(key, head, time)──▶ SignedEvent ──raw bytes──▶ store / wire
//!                                        │
//!   raw bytes ──SignedEvent::decode──────┘──▶ ChainVerifier (continuity, links, signatures)
//! ```

pub mod case;
pub mod chain;
pub mod checkpoint;
pub mod controls;
pub mod csv_text;
pub mod disclosure;
pub mod event;
pub mod fuzzing;
pub mod inbox;
pub mod ingest;
pub mod keys;
pub mod kinds;
pub mod labels;
pub mod ledger;
pub mod login;
pub mod manifest;
pub mod member;
pub mod merkle;
pub mod partner;
pub mod payload;
pub mod pilot;
pub mod plan;
pub mod privacy;
pub mod regional;
pub mod release;
pub mod sdmx;
pub mod statement;
pub mod synthetic;
pub mod tables;
pub mod topology;
pub mod translation;
pub mod workplan;
pub mod workshop;

pub use chain::{ChainError, ChainHead, ChainVerifier, Violation};
pub use event::{DecodeError, Draft, EventHash, LogKind, SignedEvent, Unsigned};
pub use keys::{KeyError, KeyHistory, KeyId, SigningKey, VerifyingKey};
pub use member::{MemberId, MemberIdError};
pub use payload::PayloadKind;
