//! Verification of the logs in a store, run when the node starts and by
//! `remedy-node verify`.

use remedy_core::{
    ChainError, ChainHead, ChainVerifier, DecodeError, KeyHistory, LogKind, MemberId, SignedEvent,
};

use crate::stats::{LogStats, own_logs};
use crate::store::{LogId, Store, StoreError};

/// Events read from the store per page.
const PAGE: usize = 4096;

/// Why a store's logs cannot be built on.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "the log does not verify: {0}; the node will not build on it (restore the data folder from a backup)"
    )]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the {log} holds {events} events, but the log-stats projection counts {counted}: the store is inconsistent"
    )]
    ProjectionMismatch {
        log: LogId,
        events: u64,
        counted: u64,
    },
}

/// The keys a node signed its own two logs with. The shared log's come from the
/// manifest; the private log's are recorded by the node itself, since the private
/// log's length is nobody else's business.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnKeys {
    pub shared: KeyHistory,
    pub private: KeyHistory,
}

impl OwnKeys {
    /// One key for both logs (a node that never changed its key).
    pub fn single(key: remedy_core::VerifyingKey) -> Self {
        Self {
            shared: key.into(),
            private: key.into(),
        }
    }
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub shared: ChainHead,
    pub private: ChainHead,
    pub events: u64,
}

/// Verifies one log from the start and returns its head.
///
/// Two threads share the work: a reader pages through the store and decodes (which
/// hashes every body), while the caller's thread checks the chain and batch-verifies
/// signatures, so reading and hashing overlap with verification.
pub fn verify_log(
    store: &dyn Store,
    log: &LogId,
    origin: &MemberId,
    keys: KeyHistory,
    mut progress: impl FnMut(u64),
) -> Result<ChainHead, VerifyError> {
    let kind = match log {
        LogId::Own(kind) => *kind,
        LogId::Replica(_) => LogKind::Shared,
    };
    let mut verifier = ChainVerifier::new(origin.clone(), kind, keys, ChainHead::EMPTY);
    std::thread::scope(|scope| {
        let (pages, received) = std::sync::mpsc::sync_channel::<Result<Page, StoreError>>(4);
        scope.spawn(move || {
            let mut next = 1;
            loop {
                let page = match store.range(log, next, PAGE) {
                    Ok(page) => page,
                    Err(e) => {
                        let _ = pages.send(Err(e));
                        return;
                    }
                };
                let Some((last, _)) = page.last() else { return };
                next = last + 1;
                let decoded = page
                    .into_iter()
                    .map(|(seq, raw)| (seq, SignedEvent::decode(raw)))
                    .collect();
                // The verifier stopped at an error: nothing more to read.
                if pages.send(Ok(decoded)).is_err() {
                    return;
                }
            }
        });
        for page in received {
            let page = page?;
            let last = page.last().map(|(seq, _)| *seq).unwrap_or(0);
            for (seq, decoded) in page {
                verifier.push_decoded(seq, decoded)?;
            }
            progress(last);
        }
        Ok::<_, VerifyError>(())
    })?;
    Ok(verifier.finish()?)
}

/// Decoded events with the sequence numbers they are stored under.
type Page = Vec<(u64, Result<SignedEvent, DecodeError>)>;

/// Verifies both own logs, each with the keys valid for its events, and checks the
/// projections agree with them.
pub fn verify_own_logs(
    store: &dyn Store,
    origin: &MemberId,
    keys: &OwnKeys,
    mut progress: impl FnMut(&LogId, u64),
) -> Result<Verified, VerifyError> {
    let [shared_log, private_log] = own_logs();
    let shared = verify_log(store, &shared_log, origin, keys.shared.clone(), |n| {
        progress(&shared_log, n)
    })?;
    let private = verify_log(store, &private_log, origin, keys.private.clone(), |n| {
        progress(&private_log, n)
    })?;
    let stats = LogStats::load(store, &own_logs())?;
    for (log, head) in [(&shared_log, shared), (&private_log, private)] {
        let counted = stats.get(log).events;
        if counted != head.seq {
            return Err(VerifyError::ProjectionMismatch {
                log: log.clone(),
                events: head.seq,
                counted,
            });
        }
    }
    Ok(Verified {
        shared,
        private,
        events: shared.seq + private.seq,
    })
}

/// Verifies every replicated log held of a node member of `manifest` with that
/// member's keys from the manifest, and checks its count against the projection.
/// Logs of origins the manifest no longer lists as nodes are left alone.
pub fn verify_replicas(
    store: &dyn Store,
    manifest: &remedy_core::manifest::Manifest,
    mut progress: impl FnMut(&LogId, u64),
) -> Result<std::collections::BTreeMap<MemberId, ChainHead>, VerifyError> {
    let mut heads = std::collections::BTreeMap::new();
    for origin in store.replica_origins()? {
        let Some(key) = manifest
            .nodes()
            .find(|m| m.id == origin)
            .and_then(|m| m.key_history().ok())
        else {
            continue;
        };
        let log = LogId::Replica(origin.clone());
        let head = verify_log(store, &log, &origin, key, |n| progress(&log, n))?;
        let counted = LogStats::load(store, std::slice::from_ref(&log))?
            .get(&log)
            .events;
        if counted != head.seq {
            return Err(VerifyError::ProjectionMismatch {
                log,
                events: head.seq,
                counted,
            });
        }
        heads.insert(origin, head);
    }
    Ok(heads)
}
