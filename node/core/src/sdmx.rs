//! SDMX 2.1: the members' statistics releases as structures and data that
//! statistical tools (ILOSTAT's, Python's `sdmx1`, .Stat) load without hand work.
//!
//! Each table of the releases is a dataflow (`REMEDYNET:DF_GRIEVANCE_OUTCOME(1.0)`)
//! with a data structure of its own (`DSD_GRIEVANCE_OUTCOME`): dimensions FREQ
//! (A, Q, M: the period's kind), REF_AREA (the member that published the
//! release: ISO 3166-1 alpha-2, the form the members' ids already take and
//! SDMX's cross-domain area list uses), the table's row and column dimensions
//! (GRIEVANCE × OUTCOME, ...; `_T` a total over one), and TIME_PERIOD (2024,
//! 2024-Q3, 2024-07). The measure is OBS_VALUE; the attributes are
//!
//! - OBS_STATUS from SDMX's cross-domain list CL_OBS_STATUS: `A` (normal
//!   value) for an exact figure, `E` (estimated value) for one noised for
//!   differential privacy, `Q` (missing value; suppressed) for one withheld;
//! - CONF_STATUS from CL_CONF_STATUS: `F` (free) for a figure shown, `C`
//!   (confidential statistical information) for one withheld. Primary and
//!   secondary suppression are not told apart: a release does not say which
//!   cell was small, and saying it would tell a reader that the count is
//!   between 1 and the threshold;
//! - STD_ERR, the standard error of a noised figure's noise (the square root of
//!   the variance the release states, times the cells it sums), two decimals;
//! - UNIT_MEASURE: `CASE`, `MENTION` (a case counts once per grievance it
//!   names), `DAY`, `USD`;
//! - REVISION, the release's revision.
//!
//! A withheld figure's OBS_VALUE is `NaN`, SDMX's intentionally missing
//! value (an empty field would mean "not sent"), beside OBS_STATUS `Q` and
//! CONF_STATUS `C`. SDMX-CSV 2.0 repeats the attributes per observation, with ACTION `A` (append) for a
//! first release and `R` (replace) for a revision, which sends every figure of
//! the period again (suppressed ones too). Records end in CRLF and are written
//! with [`CsvText`].
//!
//! Everything here is pure: the node's HTTP side and the CLI hand in the
//! releases and the members.

use std::fmt::Write as _;

use crate::csv_text::CsvText;
use crate::regional::{Figure, Status};
use crate::release::{RESOLUTION, Release};

/// The maintenance agency of every artefact.
pub const AGENCY: &str = "REMEDYNET";
/// The version of every artefact.
pub const VERSION: &str = "1.0";

/// A dimension of a table: its id, its code list, and the list of labels it
/// takes its names from (`node/core/locales`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dimension {
    pub id: &'static str,
    pub codelist: &'static str,
    pub labels: &'static str,
    pub codes: &'static [&'static str],
}

const GRIEVANCE: Dimension = Dimension {
    id: "GRIEVANCE",
    codelist: "CL_GRIEVANCE",
    labels: "grievance",
    codes: crate::case::GRIEVANCE,
};
const OUTCOME: Dimension = Dimension {
    id: "OUTCOME",
    codelist: "CL_OUTCOME",
    labels: "outcome",
    codes: crate::case::OUTCOME,
};
const CHANNEL: Dimension = Dimension {
    id: "CHANNEL",
    codelist: "CL_CHANNEL",
    labels: "channel",
    codes: crate::case::CHANNEL,
};
const SECTOR: Dimension = Dimension {
    id: "SECTOR",
    codelist: "CL_SECTOR",
    labels: "sector",
    codes: crate::case::SECTOR,
};
const SEX: Dimension = Dimension {
    id: "SEX",
    codelist: "CL_SEX",
    labels: "sex",
    codes: crate::case::SEX,
};
const RESIDENCE_STATUS: Dimension = Dimension {
    id: "RESIDENCE_STATUS",
    codelist: "CL_RESIDENCE_STATUS",
    labels: "residence-status",
    codes: crate::case::RESIDENCE_STATUS,
};
const MEASURE: Dimension = Dimension {
    id: "MEASURE",
    codelist: "CL_RESOLUTION_MEASURE",
    labels: "measure",
    codes: crate::regional::RESOLUTION_COLUMNS,
};

/// A table of the releases as a dataflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flow {
    /// The table's name in releases (`grievance-outcome`).
    pub table: &'static str,
    /// `DF_GRIEVANCE_OUTCOME`.
    pub id: &'static str,
    /// `DSD_GRIEVANCE_OUTCOME`.
    pub dsd: &'static str,
    pub rows: Dimension,
    pub columns: Dimension,
}

/// Every dataflow, in the releases' table order.
pub const FLOWS: [Flow; 5] = [
    Flow {
        table: "grievance-outcome",
        id: "DF_GRIEVANCE_OUTCOME",
        dsd: "DSD_GRIEVANCE_OUTCOME",
        rows: GRIEVANCE,
        columns: OUTCOME,
    },
    Flow {
        table: "channel-outcome",
        id: "DF_CHANNEL_OUTCOME",
        dsd: "DSD_CHANNEL_OUTCOME",
        rows: CHANNEL,
        columns: OUTCOME,
    },
    Flow {
        table: "sector-sex",
        id: "DF_SECTOR_SEX",
        dsd: "DSD_SECTOR_SEX",
        rows: SECTOR,
        columns: SEX,
    },
    Flow {
        table: "status-grievance",
        id: "DF_STATUS_GRIEVANCE",
        dsd: "DSD_STATUS_GRIEVANCE",
        rows: RESIDENCE_STATUS,
        columns: GRIEVANCE,
    },
    Flow {
        table: RESOLUTION,
        id: "DF_RESOLUTION",
        dsd: "DSD_RESOLUTION",
        rows: CHANNEL,
        columns: MEASURE,
    },
];

impl Flow {
    /// The flow of a table name, dataflow id or data structure id.
    pub fn find(name: &str) -> Option<&'static Flow> {
        FLOWS
            .iter()
            .find(|f| f.table == name || f.id == name || f.dsd == name)
    }

    /// `REMEDYNET:DF_GRIEVANCE_OUTCOME(1.0)`, as SDMX-CSV names it.
    pub fn reference(&self) -> String {
        format!("{AGENCY}:{}({VERSION})", self.id)
    }

    /// The dimensions of the series key, in order (TIME_PERIOD follows).
    pub fn key_dimensions(&self) -> [&'static str; 4] {
        ["FREQ", "REF_AREA", self.rows.id, self.columns.id]
    }

    /// The unit of a figure in `column` of this table.
    fn unit(&self, column: &str) -> &'static str {
        match (self.table, column) {
            (RESOLUTION, "median-days") => "DAY",
            (RESOLUTION, "compensation-usd") => "USD",
            (RESOLUTION, _) => "CASE",
            _ => match crate::tables::definition(self.table).map(|d| d.counts) {
                Some(crate::tables::Counts::GrievanceMentions) => "MENTION",
                _ => "CASE",
            },
        }
    }
}

/// A member of the federation as a REF_AREA code: its id and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Area {
    pub id: String,
    pub name: String,
}

/// The members that publish releases (nodes), as REF_AREA's codes.
pub fn areas(manifest: &crate::manifest::Manifest) -> Vec<Area> {
    manifest
        .body
        .members
        .iter()
        .filter(|m| m.role == crate::manifest::Role::Node)
        .map(|m| Area {
            id: m.id.to_string(),
            name: m.name.clone(),
        })
        .collect()
}

/// A message's `Prepared` time from Unix seconds (`2026-11-30T10:00:00Z`).
pub fn prepared(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let second = unix_seconds % 86_400;
    let date = crate::case::Date::from_days(days);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        date.year,
        date.month,
        date.day,
        second / 3600,
        second / 60 % 60,
        second % 60
    )
}

/// FREQ of a period: `A` for 2024, `Q` for 2024-Q3, `M` for 2024-07.
pub fn frequency(period: &str) -> Option<&'static str> {
    let (year, rest) = period.split_at_checked(4)?;
    if !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match rest.as_bytes() {
        [] => Some("A"),
        [b'-', b'Q', q] if (b'1'..=b'4').contains(q) => Some("Q"),
        [b'-', a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            let month = (a - b'0') * 10 + (b - b'0');
            (1..=12).contains(&month).then_some("M")
        }
        _ => None,
    }
}

/// The first and last month of a period (year × 12 + month − 1), to compare
/// periods of different kinds.
fn months(period: &str) -> Option<(u32, u32)> {
    let year: u32 = period.get(..4)?.parse().ok()?;
    let base = year * 12;
    Some(match frequency(period)? {
        "A" => (base, base + 11),
        "Q" => {
            let q: u32 = period.get(6..7)?.parse().ok()?;
            (base + (q - 1) * 3, base + (q - 1) * 3 + 2)
        }
        _ => {
            let m: u32 = period.get(5..7)?.parse().ok()?;
            (base + m - 1, base + m - 1)
        }
    })
}

/// A data query: a series key (`Q.KH+ID..` : per key dimension the codes
/// wanted, none for all) and a period range (`startPeriod`, `endPeriod`: an
/// observation is in it when its period lies within them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub key: Vec<Vec<String>>,
    /// First and last month, as [`months`] counts them.
    pub range: (Option<u32>, Option<u32>),
}

impl Query {
    /// Reads a key (`all` or empty for everything) and period bounds for `flow`.
    pub fn parse(
        flow: &Flow,
        key: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<Self, String> {
        let dims = flow.key_dimensions();
        let key = if key.is_empty() || key == "all" {
            Vec::new()
        } else {
            let parts: Vec<&str> = key.split('.').collect();
            if parts.len() != dims.len() {
                return Err(format!(
                    "the key {key:?} has {} parts; {} has {} dimensions before TIME_PERIOD: {}",
                    parts.len(),
                    flow.id,
                    dims.len(),
                    dims.join(".")
                ));
            }
            parts
                .iter()
                .map(|p| {
                    p.split('+')
                        .filter(|c| !c.is_empty())
                        .map(String::from)
                        .collect()
                })
                .collect()
        };
        let bound = |name: &str, value: Option<&str>, last: bool| -> Result<Option<u32>, String> {
            match value {
                None | Some("") => Ok(None),
                Some(p) => months(p)
                    .map(|(a, b)| Some(if last { b } else { a }))
                    .ok_or_else(|| {
                        format!("{name} {p:?} is not a period; use 2024, 2024-Q3 or 2024-07")
                    }),
            }
        };
        Ok(Query {
            key,
            range: (
                bound("startPeriod", start, false)?,
                bound("endPeriod", end, true)?,
            ),
        })
    }

    fn wants(&self, values: [&str; 4], period: &str) -> bool {
        let key = self.key.is_empty()
            || self
                .key
                .iter()
                .zip(values)
                .all(|(wanted, v)| wanted.is_empty() || wanted.iter().any(|w| w == v));
        let Some((first, last)) = months(period) else {
            return false;
        };
        key && self.range.0.is_none_or(|s| first >= s) && self.range.1.is_none_or(|e| last <= e)
    }
}

/// One observation with its key and attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub freq: &'static str,
    pub area: String,
    pub row: String,
    pub column: String,
    pub period: String,
    pub value: Option<i64>,
    pub obs_status: &'static str,
    pub conf_status: &'static str,
    pub std_err: Option<String>,
    pub unit: &'static str,
    pub revision: u64,
    /// `A` for a first release, `R` for a revision.
    pub action: &'static str,
}

/// The observations of `flow` in `releases` (`(member, release)`, in the order
/// to write them) that `query` wants: every cell, row total (column `_T`),
/// column total (row `_T`) and total, but no figure that is not additive (the
/// resolution table's totals of median days).
pub fn observations<'a>(
    flow: &Flow,
    releases: impl IntoIterator<Item = (&'a str, &'a Release)>,
    query: &Query,
) -> Vec<Observation> {
    let mut out = Vec::new();
    for (member, release) in releases {
        let Some(freq) = frequency(&release.period) else {
            continue;
        };
        let Some(table) = crate::regional::member_table(member, release, flow.table) else {
            continue;
        };
        let action = if release.revision > 1 { "R" } else { "A" };
        let mut add = |row: &str, column: &str, figure: Figure| {
            if figure.status == Status::NotAdditive
                || !query.wants([freq, member, row, column], &release.period)
            {
                return;
            }
            let (value, obs_status, conf_status) = match figure.status {
                Status::Suppressed => (None, "Q", "C"),
                Status::Noised | Status::NoisedLowerBound => (figure.value, "E", "F"),
                _ => (figure.value, "A", "F"),
            };
            out.push(Observation {
                freq,
                area: member.to_string(),
                row: row.to_string(),
                column: column.to_string(),
                period: release.period.clone(),
                value,
                obs_status,
                conf_status,
                std_err: figure.standard_error().map(|e| format!("{e:.2}")),
                unit: flow.unit(column),
                revision: release.revision,
                action,
            });
        };
        for (r, row) in table.rows.iter().enumerate() {
            for (c, column) in table.columns.iter().enumerate() {
                add(row, column, table.cells[r][c]);
            }
            add(row, "_T", table.row_totals[r]);
        }
        for (c, column) in table.columns.iter().enumerate() {
            add("_T", column, table.column_totals[c]);
        }
        add("_T", "_T", table.total);
    }
    out
}

/// OBS_VALUE of a withheld figure: SDMX's intentionally missing value (an
/// empty field would mean "not sent").
pub const MISSING: &str = "NaN";

/// The attributes, in the columns' order.
const ATTRIBUTES: [&str; 5] = [
    "OBS_STATUS",
    "CONF_STATUS",
    "STD_ERR",
    "UNIT_MEASURE",
    "REVISION",
];

/// Observations as SDMX-CSV 2.0, header included: STRUCTURE, STRUCTURE_ID,
/// ACTION, the key dimensions, TIME_PERIOD, OBS_VALUE, then the attributes.
pub fn csv(flow: &Flow, observations: &[Observation]) -> String {
    let mut out = CsvText::new();
    let mut header = vec!["STRUCTURE", "STRUCTURE_ID", "ACTION"];
    header.extend(flow.key_dimensions());
    header.extend(["TIME_PERIOD", "OBS_VALUE"]);
    header.extend(ATTRIBUTES);
    out.record(header);
    let reference = flow.reference();
    for o in observations {
        out.text("dataflow")
            .text(&reference)
            .text(o.action)
            .text(o.freq)
            .text(&o.area)
            .text(&o.row)
            .text(&o.column)
            .text(&o.period)
            .text(
                &o.value
                    .map_or_else(|| MISSING.to_string(), |v| v.to_string()),
            )
            .text(o.obs_status)
            .text(o.conf_status)
            .number(o.std_err.as_deref())
            .text(o.unit)
            .number(Some(o.revision))
            .end();
    }
    out.finish()
}

/// Text for XML character data and attribute values.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const NAMESPACES: &str = r#"xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:str="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure" xmlns:com="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common" xmlns:gen="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic" xmlns:xml="http://www.w3.org/XML/1998/namespace""#;

/// The header every message starts with: its id and when it was prepared
/// (`2026-11-30T10:00:00Z`; the caller's clock, this module has none).
fn header(out: &mut String, id: &str, prepared: &str, structure: Option<&Flow>) {
    let _ = write!(
        out,
        "<mes:Header><mes:ID>{}</mes:ID><mes:Test>false</mes:Test><mes:Prepared>{}</mes:Prepared><mes:Sender id=\"{AGENCY}\"/>",
        xml(id),
        xml(prepared)
    );
    if let Some(flow) = structure {
        let _ = write!(
            out,
            "<mes:Structure structureID=\"{dsd}\" dimensionAtObservation=\"TIME_PERIOD\"><com:Structure><Ref agencyID=\"{AGENCY}\" id=\"{dsd}\" version=\"{VERSION}\"/></com:Structure></mes:Structure>",
            dsd = flow.dsd
        );
    }
    out.push_str("</mes:Header>");
}

/// Names in every language that has one, English first.
fn names(out: &mut String, tag: &str, names: &[(&str, String)]) {
    for (lang, name) in names {
        let _ = write!(
            out,
            "<com:{tag} xml:lang=\"{lang}\">{}</com:{tag}>",
            xml(name)
        );
    }
}

/// A code's names: its label in each language that has its own.
fn code_names(list: &str, code: &str) -> Vec<(&'static str, String)> {
    crate::translation::LANGUAGES
        .iter()
        .filter_map(|lang| {
            let label = crate::labels::label(lang, list, code);
            (label.lang == *lang).then_some((*lang, label.text))
        })
        .collect()
}

fn urn(class: &str, id: &str) -> String {
    format!("urn:sdmx:org.sdmx.infomodel.{class}={AGENCY}:{id}({VERSION})")
}

/// A code list: id, English name, and codes with their names.
struct Codelist {
    id: String,
    name: String,
    codes: Vec<(String, Vec<(&'static str, String)>)>,
}

fn english(text: &str) -> Vec<(&'static str, String)> {
    vec![("en", text.to_string())]
}

/// Every code list the structures use.
fn codelists(areas: &[Area]) -> Vec<Codelist> {
    let mut lists = vec![
        Codelist {
            id: "CL_FREQ".into(),
            name: "Frequency (codes of SDMX's cross-domain CL_FREQ)".into(),
            codes: vec![
                ("A".into(), english("Annual")),
                ("Q".into(), english("Quarterly")),
                ("M".into(), english("Monthly")),
            ],
        },
        Codelist {
            id: "CL_AREA".into(),
            name: "Members of the federation that publish releases (ISO 3166-1 alpha-2)".into(),
            codes: areas
                .iter()
                .map(|a| (a.id.clone(), english(&a.name)))
                .collect(),
        },
        Codelist {
            id: "CL_OBS_STATUS".into(),
            name: "Observation status (codes of SDMX's cross-domain CL_OBS_STATUS)".into(),
            codes: vec![
                ("A".into(), english("Normal value")),
                ("E".into(), english("Estimated value")),
                ("Q".into(), english("Missing value; suppressed")),
            ],
        },
        Codelist {
            id: "CL_CONF_STATUS".into(),
            name: "Confidentiality status (codes of SDMX's cross-domain CL_CONF_STATUS)".into(),
            codes: vec![
                ("F".into(), english("Free (free for publication)")),
                ("C".into(), english("Confidential statistical information")),
            ],
        },
        Codelist {
            id: "CL_UNIT_MEASURE".into(),
            name: "Unit of measure".into(),
            codes: vec![
                ("CASE".into(), english("Cases")),
                (
                    "MENTION".into(),
                    english("Grievance mentions (a case counts once per grievance it names)"),
                ),
                ("DAY".into(), english("Days")),
                ("USD".into(), english("US dollars")),
            ],
        },
    ];
    let mut seen = Vec::new();
    for flow in &FLOWS {
        for d in [flow.rows, flow.columns] {
            if seen.contains(&d.codelist) {
                continue;
            }
            seen.push(d.codelist);
            let mut codes: Vec<(String, Vec<(&'static str, String)>)> = d
                .codes
                .iter()
                .map(|c| (c.to_string(), code_names(d.labels, c)))
                .collect();
            codes.push(("_T".into(), english("Total")));
            lists.push(Codelist {
                id: d.codelist.into(),
                name: format!("{} (remedy-net's codes)", title_case(d.id)),
                codes,
            });
        }
    }
    lists
}

fn title_case(id: &str) -> String {
    let lower = id.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => lower,
    }
}

/// Every concept: id, name, and its code list when it has one.
fn concepts() -> Vec<(&'static str, &'static str, Option<&'static str>)> {
    vec![
        ("FREQ", "Frequency", Some("CL_FREQ")),
        (
            "REF_AREA",
            "Reference area: the member that published the release",
            Some("CL_AREA"),
        ),
        ("TIME_PERIOD", "Time period", None),
        ("GRIEVANCE", "Grievance", Some("CL_GRIEVANCE")),
        ("OUTCOME", "Outcome", Some("CL_OUTCOME")),
        (
            "CHANNEL",
            "Channel where the case was lodged",
            Some("CL_CHANNEL"),
        ),
        ("SECTOR", "Sector of work", Some("CL_SECTOR")),
        ("SEX", "Sex", Some("CL_SEX")),
        (
            "RESIDENCE_STATUS",
            "Residence status in Japan",
            Some("CL_RESIDENCE_STATUS"),
        ),
        (
            "MEASURE",
            "Measure of the resolution table",
            Some("CL_RESOLUTION_MEASURE"),
        ),
        ("OBS_VALUE", "Observation value", None),
        ("OBS_STATUS", "Observation status", Some("CL_OBS_STATUS")),
        (
            "CONF_STATUS",
            "Confidentiality status",
            Some("CL_CONF_STATUS"),
        ),
        (
            "STD_ERR",
            "Standard error of a noised estimate: the square root of the variance of its noise",
            None,
        ),
        ("UNIT_MEASURE", "Unit of measure", Some("CL_UNIT_MEASURE")),
        ("REVISION", "Revision of the member's release", None),
    ]
}

fn concept_ref(id: &str) -> String {
    format!(
        "<str:ConceptIdentity><Ref id=\"{id}\" maintainableParentID=\"CS_REMEDY\" maintainableParentVersion=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"conceptscheme\" class=\"Concept\"/></str:ConceptIdentity>"
    )
}

fn enumeration(codelist: &str) -> String {
    format!(
        "<str:LocalRepresentation><str:Enumeration><Ref id=\"{codelist}\" version=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"codelist\" class=\"Codelist\"/></str:Enumeration></str:LocalRepresentation>"
    )
}

fn data_structure(out: &mut String, flow: &Flow) {
    let _ = write!(
        out,
        "<str:DataStructure id=\"{id}\" urn=\"{urn}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\" isFinal=\"true\">",
        id = flow.dsd,
        urn = urn("datastructure.DataStructure", flow.dsd)
    );
    names(
        out,
        "Name",
        &english(crate::tables::counts_what(flow.table).unwrap_or(flow.table)),
    );
    out.push_str("<str:DataStructureComponents><str:DimensionList id=\"DimensionDescriptor\">");
    let codelist = |id: &str| match id {
        "FREQ" => "CL_FREQ",
        "REF_AREA" => "CL_AREA",
        _ if id == flow.rows.id => flow.rows.codelist,
        _ => flow.columns.codelist,
    };
    for (i, id) in flow.key_dimensions().iter().enumerate() {
        let _ = write!(
            out,
            "<str:Dimension id=\"{id}\" position=\"{}\">{}{}</str:Dimension>",
            i + 1,
            concept_ref(id),
            enumeration(codelist(id))
        );
    }
    let _ = write!(
        out,
        "<str:TimeDimension id=\"TIME_PERIOD\" position=\"5\">{}<str:LocalRepresentation><str:TextFormat textType=\"ObservationalTimePeriod\"/></str:LocalRepresentation></str:TimeDimension></str:DimensionList><str:AttributeList id=\"AttributeDescriptor\">",
        concept_ref("TIME_PERIOD")
    );
    for id in ATTRIBUTES {
        let (status, representation) = match id {
            "OBS_STATUS" => ("Mandatory", enumeration("CL_OBS_STATUS")),
            "CONF_STATUS" => ("Mandatory", enumeration("CL_CONF_STATUS")),
            "UNIT_MEASURE" => ("Mandatory", enumeration("CL_UNIT_MEASURE")),
            "STD_ERR" => (
                "Conditional",
                "<str:LocalRepresentation><str:TextFormat textType=\"Decimal\"/></str:LocalRepresentation>".to_string(),
            ),
            _ => (
                "Mandatory",
                "<str:LocalRepresentation><str:TextFormat textType=\"Integer\"/></str:LocalRepresentation>".to_string(),
            ),
        };
        let _ = write!(
            out,
            "<str:Attribute id=\"{id}\" assignmentStatus=\"{status}\">{}{representation}<str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"OBS_VALUE\"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute>",
            concept_ref(id)
        );
    }
    let _ = write!(
        out,
        "</str:AttributeList><str:MeasureList id=\"MeasureDescriptor\"><str:PrimaryMeasure id=\"OBS_VALUE\">{}<str:LocalRepresentation><str:TextFormat textType=\"Integer\"/></str:LocalRepresentation></str:PrimaryMeasure></str:MeasureList></str:DataStructureComponents></str:DataStructure>",
        concept_ref("OBS_VALUE")
    );
}

/// What a structure message holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub dataflows: Vec<&'static Flow>,
    pub structures: Vec<&'static Flow>,
    /// Code list ids.
    pub codelists: Vec<String>,
    pub concepts: bool,
}

impl Selection {
    /// Everything: every dataflow and what it refers to.
    pub fn all() -> Self {
        Selection {
            dataflows: FLOWS.iter().collect(),
            structures: FLOWS.iter().collect(),
            codelists: codelists(&[]).into_iter().map(|c| c.id).collect(),
            concepts: true,
        }
    }

    /// The data structures of `flows` with the code lists and concepts they use.
    pub fn structures_of(flows: &[&'static Flow]) -> Self {
        let mut codelists = vec![
            "CL_FREQ".to_string(),
            "CL_AREA".into(),
            "CL_OBS_STATUS".into(),
            "CL_CONF_STATUS".into(),
            "CL_UNIT_MEASURE".into(),
        ];
        for f in flows {
            for d in [f.rows, f.columns] {
                if !codelists.iter().any(|c| c == d.codelist) {
                    codelists.push(d.codelist.into());
                }
            }
        }
        Selection {
            dataflows: Vec::new(),
            structures: flows.to_vec(),
            codelists,
            concepts: true,
        }
    }

    /// The id of every code list there is.
    pub fn codelist_ids() -> Vec<String> {
        codelists(&[]).into_iter().map(|c| c.id).collect()
    }
}

/// An SDMX-ML 2.1 structure message with what `selection` names; `areas` are
/// the members (REF_AREA's codes).
pub fn structure_ml(selection: &Selection, areas: &[Area], id: &str, prepared: &str) -> String {
    let mut out =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mes:Structure {NAMESPACES}>");
    header(&mut out, id, prepared, None);
    out.push_str("<mes:Structures>");
    if !selection.dataflows.is_empty() {
        out.push_str("<str:Dataflows>");
        for flow in &selection.dataflows {
            let _ = write!(
                out,
                "<str:Dataflow id=\"{id}\" urn=\"{urn}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\" isFinal=\"true\">",
                id = flow.id,
                urn = urn("datastructure.Dataflow", flow.id)
            );
            let mut table_names = code_names("table", flow.table);
            if table_names.is_empty() {
                table_names = english(flow.table);
            }
            names(&mut out, "Name", &table_names);
            names(
                &mut out,
                "Description",
                &english(crate::tables::counts_what(flow.table).unwrap_or(flow.table)),
            );
            let _ = write!(
                out,
                "<str:Structure><Ref id=\"{}\" version=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"datastructure\" class=\"DataStructure\"/></str:Structure></str:Dataflow>",
                flow.dsd
            );
        }
        out.push_str("</str:Dataflows>");
    }
    let lists: Vec<Codelist> = codelists(areas)
        .into_iter()
        .filter(|c| selection.codelists.contains(&c.id))
        .collect();
    if !lists.is_empty() {
        out.push_str("<str:Codelists>");
        for list in lists {
            let _ = write!(
                out,
                "<str:Codelist id=\"{id}\" urn=\"{urn}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\" isFinal=\"true\">",
                id = list.id,
                urn = urn("codelist.Codelist", &list.id)
            );
            names(&mut out, "Name", &english(&list.name));
            for (code, code_names) in &list.codes {
                let _ = write!(
                    out,
                    "<str:Code id=\"{}\" urn=\"urn:sdmx:org.sdmx.infomodel.codelist.Code={AGENCY}:{}({VERSION}).{}\">",
                    xml(code),
                    list.id,
                    xml(code)
                );
                names(&mut out, "Name", code_names);
                out.push_str("</str:Code>");
            }
            out.push_str("</str:Codelist>");
        }
        out.push_str("</str:Codelists>");
    }
    if selection.concepts {
        let _ = write!(
            out,
            "<str:Concepts><str:ConceptScheme id=\"CS_REMEDY\" urn=\"{}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\" isFinal=\"true\">",
            urn("conceptscheme.ConceptScheme", "CS_REMEDY")
        );
        names(
            &mut out,
            "Name",
            &english("Concepts of remedy-net's statistics"),
        );
        for (id, name, _) in concepts() {
            let _ = write!(
                out,
                "<str:Concept id=\"{id}\" urn=\"urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept={AGENCY}:CS_REMEDY({VERSION}).{id}\">"
            );
            names(&mut out, "Name", &english(name));
            out.push_str("</str:Concept>");
        }
        out.push_str("</str:ConceptScheme></str:Concepts>");
    }
    if !selection.structures.is_empty() {
        out.push_str("<str:DataStructures>");
        for flow in &selection.structures {
            data_structure(&mut out, flow);
        }
        out.push_str("</str:DataStructures>");
    }
    out.push_str("</mes:Structures></mes:Structure>\n");
    out
}

/// Observations as an SDMX-ML 2.1 generic data message: one series per key,
/// its observations in time order.
pub fn generic_data_ml(
    flow: &Flow,
    observations: &[Observation],
    id: &str,
    prepared: &str,
) -> String {
    let mut out =
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mes:GenericData {NAMESPACES}>");
    header(&mut out, id, prepared, Some(flow));
    let _ = write!(out, "<mes:DataSet structureRef=\"{}\">", flow.dsd);
    let mut series: Vec<&Observation> = observations.iter().collect();
    series.sort_by(|a, b| {
        (a.freq, &a.area, &a.row, &a.column, months(&a.period)).cmp(&(
            b.freq,
            &b.area,
            &b.row,
            &b.column,
            months(&b.period),
        ))
    });
    let dims = flow.key_dimensions();
    let mut open: Option<(&str, &str, &str, &str)> = None;
    for o in series {
        let key = (o.freq, o.area.as_str(), o.row.as_str(), o.column.as_str());
        if open != Some(key) {
            if open.is_some() {
                out.push_str("</gen:Series>");
            }
            out.push_str("<gen:Series><gen:SeriesKey>");
            for (d, v) in dims.iter().zip([key.0, key.1, key.2, key.3]) {
                let _ = write!(out, "<gen:Value id=\"{d}\" value=\"{}\"/>", xml(v));
            }
            out.push_str("</gen:SeriesKey>");
            open = Some(key);
        }
        let _ = write!(
            out,
            "<gen:Obs><gen:ObsDimension value=\"{}\"/>",
            xml(&o.period)
        );
        let value = o
            .value
            .map_or_else(|| MISSING.to_string(), |v| v.to_string());
        let _ = write!(out, "<gen:ObsValue value=\"{value}\"/>");
        let _ = write!(
            out,
            "<gen:Attributes><gen:Value id=\"OBS_STATUS\" value=\"{}\"/><gen:Value id=\"CONF_STATUS\" value=\"{}\"/>",
            o.obs_status, o.conf_status
        );
        if let Some(e) = &o.std_err {
            let _ = write!(out, "<gen:Value id=\"STD_ERR\" value=\"{e}\"/>");
        }
        let _ = write!(
            out,
            "<gen:Value id=\"UNIT_MEASURE\" value=\"{}\"/><gen:Value id=\"REVISION\" value=\"{}\"/></gen:Attributes></gen:Obs>",
            o.unit, o.revision
        );
    }
    if open.is_some() {
        out.push_str("</gen:Series>");
    }
    out.push_str("</mes:DataSet></mes:GenericData>\n");
    out
}

/// The structure described as CSV a statistician can read beside the data:
/// each dataflow, component and code with its role and English name.
pub fn structure_csv(areas: &[Area]) -> String {
    let mut out = CsvText::new();
    out.record(["COMPONENT", "ROLE", "CODE", "DESCRIPTION"]);
    for flow in &FLOWS {
        out.record([
            "DATAFLOW",
            "dataflow",
            &flow.reference(),
            crate::tables::counts_what(flow.table).unwrap_or(flow.table),
        ]);
    }
    for (id, name, codelist) in concepts() {
        let role = match id {
            "OBS_VALUE" => "measure",
            "OBS_STATUS" | "CONF_STATUS" | "STD_ERR" | "UNIT_MEASURE" | "REVISION" => "attribute",
            _ => "dimension",
        };
        out.record([id, role, "", name]);
        if let Some(codelist) = codelist {
            for list in codelists(areas).into_iter().filter(|c| c.id == codelist) {
                for (code, names) in list.codes {
                    let name = names.first().map(|(_, n)| n.as_str()).unwrap_or("");
                    out.record([id, role, code.as_str(), name]);
                }
            }
        }
    }
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

    fn release(
        member_seed: &str,
        period: &str,
        revision: u64,
        previous: Option<&Release>,
    ) -> Release {
        crate::release::testing::synthetic(member_seed, 300, 4, period, revision, previous)
    }

    fn areas() -> Vec<Area> {
        ["KH", "ID"]
            .iter()
            .map(|id| Area {
                id: id.to_string(),
                name: format!("{id} agency"),
            })
            .collect()
    }

    #[test]
    fn periods_have_their_frequency_and_compare_across_kinds() {
        assert_eq!(frequency("2024"), Some("A"));
        assert_eq!(frequency("2024-Q3"), Some("Q"));
        assert_eq!(frequency("2024-07"), Some("M"));
        assert_eq!(frequency("2024-Q5"), None);
        assert_eq!(frequency("2024-13"), None);
        let flow = Flow::find("channel-outcome").unwrap();
        let q = Query::parse(flow, "", Some("2024-Q3"), Some("2024-Q4")).unwrap();
        assert!(q.wants(["Q", "KH", "_T", "_T"], "2024-Q3"));
        assert!(q.wants(["M", "KH", "_T", "_T"], "2024-12"));
        assert!(
            !q.wants(["A", "KH", "_T", "_T"], "2024"),
            "a year is wider than the range"
        );
        assert!(!q.wants(["Q", "KH", "_T", "_T"], "2025-Q1"));
        let e = Query::parse(flow, "Q.KH", None, None).unwrap_err();
        assert!(e.contains("FREQ.REF_AREA.CHANNEL.OUTCOME"), "{e}");
        let e = Query::parse(flow, "", Some("last year"), None).unwrap_err();
        assert!(e.contains("startPeriod"), "{e}");
    }

    #[test]
    fn every_figure_is_an_observation_with_sdmx_attributes_and_revisions_replace() {
        let first = release("KH", "2024-Q3", 1, None);
        let flow = Flow::find("grievance-outcome").unwrap();
        let all = observations(flow, [("KH", &first)], &Query::default());
        // 13×7 cells + 13 row totals + 7 column totals + 1 total.
        assert_eq!(all.len(), 13 * 7 + 13 + 7 + 1);
        assert!(
            all.iter()
                .all(|o| o.unit == "MENTION" && o.freq == "Q" && o.action == "A")
        );
        let suppressed: Vec<_> = all.iter().filter(|o| o.value.is_none()).collect();
        assert!(!suppressed.is_empty());
        assert!(
            suppressed
                .iter()
                .all(|o| (o.obs_status, o.conf_status) == ("Q", "C"))
        );
        assert!(
            all.iter()
                .filter(|o| o.value.is_some())
                .all(|o| o.conf_status == "F")
        );
        let text = csv(flow, &all);
        assert!(text.ends_with("\r\n") && !text.replace("\r\n", "").contains('\n'));
        let records = parse(&text);
        assert_eq!(
            records[0][..8],
            [
                "STRUCTURE",
                "STRUCTURE_ID",
                "ACTION",
                "FREQ",
                "REF_AREA",
                "GRIEVANCE",
                "OUTCOME",
                "TIME_PERIOD"
            ]
        );
        assert!(records.iter().all(|r| r.len() == records[0].len()));
        assert_eq!(
            records[1][..5],
            [
                "dataflow",
                "REMEDYNET:DF_GRIEVANCE_OUTCOME(1.0)",
                "A",
                "Q",
                "KH"
            ]
        );
        let second = release("KH", "2024-Q3", 2, Some(&first));
        let revised = observations(flow, [("KH", &second)], &Query::default());
        assert_eq!(revised.len(), all.len(), "a revision repeats every figure");
        assert!(revised.iter().all(|o| o.action == "R" && o.revision == 2));
        // The resolution table: units by measure, no total of medians.
        let resolution = Flow::find("resolution").unwrap();
        let all = observations(resolution, [("KH", &first)], &Query::default());
        assert!(
            all.iter()
                .any(|o| o.column == "median-days" && o.unit == "DAY")
        );
        assert!(
            all.iter()
                .any(|o| o.column == "compensation-usd" && o.unit == "USD")
        );
        assert!(
            !all.iter()
                .any(|o| o.column == "median-days" && o.row == "_T")
        );
    }

    #[test]
    fn a_key_selects_members_and_codes() {
        let kh = release("KH", "2024-Q3", 1, None);
        let id = release("ID", "2024-Q3", 1, None);
        let flow = Flow::find("DF_CHANNEL_OUTCOME").unwrap();
        let q = Query::parse(flow, "Q.ID.hotline+mrc._T", None, None).unwrap();
        let some = observations(flow, [("KH", &kh), ("ID", &id)], &q);
        assert_eq!(some.len(), 2, "{some:?}");
        assert!(some.iter().all(|o| o.area == "ID" && o.column == "_T"));
    }

    #[test]
    fn the_structure_message_has_every_artefact_and_codes_named_in_their_languages() {
        let ml = structure_ml(&Selection::all(), &areas(), "TEST", "2026-11-30T10:00:00Z");
        assert!(ml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        for flow in &FLOWS {
            assert!(
                ml.contains(&format!("<str:Dataflow id=\"{}\"", flow.id)),
                "{}",
                flow.id
            );
            assert!(
                ml.contains(&format!("<str:DataStructure id=\"{}\"", flow.dsd)),
                "{}",
                flow.dsd
            );
        }
        for list in Selection::codelist_ids() {
            assert!(
                ml.contains(&format!("<str:Codelist id=\"{list}\"")),
                "{list}"
            );
        }
        let unpaid = crate::labels::label("km", "grievance", "unpaid-wages").text;
        assert!(ml.contains(&format!("<com:Name xml:lang=\"km\">{unpaid}</com:Name>")));
        assert!(ml.contains("<str:Code id=\"KH\""));
        assert!(ml.contains("<str:TimeDimension id=\"TIME_PERIOD\""));
        assert_eq!(prepared(1_795_000_000), "2026-11-18T11:06:40Z");
    }

    #[test]
    fn generic_data_groups_observations_in_series() {
        let kh = release("KH", "2024-Q3", 1, None);
        let kh4 = release("KH", "2024-Q4", 1, None);
        let flow = Flow::find("sector-sex").unwrap();
        let q = Query::parse(flow, "Q.KH._T._T", None, None).unwrap();
        let all = observations(flow, [("KH", &kh4), ("KH", &kh)], &q);
        let ml = generic_data_ml(flow, &all, "TEST", "2026-11-30T10:00:00Z");
        assert_eq!(ml.matches("<gen:Series>").count(), 1, "{ml}");
        assert_eq!(ml.matches("<gen:Obs>").count(), 2);
        let q3 = ml.find("2024-Q3").unwrap();
        assert!(q3 < ml.find("2024-Q4").unwrap(), "in time order");
        assert!(ml.contains("structureID=\"DSD_SECTOR_SEX\""));
    }
}
