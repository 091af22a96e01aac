//! How usable a noised quarter is: the regional case total of a federation whose
//! members each publish one noised release of 2024-Q4, drawn again and again,
//! set against the true total. The stated standard error (from the releases'
//! `cell_variance`) and the measured root-mean-square error should agree, the
//! mean error should be near 0 (the estimates are unbiased), and the relative
//! error is what a coordinator reads the figure with.

use rand::SeedableRng;
use remedy_core::MemberId;
use remedy_core::case::Date;
use remedy_core::privacy::{Epsilon, Variance};
use remedy_core::release::{Source, build_noised};
use remedy_core::tables::{Period, compute};

/// One federation's figures.
#[derive(Debug, Clone)]
pub struct NoiseFigures {
    pub what: String,
    pub epsilon: String,
    /// Cases opened in the quarter, per member and in all.
    pub member_cases: Vec<(String, u64)>,
    pub cases: u64,
    pub draws: usize,
    /// The standard error the releases state for the regional case total.
    pub stated_se: f64,
    /// Measured over the draws.
    pub rms_error: f64,
    pub mean_error: f64,
    /// `rms_error / cases`, in percent.
    pub relative_percent: f64,
    /// The largest member's relative standard error, in percent (what
    /// `remedy publish` holds to the federation's bound).
    pub worst_member_percent: f64,
}

/// `members` (id and cases opened over 2024), each publishing 2024-Q4 noised at
/// `epsilon`, `draws` times with fresh noise.
pub fn regional(
    what: &str,
    members: &[(&str, u64)],
    epsilon: &str,
    draws: usize,
    seed: u64,
) -> NoiseFigures {
    let period = Period::parse("2024-Q4").expect("period");
    let e = Epsilon::parse(epsilon).expect("epsilon");
    let tables: Vec<_> = members
        .iter()
        .enumerate()
        .map(|(i, (m, n))| {
            let cases: Vec<_> = remedy_core::synthetic::generate(
                &MemberId::new(*m).expect("member"),
                *n,
                40 + i as u64,
                Date::parse("2024-01-01").expect("date"),
                Date::parse("2024-12-31").expect("date"),
            )
            .collect();
            compute(period, &cases)
        })
        .collect();
    let member_cases: Vec<(String, u64)> = members
        .iter()
        .zip(&tables)
        .map(|((m, _), t)| (m.to_string(), t.channel_outcome.cells.iter().sum()))
        .collect();
    let cases: u64 = member_cases.iter().map(|(_, n)| n).sum();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    let (mut sum_sq, mut sum, mut stated) = (0.0f64, 0.0f64, Variance::ZERO);
    for _ in 0..draws {
        let mut estimate = 0i64;
        stated = Variance::ZERO;
        for t in &tables {
            let source = Source {
                private_seq: 1,
                private_hash: String::new(),
            };
            let r = build_noised(t, 5, e, &mut rng, 1, source);
            let co = &r.tables[1];
            estimate += co.total.unwrap_or(0);
            let cell = r.cell_variance(&co.name).unwrap_or(Variance::ZERO);
            stated = stated.plus(cell.times((co.rows.len() * co.columns.len()) as u64));
        }
        let error = (estimate - cases as i64) as f64;
        sum += error;
        sum_sq += error * error;
    }
    let rms_error = (sum_sq / draws as f64).sqrt();
    let worst_member_percent = tables
        .iter()
        .map(|t| 100.0 * remedy_core::release::expected_error(t, e).relative)
        .fold(0.0, f64::max);
    NoiseFigures {
        what: what.into(),
        epsilon: epsilon.into(),
        member_cases,
        cases,
        draws,
        stated_se: stated.standard_error(),
        rms_error,
        mean_error: sum / draws as f64,
        relative_percent: 100.0 * rms_error / cases.max(1) as f64,
        worst_member_percent,
    }
}

/// The federations measured: the demo's (3,000 cases a member a year) and
/// smaller ones, at the default ε (1, the default cap: one noised release a
/// quarter).
pub fn all(draws: usize) -> Vec<NoiseFigures> {
    vec![
        regional(
            "demo federation: KH, ID, VN, JP, 3,000 cases a year each",
            &[("KH", 3_000), ("ID", 3_000), ("VN", 3_000), ("JP", 3_000)],
            "1",
            draws,
            1,
        ),
        regional(
            "uneven: VN 6,000, ID 3,000, KH 1,200, JP 600 a year",
            &[("VN", 6_000), ("ID", 3_000), ("KH", 1_200), ("JP", 600)],
            "1",
            draws,
            2,
        ),
        regional(
            "small: four members of 400 cases a year (about 100 a quarter)",
            &[("KH", 400), ("ID", 400), ("VN", 400), ("JP", 400)],
            "1",
            draws,
            3,
        ),
        regional(
            "demo federation at ε 0.5",
            &[("KH", 3_000), ("ID", 3_000), ("VN", 3_000), ("JP", 3_000)],
            "0.5",
            draws,
            4,
        ),
    ]
}

/// The table for BENCHMARKS.md.
pub fn table(s: &mut String, figures: &[NoiseFigures]) {
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "The regional case total of 2024-Q4 (channel-outcome's total summed over members) when every member publishes the quarter noised, each of {} draws with fresh noise, against the true total. Stated: the standard error the releases state (`cell_variance` × 70 cells, summed over members). Measured: root-mean-square error over the draws. Relative: measured over the true total. Worst member: the largest member's own relative standard error, the figure `remedy publish` holds to `max_noise_rse_percent` (10%) unless `--accept-noise`.\n",
        figures.first().map_or(0, |f| f.draws)
    );
    let _ = writeln!(
        s,
        "| federation | ε | cases in the quarter | stated SE | measured RMS error | mean error | relative error | worst member | target |\n|---|---:|---:|---:|---:|---:|---:|---:|---|"
    );
    for f in figures {
        let members: Vec<String> = f
            .member_cases
            .iter()
            .map(|(m, n)| format!("{m} {n}"))
            .collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} ({}) | ±{:.1} | {:.1} | {:+.1} | {:.1}% | {:.1}% | {} |",
            f.what,
            f.epsilon,
            f.cases,
            members.join(", "),
            f.stated_se,
            f.rms_error,
            f.mean_error,
            f.relative_percent,
            f.worst_member_percent,
            if f.epsilon == "1" { "< 10%" } else { "—" }
        );
    }
}
