//! The joint regional work plan: items with substance (objective, outputs,
//! activities, milestones, indicators), their versions, the members' positions
//! on each version, and the plan every node computes from the set of events.
//!
//! An item is opened by a member or, as a draft, by a coordinator (a
//! `statement`). Every later change names what it changes by id and, for a
//! version, by the hash of the event that made it (`VersionRef`), so an
//! endorsement of version 1 never counts for version 2:
//!
//! - `item-amendment` makes version k+1 of an item from version k. Material
//!   amendments reset positions; an editorial one keeps them, unless a member
//!   named in the item contests it (an objection with `contests_editorial`),
//!   which makes it material. While an item is a draft, any member or
//!   coordinator may amend it; once proposed, its proposer and its lead.
//!   Two amendments of the same version: the one whose event hash is smaller
//!   becomes the next version, the other is shown as a problem.
//! - `item-proposal`: a member proposes a version; it counts as its endorsement.
//!   A member that opens an item with `proposed: true` proposes version 1.
//! - `endorsement` and `objection` (with a reason): a member's position on a
//!   version; each member's last word in its own log's order counts.
//! - `objection-answer`: the proposer or the lead answers an objection.
//! - `comment`: anyone on an item or a recommendation.
//! - `position-request`: a coordinator (or the lead) asks members for their
//!   position on a version by a date.
//! - `item-update`: progress with a date and a note; the lead records the
//!   status (in progress, done, dropped) once agreed (dropped at any time);
//!   the lead and the members taking part mark milestones reached and report
//!   indicator values.
//!
//! Every rule reads the set of events alone (never arrival order, never a
//! clock): the same events give the same plan at every node. Overdue and at-risk
//! flags are computed against a date the caller gives (`as_of`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::case::Date;
use crate::event::EventHash;
use crate::manifest::Quorum;
use crate::member::MemberId;
use crate::payload::PayloadKind;
use crate::plan::{Entry, MAX_TEXT, MAX_TITLE, Record, RecordId, Registry, slug, text};

/// An indicator's unit.
pub const UNITS: &[&str] = &["count", "percentage", "days", "currency"];
/// What an item's lead records.
pub const UPDATE_STATUSES: &[&str] = &["in-progress", "done", "dropped"];
/// Every stage an item shows.
pub const STAGES: &[&str] = &[
    "draft",
    "proposed",
    "objected",
    "agreed",
    "in-progress",
    "done",
    "dropped",
];
/// A milestone or the due month this close (in days) makes an item at risk.
pub const AT_RISK_DAYS: i64 = 30;

const MAX_LIST: usize = 50;
const MAX_LINE: usize = 1_000;

/// A decimal number with up to four decimals, written as text in JSON (`"12.5"`)
/// so that no reader rounds it through a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Decimal(i64);

impl Decimal {
    /// Ten-thousandths in one.
    pub const SCALE: i64 = 10_000;
    const LIMIT: i64 = 1_000_000_000_000 * Self::SCALE;

    pub fn parse(text: &str) -> Option<Self> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 13
            || !all_digits(whole)
            || fraction.len() > 4
            || !all_digits(fraction)
            || (digits.contains('.') && fraction.is_empty())
        {
            return None;
        }
        let mut value: i64 = whole.parse().ok()?;
        value = value.checked_mul(Self::SCALE)?;
        let mut f: i64 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().ok()?
        };
        for _ in fraction.len()..4 {
            f *= 10;
        }
        value += f;
        if value > Self::LIMIT {
            return None;
        }
        Some(Self(if negative { -value } else { value }))
    }

    pub fn from_units(units: i64) -> Self {
        Self(units.saturating_mul(Self::SCALE))
    }

    /// The value in ten-thousandths.
    pub fn raw(self) -> i64 {
        self.0
    }

    pub fn to_f64(self) -> f64 {
        self.0 as f64 / Self::SCALE as f64
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / Self::SCALE as u64;
        let fraction = abs % Self::SCALE as u64;
        if fraction == 0 {
            write!(f, "{sign}{whole}")
        } else {
            let digits = format!("{fraction:04}");
            write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl Serialize for Decimal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Decimal::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{text:?} is not a decimal number (digits, at most 4 after the point, as \"12.5\")"
            ))
        })
    }
}

/// A version of an item: its number and the hash of the event that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionRef {
    pub version: u32,
    /// SHA-256 of the version's event body, hex. Absent only in positions
    /// written before items had versions (payload version 1), which name
    /// version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

impl VersionRef {
    pub fn new(version: u32, hash: EventHash) -> Self {
        Self {
            version,
            hash: Some(hash.to_string()),
        }
    }

    fn validate(&self) -> Result<(), String> {
        if self.version == 0 {
            return Err("version 0: versions count from 1".into());
        }
        match &self.hash {
            Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(()),
            Some(h) => Err(format!("version hash {h:?} is not 64 hex digits")),
            None => Err("the version's hash is missing".into()),
        }
    }
}

impl fmt::Display for VersionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.hash {
            Some(h) => write!(f, "version {} ({}…)", self.version, &h[..h.len().min(12)]),
            None => write!(f, "version {}", self.version),
        }
    }
}

/// A task of an item, with who carries it out and when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Activity {
    pub what: String,
    /// A member id or the name of a partner organisation.
    pub responsible: String,
    /// YYYY-MM-DD.
    pub start: String,
    pub end: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// Short name updates refer to (lowercase letters, digits, hyphens).
    pub id: String,
    pub title: String,
    /// YYYY-MM-DD.
    pub due: String,
}

/// A value at a date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub value: Decimal,
    /// YYYY-MM-DD.
    pub date: String,
}

/// A cell of the regional view followed across periods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesSource {
    /// The members summed; empty for every member.
    #[serde(default)]
    pub members: Vec<MemberId>,
    pub table: String,
    /// A row name or `total`.
    pub row: String,
    /// A column name or `total`.
    pub column: String,
}

/// Where an indicator's values come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum Source {
    /// Computed from the members' releases as they arrive.
    Series(SeriesSource),
    /// Reported in item updates (signed by whoever reports) and, when `pilot`
    /// names one, in that pilot's reports under the indicator's id.
    Reported {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pilot: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Short name values refer to.
    pub id: String,
    pub name: String,
    /// count, percentage, days or currency.
    pub unit: String,
    /// ISO 4217 code, for the currency unit only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub baseline: Point,
    pub target: Point,
    pub source: Source,
}

/// What an item says: every version holds all of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemContent {
    pub title: String,
    pub objective: String,
    #[serde(default)]
    pub outputs: Vec<String>,
    #[serde(default)]
    pub activities: Vec<Activity>,
    pub draws_on: Vec<RecordId>,
    pub lead: MemberId,
    pub members: Vec<MemberId>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// YYYY-MM.
    pub due: String,
}

/// A new item (version 1): proposed by its author at once, or a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkplanItem {
    pub proposed: bool,
    pub content: ItemContent,
}

/// Version k+1 of an item, made from version k.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    pub item: RecordId,
    pub base: VersionRef,
    /// Material: positions reset. Editorial: positions kept.
    pub material: bool,
    pub note: String,
    pub content: ItemContent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub item: RecordId,
    pub version: VersionRef,
    #[serde(default)]
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endorsement {
    pub item: RecordId,
    pub version: VersionRef,
    #[serde(default)]
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objection {
    pub item: RecordId,
    pub version: VersionRef,
    pub reason: String,
    /// The version's amendment was called editorial; this member says it is
    /// material (positions on earlier versions then no longer count for it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub contests_editorial: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub objection: RecordId,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comment {
    /// A work-plan item or a recommendation.
    pub on: RecordId,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PositionRequest {
    pub item: RecordId,
    pub version: VersionRef,
    pub from: Vec<MemberId>,
    /// YYYY-MM-DD.
    pub by: String,
    #[serde(default)]
    pub note: String,
}

/// A reported value of one of the item's indicators.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportedValue {
    pub indicator: String,
    pub value: Decimal,
    /// YYYY-MM-DD: the date the value describes.
    pub date: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemUpdate {
    pub item: RecordId,
    /// YYYY-MM-DD. Empty only in updates of payload version 1 (the event's own
    /// date then stands for it).
    #[serde(default)]
    pub date: String,
    /// in-progress, done or dropped; absent for progress alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Milestones reached, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ReportedValue>,
    #[serde(default)]
    pub note: String,
}

// ---- validation ------------------------------------------------------------

pub(crate) fn date(what: &str, value: &str) -> Result<Date, String> {
    Date::parse(value).ok_or_else(|| format!("{what} {value:?} is not a date (YYYY-MM-DD)"))
}

fn month(what: &str, value: &str) -> Result<Date, String> {
    Date::parse(&format!("{value}-01"))
        .filter(|_| value.len() == 7)
        .ok_or_else(|| format!("{what} {value:?} is not a month (YYYY-MM)"))
}

pub(crate) fn at_most<T>(what: &str, list: &[T], max: usize) -> Result<(), String> {
    if list.len() > max {
        return Err(format!(
            "{} {what}, more than the {max} allowed",
            list.len()
        ));
    }
    Ok(())
}

pub(crate) fn unique<'a>(
    what: &str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n) {
            return Err(format!("{what} {n:?} is given twice"));
        }
    }
    Ok(())
}

/// The last day of the month `YYYY-MM`.
fn month_end(value: &str) -> Option<Date> {
    let first = Date::parse(&format!("{value}-01"))?;
    let next = if first.month == 12 {
        Date::parse(&format!("{:04}-01-01", first.year + 1))?
    } else {
        Date::parse(&format!("{:04}-{:02}-01", first.year, first.month + 1))?
    };
    Some(Date::from_days(next.days() - 1))
}

impl SeriesSource {
    fn validate(&self) -> Result<(), String> {
        at_most("members in the series", &self.members, 100)?;
        unique("member", self.members.iter().map(MemberId::as_str))?;
        let (rows, columns): (&[&str], &[&str]) = if self.table == crate::release::RESOLUTION {
            (crate::case::CHANNEL, crate::regional::RESOLUTION_COLUMNS)
        } else if let Some(t) = crate::tables::definition(&self.table) {
            (t.rows, t.columns)
        } else {
            return Err(format!(
                "table {:?} is not one of {}, {}",
                self.table,
                crate::tables::COUNT_TABLES
                    .iter()
                    .map(|t| t.name)
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::release::RESOLUTION
            ));
        };
        if self.row != "total" && !rows.contains(&self.row.as_str()) {
            return Err(format!(
                "row {:?} is not a row of {} (nor total)",
                self.row, self.table
            ));
        }
        if self.column != "total" && !columns.contains(&self.column.as_str()) {
            return Err(format!(
                "column {:?} is not a column of {} (nor total)",
                self.column, self.table
            ));
        }
        Ok(())
    }
}

impl Indicator {
    pub(crate) fn validate(&self) -> Result<(), String> {
        slug("indicator", &self.id)?;
        text("indicator's name", &self.name, MAX_TITLE, true)?;
        if !UNITS.contains(&self.unit.as_str()) {
            return Err(format!(
                "indicator {}: unit {:?} is not one of {}",
                self.id,
                self.unit,
                UNITS.join(", ")
            ));
        }
        match (&self.currency, self.unit == "currency") {
            (Some(c), true) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => {}
            (Some(c), true) => {
                return Err(format!(
                    "indicator {}: currency {c:?} is not an ISO 4217 code such as USD",
                    self.id
                ));
            }
            (None, true) => {
                return Err(format!(
                    "indicator {}: the currency unit needs a currency code (USD, JPY...)",
                    self.id
                ));
            }
            (Some(_), false) => {
                return Err(format!(
                    "indicator {}: a currency code is given but the unit is {}",
                    self.id, self.unit
                ));
            }
            (None, false) => {}
        }
        let baseline = date("baseline date", &self.baseline.date)?;
        let target = date("target date", &self.target.date)?;
        if target < baseline {
            return Err(format!(
                "indicator {}: the target date {} is before the baseline date {}",
                self.id, self.target.date, self.baseline.date
            ));
        }
        if self.unit == "percentage" {
            for p in [&self.baseline, &self.target] {
                if p.value < Decimal::from_units(0) || p.value > Decimal::from_units(100) {
                    return Err(format!(
                        "indicator {}: {} is not a percentage from 0 to 100",
                        self.id, p.value
                    ));
                }
            }
        }
        match &self.source {
            Source::Series(s) => s
                .validate()
                .map_err(|e| format!("indicator {}: {e}", self.id)),
            Source::Reported { pilot: Some(p) } => slug("pilot", p),
            Source::Reported { pilot: None } => Ok(()),
        }
    }
}

impl ItemContent {
    pub fn validate(&self) -> Result<(), String> {
        text("title", &self.title, MAX_TITLE, true)?;
        text("objective", &self.objective, MAX_TEXT, true)?;
        at_most("outputs", &self.outputs, MAX_LIST)?;
        for o in &self.outputs {
            text("output", o, MAX_LINE, true)?;
        }
        at_most("activities", &self.activities, MAX_LIST)?;
        for a in &self.activities {
            text("activity", &a.what, MAX_LINE, true)?;
            text(
                "activity's responsible party",
                &a.responsible,
                MAX_TITLE,
                true,
            )?;
            let start = date("activity start", &a.start)?;
            let end = date("activity end", &a.end)?;
            if end < start {
                return Err(format!(
                    "the activity {:?} ends ({}) before it starts ({})",
                    a.what, a.end, a.start
                ));
            }
        }
        if self.draws_on.is_empty() {
            return Err("the item draws on no recommendation".into());
        }
        at_most("recommendations drawn on", &self.draws_on, 100)?;
        if self.members.is_empty() {
            return Err("the item names no member".into());
        }
        at_most("members", &self.members, 100)?;
        unique("member", self.members.iter().map(MemberId::as_str))?;
        if !self.members.contains(&self.lead) {
            return Err(format!(
                "the lead {} is not among the members it names",
                self.lead
            ));
        }
        at_most("milestones", &self.milestones, MAX_LIST)?;
        for m in &self.milestones {
            slug("milestone", &m.id)?;
            text("milestone's title", &m.title, MAX_TITLE, true)?;
            date("milestone due date", &m.due)?;
        }
        unique("milestone", self.milestones.iter().map(|m| m.id.as_str()))?;
        at_most("indicators", &self.indicators, 20)?;
        for i in &self.indicators {
            i.validate()?;
        }
        unique("indicator", self.indicators.iter().map(|i| i.id.as_str()))?;
        month("due", &self.due).map(drop)
    }

    /// Every text a person typed, for the rule on control characters.
    fn texts(&self) -> Vec<(&'static str, &str, bool)> {
        let mut all = vec![
            ("title", self.title.as_str(), false),
            ("objective", self.objective.as_str(), true),
        ];
        all.extend(self.outputs.iter().map(|o| ("output", o.as_str(), false)));
        for a in &self.activities {
            all.push(("activity", a.what.as_str(), false));
            all.push((
                "activity's responsible party",
                a.responsible.as_str(),
                false,
            ));
        }
        all.extend(
            self.milestones
                .iter()
                .map(|m| ("milestone", m.title.as_str(), false)),
        );
        all.extend(
            self.indicators
                .iter()
                .map(|i| ("indicator", i.name.as_str(), false)),
        );
        all
    }
}

impl WorkplanItem {
    pub fn validate(&self) -> Result<(), String> {
        self.content.validate()
    }
}

impl Amendment {
    pub fn validate(&self) -> Result<(), String> {
        self.base.validate()?;
        text("note", &self.note, MAX_TEXT, false)?;
        self.content.validate()
    }
}

impl ItemUpdate {
    pub fn validate(&self) -> Result<(), String> {
        date("update date", &self.date)?;
        if let Some(s) = &self.status
            && !UPDATE_STATUSES.contains(&s.as_str())
        {
            return Err(format!(
                "status {s:?} is not one of {}",
                UPDATE_STATUSES.join(", ")
            ));
        }
        at_most("milestones", &self.milestones, MAX_LIST)?;
        for m in &self.milestones {
            slug("milestone", m)?;
        }
        unique("milestone", self.milestones.iter().map(String::as_str))?;
        at_most("values", &self.values, 20)?;
        for v in &self.values {
            slug("indicator", &v.indicator)?;
            date("value date", &v.date)?;
        }
        if self.status.is_none()
            && self.milestones.is_empty()
            && self.values.is_empty()
            && self.note.trim().is_empty()
        {
            return Err(
                "the update says nothing: give a status, a milestone, a value or a note".into(),
            );
        }
        text("note", &self.note, MAX_TEXT, false)
    }
}

impl PositionRequest {
    pub fn validate(&self) -> Result<(), String> {
        self.version.validate()?;
        if self.from.is_empty() {
            return Err("the request names no member".into());
        }
        at_most("members", &self.from, 100)?;
        unique("member", self.from.iter().map(MemberId::as_str))?;
        date("the date positions are asked by", &self.by)?;
        text("note", &self.note, MAX_TEXT, false)
    }
}

// ---- payloads --------------------------------------------------------------

/// Payload version 1 of `workplan-item`: title, recommendations, lead, members,
/// due month; proposed by its author.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemV1 {
    title: String,
    draws_on: Vec<RecordId>,
    lead: MemberId,
    members: Vec<MemberId>,
    due: String,
}

/// Version 1 of `endorsement`: an item with no versions, so version 1.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndorsementV1 {
    item: RecordId,
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectionV1 {
    item: RecordId,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateV1 {
    item: RecordId,
    status: String,
    #[serde(default)]
    milestone: String,
    #[serde(default)]
    note: String,
}

fn legacy(version: u32) -> VersionRef {
    VersionRef {
        version,
        hash: None,
    }
}

fn item_v1(v1: ItemV1) -> Result<WorkplanItem, String> {
    text("title", &v1.title, MAX_TITLE, true)?;
    month("due", &v1.due)?;
    if v1.draws_on.is_empty() || v1.members.is_empty() || !v1.members.contains(&v1.lead) {
        return Err(
            "the item names no recommendation, no member, or a lead it does not name".into(),
        );
    }
    unique("member", v1.members.iter().map(MemberId::as_str))?;
    Ok(WorkplanItem {
        proposed: true,
        content: ItemContent {
            title: v1.title,
            objective: String::new(),
            outputs: Vec::new(),
            activities: Vec::new(),
            draws_on: v1.draws_on,
            lead: v1.lead,
            members: v1.members,
            milestones: Vec::new(),
            indicators: Vec::new(),
            due: v1.due,
        },
    })
}

fn update_v1(v1: UpdateV1) -> Result<ItemUpdate, String> {
    let status = match v1.status.as_str() {
        "in-progress" | "delayed" => "in-progress",
        "completed" => "done",
        "dropped" => "dropped",
        other => {
            return Err(format!(
                "status {other:?} is not one of in-progress, delayed, completed, dropped"
            ));
        }
    };
    let mut note = v1.note;
    if v1.status == "delayed" {
        note = format!("(recorded as delayed) {note}");
    }
    if !v1.milestone.is_empty() {
        note = format!("milestone: {}. {note}", v1.milestone);
    }
    text("note", &note, 2 * MAX_TEXT, false)?;
    Ok(ItemUpdate {
        item: v1.item,
        date: String::new(),
        status: Some(status.into()),
        milestones: Vec::new(),
        values: Vec::new(),
        note,
    })
}

crate::payload::json_payload!(WorkplanItem, PayloadKind::WORKPLAN_ITEM, 2, WorkplanItem::validate, v1: ItemV1 => item_v1);
crate::payload::json_payload!(Endorsement, PayloadKind::ENDORSEMENT, 2, |e| {
    e.version.validate()?;
    text("note", &e.note, MAX_TEXT, false)
}, v1: EndorsementV1 => |v1| {
    text("note", &v1.note, MAX_TEXT, false)?;
    Ok(Endorsement {
        item: v1.item,
        version: legacy(1),
        note: v1.note,
    })
});
crate::payload::json_payload!(Objection, PayloadKind::OBJECTION, 2, |o| {
    o.version.validate()?;
    text("reason", &o.reason, MAX_TEXT, true)
}, v1: ObjectionV1 => |v1| {
    text("reason", &v1.reason, MAX_TEXT, true)?;
    Ok(Objection {
        item: v1.item,
        version: legacy(1),
        reason: v1.reason,
        contests_editorial: false,
    })
});
crate::payload::json_payload!(ItemUpdate, PayloadKind::ITEM_UPDATE, 2, ItemUpdate::validate, v1: UpdateV1 => update_v1);
crate::payload::json_payload!(
    Amendment,
    PayloadKind::ITEM_AMENDMENT,
    1,
    Amendment::validate
);
crate::payload::json_payload!(Proposal, PayloadKind::ITEM_PROPOSAL, 1, |p| {
    p.version.validate()?;
    text("note", &p.note, MAX_TEXT, false)
});
crate::payload::json_payload!(Answer, PayloadKind::ANSWER, 1, |a| text(
    "answer", &a.text, MAX_TEXT, true
));
crate::payload::json_payload!(Comment, PayloadKind::COMMENT, 1, |c| text(
    "comment", &c.text, MAX_TEXT, true
));
crate::payload::json_payload!(
    PositionRequest,
    PayloadKind::POSITION_REQUEST,
    1,
    PositionRequest::validate
);

/// The texts of a work-plan record a person typed: (what, text, many lines).
pub(crate) fn typed_texts(record: &Record) -> Vec<(&'static str, &str, bool)> {
    match record {
        Record::Item(i) => i.content.texts(),
        Record::Amendment(a) => {
            let mut t = a.content.texts();
            t.push(("note", &a.note, true));
            t
        }
        Record::Proposal(p) => vec![("note", &p.note, true)],
        Record::Endorsement(e) => vec![("note", &e.note, true)],
        Record::Objection(o) => vec![("reason", &o.reason, true)],
        Record::Answer(a) => vec![("answer", &a.text, true)],
        Record::Comment(c) => vec![("comment", &c.text, true)],
        Record::Request(r) => vec![("note", &r.note, true)],
        Record::Update(u) => vec![("note", &u.note, true)],
        Record::Workshop(w) => w.texts(),
        Record::PilotRecord(p) => p.texts(),
        Record::Progress(p) => p.texts(),
        Record::Translation(t) => t.texts(),
        _ => Vec::new(),
    }
}

// ---- the computed plan -----------------------------------------------------

/// One version of an item as computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: u32,
    /// The event that made it, and its hash (what endorsements name).
    pub id: RecordId,
    pub hash: String,
    pub by: MemberId,
    pub time_ms: i64,
    /// `opened` for version 1, else `material` or `editorial` (after a contest,
    /// `material (contested)`).
    pub change: String,
    pub note: String,
    pub content: ItemContent,
    /// When a language was asked for: whether `content`'s title and
    /// objective are a translation of this version (and whose) or the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<crate::translation::Shown>,
}

/// A member's position on the version shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionView {
    pub member: MemberId,
    /// pending, endorsed, objected.
    pub position: String,
    /// The event, and the version it named (an earlier one kept by editorial
    /// amendments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RecordId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// The member's last word on an earlier version no longer counted (after a
    /// material amendment), to explain a pending position.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub earlier: String,
}

/// The positions on one version and whether they agree it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub version: u32,
    pub positions: Vec<PositionView>,
    pub endorsed: usize,
    /// Endorsements needed: the federation's work-plan quorum of the members
    /// the version names.
    pub needed: usize,
    pub objected: usize,
    pub agreed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerView {
    pub id: RecordId,
    pub by: MemberId,
    pub time_ms: i64,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionView {
    pub id: RecordId,
    pub member: MemberId,
    pub version: u32,
    pub time_ms: i64,
    pub reason: String,
    pub contests_editorial: bool,
    pub answers: Vec<AnswerView>,
}

/// A partner organisation's advisory position on a version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisoryView {
    pub id: RecordId,
    /// `KH/kh-bar`.
    pub by: String,
    /// endorsed or objected.
    pub position: String,
    pub version: u32,
    pub time_ms: i64,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: RecordId,
    pub by: String,
    pub time_ms: i64,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub id: RecordId,
    pub by: MemberId,
    pub version: u32,
    pub from: Vec<MemberId>,
    pub due: String,
    pub note: String,
    /// Those asked whose position on that version is still pending.
    pub awaited: Vec<MemberId>,
    /// Past its date at `as_of` with positions still awaited.
    pub overdue: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateView {
    pub id: RecordId,
    pub by: String,
    pub time_ms: i64,
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub milestones: Vec<String>,
    pub values: Vec<ReportedValue>,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneView {
    #[serde(flatten)]
    pub milestone: Milestone,
    /// The update that marked it reached, and its date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reached: Option<(RecordId, String)>,
    pub overdue: bool,
}

/// A value of an indicator, with where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorValue {
    /// YYYY-MM-DD (for a series: the last day of the period).
    pub date: String,
    /// `None` for a figure that was withheld.
    pub value: Option<Decimal>,
    /// reported, published, lower-bound, noised, suppressed, not-additive.
    pub status: String,
    /// The record that reported it, or the period of the series.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_error: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorView {
    #[serde(flatten)]
    pub indicator: Indicator,
    /// Oldest first.
    pub values: Vec<IndicatorValue>,
    /// The newest value that has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest: Option<IndicatorValue>,
    /// How far the latest value has come from the baseline to the target, in
    /// percent (`None` without a value, or when target equals baseline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_percent: Option<f64>,
    /// What a reader must know about the latest value (a lower bound, noise).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub caveat: String,
}

/// Something awaited from a party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Awaited {
    /// A member id, or `proposer or lead`.
    pub from: String,
    pub what: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
    pub overdue: bool,
}

/// One line of an item's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub time_ms: i64,
    pub id: RecordId,
    pub by: String,
    /// opened, amended, proposed, endorsed, objected, answered, commented,
    /// requested, updated.
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    pub text: String,
}

/// One position on a version of an item, as `view endorsements` exports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionRow {
    pub item: RecordId,
    /// The event that took the position.
    pub event: RecordId,
    pub time_ms: i64,
    /// A member, or a partner organisation as `KH/kh-bar`.
    pub by: String,
    /// `endorsed` (a proposal counts as its proposer's endorsement) or `objected`.
    pub position: String,
    pub version: u32,
    /// Whether it counts toward agreement now: a member's latest word on the
    /// current or agreed version; a partner's never does.
    pub counted: bool,
    /// A partner organisation's position (advisory).
    pub advisory: bool,
    pub text: String,
}

/// Every position taken on `items`, oldest first within each item: members'
/// from the timeline, partners' advisory ones.
pub fn position_rows(items: &[ItemView]) -> Vec<PositionRow> {
    let mut rows = Vec::new();
    for item in items {
        let counted: Vec<&RecordId> = std::iter::once(&item.tally)
            .chain(item.agreed_tally.as_ref())
            .flat_map(|t| t.positions.iter().filter_map(|p| p.id.as_ref()))
            .collect();
        let mut of_item: Vec<PositionRow> = item
            .timeline
            .iter()
            .filter(|t| matches!(t.action.as_str(), "proposed" | "endorsed" | "objected"))
            .filter_map(|t| {
                Some(PositionRow {
                    item: item.id.clone(),
                    event: t.id.clone(),
                    time_ms: t.time_ms,
                    by: t.by.clone(),
                    position: if t.action == "objected" {
                        "objected"
                    } else {
                        "endorsed"
                    }
                    .into(),
                    version: t.version?,
                    counted: counted.contains(&&t.id),
                    advisory: false,
                    text: t.text.clone(),
                })
            })
            .filter(|r| !item.advisory.iter().any(|a| a.id == r.event))
            .collect();
        of_item.extend(item.advisory.iter().map(|a| PositionRow {
            item: item.id.clone(),
            event: a.id.clone(),
            time_ms: a.time_ms,
            by: a.by.clone(),
            position: a.position.clone(),
            version: a.version,
            counted: false,
            advisory: true,
            text: a.text.clone(),
        }));
        of_item.sort_by(|a, b| (a.time_ms, &a.event).cmp(&(b.time_ms, &b.event)));
        rows.extend(of_item);
    }
    rows
}

/// A work-plan item as computed from every event about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    pub id: RecordId,
    /// Who opened it (a member, or a coordinator for a draft).
    pub opened_by: MemberId,
    pub time_ms: i64,
    /// One of [`STAGES`].
    pub stage: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposer: Option<MemberId>,
    /// The newest version number, and the version agreed (the newest that
    /// reached its quorum).
    pub current_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreed_version: Option<u32>,
    /// Every version, oldest first.
    pub versions: Vec<VersionView>,
    /// The positions on the current version, and on the agreed one when older.
    pub tally: Tally,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreed_tally: Option<Tally>,
    pub draws_on: Vec<crate::plan::Reference>,
    pub objections: Vec<ObjectionView>,
    /// Partner organisations' positions: shown beside the members', never
    /// counted toward agreement.
    #[serde(default)]
    pub advisory: Vec<AdvisoryView>,
    pub comments: Vec<CommentView>,
    pub requests: Vec<RequestView>,
    pub updates: Vec<UpdateView>,
    /// Of the version in force (agreed, else current).
    pub milestones: Vec<MilestoneView>,
    pub indicators: Vec<IndicatorView>,
    pub overdue: bool,
    pub at_risk: bool,
    /// Why it is overdue or at risk.
    pub flags: Vec<String>,
    pub awaited: Vec<Awaited>,
    pub timeline: Vec<TimelineEntry>,
    /// What was not applied, and why.
    pub problems: Vec<String>,
}

impl ItemView {
    /// The version in force: the agreed one, else the newest.
    pub fn in_force(&self) -> &VersionView {
        let n = self.agreed_version.unwrap_or(self.current_version);
        &self.versions[(n as usize).saturating_sub(1).min(self.versions.len() - 1)]
    }
}

fn day_of(time_ms: i64) -> Date {
    Date::from_days(time_ms.div_euclid(86_400_000))
}

fn matches(r: &VersionRef, v: &VersionView) -> bool {
    r.version == v.version
        && match &r.hash {
            Some(h) => h.eq_ignore_ascii_case(&v.hash),
            None => v.version == 1,
        }
}

/// A member's proposal, endorsement or objection of a version.
struct PositionEvent<'a> {
    id: &'a RecordId,
    time_ms: i64,
    version: VersionRef,
    endorse: bool,
    text: &'a str,
}

/// The plan records grouped by what they refer to, built once per computation,
/// so that each item costs what its own records cost, not the whole plan.
struct Index<'a> {
    about: BTreeMap<&'a RecordId, Vec<(&'a RecordId, &'a Entry)>>,
    answers: BTreeMap<&'a RecordId, Vec<(&'a RecordId, &'a Entry)>>,
    comments: BTreeMap<&'a RecordId, Vec<(&'a RecordId, &'a Entry)>>,
    pilots: Vec<crate::plan::PilotView>,
    pilot_records: Vec<crate::pilot::PilotRecordView>,
}

impl<'a> Index<'a> {
    fn of(registry: &'a Registry) -> Self {
        let mut index = Index {
            about: BTreeMap::new(),
            answers: BTreeMap::new(),
            comments: BTreeMap::new(),
            pilots: registry.pilots(),
            pilot_records: registry.pilot_records(),
        };
        for (id, e) in registry.entries() {
            let (map, target) = match &e.record {
                Record::Answer(a) => (&mut index.answers, &a.objection),
                Record::Comment(c) => (&mut index.comments, &c.on),
                other => match other.item() {
                    Some(item) => (&mut index.about, item),
                    None => continue,
                },
            };
            map.entry(target).or_default().push((id, e));
        }
        index
    }

    /// The records about the item `target` (amendments, proposals, positions,
    /// requests, updates), by id.
    fn about(&self, target: &RecordId) -> impl Iterator<Item = (&'a RecordId, &'a Entry)> + '_ {
        self.about.get(target).into_iter().flatten().copied()
    }

    fn of_kind(
        map: &BTreeMap<&'a RecordId, Vec<(&'a RecordId, &'a Entry)>>,
        target: &RecordId,
    ) -> Vec<(&'a RecordId, &'a Entry)> {
        map.get(target).cloned().unwrap_or_default()
    }
}

impl Registry {
    /// Every work-plan item, by id, under the federation's work-plan quorum, with
    /// flags computed against `as_of`.
    pub fn items(&self, quorum: Quorum, as_of: Date) -> Vec<ItemView> {
        let index = Index::of(self);
        self.entries()
            .filter_map(|(id, e)| match &e.record {
                Record::Item(item) => Some(self.item(&index, id, e, item, quorum, as_of)),
                _ => None,
            })
            .collect()
    }

    /// One item, if `id` is one.
    pub fn item_view(&self, id: &RecordId, quorum: Quorum, as_of: Date) -> Option<ItemView> {
        let entry = self.get(id)?;
        let Record::Item(item) = &entry.record else {
            return None;
        };
        Some(self.item(&Index::of(self), id, entry, item, quorum, as_of))
    }

    fn item(
        &self,
        index: &Index,
        id: &RecordId,
        opened: &Entry,
        item: &WorkplanItem,
        quorum: Quorum,
        as_of: Date,
    ) -> ItemView {
        let mut problems = Vec::new();
        // A member that runs a node speaks in its own log; a coordinator only
        // through statements.
        let opened_by_member = !opened.statement;

        // Proposals and positions, by member (each member's events are in its
        // own log, so id order is that member's order). Opening an item as
        // proposed is proposing version 1.
        let mut positions: BTreeMap<MemberId, Vec<PositionEvent>> = BTreeMap::new();
        let mut proposals: Vec<(&RecordId, &VersionRef)> = Vec::new();
        let mut advisory = Vec::new();
        let first = VersionRef::new(1, opened.hash);
        if item.proposed && opened_by_member {
            positions
                .entry(opened.author.clone())
                .or_default()
                .push(PositionEvent {
                    id,
                    time_ms: opened.time_ms,
                    version: first.clone(),
                    endorse: true,
                    text: "proposed it",
                });
        }
        for (pid, e) in index.about(id) {
            let (version, endorse, text) = match &e.record {
                Record::Proposal(p) => {
                    proposals.push((pid, &p.version));
                    (&p.version, true, p.note.as_str())
                }
                Record::Endorsement(x) => (&x.version, true, x.note.as_str()),
                Record::Objection(x) => (&x.version, false, x.reason.as_str()),
                _ => continue,
            };
            if e.statement {
                match &e.partner {
                    // A partner's position is advisory: shown, never counted.
                    Some(_) => advisory.push(AdvisoryView {
                        id: pid.clone(),
                        by: e.by(),
                        position: if endorse { "endorsed" } else { "objected" }.into(),
                        version: version.version,
                        time_ms: e.time_ms,
                        text: text.to_string(),
                    }),
                    None => problems.push(format!(
                        "{pid}: a position by {}, who runs no node; not counted",
                        e.author
                    )),
                }
                continue;
            }
            positions
                .entry(e.author.clone())
                .or_default()
                .push(PositionEvent {
                    id: pid,
                    time_ms: e.time_ms,
                    version: version.clone(),
                    endorse,
                    text,
                });
        }
        for events in positions.values_mut() {
            events.sort_by(|a, b| a.id.cmp(b.id));
        }

        // Versions: the chain of amendments, each from the version before it.
        let mut versions = vec![VersionView {
            version: 1,
            id: id.clone(),
            hash: opened.hash.to_string(),
            by: opened.author.clone(),
            time_ms: opened.time_ms,
            change: "opened".into(),
            note: String::new(),
            content: item.content.clone(),
            shown: None,
        }];
        let amendments: Vec<(&RecordId, &Entry, &Amendment)> = index
            .about(id)
            .filter_map(|(aid, e)| match &e.record {
                Record::Amendment(a) => Some((aid, e, a)),
                _ => None,
            })
            .collect();
        // Which version a valid proposal first names (the item is a draft until
        // then), and by whom.
        let first_proposal = |versions: &[VersionView]| -> Option<(u32, MemberId)> {
            let mut best: Option<(u32, String, MemberId)> = None;
            if item.proposed && opened_by_member {
                best = Some((1, String::new(), opened.author.clone()));
            }
            for (pid, v) in &proposals {
                let Some(named) = versions.iter().find(|x| matches(v, x)) else {
                    continue;
                };
                if !named.content.members.contains(&pid.origin) {
                    continue;
                }
                let key = (named.version, self.hash_of(pid), pid.origin.clone());
                if best.as_ref().is_none_or(|b| (key.0, &key.1) < (b.0, &b.1)) {
                    best = Some(key);
                }
            }
            best.map(|(v, _, m)| (v, m))
        };
        let mut used = BTreeSet::new();
        loop {
            let last = versions
                .last()
                .map(|v| (v.version, v.hash.clone(), v.content.lead.clone()));
            let Some((k, hash, lead)) = last else { break };
            let proposal = first_proposal(&versions);
            let mut candidates: Vec<(&RecordId, &Entry, &Amendment)> = amendments
                .iter()
                .filter(|(_, _, a)| {
                    a.base.version == k && a.base.hash.as_deref() == Some(hash.as_str())
                })
                .copied()
                .collect();
            candidates.sort_by_key(|(aid, _, _)| self.hash_of(aid));
            let mut next = None;
            for (aid, e, a) in candidates {
                let allowed = match &proposal {
                    None => true,
                    Some((_, proposer)) => &e.author == proposer || e.author == lead,
                };
                if !allowed {
                    problems.push(format!(
                        "{aid}: {} amends version {k}, but once proposed only the proposer or the lead {lead} may; not applied",
                        e.author
                    ));
                    used.insert(aid.clone());
                } else if next.is_none() {
                    next = Some((aid, e, a));
                } else {
                    problems.push(format!(
                        "{aid}: a second amendment of version {k} by {}; the one with the smaller event hash became version {}",
                        e.author,
                        k + 1
                    ));
                    used.insert(aid.clone());
                }
            }
            let Some((aid, e, a)) = next else { break };
            used.insert(aid.clone());
            versions.push(VersionView {
                version: k + 1,
                id: aid.clone(),
                hash: e.hash.to_string(),
                by: e.author.clone(),
                time_ms: e.time_ms,
                change: if a.material { "material" } else { "editorial" }.into(),
                note: a.note.clone(),
                content: a.content.clone(),
                shown: None,
            });
        }
        for (aid, _, a) in &amendments {
            if !used.contains(*aid) {
                problems.push(format!(
                    "{aid}: amends {} of {id}, which is not the newest version it could follow; not applied",
                    a.base
                ));
            }
        }

        // Contested editorial amendments become material.
        let mut objections = Vec::new();
        for (oid, e) in index.about(id) {
            let Record::Objection(o) = &e.record else {
                continue;
            };
            let Some(named) = versions.iter().find(|x| matches(&o.version, x)) else {
                problems.push(format!(
                    "{oid}: objects to {}, which is not a version of {id}",
                    o.version
                ));
                continue;
            };
            let (v, named_members) = (named.version, named.content.members.clone());
            objections.push(ObjectionView {
                id: oid.clone(),
                member: e.author.clone(),
                version: v,
                time_ms: e.time_ms,
                reason: o.reason.clone(),
                contests_editorial: o.contests_editorial,
                answers: Vec::new(),
            });
            if o.contests_editorial && named_members.contains(&e.author) {
                let version = &mut versions[v as usize - 1];
                if version.change == "editorial" {
                    version.change = "material (contested)".into();
                }
            }
        }

        let proposal = first_proposal(&versions);
        let tally_of = |n: u32| -> Tally {
            let version = &versions[n as usize - 1];
            // The first version of the class n belongs to: positions on any
            // version from it to n count for n.
            let start = versions[..n as usize]
                .iter()
                .rev()
                .find(|v| v.change != "editorial")
                .map_or(1, |v| v.version);
            let named = &version.content.members;
            let mut views = Vec::new();
            for m in named {
                let events = positions.get(m).map(Vec::as_slice).unwrap_or(&[]);
                let in_class = events.iter().rev().find(|p| {
                    versions[start as usize - 1..n as usize]
                        .iter()
                        .any(|v| matches(&p.version, v))
                });
                let earlier = events
                    .iter()
                    .rev()
                    .find(|p| p.version.version < start)
                    .map(|p| {
                        format!(
                            "{} version {} ({}); a material amendment since",
                            if p.endorse { "endorsed" } else { "objected to" },
                            p.version.version,
                            p.id
                        )
                    })
                    .unwrap_or_default();
                views.push(match in_class {
                    Some(p) => PositionView {
                        member: m.clone(),
                        position: if p.endorse { "endorsed" } else { "objected" }.into(),
                        id: Some(p.id.clone()),
                        version: Some(p.version.version),
                        time_ms: Some(p.time_ms),
                        text: p.text.to_string(),
                        earlier: String::new(),
                    },
                    None => PositionView {
                        member: m.clone(),
                        position: "pending".into(),
                        id: None,
                        version: None,
                        time_ms: None,
                        text: String::new(),
                        earlier,
                    },
                });
            }
            let endorsed = views.iter().filter(|p| p.position == "endorsed").count();
            let objected = views.iter().filter(|p| p.position == "objected").count();
            let needed = quorum.needed(named.len());
            let agreed = proposal.as_ref().is_some_and(|(v, _)| *v <= n)
                && objected == 0
                && endorsed >= needed;
            Tally {
                version: n,
                positions: views,
                endorsed,
                needed,
                objected,
                agreed,
            }
        };
        let current = versions.len() as u32;
        let tally = tally_of(current);
        let agreed_version = (1..=current).rev().find(|n| tally_of(*n).agreed);
        let agreed_tally = agreed_version.filter(|v| *v != current).map(tally_of);
        let in_force = agreed_version.unwrap_or(current) as usize - 1;
        let content = versions[in_force].content.clone();
        if item.proposed && !opened_by_member {
            problems.push(format!(
                "{id}: opened as proposed by {}, who runs no node; it stays a draft until a member proposes it",
                opened.author
            ));
        }
        for (pid, v) in &proposals {
            match versions.iter().find(|x| matches(v, x)) {
                None => problems.push(format!(
                    "{pid}: proposes {v}, which is not a version of {id}"
                )),
                Some(x) if !x.content.members.contains(&pid.origin) => problems.push(format!(
                    "{pid}: {} proposes version {}, which does not name it",
                    pid.origin, x.version
                )),
                _ => {}
            }
        }
        for (m, events) in &positions {
            for p in events {
                if !versions.iter().any(|x| matches(&p.version, x)) {
                    problems.push(format!(
                        "{}: {m} names {}, which is not a version of {id}",
                        p.id, p.version
                    ));
                } else if !versions[p.version.version as usize - 1]
                    .content
                    .members
                    .contains(m)
                {
                    problems.push(format!(
                        "{}: {m} is not named in version {}; its position is not counted",
                        p.id, p.version.version
                    ));
                }
            }
        }

        // Answers to objections: by the proposer or a lead.
        let leads: BTreeSet<&MemberId> = versions.iter().map(|v| &v.content.lead).collect();
        let mut answered = BTreeSet::new();
        let answers: Vec<(&RecordId, &Entry)> = objections
            .iter()
            .flat_map(|o| Index::of_kind(&index.answers, &o.id))
            .collect();
        for &(aid, e) in &answers {
            let Record::Answer(a) = &e.record else {
                continue;
            };
            let Some(o) = objections.iter_mut().find(|o| o.id == a.objection) else {
                continue;
            };
            let may =
                leads.contains(&e.author) || proposal.as_ref().is_some_and(|(_, p)| p == &e.author);
            if !may {
                problems.push(format!(
                    "{aid}: {} answers {}, but only the proposer or the lead may; not shown as an answer",
                    e.author, a.objection
                ));
                continue;
            }
            answered.insert(o.id.clone());
            o.answers.push(AnswerView {
                id: aid.clone(),
                by: e.author.clone(),
                time_ms: e.time_ms,
                text: a.text.clone(),
            });
        }

        let on_item = Index::of_kind(&index.comments, id);
        let comments: Vec<CommentView> = on_item
            .iter()
            .filter_map(|&(cid, e)| match &e.record {
                Record::Comment(c) if &c.on == id => Some(CommentView {
                    id: cid.clone(),
                    by: e.by(),
                    time_ms: e.time_ms,
                    text: c.text.clone(),
                }),
                _ => None,
            })
            .collect();

        // Requests for positions.
        let mut requests = Vec::new();
        for (rid, e) in index.about(id) {
            let Record::Request(r) = &e.record else {
                continue;
            };
            let Some(named) = versions.iter().find(|x| matches(&r.version, x)) else {
                problems.push(format!(
                    "{rid}: asks for positions on {}, which is not a version of {id}",
                    r.version
                ));
                continue;
            };
            if !e.statement && !leads.contains(&e.author) {
                problems.push(format!(
                    "{rid}: {} asks for positions, but only a coordinator or the lead may; not shown",
                    e.author
                ));
                continue;
            }
            let on = tally_of(named.version);
            let awaited: Vec<MemberId> = r
                .from
                .iter()
                .filter(|m| {
                    on.positions
                        .iter()
                        .any(|p| &p.member == *m && p.position == "pending")
                })
                .cloned()
                .collect();
            let due = Date::parse(&r.by);
            let overdue = !awaited.is_empty() && due.is_some_and(|d| as_of > d);
            requests.push(RequestView {
                id: rid.clone(),
                by: e.author.clone(),
                version: named.version,
                from: r.from.clone(),
                due: r.by.clone(),
                note: r.note.clone(),
                awaited,
                overdue,
            });
        }

        // Updates: the lead (of the version in force) records status once
        // agreed; the members it names record progress.
        let mut updates = Vec::new();
        let mut stage_by_lead: Option<String> = None;
        for (uid, e) in index.about(id) {
            let Record::Update(u) = &e.record else {
                continue;
            };
            if !content.members.contains(&e.author) {
                problems.push(format!(
                    "{uid}: {} records progress but is not named in the item; not applied",
                    e.author
                ));
                continue;
            }
            let mut u = u.clone();
            if let Some(status) = &u.status {
                if e.author != content.lead {
                    problems.push(format!(
                        "{uid}: {} records status {status:?}, but only the lead {} may; the rest of the update is kept",
                        e.author, content.lead
                    ));
                    u.status = None;
                } else if agreed_version.is_none() && status != "dropped" {
                    problems.push(format!(
                        "{uid}: status {status:?} recorded while the item is not agreed; not applied"
                    ));
                    u.status = None;
                } else {
                    stage_by_lead = Some(status.clone());
                }
            }
            if u.date.is_empty() {
                u.date = day_of(e.time_ms).to_string();
            }
            updates.push(UpdateView {
                id: uid.clone(),
                by: e.by(),
                time_ms: e.time_ms,
                date: u.date,
                status: u.status,
                milestones: u.milestones,
                values: u.values,
                note: u.note,
            });
        }
        // Status records are the lead's: its own log's order (id order) decides
        // which is last.

        let stage = match (&stage_by_lead, agreed_version, &proposal) {
            (Some(s), _, _) if s == "dropped" => "dropped".to_string(),
            (Some(s), Some(_), _) => s.clone(),
            (_, Some(_), _) => "agreed".into(),
            (_, None, Some(_)) if tally.objected > 0 => "objected".into(),
            (_, None, Some(_)) => "proposed".into(),
            (_, None, None) => "draft".into(),
        };
        let live = matches!(stage.as_str(), "agreed" | "in-progress");

        // Milestones of the version in force.
        let mut flags = Vec::new();
        let mut at_risk_flags = Vec::new();
        let milestones: Vec<MilestoneView> = content
            .milestones
            .iter()
            .map(|m| {
                let reached = updates
                    .iter()
                    .filter(|u| u.milestones.contains(&m.id))
                    .min_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)))
                    .map(|u| (u.id.clone(), u.date.clone()));
                let due = Date::parse(&m.due);
                let overdue = live && reached.is_none() && due.is_some_and(|d| as_of > d);
                if overdue {
                    flags.push(format!(
                        "milestone {:?} was due on {} and is not reached",
                        m.title, m.due
                    ));
                } else if live
                    && reached.is_none()
                    && due.is_some_and(|d| d.days() - as_of.days() <= AT_RISK_DAYS && d >= as_of)
                {
                    at_risk_flags.push(format!(
                        "milestone {:?} is due on {}, within {AT_RISK_DAYS} days, and not reached",
                        m.title, m.due
                    ));
                }
                MilestoneView {
                    milestone: m.clone(),
                    reached,
                    overdue,
                }
            })
            .collect();
        if live && let Some(end) = month_end(&content.due) {
            if as_of > end {
                flags.push(format!("due in {} and not done", content.due));
            } else if end.days() - as_of.days() <= AT_RISK_DAYS {
                at_risk_flags.push(format!(
                    "due in {}, within {AT_RISK_DAYS} days",
                    content.due
                ));
            }
        }
        let overdue = !flags.is_empty();
        let at_risk = !overdue && !at_risk_flags.is_empty();
        if !overdue {
            flags.extend(at_risk_flags);
        }

        // Indicators: reported values from updates and pilot reports.
        let indicators =
            content
                .indicators
                .iter()
                .map(|ind| {
                    let mut values: Vec<IndicatorValue> = Vec::new();
                    if let Source::Reported { pilot } = &ind.source {
                        for u in &updates {
                            for v in u.values.iter().filter(|v| v.indicator == ind.id) {
                                values.push(IndicatorValue {
                                    date: v.date.clone(),
                                    value: Some(v.value),
                                    status: "reported".into(),
                                    source: format!("{} by {}", u.id, u.by),
                                    standard_error: None,
                                });
                            }
                        }
                        if let Some(pilot) = pilot {
                            // A pilot record's counted values of the indicator of this id.
                            for p in index.pilot_records.iter().filter(|p| &p.pilot == pilot) {
                                if let Some(i) = p.indicators.iter().find(|i| {
                                    i.indicator.id == ind.id && i.indicator.unit == ind.unit
                                }) {
                                    values.extend(i.values.iter().cloned());
                                }
                            }
                            for p in index.pilots.iter().filter(|p| &p.report.pilot == pilot) {
                                let Some(count) = p.report.indicators.get(&ind.id) else {
                                    continue;
                                };
                                let Some(end) = crate::tables::Period::parse(&p.report.period)
                                    .map(|x| x.last_day())
                                else {
                                    continue;
                                };
                                values.push(IndicatorValue {
                                    date: end.to_string(),
                                    value: Some(Decimal::from_units(
                                        i64::try_from(*count).unwrap_or(i64::MAX / Decimal::SCALE),
                                    )),
                                    status: "reported".into(),
                                    source: format!("pilot report {} by {}", p.id, p.member),
                                    standard_error: None,
                                });
                            }
                        }
                    }
                    indicator_view(ind.clone(), values)
                })
                .collect();

        // What is awaited, from whom.
        let mut awaited = Vec::new();
        if stage == "proposed"
            || stage == "objected"
            || (agreed_version.is_some() && agreed_version != Some(current))
        {
            for p in tally.positions.iter().filter(|p| p.position == "pending") {
                let request = requests
                    .iter()
                    .filter(|r| r.version == current && r.awaited.contains(&p.member))
                    .min_by(|a, b| a.due.cmp(&b.due));
                awaited.push(Awaited {
                    from: p.member.to_string(),
                    what: format!("a position on version {current}"),
                    by: request.map(|r| r.due.clone()).unwrap_or_default(),
                    overdue: request.is_some_and(|r| r.overdue),
                });
            }
        }
        if stage == "draft" {
            awaited.push(Awaited {
                from: content
                    .members
                    .iter()
                    .map(MemberId::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                what: "a member to propose it".into(),
                by: String::new(),
                overdue: false,
            });
        }
        for o in objections.iter().filter(|o| !answered.contains(&o.id)) {
            awaited.push(Awaited {
                from: match &proposal {
                    Some((_, p)) if *p != content.lead => format!("{p} or {}", content.lead),
                    _ => content.lead.to_string(),
                },
                what: format!("an answer to {}'s objection {}", o.member, o.id),
                by: String::new(),
                overdue: false,
            });
        }

        // One timeline: every event about the item, by signed time, then id.
        let mut timeline: Vec<TimelineEntry> = Vec::new();
        let version_of =
            |r: &VersionRef| versions.iter().find(|x| matches(r, x)).map(|x| x.version);
        timeline.push(TimelineEntry {
            time_ms: opened.time_ms,
            id: id.clone(),
            by: opened.by(),
            action: if item.proposed { "proposed" } else { "opened" }.into(),
            version: Some(1),
            text: format!(
                "{} (version 1{})",
                item.content.title,
                if item.proposed { "" } else { ", a draft" }
            ),
        });
        let mentions: Vec<(&RecordId, &Entry)> = index
            .about(id)
            .chain(answers.iter().copied())
            .chain(on_item.iter().copied())
            .collect();
        for (eid, e) in mentions {
            let (action, version, text) = match &e.record {
                Record::Amendment(a) if &a.item == id => {
                    let v = versions.iter().find(|x| &x.id == eid);
                    (
                        "amended",
                        v.map(|x| x.version),
                        match v {
                            Some(x) => format!("version {}, {}: {}", x.version, x.change, a.note),
                            None => format!("an amendment not applied: {}", a.note),
                        },
                    )
                }
                Record::Proposal(p) if &p.item == id => {
                    ("proposed", version_of(&p.version), p.note.clone())
                }
                Record::Endorsement(x) if &x.item == id => {
                    ("endorsed", version_of(&x.version), x.note.clone())
                }
                Record::Objection(x) if &x.item == id => (
                    "objected",
                    version_of(&x.version),
                    if x.contests_editorial {
                        format!("contests the editorial amendment: {}", x.reason)
                    } else {
                        x.reason.clone()
                    },
                ),
                Record::Answer(a) if objections.iter().any(|o| o.id == a.objection) => {
                    ("answered", None, format!("to {}: {}", a.objection, a.text))
                }
                Record::Comment(c) if &c.on == id => ("commented", None, c.text.clone()),
                Record::Request(r) if &r.item == id => (
                    "requested",
                    version_of(&r.version),
                    format!(
                        "positions from {} by {}{}",
                        r.from
                            .iter()
                            .map(MemberId::as_str)
                            .collect::<Vec<_>>()
                            .join(", "),
                        r.by,
                        if r.note.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", r.note)
                        }
                    ),
                ),
                Record::Update(u) if &u.item == id => {
                    let mut parts = Vec::new();
                    if let Some(s) = &u.status {
                        parts.push(format!("status {s}"));
                    }
                    if !u.milestones.is_empty() {
                        parts.push(format!("reached {}", u.milestones.join(", ")));
                    }
                    for v in &u.values {
                        parts.push(format!("{} = {} on {}", v.indicator, v.value, v.date));
                    }
                    if !u.note.is_empty() {
                        parts.push(u.note.clone());
                    }
                    ("updated", None, parts.join("; "))
                }
                _ => continue,
            };
            timeline.push(TimelineEntry {
                time_ms: e.time_ms,
                id: eid.clone(),
                by: e.by(),
                action: action.into(),
                version,
                text,
            });
        }
        timeline.sort_by(|a, b| (a.time_ms, &a.id).cmp(&(b.time_ms, &b.id)));

        let draws_on = content
            .draws_on
            .iter()
            .map(|r| {
                let title = self.recommendation(r).map(|x| x.title.clone());
                if title.is_none() {
                    problems.push(format!(
                        "draws on {r}, which this node holds no recommendation as"
                    ));
                }
                crate::plan::Reference {
                    id: r.clone(),
                    title,
                }
            })
            .collect();

        ItemView {
            id: id.clone(),
            opened_by: opened.author.clone(),
            time_ms: opened.time_ms,
            stage,
            proposer: proposal.map(|(_, m)| m),
            current_version: current,
            agreed_version,
            versions,
            tally,
            agreed_tally,
            draws_on,
            objections,
            advisory,
            comments,
            requests,
            updates,
            milestones,
            indicators,
            overdue,
            at_risk,
            flags,
            awaited,
            timeline,
            problems,
        }
    }
}

impl Registry {
    /// Whether a record `author` is about to have appended to `carrier`'s log
    /// (the same member, or a coordinator's statement) would be shown as a
    /// problem here: a reference to nothing, a position by a member the item
    /// does not name or on a version that is not the newest, an amendment that
    /// is not of the newest version or by someone who may not amend, a status by
    /// another than the lead, an answer by another than the proposer or lead.
    /// The rules are the ones [`Registry::items`] applies; this asks them before
    /// the event exists, so an operator learns it at once.
    pub fn check_new(
        &self,
        carrier: &MemberId,
        author: &MemberId,
        partner: Option<&str>,
        record: Record,
        quorum: Quorum,
    ) -> Result<(), String> {
        let id = RecordId {
            origin: carrier.clone(),
            seq: u64::MAX,
        };
        // The record as it would be held, signed last.
        let entry = Entry {
            time_ms: i64::MAX,
            record: record.clone(),
            author: author.clone(),
            statement: author != carrier || partner.is_some(),
            partner: partner.map(str::to_string),
            hash: EventHash([0xff; 32]),
        };
        let newest = |item: &RecordId| self.item_view(item, quorum, Date::from_days(0));
        let target_missing = |target: &RecordId, what: &str| {
            Err(format!(
                "{target} is not a {what} this node holds (check the id, or wait until it has replicated)"
            ))
        };
        match &record {
            Record::Status(s) if self.recommendation(&s.recommendation).is_none() => {
                return target_missing(&s.recommendation, "recommendation");
            }
            Record::Pilot(p) => {
                if let Some(t) = p.tests.iter().find(|t| self.recommendation(t).is_none()) {
                    return target_missing(t, "recommendation");
                }
            }
            Record::Translation(t) => {
                return crate::translation::problem(self, t).map_or(Ok(()), Err);
            }
            Record::Workshop(w) => {
                return match w
                    .validated
                    .iter()
                    .find(|r| self.recommendation(r).is_none())
                {
                    Some(r) => target_missing(r, "recommendation"),
                    None => Ok(()),
                };
            }
            Record::PilotRecord(_) | Record::Progress(_) => {
                return self.check_pilot(&id, &entry);
            }
            Record::Comment(c)
                if !matches!(
                    self.get(&c.on).map(|e| &e.record),
                    Some(Record::Item(_) | Record::Recommendation(_))
                ) =>
            {
                return target_missing(&c.on, "work-plan item or recommendation");
            }
            Record::Answer(a)
                if !matches!(
                    self.get(&a.objection).map(|e| &e.record),
                    Some(Record::Objection(_))
                ) =>
            {
                return target_missing(&a.objection, "objection");
            }
            other => {
                if let Some(item) = other.item() {
                    let Some(view) = newest(item) else {
                        return target_missing(item, "work-plan item");
                    };
                    let named = match other {
                        Record::Proposal(p) => Some(&p.version),
                        Record::Endorsement(e) => Some(&e.version),
                        Record::Objection(o) if !o.contests_editorial => Some(&o.version),
                        Record::Amendment(a) => Some(&a.base),
                        _ => None,
                    };
                    if let Some(v) = named {
                        let current = view.versions.last().map(|x| (x.version, x.hash.clone()));
                        if let Some((n, hash)) = current
                            && (v.version != n || v.hash.as_deref() != Some(hash.as_str()))
                        {
                            return Err(format!(
                                "{item} is at version {n} ({}…); this names {v}: act on the newest version",
                                &hash[..12]
                            ));
                        }
                    }
                }
            }
        }
        let mut with = self.clone();
        with.insert(id.clone(), entry);
        let mine = format!("{id}");
        // Only the item the record is about can show a problem of it.
        let target = match &record {
            Record::Item(_) => Some(id.clone()),
            Record::Answer(a) => with
                .get(&a.objection)
                .and_then(|e| e.record.item())
                .cloned(),
            Record::Comment(c) => Some(c.on.clone()),
            other => other.item().cloned(),
        };
        let mut problems: Vec<String> = Vec::new();
        if let Some(view) = target.and_then(|t| with.item_view(&t, quorum, Date::from_days(0))) {
            let own = view.id == id;
            problems.extend(
                view.problems
                    .into_iter()
                    .filter(|p| own || p.contains(&mine)),
            );
        }
        match problems.first() {
            None => Ok(()),
            Some(p) => Err(p
                .replace(&format!("{mine}: "), "")
                .replace(&mine, "this record")),
        }
    }
}

/// An indicator with its values (oldest first), its latest value and how far it
/// has come.
pub fn indicator_view(indicator: Indicator, mut values: Vec<IndicatorValue>) -> IndicatorView {
    values.sort_by(|a, b| (&a.date, &a.source).cmp(&(&b.date, &b.source)));
    let latest = values.iter().rev().find(|v| v.value.is_some()).cloned();
    let progress_percent = latest.as_ref().and_then(|l| {
        let span = indicator.target.value.raw() - indicator.baseline.value.raw();
        let value = l.value?;
        (span != 0).then(|| {
            let p = (value.raw() - indicator.baseline.value.raw()) as f64 / span as f64 * 100.0;
            (p * 10.0).round() / 10.0
        })
    });
    let caveat = match latest.as_ref().map(|l| l.status.as_str()) {
        Some("lower-bound") => "a lower bound: some members' figures are withheld".into(),
        Some("noised") => "an estimate: the figure carries noise (standard error given)".into(),
        Some("noised-lower-bound") => "an estimate and a lower bound".into(),
        _ if values.iter().any(|v| v.value.is_none()) => {
            "some periods' figures are withheld and not shown".into()
        }
        _ => String::new(),
    };
    IndicatorView {
        indicator,
        values,
        latest,
        progress_percent,
        caveat,
    }
}

/// The periods a series-sourced indicator follows in a federation of `grain`:
/// from the first of the baseline's year to the last of the target's.
pub fn series_periods(
    indicator: &Indicator,
    grain: crate::tables::Grain,
) -> Option<(crate::tables::Period, crate::tables::Period)> {
    use crate::tables::{Grain, Period};
    let first = Date::parse(&indicator.baseline.date)?.year;
    let last = Date::parse(&indicator.target.date)?.year;
    Some(match grain {
        Grain::Month => (Period::Month(first, 1), Period::Month(last, 12)),
        Grain::Quarter => (Period::Quarter(first, 1), Period::Quarter(last, 4)),
        Grain::Year => (Period::Year(first), Period::Year(last)),
    })
}

/// Fills a series-sourced indicator's values from the regional view's series
/// of its cell (`regional::Series`): one value per period, its figure's status
/// carried along, withheld figures without a value.
pub fn attach_series(view: &mut IndicatorView, series: &crate::regional::Series) {
    let values = series
        .points
        .iter()
        .filter_map(|p| {
            let end = crate::tables::Period::parse(&p.period)?.last_day();
            let figure = &p.regional;
            Some(IndicatorValue {
                date: end.to_string(),
                value: figure.value.map(Decimal::from_units),
                status: serde_json::to_value(figure.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                source: format!("releases of {}", p.period),
                standard_error: figure.variance.map(|v| v.standard_error()),
            })
        })
        .collect();
    *view = indicator_view(view.indicator.clone(), values);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::event::SignedEvent;
    use crate::payload::Payload as _;
    use crate::plan::testing::{Histories, key, member, recommendation};
    use crate::statement::Statement;

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn content(title: &str, draws_on: Vec<RecordId>) -> ItemContent {
        ItemContent {
            title: title.into(),
            objective: "Workers referred across borders reach a remedy".into(),
            outputs: vec!["A signed referral protocol".into()],
            activities: vec![Activity {
                what: "Draft the protocol".into(),
                responsible: "JP".into(),
                start: "2026-01-01".into(),
                end: "2026-06-30".into(),
            }],
            draws_on,
            lead: member("JP"),
            members: ["KH", "ID", "VN", "JP"].map(member).to_vec(),
            milestones: vec![Milestone {
                id: "protocol-signed".into(),
                title: "Protocol signed by all four".into(),
                due: "2026-12-01".into(),
            }],
            indicators: vec![
                Indicator {
                    id: "referred-cases".into(),
                    name: "Cases referred through the MRC channel".into(),
                    unit: "count".into(),
                    currency: None,
                    baseline: Point {
                        value: Decimal::parse("40").unwrap(),
                        date: "2025-12-31".into(),
                    },
                    target: Point {
                        value: Decimal::parse("120").unwrap(),
                        date: "2027-12-31".into(),
                    },
                    source: Source::Series(SeriesSource {
                        members: vec![member("KH")],
                        table: "channel-outcome".into(),
                        row: "mrc".into(),
                        column: "total".into(),
                    }),
                },
                Indicator {
                    id: "staff-trained".into(),
                    name: "Referral staff trained".into(),
                    unit: "percentage".into(),
                    currency: None,
                    baseline: Point {
                        value: Decimal::parse("0").unwrap(),
                        date: "2025-12-31".into(),
                    },
                    target: Point {
                        value: Decimal::parse("80").unwrap(),
                        date: "2026-12-31".into(),
                    },
                    source: Source::Reported { pilot: None },
                },
            ],
            due: "2027-06".into(),
        }
    }

    /// A coordinator's record, carried by `carrier`.
    fn statement(h: &mut Histories, carrier: &str, draft: crate::Draft) -> RecordId {
        let s = Statement::sign(&member("ILO"), &key("ILO"), &draft);
        h.add(carrier, s.to_draft())
    }

    fn version(h: &Histories, id: &RecordId, n: u32) -> VersionRef {
        VersionRef::new(n, h.event(id).hash())
    }

    fn registry(events: &[&SignedEvent]) -> Registry {
        let mut r = Registry::new();
        for e in events {
            r.apply(e);
        }
        r
    }

    fn plan(h: &Histories, as_of: &str) -> ItemView {
        let all: Vec<&SignedEvent> = h.events.iter().collect();
        let mut items = registry(&all).items(Quorum::All, day(as_of));
        assert_eq!(items.len(), 1);
        items.remove(0)
    }

    struct Cycle {
        h: Histories,
        item: RecordId,
        objection: RecordId,
        v2: RecordId,
    }

    /// The issue's cycle: a coordinator's draft, JP's proposal, VN's objection
    /// with a reason and JP's answer, a material amendment, endorsements of
    /// version 2 by all, progress.
    fn cycle() -> Cycle {
        let mut h = Histories::new();
        let recs: Vec<RecordId> = ["KH", "ID", "VN"]
            .iter()
            .map(|m| h.add(m, recommendation(&format!("Referral desk {m}")).to_draft()))
            .collect();
        let draft = WorkplanItem {
            proposed: false,
            content: content("Joint referral protocol", recs.clone()),
        };
        let item = statement(&mut h, "KH", draft.to_draft());
        let v1 = version(&h, &item, 1);
        h.add(
            "JP",
            Proposal {
                item: item.clone(),
                version: v1.clone(),
                note: "JP leads".into(),
            }
            .to_draft(),
        );
        statement(
            &mut h,
            "VN",
            PositionRequest {
                item: item.clone(),
                version: v1.clone(),
                from: ["KH", "ID", "VN"].map(member).to_vec(),
                by: "2026-02-15".into(),
                note: "before the regional meeting".into(),
            }
            .to_draft(),
        );
        let objection = h.add(
            "VN",
            Objection {
                item: item.clone(),
                version: v1.clone(),
                reason: "No budget line for interpreters".into(),
                contests_editorial: false,
            }
            .to_draft(),
        );
        h.add(
            "KH",
            Endorsement {
                item: item.clone(),
                version: v1.clone(),
                note: String::new(),
            }
            .to_draft(),
        );
        h.add(
            "JP",
            Answer {
                objection: objection.clone(),
                text: "Version 2 adds one".into(),
            }
            .to_draft(),
        );
        let mut amended = content("Joint referral protocol", recs);
        amended.outputs.push("An interpreters' budget line".into());
        let v2 = h.add(
            "JP",
            Amendment {
                item: item.clone(),
                base: v1,
                material: true,
                note: "adds interpreters".into(),
                content: amended,
            }
            .to_draft(),
        );
        let v2ref = version(&h, &v2, 2);
        for m in ["KH", "ID", "VN", "JP"] {
            h.add(
                m,
                Endorsement {
                    item: item.clone(),
                    version: v2ref.clone(),
                    note: String::new(),
                }
                .to_draft(),
            );
        }
        h.add(
            "JP",
            ItemUpdate {
                item: item.clone(),
                date: "2026-03-01".into(),
                status: Some("in-progress".into()),
                milestones: Vec::new(),
                values: Vec::new(),
                note: "first meeting held".into(),
            }
            .to_draft(),
        );
        h.add(
            "KH",
            ItemUpdate {
                item: item.clone(),
                date: "2026-06-30".into(),
                status: None,
                milestones: Vec::new(),
                values: vec![ReportedValue {
                    indicator: "staff-trained".into(),
                    value: Decimal::parse("37.5").unwrap(),
                    date: "2026-06-30".into(),
                }],
                note: String::new(),
            }
            .to_draft(),
        );
        Cycle {
            h,
            item,
            objection,
            v2,
        }
    }

    #[test]
    fn every_position_is_a_row_and_only_the_latest_words_count() {
        let c = cycle();
        let all: Vec<&SignedEvent> = c.h.events.iter().collect();
        let items = registry(&all).items(Quorum::All, day("2026-07-01"));
        let rows = position_rows(&items);
        // JP's proposal of version 1, VN's objection, KH's endorsement of
        // version 1, then all four endorse version 2.
        let words: Vec<(&str, &str, u32, bool)> = rows
            .iter()
            .map(|r| (r.by.as_str(), r.position.as_str(), r.version, r.counted))
            .collect();
        assert_eq!(
            words,
            [
                ("JP", "endorsed", 1, false),
                ("VN", "objected", 1, false),
                ("KH", "endorsed", 1, false),
                ("KH", "endorsed", 2, true),
                ("ID", "endorsed", 2, true),
                ("VN", "endorsed", 2, true),
                ("JP", "endorsed", 2, true),
            ]
        );
        assert!(rows.iter().all(|r| r.item == c.item && !r.advisory));
        assert!(rows.iter().any(|r| r.event == c.objection));
    }

    #[test]
    fn decimals_read_and_write_exactly() {
        for (text, raw, back) in [
            ("12.5", 125_000, "12.5"),
            ("-0.0001", -1, "-0.0001"),
            ("100", 1_000_000, "100"),
            ("3.1400", 31_400, "3.14"),
        ] {
            let d = Decimal::parse(text).unwrap();
            assert_eq!((d.raw(), d.to_string().as_str()), (raw, back), "{text}");
        }
        for bad in [
            "",
            "1.",
            ".5",
            "1.23456",
            "1e3",
            "+1",
            "1,5",
            "10000000000000",
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_draft_is_proposed_objected_amended_and_agreed_at_version_2() {
        let c = cycle();
        // Before the amendment: a draft by ILO, proposed by JP, objected by VN.
        let upto = |n: usize| {
            let events: Vec<&SignedEvent> = c.h.events[..n].iter().collect();
            registry(&events)
                .items(Quorum::All, day("2026-01-10"))
                .remove(0)
        };
        let draft = upto(4);
        assert_eq!(
            (draft.stage.as_str(), draft.opened_by.as_str()),
            ("draft", "ILO")
        );
        assert!(draft.awaited.iter().any(|a| a.what.contains("propose")));
        let proposed = upto(5);
        assert_eq!(proposed.stage, "proposed");
        assert_eq!(proposed.proposer, Some(member("JP")));
        let jp = proposed
            .tally
            .positions
            .iter()
            .find(|p| p.member.as_str() == "JP")
            .unwrap();
        assert_eq!(
            jp.position, "endorsed",
            "the proposal counts as JP's endorsement"
        );
        let objected = upto(8);
        assert_eq!(objected.stage, "objected");
        assert!(
            objected
                .awaited
                .iter()
                .any(|a| a.what.contains("answer to VN"))
        );
        assert_eq!(objected.requests[0].awaited, vec![member("ID")]);

        let item = plan(&c.h, "2026-07-01");
        assert_eq!(item.id, c.item);
        assert_eq!((item.current_version, item.agreed_version), (2, Some(2)));
        assert_eq!(item.stage, "in-progress");
        assert_eq!(item.versions[1].id, c.v2);
        assert_eq!(item.versions[1].change, "material");
        assert_eq!((item.tally.endorsed, item.tally.needed), (4, 4));
        assert!(item.tally.positions.iter().all(|p| p.version == Some(2)));
        assert_eq!(item.objections[0].id, c.objection);
        assert_eq!(item.objections[0].answers[0].by, member("JP"));
        assert!(item.awaited.is_empty(), "{:?}", item.awaited);
        assert!(item.problems.is_empty(), "{:?}", item.problems);
        assert!(!item.overdue && !item.at_risk, "{:?}", item.flags);
        let staff = &item.indicators[1];
        assert_eq!(staff.latest.as_ref().unwrap().value, Decimal::parse("37.5"));
        assert_eq!(staff.progress_percent, Some(46.9));
        // The timeline: every event about the item in signed time order.
        let actions: Vec<&str> = item.timeline.iter().map(|t| t.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "opened",
                "proposed",
                "requested",
                "objected",
                "endorsed",
                "answered",
                "amended",
                "endorsed",
                "endorsed",
                "endorsed",
                "endorsed",
                "updated",
                "updated"
            ]
        );
        // Version 1's endorsement by KH does not count for version 2.
        let events: Vec<&SignedEvent> = c.h.events[..10].iter().collect();
        let before = registry(&events)
            .items(Quorum::All, day("2026-01-10"))
            .remove(0);
        assert_eq!(before.current_version, 2);
        assert_eq!(before.tally.endorsed, 0, "{:?}", before.tally.positions);
        let kh = before
            .tally
            .positions
            .iter()
            .find(|p| p.member.as_str() == "KH")
            .unwrap();
        assert_eq!(kh.position, "pending");
        assert!(kh.earlier.contains("endorsed version 1"), "{}", kh.earlier);
        // The request's date passed with ID's position awaited.
        let events: Vec<&SignedEvent> = c.h.events[..9].iter().collect();
        let late = registry(&events)
            .items(Quorum::All, day("2026-02-16"))
            .remove(0);
        assert!(late.awaited.iter().any(|a| a.from == "ID" && a.overdue));
    }

    #[test]
    fn a_milestone_past_its_date_makes_the_item_overdue() {
        let mut c = cycle();
        assert!(plan(&c.h, "2026-11-15").at_risk);
        let late = plan(&c.h, "2026-12-02");
        assert!(late.overdue, "{:?}", late.flags);
        assert!(
            late.flags[0].contains("Protocol signed by all four"),
            "{:?}",
            late.flags
        );
        c.h.add(
            "VN",
            ItemUpdate {
                item: c.item.clone(),
                date: "2026-11-20".into(),
                status: None,
                milestones: vec!["protocol-signed".into()],
                values: Vec::new(),
                note: String::new(),
            }
            .to_draft(),
        );
        let reached = plan(&c.h, "2026-12-02");
        assert!(!reached.overdue, "{:?}", reached.flags);
        assert_eq!(
            reached.milestones[0].reached.as_ref().unwrap().1,
            "2026-11-20"
        );
        // Done: never overdue.
        c.h.add(
            "JP",
            ItemUpdate {
                item: c.item.clone(),
                date: "2027-07-01".into(),
                status: Some("done".into()),
                milestones: Vec::new(),
                values: Vec::new(),
                note: String::new(),
            }
            .to_draft(),
        );
        let done = plan(&c.h, "2028-01-01");
        assert_eq!((done.stage.as_str(), done.overdue), ("done", false));
    }

    #[test]
    fn editorial_amendments_keep_positions_until_contested() {
        let mut c = cycle();
        let v2 = version(&c.h, &c.v2, 2);
        let mut fixed = plan(&c.h, "2026-07-01").versions[1].content.clone();
        fixed.title = "Joint referral protocol (typo fixed)".into();
        let v3 = c.h.add(
            "JP",
            Amendment {
                item: c.item.clone(),
                base: v2,
                material: false,
                note: "typo".into(),
                content: fixed,
            }
            .to_draft(),
        );
        let item = plan(&c.h, "2026-07-01");
        assert_eq!((item.current_version, item.agreed_version), (3, Some(3)));
        assert_eq!(item.versions[2].change, "editorial");
        c.h.add(
            "VN",
            Objection {
                item: c.item.clone(),
                version: version(&c.h, &v3, 3),
                reason: "The title change alters the scope".into(),
                contests_editorial: true,
            }
            .to_draft(),
        );
        let item = plan(&c.h, "2026-07-01");
        assert_eq!(item.versions[2].change, "material (contested)");
        assert_eq!((item.current_version, item.agreed_version), (3, Some(2)));
        assert_eq!(
            item.stage, "in-progress",
            "agreed at version 2, version 3 under discussion"
        );
        assert_eq!(item.tally.objected, 1);
        assert_eq!(item.agreed_tally.as_ref().unwrap().endorsed, 4);
        assert!(
            item.awaited
                .iter()
                .any(|a| a.from == "KH" && a.what.contains("version 3"))
        );
    }

    #[test]
    fn concurrent_amendments_and_a_late_coordinator_edit_are_settled_the_same_everywhere() {
        let mut c = cycle();
        let v2 = version(&c.h, &c.v2, 2);
        let base = plan(&c.h, "2026-07-01").versions[1].content.clone();
        let mut ids = Vec::new();
        for (m, title) in [("JP", "Protocol A"), ("JP", "Protocol B")] {
            let mut content = base.clone();
            content.title = title.into();
            ids.push(
                c.h.add(
                    m,
                    Amendment {
                        item: c.item.clone(),
                        base: v2.clone(),
                        material: true,
                        note: String::new(),
                        content,
                    }
                    .to_draft(),
                ),
            );
        }
        let mut coordinator = base.clone();
        coordinator.title = "Protocol C".into();
        statement(
            &mut c.h,
            "ID",
            Amendment {
                item: c.item.clone(),
                base: v2,
                material: true,
                note: String::new(),
                content: coordinator,
            }
            .to_draft(),
        );
        let item = plan(&c.h, "2026-07-01");
        assert_eq!(item.current_version, 3);
        let winner = ids
            .iter()
            .min_by_key(|id| c.h.event(id).hash().to_string())
            .unwrap();
        assert_eq!(&item.versions[2].id, winner);
        assert!(
            item.problems
                .iter()
                .any(|p| p.contains("a second amendment of version 2"))
        );
        assert!(
            item.problems
                .iter()
                .any(|p| p.contains("ILO amends version 2")),
            "{:?}",
            item.problems
        );
    }

    /// Every order of arrival gives the same plan: 3,000 shuffles of the whole
    /// cycle, with an editorial amendment, a contest and concurrent amendments.
    #[test]
    fn every_node_computes_the_same_plan_whatever_order_events_arrive_in() {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        let mut c = cycle();
        let v2 = version(&c.h, &c.v2, 2);
        let base = plan(&c.h, "2026-07-01").versions[1].content.clone();
        for title in ["A", "B"] {
            let mut content = base.clone();
            content.title = title.into();
            c.h.add(
                "JP",
                Amendment {
                    item: c.item.clone(),
                    base: v2.clone(),
                    material: false,
                    note: String::new(),
                    content,
                }
                .to_draft(),
            );
        }
        let render = |events: &[&SignedEvent]| {
            let r = registry(events);
            (
                serde_json::to_string(&r.items(Quorum::All, day("2026-12-05"))).unwrap(),
                serde_json::to_string(&r.items(Quorum::Majority, day("2026-01-05"))).unwrap(),
                serde_json::to_string(&r.recommendations()).unwrap(),
                r.unresolved(),
            )
        };
        let in_order: Vec<&SignedEvent> = c.h.events.iter().collect();
        let expected = render(&in_order);
        let mut rng = rand::rngs::StdRng::seed_from_u64(19);
        for _ in 0..3000 {
            let mut shuffled = in_order.clone();
            shuffled.shuffle(&mut rng);
            assert_eq!(render(&shuffled), expected);
        }
    }

    #[test]
    fn bad_items_are_refused_with_the_reason() {
        let recs = vec![RecordId::parse("KH-1").unwrap()];
        let check = |c: &ItemContent| c.validate().unwrap_err();
        let mut c = content("t", recs.clone());
        c.lead = member("PH");
        assert!(check(&c).contains("lead PH is not among"));
        let mut c = content("t", recs.clone());
        c.indicators[0].unit = "people".into();
        assert!(check(&c).contains("unit \"people\""));
        let mut c = content("t", recs.clone());
        c.indicators[1].target.value = Decimal::parse("120").unwrap();
        assert!(check(&c).contains("not a percentage"));
        let mut c = content("t", recs.clone());
        if let Source::Series(s) = &mut c.indicators[0].source {
            s.row = "hotline-x".into();
        }
        assert!(check(&c).contains("not a row of channel-outcome"));
        let mut c = content("t", recs.clone());
        c.milestones.push(c.milestones[0].clone());
        assert!(check(&c).contains("given twice"));
        let mut c = content("t", recs.clone());
        c.activities[0].end = "2025-01-01".into();
        assert!(check(&c).contains("ends"));
        let mut c = content("t", recs);
        c.indicators[0].unit = "currency".into();
        assert!(check(&c).contains("currency code"));
        // A coordinator may open a draft, never a proposal.
        let proposed = WorkplanItem {
            proposed: true,
            content: content("t", vec![RecordId::parse("KH-1").unwrap()]),
        };
        let s = Statement::sign(&member("ILO"), &key("ILO"), &proposed.to_draft());
        let err = crate::kinds::check(PayloadKind::STATEMENT, 1, &s.encode()).unwrap_err();
        assert!(err.to_string().contains("opens drafts"), "{err}");
    }
}
