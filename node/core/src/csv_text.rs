//! CSV as spreadsheets and statistical tools read it, safe whatever a label holds.
//!
//! Records follow RFC 4180: fields separated by commas, each record ending in
//! CRLF, a field enclosed in double quotes when it holds a comma, a double quote,
//! a CR or an LF (a double quote inside is doubled). A text field that a
//! spreadsheet would run as a formula (one starting with `=`, `+`, `-`, `@`, a tab
//! or a CR: OWASP's CSV-injection list) is written with a single quote before it,
//! and quoted, so Excel, LibreOffice Calc and Google Sheets show it as text.
//!
//! Every CSV remedy-net writes (the view's CSV and SDMX-CSV, the SDMX structure)
//! goes through [`CsvText`]: a row or column label comes from another member's
//! signed release, and the writer does not rely on anyone having checked it, so a
//! label can neither start a record of its own nor become a formula in the
//! reader's spreadsheet. Figures are non-negative integers and are written as
//! they are; only text is neutralised.

use std::borrow::Cow;

/// The first characters that make a spreadsheet take a cell for a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The characters that make RFC 4180 enclose a field in double quotes.
const NEEDS_QUOTES: [char; 4] = [',', '"', '\r', '\n'];

/// One text field as it is written: unchanged when it is plain, quoted when it
/// holds a separator, a quote or a line break, and `'` + the text, quoted, when a
/// spreadsheet would run it as a formula.
pub fn field(text: &str) -> Cow<'_, str> {
    let formula = text.starts_with(FORMULA_STARTS);
    if !formula && !text.contains(NEEDS_QUOTES) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 4);
    out.push('"');
    if formula {
        out.push('\'');
    }
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    Cow::Owned(out)
}

/// A text field made inert for a spreadsheet, for writers that quote on their
/// own (the `csv` crate's): `'` + the text when a spreadsheet would run it as a
/// formula, the text unchanged otherwise.
pub fn inert(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A CSV document being written, record by record.
///
/// ```
/// use remedy_core::csv_text::CsvText;
/// let mut csv = CsvText::new();
/// csv.record(["member", "value"]);
/// csv.text("=1+1").number(Some(3)).end();
/// csv.text("KH").number(None::<u64>).end();
/// assert_eq!(csv.finish(), "member,value\r\n\"'=1+1\",3\r\nKH,\r\n");
/// ```
#[derive(Debug, Default)]
pub struct CsvText {
    out: String,
    /// Whether the current record has a field, so the next one needs a comma.
    in_record: bool,
}

impl CsvText {
    pub fn new() -> Self {
        Self::default()
    }

    /// A whole record of text fields (a header, say).
    pub fn record<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) -> &mut Self {
        for f in fields {
            self.text(f);
        }
        self.end()
    }

    /// A text field, neutralised and quoted as [`field`] says.
    pub fn text(&mut self, value: &str) -> &mut Self {
        self.separate();
        self.out.push_str(&field(value));
        self
    }

    /// A figure; `None` is an empty field (a value withheld or not applicable).
    pub fn number<T: std::fmt::Display>(&mut self, value: Option<T>) -> &mut Self {
        self.separate();
        if let Some(v) = value {
            self.out.push_str(&v.to_string());
        }
        self
    }

    /// Ends the current record.
    pub fn end(&mut self) -> &mut Self {
        self.out.push_str("\r\n");
        self.in_record = false;
        self
    }

    /// The document.
    pub fn finish(self) -> String {
        self.out
    }

    fn separate(&mut self) {
        if self.in_record {
            self.out.push(',');
        }
        self.in_record = true;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn inert_prefixes_only_what_a_spreadsheet_would_run() {
        assert_eq!(inert("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(inert("@cmd"), "'@cmd");
        assert_eq!(inert("unpaid-wages"), "unpaid-wages");
        assert_eq!(inert(""), "");
    }

    /// The records of a document as the `csv` crate reads them.
    fn parse(text: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn plain_fields_and_figures_are_written_as_they_are() {
        let mut csv = CsvText::new();
        csv.record(["table", "period", "value"]);
        csv.text("channel-outcome")
            .text("2024-Q3")
            .number(Some(42))
            .end();
        csv.text("sector-sex")
            .text("2024")
            .number(None::<u64>)
            .end();
        assert_eq!(
            csv.finish(),
            "table,period,value\r\nchannel-outcome,2024-Q3,42\r\nsector-sex,2024,\r\n"
        );
        // Codes with a hyphen inside, `_T` and `_Z` are not formulas.
        for code in ["45-plus", "resolved-compensated", "_T", "_Z", "2024-Q3", ""] {
            assert_eq!(field(code), code);
        }
    }

    #[test]
    fn a_hostile_label_stays_one_field_of_one_record() {
        let hostile = [
            "pending\nJP,2024-Q3,regional,,total,total,999,published",
            "pending\r\nJP,1",
            "=HYPERLINK(\"http://example.invalid\",\"click\")",
            "+1",
            "-1",
            "@SUM(A1:A9)",
            "\t=1",
            "\r=1",
            "say \"hello\"",
            "a,b",
            "\"",
            ",",
        ];
        for label in hostile {
            let mut csv = CsvText::new();
            csv.record(["row", "value", "status"]);
            csv.text(label).number(Some(7)).text("published").end();
            let text = csv.finish();
            assert!(text.ends_with("\r\n"), "{text:?}");
            let records = parse(&text);
            assert_eq!(records.len(), 2, "{label:?} made {records:?}");
            assert_eq!(records[1].len(), 3, "{label:?} made {records:?}");
            let formula = label.starts_with(FORMULA_STARTS);
            let expected = if formula {
                format!("'{label}")
            } else {
                label.to_string()
            };
            assert_eq!(records[1][0], expected, "{text:?}");
            assert_eq!(records[1][1], "7");
            assert_eq!(records[1][2], "published");
            if formula {
                assert!(text.contains("\r\n\"'"), "quoted and neutralised: {text:?}");
            }
        }
    }

    #[test]
    fn every_record_ends_in_crlf() {
        let mut csv = CsvText::new();
        csv.record(["a", "b"]);
        csv.record(["line\nbreak", "c"]);
        let text = csv.finish();
        assert_eq!(text, "a,b\r\n\"line\nbreak\",c\r\n");
        // Outside quoted fields, every LF is preceded by a CR.
        let mut quoted = false;
        let bytes = text.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            match b {
                b'"' => quoted = !quoted,
                b'\n' if !quoted => assert_eq!(bytes[i - 1], b'\r', "{text:?}"),
                _ => {}
            }
        }
    }
}
