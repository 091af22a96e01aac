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
//!   suppressed, so no revision publishes what another hid, and hides a cell the
//!   previous revision published only when no other complement will do.
//!
//! Or, with differential privacy ([`build_noised`]): every count (the four count
//! tables and the closed cases per channel) gets discrete Laplace noise, ε split
//! evenly over those five tables, each with its L1 sensitivity (a case counts once
//! per grievance in the two grievance tables, so theirs is the number of
//! grievance codes); totals are the sums of the noised cells; medians and sums are
//! withheld, as no noise is added to them. Receivers add up the ε of every release
//! of a member and period against the federation's cap ([`crate::privacy::Budget`]).
//!
//! Version 1 is JSON (see [`Release`], documented in `docs/release-format.md`); a
//! suppressed figure is `null`; a release with `privacy` holds noised figures in
//! the tables it names. Unknown fields are refused at every level: a release
//! carries only what the format says, so nothing else (a case row, say) can ride
//! along to every peer.

use serde::{Deserialize, Serialize};

use crate::disclosure::{
    Figures, Interval, Network, Protection, UNBOUNDED, completion, pattern, with_totals,
};
use crate::payload::{Payload, PayloadError, PayloadKind};
use crate::privacy::{Epsilon, Variance, laplace_noise};
use crate::tables::{MAX_GRIEVANCES_PER_CASE, Period, TableDefinition, Tables};

/// A sum is suppressed when one case makes up more than this share of it, in
/// percent (integer arithmetic: largest * 100 > DOMINANCE * total).
pub const DOMINANCE_PERCENT: u64 = 85;

/// One published count table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedTable {
    pub name: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// Row-major cells; `None` is suppressed. Exact counts are never negative;
    /// noised ones may be (the noise is not clamped, so estimates stay
    /// unbiased).
    pub cells: Vec<Vec<Option<i64>>>,
    /// `None` is suppressed: a total obeys the threshold like a cell.
    pub row_totals: Vec<Option<i64>>,
    pub column_totals: Vec<Option<i64>>,
    pub total: Option<i64>,
}

impl PublishedTable {
    /// Every figure in the order of [`Network::table`]'s arcs: cells row-major,
    /// row totals, column totals, total.
    pub fn figures(&self) -> Vec<Option<i64>> {
        let mut out: Vec<Option<i64>> = self.cells.iter().flatten().copied().collect();
        out.extend(&self.row_totals);
        out.extend(&self.column_totals);
        out.push(self.total);
        out
    }

    /// The figures of an exact table as counts, in arc order. A negative figure
    /// (which [`check_structure`] refuses in an exact table) reads as 0.
    pub fn counts(&self) -> Vec<Option<u64>> {
        self.figures()
            .into_iter()
            .map(|v| v.map(|v| u64::try_from(v).unwrap_or(0)))
            .collect()
    }

    /// A table of `definition` from exact figures in arc order.
    fn of(definition: &TableDefinition, figures: &[Option<u64>]) -> Self {
        let figures: Vec<Option<i64>> = figures.iter().map(|v| v.map(as_figure)).collect();
        Self::of_figures(definition, &figures)
    }

    /// A table of `definition` from its figures in arc order.
    fn of_figures(definition: &TableDefinition, figures: &[Option<i64>]) -> Self {
        let (rows, columns) = (definition.rows.len(), definition.columns.len());
        let n = rows * columns;
        Self {
            name: definition.name.to_string(),
            rows: definition.rows.iter().map(|s| s.to_string()).collect(),
            columns: definition.columns.iter().map(|s| s.to_string()).collect(),
            cells: figures[..n].chunks(columns).map(<[_]>::to_vec).collect(),
            row_totals: figures[n..n + rows].to_vec(),
            column_totals: figures[n + rows..n + rows + columns].to_vec(),
            total: figures[n + rows + columns],
        }
    }
}

/// A count as a figure: counts are far below [`MAX_FIGURE`] (2^40), so the
/// conversion never saturates in practice.
fn as_figure(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// One channel of the resolution table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedResolution {
    pub channel: String,
    /// Cases closed; noised in a noised release (and then possibly negative).
    pub closed: Option<i64>,
    pub median_days: Option<u64>,
    pub total_compensation_usd: Option<u64>,
}

/// Where the figures came from: the private-log head they were computed at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub private_seq: u64,
    pub private_hash: String,
}

/// The rules applied, as parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub threshold: u64,
    pub dominance_percent: u64,
    /// The method of complementary suppression.
    pub complementary: String,
    /// The least width of every suppressed figure's protection interval (a
    /// protection level); absent when 0 (only "not a single value, not inside
    /// 1..K−1").
    #[serde(default, skip_serializing_if = "is_zero")]
    pub protection_width: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub period: String,
    pub revision: u64,
    pub source: Source,
    pub rules: Rules,
    pub tables: Vec<PublishedTable>,
    pub resolution: Vec<PublishedResolution>,
    /// Present when the counts are noised for differential privacy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy: Option<Privacy>,
}

/// The mechanism the counts were noised with, how each case's contribution was
/// bounded, how ε was split, and the ε and error of each table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Always `discrete-laplace`.
    pub mechanism: String,
    /// The ε of the whole release (the sum of the tables'), as a decimal.
    pub epsilon: String,
    /// How ε is split over the tables: always [`SPLIT`], equal shares (in
    /// millionths, the first tables taking one more where it does not divide).
    pub split: String,
    /// The most grievances one case counts in the grievance tables
    /// ([`crate::tables::bounded_grievances`]); their sensitivity.
    pub grievances_per_case: u64,
    pub tables: Vec<Spend>,
}

/// The ε spent on one table, the L1 sensitivity its noise was scaled to, and
/// the variance of the noise on each of its cells.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spend {
    pub table: String,
    pub epsilon: String,
    pub sensitivity: u64,
    /// The variance of one noised cell, two decimals ([`Variance`]): a total of
    /// n cells has n times this, and its standard error is the square root.
    pub cell_variance: String,
}

pub const MECHANISM: &str = "discrete-laplace";

/// `privacy.split`: ε in equal shares over the four count tables and the
/// resolution table.
pub const SPLIT: &str = "equal";

/// `rules.complementary` of a release with suppression: complements chosen by
/// cheapest alternating cycles ([`crate::disclosure`]).
pub const COMPLEMENTARY_CYCLE: &str = "cycle";

/// `rules.complementary` of a noised release: nothing is suppressed.
pub const COMPLEMENTARY_NOISED: &str = "none: counts noised";

/// The name the resolution table's closed counts are spent under.
pub const RESOLUTION: &str = "resolution";

/// How much one case can change a table's counts in total (L1): once per
/// grievance it counts in the grievance tables (at most `grievances_per_case`),
/// once elsewhere.
pub fn sensitivity(table: &str, grievances_per_case: u64) -> u64 {
    match table {
        "grievance-outcome" | "status-grievance" => grievances_per_case,
        _ => 1,
    }
}

/// What a reader may take a figure for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellStatus {
    /// The exact count.
    Published,
    /// Withheld.
    Suppressed,
    /// The count plus noise.
    Noised,
}

impl CellStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CellStatus::Published => "published",
            CellStatus::Suppressed => "suppressed",
            CellStatus::Noised => "noised",
        }
    }
}

impl Release {
    /// Whether this release states the same figures, under the same rules, as
    /// `other` (source and revision aside): a revision that changes nothing.
    pub fn same_figures(&self, other: &Release) -> bool {
        self.period == other.period
            && self.rules == other.rules
            && self.tables == other.tables
            && self.resolution == other.resolution
            && self.privacy == other.privacy
    }

    /// The ε this release spends (zero without noise), if it states a valid one.
    pub fn epsilon(&self) -> Result<Epsilon, crate::privacy::EpsilonError> {
        match &self.privacy {
            None => Ok(Epsilon::ZERO),
            Some(p) => Epsilon::parse(&p.epsilon),
        }
    }

    /// The variance of one noised cell of `table`, as the release states it;
    /// `None` for an exact table (or an unreadable statement, which
    /// [`check`] refuses).
    pub fn cell_variance(&self, table: &str) -> Option<Variance> {
        let spend = self
            .privacy
            .as_ref()?
            .tables
            .iter()
            .find(|s| s.table == table)?;
        Variance::parse(&spend.cell_variance)
    }

    /// Whether the figures of `table` (a count table's name, or [`RESOLUTION`])
    /// are noised.
    pub fn is_noised(&self, table: &str) -> bool {
        self.privacy
            .as_ref()
            .is_some_and(|p| p.tables.iter().any(|s| s.table == table))
    }

    /// The status of one figure of `table` given its value.
    pub fn status(&self, table: &str, value: Option<i64>) -> CellStatus {
        match value {
            None => CellStatus::Suppressed,
            Some(_) if self.is_noised(table) => CellStatus::Noised,
            Some(_) => CellStatus::Published,
        }
    }
}

impl Payload for Release {
    const KIND: PayloadKind = PayloadKind::RELEASE;
    /// Version 3: noised counts are signed (unclamped), and a noised release
    /// states its contribution bound, ε split and each table's cell variance.
    /// Version 2 (totals may be suppressed like cells) is still read for exact
    /// releases, which it states the same way; its noised releases clamped
    /// negative counts to 0, biasing every total upward, and are refused, as is
    /// version 1, which published every total even from 1 to K−1.
    const VERSION: u16 = 3;

    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn decode(version: u16, bytes: &[u8]) -> Result<Self, PayloadError> {
        if version == 2 {
            let noised = serde_json::from_slice::<serde_json::Value>(bytes)
                .is_ok_and(|v| v.get("privacy").is_some());
            if noised {
                return Err(PayloadError::Malformed {
                    kind: Self::KIND,
                    version,
                    reason: "a version 2 noised release clamped its noise at 0, which biases every total; only exact version 2 releases are read".into(),
                });
            }
            return crate::payload::decode_json(Self::KIND, 2, version, bytes);
        }
        crate::payload::decode_json(Self::KIND, Self::VERSION, version, bytes)
    }
}

/// The figures one table shares with another that describes the same cases or
/// mentions, as (table, arc) pairs in [`PublishedTable::figures`] order: the
/// number of cases (`channel-outcome`'s and `sector-sex`'s totals), each
/// grievance's mentions (`grievance-outcome`'s row totals, `status-grievance`'s
/// column totals) and all mentions (their totals). A shared figure is published
/// in both tables or in neither: hidden in one and shown in the other, it would
/// not be hidden.
pub fn shared_figures() -> Vec<((usize, usize), (usize, usize))> {
    use crate::tables::COUNT_TABLES;
    let arcs = |t: usize| {
        let d = &COUNT_TABLES[t];
        let (rows, columns) = (d.rows.len(), d.columns.len());
        (rows * columns, rows, columns)
    };
    let (go_cells, go_rows, go_columns) = arcs(0);
    let (co_cells, co_rows, co_columns) = arcs(1);
    let (ss_cells, ss_rows, ss_columns) = arcs(2);
    let (sg_cells, sg_rows, sg_columns) = arcs(3);
    let mut pairs = vec![
        (
            (1, co_cells + co_rows + co_columns),
            (2, ss_cells + ss_rows + ss_columns),
        ),
        (
            (0, go_cells + go_rows + go_columns),
            (3, sg_cells + sg_rows + sg_columns),
        ),
    ];
    pairs.extend((0..go_rows).map(|g| ((0, go_cells + g), (3, sg_cells + sg_rows + g))));
    pairs
}

/// The upper bounds a reader knows on the figures of count table `name`, in arc
/// order, from the tables linked to it: a case names a grievance at most once,
/// so a `grievance-outcome` cell holds at most the cases with that outcome
/// (`outcome_cases`, the most each outcome can have: `channel-outcome`'s column
/// total, or where that is hidden, the top of its protection interval).
/// Everything else is bounded only by the totals ([`UNBOUNDED`]).
pub fn caps(definition: &TableDefinition, outcome_cases: &[u64]) -> Vec<u64> {
    let (rows, columns) = (definition.rows.len(), definition.columns.len());
    let mut caps = vec![UNBOUNDED; rows * columns + rows + columns + 1];
    if definition.name == "grievance-outcome" && outcome_cases.len() == columns {
        for r in 0..rows {
            caps[r * columns..(r + 1) * columns].copy_from_slice(outcome_cases);
        }
    }
    caps
}

/// Whether a compensation sum of `sum` over `closed` cases, set beside what an
/// earlier revision published for the same channel, gives away the amounts of
/// fewer than `k` cases: the sum changed while the cases closed changed by
/// fewer than `k` (a late case's recovery, or one case's corrected amount, is
/// the difference of the two sums).
pub fn differs_by_few(earlier: &PublishedResolution, closed: u64, sum: u64, k: u64) -> bool {
    match (earlier.total_compensation_usd, earlier.closed) {
        (Some(before), Some(closed_before)) => {
            before != sum && closed.abs_diff(u64::try_from(closed_before).unwrap_or(0)) < k
        }
        _ => false,
    }
}

/// The names of figures of a table by arc: `row × column` for a cell, `row ×
/// total` and `total × column` for the totals, `total` for the grand total.
pub fn name_figures(definition: &TableDefinition, arcs: &[usize]) -> Vec<String> {
    let (rows, columns) = (definition.rows, definition.columns);
    let n = rows.len() * columns.len();
    arcs.iter()
        .map(|&a| match a {
            a if a < n => format!(
                "{} × {}",
                rows[a / columns.len()],
                columns[a % columns.len()]
            ),
            a if a < n + rows.len() => format!("{} × total", rows[a - n]),
            a if a < n + rows.len() + columns.len() => {
                format!("total × {}", columns[a - n - rows.len()])
            }
            _ => "total".to_string(),
        })
        .collect()
}

/// The most cases each outcome can have, as a reader of `channel_outcome` (its
/// figures in arc order, `None` suppressed) can prove: its column total, or the
/// top of that total's protection interval. `None` when the table contradicts
/// itself.
fn outcome_cases(channel_outcome: &[Option<u64>]) -> Option<Vec<u64>> {
    let d = &crate::tables::COUNT_TABLES[1];
    let (rows, columns) = (d.rows.len(), d.columns.len());
    let network = Network::table(rows, columns);
    let unbounded = vec![UNBOUNDED; network.arcs.len()];
    let values = completion(&network, channel_outcome, &unbounded)?;
    let suppressed: Vec<bool> = channel_outcome.iter().map(Option::is_none).collect();
    let reader = Figures {
        network: &network,
        values: &values,
        suppressed: &suppressed,
        caps: &unbounded,
    };
    let first = rows * columns + rows;
    Some(
        (first..first + columns)
            .map(|a| match channel_outcome[a] {
                Some(v) => v,
                None => reader.interval(a).high,
            })
            .collect(),
    )
}

/// Applies the rules to exact tables. `previous` are the earlier revisions of
/// the period, in order: figures any exact one suppressed stay suppressed
/// (a noised revision in between changes nothing), figures they published are
/// taken as complements only when nothing else will do, and the difference with
/// each is protected.
///
/// Each table's cells and totals are protected together ([`pattern`]); a figure
/// two tables share is hidden in both when either hides it, and the tables are
/// protected again until they agree; `grievance-outcome` is protected under the
/// caps that `channel-outcome`'s publication gives a reader.
pub fn build(
    tables: &Tables,
    threshold: u64,
    revision: u64,
    source: Source,
    previous: &[Release],
) -> Result<Release, Disclosive> {
    build_protected(tables, threshold, 0, revision, source, previous)
}

/// [`build`] with a protection width: every suppressed figure's interval is at
/// least `width` wide as well ([`Protection::width`]).
pub fn build_protected(
    tables: &Tables,
    threshold: u64,
    width: u64,
    revision: u64,
    source: Source,
    previous: &[Release],
) -> Result<Release, Disclosive> {
    use crate::tables::COUNT_TABLES;
    let protection = Protection::threshold(threshold).with_width(width);
    let counts = tables.counts();
    let values: Vec<Vec<u64>> = counts
        .iter()
        .map(|t| with_totals(t.rows.len(), t.columns.len(), &t.cells))
        .collect();
    let networks: Vec<Network> = counts
        .iter()
        .map(|t| Network::table(t.rows.len(), t.columns.len()))
        .collect();
    let earlier: Vec<Vec<Vec<Option<u64>>>> = COUNT_TABLES
        .iter()
        .map(|d| {
            previous
                .iter()
                .filter(|p| !p.is_noised(d.name))
                .filter_map(|p| p.tables.iter().find(|t| t.name == d.name))
                .map(PublishedTable::counts)
                .collect()
        })
        .collect();
    let mut forced: Vec<Vec<bool>> = values.iter().map(|v| vec![false; v.len()]).collect();
    let mut patterns: Vec<Vec<bool>> = forced.clone();
    let mut caps_of: Vec<Vec<u64>> = values.iter().map(|v| vec![UNBOUNDED; v.len()]).collect();
    // The case tables first (their outcome totals cap grievance-outcome), then
    // the mention tables; each pair until the figures they share agree.
    for pair in [[1usize, 2], [0, 3]] {
        if pair[0] == 0 {
            let published: Vec<Option<u64>> = values[1]
                .iter()
                .zip(&patterns[1])
                .map(|(v, s)| (!s).then_some(*v))
                .collect();
            let most = outcome_cases(&published).unwrap_or_default();
            caps_of[0] = caps(&COUNT_TABLES[0], &most);
        }
        loop {
            for &t in &pair {
                let figures = Figures {
                    network: &networks[t],
                    values: &values[t],
                    suppressed: &forced[t],
                    caps: &caps_of[t],
                };
                patterns[t] = pattern(figures, threshold, width, &earlier[t]).map_err(|arcs| {
                    Disclosive::Revision {
                        table: COUNT_TABLES[t].name.to_string(),
                        cells: name_figures(&COUNT_TABLES[t], &arcs),
                    }
                })?;
            }
            let mut changed = false;
            for ((a, i), (b, j)) in shared_figures() {
                if !pair.contains(&a) || !pair.contains(&b) {
                    continue;
                }
                if patterns[a][i] != patterns[b][j] {
                    forced[a][i] = true;
                    forced[b][j] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }
    let mut published = Vec::new();
    for (t, definition) in COUNT_TABLES.iter().enumerate() {
        // When the totals alone pin figures down, no pattern protects them.
        let figures = Figures {
            network: &networks[t],
            values: &values[t],
            suppressed: &patterns[t],
            caps: &caps_of[t],
        };
        let given_away: Vec<usize> = figures
            .exposed(protection)
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        if !given_away.is_empty() {
            return Err(Disclosive::Margins {
                table: definition.name.to_string(),
                cells: name_figures(definition, &given_away),
            });
        }
        let shown: Vec<Option<u64>> = values[t]
            .iter()
            .zip(&patterns[t])
            .map(|(v, s)| (!s).then_some(*v))
            .collect();
        published.push(PublishedTable::of(definition, &shown));
    }
    let resolution = tables
        .resolution
        .iter()
        .map(|r| {
            let enough = r.closed >= threshold;
            let dominated = r.largest_compensation * 100 > DOMINANCE_PERCENT * r.total_compensation;
            let sum = (enough && !dominated).then_some(r.total_compensation);
            // Against every earlier revision that showed this channel's sum.
            let differenced = sum.is_some_and(|sum| {
                previous
                    .iter()
                    .filter(|p| p.privacy.is_none())
                    .filter_map(|p| p.resolution.iter().find(|e| e.channel == r.channel))
                    .any(|e| differs_by_few(e, r.closed, sum, threshold))
            });
            PublishedResolution {
                channel: r.channel.to_string(),
                closed: (r.closed == 0 || enough).then_some(as_figure(r.closed)),
                median_days: if enough { r.median_days } else { None },
                total_compensation_usd: sum.filter(|_| !differenced),
            }
        })
        .collect();
    Ok(Release {
        period: tables.period.to_string(),
        revision,
        source,
        rules: Rules {
            threshold,
            dominance_percent: DOMINANCE_PERCENT,
            complementary: COMPLEMENTARY_CYCLE.into(),
            protection_width: width,
        },
        tables: published,
        resolution,
        privacy: None,
    })
}

/// Exact counts that would give cells away whatever is suppressed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Disclosive {
    /// A revision that would give away cells by differencing.
    #[error(
        "table {table}: compared with the previous revision, this one would show how many cases were added to {} (hidden now, published before), whatever else is suppressed; publish this revision with --epsilon, or wait for more cases",
        cells.join(", ")
    )]
    Revision { table: String, cells: Vec<String> },
    /// So few cases, in so few rows and columns, that the published totals alone
    /// pin cells down (a row whose cases all fall in the one column with any).
    #[error(
        "table {table}: the row and column totals alone give away {} whatever is suppressed, as the period has too few cases (a reader could prove a count from 1 to K-1); publish this period with --epsilon (noised counts), or wait for more cases",
        some(cells)
    )]
    Margins { table: String, cells: Vec<String> },
}

/// The first cells of a list, and how many more.
fn some(cells: &[String]) -> String {
    const SHOWN: usize = 6;
    match cells.len() {
        n if n <= SHOWN => cells.join(", "),
        n => format!("{} and {} more cells", cells[..SHOWN].join(", "), n - SHOWN),
    }
}

impl Disclosive {
    /// The table that would disclose.
    pub fn table(&self) -> &str {
        match self {
            Disclosive::Revision { table, .. } | Disclosive::Margins { table, .. } => table,
        }
    }
}

/// The counts of exact tables with discrete Laplace noise under `epsilon`,
/// split equally ([`SPLIT`]) over the four count tables and the closed counts of
/// the resolution table, each scaled to its sensitivity: the grievance tables
/// count at most [`MAX_GRIEVANCES_PER_CASE`] grievances per case
/// ([`Tables::bounded_counts`]). Noised counts are published as drawn, negative
/// ones too, so every figure is an unbiased estimate; totals are the sums of the
/// noised cells (unbiased too, with the cells' variances summed); medians and
/// sums are withheld. Nothing is suppressed: the noise protects small counts.
/// `threshold` is recorded as the rule for any exact figure.
pub fn build_noised<R: rand::Rng + ?Sized>(
    tables: &Tables,
    threshold: u64,
    epsilon: Epsilon,
    rng: &mut R,
    revision: u64,
    source: Source,
) -> Release {
    let counts = tables.bounded_counts();
    let shares = epsilon.split(counts.len() as u64 + 1);
    let bound = MAX_GRIEVANCES_PER_CASE;
    let spend = |table: &str, share: Epsilon| Spend {
        table: table.to_string(),
        epsilon: share.to_string(),
        sensitivity: sensitivity(table, bound),
        cell_variance: Variance::of_noise(share, sensitivity(table, bound)).to_string(),
    };
    let noisy = |table: &str, share: Epsilon, value: u64, rng: &mut R| -> i64 {
        as_figure(value).saturating_add(laplace_noise(rng, share, sensitivity(table, bound)))
    };
    let mut spends = Vec::new();
    let mut published = Vec::new();
    for ((table, definition), &share) in
        counts.iter().zip(&crate::tables::COUNT_TABLES).zip(&shares)
    {
        let cells: Vec<i64> = table
            .cells
            .iter()
            .map(|&v| noisy(table.name, share, v, rng))
            .collect();
        spends.push(spend(table.name, share));
        let figures: Vec<Option<i64>> =
            signed_totals(table.rows.len(), table.columns.len(), &cells)
                .into_iter()
                .map(Some)
                .collect();
        published.push(PublishedTable::of_figures(definition, &figures));
    }
    let share = shares[counts.len()];
    spends.push(spend(RESOLUTION, share));
    let resolution = tables
        .resolution
        .iter()
        .map(|r| PublishedResolution {
            channel: r.channel.to_string(),
            closed: Some(noisy(RESOLUTION, share, r.closed, rng)),
            median_days: None,
            total_compensation_usd: None,
        })
        .collect();
    Release {
        period: tables.period.to_string(),
        revision,
        source,
        rules: Rules {
            threshold,
            dominance_percent: DOMINANCE_PERCENT,
            complementary: COMPLEMENTARY_NOISED.into(),
            protection_width: 0,
        },
        tables: published,
        resolution,
        privacy: Some(Privacy {
            mechanism: MECHANISM.into(),
            epsilon: epsilon.to_string(),
            split: SPLIT.into(),
            grievances_per_case: bound,
            tables: spends,
        }),
    }
}

/// Signed cells with their totals appended in arc order (cells, row totals,
/// column totals, total), as [`with_totals`] does for counts. Saturating: the
/// structure check bounds every figure far below overflow.
pub fn signed_totals(rows: usize, columns: usize, cells: &[i64]) -> Vec<i64> {
    let mut out = cells.to_vec();
    let row = |r: usize| {
        cells[r * columns..(r + 1) * columns]
            .iter()
            .fold(0i64, |a, &b| a.saturating_add(b))
    };
    let column = |c: usize| (0..rows).fold(0i64, |a, r| a.saturating_add(cells[r * columns + c]));
    out.extend((0..rows).map(row));
    out.extend((0..columns).map(column));
    out.push(cells.iter().fold(0i64, |a, &b| a.saturating_add(b)));
    out
}

/// The expected error of a noised release of `tables` under `epsilon`, before
/// any noise is drawn: the standard error of the case total (`channel-outcome`'s
/// total: the sum of its noised cells) and that standard error relative to the
/// true number of cases (infinite with no cases). As every member's noise is
/// independent, a regional total's relative standard error is at most the
/// largest of its members': a member within the bound keeps the regional figure
/// within it too.
pub fn expected_error(tables: &Tables, epsilon: Epsilon) -> ExpectedError {
    let shares = epsilon.split(tables.counts().len() as u64 + 1);
    let cases = &tables.channel_outcome;
    let variance = Variance::of_noise(shares[1], sensitivity(cases.name, MAX_GRIEVANCES_PER_CASE))
        .times(cases.cells.len() as u64);
    let total: u64 = cases.cells.iter().sum();
    ExpectedError {
        cases: total,
        standard_error: variance.standard_error(),
        relative: if total == 0 {
            f64::INFINITY
        } else {
            variance.standard_error() / total as f64
        },
    }
}

/// See [`expected_error`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpectedError {
    /// The true number of cases opened in the period (stays on the node).
    pub cases: u64,
    /// The standard error of the noised case total.
    pub standard_error: f64,
    /// `standard_error / cases`.
    pub relative: f64,
}

/// Why a release breaks the federation's policy.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("period {0} is not a period (2024, 2024-Q3 or 2024-07)")]
    Period(String),
    #[error("structure: {0}")]
    Structure(String),
    #[error(transparent)]
    Grain(#[from] crate::ledger::GrainError),
    #[error(transparent)]
    Revision(#[from] crate::ledger::RevisionError),
    #[error("the release declares threshold {declared}, below the federation's minimum {minimum}")]
    Threshold { declared: u64, minimum: u64 },
    #[error(
        "the release declares a protection width of {declared}, below the federation's {minimum} (the manifest's protection_width)"
    )]
    Width { declared: u64, minimum: u64 },
    #[error("table {table}: {problem}")]
    Table { table: String, problem: String },
    #[error("resolution, channel {channel}: {problem}")]
    Resolution { channel: String, problem: String },
    #[error("privacy: {0}")]
    Privacy(String),
    #[error(transparent)]
    OverBudget(#[from] crate::privacy::OverBudget),
}

/// The largest figure a release may state: far above any register's count or
/// compensation in USD, and small enough that sums over a whole federation's
/// figures cannot overflow.
pub const MAX_FIGURE: u64 = 1 << 40;

/// Checks a release against the federation's minimum threshold. First its
/// structure ([`check_structure`]: the known tables with the code lists as rows
/// and columns, totals that add up), which bounds the work of what follows; then
/// the declared threshold, no published count from 1 to K-1, no suppressed cell
/// that the publication determines, and the resolution rules that can be checked
/// from outside.
pub fn check(release: &Release, minimum: u64) -> Result<(), PolicyError> {
    check_structure(release)?;
    let k = release.rules.threshold;
    if k < minimum {
        return Err(PolicyError::Threshold {
            declared: k,
            minimum,
        });
    }
    if let Some(privacy) = &release.privacy {
        check_privacy(release, privacy)?;
    }
    // Figures two tables share: published in both or hidden in both.
    if release.privacy.is_none() {
        let all: Vec<Vec<Option<i64>>> =
            release.tables.iter().map(PublishedTable::figures).collect();
        for ((a, i), (b, j)) in shared_figures() {
            let (x, y) = (&release.tables[a], &release.tables[b]);
            if all[a][i].is_some() != all[b][j].is_some() {
                let d = &crate::tables::COUNT_TABLES;
                return Err(PolicyError::Table {
                    table: x.name.clone(),
                    problem: format!(
                        "{} is {} here but {} in {} ({}), where it is the same figure",
                        name_figures(&d[a], &[i])[0],
                        if x.figures()[i].is_some() {
                            "published"
                        } else {
                            "suppressed"
                        },
                        if y.figures()[j].is_some() {
                            "published"
                        } else {
                            "suppressed"
                        },
                        y.name,
                        name_figures(&d[b], &[j])[0],
                    ),
                });
            }
        }
    }
    // The most cases each outcome can have: the caps of grievance-outcome.
    let most = release
        .tables
        .iter()
        .find(|o| o.name == "channel-outcome")
        .and_then(|o| outcome_cases(&o.counts()))
        .unwrap_or_default();
    for (t, definition) in release.tables.iter().zip(&crate::tables::COUNT_TABLES) {
        let problem = |problem: String| PolicyError::Table {
            table: t.name.clone(),
            problem,
        };
        let (rows, columns) = (t.rows.len(), t.columns.len());
        if release.is_noised(&t.name) {
            // Checked whole by the structure check.
            continue;
        }
        let figures = t.counts();
        if let Some((i, v)) = figures
            .iter()
            .enumerate()
            .find_map(|(i, v)| v.filter(|v| (1..k).contains(v)).map(|v| (i, v)))
        {
            return Err(problem(format!(
                "{} is published as {v}, below the threshold {k}",
                name_figures(definition, &[i])[0]
            )));
        }
        let caps = caps(definition, &most);
        let network = Network::table(rows, columns);
        let values = completion(&network, &figures, &caps).ok_or_else(|| {
            problem(if definition.name == "grievance-outcome" {
                "no table agrees with the published figures within the cases of each outcome (channel-outcome's column totals): a case names a grievance once".into()
            } else {
                "no table agrees with the published cells and totals".into()
            })
        })?;
        let suppressed: Vec<bool> = figures.iter().map(Option::is_none).collect();
        let reader = Figures {
            network: &network,
            values: &values,
            suppressed: &suppressed,
            caps: &caps,
        };
        let width = release.rules.protection_width;
        let protection = Protection::threshold(k).with_width(width);
        if let Some(&(i, Interval { low, high })) = reader.exposed(protection).first() {
            let figure = name_figures(definition, &[i])[0].clone();
            return Err(problem(if low == high {
                format!(
                    "the suppressed figure {figure} can be worked out exactly from the published figures"
                )
            } else if high - low < width && !(low >= 1 && high < k) {
                format!(
                    "the suppressed figure {figure} is pinned between {low} and {high} by the published figures, narrower than the release's protection width of {width}"
                )
            } else {
                format!(
                    "the suppressed figure {figure} is pinned between {low} and {high} by the published figures: a reader learns it holds from 1 to {} cases",
                    k - 1
                )
            }));
        }
    }
    for r in &release.resolution {
        let problem = |problem: String| PolicyError::Resolution {
            channel: r.channel.clone(),
            problem,
        };
        if release.is_noised(RESOLUTION) {
            if r.closed.is_none() || r.median_days.is_some() || r.total_compensation_usd.is_some() {
                return Err(problem(
                    "a noised release publishes a noised count and no median or sum".into(),
                ));
            }
            continue;
        }
        match r.closed.map(|n| u64::try_from(n).unwrap_or(0)) {
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

/// A label from a release for an error message: quoted and escaped (it may hold
/// anything a hostile member wrote), and cut short.
fn shown(label: &str) -> String {
    const MAX: usize = 40;
    match label.char_indices().nth(MAX) {
        Some((at, _)) => format!("{:?}…", &label[..at]),
        None => format!("{label:?}"),
    }
}

/// Checks that `labels` are exactly the code list `codes`, in order.
fn same_codes(what: &str, labels: &[String], codes: &[&str]) -> Result<(), String> {
    if let Some((i, (label, code))) = labels
        .iter()
        .zip(codes)
        .enumerate()
        .find(|(_, (label, code))| label != *code)
    {
        return Err(format!(
            "{what} {} is {}, where the code list has {code:?}",
            i + 1,
            shown(label)
        ));
    }
    if labels.len() != codes.len() {
        return Err(format!(
            "{} {what}s, where the code list has {}",
            labels.len(),
            codes.len()
        ));
    }
    Ok(())
}

/// The structure every receiver checks before anything else, in time linear in
/// the release's size: the period; the four count tables of
/// [`crate::tables::COUNT_TABLES`] in order, each with its code lists as rows and
/// columns and cells and totals of those sizes; the resolution table with every
/// channel once, in order; no figure above [`MAX_FIGURE`]; totals that add up
/// (the row totals and the column totals each sum to the total); for exact
/// counts, the tables that describe the same cases agreeing with each other (both
/// case tables have one total, the two grievance tables count the same mentions
/// of each grievance, and no outcome has fewer grievance mentions than cases);
/// known rule names and a source hash that is hex. A release that passes has at
/// most 13 × 13 cells per table, which bounds the disclosure check after it.
pub fn check_structure(release: &Release) -> Result<(), PolicyError> {
    use crate::tables::COUNT_TABLES;
    let structure = |text: String| Err(PolicyError::Structure(text));
    let period = Period::parse(&release.period)
        .ok_or_else(|| PolicyError::Period(shown(&release.period)))?;
    if period.to_string() != release.period {
        return Err(PolicyError::Period(shown(&release.period)));
    }
    if release.revision == 0 {
        return structure("revision 0: revisions are numbered from 1".into());
    }
    let hash = &release.source.private_hash;
    if !(hash.is_empty()
        || hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
    {
        return structure(format!(
            "the source hash {} is not 64 lowercase hex digits",
            shown(hash)
        ));
    }
    if release.rules.protection_width > MAX_FIGURE {
        return structure(format!(
            "protection width {} is over {MAX_FIGURE}",
            release.rules.protection_width
        ));
    }
    if release.rules.dominance_percent > DOMINANCE_PERCENT {
        return structure(format!(
            "dominance rule at {}%, looser than the {DOMINANCE_PERCENT}% every member applies",
            release.rules.dominance_percent
        ));
    }
    let method = if release.privacy.is_some() {
        COMPLEMENTARY_NOISED
    } else {
        COMPLEMENTARY_CYCLE
    };
    if release.rules.complementary != method {
        return structure(format!(
            "complementary suppression {}, where this kind of release states {method:?}",
            shown(&release.rules.complementary)
        ));
    }
    let names: Vec<&str> = release.tables.iter().map(|t| t.name.as_str()).collect();
    let expected: Vec<&str> = COUNT_TABLES.iter().map(|d| d.name).collect();
    if names != expected {
        let names: Vec<String> = names.iter().take(8).map(|n| shown(n)).collect();
        return structure(format!(
            "the tables are [{}]{}, where every release has {}",
            names.join(", "),
            if release.tables.len() > 8 {
                " and more"
            } else {
                ""
            },
            expected.join(", ")
        ));
    }
    for (t, definition) in release.tables.iter().zip(&COUNT_TABLES) {
        let problem = |problem: String| PolicyError::Table {
            table: t.name.clone(),
            problem,
        };
        same_codes("row", &t.rows, definition.rows).map_err(problem)?;
        same_codes("column", &t.columns, definition.columns).map_err(problem)?;
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
        let limit = as_figure(MAX_FIGURE);
        if let Some(v) = t.figures().into_iter().flatten().find(|v| v.abs() > limit) {
            return Err(problem(format!("a figure of {v} is beyond ±{MAX_FIGURE}")));
        }
        if release.is_noised(&t.name) {
            // Every noised figure is there, and the totals are the sums of the
            // noised cells (no overflow: at most 13 × 13 figures of 2^40).
            let figures = t.figures();
            let Some(cells) = t
                .cells
                .iter()
                .flatten()
                .copied()
                .collect::<Option<Vec<i64>>>()
            else {
                return Err(problem("a noised table suppresses a figure".into()));
            };
            let sums: Vec<Option<i64>> = signed_totals(rows, columns, &cells)
                .into_iter()
                .map(Some)
                .collect();
            if sums != figures {
                return Err(problem(
                    "the totals are not the sums of the noised cells".into(),
                ));
            }
            continue;
        }
        if let Some(v) = t.figures().into_iter().flatten().find(|v| *v < 0) {
            return Err(problem(format!(
                "a figure of {v}: exact counts are never negative (only a noised table's may be)"
            )));
        }
        // The figures add up wherever all of them are published, and the
        // published parts never exceed a published whole. No overflow: at most
        // 13 parts, each at most 2^40.
        let add_up = |whole: Option<i64>, parts: Vec<Option<i64>>, what: &str| {
            let Some(whole) = whole else { return Ok(()) };
            let known: i64 = parts.iter().flatten().sum();
            let all = parts.iter().all(Option::is_some);
            if (all && known != whole) || known > whole {
                return Err(problem(format!(
                    "{what}: the published parts add up to {known}, the total is {whole}"
                )));
            }
            Ok(())
        };
        for r in 0..rows {
            add_up(
                t.row_totals[r],
                t.cells[r].clone(),
                &format!("row {}", t.rows[r]),
            )?;
        }
        for c in 0..columns {
            let column = (0..rows).map(|r| t.cells[r][c]).collect();
            add_up(
                t.column_totals[c],
                column,
                &format!("column {}", t.columns[c]),
            )?;
        }
        add_up(t.total, t.row_totals.clone(), "row totals")?;
        add_up(t.total, t.column_totals.clone(), "column totals")?;
    }
    if release.privacy.is_none() {
        check_linked_totals(&release.tables)?;
    }
    let channels: Vec<String> = release
        .resolution
        .iter()
        .map(|r| r.channel.clone())
        .collect();
    same_codes("channel", &channels, crate::case::CHANNEL).map_err(|problem| {
        PolicyError::Table {
            table: RESOLUTION.into(),
            problem,
        }
    })?;
    let noised = release.is_noised(RESOLUTION);
    for r in &release.resolution {
        let problem = |problem: String| PolicyError::Resolution {
            channel: r.channel.clone(),
            problem,
        };
        let figures = [r.median_days, r.total_compensation_usd];
        if let Some(v) = figures.into_iter().flatten().find(|v| *v > MAX_FIGURE) {
            return Err(problem(format!("a figure of {v} is over {MAX_FIGURE}")));
        }
        match r.closed {
            Some(v) if v.unsigned_abs() > MAX_FIGURE => {
                return Err(problem(format!("a figure of {v} is beyond ±{MAX_FIGURE}")));
            }
            Some(v) if v < 0 && !noised => {
                return Err(problem(format!(
                    "{v} closed cases: exact counts are never negative (only noised ones may be)"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The exact count tables of one release describe the same cases: the case tables
/// (channel-outcome, sector-sex) have one total; the grievance tables count the
/// same mentions of each grievance (grievance-outcome's row totals are
/// status-grievance's column totals); and as every case names at least one
/// grievance, no outcome has fewer grievance mentions than cases. Tables in the
/// order of [`crate::tables::COUNT_TABLES`].
fn check_linked_totals(tables: &[PublishedTable]) -> Result<(), PolicyError> {
    let [
        grievance_outcome,
        channel_outcome,
        sector_sex,
        status_grievance,
    ] = tables
    else {
        return Ok(());
    };
    let linked = |text: String| Err(PolicyError::Structure(text));
    // Only where both are published: a shared figure hidden in one table and
    // shown in the other is the disclosure check's to refuse.
    if let (Some(a), Some(b)) = (channel_outcome.total, sector_sex.total)
        && a != b
    {
        return linked(format!(
            "channel-outcome counts {a} cases and sector-sex {b}; both count every case opened once"
        ));
    }
    let pairs = grievance_outcome
        .row_totals
        .iter()
        .zip(&status_grievance.column_totals);
    if pairs
        .into_iter()
        .any(|(a, b)| matches!((a, b), (Some(a), Some(b)) if a != b))
    {
        return linked(
            "grievance-outcome's row totals and status-grievance's column totals differ; both count each grievance's mentions"
                .into(),
        );
    }
    for (c, outcome) in channel_outcome.columns.iter().enumerate() {
        let (Some(mentions), Some(cases)) = (
            grievance_outcome.column_totals[c],
            channel_outcome.column_totals[c],
        ) else {
            continue;
        };
        if mentions < cases {
            return linked(format!(
                "outcome {outcome}: {cases} cases name only {mentions} grievances; every case names at least one"
            ));
        }
        let most = cases.saturating_mul(crate::case::GRIEVANCE.len() as i64);
        if mentions > most {
            return linked(format!(
                "outcome {outcome}: {cases} cases name {mentions} grievances; a case names each of the {} grievances at most once",
                crate::case::GRIEVANCE.len()
            ));
        }
    }
    Ok(())
}

/// The stated mechanism and ε: a known mechanism, a positive ε that is the sum of
/// the tables' shares, every count table and the resolution counts covered, each
/// with at least its true sensitivity.
fn check_privacy(release: &Release, privacy: &Privacy) -> Result<(), PolicyError> {
    let fail = |text: String| Err(PolicyError::Privacy(text));
    if privacy.mechanism != MECHANISM {
        return fail(format!(
            "unknown mechanism {:?} (known: {MECHANISM})",
            privacy.mechanism
        ));
    }
    let epsilon = release
        .epsilon()
        .map_err(|e| PolicyError::Privacy(e.to_string()))?;
    if epsilon == Epsilon::ZERO {
        return fail("ε is 0".into());
    }
    if privacy.split != SPLIT {
        return fail(format!(
            "unknown ε split {} (known: {SPLIT})",
            shown(&privacy.split)
        ));
    }
    let bound = privacy.grievances_per_case;
    let codes = crate::case::GRIEVANCE.len() as u64;
    if !(1..=codes).contains(&bound) {
        return fail(format!(
            "grievances_per_case {bound}: a case counts from 1 to {codes} grievances"
        ));
    }
    let mut sum = Epsilon::ZERO;
    for spend in &privacy.tables {
        let share =
            Epsilon::parse(&spend.epsilon).map_err(|e| PolicyError::Privacy(e.to_string()))?;
        if share == Epsilon::ZERO {
            return fail(format!("table {}: ε 0 gives no protection", spend.table));
        }
        if spend.sensitivity < sensitivity(&spend.table, bound) {
            return fail(format!(
                "table {}: noise scaled to sensitivity {}, but one case can change it by {}",
                shown(&spend.table),
                spend.sensitivity,
                sensitivity(&spend.table, bound)
            ));
        }
        // The stated variance is the noise's, to the hundredth (one hundredth
        // either way for floating-point differences between platforms).
        let stated = Variance::parse(&spend.cell_variance).ok_or_else(|| {
            PolicyError::Privacy(format!(
                "table {}: cell_variance {} is not a decimal with two places",
                shown(&spend.table),
                shown(&spend.cell_variance)
            ))
        })?;
        let actual = Variance::of_noise(share, spend.sensitivity);
        if stated.centi().abs_diff(actual.centi()) > 1 {
            return fail(format!(
                "table {}: cell_variance {stated}, but the noise of ε {share} at sensitivity {} has variance {actual}",
                shown(&spend.table),
                spend.sensitivity
            ));
        }
        sum = sum
            .checked_add(share)
            .ok_or_else(|| PolicyError::Privacy("ε overflows".into()))?;
    }
    if sum != epsilon {
        return fail(format!(
            "the tables' shares add up to {sum}, not the stated {epsilon}"
        ));
    }
    let named = |name: &str| privacy.tables.iter().filter(|s| s.table == name).count();
    for name in release
        .tables
        .iter()
        .map(|t| t.name.as_str())
        .chain([RESOLUTION])
    {
        if named(name) != 1 {
            return fail(format!(
                "table {name} must be named once among the noised tables"
            ));
        }
    }
    if privacy.tables.len() != release.tables.len() + 1 {
        return fail("a noised table is not in the release".into());
    }
    Ok(())
}

/// Releases built from synthetic cases, for the tests of the modules that take
/// releases.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod testing {
    use super::{Release, Source, build};
    use crate::case::Date;
    use crate::tables::{Period, compute};

    /// `cases` synthetic cases of `member` opened in 2024, drawn with `seed`.
    pub(crate) fn cases_2024(member: &str, cases: u64, seed: u64) -> Vec<crate::case::CaseRecord> {
        crate::synthetic::generate(
            &crate::MemberId::new(member).unwrap(),
            cases,
            seed,
            Date::parse("2024-01-01").unwrap(),
            Date::parse("2024-12-31").unwrap(),
        )
        .collect()
    }

    /// The release of `period` from `cases` synthetic cases of `member` opened in
    /// 2024 (drawn with `seed`), at threshold 5, as `revision` after `previous`.
    pub(crate) fn synthetic(
        member: &str,
        cases: u64,
        seed: u64,
        period: &str,
        revision: u64,
        previous: Option<&Release>,
    ) -> Release {
        let records = cases_2024(member, cases, seed);
        let tables = compute(Period::parse(period).unwrap(), &records);
        let source = Source {
            private_seq: 1,
            private_hash: String::new(),
        };
        build(
            &tables,
            5,
            revision,
            source,
            previous.map_or(&[][..], std::slice::from_ref),
        )
        .unwrap()
    }
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
        build(&tables, threshold, 1, source, &[]).unwrap()
    }

    #[test]
    fn built_releases_pass_the_receivers_check_and_round_trip() {
        for count in [40, 400, 4000] {
            let r = release(count, 5);
            check(&r, 5).unwrap();
            assert_eq!(Release::decode(2, &r.encode()).unwrap(), r);
            crate::kinds::check(PayloadKind::RELEASE, 2, &r.encode()).unwrap();
        }
        assert_eq!(
            check(&release(400, 5), 10),
            Err(PolicyError::Threshold {
                declared: 5,
                minimum: 10
            })
        );
    }

    /// A field the format does not have is refused wherever it is: nothing can
    /// ride along in a release to every peer.
    #[test]
    fn a_field_outside_the_format_is_refused_at_every_level() {
        let good: serde_json::Value = serde_json::from_slice(&release(400, 5).encode()).unwrap();
        let case_row = serde_json::json!({"case_id": "KH-0007", "sex": "female"});
        let mut places: Vec<serde_json::Value> = Vec::new();
        let mut top = good.clone();
        top["note"] = case_row.clone();
        places.push(top);
        let mut in_table = good.clone();
        in_table["tables"][1]["cases"] = case_row.clone();
        places.push(in_table);
        let mut in_resolution = good.clone();
        in_resolution["resolution"][0]["case"] = case_row.clone();
        places.push(in_resolution);
        let mut in_source = good.clone();
        in_source["source"]["case"] = case_row;
        places.push(in_source);
        for bad in places {
            let bytes = serde_json::to_vec(&bad).unwrap();
            assert!(Release::decode(2, &bytes).is_err(), "{bad}");
            assert!(crate::kinds::check(PayloadKind::RELEASE, 2, &bytes).is_err());
        }
        assert!(Release::decode(2, &serde_json::to_vec(&good).unwrap()).is_ok());
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
                bad.tables[n].cells[r][c] = Some(*value as i64);
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

    fn noised(count: u64, epsilon: &str, seed: u64) -> (Tables, Release) {
        use rand::SeedableRng;
        let cases: Vec<_> = crate::synthetic::generate(
            &crate::MemberId::new("VN").unwrap(),
            count,
            8,
            Date::parse("2024-01-01").unwrap(),
            Date::parse("2024-12-31").unwrap(),
        )
        .collect();
        let tables = compute(Period::parse("2024-Q3").unwrap(), &cases);
        let source = Source {
            private_seq: 9,
            private_hash: "11".repeat(32),
        };
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let epsilon = Epsilon::parse(epsilon).unwrap();
        let release = build_noised(&tables, 5, epsilon, &mut rng, 2, source);
        (tables, release)
    }

    #[test]
    fn noised_releases_state_their_epsilon_and_pass_the_check() {
        let (tables, r) = noised(2000, "1", 4);
        check(&r, 5).unwrap();
        assert_eq!(Release::decode(3, &r.encode()).unwrap(), r);
        // Version 2 noised releases clamped their noise: refused, naming why.
        let old = Release::decode(2, &r.encode()).unwrap_err().to_string();
        assert!(old.contains("clamped"), "{old}");
        assert_eq!(r.epsilon().unwrap(), Epsilon::parse("1").unwrap());
        let privacy = r.privacy.as_ref().unwrap();
        assert_eq!(privacy.tables.len(), 5);
        assert_eq!(
            (privacy.split.as_str(), privacy.grievances_per_case),
            (SPLIT, 3)
        );
        // ε 0.2 each: the grievance tables at sensitivity 3, the others at 1.
        assert_eq!(privacy.tables[0].sensitivity, 3);
        assert_eq!(privacy.tables[0].cell_variance, "449.83");
        assert_eq!(privacy.tables[1].cell_variance, "49.83");
        // Every count is there, noised; no median or sum.
        for t in &r.tables {
            assert!(t.cells.iter().flatten().all(Option::is_some));
            assert_eq!(r.status(&t.name, t.cells[0][0]), CellStatus::Noised);
        }
        assert!(r.resolution.iter().all(|x| x.closed.is_some()
            && x.median_days.is_none()
            && x.total_compensation_usd.is_none()));
        // Noised, not exact, yet close for large counts at ε = 1 (noise of scale 5
        // on channel-outcome): the total is within a few hundred of the truth.
        let exact = &tables.counts()[1];
        let published = &r.tables[1];
        let truth: u64 = exact.cells.iter().sum();
        assert!(
            published.total.unwrap().abs_diff(truth as i64) < 300,
            "{:?} vs {truth}",
            published.total
        );
        let same = exact
            .cells
            .iter()
            .zip(published.cells.iter().flatten())
            .filter(|(a, b)| Some(**a as i64) == **b)
            .count();
        assert!(same < exact.cells.len(), "some cells moved");
        // The same seed draws the same noise (attestation depends on it).
        assert_eq!(noised(2000, "1", 4).1, r);
        assert_ne!(noised(2000, "1", 5).1, r);
    }

    #[test]
    fn receivers_reject_noised_releases_that_misstate_their_noise() {
        let (_, good) = noised(500, "0.5", 1);
        let broken = |f: &dyn Fn(&mut Release)| {
            let mut r = good.clone();
            f(&mut r);
            check(&r, 5)
        };
        assert!(matches!(
            broken(&|r| r.privacy.as_mut().unwrap().tables[0].sensitivity = 1),
            Err(PolicyError::Privacy(p)) if p.contains("sensitivity 1")
        ));
        assert!(matches!(
            broken(&|r| r.privacy.as_mut().unwrap().epsilon = "0.4".into()),
            Err(PolicyError::Privacy(p)) if p.contains("add up to 0.5")
        ));
        assert!(matches!(
            broken(&|r| r.privacy.as_mut().unwrap().mechanism = "laplace-float".into()),
            Err(PolicyError::Privacy(_))
        ));
        // Without the resolution table's spend its (noised, possibly negative)
        // counts would read as exact.
        assert!(
            broken(&|r| {
                r.privacy.as_mut().unwrap().tables.pop();
            })
            .is_err()
        );
        assert!(matches!(
            broken(&|r| r.tables[0].cells[0][0] = r.tables[0].cells[0][0].map(|v| v + 1)),
            Err(PolicyError::Table { problem, .. }) if problem.contains("not the sums of the noised cells")
        ));
        // The stated error is the noise's; the bound is stated and honoured.
        assert!(matches!(
            broken(&|r| r.privacy.as_mut().unwrap().tables[1].cell_variance = "20.00".into()),
            Err(PolicyError::Privacy(p)) if p.contains("has variance 199.83")
        ));
        assert!(matches!(
            broken(&|r| r.privacy.as_mut().unwrap().tables[1].cell_variance = "199.8".into()),
            Err(PolicyError::Privacy(p)) if p.contains("two places")
        ));
        for bound in [0, 14] {
            assert!(matches!(
                broken(&|r| r.privacy.as_mut().unwrap().grievances_per_case = bound),
                Err(PolicyError::Privacy(p)) if p.contains("grievances_per_case")
            ));
        }
        assert!(matches!(
            broken(&|r| r.privacy.as_mut().unwrap().grievances_per_case = 5),
            Err(PolicyError::Privacy(p)) if p.contains("one case can change it by 5")
        ));
        assert!(matches!(
            broken(&|r| r.privacy.as_mut().unwrap().split = "by-importance".into()),
            Err(PolicyError::Privacy(p)) if p.contains("split")
        ));
        assert!(matches!(
            broken(&|r| r.resolution[0].median_days = Some(30)),
            Err(PolicyError::Resolution { .. })
        ));
    }

    /// Noised figures are unbiased: over 300 releases of one register (fresh
    /// noise each), the mean error of every table's total is within four
    /// standard errors of the mean of zero, and the spread of the errors is the
    /// variance the release states (times the cells summed). Negative noised
    /// counts are published as they are, not clamped.
    #[test]
    fn noised_figures_are_unbiased_and_their_stated_error_is_right() {
        use rand::SeedableRng;
        let cases = crate::release::testing::cases_2024("VN", 600, 3);
        let tables = compute(Period::parse("2024-Q3").unwrap(), &cases);
        let truth: Vec<i64> = tables
            .bounded_counts()
            .iter()
            .map(|t| t.cells.iter().sum::<u64>() as i64)
            .collect();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let draws = 300;
        let mut errors = vec![Vec::new(); 4];
        let mut negative = false;
        let mut stated = Vec::new();
        for _ in 0..draws {
            let source = Source {
                private_seq: 1,
                private_hash: String::new(),
            };
            let r = build_noised(
                &tables,
                5,
                Epsilon::parse("1").unwrap(),
                &mut rng,
                1,
                source,
            );
            negative |= r
                .tables
                .iter()
                .any(|t| t.cells.iter().flatten().any(|v| v.is_some_and(|v| v < 0)));
            stated = r
                .tables
                .iter()
                .map(|t| {
                    r.cell_variance(&t.name)
                        .unwrap()
                        .times((t.rows.len() * t.columns.len()) as u64)
                })
                .collect();
            for (t, table) in r.tables.iter().enumerate() {
                errors[t].push((table.total.unwrap() - truth[t]) as f64);
            }
        }
        assert!(negative, "a noised zero is negative about half the time");
        for (t, e) in errors.iter().enumerate() {
            let n = e.len() as f64;
            let mean = e.iter().sum::<f64>() / n;
            let var = e.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
            let expected = stated[t].centi() as f64 / 100.0;
            assert!(
                mean.abs() < 4.0 * (expected / n).sqrt(),
                "table {t}: mean error {mean}"
            );
            // A sum of 48 to 104 noises is nearly normal: its sample variance
            // over 300 draws is within 25% of the truth far beyond four sigma.
            assert!(
                (var / expected - 1.0).abs() < 0.25,
                "table {t}: {var} vs {expected}"
            );
        }
    }

    /// A case counts at most three grievances in a noised release's grievance
    /// tables, chosen without favouring any code; the exact tables count all.
    #[test]
    fn each_case_contributes_at_most_three_grievances_to_a_noised_release() {
        let codes: Vec<String> = crate::case::GRIEVANCE
            .iter()
            .map(|g| g.to_string())
            .collect();
        let mut kept = vec![0u64; codes.len()];
        for n in 0..3_000 {
            let chosen = crate::tables::bounded_grievances(&format!("KH-2024-{n:07}"), &codes, 3);
            assert_eq!(chosen.len(), 3);
            for g in chosen {
                kept[codes.iter().position(|c| c == g).unwrap()] += 1;
            }
        }
        // 9,000 picks over 13 codes: about 692 each; none far off.
        assert!(kept.iter().all(|&k| (560..830).contains(&k)), "{kept:?}");
        let two = &codes[..2];
        assert_eq!(
            crate::tables::bounded_grievances("x", two, 3),
            ["unpaid-wages", "recruitment-fees-debt"]
        );
        let mut cases = crate::release::testing::cases_2024("KH", 400, 5);
        for c in cases.iter_mut().take(10) {
            c.grievances = codes.clone();
        }
        let tables = compute(Period::Year(2024), &cases);
        assert_eq!(tables.over_bound, 10);
        let all: u64 = tables.grievance_outcome.cells.iter().sum();
        let bounded: u64 = tables.bounded_grievance_outcome.cells.iter().sum();
        let bounded_sg: u64 = tables.bounded_status_grievance.cells.iter().sum();
        assert_eq!(all - bounded, 10 * 10);
        assert_eq!(bounded, bounded_sg);
    }

    /// A figure two tables share, hidden in one and shown in the other, is not
    /// hidden: refused, naming both.
    #[test]
    fn a_shared_figure_is_hidden_in_both_tables_or_neither() {
        let mut r = release(400, 5);
        assert!(r.tables[1].total.is_some() && r.tables[2].total.is_some());
        r.tables[2].total = None;
        let refused = check(&r, 5).unwrap_err();
        assert!(
            refused.to_string().contains(
                "total is published here but suppressed in sector-sex (total), where it is the same figure"
            ),
            "{refused}"
        );
        assert_eq!(shared_figures().len(), 2 + crate::case::GRIEVANCE.len());
    }

    /// The issue's $281: one late case closed through a channel with a sum
    /// already published; the new sum minus the old would be its recovery. The
    /// revision withholds the sum, and a receiver refuses a revision that shows
    /// it.
    #[test]
    fn a_sum_that_differs_by_one_case_from_an_earlier_revision_is_withheld() {
        let cases = testing::cases_2024("KH", 4000, 8);
        let mut tables = compute(Period::parse("2024-Q3").unwrap(), &cases);
        let source = Source {
            private_seq: 1,
            private_hash: String::new(),
        };
        let first = build(&tables, 5, 1, source.clone(), &[]).unwrap();
        let c = first
            .resolution
            .iter()
            .position(|r| r.total_compensation_usd.is_some())
            .expect("a channel with a sum");
        let r = &mut tables.resolution[c];
        r.closed += 1;
        r.compensated += 1;
        r.total_compensation += 281;
        let second = build(&tables, 5, 2, source, std::slice::from_ref(&first)).unwrap();
        assert_eq!(second.resolution[c].total_compensation_usd, None);
        assert!(second.resolution[c].closed.is_some());
        let mut ledger = crate::ledger::ReleaseLedger::new(crate::ledger::ReleaseRules::default());
        ledger.admit(&first).unwrap();
        let mut shown = second.clone();
        shown.resolution[c].total_compensation_usd = Some(tables.resolution[c].total_compensation);
        let refused = ledger.clone().admit(&shown).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("fewer than 5 workers recovered"),
            "{refused}"
        );
        ledger.admit(&second).unwrap();
    }

    /// Two cases in a quarter: every figure they make, cells and totals alike, is
    /// from 1 to K−1, so all are hidden, and what is left passes every
    /// receiver's check. (With totals always published, as in format version 1,
    /// the totals alone said which grievances they named.)
    #[test]
    fn a_quarter_of_two_cases_hides_its_totals_too() {
        let mut exact = compute(Period::parse("2024-Q1").unwrap(), std::iter::empty());
        // Case 1: unpaid-wages and document-retention; case 2: unpaid-wages. Both
        // pending, through mrc, in agriculture, female, titp.
        let go_columns = exact.grievance_outcome.columns.len();
        exact.grievance_outcome.cells[0] = 2;
        exact.grievance_outcome.cells[2 * go_columns] = 1;
        exact.channel_outcome.cells[0] = 2;
        exact.sector_sex.cells[0] = 2;
        exact.status_grievance.cells[0] = 2;
        exact.status_grievance.cells[2] = 1;
        let source = Source {
            private_seq: 1,
            private_hash: String::new(),
        };
        let release = build(&exact, 8, 1, source, &[]).unwrap();
        check(&release, 5).unwrap();
        for t in &release.tables {
            assert_eq!(t.total, None, "{}", t.name);
            let shown: Vec<i64> = t.figures().into_iter().flatten().collect();
            assert!(shown.iter().all(|v| *v == 0), "{}: {shown:?}", t.name);
        }
    }

    /// A revision after a handful of new cases, all in cells the first revision
    /// published, in a row of their own: exact counts would give them away.
    #[test]
    fn a_revision_that_would_disclose_by_differencing_hides_more_instead() {
        let mut exact = compute(Period::parse("2024-Q3").unwrap(), std::iter::empty());
        let table = &mut exact.sector_sex;
        let columns = table.columns.len();
        // Rows 0 and 1 large and protected by nothing; row 2 holds a pair of small cells.
        for (i, v) in [20, 30, 0, 0, 25, 25, 0, 0, 2, 2, 0, 0]
            .into_iter()
            .enumerate()
        {
            table.cells[(i / 4) * columns + i % 4] = v;
        }
        // The other tables describe the same 104 cases, all with one grievance.
        let same = |exact: &mut Tables, n: u64| {
            exact.channel_outcome.cells[0] = n;
            exact.grievance_outcome.cells[0] = n;
            exact.status_grievance.cells[0] = n;
        };
        same(&mut exact, 104);
        let source = Source {
            private_seq: 1,
            private_hash: String::new(),
        };
        let first = build(&exact, 5, 1, source.clone(), &[]).unwrap();
        check(&first, 5).unwrap();
        // Two new cases in row 0, column 2 (published as 0 before): that row's
        // total goes up by 2, so with column 2's total shown (0 before, 2 now)
        // the new cell of 2 would be known. The revision hides that column's
        // total with the cell instead of giving it away.
        exact.sector_sex.cells[2] = 2;
        same(&mut exact, 106);
        let second = build(&exact, 5, 2, source, std::slice::from_ref(&first)).unwrap();
        check(&second, 5).unwrap();
        let t = &second.tables[2];
        assert_eq!(t.cells[0][2], None);
        assert!(
            t.row_totals[0].is_none() || t.column_totals[2].is_none(),
            "{t:?}"
        );
    }
}
