//! Publishing statistics releases: the tables of a period computed from this
//! node's committed cases, disclosure control applied, checked as every receiver
//! will check them, and appended to the shared log as one signed event.
//!
//! The latest release of each period is kept in the projection `release/<period>`
//! (the release itself), written in the same commit as its event; the next
//! revision of the period starts from its suppression pattern.

use std::sync::Arc;

use remedy_core::LogKind;
use remedy_core::payload::Payload;
use remedy_core::release::{self, PolicyError, Release, Source};
use remedy_core::tables::{Period, TableBuilder};

use crate::cases::{Cases, ImportError};
use crate::store::{LogId, Store, StoreError};
use crate::writer::{AppendError, LogWriter};

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(
        "threshold {requested} is below the federation's minimum of {minimum}; the manifest's policy does not allow it"
    )]
    BelowMinimum { requested: u64, minimum: u64 },
    #[error("the release would break the policy (a bug: please report it): {0}")]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Cases(#[from] ImportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Append(#[from] AppendError),
    #[error("the stored release of {period} is unreadable: {reason}")]
    Corrupt { period: String, reason: String },
    #[error("this node has published no {what} of {period}")]
    NotFound { what: String, period: String },
}

/// What publishing did (or, for a dry run, would do).
#[derive(Debug, Clone)]
pub struct Published {
    pub release: Release,
    /// Each figure held back, with its value and the rule that held it.
    pub held_back: Vec<String>,
    /// The shared-log sequence number; `None` for a dry run.
    pub seq: Option<u64>,
}

pub struct Releases {
    store: Arc<dyn Store>,
    writer: LogWriter,
    cases: Arc<Cases>,
}

impl std::fmt::Debug for Releases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Releases")
    }
}

fn release_key(period: Period) -> Vec<u8> {
    format!("release/{period}").into_bytes()
}

impl Releases {
    pub fn new(store: Arc<dyn Store>, writer: LogWriter, cases: Arc<Cases>) -> Self {
        Self {
            store,
            writer,
            cases,
        }
    }

    /// Publishes `period` with threshold `threshold` (default: `minimum`, the
    /// federation's), or only computes it when `dry_run`.
    pub async fn publish(
        &self,
        period: Period,
        threshold: Option<u64>,
        minimum: u64,
        dry_run: bool,
    ) -> Result<Published, PublishError> {
        let k = threshold.unwrap_or(minimum);
        if k < minimum {
            return Err(PublishError::BelowMinimum {
                requested: k,
                minimum,
            });
        }
        let (store, cases) = (self.store.clone(), self.cases.clone());
        let (release, held_back) =
            tokio::task::spawn_blocking(move || compute(store.as_ref(), &cases, period, k))
                .await
                .map_err(|e| StoreError::Corrupt {
                    path: "publish".into(),
                    reason: e.to_string(),
                })??;
        release::check(&release, minimum)?;
        if dry_run {
            return Ok(Published {
                release,
                held_back,
                seq: None,
            });
        }
        let receipts = self
            .writer
            .append_with(
                LogKind::Shared,
                vec![release.to_draft()],
                vec![(release_key(period), release.encode())],
            )
            .await?;
        Ok(Published {
            release,
            held_back,
            seq: receipts.last().map(|r| r.seq),
        })
    }
}

/// The release of `period` from the committed cases, as the next revision.
fn compute(
    store: &dyn Store,
    cases: &Cases,
    period: Period,
    k: u64,
) -> Result<(Release, Vec<String>), PublishError> {
    let (private_seq, private_hash) = match store.last(&LogId::Own(LogKind::Private))? {
        Some((seq, raw)) => {
            let event = remedy_core::SignedEvent::decode(raw).map_err(|e| StoreError::Corrupt {
                path: "private log".into(),
                reason: e.to_string(),
            })?;
            (seq, event.hash().to_string())
        }
        None => (0, String::new()),
    };
    let previous =
        match store.projection(&release_key(period))? {
            Some(raw) => Some(Release::decode(Release::VERSION, &raw).map_err(|e| {
                PublishError::Corrupt {
                    period: period.to_string(),
                    reason: e.to_string(),
                }
            })?),
            None => None,
        };
    let mut builder = TableBuilder::new(period);
    cases.for_each(|case| builder.add(case))?;
    let tables = builder.finish();
    let release = release::build(
        &tables,
        k,
        previous.as_ref().map(|p| p.revision + 1).unwrap_or(1),
        Source {
            private_seq,
            private_hash,
        },
        previous.as_ref(),
    );
    let held_back = held_back(&tables, &release, k);
    Ok((release, held_back))
}

/// Every figure the release holds back, with its value and why.
fn held_back(tables: &remedy_core::tables::Tables, release: &Release, k: u64) -> Vec<String> {
    let mut lines = Vec::new();
    for (exact, published) in tables.counts().iter().zip(&release.tables) {
        for (i, value) in exact.cells.iter().enumerate() {
            let (r, c) = (i / exact.columns.len(), i % exact.columns.len());
            if published.cells[r][c].is_some() {
                continue;
            }
            let why = if (1..k).contains(value) {
                format!("a count from 1 to {}", k - 1)
            } else {
                "hidden so that no suppressed cell can be worked out from the totals".into()
            };
            lines.push(format!(
                "{} {} × {} = {value}: {why}",
                exact.name, exact.rows[r], exact.columns[c]
            ));
        }
    }
    for (exact, published) in tables.resolution.iter().zip(&release.resolution) {
        if published.closed.is_none() {
            lines.push(format!(
                "resolution {}: {} closed: a count from 1 to {}",
                exact.channel,
                exact.closed,
                k - 1
            ));
        } else if exact.closed > 0 && published.total_compensation_usd.is_none() {
            lines.push(format!(
                "resolution {}: compensation sum {} USD: one case makes up more than {}% of it",
                exact.channel,
                exact.total_compensation,
                release::DOMINANCE_PERCENT
            ));
        }
    }
    lines
}

/// What `remedy cases attest` found.
#[derive(Debug, Clone)]
pub struct Attestation {
    pub release: Release,
    /// The shared-log sequence number of the release checked.
    pub seq: u64,
    /// Cases the recomputation counted (their latest version as of the release's
    /// private-log head).
    pub cases: u64,
    /// Empty when the recomputed release equals the published one.
    pub differences: Vec<String>,
}

impl Releases {
    /// Recomputes a published release (`revision`, or the latest of `period`) from
    /// the private log as it stood at the head the release names, and compares.
    pub async fn attest(
        &self,
        period: Period,
        revision: Option<u64>,
    ) -> Result<Attestation, PublishError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || attest(store.as_ref(), period, revision))
            .await
            .map_err(|e| StoreError::Corrupt {
                path: "attest".into(),
                reason: e.to_string(),
            })?
    }
}

/// Every event of one of the own logs, in order, decoded.
fn own_events(
    store: &dyn Store,
    log: LogKind,
    up_to: u64,
    mut f: impl FnMut(remedy_core::SignedEvent) -> Result<(), PublishError>,
) -> Result<(), PublishError> {
    let mut next = 1;
    while next <= up_to {
        let page = store.range(&LogId::Own(log), next, 256)?;
        let Some((last, _)) = page.last() else { break };
        next = last + 1;
        for (seq, raw) in page {
            if seq > up_to {
                return Ok(());
            }
            let event = remedy_core::SignedEvent::decode(raw).map_err(|e| StoreError::Corrupt {
                path: format!("{log} log"),
                reason: format!("event {seq}: {e}"),
            })?;
            f(event)?;
        }
    }
    Ok(())
}

fn attest(
    store: &dyn Store,
    period: Period,
    revision: Option<u64>,
) -> Result<Attestation, PublishError> {
    use remedy_core::case::{CaseBatch, ImportCommit};
    use remedy_core::payload::PayloadKind;
    let corrupt = |reason: String| PublishError::Corrupt {
        period: period.to_string(),
        reason,
    };
    // The releases of the period in the shared log.
    let mut releases: Vec<(u64, Release)> = Vec::new();
    own_events(store, LogKind::Shared, u64::MAX, |event| {
        if event.kind() == PayloadKind::RELEASE {
            let release = Release::from_event(&event).map_err(|e| corrupt(e.to_string()))?;
            if release.period == period.to_string() {
                releases.push((event.seq(), release));
            }
        }
        Ok(())
    })?;
    let index = match revision {
        None => releases.len().checked_sub(1),
        Some(r) => releases.iter().position(|(_, x)| x.revision == r),
    }
    .ok_or_else(|| {
        corrupt(format!(
            "this node has published no {} of {period}",
            revision
                .map(|r| format!("revision {r}"))
                .unwrap_or("release".into())
        ))
    })?;
    let (seq, release) = releases[index].clone();
    let previous = index.checked_sub(1).map(|i| releases[i].1.clone());
    let head = release.source.private_seq;

    // The private log as it stood then: committed imports only, latest versions.
    let mut committed = std::collections::HashSet::new();
    let mut head_hash = String::new();
    own_events(store, LogKind::Private, head, |event| {
        if event.seq() == head {
            head_hash = event.hash().to_string();
        }
        if event.kind() == PayloadKind::IMPORT_COMMIT {
            let commit = ImportCommit::from_event(&event).map_err(|e| corrupt(e.to_string()))?;
            committed.extend(commit.batches);
        }
        Ok(())
    })?;
    let mut differences = Vec::new();
    if head_hash != release.source.private_hash {
        differences.push(format!(
            "the private log's event {head} has hash {head_hash}, the release names {}",
            release.source.private_hash
        ));
    }
    let mut latest: std::collections::HashMap<Box<str>, u64> = Default::default();
    own_events(store, LogKind::Private, head, |event| {
        if event.kind() == PayloadKind::CASES && committed.contains(&event.seq()) {
            let batch = CaseBatch::from_event(&event).map_err(|e| corrupt(e.to_string()))?;
            for case in batch.cases {
                latest.insert(case.case_id.into(), event.seq());
            }
        }
        Ok(())
    })?;
    let mut builder = TableBuilder::new(period);
    let mut cases = 0;
    own_events(store, LogKind::Private, head, |event| {
        if event.kind() == PayloadKind::CASES && committed.contains(&event.seq()) {
            let batch = CaseBatch::from_event(&event).map_err(|e| corrupt(e.to_string()))?;
            for case in &batch.cases {
                if latest.get(case.case_id.as_str()) == Some(&event.seq()) {
                    builder.add(case);
                    cases += 1;
                }
            }
        }
        Ok(())
    })?;
    let recomputed = release::build(
        &builder.finish(),
        release.rules.threshold,
        release.revision,
        release.source.clone(),
        previous.as_ref(),
    );
    for (mine, theirs) in recomputed.tables.iter().zip(&release.tables) {
        for (i, (a, b)) in mine
            .cells
            .iter()
            .flatten()
            .zip(theirs.cells.iter().flatten())
            .enumerate()
        {
            if a != b {
                let columns = mine.columns.len();
                differences.push(format!(
                    "{} {} × {}: recomputed {}, published {}",
                    mine.name,
                    mine.rows[i / columns],
                    mine.columns[i % columns],
                    a.map(|v| v.to_string()).unwrap_or("suppressed".into()),
                    b.map(|v| v.to_string()).unwrap_or("suppressed".into())
                ));
            }
        }
    }
    if differences.is_empty() && recomputed != release {
        differences.push("totals, resolution figures or rules differ".into());
    }
    Ok(Attestation {
        release,
        seq,
        cases,
        differences,
    })
}
