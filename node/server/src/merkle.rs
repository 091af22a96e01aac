//! The RFC 6962 Merkle tree of every shared log this node holds, its own and the
//! replicas, kept with the log: the writer and replication add the rows of each
//! event to the commit that stores it.
//!
//! Rows (projection family `mt/`): `mt/<origin>/<level:02>/<index:016x>` holds the
//! root of the perfect subtree of 2^level leaves starting at leaf index × 2^level,
//! for levels 1 and up; a leaf's own hash is recomputed from the stored event.
//! That is 32 bytes per event on average, and any root or proof needs O(log n)
//! rows. `ckpt/<origin>` holds the latest checkpoint of a log as C2SP text: this
//! node's own, signed by the writer after every group it commits, and other
//! members' as received and cosigned (see `crate::witness`).

use remedy_core::merkle::{Frontier, Hash, Subtrees, leaf_hash};
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
        if level == 0 {
            let page = self.store.range(&self.log, index + 1, 1)?;
            return match page.into_iter().next() {
                Some((seq, raw)) if seq == index + 1 => Ok(leaf_hash(&raw)),
                _ => Err(missing(format!("event {} is missing", index + 1))),
            };
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

/// Appends one event to `frontier` and returns the rows of the subtrees it
/// completes (levels 1 and up).
pub fn push(origin: &MemberId, frontier: &mut Frontier, raw: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut rows = Vec::new();
    frontier.push(raw, |level, index, hash| {
        if level > 0 {
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
