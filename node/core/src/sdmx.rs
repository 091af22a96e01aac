//! SDMX-CSV 2.0 export of releases, and the description of its data structure.
//!
//! One dataflow, `REMEDYNET:DF_REMEDY_CASES(1.0)`, holds every table: the
//! dimensions are REF_AREA (the member's ISO 3166-1 alpha-2 code), TIME_PERIOD
//! (2024, 2024-Q3, 2024-07), TABLE, then every table's own dimensions (GRIEVANCE,
//! OUTCOME, CHANNEL, SECTOR, SEX, RESIDENCE_STATUS) and MEASURE; a dimension a
//! table does not have is `_Z` (not applicable), a total over a dimension is `_T`.
//! OBS_STATUS is `A` for an exact figure, `C` for a suppressed one (OBS_VALUE
//! empty) and `E` for a noised one (an estimate), whose STD_ERR is the standard
//! error of its noise (the square root of the variance the release states,
//! times the cells it sums), two decimals; empty for other figures. ACTION is `A` for a first
//! release and `R` for a revision: every figure of the period, suppressed ones
//! included, is sent again, so a receiver that replaces by key ends up with the
//! revision's values and no stale ones.
//!
//! Both are written with [`CsvText`]: RFC 4180 records ending in CRLF, and a
//! label a spreadsheet would run as a formula neutralised, whatever a release
//! from another member holds.

use crate::csv_text::CsvText;
use crate::regional::{Figure, Status};
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

/// The columns, in order.
const HEADER: [&str; 16] = [
    "STRUCTURE",
    "STRUCTURE_ID",
    "ACTION",
    "REF_AREA",
    "TIME_PERIOD",
    "TABLE",
    "GRIEVANCE",
    "OUTCOME",
    "CHANNEL",
    "SECTOR",
    "SEX",
    "RESIDENCE_STATUS",
    "MEASURE",
    "OBS_VALUE",
    "OBS_STATUS",
    "STD_ERR",
];

/// The data of releases as SDMX-CSV 2.0, header included: every table of each
/// release, or only the one `only` names. `releases` are `(member, release)` in
/// the order to write them.
pub fn data<'a>(
    releases: impl IntoIterator<Item = (&'a str, &'a Release)>,
    only: Option<&str>,
) -> String {
    let mut out = CsvText::new();
    out.record(HEADER);
    for (member, release) in releases {
        let action = if release.revision > 1 { "R" } else { "A" };
        for name in crate::regional::table_names(release) {
            if only.is_some_and(|only| only != name) {
                continue;
            }
            let Some(table) = crate::regional::member_table(member, release, &name) else {
                continue;
            };
            let Some((row_dim, column_dim)) = table_dimensions(&name) else {
                continue;
            };
            let mut line = |row: &str, column: &str, figure: Figure| {
                if figure.status == Status::NotAdditive {
                    return;
                }
                out.text("dataflow")
                    .text(DATAFLOW)
                    .text(action)
                    .text(member)
                    .text(&release.period)
                    .text(&name);
                for d in DIMENSIONS {
                    out.text(if *d == row_dim {
                        row
                    } else if *d == column_dim {
                        column
                    } else if *d == "MEASURE" {
                        "cases"
                    } else {
                        "_Z"
                    });
                }
                let (value, status) = match figure.status {
                    Status::Suppressed => (None, "C"),
                    Status::Noised => (Some(figure.value.unwrap_or(0)), "E"),
                    _ => (Some(figure.value.unwrap_or(0)), "A"),
                };
                let error = figure.standard_error().map(|e| format!("{e:.2}"));
                out.number(value).text(status).number(error).end();
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
    out.finish()
}

/// The data structure, as CSV a statistician can load next to the data: each
/// component with its role, and each code with its meaning.
pub fn structure() -> String {
    use crate::case::{CHANNEL, GRIEVANCE, OUTCOME, RESIDENCE_STATUS, SECTOR, SEX};
    let mut out = CsvText::new();
    out.record(["COMPONENT", "ROLE", "CODE", "DESCRIPTION"]);
    let mut row = |component: &str, role: &str, code: &str, description: &str| {
        out.record([component, role, code, description]);
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
    let tables = crate::tables::COUNT_TABLES.iter().map(|t| t.name);
    for table in tables.chain([RESOLUTION]) {
        row(
            "TABLE",
            "dimension",
            table,
            crate::tables::counts_what(table).unwrap_or(table),
        );
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
    row(
        "MEASURE",
        "dimension",
        "cases",
        "Number of cases (in the grievance tables, of grievance mentions)",
    );
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
        "STD_ERR",
        "attribute",
        "",
        "Standard error of a noised estimate (OBS_STATUS E): the square root of the variance of its noise; empty for exact and suppressed figures",
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
    out.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The records of a document as the `csv` crate reads them.
    fn parse(text: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    }

    fn release_of_2024_q3(revision: u64, previous: Option<&Release>) -> Release {
        crate::release::testing::synthetic("KH", 300, 4, "2024-Q3", revision, previous)
    }

    #[test]
    fn every_figure_is_a_row_with_its_status_and_revisions_replace() {
        let first = release_of_2024_q3(1, None);
        let text = data([("KH", &first)], None);
        assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
        let records = parse(&text);
        assert_eq!(records[0], HEADER);
        assert!(records.iter().all(|r| r.len() == HEADER.len()), "{text}");
        // 13×7 cells + 13 row totals + 7 column totals + 1 total for the first table.
        let grievance = records
            .iter()
            .filter(|r| r[5] == "grievance-outcome")
            .count();
        assert_eq!(grievance, 13 * 7 + 13 + 7 + 1);
        assert!(
            records.iter().any(|r| r[13].is_empty() && r[14] == "C"),
            "suppressed figures are C with no value"
        );
        assert_eq!(
            records[1][..5],
            ["dataflow", DATAFLOW, "A", "KH", "2024-Q3"]
        );
        let only = parse(&data([("KH", &first)], Some("sector-sex")));
        assert!(only.len() > 1 && only[1..].iter().all(|r| r[5] == "sector-sex"));
        let second = release_of_2024_q3(2, Some(&first));
        let revised = parse(&data([("KH", &second)], None));
        assert_eq!(
            revised.len(),
            records.len(),
            "a revision repeats every figure"
        );
        assert!(revised[1..].iter().all(|r| r[2] == "R" && r[3] == "KH"));
    }

    #[test]
    fn a_hostile_label_in_a_release_stays_one_field_of_one_record() {
        let mut release = release_of_2024_q3(1, None);
        let hostile = [
            "pending\nJP,2024-Q3,grievance-outcome,_Z,_Z,_Z,_Z,_Z,_Z,cases,999,A",
            "=HYPERLINK(\"http://example.invalid\")",
            "say \"hi\", then leave",
        ];
        let table = &mut release.tables[0];
        table.columns[0] = hostile[0].into();
        table.rows[0] = hostile[1].into();
        table.rows[1] = hostile[2].into();
        let honest = parse(&data([("KH", &release_of_2024_q3(1, None))], None));
        let text = data([("KH", &release)], None);
        let records = parse(&text);
        assert_eq!(records.len(), honest.len(), "no record added or lost");
        assert!(records.iter().all(|r| r.len() == HEADER.len()));
        assert!(records.iter().any(|r| r[7] == hostile[0]));
        assert!(records.iter().any(|r| r[6] == format!("'{}", hostile[1])));
        assert!(records.iter().any(|r| r[6] == hostile[2]));
        assert!(!records.iter().any(|r| r[3] == "JP"));
    }

    #[test]
    fn the_structure_is_csv_with_a_description_per_code() {
        let text = structure();
        let records = parse(&text);
        assert_eq!(records[0], ["COMPONENT", "ROLE", "CODE", "DESCRIPTION"]);
        assert!(records.iter().all(|r| r.len() == 4));
        assert!(records.contains(&vec![
            "OBS_STATUS".into(),
            "attribute".into(),
            "C".into(),
            "Confidential: suppressed by disclosure control".into()
        ]));
        let grievance = records
            .iter()
            .find(|r| r[0] == "TABLE" && r[2] == "grievance-outcome")
            .unwrap();
        assert!(
            grievance[3].starts_with("Grievance mentions"),
            "{grievance:?}"
        );
        assert!(text.ends_with("\r\n"));
    }
}
