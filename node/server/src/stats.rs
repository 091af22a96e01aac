//! The log-stats projection: events and bytes per log.
//!
//! It is the first projection and the simplest: the writer updates it in the same
//! atomic commit as the events it counts, and the node checks at start that it agrees
//! with the logs. A disagreement would mean a commit was torn, which RocksDB's
//! `WriteBatch` rules out; the crash test relies on this check.

use std::collections::BTreeMap;

use remedy_core::LogKind;

use crate::store::{LogId, Store, StoreError};

/// Events and bytes in one log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogCount {
    pub events: u64,
    pub bytes: u64,
}

impl LogCount {
    fn encode(self) -> Vec<u8> {
        let mut out = self.events.to_be_bytes().to_vec();
        out.extend_from_slice(&self.bytes.to_be_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let events = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let bytes_ = u64::from_be_bytes(bytes.get(8..16)?.try_into().ok()?);
        (bytes.len() == 16).then_some(Self {
            events,
            bytes: bytes_,
        })
    }
}

/// The projection's state, as the writer holds it.
#[derive(Clone, Debug, Default)]
pub struct LogStats {
    counts: BTreeMap<LogId, LogCount>,
    dirty: Vec<LogId>,
}

impl LogStats {
    /// The projection key of one log's counts.
    pub fn key(log: &LogId) -> Vec<u8> {
        match log {
            LogId::Own(kind) => format!("stats/own/{}", kind.name()).into_bytes(),
            LogId::Replica(origin) => format!("stats/replica/{origin}").into_bytes(),
        }
    }

    /// Loads the rows of the given logs from the store.
    pub fn load(store: &dyn Store, logs: &[LogId]) -> Result<Self, StoreError> {
        let mut counts = BTreeMap::new();
        for log in logs {
            if let Some(raw) = store.projection(&Self::key(log))? {
                let count = LogCount::decode(&raw).ok_or_else(|| StoreError::Corrupt {
                    path: "projections".into(),
                    reason: format!("malformed stats row for the {log}"),
                })?;
                counts.insert(log.clone(), count);
            }
        }
        Ok(Self {
            counts,
            dirty: Vec::new(),
        })
    }

    pub fn get(&self, log: &LogId) -> LogCount {
        self.counts.get(log).copied().unwrap_or_default()
    }

    /// Counts one appended event.
    pub fn apply(&mut self, log: &LogId, raw_len: usize) {
        let count = self.counts.entry(log.clone()).or_default();
        count.events += 1;
        count.bytes += raw_len as u64;
        if !self.dirty.contains(log) {
            self.dirty.push(log.clone());
        }
    }

    /// The rows changed since the last call, for the commit that carries the events.
    pub fn take_rows(&mut self) -> Vec<(Vec<u8>, Vec<u8>)> {
        std::mem::take(&mut self.dirty)
            .into_iter()
            .map(|log| (Self::key(&log), self.get(&log).encode()))
            .collect()
    }
}

/// The logs a node always has.
pub fn own_logs() -> [LogId; 2] {
    [LogId::Own(LogKind::Shared), LogId::Own(LogKind::Private)]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::{Commit, MemoryStore};

    #[test]
    fn counts_survive_a_store_round_trip() {
        let store = MemoryStore::new();
        let shared = LogId::Own(LogKind::Shared);
        let mut stats = LogStats::default();
        stats.apply(&shared, 100);
        stats.apply(&shared, 50);
        let rows = stats.take_rows();
        assert_eq!(rows.len(), 1);
        assert!(stats.take_rows().is_empty());
        store
            .commit(Commit {
                projections: rows,
                ..Commit::default()
            })
            .expect("commit");
        let back = LogStats::load(&store, &own_logs()).expect("load");
        assert_eq!(
            back.get(&shared),
            LogCount {
                events: 2,
                bytes: 150
            }
        );
        assert_eq!(back.get(&LogId::Own(LogKind::Private)), LogCount::default());
    }
}
