//! What a receiver knows of one origin's releases, and the admission of the next.
//!
//! Every party that takes an origin's releases (a peer replicating its log, the
//! node's own Admin service for a release appended by hand, an auditor reading
//! the log or a bundle) runs each release through one [`ReleaseLedger`] per
//! origin, in log order:
//!
//! ```text
//!  release ─▶ structure ─▶ grain ─▶ revision ─▶ disclosure policy ─▶ earlier ─▶ ε budget ─▶ recorded
//!             (codes,       (the       (one per     (threshold,          revisions   (cap per
//!              sizes,        policy's   period and   intervals)           (hidden      calendar
//!              totals)       only)      revision,                         stays,       quarter)
//!                                       no gaps)                          sums)
//! ```
//!
//! The structure check comes first and is linear in the release's size; the
//! disclosure check after it works on tables whose size the code lists fix.
//! Nothing is recorded for a release that fails any step.
//!
//! Pure: the caller loads what it holds with [`ReleaseLedger::record`].

use std::collections::BTreeMap;

use crate::privacy::{Budget, Epsilon};
use crate::release::{PolicyError, PublishedResolution, Release};
use crate::tables::{Grain, Period};

/// The federation's rules for releases, from the manifest's policy
/// ([`crate::manifest::Policy::release_rules`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseRules {
    /// Counts from 1 to this minus 1 are never published.
    pub min_threshold: u64,
    /// The ε a member may spend per calendar quarter.
    pub epsilon_cap: Epsilon,
    /// The one length of period releases cover.
    pub grain: Grain,
    /// The bound on a noised release's relative standard error (percent) that
    /// publishing holds to unless the operator accepts more; receivers do not
    /// check it (the true total is not theirs to know).
    pub max_noise_rse_percent: u64,
    /// The least width of every suppressed figure's protection interval in an
    /// exact release.
    pub protection_width: u64,
}

impl Default for ReleaseRules {
    /// The rules of the default policy.
    fn default() -> Self {
        Self {
            min_threshold: 5,
            epsilon_cap: Epsilon::from_micro(1_000_000),
            grain: Grain::Quarter,
            max_noise_rse_percent: 10,
            protection_width: 0,
        }
    }
}

/// A release of a period that is not of the federation's grain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "period {period} is a {found}; the federation publishes one {grain} at a time (the manifest's policy, grain = \"{grain}\"), so that no published period can be subtracted from another that contains it"
)]
pub struct GrainError {
    pub period: String,
    pub found: Grain,
    pub grain: Grain,
}

impl ReleaseRules {
    /// Refuses a period of another grain than the federation's.
    pub fn check_grain(&self, period: Period) -> Result<(), GrainError> {
        if period.grain() == self.grain {
            Ok(())
        } else {
            Err(GrainError {
                period: period.to_string(),
                found: period.grain(),
                grain: self.grain,
            })
        }
    }
}

/// A release whose revision does not follow the origin's last one of its period.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RevisionError {
    #[error(
        "period {period}: revision {found} is held already; an origin publishes one release per period and revision"
    )]
    Held { period: String, found: u64 },
    #[error(
        "period {period}: revision {found} after revision {last}; revisions are numbered without gaps, so the next is {}",
        last + 1
    )]
    Gap {
        period: String,
        found: u64,
        last: u64,
    },
}

/// One origin's releases as far as the rules need them: the last revision of
/// each period, and the ε spent on each calendar quarter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseLedger {
    rules: ReleaseRules,
    /// The last revision held of each period.
    revisions: BTreeMap<String, u64>,
    /// Per period and table, the figures (in arc order) some exact revision
    /// hid: no later revision may publish them.
    hidden: BTreeMap<(String, String), Vec<bool>>,
    /// Per period, the resolution rows of its exact revisions: a later sum is
    /// checked against each.
    resolutions: BTreeMap<String, Vec<Vec<PublishedResolution>>>,
    budget: Budget,
}

impl ReleaseLedger {
    /// An empty ledger under the federation's rules.
    pub fn new(rules: ReleaseRules) -> Self {
        Self {
            rules,
            revisions: BTreeMap::new(),
            hidden: BTreeMap::new(),
            resolutions: BTreeMap::new(),
            budget: Budget::new(rules.epsilon_cap),
        }
    }

    /// The same history under new rules (a new manifest version).
    pub fn with_rules(mut self, rules: ReleaseRules) -> Self {
        self.rules = rules;
        self.budget.cap = rules.epsilon_cap;
        self
    }

    pub fn rules(&self) -> ReleaseRules {
        self.rules
    }

    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    /// The last revision held of `period`, if any.
    pub fn last_revision(&self, period: &str) -> Option<u64> {
        self.revisions.get(period).copied()
    }

    /// Takes a release the caller holds already and checked when it came, without
    /// checking it again: its revision and its ε (an unreadable ε counts as none;
    /// it was refused on arrival).
    pub fn record(&mut self, release: &Release) {
        let last = self.revisions.entry(release.period.clone()).or_default();
        *last = (*last).max(release.revision);
        if let (Ok(epsilon), Some(period)) = (release.epsilon(), Period::parse(&release.period)) {
            self.budget.record(period, epsilon);
        }
        if release.privacy.is_none() {
            self.resolutions
                .entry(release.period.clone())
                .or_default()
                .push(release.resolution.clone());
        }
        for t in release
            .tables
            .iter()
            .filter(|t| !release.is_noised(&t.name))
        {
            let figures = t.figures();
            let hidden = self
                .hidden
                .entry((release.period.clone(), t.name.clone()))
                .or_insert_with(|| vec![false; figures.len()]);
            if hidden.len() == figures.len() {
                for (h, f) in hidden.iter_mut().zip(&figures) {
                    *h |= f.is_none();
                }
            }
        }
    }

    /// The revision the next release of `period` must have.
    pub fn next_revision(&self, period: &str) -> u64 {
        self.last_revision(period).map_or(1, |last| last + 1)
    }

    /// Checks `release` as the origin's next release (see the module docs) and,
    /// if it passes, records it.
    pub fn admit(&mut self, release: &Release) -> Result<(), PolicyError> {
        crate::release::check_structure(release)?;
        // The structure check parsed the period.
        let period = Period::parse(&release.period)
            .ok_or_else(|| PolicyError::Period(release.period.clone()))?;
        self.rules.check_grain(period)?;
        self.check_revision(release)?;
        if release.privacy.is_none() && release.rules.protection_width < self.rules.protection_width
        {
            return Err(PolicyError::Width {
                declared: release.rules.protection_width,
                minimum: self.rules.protection_width,
            });
        }
        crate::release::check(release, self.rules.min_threshold)?;
        self.check_kept_hidden(release)?;
        let epsilon = release
            .epsilon()
            .map_err(|e| PolicyError::Privacy(e.to_string()))?;
        if epsilon != Epsilon::ZERO {
            self.budget.check(period, epsilon)?;
        }
        self.record(release);
        Ok(())
    }

    /// A figure an earlier exact revision of the period hid stays hidden: shown
    /// now, it would give away what was hidden then (when unchanged) or the
    /// change since (when not).
    pub fn check_kept_hidden(&self, release: &Release) -> Result<(), PolicyError> {
        let k = release.rules.threshold;
        if release.privacy.is_none() {
            for earlier in self.resolutions.get(&release.period).into_iter().flatten() {
                for (now, before) in release.resolution.iter().zip(earlier) {
                    if let (Some(sum), Some(closed)) = (now.total_compensation_usd, now.closed)
                        && crate::release::differs_by_few(
                            before,
                            u64::try_from(closed).unwrap_or(0),
                            sum,
                            k,
                        )
                    {
                        return Err(PolicyError::Resolution {
                            channel: now.channel.clone(),
                            problem: format!(
                                "the compensation sum {sum} differs from an earlier revision's {} while the cases closed changed by fewer than {k}: the difference is what fewer than {k} workers recovered",
                                before.total_compensation_usd.unwrap_or_default()
                            ),
                        });
                    }
                }
            }
        }
        for (t, definition) in release.tables.iter().zip(&crate::tables::COUNT_TABLES) {
            if release.is_noised(&t.name) {
                continue;
            }
            let Some(hidden) = self.hidden.get(&(release.period.clone(), t.name.clone())) else {
                continue;
            };
            let figures = t.figures();
            if let Some(i) =
                (0..figures.len().min(hidden.len())).find(|&i| hidden[i] && figures[i].is_some())
            {
                return Err(PolicyError::Table {
                    table: t.name.clone(),
                    problem: format!(
                        "revision {} publishes {}, which an earlier revision of {} hid; a hidden figure stays hidden in every later revision",
                        release.revision,
                        crate::release::name_figures(definition, &[i])[0],
                        release.period
                    ),
                });
            }
        }
        Ok(())
    }

    /// One release per period and revision, numbered 1, 2, 3...
    pub fn check_revision(&self, release: &Release) -> Result<(), RevisionError> {
        let period = &release.period;
        let found = release.revision;
        match self.last_revision(period) {
            Some(last) if found <= last => Err(RevisionError::Held {
                period: period.clone(),
                found,
            }),
            last if found != last.unwrap_or(0) + 1 => Err(RevisionError::Gap {
                period: period.clone(),
                found,
                last: last.unwrap_or(0),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::payload::Payload as _;

    fn release(period: &str, revision: u64) -> Release {
        crate::release::testing::synthetic("KH", 300, 3, period, revision, None)
    }

    /// A federation that asks for a protection width: a release that declares
    /// less is refused, one built to it passes, and one that declares it but
    /// leaves a narrower interval is refused, naming the figure.
    #[test]
    fn a_protection_width_is_declared_and_kept() {
        let cases = crate::release::testing::cases_2024("KH", 800, 3);
        let tables = crate::tables::compute(Period::parse("2024-Q3").unwrap(), &cases);
        let source = || crate::release::Source {
            private_seq: 1,
            private_hash: String::new(),
        };
        let rules = ReleaseRules {
            protection_width: 5,
            ..ReleaseRules::default()
        };
        let narrow = crate::release::build(&tables, 5, 1, source(), &[]).unwrap();
        assert_eq!(
            ReleaseLedger::new(rules).admit(&narrow),
            Err(PolicyError::Width {
                declared: 0,
                minimum: 5
            })
        );
        let wide = crate::release::build_protected(&tables, 5, 5, 1, source(), &[]).unwrap();
        assert_eq!(wide.rules.protection_width, 5);
        ReleaseLedger::new(rules).admit(&wide).unwrap();
        // The narrow pattern under a declared width of 5: some interval is
        // narrower, and every receiver says which.
        let mut forged = narrow.clone();
        forged.rules.protection_width = 5;
        match ReleaseLedger::new(rules).admit(&forged) {
            Err(PolicyError::Table { problem, .. }) => {
                assert!(
                    problem.contains("narrower than the release's protection width of 5"),
                    "{problem}"
                )
            }
            other => panic!("{other:?}"),
        }
        // The width is in the JSON only when set.
        assert!(
            !String::from_utf8(narrow.encode())
                .unwrap()
                .contains("protection_width")
        );
        assert!(
            String::from_utf8(wide.encode())
                .unwrap()
                .contains("\"protection_width\":5")
        );
    }

    #[test]
    fn revisions_come_once_each_and_without_gaps() {
        let mut ledger = ReleaseLedger::new(ReleaseRules::default());
        ledger.admit(&release("2024-Q1", 1)).unwrap();
        assert_eq!(
            ledger.admit(&release("2024-Q1", 1)),
            Err(PolicyError::Revision(RevisionError::Held {
                period: "2024-Q1".into(),
                found: 1
            }))
        );
        let gap = ledger.admit(&release("2024-Q1", 3)).unwrap_err();
        assert!(gap.to_string().contains("the next is 2"), "{gap}");
        assert!(matches!(
            ledger.admit(&release("2024-Q2", 2)),
            Err(PolicyError::Revision(RevisionError::Gap { last: 0, .. }))
        ));
        ledger.admit(&release("2024-Q1", 2)).unwrap();
        ledger.admit(&release("2024-Q2", 1)).unwrap();
        assert_eq!(ledger.next_revision("2024-Q1"), 3);
        assert_eq!(ledger.next_revision("2024-Q3"), 1);
    }

    #[test]
    fn a_refused_release_leaves_the_ledger_as_it_was() {
        let mut ledger = ReleaseLedger::new(ReleaseRules::default());
        let mut bad = release("2024-Q1", 1);
        bad.tables[0].rows[0] = "pending\nJP".into();
        let before = ledger.clone();
        assert!(matches!(ledger.admit(&bad), Err(PolicyError::Table { .. })));
        assert_eq!(ledger, before);
        ledger.admit(&release("2024-Q1", 1)).unwrap();
    }

    /// The issue's reset: an exact revision, a noised one, then an exact one
    /// that shows what the first hid. Refused at every receiver, whatever came
    /// in between; `build` keeps it hidden by itself.
    #[test]
    fn a_figure_hidden_once_stays_hidden_after_a_noised_revision() {
        use rand::SeedableRng;
        let mut ledger = ReleaseLedger::new(ReleaseRules::default());
        let first = release("2024-Q3", 1);
        ledger.admit(&first).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let cases = crate::release::testing::cases_2024("KH", 300, 3);
        let tables = crate::tables::compute(Period::parse("2024-Q3").unwrap(), &cases);
        let source = || crate::release::Source {
            private_seq: 1,
            private_hash: String::new(),
        };
        let noised = crate::release::build_noised(
            &tables,
            5,
            Epsilon::from_micro(100_000),
            &mut rng,
            2,
            source(),
        );
        ledger.admit(&noised).unwrap();
        // A cell the first revision hid.
        let (t, r, c) =
            first
                .tables
                .iter()
                .enumerate()
                .find_map(|(t, table)| {
                    table.cells.iter().enumerate().find_map(|(r, row)| {
                        row.iter().position(Option::is_none).map(|c| (t, r, c))
                    })
                })
                .expect("300 cases give small figures");
        let i = r * first.tables[t].columns.len() + c;
        // Revision 3 built from nothing earlier, with that cell shown.
        let mut shown = crate::release::build(&tables, 5, 3, source(), &[]).unwrap();
        shown.tables[t].cells[r][c] = Some(7);
        let refused = ledger.clone().admit(&shown).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("which an earlier revision of 2024-Q3 hid"),
            "{refused}"
        );
        // Built against every earlier revision, it keeps the figure hidden.
        let kept =
            crate::release::build(&tables, 5, 3, source(), &[first.clone(), noised]).unwrap();
        assert_eq!(kept.tables[t].figures()[i], None);
        ledger.admit(&kept).unwrap();
    }

    #[test]
    fn only_the_federations_grain_is_admitted() {
        let mut ledger = ReleaseLedger::new(ReleaseRules::default());
        let month = ledger.admit(&release("2024-08", 1)).unwrap_err();
        assert!(
            month.to_string().contains(
                "period 2024-08 is a month; the federation publishes one quarter at a time"
            ),
            "{month}"
        );
        assert!(matches!(
            ledger.admit(&release("2024", 1)),
            Err(PolicyError::Grain(_))
        ));
        ledger.admit(&release("2024-Q3", 1)).unwrap();
        let mut monthly = ReleaseLedger::new(ReleaseRules {
            grain: Grain::Month,
            ..ReleaseRules::default()
        });
        monthly.admit(&release("2024-08", 1)).unwrap();
        assert!(monthly.admit(&release("2024-Q3", 1)).is_err());
    }
}
