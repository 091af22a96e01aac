//! The log store: a small trait, a RocksDB implementation and an in-memory one.
//!
//! The store knows keys and bytes, not events: it keeps each log's raw events by
//! sequence number, projection rows, replication cursors and node metadata, and
//! applies a [`Commit`] atomically. Deciding what to write (sequence numbers,
//! signatures, projection values) is the runtime's job.
//!
//! Both implementations run the same `suite` of tests.

mod memory;
pub mod rocks;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod suite;

use std::fmt;

use remedy_core::{LogKind, MemberId};

pub use memory::MemoryStore;
pub use rocks::{RocksStore, StoreOptions};

/// Which log a stored event belongs to.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogId {
    /// One of this node's own logs.
    Own(LogKind),
    /// The shared log of another member, as replicated here.
    Replica(MemberId),
}

impl fmt::Display for LogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogId::Own(kind) => write!(f, "own {kind} log"),
            LogId::Replica(origin) => write!(f, "replica of {origin}"),
        }
    }
}

impl fmt::Debug for LogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LogId({self})")
    }
}

/// Everything one atomic write changes: appended events and the rows derived from
/// them. A crash leaves either all of it or none of it.
#[derive(Debug, Default)]
pub struct Commit {
    /// Raw events, in log order, with their sequence numbers.
    pub events: Vec<(LogId, u64, Vec<u8>)>,
    /// Projection rows to set.
    pub projections: Vec<(Vec<u8>, Vec<u8>)>,
    /// Replication cursors to set.
    pub cursors: Vec<(Vec<u8>, Vec<u8>)>,
    /// Metadata to set.
    pub meta: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Commit {
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.projections.is_empty()
            && self.cursors.is_empty()
            && self.meta.is_empty()
    }
}

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("RocksDB error at {path}: {source}")]
    Rocks {
        path: String,
        source: rocksdb::Error,
    },
    #[error(
        "the store at {path} is in use by another process: is a remedy-node already running on this folder? Stop it first"
    )]
    Locked { path: String },
    #[error("the store at {path} is corrupt: {reason}")]
    Corrupt { path: String, reason: String },
}

/// Key-value rows, in key order.
pub type Rows = Vec<(Vec<u8>, Vec<u8>)>;

/// The store behind the runtime.
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// Applies `commit` atomically. When the store was opened with `sync`, the write is
    /// on disk (fdatasync) before this returns.
    fn commit(&self, commit: Commit) -> Result<(), StoreError>;

    /// The last event of a log: its sequence number and raw bytes.
    fn last(&self, log: &LogId) -> Result<Option<(u64, Vec<u8>)>, StoreError>;

    /// Up to `limit` events from sequence `from` on, in order, with the sequence
    /// numbers under which they are stored.
    fn range(
        &self,
        log: &LogId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError>;

    /// Like [`Store::range`], and stops before the event that would take the
    /// events' bytes over `max_bytes`, but always returns the first event (so a
    /// reader makes progress whatever the size of one event). What is read is
    /// bounded by `max_bytes` or one event, whichever is larger: a page of large
    /// events never sits whole in memory.
    fn range_bytes(
        &self,
        log: &LogId,
        from: u64,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        // One event at a time; the stores override this with one scan.
        let (mut out, mut bytes) = (Vec::new(), 0usize);
        let mut next = from;
        while out.len() < limit {
            let Some((seq, raw)) = self.range(log, next, 1)?.pop() else {
                break;
            };
            if !out.is_empty() && bytes + raw.len() > max_bytes {
                break;
            }
            bytes += raw.len();
            next = seq + 1;
            out.push((seq, raw));
        }
        Ok(out)
    }

    /// The members whose replicated logs are held here.
    fn replica_origins(&self) -> Result<Vec<MemberId>, StoreError>;

    fn projection(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Several projection rows at once, in the order of `keys` (an import looks
    /// up a chunk of cases: one call instead of one per case).
    fn projections(&self, keys: &[Vec<u8>]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        keys.iter().map(|k| self.projection(k)).collect()
    }
    /// Up to `limit` projection rows whose key starts with `prefix` and comes after
    /// `after` (or from the first), in key order.
    fn projection_page(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Rows, StoreError>;
    fn cursor(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
    /// Every metadata row whose key starts with `prefix`, in key order.
    fn meta_prefix(&self, prefix: &[u8]) -> Result<Rows, StoreError>;
    /// Deletes every projection row whose key starts with `prefix` (to rebuild
    /// derived rows from the logs).
    fn clear_projections(&self, prefix: &[u8]) -> Result<(), StoreError>;
}

/// The key of a replicated event: origin, a zero byte, then the sequence number
/// big-endian. Member ids never contain a zero byte, so keys of one origin are
/// contiguous and ordered by sequence.
pub(crate) fn replica_key(origin: &MemberId, seq: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(origin.as_str().len() + 9);
    key.extend_from_slice(origin.as_str().as_bytes());
    key.push(0);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// Splits a replica key into origin and sequence number.
pub(crate) fn split_replica_key(key: &[u8]) -> Option<(MemberId, u64)> {
    let zero = key.iter().position(|b| *b == 0)?;
    let origin = MemberId::new(std::str::from_utf8(&key[..zero]).ok()?).ok()?;
    let seq = u64::from_be_bytes(key.get(zero + 1..)?.try_into().ok()?);
    Some((origin, seq))
}
