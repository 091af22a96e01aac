//! The last durable sequence number of every shared log this node holds, with a
//! signal when any of them grows.
//!
//! The writer (own log) and replication (other origins) advance a head only after the
//! commit holding the events is durable; follow streams wait on the signal and then
//! read the new events from the store. Nothing is served before it is on disk.
//! The signal also fires when a stored checkpoint gains a cosignature, so that
//! followers are sent it even when no event follows.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use remedy_core::MemberId;
use tokio::sync::watch;

#[derive(Debug)]
pub struct Heads {
    heads: RwLock<BTreeMap<MemberId, u64>>,
    /// Counts changes; followers wait for it to move.
    changed: watch::Sender<u64>,
    /// Set when the node stops: followers end their streams.
    closed: AtomicBool,
}

impl Default for Heads {
    fn default() -> Self {
        Self {
            heads: RwLock::default(),
            changed: watch::Sender::new(0),
            closed: AtomicBool::new(false),
        }
    }
}

impl Heads {
    /// Sets the head of `origin` if `seq` is beyond it, and wakes the followers.
    pub fn advance(&self, origin: &MemberId, seq: u64) {
        {
            let mut heads = self.heads.write().unwrap_or_else(|e| e.into_inner());
            let head = heads.entry(origin.clone()).or_insert(0);
            if seq <= *head {
                return;
            }
            *head = seq;
        }
        self.changed.send_modify(|n| *n += 1);
    }

    /// Wakes the followers without growth: a checkpoint they are sent changed
    /// (a peer's cosignature was added), and they pass it on.
    pub fn touch(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    /// The node is stopping: wakes the followers, which end their streams, so
    /// that the peers' connections close and the server can stop at once.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.changed.send_modify(|n| *n += 1);
    }

    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// The head of `origin`; 0 when nothing is held.
    pub fn get(&self, origin: &MemberId) -> u64 {
        let heads = self.heads.read().unwrap_or_else(|e| e.into_inner());
        heads.get(origin).copied().unwrap_or(0)
    }

    /// Every origin with at least one event held.
    pub fn all(&self) -> BTreeMap<MemberId, u64> {
        self.heads.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn heads_only_grow_and_growth_wakes_followers() {
        let heads = Heads::default();
        let kh = MemberId::new("KH").unwrap();
        let mut follower = heads.subscribe();
        follower.borrow_and_update();
        heads.advance(&kh, 5);
        assert!(follower.has_changed().unwrap());
        follower.borrow_and_update();
        heads.advance(&kh, 3);
        assert!(!follower.has_changed().unwrap(), "going back is not growth");
        assert_eq!(heads.get(&kh), 5);
        assert_eq!(heads.get(&MemberId::new("VN").unwrap()), 0);
    }
}
