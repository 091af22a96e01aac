//! An in-memory store with the same behaviour as RocksDB, for unit tests of the
//! runtime. It is not durable and never used by the node binary.

use std::collections::BTreeMap;
use std::sync::Mutex;

use remedy_core::MemberId;

use super::{Commit, LogId, Rows, Store, StoreError};

#[derive(Debug, Default)]
struct Tables {
    logs: BTreeMap<LogId, BTreeMap<u64, Vec<u8>>>,
    projections: BTreeMap<Vec<u8>, Vec<u8>>,
    cursors: BTreeMap<Vec<u8>, Vec<u8>>,
    meta: BTreeMap<Vec<u8>, Vec<u8>>,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        // A panic while holding the lock leaves consistent maps: every commit
        // is applied by plain inserts after all checks.
        self.tables
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Store for MemoryStore {
    fn commit(&self, commit: Commit) -> Result<(), StoreError> {
        let mut t = self.tables();
        for (log, seq, raw) in commit.events {
            t.logs.entry(log).or_default().insert(seq, raw);
        }
        t.projections.extend(commit.projections);
        t.cursors.extend(commit.cursors);
        t.meta.extend(commit.meta);
        Ok(())
    }

    fn last(&self, log: &LogId) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        Ok(self
            .tables()
            .logs
            .get(log)
            .and_then(|l| l.last_key_value())
            .map(|(k, v)| (*k, v.clone())))
    }

    fn range(
        &self,
        log: &LogId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        Ok(self
            .tables()
            .logs
            .get(log)
            .map(|l| {
                l.range(from..)
                    .take(limit)
                    .map(|(k, v)| (*k, v.clone()))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn range_bytes(
        &self,
        log: &LogId,
        from: u64,
        limit: usize,
        max_bytes: usize,
    ) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let tables = self.tables();
        let (mut out, mut bytes) = (Vec::new(), 0usize);
        for (seq, raw) in tables
            .logs
            .get(log)
            .into_iter()
            .flat_map(|l| l.range(from..))
        {
            if out.len() >= limit || (!out.is_empty() && bytes + raw.len() > max_bytes) {
                break;
            }
            bytes += raw.len();
            out.push((*seq, raw.clone()));
        }
        Ok(out)
    }

    fn replica_origins(&self) -> Result<Vec<MemberId>, StoreError> {
        Ok(self
            .tables()
            .logs
            .iter()
            .filter(|(_, events)| !events.is_empty())
            .filter_map(|(log, _)| match log {
                LogId::Replica(origin) => Some(origin.clone()),
                LogId::Own(_) => None,
            })
            .collect())
    }

    fn projection(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tables().projections.get(key).cloned())
    }

    fn cursor(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tables().cursors.get(key).cloned())
    }

    fn meta(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tables().meta.get(key).cloned())
    }

    fn projection_page(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<Rows, StoreError> {
        use std::ops::Bound;
        let start = match after {
            Some(after) => Bound::Excluded(after.to_vec()),
            None => Bound::Included(prefix.to_vec()),
        };
        Ok(self
            .tables()
            .projections
            .range((start, Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .take(limit)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn clear_projections(&self, prefix: &[u8]) -> Result<(), StoreError> {
        self.tables()
            .projections
            .retain(|k, _| !k.starts_with(prefix));
        Ok(())
    }

    fn meta_prefix(&self, prefix: &[u8]) -> Result<Rows, StoreError> {
        Ok(self
            .tables()
            .meta
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
