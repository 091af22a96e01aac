//! Recommendations, pilot reports and the joint regional work plan: the shared
//! events that record them, and the projection every node derives from them.
//!
//! Every record is one signed event in its author's shared log, and its id is
//! `<origin>-<seq>` (`KH-12`): the same at every node, since a member's log is one
//! verified chain. A change refers to the record it changes by that id.
//!
//! Events of different members reach a node in any interleaving (an endorsement
//! may arrive before the item it endorses). The [`Registry`] therefore holds the
//! *set* of events, keyed by id, and everything shown is computed from that set
//! alone: which status is current (the last in its author's log order), who
//! endorsed or objected (each member's last word), whether an item is agreed,
//! what is invalid and why. The same events give the same plan, in any order.
//!
//! What one event can break on its own (a bad code, a member changing another
//! member's recommendation) is refused at the receiver by [`check_event`], like
//! a forged event. What depends on another event (an endorsement by a member the
//! item does not name, a reference to a record not received) is shown as a
//! problem, never applied.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::case::Date;
use crate::event::SignedEvent;
use crate::manifest::Quorum;
use crate::member::MemberId;
use crate::payload::{Payload, PayloadError, PayloadKind, decode_json};

pub const THEMES: &[&str] = &[
    "access-to-information",
    "grievance-channels",
    "legal-aid",
    "recruitment-fees",
    "cross-border-referral",
    "data-monitoring",
    "capacity-building",
];
pub const ACTORS: &[&str] = &[
    "government",
    "bar-association",
    "cso",
    "recruitment-agency",
    "mrc",
    "japan-support-org",
    "employer",
    "union",
];
pub const PRIORITIES: &[&str] = &["high", "medium", "low"];
/// The changes a recommendation goes through after `proposed`.
pub const RECOMMENDATION_STATUSES: &[&str] = &[
    "endorsed-nationally",
    "adopted",
    "in-progress",
    "implemented",
    "dropped",
];
/// What the lead of an agreed item records.
pub const ITEM_STATUSES: &[&str] = &["in-progress", "delayed", "completed", "dropped"];
/// Every status a recommendation shows in the view: `proposed` until its author
/// records one of [`RECOMMENDATION_STATUSES`].
pub const RECOMMENDATION_VIEW_STATUSES: &[&str] = &[
    "proposed",
    "endorsed-nationally",
    "adopted",
    "in-progress",
    "implemented",
    "dropped",
];
/// Every status an item shows in the view: `proposed`, `objected` or `agreed` as
/// its endorsements stand, then what its lead records ([`ITEM_STATUSES`]).
pub const ITEM_VIEW_STATUSES: &[&str] = &[
    "proposed",
    "objected",
    "agreed",
    "in-progress",
    "delayed",
    "completed",
    "dropped",
];

/// The longest title and the longest text or note, in bytes.
pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 20_000;
/// Most indicators one pilot report may give.
pub const MAX_INDICATORS: usize = 100;

/// A JSON object of names to counts that refuses a name given twice (serde's
/// map would keep the last).
fn unique_names<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, u64>, D::Error> {
    struct Names;
    impl<'de> serde::de::Visitor<'de> for Names {
        type Value = BTreeMap<String, u64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of names to counts")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut names = BTreeMap::new();
            while let Some((name, count)) = map.next_entry::<String, u64>()? {
                if names.contains_key(&name) {
                    return Err(serde::de::Error::custom(format!(
                        "the indicator {name:?} is given twice"
                    )));
                }
                names.insert(name, count);
            }
            Ok(names)
        }
    }
    deserializer.deserialize_map(Names)
}

/// The id of a record: its author and the sequence number of its event.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId {
    pub origin: MemberId,
    pub seq: u64,
}

impl RecordId {
    pub fn of(event: &SignedEvent) -> Self {
        Self {
            origin: event.origin().clone(),
            seq: event.seq(),
        }
    }

    /// Parses `KH-12`.
    pub fn parse(text: &str) -> Option<Self> {
        let (origin, seq) = text.rsplit_once('-')?;
        let seq: u64 = seq.parse().ok().filter(|s| *s > 0)?;
        (seq.to_string().len() == text.len() - origin.len() - 1).then_some(())?;
        Some(Self {
            origin: MemberId::new(origin).ok()?,
            seq,
        })
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.origin, self.seq)
    }
}

impl Serialize for RecordId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecordId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        RecordId::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("{text:?} is not a record id such as KH-12"))
        })
    }
}

/// The consultation workshop a recommendation comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workshop {
    pub place: String,
    /// YYYY-MM-DD.
    pub date: String,
}

impl Workshop {
    /// Parses `Phnom Penh, 2024-05-14`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (place, date) = text.rsplit_once(',').ok_or_else(|| {
            format!("{text:?}: expected the place and the date, as \"Phnom Penh, 2024-05-14\"")
        })?;
        let workshop = Self {
            place: place.trim().to_string(),
            date: date.trim().to_string(),
        };
        workshop.validate()?;
        Ok(workshop)
    }

    fn validate(&self) -> Result<(), String> {
        if self.place.is_empty() {
            return Err("the workshop's place is empty".into());
        }
        text("workshop's place", &self.place, MAX_TITLE, true)?;
        Date::parse(&self.date)
            .map(drop)
            .ok_or_else(|| format!("workshop date {:?} is not a date (YYYY-MM-DD)", self.date))
    }
}

/// A recommendation from a national consultation workshop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    pub title: String,
    pub text: String,
    pub theme: String,
    pub actors: Vec<String>,
    pub priority: String,
    pub workshop: Workshop,
}

/// A change of a recommendation's status, by its author.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationStatus {
    pub recommendation: RecordId,
    pub status: String,
    pub note: String,
}

/// Progress of a pilot project against the recommendations it tests: aggregate
/// indicators only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PilotReport {
    pub pilot: String,
    pub period: String,
    pub tests: Vec<RecordId>,
    /// By name; a name given twice is refused, not overwritten.
    #[serde(deserialize_with = "unique_names")]
    pub indicators: BTreeMap<String, u64>,
    pub note: String,
}

/// An item proposed for the joint regional work plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkplanItem {
    pub title: String,
    pub draws_on: Vec<RecordId>,
    pub lead: MemberId,
    pub members: Vec<MemberId>,
    /// YYYY-MM.
    pub due: String,
}

/// A member's endorsement of an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Endorsement {
    pub item: RecordId,
    pub note: String,
}

/// A member's objection to an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objection {
    pub item: RecordId,
    pub reason: String,
}

/// A status or milestone the lead of an agreed item records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemUpdate {
    pub item: RecordId,
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub milestone: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

fn one_of(what: &str, value: &str, list: &[&str]) -> Result<(), String> {
    if list.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{what} {value:?} is not one of {}",
            list.join(", ")
        ))
    }
}

fn text(what: &str, value: &str, max: usize, required: bool) -> Result<(), String> {
    if required && value.trim().is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if value.len() > max {
        return Err(format!(
            "the {what} is {} bytes, more than the {max} allowed",
            value.len()
        ));
    }
    Ok(())
}

/// A month `YYYY-MM`.
fn month(what: &str, value: &str) -> Result<(), String> {
    Date::parse(&format!("{value}-01"))
        .filter(|_| value.len() == 7)
        .map(drop)
        .ok_or_else(|| format!("{what} {value:?} is not a month (YYYY-MM)"))
}

/// A short name: lowercase letters, digits and hyphens.
fn slug(what: &str, value: &str) -> Result<(), String> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} {value:?} must be 1 to 64 lowercase letters, digits and hyphens"
        ))
    }
}

impl Recommendation {
    pub fn validate(&self) -> Result<(), String> {
        text("title", &self.title, MAX_TITLE, true)?;
        text("text", &self.text, MAX_TEXT, true)?;
        one_of("theme", &self.theme, THEMES)?;
        if self.actors.is_empty() {
            return Err(format!(
                "no actors: name at least one of {}",
                ACTORS.join(", ")
            ));
        }
        for a in &self.actors {
            one_of("actor", a, ACTORS)?;
        }
        if self.actors.iter().collect::<BTreeSet<_>>().len() != self.actors.len() {
            return Err("an actor is named twice".into());
        }
        one_of("priority", &self.priority, PRIORITIES)?;
        self.workshop.validate()
    }
}

impl RecommendationStatus {
    pub fn validate(&self) -> Result<(), String> {
        one_of("status", &self.status, RECOMMENDATION_STATUSES)?;
        text("note", &self.note, MAX_TEXT, false)
    }
}

impl PilotReport {
    pub fn validate(&self) -> Result<(), String> {
        slug("pilot", &self.pilot)?;
        crate::tables::Period::parse(&self.period).ok_or_else(|| {
            format!(
                "period {:?} is not a year, quarter or month (2024, 2024-Q3, 2024-07)",
                self.period
            )
        })?;
        if self.tests.is_empty() {
            return Err("the report names no recommendation it tests".into());
        }
        if self.indicators.is_empty() {
            return Err("the report has no indicator (such as people-reached=120)".into());
        }
        if self.indicators.len() > MAX_INDICATORS {
            return Err(format!(
                "the report has {} indicators, more than the {MAX_INDICATORS} allowed",
                self.indicators.len()
            ));
        }
        for name in self.indicators.keys() {
            slug("indicator", name)?;
        }
        text("note", &self.note, MAX_TEXT, false)
    }
}

impl WorkplanItem {
    pub fn validate(&self) -> Result<(), String> {
        text("title", &self.title, MAX_TITLE, true)?;
        if self.draws_on.is_empty() {
            return Err("the item draws on no recommendation".into());
        }
        if self.members.is_empty() {
            return Err("the item names no member".into());
        }
        if self.members.iter().collect::<BTreeSet<_>>().len() != self.members.len() {
            return Err("a member is named twice".into());
        }
        if !self.members.contains(&self.lead) {
            return Err(format!(
                "the lead {} is not among the members it names",
                self.lead
            ));
        }
        month("due", &self.due)
    }
}

impl ItemUpdate {
    pub fn validate(&self) -> Result<(), String> {
        one_of("status", &self.status, ITEM_STATUSES)?;
        text("milestone", &self.milestone, MAX_TITLE, false)?;
        text("note", &self.note, MAX_TEXT, false)
    }
}

macro_rules! json_payload {
    ($type:ty, $kind:expr, $validate:expr) => {
        impl Payload for $type {
            const KIND: PayloadKind = $kind;
            const VERSION: u16 = 1;

            fn encode(&self) -> Vec<u8> {
                serde_json::to_vec(self).unwrap_or_default()
            }

            fn decode(version: u16, bytes: &[u8]) -> Result<Self, PayloadError> {
                let value: Self = decode_json(Self::KIND, Self::VERSION, version, bytes)?;
                let validate: fn(&Self) -> Result<(), String> = $validate;
                validate(&value).map_err(|reason| PayloadError::Malformed {
                    kind: Self::KIND,
                    version,
                    reason,
                })?;
                Ok(value)
            }
        }
    };
}

json_payload!(
    Recommendation,
    PayloadKind::RECOMMENDATION,
    Recommendation::validate
);
json_payload!(
    RecommendationStatus,
    PayloadKind::RECOMMENDATION_STATUS,
    RecommendationStatus::validate
);
json_payload!(
    PilotReport,
    PayloadKind::PILOT_REPORT,
    PilotReport::validate
);
json_payload!(
    WorkplanItem,
    PayloadKind::WORKPLAN_ITEM,
    WorkplanItem::validate
);
json_payload!(Endorsement, PayloadKind::ENDORSEMENT, |e| text(
    "note", &e.note, MAX_TEXT, false
));
json_payload!(Objection, PayloadKind::OBJECTION, |o| text(
    "reason", &o.reason, MAX_TEXT, true
));
json_payload!(ItemUpdate, PayloadKind::ITEM_UPDATE, ItemUpdate::validate);

/// One decoded plan event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Recommendation(Recommendation),
    Status(RecommendationStatus),
    Pilot(PilotReport),
    Item(WorkplanItem),
    Endorsement(Endorsement),
    Objection(Objection),
    Update(ItemUpdate),
}

/// The plan kinds.
pub fn is_plan_kind(kind: PayloadKind) -> bool {
    (PayloadKind::RECOMMENDATION.0..=PayloadKind::ITEM_UPDATE.0).contains(&kind.0)
}

impl Record {
    /// The record of a plan event; `None` for other kinds.
    pub fn of(kind: PayloadKind, version: u16, bytes: &[u8]) -> Option<Result<Self, PayloadError>> {
        let record = match kind {
            PayloadKind::RECOMMENDATION => {
                Recommendation::decode(version, bytes).map(Record::Recommendation)
            }
            PayloadKind::RECOMMENDATION_STATUS => {
                RecommendationStatus::decode(version, bytes).map(Record::Status)
            }
            PayloadKind::PILOT_REPORT => PilotReport::decode(version, bytes).map(Record::Pilot),
            PayloadKind::WORKPLAN_ITEM => WorkplanItem::decode(version, bytes).map(Record::Item),
            PayloadKind::ENDORSEMENT => {
                Endorsement::decode(version, bytes).map(Record::Endorsement)
            }
            PayloadKind::OBJECTION => Objection::decode(version, bytes).map(Record::Objection),
            PayloadKind::ITEM_UPDATE => ItemUpdate::decode(version, bytes).map(Record::Update),
            _ => return None,
        };
        Some(record)
    }
}

impl Record {
    /// Refuses control characters in the texts people typed (`controls`): for a
    /// record written now, not for one decoded from a log, where an event signed
    /// before this rule existed must stay valid.
    pub fn refuse_controls(&self) -> Result<(), String> {
        use crate::controls::{Lines, refuse};
        match self {
            Record::Recommendation(r) => {
                refuse("title", &r.title, Lines::One)?;
                refuse("text", &r.text, Lines::Many)?;
                refuse("workshop's place", &r.workshop.place, Lines::One)
            }
            Record::Status(s) => refuse("note", &s.note, Lines::Many),
            Record::Pilot(p) => refuse("note", &p.note, Lines::Many),
            Record::Item(i) => refuse("title", &i.title, Lines::One),
            Record::Endorsement(e) => refuse("note", &e.note, Lines::Many),
            Record::Objection(o) => refuse("reason", &o.reason, Lines::Many),
            Record::Update(u) => {
                refuse("milestone", &u.milestone, Lines::One)?;
                refuse("note", &u.note, Lines::Many)
            }
        }
    }
}

/// What a single plan event by `origin` may not do, whatever else exists: change
/// the status of another member's recommendation.
pub fn check_record(origin: &MemberId, record: &Record) -> Result<(), String> {
    match record {
        Record::Status(s) if &s.recommendation.origin != origin => Err(format!(
            "{origin} changes the status of {}, a recommendation of {}: only its author may",
            s.recommendation, s.recommendation.origin
        )),
        _ => Ok(()),
    }
}

/// The receiver's check of one event, on top of the payload schema.
pub fn check_event(event: &SignedEvent) -> Result<(), String> {
    match Record::of(event.kind(), event.version(), event.payload()) {
        Some(Ok(record)) => check_record(event.origin(), &record),
        Some(Err(e)) => Err(e.to_string()),
        None => Ok(()),
    }
}

/// A plan event as the registry keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub time_ms: i64,
    pub record: Record,
}

/// Every plan event a node holds, by id: the state the views are computed from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registry {
    entries: BTreeMap<RecordId, Entry>,
}

/// A recommendation with its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecommendationView {
    pub id: RecordId,
    pub member: MemberId,
    pub time_ms: i64,
    #[serde(flatten)]
    pub recommendation: Recommendation,
    /// `proposed` until its author records a change.
    pub status: String,
    pub history: Vec<StatusChange>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub id: RecordId,
    pub time_ms: i64,
    pub status: String,
    pub note: String,
}

/// A pilot report with what its references resolve to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PilotView {
    pub id: RecordId,
    pub member: MemberId,
    pub time_ms: i64,
    #[serde(flatten)]
    pub report: PilotReport,
    pub problems: Vec<String>,
}

/// A member's position on an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "position", rename_all = "lowercase")]
pub enum Position {
    Pending,
    Endorsed {
        id: RecordId,
        time_ms: i64,
        note: String,
    },
    Objected {
        id: RecordId,
        time_ms: i64,
        reason: String,
    },
}

/// A recommendation an item draws on, as far as this node knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub id: RecordId,
    /// `None` while this node has not received it.
    pub title: Option<String>,
}

/// A work-plan item with its endorsement matrix and status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub id: RecordId,
    pub proposer: MemberId,
    pub time_ms: i64,
    pub title: String,
    pub lead: MemberId,
    pub due: String,
    pub draws_on: Vec<Reference>,
    /// Every member the item names, in the item's order, with its position.
    pub positions: Vec<(MemberId, Position)>,
    /// Endorsements needed (the federation's work-plan quorum of the members named).
    pub needed: usize,
    /// `proposed`, `objected`, `agreed`, or the status the lead last recorded.
    pub status: String,
    pub updates: Vec<ItemUpdateView>,
    /// What was not applied, and why.
    pub problems: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemUpdateView {
    pub id: RecordId,
    pub time_ms: i64,
    pub status: String,
    pub milestone: String,
    pub note: String,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes in a verified event; other kinds and unreadable payloads are ignored
    /// (receivers refuse those before they are stored).
    pub fn apply(&mut self, event: &SignedEvent) {
        if let Some(Ok(record)) = Record::of(event.kind(), event.version(), event.payload()) {
            self.entries.insert(
                RecordId::of(event),
                Entry {
                    time_ms: event.time_ms(),
                    record,
                },
            );
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, id: &RecordId) -> Option<&Entry> {
        self.entries.get(id)
    }

    fn recommendation(&self, id: &RecordId) -> Option<&Recommendation> {
        match self.entries.get(id).map(|e| &e.record) {
            Some(Record::Recommendation(r)) => Some(r),
            _ => None,
        }
    }

    /// Every recommendation, by id, with its status history in its author's order.
    pub fn recommendations(&self) -> Vec<RecommendationView> {
        let mut views: BTreeMap<&RecordId, RecommendationView> = BTreeMap::new();
        for (id, entry) in &self.entries {
            if let Record::Recommendation(r) = &entry.record {
                views.insert(
                    id,
                    RecommendationView {
                        id: id.clone(),
                        member: id.origin.clone(),
                        time_ms: entry.time_ms,
                        recommendation: r.clone(),
                        status: "proposed".into(),
                        history: Vec::new(),
                    },
                );
            }
        }
        // Entries iterate in id order: by origin, then sequence, which is the
        // author's own order of its changes.
        for (id, entry) in &self.entries {
            if let Record::Status(s) = &entry.record
                && s.recommendation.origin == id.origin
                && let Some(view) = views.get_mut(&s.recommendation)
            {
                view.status.clone_from(&s.status);
                view.history.push(StatusChange {
                    id: id.clone(),
                    time_ms: entry.time_ms,
                    status: s.status.clone(),
                    note: s.note.clone(),
                });
            }
        }
        views.into_values().collect()
    }

    /// Events that refer to a record this node does not hold (or that is of
    /// another kind), as lines naming both.
    pub fn unresolved(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for (id, entry) in &self.entries {
            let (target, wanted) = match &entry.record {
                Record::Status(s) => (&s.recommendation, "recommendation"),
                Record::Endorsement(e) => (&e.item, "work-plan item"),
                Record::Objection(o) => (&o.item, "work-plan item"),
                Record::Update(u) => (&u.item, "work-plan item"),
                _ => continue,
            };
            let found = matches!(
                (self.entries.get(target).map(|e| &e.record), wanted),
                (Some(Record::Recommendation(_)), "recommendation")
                    | (Some(Record::Item(_)), "work-plan item")
            );
            if !found {
                lines.push(format!(
                    "{id} refers to {target}, which this node holds no {wanted} as"
                ));
            }
        }
        lines
    }

    pub fn pilots(&self) -> Vec<PilotView> {
        self.entries
            .iter()
            .filter_map(|(id, entry)| match &entry.record {
                Record::Pilot(p) => Some(PilotView {
                    id: id.clone(),
                    member: id.origin.clone(),
                    time_ms: entry.time_ms,
                    report: p.clone(),
                    problems: p
                        .tests
                        .iter()
                        .filter(|t| self.recommendation(t).is_none())
                        .map(|t| format!("tests {t}, which this node holds no recommendation as"))
                        .collect(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Every work-plan item, by id, under the federation's work-plan quorum.
    pub fn items(&self, quorum: Quorum) -> Vec<ItemView> {
        let mut items: BTreeMap<&RecordId, (ItemView, &WorkplanItem)> = BTreeMap::new();
        for (id, entry) in &self.entries {
            if let Record::Item(item) = &entry.record {
                let view = ItemView {
                    id: id.clone(),
                    proposer: id.origin.clone(),
                    time_ms: entry.time_ms,
                    title: item.title.clone(),
                    lead: item.lead.clone(),
                    due: item.due.clone(),
                    draws_on: item
                        .draws_on
                        .iter()
                        .map(|r| Reference {
                            id: r.clone(),
                            title: self.recommendation(r).map(|x| x.title.clone()),
                        })
                        .collect(),
                    positions: item
                        .members
                        .iter()
                        .map(|m| (m.clone(), Position::Pending))
                        .collect(),
                    needed: quorum.needed(item.members.len()),
                    status: "proposed".into(),
                    updates: Vec::new(),
                    problems: Vec::new(),
                };
                items.insert(id, (view, item));
            }
        }
        // Positions: each member's last word, in its own log's order.
        for (id, entry) in &self.entries {
            let (target, position) = match &entry.record {
                Record::Endorsement(e) => (
                    &e.item,
                    Position::Endorsed {
                        id: id.clone(),
                        time_ms: entry.time_ms,
                        note: e.note.clone(),
                    },
                ),
                Record::Objection(o) => (
                    &o.item,
                    Position::Objected {
                        id: id.clone(),
                        time_ms: entry.time_ms,
                        reason: o.reason.clone(),
                    },
                ),
                _ => continue,
            };
            let Some((view, _)) = items.get_mut(target) else {
                continue;
            };
            match view.positions.iter_mut().find(|(m, _)| m == &id.origin) {
                Some((_, slot)) => *slot = position,
                None => view.problems.push(format!(
                    "{id}: {} is not named in the item; its position is not counted",
                    id.origin
                )),
            }
        }
        for (view, _) in items.values_mut() {
            let endorsed = view
                .positions
                .iter()
                .filter(|(_, p)| matches!(p, Position::Endorsed { .. }))
                .count();
            let objected = view
                .positions
                .iter()
                .any(|(_, p)| matches!(p, Position::Objected { .. }));
            view.status = if objected {
                "objected".into()
            } else if endorsed >= view.needed {
                "agreed".into()
            } else {
                "proposed".into()
            };
            for r in &view.draws_on {
                if r.title.is_none() {
                    view.problems.push(format!(
                        "draws on {}, which this node holds no recommendation as",
                        r.id
                    ));
                }
            }
        }
        // Updates: by the lead, once agreed.
        for (id, entry) in &self.entries {
            let Record::Update(u) = &entry.record else {
                continue;
            };
            let Some((view, _)) = items.get_mut(&u.item) else {
                continue;
            };
            if id.origin != view.lead {
                view.problems.push(format!(
                    "{id}: {} records a status, but only the lead {} may",
                    id.origin, view.lead
                ));
            } else if view.status == "proposed" || view.status == "objected" {
                view.problems.push(format!(
                    "{id}: status {:?} recorded while the item is not agreed; not applied",
                    u.status
                ));
            } else {
                view.status.clone_from(&u.status);
                view.updates.push(ItemUpdateView {
                    id: id.clone(),
                    time_ms: entry.time_ms,
                    status: u.status.clone(),
                    milestone: u.milestone.clone(),
                    note: u.note.clone(),
                });
            }
        }
        items.into_values().map(|(view, _)| view).collect()
    }
}

/// A recommendation as a row of a workshop's CSV export: the columns, in any
/// order, are exactly these.
pub const RECOMMENDATION_COLUMNS: &[&str] =
    &["title", "text", "theme", "actors", "priority", "workshop"];

/// Reads one CSV row (fields in `columns` order, as the header gave them) into a
/// recommendation: `actors` separated by `;`, `workshop` as "Place, YYYY-MM-DD".
/// The error names the 1-based column and what is wrong.
pub fn recommendation_from_row(
    columns: &[usize],
    fields: &[&str],
) -> Result<Recommendation, (usize, String)> {
    let field = |i: usize| -> (usize, &str) {
        let at = columns[i];
        (at + 1, fields.get(at).copied().unwrap_or("").trim())
    };
    let (workshop_column, workshop) = field(5);
    let recommendation = Recommendation {
        title: field(0).1.to_string(),
        text: field(1).1.to_string(),
        theme: field(2).1.to_string(),
        actors: field(3)
            .1
            .split(';')
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect(),
        priority: field(4).1.to_string(),
        workshop: Workshop::parse(workshop).map_err(|e| (workshop_column, e))?,
    };
    // Name the column of the first problem.
    type Check = fn(&Recommendation) -> Result<(), String>;
    let checks: [(usize, Check); 5] = [
        (0, |r| text("title", &r.title, MAX_TITLE, true)),
        (1, |r| text("text", &r.text, MAX_TEXT, true)),
        (2, |r| one_of("theme", &r.theme, THEMES)),
        (3, |r| {
            Recommendation {
                theme: THEMES[0].into(),
                priority: PRIORITIES[0].into(),
                ..r.clone()
            }
            .validate()
        }),
        (4, |r| one_of("priority", &r.priority, PRIORITIES)),
    ];
    for (i, check) in checks {
        check(&recommendation).map_err(|e| (field(i).0, e))?;
    }
    Ok(recommendation)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::chain::ChainHead;
    use crate::event::LogKind;
    use crate::keys::SigningKey;

    fn member(id: &str) -> MemberId {
        MemberId::new(id).unwrap()
    }

    fn id(text: &str) -> RecordId {
        RecordId::parse(text).unwrap()
    }

    fn recommendation(title: &str) -> Recommendation {
        Recommendation {
            title: title.into(),
            text: "Set up a hotline".into(),
            theme: "legal-aid".into(),
            actors: vec!["government".into(), "cso".into()],
            priority: "high".into(),
            workshop: Workshop::parse("Phnom Penh, 2024-05-14").unwrap(),
        }
    }

    #[test]
    fn new_records_refuse_control_characters_that_old_ones_keep() {
        let red = recommendation("\u{1b}[31mred");
        let bytes = red.encode();
        // Decoding (what receivers and readers do) still accepts it: an event
        // signed before the rule stays valid.
        assert_eq!(Recommendation::decode(1, &bytes), Ok(red));
        assert_eq!(
            crate::kinds::check(PayloadKind::RECOMMENDATION, 1, &bytes),
            Ok(())
        );
        let err = crate::kinds::check_new(PayloadKind::RECOMMENDATION, 1, &bytes)
            .unwrap_err()
            .to_string();
        assert!(err.contains("title") && err.contains("U+001B"), "{err}");

        let mut two_lines = recommendation("Hotline");
        two_lines.text = "First line\n\tsecond line".into();
        assert_eq!(
            crate::kinds::check_new(PayloadKind::RECOMMENDATION, 1, &two_lines.encode()),
            Ok(())
        );
        let objection = Objection {
            item: id("KH-3"),
            reason: "budget\u{9b}2J".into(),
        };
        let err = crate::kinds::check_new(PayloadKind::OBJECTION, 1, &objection.encode())
            .unwrap_err()
            .to_string();
        assert!(err.contains("reason") && err.contains("U+009B"), "{err}");
        let note = crate::payload::Note {
            text: "bell\u{7}".into(),
        };
        let err = crate::kinds::check_new(PayloadKind::NOTE, 1, &note.encode())
            .unwrap_err()
            .to_string();
        assert!(err.contains("note") && err.contains("U+0007"), "{err}");
    }

    /// Signed histories of several members, each a chain.
    struct Histories {
        heads: BTreeMap<MemberId, ChainHead>,
        events: Vec<SignedEvent>,
    }

    impl Histories {
        fn new() -> Self {
            Self {
                heads: BTreeMap::new(),
                events: Vec::new(),
            }
        }

        fn add(&mut self, origin: &str, draft: crate::Draft) -> RecordId {
            let m = member(origin);
            let key = SigningKey::from_seed([origin.as_bytes()[0]; 32]);
            let head = self.heads.entry(m.clone()).or_insert(ChainHead::EMPTY);
            let event = SignedEvent::seal(
                &key,
                &m,
                LogKind::Shared,
                head.seq + 1,
                head.hash,
                1_000 + self.events.len() as i64,
                &draft,
            );
            *head = ChainHead::of(&event);
            let id = RecordId::of(&event);
            self.events.push(event);
            id
        }
    }

    /// Three recommendations, an item drawing on them, endorsements by all four
    /// members (one first objecting, then endorsing), a status by the lead, and
    /// an endorsement by a member the item does not name.
    fn history() -> Histories {
        let mut h = Histories::new();
        let kh = h.add("KH", recommendation("Hotline").to_draft());
        let id_ = h.add("ID", recommendation("Fee cap").to_draft());
        let vn = h.add("VN", recommendation("Referral desk").to_draft());
        h.add(
            "KH",
            RecommendationStatus {
                recommendation: kh.clone(),
                status: "endorsed-nationally".into(),
                note: "ministry agreed".into(),
            }
            .to_draft(),
        );
        let item = h.add(
            "JP",
            WorkplanItem {
                title: "Joint referral protocol".into(),
                draws_on: vec![kh, id_, vn],
                lead: member("JP"),
                members: ["KH", "ID", "VN", "JP"].map(member).to_vec(),
                due: "2025-06".into(),
            }
            .to_draft(),
        );
        h.add(
            "VN",
            Objection {
                item: item.clone(),
                reason: "budget unclear".into(),
            }
            .to_draft(),
        );
        for m in ["KH", "ID", "JP", "VN"] {
            h.add(
                m,
                Endorsement {
                    item: item.clone(),
                    note: String::new(),
                }
                .to_draft(),
            );
        }
        h.add(
            "JP",
            ItemUpdate {
                item: item.clone(),
                status: "in-progress".into(),
                milestone: "first meeting held".into(),
                note: String::new(),
            }
            .to_draft(),
        );
        h.add(
            "PH",
            Endorsement {
                item,
                note: String::new(),
            }
            .to_draft(),
        );
        h
    }

    #[test]
    fn the_view_statuses_are_the_computed_ones_then_the_recorded_ones() {
        assert_eq!(
            RECOMMENDATION_VIEW_STATUSES,
            [&["proposed"][..], RECOMMENDATION_STATUSES].concat()
        );
        assert_eq!(
            ITEM_VIEW_STATUSES,
            [&["proposed", "objected", "agreed"][..], ITEM_STATUSES].concat()
        );
        // Every status the registry shows is one of them.
        let registry = history().events.iter().fold(Registry::new(), |mut r, e| {
            r.apply(e);
            r
        });
        for r in registry.recommendations() {
            assert!(RECOMMENDATION_VIEW_STATUSES.contains(&r.status.as_str()));
        }
        for i in registry.items(Quorum::All) {
            assert!(ITEM_VIEW_STATUSES.contains(&i.status.as_str()));
        }
    }

    #[test]
    fn a_name_given_twice_an_unknown_workshop_field_and_a_long_place_are_refused() {
        let check = |kind, json: &str| crate::kinds::check(kind, 1, json.as_bytes());
        let pilot = r#"{"pilot":"hotline","period":"2024-Q3","tests":["KH-2"],"indicators":{"calls":310,"calls":1},"note":""}"#;
        let err = check(PilotReport::KIND, pilot).unwrap_err().to_string();
        assert!(err.contains("\"calls\" is given twice"), "{err}");
        assert!(check(PilotReport::KIND, &pilot.replace(",\"calls\":1", "")).is_ok());
        let rec = |workshop: &str| {
            format!(
                r#"{{"title":"Hotline","text":"Set one up.","theme":"legal-aid","actors":["government"],"priority":"high","workshop":{workshop}}}"#
            )
        };
        let ok = rec(r#"{"place":"Phnom Penh","date":"2024-05-14"}"#);
        assert!(check(Recommendation::KIND, &ok).is_ok());
        let extra = rec(r#"{"place":"Phnom Penh","date":"2024-05-14","hidden":"x"}"#);
        let err = check(Recommendation::KIND, &extra).unwrap_err().to_string();
        assert!(err.contains("unknown field `hidden`"), "{err}");
        let long = rec(&format!(
            r#"{{"place":"{}","date":"2024-05-14"}}"#,
            "x".repeat(201)
        ));
        let err = check(Recommendation::KIND, &long).unwrap_err().to_string();
        assert!(err.contains("more than the 200 allowed"), "{err}");
    }

    #[test]
    fn record_ids_are_origin_and_sequence() {
        assert_eq!(id("KH-12").to_string(), "KH-12");
        assert_eq!(id("KH-12").origin, member("KH"));
        for bad in ["KH", "KH-0", "KH-01", "-3", "kh-3", "KH-x", "KH-+3"] {
            assert!(RecordId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_plan_is_agreed_with_its_matrix_and_problems_named() {
        let h = history();
        let mut registry = Registry::new();
        for e in &h.events {
            registry.apply(e);
        }
        let items = registry.items(Quorum::All);
        assert_eq!(items.len(), 1);
        let item = &items[0];
        assert_eq!(item.id, id("JP-1"));
        assert_eq!(item.status, "in-progress");
        assert!(
            item.positions
                .iter()
                .all(|(_, p)| matches!(p, Position::Endorsed { .. }))
        );
        assert_eq!(item.updates[0].milestone, "first meeting held");
        assert_eq!(item.problems.len(), 1, "{:?}", item.problems);
        assert!(item.problems[0].contains("PH is not named"));
        assert!(item.draws_on.iter().all(|r| r.title.is_some()));
        let recs = registry.recommendations();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1].id, id("KH-1"));
        assert_eq!(recs[1].status, "endorsed-nationally");
        assert!(registry.unresolved().is_empty());
    }

    #[test]
    fn an_objection_blocks_and_the_lead_alone_records_status() {
        let mut h = history();
        // Without the last endorsements: VN's objection stands.
        let mut registry = Registry::new();
        for e in &h.events[..6] {
            registry.apply(e);
        }
        let items = registry.items(Quorum::All);
        assert_eq!(items[0].status, "objected");
        // A majority quorum: three of four endorsements agree it when none objects.
        h.add(
            "KH",
            ItemUpdate {
                item: id("JP-1"),
                status: "completed".into(),
                milestone: String::new(),
                note: String::new(),
            }
            .to_draft(),
        );
        let mut registry = Registry::new();
        for e in &h.events {
            registry.apply(e);
        }
        let item = &registry.items(Quorum::Majority)[0];
        assert_eq!(item.needed, 3);
        assert_eq!(item.status, "in-progress");
        assert!(
            item.problems
                .iter()
                .any(|p| p.contains("only the lead JP may"))
        );
    }

    #[test]
    fn references_to_nothing_are_shown_not_applied() {
        let mut h = Histories::new();
        h.add(
            "VN",
            Endorsement {
                item: id("JP-9"),
                note: String::new(),
            }
            .to_draft(),
        );
        let mut registry = Registry::new();
        registry.apply(&h.events[0]);
        assert!(registry.items(Quorum::All).is_empty());
        assert_eq!(
            registry.unresolved(),
            vec!["VN-1 refers to JP-9, which this node holds no work-plan item as"]
        );
    }

    /// Every interleaving of the members' histories (each member's own events stay
    /// in order, as replication delivers them) and every full permutation of a
    /// smaller history give the same plan.
    #[test]
    fn the_projection_is_the_same_in_any_arrival_order() {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        let h = history();
        let render = |events: &[&SignedEvent]| {
            let mut registry = Registry::new();
            for e in events {
                registry.apply(e);
            }
            (
                registry.clone(),
                serde_json::to_string(&registry.items(Quorum::All)).unwrap(),
                serde_json::to_string(&registry.recommendations()).unwrap(),
                registry.unresolved(),
            )
        };
        let in_order: Vec<&SignedEvent> = h.events.iter().collect();
        let expected = render(&in_order);
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..2000 {
            let mut shuffled = in_order.clone();
            shuffled.shuffle(&mut rng);
            assert_eq!(render(&shuffled), expected);
        }
        // All 5040 orders of the first seven events.
        fn permutations<'a>(
            rest: &mut Vec<&'a SignedEvent>,
            chosen: &mut Vec<&'a SignedEvent>,
            f: &mut dyn FnMut(&[&'a SignedEvent]),
        ) {
            if rest.is_empty() {
                f(chosen);
                return;
            }
            for i in 0..rest.len() {
                let e = rest.remove(i);
                chosen.push(e);
                permutations(rest, chosen, f);
                chosen.pop();
                rest.insert(i, e);
            }
        }
        let first: Vec<&SignedEvent> = in_order[..7].to_vec();
        let expected = render(&first);
        let mut count = 0;
        permutations(&mut first.clone(), &mut Vec::new(), &mut |order| {
            assert_eq!(render(order), expected);
            count += 1;
        });
        assert_eq!(count, 5040);
    }

    #[test]
    fn a_member_may_not_change_another_members_recommendation() {
        let status = Record::Status(RecommendationStatus {
            recommendation: id("KH-1"),
            status: "dropped".into(),
            note: String::new(),
        });
        assert!(check_record(&member("KH"), &status).is_ok());
        let e = check_record(&member("VN"), &status).unwrap_err();
        assert!(e.contains("only its author may"), "{e}");
    }

    #[test]
    fn payloads_are_validated_when_decoded() {
        let mut r = recommendation("x");
        r.theme = "housing".into();
        let e = Recommendation::decode(1, &serde_json::to_vec(&r).unwrap()).unwrap_err();
        assert!(
            e.to_string().contains("theme \"housing\" is not one of"),
            "{e}"
        );
        assert!(Workshop::parse("Phnom Penh").is_err());
        assert!(Workshop::parse("Phnom Penh, 2024-13-01").is_err());
        let item = WorkplanItem {
            title: "t".into(),
            draws_on: vec![id("KH-1")],
            lead: member("JP"),
            members: vec![member("KH")],
            due: "2025-06".into(),
        };
        assert!(
            item.validate()
                .unwrap_err()
                .contains("lead JP is not among")
        );
        let item = WorkplanItem {
            members: vec![member("JP")],
            due: "2025-6".into(),
            ..item
        };
        assert!(item.validate().unwrap_err().contains("not a month"));
        let bytes = br#"{"item":"JP-1","note":"","extra":1}"#;
        assert!(
            Endorsement::decode(1, bytes).is_err(),
            "unknown fields are refused"
        );
    }

    #[test]
    fn rows_of_a_workshop_export_name_the_bad_column() {
        let columns = [0, 1, 2, 3, 4, 5];
        let row = [
            "Hotline",
            "Set up",
            "legal-aid",
            "government;cso",
            "high",
            "Hanoi, 2024-06-02",
        ];
        let r = recommendation_from_row(&columns, &row).unwrap();
        assert_eq!(r.actors, vec!["government", "cso"]);
        assert_eq!(r.workshop.place, "Hanoi");
        let mut bad = row;
        bad[3] = "government;police";
        assert_eq!(recommendation_from_row(&columns, &bad).unwrap_err().0, 4);
        let mut bad = row;
        bad[5] = "Hanoi";
        assert_eq!(recommendation_from_row(&columns, &bad).unwrap_err().0, 6);
        let mut bad = row;
        bad[4] = "urgent";
        let (column, problem) = recommendation_from_row(&columns, &bad).unwrap_err();
        assert_eq!(column, 5);
        assert!(problem.contains("priority \"urgent\""), "{problem}");
    }
}
