//! RFC 6962 / RFC 9162 Merkle trees over a log, with inclusion and consistency
//! proofs and their verification.
//!
//! Leaves are the raw events as stored and sent (body and signature): the leaf
//! hash is SHA-256(0x00 ‖ event), an interior node SHA-256(0x01 ‖ left ‖ right),
//! and the root of a tree of n leaves splits at the largest power of two below n
//! (RFC 9162 §2.1.1). The empty tree's root is SHA-256 of nothing.
//!
//! A tree is read through [`Subtrees`]: the hash of any perfect subtree (2^level
//! leaves starting at index × 2^level). A node stores some levels and recomputes
//! the others; these functions only ask for what a proof needs, so a proof costs
//! O(log n) subtree hashes.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(leaf);
    h.finalize().into()
}

pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Hashes of perfect subtrees: `subtree(level, index)` is the root of leaves
/// `index << level .. (index + 1) << level`, all of which exist.
pub trait Subtrees {
    type Error;
    fn subtree(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// The root of leaves `start .. start + len` (any length), from perfect subtrees:
/// RFC 9162's MTH over that range.
fn range_root<S: Subtrees>(tree: &S, start: u64, len: u64) -> Result<Hash, S::Error> {
    debug_assert!(len > 0);
    if len.is_power_of_two() && start.is_multiple_of(len) {
        return tree.subtree(len.trailing_zeros(), start >> len.trailing_zeros());
    }
    let k = split(len);
    let left = range_root(tree, start, k)?;
    let right = range_root(tree, start + k, len - k)?;
    Ok(node_hash(&left, &right))
}

/// The largest power of two smaller than n (n ≥ 2).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// The root of the first `size` leaves.
pub fn root<S: Subtrees>(tree: &S, size: u64) -> Result<Hash, S::Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_root(tree, 0, size)
}

/// The inclusion proof of leaf `index` in the tree of the first `size` leaves
/// (RFC 9162 §2.1.3.1), from the leaf up.
pub fn inclusion_proof<S: Subtrees>(
    tree: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, S::Error> {
    let mut proof = Vec::new();
    // Walk down from the whole range, remembering siblings; then reverse.
    let (mut start, mut len, mut m) = (0u64, size, index);
    while len > 1 {
        let k = split(len);
        if m < k {
            proof.push(range_root(tree, start + k, len - k)?);
            len = k;
        } else {
            proof.push(range_root(tree, start, k)?);
            start += k;
            m -= k;
            len -= k;
        }
    }
    proof.reverse();
    Ok(proof)
}

/// The consistency proof between the trees of the first `old` and `new` leaves
/// (RFC 9162 §2.1.4.1), 0 < old ≤ new.
pub fn consistency_proof<S: Subtrees>(tree: &S, old: u64, new: u64) -> Result<Vec<Hash>, S::Error> {
    let mut proof = Vec::new();
    if old == 0 || old >= new {
        return Ok(proof);
    }
    // SUBPROOF(m, D[start:start+len], b) of RFC 9162, iteratively.
    let (mut start, mut len, mut m, mut whole) = (0u64, new, old, true);
    let mut siblings = Vec::new();
    loop {
        if m == len {
            if !whole {
                proof.push(range_root(tree, start, len)?);
            }
            break;
        }
        let k = split(len);
        if m <= k {
            siblings.push(range_root(tree, start + k, len - k)?);
            len = k;
        } else {
            siblings.push(range_root(tree, start, k)?);
            start += k;
            m -= k;
            len -= k;
            whole = false;
        }
    }
    siblings.reverse();
    proof.extend(siblings);
    Ok(proof)
}

/// Why a proof does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf {index} is not in a tree of {size} leaves")]
    OutOfRange { index: u64, size: u64 },
    #[error("the proof has {found} hashes where {expected} are needed")]
    Length { expected: usize, found: usize },
    #[error("the proof does not lead to the root")]
    Mismatch,
    #[error("a tree of {new} leaves cannot extend one of {old}")]
    Shrinks { old: u64, new: u64 },
}

/// Checks that `leaf` is leaf `index` of the tree of `size` leaves with `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf: &[u8],
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange { index, size });
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = leaf_hash(leaf);
    for p in proof {
        if s_n == 0 {
            return Err(ProofError::Length {
                expected: proof.len() - 1,
                found: proof.len(),
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(ProofError::Length {
            expected: proof.len() + 1,
            found: proof.len(),
        });
    }
    if &r == root {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// Checks that the tree of `new` leaves with `new_root` extends the tree of
/// `old` leaves with `old_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::Shrinks { old, new });
    }
    if old == new {
        return if proof.is_empty() && old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    if old == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::Length {
                expected: 0,
                found: proof.len(),
            })
        };
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if old.is_power_of_two() {
        path.insert(0, *old_root);
    }
    let Some((first, rest)) = path.split_first() else {
        return Err(ProofError::Length {
            expected: 1,
            found: 0,
        });
    };
    let (mut f_n, mut s_n) = (old - 1, new - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s_n == 0 {
            return Err(ProofError::Mismatch);
        }
        if f_n & 1 == 1 || f_n == s_n {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n == 0 && &fr == old_root && &sr == new_root {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// The right edge of a tree being built: the roots of its perfect subtrees,
/// largest first. Appending a leaf merges equal-sized subtrees, so appending n
/// leaves costs O(n) hashes in all, and every perfect subtree completed on the way
/// is reported (to be stored).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (level, hash), levels strictly decreasing.
    edge: Vec<(u32, Hash)>,
}

impl Frontier {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Rebuilds the frontier of a tree of `size` leaves from its perfect subtrees.
    pub fn at<S: Subtrees>(tree: &S, size: u64) -> Result<Self, S::Error> {
        let mut edge = Vec::new();
        let mut start = 0u64;
        for level in (0..64u32).rev() {
            if size & (1 << level) != 0 {
                edge.push((level, tree.subtree(level, start >> level)?));
                start += 1 << level;
            }
        }
        Ok(Self { size, edge })
    }

    /// Appends a leaf; `completed(level, index, hash)` is called for every perfect
    /// subtree it completes, the leaf itself (level 0) first.
    pub fn push(&mut self, leaf: &[u8], mut completed: impl FnMut(u32, u64, Hash)) {
        let mut hash = leaf_hash(leaf);
        let mut level = 0u32;
        let index = self.size;
        completed(0, index, hash);
        while let Some(&(l, left)) = self.edge.last() {
            if l != level {
                break;
            }
            self.edge.pop();
            hash = node_hash(&left, &hash);
            level += 1;
            completed(level, index >> level, hash);
        }
        self.edge.push((level, hash));
        self.size += 1;
    }

    /// The root of the tree so far.
    pub fn root(&self) -> Hash {
        let mut iter = self.edge.iter().rev();
        let Some(&(_, mut hash)) = iter.next() else {
            return empty_root();
        };
        for (_, left) in iter {
            hash = node_hash(left, &hash);
        }
        hash
    }
}

/// Every perfect subtree of a list of leaves, held in memory: proofs over a log
/// that is not in a store (a test's, a fake peer's).
#[derive(Debug, Clone, Default)]
pub struct MemoryTree(std::collections::BTreeMap<(u32, u64), Hash>);

impl MemoryTree {
    /// The subtrees of `leaves`, in order.
    pub fn of<'a>(leaves: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut stored = std::collections::BTreeMap::new();
        let mut frontier = Frontier::default();
        for leaf in leaves {
            frontier.push(leaf, |level, index, hash| {
                stored.insert((level, index), hash);
            });
        }
        Self(stored)
    }
}

impl Subtrees for MemoryTree {
    type Error = MissingSubtree;
    fn subtree(&self, level: u32, index: u64) -> Result<Hash, MissingSubtree> {
        self.0
            .get(&(level, index))
            .copied()
            .ok_or(MissingSubtree { level, index })
    }
}

/// A subtree a [`MemoryTree`] does not hold: the proof asked is beyond its leaves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no subtree at level {level}, index {index}: beyond the leaves held")]
pub struct MissingSubtree {
    pub level: u32,
    pub index: u64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Every perfect subtree of a list of leaves, as a frontier would store it.
    struct Memory(BTreeMap<(u32, u64), Hash>);

    impl Subtrees for Memory {
        type Error = ();
        fn subtree(&self, level: u32, index: u64) -> Result<Hash, ()> {
            self.0.get(&(level, index)).copied().ok_or(())
        }
    }

    fn tree(n: u64) -> (Memory, Vec<Vec<u8>>, Vec<Hash>) {
        let mut stored = BTreeMap::new();
        let mut frontier = Frontier::default();
        let mut leaves = Vec::new();
        let mut roots = vec![empty_root()];
        for i in 0..n {
            let leaf = format!("leaf {i}").into_bytes();
            frontier.push(&leaf, |l, idx, h| {
                stored.insert((l, idx), h);
            });
            leaves.push(leaf);
            roots.push(frontier.root());
        }
        (Memory(stored), leaves, roots)
    }

    /// RFC 9162's MTH, recursively, as the reference.
    fn reference(leaves: &[Vec<u8>]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaf_hash(&leaves[0]),
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference(&leaves[..k]), &reference(&leaves[k..]))
            }
        }
    }

    #[test]
    fn roots_match_the_rfc_definition_at_every_size() {
        let (memory, leaves, roots) = tree(70);
        for n in 0..=70u64 {
            assert_eq!(
                roots[n as usize],
                reference(&leaves[..n as usize]),
                "size {n}"
            );
            assert_eq!(root(&memory, n).unwrap(), roots[n as usize]);
            assert_eq!(Frontier::at(&memory, n).unwrap().root(), roots[n as usize]);
        }
    }

    /// The test vector of the empty tree and a one-leaf tree (RFC 6962 test data:
    /// the empty root is SHA-256 of nothing; a leaf of no bytes hashes 0x00).
    #[test]
    fn known_answers() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn inclusion_proofs_verify_and_are_logarithmic() {
        let (memory, leaves, roots) = tree(70);
        for size in 1..=70u64 {
            for index in 0..size {
                let proof = inclusion_proof(&memory, index, size).unwrap();
                assert!(proof.len() <= 7);
                let root = roots[size as usize];
                verify_inclusion(&leaves[index as usize], index, size, &proof, &root).unwrap();
                // Another leaf, index or root fails.
                assert!(verify_inclusion(b"forged", index, size, &proof, &root).is_err());
                if size > 1 {
                    let other = (index + 1) % size;
                    assert!(
                        verify_inclusion(&leaves[index as usize], other, size, &proof, &root)
                            .is_err()
                    );
                }
            }
        }
    }

    #[test]
    fn consistency_proofs_verify_and_catch_rewrites() {
        let (memory, _, roots) = tree(40);
        let (_, _, other) = {
            // A different history of the same length from leaf 10 on.
            let mut stored = BTreeMap::new();
            let mut frontier = Frontier::default();
            let mut roots = vec![empty_root()];
            for i in 0..40u64 {
                let leaf = if i < 10 {
                    format!("leaf {i}")
                } else {
                    format!("rewritten {i}")
                };
                frontier.push(leaf.as_bytes(), |l, idx, h| {
                    stored.insert((l, idx), h);
                });
                roots.push(frontier.root());
            }
            (Memory(stored), (), roots)
        };
        for old in 0..=40u64 {
            for new in old..=40u64 {
                let proof = consistency_proof(&memory, old, new).unwrap();
                verify_consistency(old, new, &roots[old as usize], &roots[new as usize], &proof)
                    .unwrap_or_else(|e| panic!("{old} -> {new}: {e}"));
                if old > 10 && new > old {
                    // The rewritten history's root is not consistent with the old one.
                    assert!(
                        verify_consistency(
                            old,
                            new,
                            &roots[old as usize],
                            &other[new as usize],
                            &proof
                        )
                        .is_err()
                    );
                }
            }
        }
        assert!(verify_consistency(5, 4, &roots[5], &roots[4], &[]).is_err());
    }
}
