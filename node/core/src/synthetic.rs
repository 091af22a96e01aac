//! Synthetic case registers for demos, tests and benchmarks: plausible mixes per
//! country, deterministic for a seed, with some small cells on purpose (rare
//! grievances, sectors and statuses) so disclosure control has work to do.
//!
//! The mixes are invented for testing, loosely shaped by the domain reference:
//! technical intern trainees dominate, unpaid wages and recruitment debt are the
//! commonest grievances, origin countries lodge through MRCs and embassies and the
//! Japan side through OTIT, labour inspection and support organisations. They are
//! not statistics about real people.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::case::{CaseRecord, Date};
use crate::member::MemberId;

/// A weighted list of codes.
type Mix = &'static [(&'static str, u32)];

struct Profile {
    residence: Mix,
    sector: Mix,
    stage: Mix,
    channel: Mix,
}

const GRIEVANCES: Mix = &[
    ("unpaid-wages", 30),
    ("recruitment-fees-debt", 22),
    ("document-retention", 9),
    ("contract-deception", 12),
    ("excessive-overtime", 10),
    ("unsafe-work-injury", 6),
    ("harassment-violence", 7),
    ("restricted-movement", 3),
    ("forced-return-dismissal", 5),
    ("pregnancy-discrimination", 1),
    ("social-insurance", 4),
    ("housing", 3),
    ("other", 2),
];
const SEX: Mix = &[("female", 45), ("male", 52), ("other", 1), ("unknown", 2)];
const AGE: Mix = &[
    ("15-24", 30),
    ("25-34", 45),
    ("35-44", 17),
    ("45-plus", 5),
    ("unknown", 3),
];
const CLOSED_OUTCOMES: Mix = &[
    ("resolved-compensated", 30),
    ("resolved-non-monetary", 25),
    ("referred", 15),
    ("withdrawn", 10),
    ("unresolved-closed", 12),
    ("returned-without-remedy", 8),
];
const ORIGIN_CHANNELS: Mix = &[
    ("mrc", 35),
    ("embassy-labour-attache", 20),
    ("hotline", 15),
    ("legal-aid", 10),
    ("recruitment-agency", 10),
    ("union-cso", 6),
    ("otit", 2),
    ("jp-mirai", 2),
];

fn profile(member: &MemberId) -> Profile {
    match member.as_str() {
        "KH" => Profile {
            residence: &[
                ("titp", 55),
                ("ssw-1", 15),
                ("not-yet-departed", 12),
                ("irregular", 6),
                ("ssw-2", 2),
                ("student", 3),
                ("engineer-specialist", 1),
                ("other", 6),
            ],
            sector: &[
                ("agriculture", 25),
                ("construction", 22),
                ("food-manufacturing", 20),
                ("manufacturing", 12),
                ("nursing-care", 5),
                ("building-cleaning", 4),
                ("fishery", 3),
                ("food-service", 4),
                ("accommodation", 1),
                ("shipbuilding", 1),
                ("automobile-repair", 1),
                ("other", 2),
            ],
            stage: &[("pre-departure", 30), ("in-employment", 60), ("return", 10)],
            channel: ORIGIN_CHANNELS,
        },
        "ID" => Profile {
            residence: &[
                ("titp", 40),
                ("ssw-1", 30),
                ("ssw-2", 4),
                ("not-yet-departed", 8),
                ("irregular", 4),
                ("student", 4),
                ("engineer-specialist", 4),
                ("other", 6),
            ],
            sector: &[
                ("fishery", 15),
                ("nursing-care", 14),
                ("manufacturing", 18),
                ("construction", 14),
                ("food-manufacturing", 14),
                ("agriculture", 10),
                ("shipbuilding", 4),
                ("food-service", 4),
                ("building-cleaning", 2),
                ("accommodation", 2),
                ("automobile-repair", 1),
                ("other", 2),
            ],
            stage: &[("pre-departure", 25), ("in-employment", 62), ("return", 13)],
            channel: ORIGIN_CHANNELS,
        },
        "JP" => Profile {
            residence: &[
                ("titp", 58),
                ("ssw-1", 22),
                ("ssw-2", 3),
                ("engineer-specialist", 5),
                ("student", 5),
                ("irregular", 4),
                ("other", 3),
            ],
            sector: &[
                ("construction", 20),
                ("food-manufacturing", 18),
                ("manufacturing", 16),
                ("agriculture", 12),
                ("nursing-care", 10),
                ("food-service", 8),
                ("building-cleaning", 4),
                ("fishery", 3),
                ("accommodation", 3),
                ("shipbuilding", 2),
                ("automobile-repair", 2),
                ("other", 2),
            ],
            stage: &[("in-employment", 88), ("return", 10), ("pre-departure", 2)],
            channel: &[
                ("otit", 25),
                ("labour-inspection", 20),
                ("jp-mirai", 15),
                ("union-cso", 15),
                ("legal-aid", 10),
                ("hotline", 8),
                ("employer", 5),
                ("embassy-labour-attache", 2),
            ],
        },
        // VN, and any member without a profile of its own.
        _ => Profile {
            residence: &[
                ("titp", 60),
                ("ssw-1", 18),
                ("not-yet-departed", 7),
                ("irregular", 5),
                ("ssw-2", 2),
                ("student", 4),
                ("engineer-specialist", 2),
                ("other", 2),
            ],
            sector: &[
                ("construction", 24),
                ("food-manufacturing", 20),
                ("manufacturing", 18),
                ("agriculture", 14),
                ("nursing-care", 6),
                ("building-cleaning", 5),
                ("food-service", 5),
                ("fishery", 3),
                ("accommodation", 2),
                ("shipbuilding", 1),
                ("automobile-repair", 1),
                ("other", 1),
            ],
            stage: &[("pre-departure", 28), ("in-employment", 60), ("return", 12)],
            channel: ORIGIN_CHANNELS,
        },
    }
}

fn pick(rng: &mut StdRng, mix: Mix) -> &'static str {
    let total: u32 = mix.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for (code, weight) in mix {
        if x < *weight {
            return code;
        }
        x -= weight;
    }
    mix[mix.len() - 1].0
}

/// `count` cases of `member` opened between `from` and `to` (inclusive), for `seed`.
/// A case whose closing date would fall after `to` is still open (pending).
pub fn generate(
    member: &MemberId,
    count: u64,
    seed: u64,
    from: Date,
    to: Date,
) -> impl Iterator<Item = CaseRecord> {
    let mut rng = StdRng::seed_from_u64(seed ^ member_seed(member));
    let profile = profile(member);
    let (first, last) = (from.days(), to.days().max(from.days()));
    let member = member.clone();
    (1..=count).map(move |n| {
        let opened = Date::from_days(rng.gen_range(first..=last));
        // Days to close: roughly log-normal, median about two months, long tail.
        let normal: f64 = (0..12).map(|_| rng.r#gen::<f64>()).sum::<f64>() - 6.0;
        let delay = (4.1 + 0.8 * normal).exp().round() as i64;
        let closed =
            (opened.days() + delay <= last).then(|| Date::from_days(opened.days() + delay));
        let outcome = match closed {
            None => "pending",
            Some(_) => pick(&mut rng, CLOSED_OUTCOMES),
        };
        let compensation_usd = (outcome == "resolved-compensated").then(|| {
            // Pareto tail: most recover a few hundred dollars, a few a great deal.
            let u: f64 = rng.gen_range(0.0005..1.0);
            (150.0 * u.powf(-0.85)).min(60_000.0).round() as u64
        });
        let mut grievances = vec![pick(&mut rng, GRIEVANCES).to_string()];
        for _ in 0..rng.gen_range(0..3) {
            grievances.push(pick(&mut rng, GRIEVANCES).to_string());
        }
        grievances.sort();
        grievances.dedup();
        CaseRecord {
            case_id: format!("{member}-{}-{n:07}", opened.year),
            opened_on: opened,
            closed_on: closed,
            sex: pick(&mut rng, SEX).into(),
            age_band: pick(&mut rng, AGE).into(),
            residence_status: pick(&mut rng, profile.residence).into(),
            sector: pick(&mut rng, profile.sector).into(),
            stage: pick(&mut rng, profile.stage).into(),
            grievances,
            channel: pick(&mut rng, profile.channel).into(),
            outcome: outcome.into(),
            compensation_usd,
        }
    })
}

/// Different members get different streams for the same seed.
fn member_seed(member: &MemberId) -> u64 {
    member
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_valid_and_differs_by_member() {
        let (from, to) = (
            Date::parse("2023-01-01").unwrap(),
            Date::parse("2024-12-31").unwrap(),
        );
        let kh = MemberId::new("KH").unwrap();
        let a: Vec<_> = generate(&kh, 500, 7, from, to).collect();
        let b: Vec<_> = generate(&kh, 500, 7, from, to).collect();
        assert_eq!(a, b);
        let vn: Vec<_> = generate(&MemberId::new("VN").unwrap(), 500, 7, from, to).collect();
        assert_ne!(a, vn);
        for case in &a {
            case.validate().unwrap();
            assert!(case.opened_on >= from && case.opened_on <= to);
        }
        assert!(a.iter().any(|c| c.outcome == "pending"));
        // Every profile gives rows an import accepts, the rules across fields
        // included (outcomes that end a case are closed, pending ones open,
        // compensation only with resolved-compensated).
        for member in ["KH", "ID", "JP", "VN", "PH"] {
            let member = MemberId::new(member).unwrap();
            for case in generate(&member, 5000, 11, from, to) {
                case.validate()
                    .unwrap_or_else(|e| panic!("{member} {}: {e}", case.case_id));
            }
        }
        assert!(
            a.iter()
                .any(|c| c.compensation_usd.is_some_and(|x| x > 2000))
        );
    }
}
