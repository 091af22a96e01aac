//! Case records: the rows of a case-register export, their validation, and the
//! private-log payload that holds them.
//!
//! The format is the one in the domain reference: twelve known columns, codes from
//! fixed lists, ISO dates. There are no names, passport numbers or addresses in it,
//! and a header with any other column is refused, so such data is never stored.
//! Validation is pure: the caller reads the file and reports errors with its name
//! and line; this module says which column, which value, and what was expected.
//!
//! # Rules across fields
//!
//! Beyond each field's own format, an imported row must agree with itself:
//!
//! - `closed_on` is not before `opened_on`.
//! - An outcome that ends the case ([`CLOSING_OUTCOMES`]: resolved-compensated,
//!   resolved-non-monetary, withdrawn, unresolved-closed, returned-without-remedy)
//!   needs `closed_on`: the resolution table counts cases by the date they
//!   closed, and a closed case without one would silently be left out of it.
//! - A `pending` case has no `closed_on`: pending means the case is still open.
//! - `referred` may have `closed_on` or not. A referral hands the grievance to
//!   another body; some registers close their file then (the case is closed *here*,
//!   and counts as closed through this channel), others keep it open to follow the
//!   referral up. Both are honest records, so neither is refused.
//! - `compensation_usd` above 0 only with `resolved-compensated`: money recovered
//!   for the worker is what that outcome says. Empty or 0 is accepted with any
//!   outcome, and `resolved-compensated` may leave the amount empty (recovered, but
//!   the amount not recorded).
//!
//! Not a rule: `residence_status` `not-yet-departed` with a `stage` other than
//! `pre-departure`. The reference defines the status as the worker's status in
//! Japan at lodging, and a worker home between two stays (a former trainee waiting
//! to leave again as ssw-1) can be not yet departed while the grievance is about
//! the earlier employment or the return; the format gives no way to tell that
//! apart from a mistake, so the import does not guess.
//!
//! The rules apply to imports (the CLI's check of each row and the node's check of
//! each received record). Batches already in a private log are decoded with the
//! field checks only ([`Header::parse_fields`]), so rows stored before a rule
//! existed stay readable.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::payload::{Payload, PayloadError, PayloadKind};

/// The columns of a case export, in the documented order.
pub const COLUMNS: [&str; 12] = [
    "case_id",
    "opened_on",
    "closed_on",
    "sex",
    "age_band",
    "residence_status",
    "sector",
    "stage",
    "grievances",
    "channel",
    "outcome",
    "compensation_usd",
];

pub const SEX: &[&str] = &["female", "male", "other", "unknown"];
pub const AGE_BAND: &[&str] = &["15-24", "25-34", "35-44", "45-plus", "unknown"];
pub const RESIDENCE_STATUS: &[&str] = &[
    "titp",
    "ssw-1",
    "ssw-2",
    "engineer-specialist",
    "student",
    "irregular",
    "other",
    "not-yet-departed",
];
pub const SECTOR: &[&str] = &[
    "agriculture",
    "fishery",
    "construction",
    "food-manufacturing",
    "food-service",
    "manufacturing",
    "nursing-care",
    "building-cleaning",
    "accommodation",
    "shipbuilding",
    "automobile-repair",
    "other",
];
pub const STAGE: &[&str] = &["pre-departure", "in-employment", "return"];
pub const GRIEVANCE: &[&str] = &[
    "unpaid-wages",
    "recruitment-fees-debt",
    "document-retention",
    "contract-deception",
    "excessive-overtime",
    "unsafe-work-injury",
    "harassment-violence",
    "restricted-movement",
    "forced-return-dismissal",
    "pregnancy-discrimination",
    "social-insurance",
    "housing",
    "other",
];
pub const CHANNEL: &[&str] = &[
    "mrc",
    "embassy-labour-attache",
    "otit",
    "labour-inspection",
    "legal-aid",
    "union-cso",
    "jp-mirai",
    "recruitment-agency",
    "employer",
    "hotline",
];
pub const OUTCOME: &[&str] = &[
    "pending",
    "resolved-compensated",
    "resolved-non-monetary",
    "referred",
    "withdrawn",
    "unresolved-closed",
    "returned-without-remedy",
];

/// The outcomes that end a case, so that it has a closing date. `pending` is open;
/// `referred` may be either (see the module documentation).
pub const CLOSING_OUTCOMES: &[&str] = &[
    "resolved-compensated",
    "resolved-non-monetary",
    "withdrawn",
    "unresolved-closed",
    "returned-without-remedy",
];

/// The one outcome that goes with compensation above 0.
pub const COMPENSATED: &str = "resolved-compensated";

/// Longest case id.
pub const MAX_CASE_ID: usize = 64;

/// A calendar date (proleptic Gregorian), written `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |s: &str| -> Option<u32> {
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())
                .flatten()
        };
        let year = digits(&text[..4])?;
        let month = digits(&text[5..7])?;
        let day = digits(&text[8..])?;
        let date = Self {
            year: u16::try_from(year).ok()?,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
        };
        (year >= 1900
            && (1..=12).contains(&month)
            && day >= 1
            && day <= u32::from(days_in_month(date.year, date.month)))
        .then_some(date)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days(self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let (y, m, d) = (
            i64::from(self.year) - i64::from(self.month <= 2),
            i64::from(self.month),
            i64::from(self.day),
        );
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The inverse of `days`.
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        Self { year, month, day }
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One case, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRecord {
    pub case_id: String,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    pub sex: String,
    pub age_band: String,
    pub residence_status: String,
    pub sector: String,
    pub stage: String,
    /// Sorted, without repeats.
    pub grievances: Vec<String>,
    pub channel: String,
    pub outcome: String,
    pub compensation_usd: Option<u64>,
}

/// What is wrong with one field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("column {column} ({name}): {problem}")]
pub struct FieldError {
    /// 1-based column number in the file.
    pub column: usize,
    pub name: &'static str,
    pub problem: String,
}

/// What is wrong with a header.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error(
        "column {column}: {name:?} is not a column of the case format; it is refused so that it is never stored (known columns: {})",
        COLUMNS.join(", ")
    )]
    Unknown { column: usize, name: String },
    #[error("column {column}: {name:?} appears twice")]
    Repeated { column: usize, name: String },
    #[error("the header lacks the column {name:?} (it needs: {})", COLUMNS.join(", "))]
    Missing { name: &'static str },
}

/// Where each known column is in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// For each of `COLUMNS`, its 0-based index in the file's rows.
    index: [usize; 12],
    width: usize,
}

/// The columns a rejects file (`cases import --skip-invalid`) adds before the
/// register's: where the row was and why it was set aside.
pub const REJECTS_COLUMNS: &[&str] = &["line", "reason"];

impl Header {
    /// Checks a header: exactly the known columns, in any order, each once, and
    /// at most once each the two a rejects file adds in front (`line`,
    /// `reason`), which are ignored: a corrected rejects file imports as it is.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, HeaderError> {
        let mut index = [usize::MAX; 12];
        let mut width = 0;
        let mut ignored: Vec<&str> = Vec::new();
        for (i, raw) in names.into_iter().enumerate() {
            width += 1;
            let name = raw.trim_start_matches('\u{feff}').trim();
            if REJECTS_COLUMNS.contains(&name) {
                if ignored.contains(&name) {
                    return Err(HeaderError::Repeated {
                        column: i + 1,
                        name: name.to_string(),
                    });
                }
                ignored.push(name);
                continue;
            }
            let Some(known) = COLUMNS.iter().position(|c| *c == name) else {
                return Err(HeaderError::Unknown {
                    column: i + 1,
                    name: name.to_string(),
                });
            };
            if index[known] != usize::MAX {
                return Err(HeaderError::Repeated {
                    column: i + 1,
                    name: name.to_string(),
                });
            }
            index[known] = i;
        }
        if let Some(missing) = index.iter().position(|i| *i == usize::MAX) {
            return Err(HeaderError::Missing {
                name: COLUMNS[missing],
            });
        }
        Ok(Self { index, width })
    }

    /// The header in the documented order.
    pub fn standard() -> Self {
        Self {
            index: std::array::from_fn(|i| i),
            width: COLUMNS.len(),
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    /// Validates one row to import (fields in file order): each field, then the
    /// rules across fields (see the module documentation).
    pub fn parse_row(&self, fields: &[&str]) -> Result<CaseRecord, FieldError> {
        let case = self.parse_fields(fields)?;
        self.check_rules(&case)?;
        Ok(case)
    }

    /// The rules across fields, for a record whose fields are valid. Errors name
    /// the column at fault and the column it disagrees with, as they are in the file.
    pub fn check_rules(&self, case: &CaseRecord) -> Result<(), FieldError> {
        let column = |k: usize| self.index[k] + 1;
        let err = |k: usize, problem: String| FieldError {
            column: column(k),
            name: COLUMNS[k],
            problem,
        };
        let outcome = case.outcome.as_str();
        let outcome_at = format!("column {} (outcome)", column(10));
        match case.closed_on {
            None if CLOSING_OUTCOMES.contains(&outcome) => {
                return Err(err(
                    2,
                    format!(
                        "is empty, but {outcome_at} is {outcome:?}, which ends the case; give the date the case closed, or make the outcome pending (or referred) if it is still open"
                    ),
                ));
            }
            Some(closed) if outcome == "pending" => {
                return Err(err(
                    2,
                    format!(
                        "{closed} is given, but {outcome_at} is \"pending\", which means the case is still open; leave closed_on empty while it is open, or give the outcome it closed with ({})",
                        CLOSING_OUTCOMES.join(", ")
                    ),
                ));
            }
            _ => {}
        }
        if let Some(amount) = case.compensation_usd
            && amount > 0
            && outcome != COMPENSATED
        {
            return Err(err(
                11,
                format!(
                    "{amount} dollars recovered, but {outcome_at} is {outcome:?}; compensation above 0 goes only with the outcome {COMPENSATED}: correct the outcome, or leave compensation_usd empty if nothing was recovered"
                ),
            ));
        }
        Ok(())
    }

    /// Validates each field of one row (fields in file order), without the rules
    /// across fields: how rows already stored are read back.
    pub fn parse_fields(&self, fields: &[&str]) -> Result<CaseRecord, FieldError> {
        if fields.len() != self.width {
            return Err(FieldError {
                column: fields.len().min(self.width) + 1,
                name: "row",
                problem: format!(
                    "the row has {} fields, the header {}",
                    fields.len(),
                    self.width
                ),
            });
        }
        let field = |k: usize| -> (&str, usize, &'static str) {
            let i = self.index[k];
            (fields[i].trim(), i + 1, COLUMNS[k])
        };
        let err = |k: usize, problem: String| {
            let (_, column, name) = field(k);
            FieldError {
                column,
                name,
                problem,
            }
        };
        let shown = |value: &str| -> String {
            if value.len() > 40 {
                let mut end = 40;
                while !value.is_char_boundary(end) {
                    end -= 1;
                }
                format!("{:?}… ({} bytes)", &value[..end], value.len())
            } else {
                format!("{value:?}")
            }
        };
        let code = |k: usize, list: &[&str]| -> Result<String, FieldError> {
            let (value, ..) = field(k);
            if list.contains(&value) {
                Ok(value.to_string())
            } else {
                Err(err(
                    k,
                    format!(
                        "{} is not a code; expected one of {}",
                        shown(value),
                        list.join(", ")
                    ),
                ))
            }
        };
        let date = |k: usize| -> Result<Option<Date>, FieldError> {
            let (value, ..) = field(k);
            if value.is_empty() {
                return Ok(None);
            }
            Date::parse(value).map(Some).ok_or_else(|| {
                err(
                    k,
                    format!("{} is not a date; expected YYYY-MM-DD", shown(value)),
                )
            })
        };

        let (case_id, ..) = field(0);
        if case_id.is_empty()
            || case_id.len() > MAX_CASE_ID
            || case_id.chars().any(char::is_control)
        {
            return Err(err(
                0,
                format!(
                    "{} is not a case id; expected 1 to {MAX_CASE_ID} characters without control characters",
                    shown(case_id)
                ),
            ));
        }
        let opened_on =
            date(1)?.ok_or_else(|| err(1, "is empty; a case has an opening date".into()))?;
        let closed_on = date(2)?;
        if let Some(closed) = closed_on
            && closed < opened_on
        {
            return Err(err(
                2,
                format!("{closed} is before opened_on {opened_on}; a case closes after it opens"),
            ));
        }
        let (grievances_text, ..) = field(8);
        let mut grievances = Vec::new();
        // Separated by ';' or ',', as every list of codes is (actors too).
        for g in grievances_text.split([';', ',']).map(str::trim) {
            if !GRIEVANCE.contains(&g) {
                return Err(err(
                    8,
                    format!(
                        "{} is not a grievance code; expected one or more of {} separated by ';' or ',' (unpaid-wages;document-retention)",
                        shown(g),
                        GRIEVANCE.join(", ")
                    ),
                ));
            }
            grievances.push(g.to_string());
        }
        grievances.sort();
        grievances.dedup();
        let (amount, ..) = field(11);
        let compensation_usd = if amount.is_empty() {
            None
        } else {
            Some(
                amount
                    .parse::<u64>()
                    .ok()
                    .filter(|_| amount.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| {
                        err(
                            11,
                            format!("{} is not an amount; expected a whole number of US dollars, 0 or more, or empty", shown(amount)),
                        )
                    })?,
            )
        };
        Ok(CaseRecord {
            case_id: case_id.to_string(),
            opened_on,
            closed_on,
            sex: code(3, SEX)?,
            age_band: code(4, AGE_BAND)?,
            residence_status: code(5, RESIDENCE_STATUS)?,
            sector: code(6, SECTOR)?,
            stage: code(7, STAGE)?,
            grievances,
            channel: code(9, CHANNEL)?,
            outcome: code(10, OUTCOME)?,
            compensation_usd,
        })
    }
}

impl CaseRecord {
    /// The record's fields in the documented column order.
    pub fn to_row(&self) -> [String; 12] {
        [
            self.case_id.clone(),
            self.opened_on.to_string(),
            self.closed_on.map(|d| d.to_string()).unwrap_or_default(),
            self.sex.clone(),
            self.age_band.clone(),
            self.residence_status.clone(),
            self.sector.clone(),
            self.stage.clone(),
            self.grievances.join(";"),
            self.channel.clone(),
            self.outcome.clone(),
            self.compensation_usd
                .map(|a| a.to_string())
                .unwrap_or_default(),
        ]
    }

    /// Checks a record built elsewhere (received over the wire) as an import row.
    pub fn validate(&self) -> Result<(), FieldError> {
        let row = self.to_row();
        let fields: Vec<&str> = row.iter().map(String::as_str).collect();
        let parsed = Header::standard().parse_row(&fields)?;
        if &parsed != self {
            return Err(FieldError {
                column: 9,
                name: "grievances",
                problem: "must be sorted and without repeats".into(),
            });
        }
        Ok(())
    }
}

/// A batch of new or changed case records, as appended to the private log by an
/// import. Case records never go to the shared log: the writer and every receiver
/// refuse it.
///
/// An import appends its batches as the records arrive, then one [`ImportCommit`]
/// naming the import: a batch counts only once its import is committed, so an
/// import cut short (client gone, node killed) leaves inert batches and changes
/// nothing. Version 1 is JSON: `{"import": ID, "rows": [[12 fields in COLUMNS
/// order], ...]}`, each row checked like an imported one when decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseBatch {
    pub import: u64,
    pub cases: Vec<CaseRecord>,
}

#[derive(Serialize, Deserialize)]
struct BatchV1 {
    import: u64,
    rows: Vec<Vec<String>>,
}

impl CaseRecord {
    /// The record's row as JSON, the form it takes in a batch: the same as
    /// serialising `to_row()`, written without copying the fields first (imports
    /// call this once per row).
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(192);
        out.push(b'[');
        let mut put = |i: usize, field: &str| {
            if i > 0 {
                out.push(b',');
            }
            // Writing a &str to a Vec cannot fail.
            let _ = serde_json::to_writer(&mut out, field);
        };
        put(0, &self.case_id);
        put(1, &self.opened_on.to_string());
        put(
            2,
            &self.closed_on.map(|d| d.to_string()).unwrap_or_default(),
        );
        put(3, &self.sex);
        put(4, &self.age_band);
        put(5, &self.residence_status);
        put(6, &self.sector);
        put(7, &self.stage);
        put(8, &self.grievances.join(";"));
        put(9, &self.channel);
        put(10, &self.outcome);
        put(
            11,
            &self
                .compensation_usd
                .map(|a| a.to_string())
                .unwrap_or_default(),
        );
        out.push(b']');
        out
    }
}

impl CaseBatch {
    /// The encoded payload of a batch from rows already encoded by
    /// [`CaseRecord::to_json`], without decoding them again.
    pub fn encode_rows<'a>(import: u64, rows: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
        let mut out = format!("{{\"import\":{import},\"rows\":[").into_bytes();
        for (i, row) in rows.into_iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(row);
        }
        out.extend_from_slice(b"]}");
        out
    }
}

impl Payload for CaseBatch {
    const KIND: PayloadKind = PayloadKind::CASES;
    const VERSION: u16 = 1;

    fn encode(&self) -> Vec<u8> {
        let rows: Vec<Vec<u8>> = self.cases.iter().map(CaseRecord::to_json).collect();
        Self::encode_rows(self.import, rows.iter().map(Vec::as_slice))
    }

    fn decode(version: u16, bytes: &[u8]) -> Result<Self, PayloadError> {
        let malformed = |reason: String| PayloadError::Malformed {
            kind: Self::KIND,
            version,
            reason,
        };
        match version {
            1 => {
                let batch: BatchV1 =
                    serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
                let header = Header::standard();
                let cases = batch
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(i, row)| {
                        let fields: Vec<&str> = row.iter().map(String::as_str).collect();
                        // Field checks only: rows stored before a rule across
                        // fields existed stay readable.
                        header
                            .parse_fields(&fields)
                            .map_err(|e| malformed(format!("row {}: {e}", i + 1)))
                    })
                    .collect::<Result<_, _>>()?;
                Ok(CaseBatch {
                    import: batch.import,
                    cases,
                })
            }
            _ => Err(PayloadError::UnknownVersion {
                kind: Self::KIND,
                version,
                newest: Self::VERSION,
            }),
        }
    }
}

/// The end of an import: its batches count from here on. Private, like the batches.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCommit {
    pub import: u64,
    /// Private-log sequence numbers of the import's batches.
    pub batches: Vec<u64>,
    pub received: u64,
    pub new_cases: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl Payload for ImportCommit {
    const KIND: PayloadKind = PayloadKind::IMPORT_COMMIT;
    const VERSION: u16 = 1;

    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn decode(version: u16, bytes: &[u8]) -> Result<Self, PayloadError> {
        crate::payload::decode_json(Self::KIND, Self::VERSION, version, bytes)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn row() -> Vec<&'static str> {
        vec![
            "KH-2024-0001",
            "2024-07-03",
            "2024-09-30",
            "female",
            "25-34",
            "titp",
            "agriculture",
            "in-employment",
            "unpaid-wages;document-retention",
            "mrc",
            "resolved-compensated",
            "1200",
        ]
    }

    #[test]
    fn a_good_row_parses_and_round_trips() {
        let header = Header::parse(COLUMNS).unwrap();
        let case = header.parse_row(&row()).unwrap();
        assert_eq!(case.grievances, vec!["document-retention", "unpaid-wages"]);
        assert_eq!(case.compensation_usd, Some(1200));
        assert_eq!(case.to_json(), serde_json::to_vec(&case.to_row()).unwrap());
        let batch = CaseBatch {
            import: 7,
            cases: vec![case],
        };
        assert_eq!(CaseBatch::decode(1, &batch.encode()).unwrap(), batch);
    }

    #[test]
    fn headers_must_hold_exactly_the_known_columns() {
        let mut names: Vec<&str> = COLUMNS.to_vec();
        names.push("passport_number");
        assert!(matches!(
            Header::parse(names),
            Err(HeaderError::Unknown { column: 13, .. })
        ));
        assert_eq!(
            Header::parse(COLUMNS[..11].iter().copied()),
            Err(HeaderError::Missing {
                name: "compensation_usd"
            })
        );
        // A rejects file's header: its two columns first, ignored, once each.
        let mut rejects: Vec<&str> = REJECTS_COLUMNS.to_vec();
        rejects.extend(COLUMNS.iter().copied());
        let header = Header::parse(rejects.iter().copied()).unwrap();
        assert_eq!(header.width(), COLUMNS.len() + 2);
        rejects.insert(1, "line");
        assert!(matches!(
            Header::parse(rejects.iter().copied()),
            Err(HeaderError::Repeated { column: 2, .. })
        ));
        let mut reordered: Vec<&str> = COLUMNS.to_vec();
        reordered.reverse();
        let header = Header::parse(reordered).unwrap();
        let mut fields = row();
        fields.reverse();
        assert_eq!(
            header.parse_row(&fields).unwrap(),
            Header::standard().parse_row(&row()).unwrap()
        );
    }

    #[test]
    fn bad_fields_name_column_value_and_expectation() {
        let header = Header::standard();
        let bad = |i: usize, value: &'static str| {
            let mut fields = row();
            fields[i] = value;
            header.parse_row(&fields).unwrap_err()
        };
        let e = bad(1, "2024-02-30");
        assert_eq!((e.column, e.name), (2, "opened_on"));
        assert!(e.problem.contains("expected YYYY-MM-DD"), "{e}");
        let e = bad(2, "2024-06-01");
        assert!(e.problem.contains("before opened_on 2024-07-03"), "{e}");
        let e = bad(5, "tourist");
        assert!(
            e.to_string()
                .starts_with("column 6 (residence_status): \"tourist\" is not a code"),
            "{e}"
        );
        let e = bad(8, "unpaid-wages;lost-passport");
        assert!(e.problem.contains("\"lost-passport\""), "{e}");
        for amount in ["-5", "12.50", "lots"] {
            let e = bad(11, amount);
            assert_eq!(e.column, 12, "{amount}");
        }
        assert!(bad(1, "").problem.contains("opening date"));
    }

    #[test]
    fn rows_must_agree_across_fields() {
        let header = Header::standard();
        let with = |changes: &[(usize, &'static str)]| {
            let mut fields = row();
            for (i, value) in changes {
                fields[*i] = value;
            }
            header.parse_row(&fields)
        };
        // An outcome that ends the case needs its closing date.
        for &outcome in CLOSING_OUTCOMES {
            let amount = if outcome == COMPENSATED { "1200" } else { "" };
            assert!(with(&[(10, outcome), (11, amount)]).is_ok(), "{outcome}");
            let e = with(&[(2, ""), (10, outcome), (11, amount)]).unwrap_err();
            assert_eq!((e.column, e.name), (3, "closed_on"), "{outcome}");
            assert_eq!(
                e.problem,
                format!(
                    "is empty, but column 11 (outcome) is {outcome:?}, which ends the case; give the date the case closed, or make the outcome pending (or referred) if it is still open"
                )
            );
        }
        // A pending case is open.
        assert!(with(&[(2, ""), (10, "pending"), (11, "")]).is_ok());
        let e = with(&[(10, "pending"), (11, "")]).unwrap_err();
        assert_eq!((e.column, e.name), (3, "closed_on"));
        assert!(
            e.to_string().starts_with(
                "column 3 (closed_on): 2024-09-30 is given, but column 11 (outcome) is \"pending\", which means the case is still open; leave closed_on empty"
            ),
            "{e}"
        );
        // A referral may close the file here or keep it open.
        assert!(with(&[(10, "referred"), (11, "")]).is_ok());
        assert!(with(&[(2, ""), (10, "referred"), (11, "")]).is_ok());
        // Money recovered goes with resolved-compensated only.
        let e = with(&[(10, "resolved-non-monetary")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "column 12 (compensation_usd): 1200 dollars recovered, but column 11 (outcome) is \"resolved-non-monetary\"; compensation above 0 goes only with the outcome resolved-compensated: correct the outcome, or leave compensation_usd empty if nothing was recovered"
        );
        let e = with(&[(2, ""), (10, "pending")]).unwrap_err();
        assert_eq!(e.column, 12, "{e}");
        assert!(with(&[(10, "withdrawn"), (11, "0")]).is_ok());
        assert!(
            with(&[(11, "")]).is_ok(),
            "compensated, amount not recorded"
        );
        // Not a rule: a worker not yet departed, harmed in an earlier stay.
        assert!(with(&[(5, "not-yet-departed"), (7, "return")]).is_ok());

        // The columns are named where they are in the file.
        let mut reordered: Vec<&str> = COLUMNS.to_vec();
        reordered.reverse();
        let header = Header::parse(reordered).unwrap();
        let mut fields = row();
        fields[10] = "pending";
        fields[11] = "";
        fields.reverse();
        let e = header.parse_row(&fields).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("column 10 (closed_on): 2024-09-30 is given, but column 2 (outcome)"),
            "{e}"
        );
    }

    #[test]
    fn stored_rows_are_read_back_without_the_rules_across_fields() {
        // A batch written before the rules existed: a pending case with a date.
        let mut fields = row();
        fields[10] = "pending";
        let case = Header::standard().parse_fields(&fields).unwrap();
        assert!(case.validate().is_err(), "not importable now");
        let batch = CaseBatch {
            import: 1,
            cases: vec![case],
        };
        assert_eq!(CaseBatch::decode(1, &batch.encode()).unwrap(), batch);
    }

    #[test]
    fn dates_convert_to_days_and_back() {
        for text in ["1970-01-01", "2000-02-29", "2024-12-31", "1999-03-01"] {
            let d = Date::parse(text).unwrap();
            assert_eq!(Date::from_days(d.days()), d);
            assert_eq!(d.to_string(), text);
        }
        assert_eq!(Date::parse("1970-01-02").unwrap().days(), 1);
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2024-1-01").is_none());
    }
}
