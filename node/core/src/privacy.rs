//! Differential privacy for counts: ε as an exact decimal, the discrete Laplace
//! mechanism sampled with integer arithmetic only, and the budget each member may
//! spend per period.
//!
//! Floating-point Laplace noise leaks through the gaps in the set of doubles it
//! can produce (Mironov, CCS 2012). Here ε is a whole number of millionths, and
//! noise is drawn by the exact sampler of Canonne, Kamath and Steinke ("The
//! Discrete Gaussian for Differential Privacy", NeurIPS 2020, algorithms 1 and 2):
//! Bernoulli trials with rational probabilities, decided by uniform integers from
//! the caller's random source. Adding noise Y with P(Y = y) ∝ exp(-ε|y|/Δ) to a
//! count vector whose L1 sensitivity is Δ is ε-differentially private.

use std::collections::BTreeMap;
use std::fmt;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::payload::{Payload, PayloadError, PayloadKind};
use crate::tables::Period;

/// Millionths in one ε.
const MICRO: u64 = 1_000_000;

/// A privacy-loss parameter ε, exactly, in millionths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Epsilon(u64);

/// Why a text is not an ε.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("ε {text:?} is not a positive decimal with at most six places, such as 0.5 or 1.25")]
pub struct EpsilonError {
    pub text: String,
}

impl Epsilon {
    pub const ZERO: Epsilon = Epsilon(0);

    pub fn from_micro(micro: u64) -> Self {
        Self(micro)
    }

    pub fn micro(self) -> u64 {
        self.0
    }

    /// Parses a decimal such as `1`, `0.5` or `0.125` (at most six places, no sign,
    /// no exponent) exactly.
    pub fn parse(text: &str) -> Result<Self, EpsilonError> {
        let error = || EpsilonError { text: text.into() };
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 6 {
            return Err(error());
        }
        let whole: u64 = whole.parse().map_err(|_| error())?;
        let fraction: u64 = format!("{fraction:0<6}").parse().map_err(|_| error())?;
        whole
            .checked_mul(MICRO)
            .and_then(|w| w.checked_add(fraction))
            .map(Self)
            .ok_or_else(error)
    }

    /// The ε a manifest states as a TOML float, by its shortest decimal form (so
    /// `0.3` is 0.3 exactly, not the double nearest to it).
    pub fn from_config(value: f64) -> Result<Self, EpsilonError> {
        let text = format!("{value}");
        if !value.is_finite() || value < 0.0 {
            return Err(EpsilonError { text });
        }
        Self::parse(&text)
    }

    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Self)
    }

    /// This ε split into `parts` shares that add up to it exactly (the first
    /// shares take the remainder).
    pub fn split(self, parts: u64) -> Vec<Epsilon> {
        let (share, rest) = (self.0 / parts, self.0 % parts);
        (0..parts)
            .map(|i| Epsilon(share + u64::from(i < rest)))
            .collect()
    }
}

impl fmt::Display for Epsilon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, fraction) = (self.0 / MICRO, self.0 % MICRO);
        if fraction == 0 {
            return write!(f, "{whole}");
        }
        let fraction = format!("{fraction:06}");
        write!(f, "{whole}.{}", fraction.trim_end_matches('0'))
    }
}

/// Noise for one count of a vector of L1 sensitivity `sensitivity`, under `epsilon`
/// (which must be positive): a draw from the discrete Laplace distribution
/// P(y) ∝ exp(-ε|y|/Δ).
pub fn laplace_noise<R: Rng + ?Sized>(rng: &mut R, epsilon: Epsilon, sensitivity: u64) -> i64 {
    // exp(-|y| s / t) with s/t = ε/Δ = micro / (Δ · 10⁶), reduced.
    let (s, t) = (epsilon.0.max(1), sensitivity.max(1) * MICRO);
    let g = gcd(s, t);
    discrete_laplace(rng, s / g, t / g)
}

/// A variance as an exact decimal with two places (a whole number of
/// hundredths), as releases and views state it: the variance of independent
/// noises summed is the sum of theirs, so a reader adds stated variances exactly
/// and takes the square root once, at the end, for the standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Variance(u64);

impl Variance {
    pub const ZERO: Variance = Variance(0);

    /// The variance of [`laplace_noise`] under `epsilon` and `sensitivity`:
    /// 2q/(1−q)² with q = exp(−ε/Δ), rounded to the nearest hundredth.
    /// Saturates for an ε so small that the noise has no usable scale.
    pub fn of_noise(epsilon: Epsilon, sensitivity: u64) -> Self {
        let ratio = epsilon.0 as f64 / (sensitivity.max(1) as f64 * MICRO as f64);
        let q = (-ratio).exp();
        let variance = 2.0 * q / ((1.0 - q) * (1.0 - q));
        let centi = (variance * 100.0).round();
        Self(if centi.is_finite() && centi < 1e18 {
            centi as u64
        } else {
            u64::MAX / 2
        })
    }

    pub fn from_centi(centi: u64) -> Self {
        Self(centi)
    }

    pub fn centi(self) -> u64 {
        self.0
    }

    /// `n` independent figures of this variance summed.
    pub fn times(self, n: u64) -> Self {
        Self(self.0.saturating_mul(n))
    }

    pub fn plus(self, other: Self) -> Self {
        Self(self.0.saturating_add(other.0))
    }

    /// Parses the [`Display`](fmt::Display) form: digits, a point and exactly
    /// two digits ("49.83").
    pub fn parse(text: &str) -> Option<Self> {
        let (whole, fraction) = text.split_once('.')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || fraction.len() != 2 || !digits(fraction) || whole.len() > 16 {
            return None;
        }
        let whole: u64 = whole.parse().ok()?;
        let fraction: u64 = fraction.parse().ok()?;
        Some(Self(whole.checked_mul(100)?.checked_add(fraction)?))
    }

    /// The standard error: the square root of the variance.
    pub fn standard_error(self) -> f64 {
        (self.0 as f64 / 100.0).sqrt()
    }
}

impl fmt::Display for Variance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// Algorithm 2 of Canonne, Kamath and Steinke: Y with P(Y = y) ∝ exp(-|y| s / t).
pub fn discrete_laplace<R: Rng + ?Sized>(rng: &mut R, s: u64, t: u64) -> i64 {
    loop {
        let u = rng.gen_range(0..t);
        if !bernoulli_exp(rng, u, t) {
            continue;
        }
        let mut v: u64 = 0;
        while bernoulli_exp(rng, 1, 1) {
            v += 1;
        }
        let x = u.saturating_add(t.saturating_mul(v));
        let y = i64::try_from(x / s).unwrap_or(i64::MAX);
        let negative = rng.gen_range(0..2u8) == 1;
        if negative && y == 0 {
            continue;
        }
        return if negative { -y } else { y };
    }
}

/// True with probability exp(-n/d), n ≥ 0, d > 0 (algorithm 1).
fn bernoulli_exp<R: Rng + ?Sized>(rng: &mut R, mut n: u64, d: u64) -> bool {
    while n > d {
        if !bernoulli_exp_at_most_one(rng, 1, 1) {
            return false;
        }
        n -= d;
    }
    bernoulli_exp_at_most_one(rng, n, d)
}

/// True with probability exp(-γ) for γ = n/d in [0, 1]: count k while trials with
/// probability γ/k succeed; the result is whether k ended odd.
fn bernoulli_exp_at_most_one<R: Rng + ?Sized>(rng: &mut R, n: u64, d: u64) -> bool {
    let mut k: u64 = 1;
    while rng.gen_range(0..d.saturating_mul(k)) < n {
        k += 1;
    }
    k % 2 == 1
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// The seed of the random generator a noised release drew its noise from (ChaCha20
/// as in `rand_chacha` 0.3, sampling as in `rand` 0.8). Kept in the private log
/// just before the release is computed, so the release names it as its source
/// head and `remedy cases attest` can draw the same noise again. It never leaves
/// the node: with it, anyone could take the noise off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoiseSeed {
    pub period: String,
    /// 32 bytes, hexadecimal.
    pub seed: String,
}

impl NoiseSeed {
    pub fn new(period: String, seed: [u8; 32]) -> Self {
        Self {
            period,
            seed: hex::encode(seed),
        }
    }

    /// The generator this seed starts.
    pub fn rng(&self) -> Option<rand_chacha::ChaCha20Rng> {
        use rand::SeedableRng;
        let seed: [u8; 32] = hex::decode(&self.seed).ok()?.try_into().ok()?;
        Some(rand_chacha::ChaCha20Rng::from_seed(seed))
    }
}

impl Payload for NoiseSeed {
    const KIND: PayloadKind = PayloadKind::NOISE_SEED;
    const VERSION: u16 = 1;

    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn decode(version: u16, bytes: &[u8]) -> Result<Self, PayloadError> {
        let seed: Self = crate::payload::decode_json(Self::KIND, Self::VERSION, version, bytes)?;
        if seed.rng().is_none() {
            return Err(PayloadError::Malformed {
                kind: Self::KIND,
                version,
                reason: "the seed is not 64 hexadecimal digits".into(),
            });
        }
        Ok(seed)
    }
}

/// The ε a member has spent per calendar quarter, against the federation's cap.
///
/// A noised release charges its ε to every calendar quarter its period covers,
/// whatever its label: a month charges its quarter, a year all four. The cases of
/// one quarter can therefore never receive more than the cap, however the
/// periods that contain them are cut (sequential composition: each case is in
/// every release of a period that contains its dates).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    pub cap: Epsilon,
    /// Spent per calendar quarter (`Period::Quarter`).
    pub spent: BTreeMap<Period, Epsilon>,
}

/// A release that would take a member's spending for a quarter over the cap.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "period {period}: ε {asked} on top of the {spent} already spent{} exceeds the federation's cap of {cap} per member and calendar quarter",
    if quarter == period { String::new() } else { format!(" on {quarter}") }
)]
pub struct OverBudget {
    pub period: String,
    /// The first calendar quarter it would take over the cap.
    pub quarter: String,
    pub asked: Epsilon,
    pub spent: Epsilon,
    pub cap: Epsilon,
}

impl Budget {
    pub fn new(cap: Epsilon) -> Self {
        Self {
            cap,
            spent: BTreeMap::new(),
        }
    }

    /// What has been spent on the calendar quarter `quarter`, or the most spent
    /// on any quarter that `quarter` (a period of any grain) covers.
    pub fn spent(&self, period: Period) -> Epsilon {
        period
            .quarters()
            .iter()
            .map(|q| self.spent.get(q).copied().unwrap_or_default())
            .max()
            .unwrap_or_default()
    }

    /// Refuses spending `asked` on `period` if any calendar quarter it covers
    /// would go over the cap.
    pub fn check(&self, period: Period, asked: Epsilon) -> Result<(), OverBudget> {
        for quarter in period.quarters() {
            let spent = self.spent.get(&quarter).copied().unwrap_or_default();
            if spent
                .checked_add(asked)
                .is_none_or(|total| total > self.cap)
            {
                return Err(OverBudget {
                    period: period.to_string(),
                    quarter: quarter.to_string(),
                    asked,
                    spent,
                    cap: self.cap,
                });
            }
        }
        Ok(())
    }

    /// Records `asked` as spent on every quarter `period` covers, without a check
    /// (what was admitted when it arrived).
    pub fn record(&mut self, period: Period, asked: Epsilon) {
        for quarter in period.quarters() {
            let spent = self.spent.entry(quarter).or_default();
            *spent = spent.checked_add(asked).unwrap_or(*spent);
        }
    }

    /// Checks, then records.
    pub fn charge(&mut self, period: Period, asked: Epsilon) -> Result<(), OverBudget> {
        self.check(period, asked)?;
        self.record(period, asked);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn epsilon_is_an_exact_decimal() {
        for (text, micro, shown) in [
            ("1", 1_000_000, "1"),
            ("0.5", 500_000, "0.5"),
            ("0.125", 125_000, "0.125"),
            ("2.000001", 2_000_001, "2.000001"),
            ("0.10", 100_000, "0.1"),
        ] {
            let e = Epsilon::parse(text).unwrap();
            assert_eq!(e.micro(), micro);
            assert_eq!(e.to_string(), shown);
        }
        for bad in ["", ".5", "-1", "1e-3", "0.0000001", "abc", "1.2.3", " 1"] {
            assert!(Epsilon::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Epsilon::from_config(0.3).unwrap().micro(), 300_000);
        assert_eq!(Epsilon::from_config(1.0).unwrap().micro(), 1_000_000);
        let parts = Epsilon::from_micro(1_000_003).split(5);
        assert_eq!(parts.iter().map(|e| e.micro()).sum::<u64>(), 1_000_003);
    }

    /// The stated variance is the sampler's: 2q/(1-q)^2, checked against the
    /// variance of 200,000 draws, and it prints and parses as two decimals.
    #[test]
    fn the_stated_variance_is_the_noise_variance() {
        let e = Epsilon::parse("0.2").unwrap();
        let v = Variance::of_noise(e, 1);
        // q = exp(-0.2): 2q/(1-q)^2 = 49.83...
        assert_eq!(v.to_string(), "49.83");
        assert_eq!(Variance::parse("49.83"), Some(v));
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let n = 200_000;
        let draws: Vec<f64> = (0..n)
            .map(|_| laplace_noise(&mut rng, e, 1) as f64)
            .collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / (n - 1) as f64;
        // The sample variance's own standard error is about var * sqrt(5/n) for
        // this heavy-tailed law; allow four of them.
        let tolerance = 4.0 * 49.83 * (5.0 / n as f64).sqrt();
        assert!((var - 49.83).abs() < tolerance, "{var}");
        assert!(mean.abs() < 4.0 * (49.83 / n as f64).sqrt(), "{mean}");
        for bad in ["", "1", "1.5", "1.500", "-1.00", "a.00", ".00", "1.0x"] {
            assert_eq!(Variance::parse(bad), None, "{bad:?}");
        }
        assert_eq!(v.times(70).to_string(), "3488.10");
        assert!((v.times(70).standard_error() - 59.06).abs() < 0.01);
    }

    /// The sampler's frequencies match the exact distribution: for ε/Δ = 1/2,
    /// P(y) = (1 - q)/(1 + q) q^|y| with q = exp(-1/2).
    #[test]
    fn discrete_laplace_has_the_right_distribution() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let n = 200_000;
        let mut counts = BTreeMap::<i64, u64>::new();
        for _ in 0..n {
            *counts
                .entry(laplace_noise(&mut rng, Epsilon::parse("0.5").unwrap(), 1))
                .or_default() += 1;
        }
        let q = (-0.5f64).exp();
        for y in -6i64..=6 {
            let expected = (1.0 - q) / (1.0 + q) * q.powi(y.unsigned_abs() as i32);
            let observed = *counts.get(&y).unwrap_or(&0) as f64 / n as f64;
            // Four standard errors of a binomial proportion.
            let tolerance = 4.0 * (expected * (1.0 - expected) / n as f64).sqrt();
            assert!(
                (observed - expected).abs() < tolerance,
                "P({y}): observed {observed:.5}, expected {expected:.5}"
            );
        }
        // Symmetric, mean about zero.
        let sum: i64 = counts.iter().map(|(y, c)| y * *c as i64).sum();
        assert!((sum as f64 / n as f64).abs() < 0.05);
    }

    #[test]
    fn larger_sensitivity_or_smaller_epsilon_means_more_noise() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let spread = |rng: &mut rand::rngs::StdRng, e: &str, d: u64| -> f64 {
            let e = Epsilon::parse(e).unwrap();
            (0..20_000)
                .map(|_| laplace_noise(rng, e, d).unsigned_abs() as f64)
                .sum::<f64>()
                / 20_000.0
        };
        let base = spread(&mut rng, "1", 1);
        let wider = spread(&mut rng, "0.1", 1);
        let sensitive = spread(&mut rng, "1", 10);
        // Mean |Y| is about Δ/ε for large scales.
        assert!(wider > 8.0 * base, "{wider} vs {base}");
        assert!((wider - 10.0).abs() < 1.0, "{wider}");
        assert!((sensitive - 10.0).abs() < 1.0, "{sensitive}");
    }

    #[test]
    fn the_budget_refuses_what_would_exceed_the_cap() {
        let p = |text: &str| Period::parse(text).unwrap();
        let mut budget = Budget::new(Epsilon::parse("1").unwrap());
        let half = Epsilon::parse("0.5").unwrap();
        budget.charge(p("2024-Q3"), half).unwrap();
        budget.charge(p("2024-Q3"), half).unwrap();
        assert_eq!(budget.spent(p("2024-Q3")).micro(), 1_000_000);
        let over = budget
            .charge(p("2024-Q3"), Epsilon::parse("0.000001").unwrap())
            .unwrap_err();
        assert_eq!(over.spent.micro(), 1_000_000);
        assert!(
            over.to_string()
                .contains("exceeds the federation's cap of 1 per member and calendar quarter")
        );
        // Another quarter has its own budget.
        budget.charge(p("2024-Q4"), half).unwrap();
        assert_eq!(budget.spent(p("2024-Q3")).micro(), 1_000_000);
    }

    /// The case: January, February, March, the first quarter and the
    /// year each spent ε 1 against a cap of 1. Charged per calendar quarter,
    /// the first one that would go over is refused whatever its label.
    #[test]
    fn every_label_charges_the_calendar_quarters_it_covers() {
        let p = |text: &str| Period::parse(text).unwrap();
        let mut budget = Budget::new(Epsilon::parse("1").unwrap());
        let third = Epsilon::parse("0.3").unwrap();
        for month in ["2020-01", "2020-02", "2020-03"] {
            budget.charge(p(month), third).unwrap();
        }
        assert_eq!(budget.spent(p("2020-Q1")).micro(), 900_000);
        let quarter = budget.charge(p("2020-Q1"), third).unwrap_err();
        assert_eq!(quarter.quarter, "2020-Q1");
        let year = budget.charge(p("2020"), third).unwrap_err();
        assert_eq!(
            (year.period.as_str(), year.quarter.as_str()),
            ("2020", "2020-Q1")
        );
        // The year's other quarters are untouched by the refusal.
        assert_eq!(budget.spent(p("2020-Q2")), Epsilon::ZERO);
        budget.charge(p("2020-Q2"), third).unwrap();
        assert_eq!(budget.spent(p("2020")).micro(), 900_000);
    }
}
