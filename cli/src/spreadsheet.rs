//! Registers kept in spreadsheets. The first worksheet of an `.xlsx` (or
//! `.xlsm`, `.xls`, `.ods`) file is read with calamine and turned into the CSV
//! the importers read, one record per row, so every check and every message is
//! the same as for a CSV file, and "line N" is the sheet's row N. Cells are
//! written as a person sees them: whole numbers without a decimal point, dates
//! (Excel keeps them as day numbers) as YYYY-MM-DD, an error cell as its code
//! (`#N/A`), which the importer then refuses for what it is.

use std::path::Path;

use anyhow::{Context as _, bail};
use calamine::{Data, Reader as _};
use remedy_core::case::Date;

/// The largest spreadsheet read: it is read into memory whole.
const MAX_BYTES: u64 = 256 << 20;

/// Whether `path` names a spreadsheet the importers read as one.
pub fn is_spreadsheet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["xlsx", "xlsm", "xls", "ods"].contains(&e.to_ascii_lowercase().as_str()))
}

/// A cell as the text a CSV export would hold.
fn cell(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        // Excel's day 25569 is 1970-01-01; the time of day is dropped.
        Data::DateTime(d) => Date::from_days(d.as_f64().floor() as i64 - 25_569).to_string(),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// The first worksheet of `path` as CSV (RFC 4180, UTF-8).
pub fn as_csv(path: &Path) -> anyhow::Result<Vec<u8>> {
    let name = path.display();
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot open {name}"))?
        .len();
    if size > MAX_BYTES {
        bail!(
            "{name} is {size} bytes; a spreadsheet is read whole and may be at most {MAX_BYTES} bytes: export it as CSV instead"
        );
    }
    let mut book = calamine::open_workbook_auto(path)
        .map_err(|e| anyhow::anyhow!("{name}: not a spreadsheet this tool reads ({e})"))?;
    let first = book.sheet_names().first().cloned();
    let range = book
        .worksheet_range_at(0)
        .with_context(|| format!("{name}: the workbook has no worksheet"))?
        .map_err(|e| anyhow::anyhow!("{name}: cannot read its first worksheet: {e}"))?;
    if range.start().is_some_and(|(row, _)| row > 0) {
        bail!(
            "{name}: the first worksheet{} must hold the header in row 1",
            first.map(|f| format!(" ({f})")).unwrap_or_default()
        );
    }
    // Columns start at A: a sheet whose first used column is B keeps its place.
    let skip = range.start().map_or(0, |(_, column)| column as usize);
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|row| {
            let mut fields = vec![String::new(); skip];
            fields.extend(row.iter().map(cell));
            fields
        })
        .collect();
    // As wide as the header: cells right of it count only when they hold something.
    let width = rows.first().map_or(0, |h| {
        h.iter().rposition(|f| !f.is_empty()).map_or(0, |i| i + 1)
    });
    let mut out = Vec::new();
    for mut fields in rows {
        let used = fields
            .iter()
            .rposition(|f| !f.is_empty())
            .map_or(0, |i| i + 1);
        fields.truncate(used.max(width));
        // An empty row stays an empty line: the importer skips it and the
        // rows after keep their numbers.
        if used > 0 {
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if f.contains([',', '"', '\r', '\n']) {
                    out.push(b'"');
                    out.extend_from_slice(f.replace('"', "\"\"").as_bytes());
                    out.push(b'"');
                } else {
                    out.extend_from_slice(f.as_bytes());
                }
            }
        }
        out.push(b'\n');
    }
    Ok(out)
}

/// Each coded column of the case register and its code list, for the
/// template's drop-downs (`grievances` takes several, separated by `;`).
pub const CODED: &[(&str, &[&str])] = &[
    ("sex", remedy_core::case::SEX),
    ("age_band", remedy_core::case::AGE_BAND),
    ("residence_status", remedy_core::case::RESIDENCE_STATUS),
    ("sector", remedy_core::case::SECTOR),
    ("stage", remedy_core::case::STAGE),
    ("grievances", remedy_core::case::GRIEVANCE),
    ("channel", remedy_core::case::CHANNEL),
    ("outcome", remedy_core::case::OUTCOME),
];

/// Each coded column of the register and its list of labels
/// (`remedy_core::labels`): the template shows them, an import accepts one in
/// place of its code.
pub const LABEL_LISTS: &[(&str, &str)] = &[
    ("sex", "sex"),
    ("age_band", "age-band"),
    ("residence_status", "residence-status"),
    ("sector", "sector"),
    ("stage", "case-stage"),
    ("grievances", "grievance"),
    ("channel", "channel"),
    ("outcome", "outcome"),
];

/// The template's example row: a case closed with compensation.
pub const TEMPLATE_EXAMPLE: [&str; 12] = [
    "KH-2024-0001",
    "2024-03-04",
    "2024-06-28",
    "female",
    "25-34",
    "titp",
    "construction",
    "in-employment",
    "unpaid-wages;document-retention",
    "mrc",
    "resolved-compensated",
    "1250",
];

/// Rows of the template given drop-downs.
const TEMPLATE_ROWS: u32 = 5_000;

/// An empty case register as a workbook: the sheet `register` with the header,
/// one example row and a drop-down of its codes on each coded column; the sheet
/// `codes` with every code list. The register sheet is the first, so the file
/// imports as it is once filled in.
pub fn template_xlsx(example: &[String]) -> anyhow::Result<Vec<u8>> {
    use remedy_core::case::COLUMNS;
    use rust_xlsxwriter::{DataValidation, Format, Formula, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    book.add_worksheet().set_name("register")?;
    book.add_worksheet().set_name("codes")?;
    book.add_worksheet().set_name("labels")?;
    // Each code with its labels: an import takes a label in place of its code.
    let labels = book.worksheet_from_name("labels")?;
    let langs = ["en", "km", "id", "vi", "ja"];
    labels.write_string_with_format(0, 0, "column", &bold)?;
    labels.write_string_with_format(0, 1, "code", &bold)?;
    for (l, lang) in langs.iter().enumerate() {
        labels.write_string_with_format(0, l as u16 + 2, *lang, &bold)?;
    }
    let mut row = 1;
    for (column, list) in CODED {
        let prefix = LABEL_LISTS
            .iter()
            .find(|(c, _)| c == column)
            .map_or("", |(_, p)| *p);
        for code in *list {
            labels.write_string(row, 0, *column)?;
            labels.write_string(row, 1, *code)?;
            for (l, lang) in langs.iter().enumerate() {
                labels.write_string(
                    row,
                    l as u16 + 2,
                    remedy_core::labels::label(lang, prefix, code).text,
                )?;
            }
            row += 1;
        }
    }
    labels.set_column_width(1, 26)?;
    let codes = book.worksheet_from_name("codes")?;
    for (k, (column, list)) in CODED.iter().enumerate() {
        codes.write_string_with_format(0, k as u16, *column, &bold)?;
        for (r, code) in list.iter().enumerate() {
            codes.write_string(r as u32 + 1, k as u16, *code)?;
        }
        codes.set_column_width(k as u16, 26)?;
    }
    let register = book.worksheet_from_name("register")?;
    for (c, name) in COLUMNS.iter().enumerate() {
        register.write_string_with_format(0, c as u16, *name, &bold)?;
        register.write_string(1, c as u16, &example[c])?;
        register.set_column_width(c as u16, 18)?;
    }
    register.set_freeze_panes(1, 0)?;
    for (k, (column, list)) in CODED.iter().enumerate() {
        let Some(c) = COLUMNS.iter().position(|n| n == column) else {
            continue;
        };
        // Excel names columns A, B, ...: at most eight code lists here.
        let letter = char::from(b'A' + k as u8);
        let mut validation = DataValidation::new()
            .allow_list_formula(Formula::new(format!(
                "=codes!${letter}$2:${letter}${}",
                list.len() + 1
            )))
            .set_input_title(*column)?
            .set_input_message("Pick a code from the list (sheet \"codes\").")?;
        if *column == "grievances" {
            // Several codes separated by ';': the list helps, but cannot check.
            validation = validation
                .ignore_blank(true)
                .set_input_message("One or more codes separated by ';' (sheet \"codes\").")?
                .set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Information);
        }
        register.add_data_validation(1, c as u16, TEMPLATE_ROWS, c as u16, &validation)?;
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_a_person_sees_them() {
        assert_eq!(cell(&Data::Float(1200.0)), "1200");
        assert_eq!(cell(&Data::Float(12.5)), "12.5");
        assert_eq!(cell(&Data::Int(7)), "7");
        assert_eq!(cell(&Data::Empty), "");
        assert_eq!(
            cell(&Data::DateTimeIso("2024-07-03T00:00:00".into())),
            "2024-07-03"
        );
    }

    #[test]
    fn the_template_reads_back_as_its_header_and_a_valid_example() {
        let example: Vec<String> = TEMPLATE_EXAMPLE.map(String::from).to_vec();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        std::fs::write(&path, template_xlsx(&example).unwrap()).unwrap();
        let csv = String::from_utf8(as_csv(&path).unwrap()).unwrap();
        let mut lines = csv.lines();
        assert_eq!(lines.next().unwrap(), remedy_core::case::COLUMNS.join(","));
        assert_eq!(lines.next().unwrap(), example.join(","));
        assert_eq!(lines.next(), None);
    }
}
