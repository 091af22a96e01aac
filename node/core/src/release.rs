//! Statistics releases: the five tables of one member and period after disclosure
//! control, as one signed event in the shared log, and the check every receiver
//! applies to them.
//!
//! Rules (K is the threshold, at least the federation's minimum):
//! - count tables: every count from 1 to K-1 is suppressed (primary), then more
//!   cells until no suppressed cell can be worked out exactly from the published
//!   cells and the row and column totals, which are published
//!   ([`crate::disclosure`]);
//! - resolution table (per channel, cases closed in the period): the count is
//!   suppressed from 1 to K-1 (no total is published, so no complement is needed);
//!   the median days and the compensation sum only when at least K cases stand
//!   behind them, and the sum also when one case makes up more than 85% of it;
//! - a new revision of a period keeps every cell the previous revision suppressed
//!   suppressed, so no revision publishes what another hid.
//!
//! Version 1 is JSON (see [`Release`]); a suppressed figure is `null`.

use serde::{Deserialize, Serialize};

use crate::disclosure::{Grid, completion, determined};
use crate::payload::{Payload, PayloadError, PayloadKind};
use crate::tables::{Period, Tables};

/// A sum is suppressed when one case makes up more than this share of it, in
/// percent (integer arithmetic: largest * 100 > DOMINANCE * total).
pub const DOMINANCE_PERCENT: u64 = 85;

/// One published count table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedTable {
    pub name: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// Row-major cells; `None` is suppressed.
    pub cells: Vec<Vec<Option<u64>>>,
    pub row_totals: Vec<u64>,
    pub column_totals: Vec<u64>,
    pub total: u64,
}

/// One channel of the resolution table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedResolution {
    pub channel: String,
    pub closed: Option<u64>,
    pub median_days: Option<u64>,
    pub total_compensation_usd: Option<u64>,
}

/// Where the figures came from: the private-log head they were computed at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub private_seq: u64,
    pub private_hash: String,
}

/// The rules applied, as parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    pub threshold: u64,
    pub dominance_percent: u64,
    /// The method of complementary suppression.
    pub complementary: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub period: String,
    pub revision: u64,
    pub source: Source,
    pub rules: Rules,
    pub tables: Vec<PublishedTable>,
    pub resolution: Vec<PublishedResolution>,
}

impl Payload for Release {
    const KIND: PayloadKind = PayloadKind::RELEASE;
    const VERSION: u16 = 1;

    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn decode(version: u16, bytes: &[u8]) -> Result<Self, PayloadError> {
        match version {
            1 => serde_json::from_slice(bytes).map_err(|e| PayloadError::Malformed {
                kind: Self::KIND,
                version,
                reason: e.to_string(),
            }),
            _ => Err(PayloadError::UnknownVersion {
                kind: Self::KIND,
                version,
                newest: Self::VERSION,
            }),
        }
    }
}

/// Applies the rules to exact tables. `previous` is the pattern of the last
/// revision of the period (cells it suppressed stay suppressed), by table name.
pub fn build(
    tables: &Tables,
    threshold: u64,
    revision: u64,
    source: Source,
    previous: Option<&Release>,
) -> Release {
    let mut published = Vec::new();
    for table in tables.counts() {
        let grid = Grid::new(table.rows.len(), table.columns.len(), table.cells.clone());
        let mut pattern = crate::disclosure::primary(&grid, threshold);
        if let Some(old) = previous.and_then(|p| p.tables.iter().find(|t| t.name == table.name)) {
            for (i, cell) in old.cells.iter().flatten().enumerate() {
                if cell.is_none() && i < pattern.len() {
                    pattern[i] = true;
                }
            }
        }
        let pattern = crate::disclosure::complementary(&grid, pattern);
        let cells = (0..grid.rows)
            .map(|r| {
                (0..grid.columns)
                    .map(|c| {
                        let i = r * grid.columns + c;
                        (!pattern[i]).then_some(grid.values[i])
                    })
                    .collect()
            })
            .collect();
        published.push(PublishedTable {
            name: table.name.to_string(),
            rows: table.rows.iter().map(|s| s.to_string()).collect(),
            columns: table.columns.iter().map(|s| s.to_string()).collect(),
            cells,
            row_totals: grid.row_totals(),
            column_totals: grid.column_totals(),
            total: grid.values.iter().sum(),
        });
    }
    let resolution = tables
        .resolution
        .iter()
        .map(|r| {
            let enough = r.closed >= threshold;
            let dominated = r.largest_compensation * 100 > DOMINANCE_PERCENT * r.total_compensation;
            PublishedResolution {
                channel: r.channel.to_string(),
                closed: (r.closed == 0 || enough).then_some(r.closed),
                median_days: if enough { r.median_days } else { None },
                total_compensation_usd: (enough && !dominated).then_some(r.total_compensation),
            }
        })
        .collect();
    Release {
        period: tables.period.to_string(),
        revision,
        source,
        rules: Rules {
            threshold,
            dominance_percent: DOMINANCE_PERCENT,
            complementary: "cycle".into(),
        },
        tables: published,
        resolution,
    }
}

/// Why a release breaks the federation's policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("period {0:?} is not a period (2024, 2024-Q3 or 2024-07)")]
    Period(String),
    #[error("the release declares threshold {declared}, below the federation's minimum {minimum}")]
    Threshold { declared: u64, minimum: u64 },
    #[error("table {table}: {problem}")]
    Table { table: String, problem: String },
    #[error("resolution, channel {channel}: {problem}")]
    Resolution { channel: String, problem: String },
}

/// Checks a release against the federation's minimum threshold: the declared
/// threshold, no published count from 1 to K-1, totals that agree with the
/// published cells, no suppressed cell that the publication determines, and the
/// resolution rules that can be checked from outside.
pub fn check(release: &Release, minimum: u64) -> Result<(), PolicyError> {
    Period::parse(&release.period).ok_or_else(|| PolicyError::Period(release.period.clone()))?;
    let k = release.rules.threshold;
    if k < minimum {
        return Err(PolicyError::Threshold {
            declared: k,
            minimum,
        });
    }
    for t in &release.tables {
        let problem = |problem: String| PolicyError::Table {
            table: t.name.clone(),
            problem,
        };
        let (rows, columns) = (t.rows.len(), t.columns.len());
        if t.cells.len() != rows
            || t.cells.iter().any(|r| r.len() != columns)
            || t.row_totals.len() != rows
            || t.column_totals.len() != columns
        {
            return Err(problem(
                "the cells and totals do not match the rows and columns".into(),
            ));
        }
        let flat: Vec<Option<u64>> = t.cells.iter().flatten().copied().collect();
        if let Some((i, v)) = flat
            .iter()
            .enumerate()
            .find_map(|(i, v)| v.filter(|v| (1..k).contains(v)).map(|v| (i, v)))
        {
            return Err(problem(format!(
                "{} × {} is published as {v}, below the threshold {k}",
                t.rows[i / columns],
                t.columns[i % columns]
            )));
        }
        if t.row_totals.iter().sum::<u64>() != t.total
            || t.column_totals.iter().sum::<u64>() != t.total
        {
            return Err(problem("the totals do not add up".into()));
        }
        let grid = completion(rows, columns, &flat, &t.row_totals, &t.column_totals)
            .ok_or_else(|| problem("no table agrees with the published cells and totals".into()))?;
        let suppressed: Vec<bool> = flat.iter().map(Option::is_none).collect();
        if let Some(&i) = determined(&grid, &suppressed).first() {
            return Err(problem(format!(
                "the suppressed cell {} × {} can be worked out exactly from the published figures",
                t.rows[i / columns],
                t.columns[i % columns]
            )));
        }
    }
    for r in &release.resolution {
        let problem = |problem: String| PolicyError::Resolution {
            channel: r.channel.clone(),
            problem,
        };
        match r.closed {
            Some(n) if (1..k).contains(&n) => {
                return Err(problem(format!(
                    "{n} closed cases published, below the threshold {k}"
                )));
            }
            Some(n) if n >= k => {}
            _ => {
                if r.median_days.is_some() || r.total_compensation_usd.is_some() {
                    return Err(problem(
                        "a median or sum is published for fewer than K cases".into(),
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::case::Date;
    use crate::tables::compute;

    fn release(count: u64, threshold: u64) -> Release {
        let cases: Vec<_> = crate::synthetic::generate(
            &crate::MemberId::new("KH").unwrap(),
            count,
            8,
            Date::parse("2024-01-01").unwrap(),
            Date::parse("2024-12-31").unwrap(),
        )
        .collect();
        let tables = compute(Period::parse("2024-Q3").unwrap(), &cases);
        let source = Source {
            private_seq: 3,
            private_hash: "00".repeat(32),
        };
        build(&tables, threshold, 1, source, None)
    }

    #[test]
    fn built_releases_pass_the_receivers_check_and_round_trip() {
        for count in [40, 400, 4000] {
            let r = release(count, 5);
            check(&r, 5).unwrap();
            assert_eq!(Release::decode(1, &r.encode()).unwrap(), r);
            crate::payload::check(PayloadKind::RELEASE, 1, &r.encode()).unwrap();
        }
        assert_eq!(
            check(&release(400, 5), 10),
            Err(PolicyError::Threshold {
                declared: 5,
                minimum: 10
            })
        );
    }

    #[test]
    fn receivers_reject_small_counts_lone_suppressions_and_bad_sums() {
        let good = release(400, 5);
        // A small count published.
        let mut bad = good.clone();
        let t = &mut bad.tables[0];
        let (r, c) = (0..t.rows.len())
            .flat_map(|r| (0..t.columns.len()).map(move |c| (r, c)))
            .find(|&(r, c)| t.cells[r][c].is_none())
            .unwrap();
        t.cells[r][c] = Some(2);
        assert!(matches!(check(&bad, 5), Err(PolicyError::Table { .. })));
        // A complement published with its true value: some suppressed cell is then
        // determined by the totals, and receivers say so.
        let cases: Vec<_> = crate::synthetic::generate(
            &crate::MemberId::new("KH").unwrap(),
            400,
            8,
            Date::parse("2024-01-01").unwrap(),
            Date::parse("2024-12-31").unwrap(),
        )
        .collect();
        let exact = compute(Period::parse("2024-Q3").unwrap(), &cases);
        let mut caught = 0;
        for (n, table) in exact.counts().iter().enumerate() {
            for (i, value) in table.cells.iter().enumerate() {
                let (r, c) = (i / table.columns.len(), i % table.columns.len());
                if good.tables[n].cells[r][c].is_some() || *value < 5 {
                    continue;
                }
                let mut bad = good.clone();
                bad.tables[n].cells[r][c] = Some(*value);
                if let Err(PolicyError::Table { problem, .. }) = check(&bad, 5) {
                    assert!(problem.contains("worked out exactly"), "{problem}");
                    caught += 1;
                }
            }
        }
        assert!(caught > 0, "revealing complements exposes suppressed cells");
        // A sum published for a channel with too few cases.
        let mut bad = good.clone();
        let small = bad
            .resolution
            .iter_mut()
            .find(|r| r.closed.is_none())
            .unwrap();
        small.total_compensation_usd = Some(300);
        assert!(matches!(
            check(&bad, 5),
            Err(PolicyError::Resolution { .. })
        ));
    }
}
