//! SDMX-CSV 2.0 export of releases, and the description of its data structure.
//!
//! One dataflow, `REMEDYNET:DF_REMEDY_CASES(1.0)`, holds every table: the
//! dimensions are REF_AREA (the member's ISO 3166-1 alpha-2 code), TIME_PERIOD
//! (2024, 2024-Q3, 2024-07), TABLE, then every table's own dimensions (GRIEVANCE,
//! OUTCOME, CHANNEL, SECTOR, SEX, RESIDENCE_STATUS) and MEASURE; a dimension a
//! table does not have is `_Z` (not applicable), a total over a dimension is `_T`.
//! OBS_STATUS is `A` for an exact figure, `C` for a suppressed one (OBS_VALUE
//! empty) and `E` for a noised one (an estimate). ACTION is `A` for a first
//! release and `R` for a revision: every figure of the period, suppressed ones
//! included, is sent again, so a receiver that replaces by key ends up with the
//! revision's values and no stale ones.

use std::fmt::Write as _;

use crate::release::{RESOLUTION, Release};

pub const DATAFLOW: &str = "REMEDYNET:DF_REMEDY_CASES(1.0)";

/// The dimensions, in column order, after REF_AREA, TIME_PERIOD and TABLE.
const DIMENSIONS: &[&str] = &[
    "GRIEVANCE",
    "OUTCOME",
    "CHANNEL",
    "SECTOR",
    "SEX",
    "RESIDENCE_STATUS",
    "MEASURE",
];

/// The dimensions of each table's rows and columns.
fn table_dimensions(table: &str) -> Option<(&'static str, &'static str)> {
    Some(match table {
        "grievance-outcome" => ("GRIEVANCE", "OUTCOME"),
        "channel-outcome" => ("CHANNEL", "OUTCOME"),
        "sector-sex" => ("SECTOR", "SEX"),
        "status-grievance" => ("RESIDENCE_STATUS", "GRIEVANCE"),
        RESOLUTION => ("CHANNEL", "MEASURE"),
        _ => return None,
    })
}

const HEADER: &str = "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,TIME_PERIOD,TABLE,GRIEVANCE,OUTCOME,CHANNEL,SECTOR,SEX,RESIDENCE_STATUS,MEASURE,OBS_VALUE,OBS_STATUS";

/// The data of releases as SDMX-CSV 2.0, header included. `releases` are
/// `(member, release)` in the order to write them.
pub fn data<'a>(releases: impl IntoIterator<Item = (&'a str, &'a Release)>) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for (member, release) in releases {
        let action = if release.revision > 1 { "R" } else { "A" };
        for name in crate::regional::table_names(release) {
            let Some(table) = crate::regional::member_table(member, release, &name) else {
                continue;
            };
            let Some((row_dim, column_dim)) = table_dimensions(&name) else {
                continue;
            };
            let mut line = |row: &str, column: &str, figure: crate::regional::Figure| {
                if figure.status == crate::regional::Status::NotAdditive {
                    return;
                }
                let key: Vec<&str> = DIMENSIONS
                    .iter()
                    .map(|d| {
                        if *d == row_dim {
                            row
                        } else if *d == column_dim {
                            column
                        } else if *d == "MEASURE" {
                            "cases"
                        } else {
                            "_Z"
                        }
                    })
                    .collect();
                let (value, status) = match figure.status {
                    crate::regional::Status::Suppressed => (String::new(), "C"),
                    crate::regional::Status::Noised => (figure.value.unwrap_or(0).to_string(), "E"),
                    _ => (figure.value.unwrap_or(0).to_string(), "A"),
                };
                let _ = writeln!(
                    out,
                    "dataflow,{DATAFLOW},{action},{member},{},{name},{},{value},{status}",
                    release.period,
                    key.join(",")
                );
            };
            for (r, row) in table.rows.iter().enumerate() {
                for (c, column) in table.columns.iter().enumerate() {
                    line(row, column, table.cells[r][c]);
                }
                line(row, "_T", table.row_totals[r]);
            }
            for (c, column) in table.columns.iter().enumerate() {
                line("_T", column, table.column_totals[c]);
            }
            line("_T", "_T", table.total);
        }
    }
    out
}

/// The data structure, as CSV a statistician can load next to the data: each
/// component with its role, and each code with its meaning.
pub fn structure() -> String {
    use crate::case::{CHANNEL, GRIEVANCE, OUTCOME, RESIDENCE_STATUS, SECTOR, SEX};
    let mut out = String::from("COMPONENT,ROLE,CODE,DESCRIPTION\n");
    let mut row = |component: &str, role: &str, code: &str, description: &str| {
        let _ = writeln!(out, "{component},{role},{code},\"{description}\"");
    };
    row(
        "DATAFLOW",
        "dataflow",
        DATAFLOW,
        "Cases of migrant workers seeking remedy, by member and period, after disclosure control",
    );
    row(
        "REF_AREA",
        "dimension",
        "",
        "The member that published the release (ISO 3166-1 alpha-2)",
    );
    row(
        "TIME_PERIOD",
        "dimension",
        "",
        "The period: YYYY, YYYY-Qn or YYYY-MM",
    );
    for (table, description) in [
        (
            "grievance-outcome",
            "Cases opened in the period, once per grievance, by outcome",
        ),
        (
            "channel-outcome",
            "Cases opened in the period by channel and outcome",
        ),
        ("sector-sex", "Cases opened in the period by sector and sex"),
        (
            "status-grievance",
            "Cases opened in the period by residence status, once per grievance",
        ),
        (
            RESOLUTION,
            "Cases closed in the period by channel: count, median days to close, total compensation",
        ),
    ] {
        row("TABLE", "dimension", table, description);
    }
    for (dimension, codes) in [
        ("GRIEVANCE", GRIEVANCE),
        ("OUTCOME", OUTCOME),
        ("CHANNEL", CHANNEL),
        ("SECTOR", SECTOR),
        ("SEX", SEX),
        ("RESIDENCE_STATUS", RESIDENCE_STATUS),
    ] {
        for code in codes {
            row(dimension, "dimension", code, code);
        }
        row(dimension, "dimension", "_T", "Total");
        row(dimension, "dimension", "_Z", "Not applicable to this table");
    }
    row("MEASURE", "dimension", "cases", "Number of cases");
    row(
        "MEASURE",
        "dimension",
        "closed",
        "Cases closed in the period",
    );
    row(
        "MEASURE",
        "dimension",
        "median-days",
        "Median days from opening to closing (not additive)",
    );
    row(
        "MEASURE",
        "dimension",
        "compensation-usd",
        "Total compensation paid, US dollars",
    );
    row(
        "MEASURE",
        "dimension",
        "_T",
        "Total (the resolution table's row totals are not published)",
    );
    row(
        "OBS_VALUE",
        "measure",
        "",
        "The figure; empty when suppressed",
    );
    row("OBS_STATUS", "attribute", "A", "Normal value");
    row(
        "OBS_STATUS",
        "attribute",
        "C",
        "Confidential: suppressed by disclosure control",
    );
    row(
        "OBS_STATUS",
        "attribute",
        "E",
        "Estimated: noised for differential privacy",
    );
    row(
        "ACTION",
        "attribute",
        "A",
        "First release of the period: append",
    );
    row(
        "ACTION",
        "attribute",
        "R",
        "A revision: replaces every figure of the earlier release",
    );
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::case::Date;
    use crate::release::{Source, build};
    use crate::tables::{Period, compute};

    #[test]
    fn every_figure_is_a_row_with_its_status_and_revisions_replace() {
        let cases: Vec<_> = crate::synthetic::generate(
            &crate::MemberId::new("KH").unwrap(),
            300,
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
        let first = build(&tables, 5, 1, source.clone(), None).unwrap();
        let text = data([("KH", &first)]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], HEADER);
        let columns = HEADER.split(',').count();
        assert!(
            lines.iter().all(|l| l.split(',').count() == columns),
            "{text}"
        );
        // 13×7 cells + 13 row totals + 7 column totals + 1 total for the first table.
        let grievance = lines
            .iter()
            .filter(|l| l.contains(",grievance-outcome,"))
            .count();
        assert_eq!(grievance, 13 * 7 + 13 + 7 + 1);
        assert!(
            lines.iter().any(|l| l.ends_with(",,C")),
            "suppressed figures are C with no value"
        );
        assert!(lines[1].starts_with("dataflow,REMEDYNET:DF_REMEDY_CASES(1.0),A,KH,2024-Q3,"));
        let second = build(&tables, 5, 2, source, Some(&first)).unwrap();
        let revised = data([("KH", &second)]);
        assert_eq!(
            revised.lines().count(),
            lines.len(),
            "a revision repeats every figure"
        );
        assert!(revised.lines().skip(1).all(|l| l.contains(",R,KH,")));
        assert!(structure().contains("OBS_STATUS,attribute,C,"));
    }
}
