//! Verification of the logs in a store, run when the node starts and by
//! `remedy-node verify`.

use remedy_core::{ChainError, ChainHead, ChainVerifier, LogKind, MemberId, VerifyingKey};

use crate::stats::{LogStats, own_logs};
use crate::store::{LogId, Store, StoreError};

/// Events read from the store per page.
const PAGE: usize = 4096;

/// Why a store's logs cannot be built on.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the log does not verify: {0}; the node will not build on it (restore the data folder from a backup)")]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the {log} holds {events} events, but the log-stats projection counts {counted}: the store is inconsistent")]
    ProjectionMismatch { log: LogId, events: u64, counted: u64 },
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub shared: ChainHead,
    pub private: ChainHead,
    pub events: u64,
}

/// Verifies one log from the start and returns its head.
pub fn verify_log(
    store: &dyn Store,
    log: &LogId,
    origin: &MemberId,
    key: VerifyingKey,
    mut progress: impl FnMut(u64),
) -> Result<ChainHead, VerifyError> {
    let kind = match log {
        LogId::Own(kind) => *kind,
        LogId::Replica(_) => LogKind::Shared,
    };
    let mut verifier = ChainVerifier::new(origin.clone(), kind, key, ChainHead::EMPTY);
    let mut next = 1;
    loop {
        let page = store.range(log, next, PAGE)?;
        let Some((last, _)) = page.last() else { break };
        next = last + 1;
        for (seq, raw) in page {
            verifier.push_raw(seq, raw)?;
        }
        progress(next - 1);
    }
    Ok(verifier.finish()?)
}

/// Verifies both own logs and checks the projections agree with them.
pub fn verify_own_logs(
    store: &dyn Store,
    origin: &MemberId,
    key: VerifyingKey,
    mut progress: impl FnMut(&LogId, u64),
) -> Result<Verified, VerifyError> {
    let [shared_log, private_log] = own_logs();
    let shared = verify_log(store, &shared_log, origin, key, |n| progress(&shared_log, n))?;
    let private = verify_log(store, &private_log, origin, key, |n| progress(&private_log, n))?;
    let stats = LogStats::load(store, &own_logs())?;
    for (log, head) in [(&shared_log, shared), (&private_log, private)] {
        let counted = stats.get(log).events;
        if counted != head.seq {
            return Err(VerifyError::ProjectionMismatch { log: log.clone(), events: head.seq, counted });
        }
    }
    Ok(Verified { shared, private, events: shared.seq + private.seq })
}
