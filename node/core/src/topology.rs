//! Which peers a node follows.
//!
//! Up to [`FULL_MESH_UP_TO`] node members every node follows every other: the
//! shortest paths, and few connections. Beyond that, following everyone costs each
//! node a connection per member and each event a copy per member, so nodes follow a
//! circulant graph over the sorted member ids instead: two members are linked when
//! their distance around the ring is a power of two (1, 2, 4, …). Every node
//! computes the same graph from the manifest alone; it is symmetric (if A follows B,
//! B follows A), connected, has at most 2·⌈log2 N⌉ links per node and a diameter of
//! at most ⌈log2 N⌉ hops, since any distance is a sum of distinct powers of two and
//! each hop can take the largest one that fits. Relaying (a node serves every
//! origin it holds) carries events across it.

use crate::member::MemberId;

/// Largest federation in which every node follows every other.
pub const FULL_MESH_UP_TO: usize = 8;

/// The members `me` follows among `nodes` (all node members, `me` included, any
/// order).
pub fn peers(nodes: &[MemberId], me: &MemberId) -> Vec<MemberId> {
    let mut sorted: Vec<&MemberId> = nodes.iter().collect();
    sorted.sort();
    sorted.dedup();
    let n = sorted.len();
    let Some(i) = sorted.iter().position(|m| *m == me) else {
        return Vec::new();
    };
    if n <= FULL_MESH_UP_TO {
        return sorted.into_iter().filter(|m| *m != me).cloned().collect();
    }
    let mut out: Vec<MemberId> = Vec::new();
    let mut step = 1;
    while step < n {
        for j in [(i + step) % n, (i + n - step) % n] {
            if j != i && !out.contains(sorted[j]) {
                out.push(sorted[j].clone());
            }
        }
        step *= 2;
    }
    out.sort();
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::{BTreeSet, VecDeque};

    fn members(n: usize) -> Vec<MemberId> {
        (0..n)
            .map(|i| MemberId::new(format!("M{i:03}")).unwrap())
            .collect()
    }

    #[test]
    fn small_federations_are_a_full_mesh() {
        let ms = members(4);
        assert_eq!(
            peers(&ms, &ms[2]),
            vec![ms[0].clone(), ms[1].clone(), ms[3].clone()]
        );
    }

    #[test]
    fn large_federations_are_symmetric_connected_and_shallow() {
        for n in [9, 10, 20, 33, 50, 64, 100] {
            let ms = members(n);
            let graph: Vec<BTreeSet<usize>> = ms
                .iter()
                .map(|m| {
                    peers(&ms, m)
                        .iter()
                        .map(|p| ms.iter().position(|x| x == p).unwrap())
                        .collect()
                })
                .collect();
            let log2 = (n as f64).log2().ceil() as usize;
            for (i, links) in graph.iter().enumerate() {
                assert!(!links.contains(&i));
                assert!(links.len() <= 2 * log2, "{n}: {} links", links.len());
                for j in links {
                    assert!(graph[*j].contains(&i), "{n}: {i}→{j} one way");
                }
            }
            // Breadth-first from every node: all reached within ⌈log2 N⌉ hops.
            for start in 0..n {
                let mut depth = vec![usize::MAX; n];
                depth[start] = 0;
                let mut queue = VecDeque::from([start]);
                while let Some(i) = queue.pop_front() {
                    for &j in &graph[i] {
                        if depth[j] == usize::MAX {
                            depth[j] = depth[i] + 1;
                            queue.push_back(j);
                        }
                    }
                }
                let far = *depth.iter().max().unwrap();
                assert!(far <= log2, "{n}: {far} hops from {start}");
            }
        }
    }
}
