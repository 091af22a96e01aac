//! Publishing statistics releases: the tables of a period computed from this
//! node's committed cases, disclosure control applied, checked as every receiver
//! will check them, and appended to the shared log as one signed event.
//!
//! Every release is also a view row `rel/<member>/<period>/<revision>` (see
//! [`crate::views`]), written in the same commit as its event: the next revision
//! of a period starts from the last one's suppression pattern, and the ε a member
//! spent on a period is the sum over its noised releases, for this member as for
//! the others replication brings.
//!
//! A noised release first appends its noise seed to the private log, then
//! computes from the private log up to and including that seed event: the release
//! names it as its source, and attestation draws the same noise from it.

use std::sync::Arc;

use rand::RngCore;
use remedy_core::case::Date;
use remedy_core::disclosure::Protection;
use remedy_core::ledger::{GrainError, ReleaseLedger, ReleaseRules};
use remedy_core::payload::Payload;
use remedy_core::privacy::{Epsilon, NoiseSeed, OverBudget, Variance};
use remedy_core::release::{self, Disclosive, PolicyError, Release, Source};
use remedy_core::tables::{Period, TableBuilder, Tables};
use remedy_core::{LogKind, MemberId};

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
    #[error("{0}")]
    Grain(#[from] GrainError),
    #[error("{0}; publish without --epsilon, or with a smaller one")]
    OverBudget(#[from] OverBudget),
    #[error(
        "at ε {epsilon} the noised case total of {period} would have a standard error of ±{standard_error:.1} on {cases} cases ({relative:.1}%), above the federation's bound of {bound}% (max_noise_rse_percent): too noisy to use. Publish without --epsilon (exact counts, small ones suppressed), with a larger ε if the quarter's budget allows, or pass --accept-noise to publish it anyway"
    )]
    TooNoisy {
        period: Period,
        epsilon: Epsilon,
        cases: u64,
        standard_error: f64,
        relative: f64,
        bound: u64,
    },
    #[error(transparent)]
    Disclosive(#[from] Disclosive),
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
    #[error(
        "{period} starts on {starts}, after today ({today}): a release covers a period that has begun"
    )]
    Future {
        period: Period,
        starts: Date,
        today: Date,
    },
    #[error(
        "no case was opened or closed in {period}, so every figure would be 0; publish with --allow-empty if that is the finding to report"
    )]
    Empty { period: Period },
    #[error(
        "nothing changed since revision {revision} of {period}: this revision would publish the same figures; import new or corrected cases first"
    )]
    Unchanged { period: Period, revision: u64 },
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
    member: MemberId,
    store: Arc<dyn Store>,
    writer: LogWriter,
    cases: Arc<Cases>,
    /// One publication at a time: the budget check and the append are one step.
    publishing: tokio::sync::Mutex<()>,
}

/// What to publish.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    pub period: Period,
    /// `None`: the federation's minimum.
    pub threshold: Option<u64>,
    /// Noised counts under this ε instead of suppression.
    pub epsilon: Option<Epsilon>,
    pub dry_run: bool,
    /// Publish a period in which no case was opened or closed (all zeros).
    pub allow_empty: bool,
    /// Publish a noised release whose case total is noisier than the
    /// federation's bound.
    pub accept_noise: bool,
}

impl std::fmt::Debug for Releases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Releases")
    }
}

/// The releases of `member` this node holds (the `rel/` view rows, written with
/// each release event): the last revision of each period and the ε spent on it,
/// under the federation's minimum threshold and cap.
pub fn load_ledger(
    store: &dyn Store,
    member: &MemberId,
    rules: ReleaseRules,
) -> Result<ReleaseLedger, StoreError> {
    let mut ledger = ReleaseLedger::new(rules);
    for release in crate::views::releases_of(store, member)? {
        release.epsilon().map_err(|e| StoreError::Corrupt {
            path: format!("rel/{member}/{}", release.period),
            reason: e.to_string(),
        })?;
        ledger.record(&release);
    }
    Ok(ledger)
}

/// The federation's disclosure rules under `manifest` (the default policy's
/// for a standalone node).
pub fn release_rules(
    manifest: Option<&crate::federation::LiveManifest>,
) -> Result<ReleaseRules, String> {
    let policy = match manifest {
        Some(m) => m.current().body.policy.clone(),
        None => remedy_core::manifest::Policy::default(),
    };
    policy
        .release_rules()
        .map_err(|e| format!("the manifest's {e}"))
}

impl Releases {
    pub fn new(
        member: MemberId,
        store: Arc<dyn Store>,
        writer: LogWriter,
        cases: Arc<Cases>,
    ) -> Self {
        Self {
            member,
            store,
            writer,
            cases,
            publishing: tokio::sync::Mutex::new(()),
        }
    }

    /// The last `limit` committed case imports, newest first.
    pub async fn imports(&self, limit: usize) -> Result<Vec<crate::cases::Imported>, ImportError> {
        let cases = self.cases.clone();
        tokio::task::spawn_blocking(move || cases.history(limit))
            .await
            .map_err(|e| StoreError::Corrupt {
                path: "import history".into(),
                reason: e.to_string(),
            })?
    }

    /// The lock a publication holds from its checks to its append: a release
    /// appended by hand takes it too, so two releases never claim one revision.
    pub async fn exclusive(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.publishing.lock().await
    }

    /// Publishes a period (or only computes it, for a dry run) under the
    /// federation's `rules`.
    pub async fn publish(
        &self,
        request: Request,
        rules: ReleaseRules,
    ) -> Result<Published, PublishError> {
        let Request {
            period,
            threshold,
            epsilon,
            dry_run,
            allow_empty,
            accept_noise,
        } = request;
        rules.check_grain(period)?;
        let today = today();
        if period.first_day() > today {
            return Err(PublishError::Future {
                period,
                starts: period.first_day(),
                today,
            });
        }
        let k = threshold.unwrap_or(rules.min_threshold);
        if k < rules.min_threshold {
            return Err(PublishError::BelowMinimum {
                requested: k,
                minimum: rules.min_threshold,
            });
        }
        // A dry run appends nothing: it need not wait for a publication, nor
        // hold one up (the operator's page computes one on request).
        let _one_at_a_time = if dry_run {
            None
        } else {
            Some(self.publishing.lock().await)
        };
        let period_text = period.to_string();
        if let Some(e) = epsilon {
            load_ledger(self.store.as_ref(), &self.member, rules)?
                .budget()
                .check(period, e)?;
        }
        // The tables first: a noised release too noisy to use is refused before
        // its seed is drawn.
        let cases = self.cases.clone();
        let tables = tokio::task::spawn_blocking(move || {
            let mut builder = TableBuilder::new(period);
            cases.for_each(|case| builder.add(case))?;
            Ok::<_, PublishError>(builder.finish())
        })
        .await
        .map_err(|e| StoreError::Corrupt {
            path: "publish".into(),
            reason: e.to_string(),
        })??;
        if let Some(e) = epsilon {
            let expected = release::expected_error(&tables, e);
            if expected.relative * 100.0 > rules.max_noise_rse_percent as f64 && !accept_noise {
                return Err(PublishError::TooNoisy {
                    period,
                    epsilon: e,
                    cases: expected.cases,
                    standard_error: expected.standard_error,
                    relative: expected.relative * 100.0,
                    bound: rules.max_noise_rse_percent,
                });
            }
        }
        let noise = match epsilon {
            None => None,
            Some(e) => {
                let mut bytes = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut bytes);
                let seed = NoiseSeed::new(period_text.clone(), bytes);
                // A dry run draws noise it does not keep; a publication keeps its
                // seed first, so the release can name it.
                if !dry_run {
                    self.writer
                        .append(LogKind::Private, vec![seed.to_draft()])
                        .await?;
                }
                Some((e, seed))
            }
        };
        let (store, member) = (self.store.clone(), self.member.clone());
        let (release, held_back) = tokio::task::spawn_blocking(move || {
            compute(
                store.as_ref(),
                tables,
                &member,
                k,
                noise.as_ref(),
                allow_empty,
                rules,
            )
        })
        .await
        .map_err(|e| StoreError::Corrupt {
            path: "publish".into(),
            reason: e.to_string(),
        })??;
        release::check(&release, rules.min_threshold)?;
        if dry_run {
            return Ok(Published {
                release,
                held_back,
                seq: None,
            });
        }
        // The writer adds the view rows (`rel/`, `tab/`) in the same commit.
        let receipts = self
            .writer
            .append(LogKind::Shared, vec![release.to_draft()])
            .await?;
        Ok(Published {
            release,
            held_back,
            seq: receipts.last().map(|r| r.seq),
        })
    }
}

/// Today's date (UTC) from the system clock.
fn today() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Date::from_days((seconds / 86_400) as i64)
}

/// The release of `period` from the committed cases, as the next revision:
/// noised with `noise` (ε and seed), or with suppression. Refused when no case
/// was opened or closed in the period (unless `allow_empty`), and when the
/// figures would be those of the revision in force.
fn compute(
    store: &dyn Store,
    tables: Tables,
    member: &MemberId,
    k: u64,
    noise: Option<&(Epsilon, NoiseSeed)>,
    allow_empty: bool,
    rules: ReleaseRules,
) -> Result<(Release, Vec<String>), PublishError> {
    let max_rse = rules.max_noise_rse_percent;
    let period = tables.period;
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
    // Every earlier revision of the period, in order: the new one is protected
    // against each.
    let earlier = crate::views::period_releases(store, member, &period.to_string())?;
    let previous = earlier.last().cloned();
    let revision = previous.as_ref().map(|p| p.revision + 1).unwrap_or(1);
    let source = Source {
        private_seq,
        private_hash,
    };
    if tables.is_empty() && !allow_empty {
        return Err(PublishError::Empty { period });
    }
    let protection = Protection::threshold(k).with_width(rules.protection_width);
    let release = apply(&tables, protection, revision, source, &earlier, noise)?;
    if let Some(previous) = &previous
        && release.privacy.is_none()
        && release.same_figures(previous)
    {
        return Err(PublishError::Unchanged {
            period,
            revision: previous.revision,
        });
    }
    let mut held_back = held_back(&tables, &release, k);
    if let Some((epsilon, _)) = noise {
        let e = release::expected_error(&tables, *epsilon);
        held_back.insert(
            0,
            format!(
                "expected error: the case total's standard error is ±{:.1} on {} cases ({:.1}%; the federation's bound is {max_rse}%); about 95% of noised totals fall within ±{:.0} of the truth",
                e.standard_error,
                e.cases,
                e.relative * 100.0,
                1.96 * e.standard_error
            ),
        );
    }
    Ok((release, held_back))
}

/// The rules applied to exact tables: noise from the seed, or suppression.
fn apply(
    tables: &Tables,
    protection: Protection,
    revision: u64,
    source: Source,
    previous: &[Release],
    noise: Option<&(Epsilon, NoiseSeed)>,
) -> Result<Release, PublishError> {
    let k = protection.threshold.unwrap_or_default();
    match noise {
        Some((epsilon, seed)) => {
            let mut rng = seed.rng().ok_or_else(|| PublishError::Corrupt {
                period: tables.period.to_string(),
                reason: "unusable noise seed".into(),
            })?;
            Ok(release::build_noised(
                tables, k, *epsilon, &mut rng, revision, source,
            ))
        }
        None => Ok(release::build_protected(
            tables,
            k,
            protection.width,
            revision,
            source,
            previous,
        )?),
    }
}

/// Every figure the release holds back, with its value and why.
fn held_back(tables: &Tables, release: &Release, k: u64) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(privacy) = &release.privacy {
        for spend in &privacy.tables {
            let se = Variance::parse(&spend.cell_variance).map_or(0.0, Variance::standard_error);
            lines.push(format!(
                "{}: every count noised (discrete Laplace, ε {}, sensitivity {}; standard error ±{se:.1} per cell); none exact",
                spend.table, spend.epsilon, spend.sensitivity
            ));
        }
        if tables.over_bound > 0 {
            lines.push(format!(
                "grievance tables: {} cases name more than {} grievances; each counts {} of them (bounded contribution)",
                tables.over_bound,
                privacy.grievances_per_case,
                privacy.grievances_per_case
            ));
        }
        lines.push(
            "resolution: medians and compensation sums withheld: no noise is added to them".into(),
        );
        return lines;
    }
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
    /// Each figure the release held back, with its value and why (the
    /// operator's eyes only: it never leaves the node).
    pub held_back: Vec<String>,
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
    let previous: Vec<Release> = releases[..index].iter().map(|(_, r)| r.clone()).collect();
    let head = release.source.private_seq;

    // The private log as it stood then: committed imports only, latest versions.
    let mut committed = std::collections::HashSet::new();
    let mut head_hash = String::new();
    let mut seed = None;
    own_events(store, LogKind::Private, head, |event| {
        if event.seq() == head {
            head_hash = event.hash().to_string();
            if event.kind() == PayloadKind::NOISE_SEED {
                seed = Some(NoiseSeed::from_event(&event).map_err(|e| corrupt(e.to_string()))?);
            }
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
    let noise = match (&release.privacy, seed) {
        (None, _) => None,
        (Some(_), Some(seed)) => {
            Some((release.epsilon().map_err(|e| corrupt(e.to_string()))?, seed))
        }
        (Some(_), None) => {
            differences.push(format!(
                "the release is noised, but the private log's event {head} is not a noise seed"
            ));
            return Ok(Attestation {
                release,
                seq,
                cases,
                differences,
                held_back: Vec::new(),
            });
        }
    };
    let tables = builder.finish();
    let held = held_back(&tables, &release, release.rules.threshold);
    let recomputed = apply(
        &tables,
        Protection::threshold(release.rules.threshold).with_width(release.rules.protection_width),
        release.revision,
        release.source.clone(),
        &previous,
        noise.as_ref(),
    )?;
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
        held_back: held,
    })
}
