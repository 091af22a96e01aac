//! The regional view of statistics: a table of one period across members with
//! regional totals, and the series of one cell across periods, from published
//! releases. Pure: the node reads the releases, this computes the answer. The
//! answer's JSON is the documented format of `remedy view stats|series --format
//! json` and of the `View` gRPC service; it holds nothing about the node that
//! answered or the time of asking, and its order is fixed (periods, then members,
//! in code order), so every node that holds the same releases answers the same
//! bytes.
//!
//! Honesty about what is hidden: a regional figure summed over cells of which some
//! are suppressed is a `lower-bound` (the true total is at least that), never an
//! exact value; one with noised parts is `noised` (an estimate). A member's
//! total is suppressed only when it is small (1 to K−1) or would give a small one
//! away, so regional totals of rows and columns usually stay exact.

use serde::{Deserialize, Serialize};

use crate::privacy::Variance;
use crate::release::{CellStatus, RESOLUTION, Release};

/// What a reader may take a figure for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Exact.
    Published,
    /// Withheld: no value.
    Suppressed,
    /// Exact count plus noise: an estimate.
    Noised,
    /// A sum with suppressed parts: the true value is at least this.
    LowerBound,
    /// A sum with suppressed and noised parts.
    NoisedLowerBound,
    /// Not summed across members (a median).
    NotAdditive,
}

impl From<CellStatus> for Status {
    fn from(s: CellStatus) -> Self {
        match s {
            CellStatus::Published => Status::Published,
            CellStatus::Suppressed => Status::Suppressed,
            CellStatus::Noised => Status::Noised,
        }
    }
}

/// One figure, its status and, for an estimate, the variance of its noise.
///
/// In JSON: `value` (a whole number, negative only for a noised estimate, or
/// `null`), `status`, and for a figure with noised parts `variance` (two
/// decimals, the sum of its noised parts' variances) and `standard_error` (its
/// square root, rounded to two decimals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FigureJson", into = "FigureJson")]
pub struct Figure {
    pub value: Option<i64>,
    pub status: Status,
    /// The variance of the noise in `value`; `None` when nothing in it is noised.
    pub variance: Option<Variance>,
}

/// [`Figure`]'s JSON form.
#[derive(Serialize, Deserialize)]
struct FigureJson {
    value: Option<i64>,
    status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    variance: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    standard_error: Option<f64>,
}

impl From<Figure> for FigureJson {
    fn from(f: Figure) -> Self {
        Self {
            value: f.value,
            status: f.status,
            variance: f.variance.map(|v| v.centi() as f64 / 100.0),
            standard_error: f
                .variance
                .map(|v| (v.standard_error() * 100.0).round() / 100.0),
        }
    }
}

impl From<FigureJson> for Figure {
    fn from(f: FigureJson) -> Self {
        Self {
            value: f.value,
            status: f.status,
            variance: f
                .variance
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(|v| Variance::from_centi((v * 100.0).round() as u64)),
        }
    }
}

impl Figure {
    fn of(value: Option<i64>, status: CellStatus, variance: Option<Variance>) -> Self {
        Self {
            value,
            status: status.into(),
            variance: variance.filter(|_| status == CellStatus::Noised),
        }
    }

    /// A figure without a value.
    pub fn withheld(status: Status) -> Self {
        Self {
            value: None,
            status,
            variance: None,
        }
    }

    /// The standard error of an estimate: the square root of its variance.
    pub fn standard_error(&self) -> Option<f64> {
        self.variance.map(Variance::standard_error)
    }

    /// The sum of figures, honest about hidden and noised parts: noised parts
    /// add their variances (their noises are independent).
    pub fn sum<'a>(figures: impl IntoIterator<Item = &'a Figure>) -> Figure {
        let (mut total, mut hidden, mut noised, mut any) = (0i64, false, false, false);
        let mut variance: Option<Variance> = None;
        for f in figures {
            any = true;
            if let Some(v) = f.variance {
                variance = Some(variance.unwrap_or(Variance::ZERO).plus(v));
            }
            match f.status {
                Status::NotAdditive => return Figure::withheld(Status::NotAdditive),
                Status::Suppressed => hidden = true,
                Status::LowerBound => hidden = true,
                Status::NoisedLowerBound => {
                    hidden = true;
                    noised = true;
                }
                Status::Noised => noised = true,
                Status::Published => {}
            }
            total = total.saturating_add(f.value.unwrap_or(0));
        }
        let status = match (hidden, noised) {
            (false, false) => Status::Published,
            (false, true) => Status::Noised,
            (true, false) => Status::LowerBound,
            (true, true) => Status::NoisedLowerBound,
        };
        Figure {
            value: any.then_some(total),
            status,
            variance: variance.filter(|_| noised),
        }
    }
}

/// One member's table of one period, as its release published it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberTable {
    pub member: String,
    pub period: String,
    pub revision: u64,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// Row-major.
    pub cells: Vec<Vec<Figure>>,
    pub row_totals: Vec<Figure>,
    pub column_totals: Vec<Figure>,
    pub total: Figure,
}

impl Status {
    fn code(self) -> u8 {
        match self {
            Status::Published => 0,
            Status::Suppressed => 1,
            Status::Noised => 2,
            Status::LowerBound => 3,
            Status::NoisedLowerBound => 4,
            Status::NotAdditive => 5,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Status::Published,
            1 => Status::Suppressed,
            2 => Status::Noised,
            3 => Status::LowerBound,
            4 => Status::NoisedLowerBound,
            5 => Status::NotAdditive,
            _ => return None,
        })
    }
}

/// The first byte of [`MemberTable::encode`]'s form.
const FORMAT: u8 = 2;

impl MemberTable {
    /// A compact binary form for the node's view rows, read on every query (JSON
    /// parsing was most of a query's time): a format byte ([`FORMAT`]), the
    /// strings (member, period, rows, columns) each as a u16 length and UTF-8,
    /// the counts as u16, the revision as u64, then every figure (cells row by
    /// row, row totals, column totals, total) as a status byte, an i64 value
    /// (`i64::MIN` for none) and a u64 variance in hundredths (`u64::MAX` for
    /// none), little-endian. Rows of another format (an older node's) do not
    /// decode: `remedy-node rebuild-views` writes them again.
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(65 + 17 * (self.rows.len() + 1) * (self.columns.len() + 1));
        out.push(FORMAT);
        let text = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&(s.len() as u16).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        text(&mut out, &self.member);
        text(&mut out, &self.period);
        out.extend_from_slice(&self.revision.to_le_bytes());
        out.extend_from_slice(&(self.rows.len() as u16).to_le_bytes());
        out.extend_from_slice(&(self.columns.len() as u16).to_le_bytes());
        for name in self.rows.iter().chain(&self.columns) {
            text(&mut out, name);
        }
        let figures = self
            .cells
            .iter()
            .flatten()
            .chain(&self.row_totals)
            .chain(&self.column_totals)
            .chain([&self.total]);
        for f in figures {
            out.push(f.status.code());
            out.extend_from_slice(&f.value.unwrap_or(i64::MIN).to_le_bytes());
            let variance = f.variance.map_or(u64::MAX, Variance::centi);
            out.extend_from_slice(&variance.to_le_bytes());
        }
        out
    }

    /// Reads [`MemberTable::encode`]; `None` if the bytes are not one.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(1)? != [FORMAT] {
            return None;
        }
        let member = r.text()?;
        let period = r.text()?;
        let revision = r.u64()?;
        let rows = r.u16()? as usize;
        let columns = r.u16()? as usize;
        let mut names = Vec::with_capacity(rows + columns);
        for _ in 0..rows + columns {
            names.push(r.text()?);
        }
        let mut cells = Vec::with_capacity(rows);
        for _ in 0..rows {
            cells.push(
                (0..columns)
                    .map(|_| r.figure())
                    .collect::<Option<Vec<_>>>()?,
            );
        }
        let row_totals = (0..rows).map(|_| r.figure()).collect::<Option<Vec<_>>>()?;
        let column_totals = (0..columns)
            .map(|_| r.figure())
            .collect::<Option<Vec<_>>>()?;
        let total = r.figure()?;
        if r.at != bytes.len() {
            return None;
        }
        let column_names = names.split_off(rows);
        Some(MemberTable {
            member,
            period,
            revision,
            rows: names,
            columns: column_names,
            cells,
            row_totals,
            column_totals,
            total,
        })
    }
}

/// Reads the binary form.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let slice = self.bytes.get(self.at..self.at + n)?;
        self.at += n;
        Some(slice)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    fn text(&mut self) -> Option<String> {
        let n = self.u16()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    fn figure(&mut self) -> Option<Figure> {
        let status = Status::from_code(self.take(1)?[0])?;
        let value = self.u64()? as i64;
        let variance = self.u64()?;
        Some(Figure {
            value: (value != i64::MIN).then_some(value),
            status,
            variance: (variance != u64::MAX).then_some(Variance::from_centi(variance)),
        })
    }
}

/// The columns of the resolution table in the regional view.
pub const RESOLUTION_COLUMNS: &[&str] = &["closed", "median-days", "compensation-usd"];

/// Every table name a release holds: the four count tables, then `resolution`.
pub fn table_names(release: &Release) -> Vec<String> {
    release
        .tables
        .iter()
        .map(|t| t.name.clone())
        .chain([RESOLUTION.to_string()])
        .collect()
}

/// One table of a member's release. A noised figure carries the variance of
/// its noise: the release's cell variance times the number of noised cells it
/// sums (one for a cell, a row's cells for a row total, and so on).
pub fn member_table(member: &str, release: &Release, table: &str) -> Option<MemberTable> {
    let cell_variance = release.cell_variance(table).unwrap_or(Variance::ZERO);
    let status = |value: Option<i64>, cells: usize| {
        Figure::of(
            value,
            release.status(table, value),
            Some(cell_variance.times(cells as u64)),
        )
    };
    if table == RESOLUTION {
        let exact = |value: Option<u64>| Figure {
            value: value.map(|v| i64::try_from(v).unwrap_or(i64::MAX)),
            status: if value.is_some() {
                Status::Published
            } else {
                Status::Suppressed
            },
            variance: None,
        };
        let cells: Vec<Vec<Figure>> = release
            .resolution
            .iter()
            .map(|r| {
                vec![
                    status(r.closed, 1),
                    exact(r.median_days),
                    exact(r.total_compensation_usd),
                ]
            })
            .collect();
        let column_totals = (0..RESOLUTION_COLUMNS.len())
            .map(|c| {
                let column: Vec<Figure> = cells.iter().map(|row| row[c]).collect();
                if c == 1 {
                    Figure::withheld(Status::NotAdditive)
                } else {
                    Figure::sum(&column)
                }
            })
            .collect();
        return Some(MemberTable {
            member: member.into(),
            period: release.period.clone(),
            revision: release.revision,
            rows: release
                .resolution
                .iter()
                .map(|r| r.channel.clone())
                .collect(),
            columns: RESOLUTION_COLUMNS.iter().map(|c| c.to_string()).collect(),
            row_totals: cells
                .iter()
                .map(|_| Figure::withheld(Status::NotAdditive))
                .collect(),
            cells,
            column_totals,
            total: Figure::withheld(Status::NotAdditive),
        });
    }
    let t = release.tables.iter().find(|t| t.name == table)?;
    let (rows, columns) = (t.rows.len(), t.columns.len());
    Some(MemberTable {
        member: member.into(),
        period: release.period.clone(),
        revision: release.revision,
        rows: t.rows.clone(),
        columns: t.columns.clone(),
        cells: t
            .cells
            .iter()
            .map(|row| row.iter().map(|v| status(*v, 1)).collect())
            .collect(),
        row_totals: t.row_totals.iter().map(|v| status(*v, columns)).collect(),
        column_totals: t.column_totals.iter().map(|v| status(*v, rows)).collect(),
        total: status(t.total, rows * columns),
    })
}

/// A member's table of a longer period (a year, say) summed from its tables of
/// the periods that make it up (its quarters), for a federation that publishes
/// at a shorter grain: figure by figure with [`Figure::sum`], so a sum over a
/// suppressed part is a `lower-bound`. With fewer than `expected` parts (a
/// quarter not published yet) every figure is a `lower-bound`: the period's
/// value is at least the sum shown. Figures that do not add up ([`additive`]: a
/// median) have no value, status `not-additive`. Revision 0 marks a table summed
/// from parts; `period` is the longer period's label. Parts whose rows and
/// columns differ from the first part's are left out (and make the sum
/// incomplete). `None` without parts.
pub fn combine(
    table: &str,
    period: &str,
    parts: &[MemberTable],
    expected: usize,
) -> Option<MemberTable> {
    let first = parts.first()?;
    let same: Vec<&MemberTable> = parts
        .iter()
        .filter(|p| p.rows == first.rows && p.columns == first.columns)
        .collect();
    let incomplete = same.len() < expected;
    let missing = Figure::withheld(Status::Suppressed);
    let sum = |column: &str, f: &dyn Fn(&MemberTable) -> Figure| -> Figure {
        let mut figures: Vec<Figure> = same.iter().map(|p| f(p)).collect();
        if incomplete {
            figures.push(missing);
        }
        regional_figure(table, column, &figures)
    };
    let column = |c: usize| first.columns[c].as_str();
    Some(MemberTable {
        member: first.member.clone(),
        period: period.into(),
        revision: 0,
        rows: first.rows.clone(),
        columns: first.columns.clone(),
        cells: (0..first.rows.len())
            .map(|r| {
                (0..first.columns.len())
                    .map(|c| sum(column(c), &|p| p.cells[r][c]))
                    .collect()
            })
            .collect(),
        row_totals: (0..first.rows.len())
            .map(|r| sum("total", &|p| p.row_totals[r]))
            .collect(),
        column_totals: (0..first.columns.len())
            .map(|c| sum(column(c), &|p| p.column_totals[c]))
            .collect(),
        total: sum("total", &|p| p.total),
    })
}

/// The regional table: every member's figure summed, cell by cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionalTable {
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub cells: Vec<Vec<Figure>>,
    pub row_totals: Vec<Figure>,
    pub column_totals: Vec<Figure>,
    pub total: Figure,
}

/// One period of a table across members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodBlock {
    pub period: String,
    /// Members asked for that have published no release of the period.
    pub missing: Vec<String>,
    pub members: Vec<MemberTable>,
    /// `None` when no member has published.
    pub regional: Option<RegionalTable>,
}

/// The answer to a statistics query.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub table: String,
    /// What one figure of the table counts, in words (`tables::counts_what`): a
    /// grievance table says its totals are mentions, not cases.
    #[serde(default)]
    pub counts: String,
    pub periods: Vec<PeriodBlock>,
}

/// Keeps the rows and columns named (all when the lists are empty), in the
/// table's order.
pub fn filter(table: &mut MemberTable, rows: &[String], columns: &[String]) {
    let keep = |names: &[String], wanted: &[String]| -> Vec<usize> {
        (0..names.len())
            .filter(|&i| wanted.is_empty() || wanted.contains(&names[i]))
            .collect()
    };
    let (r, c) = (keep(&table.rows, rows), keep(&table.columns, columns));
    table.cells = r
        .iter()
        .map(|&i| c.iter().map(|&j| table.cells[i][j]).collect())
        .collect();
    table.row_totals = r.iter().map(|&i| table.row_totals[i]).collect();
    table.column_totals = c.iter().map(|&j| table.column_totals[j]).collect();
    table.rows = r.iter().map(|&i| table.rows[i].clone()).collect();
    table.columns = c.iter().map(|&j| table.columns[j].clone()).collect();
}

/// Whether the figures of `table`'s `column` add up across members and periods.
/// Counts and sums do; a median does not (the median of a region is not the sum,
/// nor any other function, of its members' medians), and neither does a row
/// total of the resolution table, which would add days to cases and dollars.
pub fn additive(table: &str, column: &str) -> bool {
    !(table == RESOLUTION && (column == "median-days" || column == "total"))
}

/// The regional figure of `table`'s `column` from the members' figures: their
/// sum ([`Figure::sum`]), or no value with status `not-additive` where the
/// figures do not add up ([`additive`]).
pub fn regional_figure<'a>(
    table: &str,
    column: &str,
    figures: impl IntoIterator<Item = &'a Figure>,
) -> Figure {
    if additive(table, column) {
        Figure::sum(figures)
    } else {
        Figure::withheld(Status::NotAdditive)
    }
}

/// One period block of `table` from the members' tables (already filtered
/// alike).
pub fn block(
    table: &str,
    period: &str,
    members: Vec<MemberTable>,
    missing: Vec<String>,
) -> PeriodBlock {
    let regional = members.first().map(|first| {
        let (rows, columns) = (first.rows.len(), first.columns.len());
        let same: Vec<&MemberTable> = members
            .iter()
            .filter(|m| m.rows == first.rows && m.columns == first.columns)
            .collect();
        let sum = |column: &str, f: &dyn Fn(&MemberTable) -> Figure| -> Figure {
            let figures: Vec<Figure> = same.iter().map(|m| f(m)).collect();
            regional_figure(table, column, &figures)
        };
        let column = |c: usize| first.columns[c].as_str();
        RegionalTable {
            rows: first.rows.clone(),
            columns: first.columns.clone(),
            cells: (0..rows)
                .map(|r| {
                    (0..columns)
                        .map(|c| sum(column(c), &|m| m.cells[r][c]))
                        .collect()
                })
                .collect(),
            row_totals: (0..rows)
                .map(|r| sum("total", &|m| m.row_totals[r]))
                .collect(),
            column_totals: (0..columns)
                .map(|c| sum(column(c), &|m| m.column_totals[c]))
                .collect(),
            total: sum("total", &|m| m.total),
        }
    });
    PeriodBlock {
        period: period.into(),
        missing,
        members,
        regional,
    }
}

/// One member's figure in a series.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesValue {
    pub member: String,
    pub revision: u64,
    #[serde(flatten)]
    pub figure: Figure,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesPoint {
    pub period: String,
    pub values: Vec<SeriesValue>,
    pub regional: Figure,
}

/// One cell of a table across periods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub table: String,
    /// What one figure of the table counts, in words, as in [`Stats`].
    #[serde(default)]
    pub counts: String,
    /// A row name, or `total` for the column total.
    pub row: String,
    /// A column name, or `total` for the row total.
    pub column: String,
    pub points: Vec<SeriesPoint>,
}

/// The figure at `row` × `column` of a member table (`total` for a margin).
pub fn figure_at(table: &MemberTable, row: &str, column: &str) -> Option<Figure> {
    let r = table.rows.iter().position(|x| x == row);
    let c = table.columns.iter().position(|x| x == column);
    match (r, c, row == "total", column == "total") {
        (Some(r), Some(c), _, _) => Some(table.cells[r][c]),
        (Some(r), None, _, true) => Some(table.row_totals[r]),
        (None, Some(c), true, _) => Some(table.column_totals[c]),
        (None, None, true, true) => Some(table.total),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::case::Date;
    use crate::release::{Source, build};
    use crate::tables::{Period, compute};

    fn release(member: &str, count: u64) -> Release {
        let cases: Vec<_> = crate::synthetic::generate(
            &crate::MemberId::new(member).unwrap(),
            count,
            4,
            Date::parse("2024-01-01").unwrap(),
            Date::parse("2024-12-31").unwrap(),
        )
        .collect();
        let tables = compute(Period::parse("2024-Q3").unwrap(), &cases);
        let source = Source {
            private_seq: 1,
            private_hash: String::new(),
        };
        build(&tables, 5, 1, source, &[]).unwrap()
    }

    /// A year from a member's quarters: the sum of the quarters' figures, a
    /// lower bound where a quarter hid a part or a quarter is missing, medians
    /// not added; checked against tables computed from the year's cases.
    #[test]
    fn a_year_is_the_sum_of_its_quarters_honest_about_what_is_hidden() {
        let cases = crate::release::testing::cases_2024("KH", 4000, 7);
        let quarter = |q: u8, table: &str| {
            let tables = compute(Period::Quarter(2024, q), &cases);
            let source = Source {
                private_seq: 1,
                private_hash: String::new(),
            };
            member_table("KH", &build(&tables, 5, 1, source, &[]).unwrap(), table).unwrap()
        };
        let year = compute(Period::Year(2024), &cases);
        for table in ["channel-outcome", "resolution"] {
            let parts: Vec<MemberTable> = (1..=4).map(|q| quarter(q, table)).collect();
            let summed = combine(table, "2024", &parts, 4).unwrap();
            assert_eq!((summed.period.as_str(), summed.revision), ("2024", 0));
            for r in 0..summed.rows.len() {
                for c in 0..summed.columns.len() {
                    let f = summed.cells[r][c];
                    let hidden = parts.iter().any(|p| p.cells[r][c].value.is_none());
                    let truth = if table == "resolution" {
                        let res = &year.resolution[r];
                        [Some(res.closed), None, Some(res.total_compensation)][c]
                    } else {
                        Some(year.channel_outcome.get(r, c))
                    };
                    match (truth, hidden) {
                        (None, _) => assert_eq!(f.status, Status::NotAdditive),
                        (Some(t), false) => {
                            assert_eq!((f.value, f.status), (Some(t as i64), Status::Published))
                        }
                        (Some(t), true) => {
                            assert_eq!(f.status, Status::LowerBound);
                            assert!(f.value.unwrap() <= t as i64);
                        }
                    }
                }
            }
        }
        // Three quarters of four: every figure is at least what is shown.
        let parts: Vec<MemberTable> = (1..=3).map(|q| quarter(q, "sector-sex")).collect();
        let partial = combine("sector-sex", "2024", &parts, 4).unwrap();
        assert_eq!(partial.total.status, Status::LowerBound);
        assert!(partial.total.value.unwrap() < year.sector_sex.cells.iter().sum::<u64>() as i64);
        assert!(combine("sector-sex", "2024", &[], 4).is_none());
    }

    #[test]
    fn sums_over_suppressed_cells_are_lower_bounds_and_totals_stay_exact() {
        let members: Vec<MemberTable> = [("KH", 300), ("VN", 2000)]
            .iter()
            .map(|(m, n)| member_table(m, &release(m, *n), "grievance-outcome").unwrap())
            .collect();
        let kh = &members[0];
        let (r, c) = (0..kh.rows.len())
            .flat_map(|r| (0..kh.columns.len()).map(move |c| (r, c)))
            .find(|&(r, c)| kh.cells[r][c].status == Status::Suppressed)
            .expect("300 cases give suppressed cells");
        let b = block("grievance-outcome", "2024-Q3", members.clone(), vec![]);
        let regional = b.regional.unwrap();
        assert_eq!(regional.cells[r][c].status, Status::LowerBound);
        assert_eq!(
            regional.cells[r][c].value,
            Some(members[1].cells[r][c].value.unwrap_or(0))
        );
        assert_eq!(regional.total.status, Status::Published);
        assert_eq!(
            regional.total.value,
            Some(members.iter().map(|m| m.total.value.unwrap()).sum())
        );
        // Medians are not summed, neither per channel nor over channels; closed
        // counts and compensation sums are.
        let kh = member_table("KH", &release("KH", 800), RESOLUTION).unwrap();
        let vn = member_table("VN", &release("VN", 2000), RESOLUTION).unwrap();
        let b = block(RESOLUTION, "2024-Q3", vec![kh.clone(), vn.clone()], vec![]);
        let regional = b.regional.unwrap();
        let medians = RESOLUTION_COLUMNS
            .iter()
            .position(|c| *c == "median-days")
            .unwrap();
        assert!(
            kh.cells
                .iter()
                .any(|r| r[medians].status == Status::Published)
        );
        for (r, row) in regional.cells.iter().enumerate() {
            assert_eq!(row[medians].status, Status::NotAdditive);
            assert_eq!(row[medians].value, None);
            assert_eq!(row[0], Figure::sum([&kh.cells[r][0], &vn.cells[r][0]]));
            assert_eq!(regional.row_totals[r].status, Status::NotAdditive);
        }
        assert_eq!(regional.column_totals[medians].status, Status::NotAdditive);
        assert_eq!(
            regional.column_totals[0],
            Figure::sum([&kh.column_totals[0], &vn.column_totals[0]])
        );
    }

    #[test]
    fn the_binary_form_round_trips() {
        for table in ["grievance-outcome", RESOLUTION] {
            let t = member_table("KH", &release("KH", 300), table).unwrap();
            let bytes = t.encode();
            assert_eq!(MemberTable::decode(&bytes), Some(t));
            assert_eq!(MemberTable::decode(&bytes[..bytes.len() - 1]), None);
        }
    }

    #[test]
    fn filters_and_margins_pick_figures() {
        let mut t = member_table("KH", &release("KH", 300), "sector-sex").unwrap();
        let total = t.total;
        filter(&mut t, &["construction".into()], &[]);
        assert_eq!(t.rows, vec!["construction"]);
        assert_eq!(t.columns.len(), 4);
        assert_eq!(figure_at(&t, "total", "total"), Some(total));
        assert!(figure_at(&t, "construction", "female").is_some());
        assert!(figure_at(&t, "fishery", "female").is_none());
    }
}
