//! The RFC 6962 Merkle tree of every shared log this node holds, its own and the
//! replicas, kept with the log: the writer and replication add the rows of each
//! event to the commit that stores it.
//!
//! Rows (projection family `mt/`): `mt/<origin>/<level:02>/<index:016x>` holds the
//! root of the perfect subtree of 2^level leaves starting at leaf index × 2^level,
//! for levels [`STORED_FROM`] and up. Lower subtrees (up to 2^(STORED_FROM-1) = 8
//! leaves) are recomputed from the stored events when asked for: one row per 16
//! events instead of one per event, at the cost of reading at most 8 events for
//! each low subtree a proof needs. Any root or proof needs O(log n) subtrees. `ckpt/<origin>` holds the latest checkpoint of a log as C2SP text: this
//! node's own, signed by the writer after every group it commits, and other
//! members' as received and cosigned (see `crate::witness`).

use remedy_core::merkle::{Frontier, Hash, Subtrees, leaf_hash, node_hash};
use remedy_core::{LogKind, MemberId};

use crate::store::{LogId, Store, StoreError};

/// The tree of one origin's shared log in the store.
#[derive(Debug)]
pub struct StoredTree<'a> {
    pub store: &'a dyn Store,
    pub origin: &'a MemberId,
    pub log: LogId,
}

impl<'a> StoredTree<'a> {
    /// The tree of `origin`'s shared log, as `own` is this node's member.
    pub fn of(store: &'a dyn Store, origin: &'a MemberId, own: &MemberId) -> Self {
        let log = if origin == own {
            LogId::Own(LogKind::Shared)
        } else {
            LogId::Replica(origin.clone())
        };
        Self { store, origin, log }
    }
}

/// The lowest level kept as rows; below it subtrees are computed from the events.
pub const STORED_FROM: u32 = 4;

fn key(origin: &MemberId, level: u32, index: u64) -> Vec<u8> {
    format!("mt/{origin}/{level:02}/{index:016x}").into_bytes()
}

/// The key of the latest checkpoint of `origin`.
pub fn checkpoint_key(origin: &MemberId) -> Vec<u8> {
    format!("ckpt/{origin}").into_bytes()
}

impl Subtrees for StoredTree<'_> {
    type Error = StoreError;

    fn subtree(&self, level: u32, index: u64) -> Result<Hash, StoreError> {
        let missing = |what: String| StoreError::Corrupt {
            path: format!("{} Merkle tree", self.origin),
            reason: what,
        };
        if level < STORED_FROM {
            // The perfect subtree over events first .. first + 2^level.
            let count = 1u64 << level;
            let first = index * count + 1;
            let page = self.store.range(&self.log, first, count as usize)?;
            let mut hashes = Vec::with_capacity(page.len());
            for (i, (seq, raw)) in page.into_iter().enumerate() {
                if seq != first + i as u64 {
                    break;
                }
                hashes.push(leaf_hash(&raw));
            }
            if hashes.len() as u64 != count {
                return Err(missing(format!(
                    "event {} is missing",
                    first + hashes.len() as u64
                )));
            }
            while hashes.len() > 1 {
                hashes = hashes
                    .chunks(2)
                    .map(|pair| node_hash(&pair[0], &pair[1]))
                    .collect();
            }
            return Ok(hashes[0]);
        }
        let value = self
            .store
            .projection(&key(self.origin, level, index))?
            .ok_or_else(|| missing(format!("no subtree at level {level}, index {index}")))?;
        value.try_into().map_err(|_| {
            missing(format!(
                "the subtree at level {level}, index {index} is not 32 bytes"
            ))
        })
    }
}

/// The row of `origin`'s own checkpoint of `tree` (its shared log as it stands),
/// with the origin line `line`, signed with `key`: what the writer stores after
/// each commit to the shared log, and `recover` after the events it restored.
pub fn own_checkpoint(
    origin: &MemberId,
    line: &str,
    tree: &Frontier,
    key: &remedy_core::SigningKey,
) -> (Vec<u8>, Vec<u8>) {
    let checkpoint = remedy_core::checkpoint::Checkpoint {
        origin: line.to_string(),
        size: tree.size(),
        root: tree.root(),
    };
    let name = remedy_core::checkpoint::key_name(origin.as_str());
    let signed = remedy_core::checkpoint::SignedCheckpoint::sign(checkpoint, &name, key);
    (checkpoint_key(origin), signed.to_text().into_bytes())
}

/// Appends one event to `frontier` and returns the rows of the subtrees it
/// completes (levels [`STORED_FROM`] and up).
pub fn push(origin: &MemberId, frontier: &mut Frontier, raw: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut rows = Vec::new();
    frontier.push(raw, |level, index, hash| {
        if level >= STORED_FROM {
            rows.push((key(origin, level, index), hash.to_vec()));
        }
    });
    rows
}

/// The frontier of `origin`'s tree of `size` events, from the store; when rows
/// are missing (a store written before trees were kept), the tree is rebuilt from
/// the log and its rows are stored.
pub fn frontier(
    store: &dyn Store,
    origin: &MemberId,
    own: &MemberId,
    size: u64,
) -> Result<Frontier, StoreError> {
    let tree = StoredTree::of(store, origin, own);
    if let Ok(frontier) = Frontier::at(&tree, size) {
        return Ok(frontier);
    }
    tracing::info!(%origin, size, "building the Merkle tree of the log from its events");
    let mut frontier = Frontier::default();
    let mut next = 1;
    while next <= size {
        let page = store.range(&tree.log, next, 4096)?;
        let Some((last, _)) = page.last() else { break };
        next = last + 1;
        let mut commit = crate::store::Commit::default();
        for (_, raw) in page {
            commit.projections.extend(push(origin, &mut frontier, &raw));
        }
        store.commit(commit)?;
    }
    Ok(frontier)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::{Commit, MemoryStore};
    use remedy_core::merkle;

    /// Stored rows (levels 4 and up) plus events answer every root and proof as
    /// a tree kept whole in memory does.
    #[test]
    fn the_stored_tree_answers_as_the_whole_tree() {
        let origin = MemberId::new("KH").unwrap();
        let store = MemoryStore::default();
        let mut frontier = Frontier::default();
        let mut whole = std::collections::BTreeMap::new();
        let raws: Vec<Vec<u8>> = (0..70u32)
            .map(|i| format!("event {i}").into_bytes())
            .collect();
        for (i, raw) in raws.iter().enumerate() {
            let rows = push(&origin, &mut frontier, raw);
            assert!(rows.len() <= 3, "one row per 16 events, at most");
            let mut memory = Frontier::default();
            for r in &raws[..=i] {
                memory.push(r, |level, index, hash| {
                    whole.insert((level, index), hash);
                });
            }
            store
                .commit(Commit {
                    events: vec![(LogId::Own(LogKind::Shared), i as u64 + 1, raw.clone())],
                    projections: rows,
                    ..Commit::default()
                })
                .unwrap();
        }
        struct Whole<'a>(&'a std::collections::BTreeMap<(u32, u64), Hash>);
        impl Subtrees for Whole<'_> {
            type Error = ();
            fn subtree(&self, level: u32, index: u64) -> Result<Hash, ()> {
                self.0.get(&(level, index)).copied().ok_or(())
            }
        }
        let stored = StoredTree::of(&store, &origin, &origin);
        let whole = Whole(&whole);
        for size in 1..=70u64 {
            assert_eq!(
                merkle::root(&stored, size).unwrap(),
                merkle::root(&whole, size).unwrap()
            );
            for index in [0, size / 2, size - 1] {
                assert_eq!(
                    merkle::inclusion_proof(&stored, index, size).unwrap(),
                    merkle::inclusion_proof(&whole, index, size).unwrap()
                );
            }
            assert_eq!(
                merkle::consistency_proof(&stored, size / 3, size).unwrap(),
                merkle::consistency_proof(&whole, size / 3, size).unwrap()
            );
        }
        assert_eq!(Frontier::at(&stored, 70).unwrap().root(), frontier.root());
        // A missing event is named.
        let empty = MemoryStore::default();
        let err = merkle::root(&StoredTree::of(&empty, &origin, &origin), 5).unwrap_err();
        assert!(err.to_string().contains("event 1 is missing"), "{err}");
    }
}
