//! What a peer spends on one received release: `Ingest::decide` (decoding, the
//! signature, the structure check, the revision, the disclosure check and the ε
//! budget), in process, for a normal release that is accepted and for hostile
//! ones that are rejected, the largest an event can carry among them.

use std::time::Instant;

use remedy_core::ingest::{Ingest, Outcome};
use remedy_core::payload::Payload;
use remedy_core::{ChainHead, LogKind, MemberId, SignedEvent, SigningKey};

/// The time one decision takes, median of `runs`, in milliseconds, and its
/// outcome.
#[derive(Debug, Clone)]
pub struct Decision {
    pub what: String,
    pub payload_bytes: usize,
    pub accepted: bool,
    pub reason: String,
    pub median_ms: f64,
    pub max_ms: f64,
}

fn decide(
    key: &SigningKey,
    vn: &MemberId,
    what: &str,
    release: &remedy_core::release::Release,
    runs: usize,
) -> Decision {
    let event = SignedEvent::seal(
        key,
        vn,
        LogKind::Shared,
        1,
        ChainHead::EMPTY.hash,
        0,
        &release.to_draft(),
    );
    let template = Ingest::new(vn.clone(), key.verifying_key(), ChainHead::EMPTY);
    let mut samples = Vec::with_capacity(runs);
    let mut outcome = None;
    for _ in 0..runs {
        let mut ingest = template.clone();
        let raw = vec![event.raw().to_vec()];
        let started = Instant::now();
        let out = ingest.decide(raw, |_| None);
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
        outcome = out.into_iter().next();
    }
    samples.sort_by(f64::total_cmp);
    let (accepted, reason) = match outcome {
        Some(Outcome::Append(_)) => (true, String::new()),
        Some(Outcome::Reject { reason, .. }) => (false, reason.to_string()),
        other => (false, format!("{other:?}")),
    };
    Decision {
        what: what.into(),
        payload_bytes: release.encode().len(),
        accepted,
        reason,
        median_ms: samples[samples.len() / 2],
        max_ms: samples[samples.len() - 1],
    }
}

/// Every decision, `runs` times each.
pub fn decisions(runs: usize) -> Vec<Decision> {
    let vn = MemberId::new("VN").expect("member id");
    let key = SigningKey::from_seed([3; 32]);
    let normal = remedy_tests::releases::valid(&vn, "2024-Q3", 2000, 1);
    let mut out = vec![decide(
        &key,
        &vn,
        "a normal release (2,000 cases, suppression)",
        &normal,
        runs,
    )];
    // Every cell of every table suppressed, totals kept: a valid shape and the
    // most work the disclosure check can be given (every cell to decide).
    let mut hidden = normal.clone();
    for t in &mut hidden.tables {
        for row in &mut t.cells {
            row.iter_mut().for_each(|c| *c = None);
        }
    }
    out.push(decide(
        &key,
        &vn,
        "every cell of every table suppressed (the disclosure check's most work)",
        &hidden,
        runs,
    ));
    // The same with every total scaled up to near 2^40, the largest figure a
    // release may state: the completion's work must not grow with the totals.
    let largest = hidden
        .tables
        .iter()
        .filter_map(|t| t.total)
        .max()
        .unwrap_or(1)
        .max(1);
    let factor = remedy_core::release::MAX_FIGURE as i64 / largest;
    let mut huge = hidden.clone();
    for t in &mut huge.tables {
        let scale = |v: &mut Option<i64>| *v = v.map(|v| v * factor);
        t.row_totals.iter_mut().for_each(scale);
        t.column_totals.iter_mut().for_each(scale);
        scale(&mut t.total);
    }
    out.push(decide(
        &key,
        &vn,
        "the same with totals scaled to near 2^40",
        &huge,
        runs,
    ));
    for (what, release) in remedy_tests::releases::hostile(&normal) {
        out.push(decide(&key, &vn, what, &release, runs));
    }
    out
}
