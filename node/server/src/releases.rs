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
