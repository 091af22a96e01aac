//! The five statistical tables a release publishes, computed from case records.
//!
//! Counts are per member and per period (SDMX time formats `2024-Q3`, `2024-07`,
//! `2024`). Four tables count cases opened in the period, two of them once per
//! grievance a case names; the resolution table describes cases closed in the
//! period, per channel: how many, the median days to close (the lower median, a
//! whole number of days) and the total compensation, with the largest single
//! amount kept for the dominance rule. Disclosure control is applied afterwards, to
//! these exact figures; nothing here leaves a node by itself.

use std::fmt;

use crate::case::{self, CaseRecord, Date};

/// A reporting period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Year(u16),
    Quarter(u16, u8),
    Month(u16, u8),
}

impl Period {
    /// Parses `2024`, `2024-Q3` or `2024-07`.
    pub fn parse(text: &str) -> Option<Self> {
        let year = |s: &str| -> Option<u16> {
            (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
                .filter(|y| *y >= 1900)
        };
        match text.split_once('-') {
            None => year(text).map(Period::Year),
            Some((y, rest)) => {
                let y = year(y)?;
                if let Some(q) = rest.strip_prefix('Q') {
                    let q: u8 = q.parse().ok().filter(|q| (1..=4).contains(q))?;
                    (rest.len() == 2).then_some(Period::Quarter(y, q))
                } else {
                    // Digits only: `u8::from_str` would take "+7" too.
                    if !rest.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    let m: u8 = rest.parse().ok().filter(|m| (1..=12).contains(m))?;
                    (rest.len() == 2).then_some(Period::Month(y, m))
                }
            }
        }
    }

    /// The first day of the period.
    pub fn first_day(self) -> Date {
        let (year, month) = match self {
            Period::Year(y) => (y, 1),
            Period::Quarter(y, q) => (y, 3 * q - 2),
            Period::Month(y, m) => (y, m),
        };
        Date {
            year,
            month,
            day: 1,
        }
    }

    /// The last day of the period.
    pub fn last_day(self) -> Date {
        let (year, month) = match self {
            Period::Year(y) => (y, 12),
            Period::Quarter(y, q) => (y, 3 * q),
            Period::Month(y, m) => (y, m),
        };
        let next = if month == 12 {
            Date {
                year: year + 1,
                month: 1,
                day: 1,
            }
        } else {
            Date {
                year,
                month: month + 1,
                day: 1,
            }
        };
        Date::from_days(next.days() - 1)
    }

    pub fn contains(self, date: Date) -> bool {
        match self {
            Period::Year(y) => date.year == y,
            Period::Quarter(y, q) => date.year == y && (date.month - 1) / 3 + 1 == q,
            Period::Month(y, m) => date.year == y && date.month == m,
        }
    }
}

/// The length of period a federation publishes at (the manifest's `grain`). A
/// federation publishes at one grain only: with a quarter and its three months
/// both published, a month's suppressed cell is the quarter minus the other two
/// months, so no grain nests inside another. Longer periods are sums over the
/// grain's periods, which the regional view computes (honest about suppressed
/// parts) and nobody publishes.
/// Ordered from the shortest to the longest.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Grain {
    Month,
    #[default]
    Quarter,
    Year,
}

impl fmt::Display for Grain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
        })
    }
}

impl Period {
    /// The grain of this period.
    pub fn grain(self) -> Grain {
        match self {
            Period::Year(_) => Grain::Year,
            Period::Quarter(..) => Grain::Quarter,
            Period::Month(..) => Grain::Month,
        }
    }

    /// The calendar quarters this period covers in part or whole, in order: what
    /// a privacy budget kept per calendar quarter charges.
    pub fn quarters(self) -> Vec<Period> {
        match self {
            Period::Year(y) => (1..=4).map(|q| Period::Quarter(y, q)).collect(),
            Period::Quarter(..) => vec![self],
            Period::Month(y, m) => vec![Period::Quarter(y, (m - 1) / 3 + 1)],
        }
    }

    /// The period of the same grain that follows this one (`2024-Q4` →
    /// `2025-Q1`); `None` after 9999.
    pub fn next(self) -> Option<Period> {
        let year = |y: u16| (y < 9999).then_some(y + 1);
        match self {
            Period::Year(y) => year(y).map(Period::Year),
            Period::Quarter(y, 4) => year(y).map(|y| Period::Quarter(y, 1)),
            Period::Quarter(y, q) => Some(Period::Quarter(y, q + 1)),
            Period::Month(y, 12) => year(y).map(|y| Period::Month(y, 1)),
            Period::Month(y, m) => Some(Period::Month(y, m + 1)),
        }
    }

    /// The period of `grain` that contains this one (a month's quarter or year,
    /// a quarter's year, a period itself); `None` when `grain` is shorter.
    pub fn within(self, grain: Grain) -> Option<Period> {
        match (self, grain) {
            (p, g) if p.grain() == g => Some(p),
            (Period::Month(y, _) | Period::Quarter(y, _), Grain::Year) => Some(Period::Year(y)),
            (Period::Month(y, m), Grain::Quarter) => Some(Period::Quarter(y, (m - 1) / 3 + 1)),
            _ => None,
        }
    }

    /// The periods of `grain` that make up this period, in order, when they
    /// nest inside it (a year's quarters or months, a quarter's months, a period
    /// itself); `None` when `grain` is longer.
    pub fn parts(self, grain: Grain) -> Option<Vec<Period>> {
        match (self, grain) {
            (p, g) if p.grain() == g => Some(vec![p]),
            (Period::Year(y), Grain::Quarter) => {
                Some((1..=4).map(|q| Period::Quarter(y, q)).collect())
            }
            (Period::Year(y), Grain::Month) => {
                Some((1..=12).map(|m| Period::Month(y, m)).collect())
            }
            (Period::Quarter(y, q), Grain::Month) => {
                Some((3 * q - 2..=3 * q).map(|m| Period::Month(y, m)).collect())
            }
            _ => None,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y:04}"),
            Period::Quarter(y, q) => write!(f, "{y:04}-Q{q}"),
            Period::Month(y, m) => write!(f, "{y:04}-{m:02}"),
        }
    }
}

/// The definition of a count table: its name, and the code lists of its rows and
/// columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableDefinition {
    pub name: &'static str,
    pub rows: &'static [&'static str],
    pub columns: &'static [&'static str],
    /// What one count is: a case, or a grievance a case names (a case with three
    /// grievances counts three times).
    pub counts: Counts,
}

/// What a table counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counts {
    /// Each case opened in the period once.
    Cases,
    /// Each grievance named by a case opened in the period: mentions, not cases.
    GrievanceMentions,
}

/// The four count tables every release publishes, in their order. Receivers
/// accept no other table, row or column.
pub const COUNT_TABLES: [TableDefinition; 4] = [
    TableDefinition {
        name: "grievance-outcome",
        rows: case::GRIEVANCE,
        columns: case::OUTCOME,
        counts: Counts::GrievanceMentions,
    },
    TableDefinition {
        name: "channel-outcome",
        rows: case::CHANNEL,
        columns: case::OUTCOME,
        counts: Counts::Cases,
    },
    TableDefinition {
        name: "sector-sex",
        rows: case::SECTOR,
        columns: case::SEX,
        counts: Counts::Cases,
    },
    TableDefinition {
        name: "status-grievance",
        rows: case::RESIDENCE_STATUS,
        columns: case::GRIEVANCE,
        counts: Counts::GrievanceMentions,
    },
];

/// The definition of the count table `name`.
pub fn definition(name: &str) -> Option<&'static TableDefinition> {
    COUNT_TABLES.iter().find(|t| t.name == name)
}

/// What a table counts, in the words every output labels it with (the SDMX
/// structure, the terminal's heading): a table of grievance mentions says so
/// first, so that nobody takes its totals for cases. `None` for a name that is
/// not a table.
pub fn counts_what(table: &str) -> Option<&'static str> {
    Some(match table {
        "grievance-outcome" => {
            "Grievance mentions by outcome: cases opened in the period, a case counted once per grievance it names, so totals are mentions, not cases"
        }
        "channel-outcome" => {
            "Cases opened in the period by channel and outcome, each case counted once"
        }
        "sector-sex" => "Cases opened in the period by sector and sex, each case counted once",
        "status-grievance" => {
            "Grievance mentions by residence status: cases opened in the period, a case counted once per grievance it names, so totals are mentions, not cases"
        }
        "resolution" => {
            "Cases closed in the period by channel: count, median days to close (not additive), total compensation in US dollars"
        }
        _ => return None,
    })
}

/// A two-way table of counts with its row and column codes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountTable {
    pub name: &'static str,
    pub rows: &'static [&'static str],
    pub columns: &'static [&'static str],
    /// Row-major: `cells[r * columns.len() + c]`.
    pub cells: Vec<u64>,
}

impl CountTable {
    fn new(definition: &TableDefinition) -> Self {
        Self {
            name: definition.name,
            rows: definition.rows,
            columns: definition.columns,
            cells: vec![0; definition.rows.len() * definition.columns.len()],
        }
    }

    fn add(&mut self, row: &str, column: &str) {
        let r = self.rows.iter().position(|x| *x == row);
        let c = self.columns.iter().position(|x| *x == column);
        // Records are validated, so both codes are known.
        if let (Some(r), Some(c)) = (r, c) {
            self.cells[r * self.columns.len() + c] += 1;
        }
    }

    pub fn get(&self, row: usize, column: usize) -> u64 {
        self.cells[row * self.columns.len() + column]
    }

    pub fn row_total(&self, row: usize) -> u64 {
        (0..self.columns.len()).map(|c| self.get(row, c)).sum()
    }

    pub fn column_total(&self, column: usize) -> u64 {
        (0..self.rows.len()).map(|r| self.get(r, column)).sum()
    }
}

/// Cases closed in the period through one channel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    pub channel: &'static str,
    pub closed: u64,
    /// Lower median of days from opening to closing; `None` when nothing closed.
    pub median_days: Option<u64>,
    pub total_compensation: u64,
    /// The largest single compensation among them (for the dominance rule).
    pub largest_compensation: u64,
    /// How many of them recovered any compensation.
    pub compensated: u64,
}

/// The five tables of one member and period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tables {
    pub period: Period,
    pub grievance_outcome: CountTable,
    pub channel_outcome: CountTable,
    pub sector_sex: CountTable,
    pub status_grievance: CountTable,
    pub resolution: Vec<Resolution>,
    /// The two grievance tables with each case's contribution bounded for
    /// differential privacy: a case counts at most [`MAX_GRIEVANCES_PER_CASE`]
    /// of its grievances ([`bounded_grievances`]).
    pub bounded_grievance_outcome: CountTable,
    pub bounded_status_grievance: CountTable,
    /// Cases opened in the period that name more grievances than the bound.
    pub over_bound: u64,
}

/// The most grievances one case counts in a noised release's grievance tables,
/// so that one case changes each of them by at most this much (their L1
/// sensitivity) instead of by all 13 codes.
pub const MAX_GRIEVANCES_PER_CASE: u64 = 3;

/// The grievances a case counts under the bound: all of them when it names at
/// most `bound`, otherwise the `bound` whose SHA-256 of (case id, a zero byte,
/// code) is smallest, in the case's order. A fixed, documented choice that
/// favours no grievance code over another, and that anyone holding the register
/// can repeat.
pub fn bounded_grievances<'a>(case_id: &str, grievances: &'a [String], bound: u64) -> Vec<&'a str> {
    use sha2::{Digest, Sha256};
    let bound = bound as usize;
    if grievances.len() <= bound {
        return grievances.iter().map(String::as_str).collect();
    }
    let mut ranked: Vec<([u8; 32], usize)> = grievances
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let mut h = Sha256::new();
            h.update(case_id.as_bytes());
            h.update([0u8]);
            h.update(g.as_bytes());
            (h.finalize().into(), i)
        })
        .collect();
    ranked.sort_unstable();
    let mut kept: Vec<usize> = ranked[..bound].iter().map(|(_, i)| *i).collect();
    kept.sort_unstable();
    kept.into_iter().map(|i| grievances[i].as_str()).collect()
}

impl Tables {
    /// The four count tables as a noised release counts them: the grievance
    /// tables with each case's contribution bounded.
    pub fn bounded_counts(&self) -> [&CountTable; 4] {
        [
            &self.bounded_grievance_outcome,
            &self.channel_outcome,
            &self.sector_sex,
            &self.bounded_status_grievance,
        ]
    }

    /// The four count tables, in their documented order.
    pub fn counts(&self) -> [&CountTable; 4] {
        [
            &self.grievance_outcome,
            &self.channel_outcome,
            &self.sector_sex,
            &self.status_grievance,
        ]
    }

    /// No case was opened or closed in the period: every figure would be 0.
    pub fn is_empty(&self) -> bool {
        self.channel_outcome.cells.iter().all(|&n| n == 0)
            && self.resolution.iter().all(|r| r.closed == 0)
    }
}

/// Computes the tables of `period` from every case (the latest version of each).
pub fn compute<'a>(period: Period, cases: impl IntoIterator<Item = &'a CaseRecord>) -> Tables {
    let mut builder = TableBuilder::new(period);
    for c in cases {
        builder.add(c);
    }
    builder.finish()
}

/// Tables built one case at a time, for callers that stream cases.
#[derive(Debug)]
pub struct TableBuilder {
    period: Period,
    grievance_outcome: CountTable,
    channel_outcome: CountTable,
    sector_sex: CountTable,
    status_grievance: CountTable,
    bounded_grievance_outcome: CountTable,
    bounded_status_grievance: CountTable,
    over_bound: u64,
    days: Vec<Vec<u64>>,
    resolution: Vec<Resolution>,
}

impl TableBuilder {
    pub fn new(period: Period) -> Self {
        Self {
            period,
            grievance_outcome: CountTable::new(&COUNT_TABLES[0]),
            channel_outcome: CountTable::new(&COUNT_TABLES[1]),
            sector_sex: CountTable::new(&COUNT_TABLES[2]),
            status_grievance: CountTable::new(&COUNT_TABLES[3]),
            bounded_grievance_outcome: CountTable::new(&COUNT_TABLES[0]),
            bounded_status_grievance: CountTable::new(&COUNT_TABLES[3]),
            over_bound: 0,
            days: vec![Vec::new(); case::CHANNEL.len()],
            resolution: case::CHANNEL
                .iter()
                .map(|channel| Resolution {
                    channel,
                    ..Resolution::default()
                })
                .collect(),
        }
    }

    pub fn add(&mut self, c: &CaseRecord) {
        if self.period.contains(c.opened_on) {
            for g in &c.grievances {
                self.grievance_outcome.add(g, &c.outcome);
                self.status_grievance.add(&c.residence_status, g);
            }
            if c.grievances.len() as u64 > MAX_GRIEVANCES_PER_CASE {
                self.over_bound += 1;
            }
            for g in bounded_grievances(&c.case_id, &c.grievances, MAX_GRIEVANCES_PER_CASE) {
                self.bounded_grievance_outcome.add(g, &c.outcome);
                self.bounded_status_grievance.add(&c.residence_status, g);
            }
            self.channel_outcome.add(&c.channel, &c.outcome);
            self.sector_sex.add(&c.sector, &c.sex);
        }
        if let Some(closed) = c.closed_on.filter(|d| self.period.contains(*d))
            && let Some(i) = case::CHANNEL.iter().position(|x| *x == c.channel)
        {
            let r = &mut self.resolution[i];
            r.closed += 1;
            let amount = c.compensation_usd.unwrap_or(0);
            r.total_compensation += amount;
            r.largest_compensation = r.largest_compensation.max(amount);
            r.compensated += u64::from(amount > 0);
            self.days[i].push((closed.days() - c.opened_on.days()).max(0) as u64);
        }
    }

    pub fn finish(mut self) -> Tables {
        for (r, d) in self.resolution.iter_mut().zip(&mut self.days) {
            if !d.is_empty() {
                d.sort_unstable();
                r.median_days = Some(d[(d.len() - 1) / 2]);
            }
        }
        Tables {
            period: self.period,
            grievance_outcome: self.grievance_outcome,
            channel_outcome: self.channel_outcome,
            sector_sex: self.sector_sex,
            status_grievance: self.status_grievance,
            resolution: self.resolution,
            bounded_grievance_outcome: self.bounded_grievance_outcome,
            bounded_status_grievance: self.bounded_status_grievance,
            over_bound: self.over_bound,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_next_period_keeps_the_grain_and_turns_the_year() {
        let next = |p: &str| Period::parse(p).unwrap().next().map(|n| n.to_string());
        assert_eq!(next("2024-Q4").as_deref(), Some("2025-Q1"));
        assert_eq!(next("2024-Q2").as_deref(), Some("2024-Q3"));
        assert_eq!(next("2024-12").as_deref(), Some("2025-01"));
        assert_eq!(next("2024-07").as_deref(), Some("2024-08"));
        assert_eq!(next("2024").as_deref(), Some("2025"));
        assert_eq!(next("9999"), None);
    }
    use crate::case::Header;

    fn case(
        id: &str,
        opened: &str,
        closed: &str,
        grievances: &str,
        channel: &str,
        outcome: &str,
        usd: &str,
    ) -> CaseRecord {
        Header::standard()
            .parse_row(&[
                id,
                opened,
                closed,
                "female",
                "25-34",
                "titp",
                "agriculture",
                "in-employment",
                grievances,
                channel,
                outcome,
                usd,
            ])
            .unwrap()
    }

    #[test]
    fn periods_parse_print_and_contain_dates() {
        for text in ["2024", "2024-Q3", "2024-07"] {
            assert_eq!(Period::parse(text).unwrap().to_string(), text);
        }
        for bad in [
            "24", "2024-Q5", "2024-13", "2024-7", "2024-Q03", "x", "2024-+7", "2024-Q+",
        ] {
            assert!(Period::parse(bad).is_none(), "{bad}");
        }
        let q3 = Period::parse("2024-Q3").unwrap();
        assert!(q3.contains(Date::parse("2024-09-30").unwrap()));
        assert_eq!(q3.grain(), Grain::Quarter);
        let shown = |ps: Vec<Period>| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(shown(Period::Month(2024, 8).quarters()), ["2024-Q3"]);
        assert_eq!(shown(Period::Year(2024).quarters()).len(), 4);
        assert_eq!(
            shown(Period::Year(2024).parts(Grain::Quarter).unwrap())[3],
            "2024-Q4"
        );
        assert_eq!(
            shown(q3.parts(Grain::Month).unwrap()),
            ["2024-07", "2024-08", "2024-09"]
        );
        assert_eq!(q3.parts(Grain::Year), None);
        assert_eq!(Period::Month(2024, 8).within(Grain::Quarter), Some(q3));
        assert_eq!(q3.within(Grain::Year), Some(Period::Year(2024)));
        assert_eq!(q3.within(Grain::Month), None);
        assert_eq!(shown(q3.parts(Grain::Quarter).unwrap()), ["2024-Q3"]);
        assert!(!q3.contains(Date::parse("2024-10-01").unwrap()));
    }

    #[test]
    fn tables_count_opened_cases_and_resolve_closed_ones() {
        let cases = [
            case(
                "a",
                "2024-07-01",
                "2024-07-11",
                "unpaid-wages;housing",
                "mrc",
                "resolved-compensated",
                "100",
            ),
            case(
                "b",
                "2024-08-01",
                "2024-08-31",
                "unpaid-wages",
                "mrc",
                "resolved-compensated",
                "900",
            ),
            case("c", "2024-09-01", "", "housing", "hotline", "pending", ""),
            case(
                "d",
                "2024-06-01",
                "2024-07-05",
                "other",
                "mrc",
                "withdrawn",
                "",
            ),
            case("e", "2024-10-01", "", "other", "mrc", "pending", ""),
        ];
        let t = compute(Period::parse("2024-Q3").unwrap(), &cases);
        let g = &t.grievance_outcome;
        let row = |code: &str| g.rows.iter().position(|r| *r == code).unwrap();
        let col = |code: &str| g.columns.iter().position(|c| *c == code).unwrap();
        assert_eq!(g.get(row("unpaid-wages"), col("resolved-compensated")), 2);
        assert_eq!(g.get(row("housing"), col("pending")), 1);
        assert_eq!(
            g.cells.iter().sum::<u64>(),
            4,
            "a counts once per grievance; d and e are outside"
        );
        assert_eq!(t.channel_outcome.cells.iter().sum::<u64>(), 3);
        let mrc = &t.resolution[0];
        assert_eq!(
            (
                mrc.channel,
                mrc.closed,
                mrc.median_days,
                mrc.total_compensation,
                mrc.largest_compensation
            ),
            ("mrc", 3, Some(30), 1000, 900)
        );
    }

    #[test]
    fn the_tables_labelled_as_mentions_are_the_ones_that_count_a_case_twice() {
        let cases = [
            case(
                "a",
                "2024-07-01",
                "",
                "unpaid-wages;housing",
                "mrc",
                "pending",
                "",
            ),
            case("b", "2024-07-02", "", "housing", "hotline", "pending", ""),
        ];
        let t = compute(Period::parse("2024-Q3").unwrap(), &cases);
        for table in t.counts() {
            let total: u64 = table.cells.iter().sum();
            let mentions = definition(table.name).unwrap().counts == Counts::GrievanceMentions;
            assert_eq!(total, if mentions { 3 } else { 2 }, "{}", table.name);
            let label = counts_what(table.name).unwrap();
            assert_eq!(label.starts_with("Grievance mentions"), mentions, "{label}");
        }
        assert!(counts_what("resolution").is_some());
        assert!(counts_what("salaries").is_none());
    }
}
