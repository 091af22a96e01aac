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
use crate::event::{EventHash, SignedEvent};
use crate::member::MemberId;
use crate::payload::{Payload, PayloadError, PayloadKind};
use crate::statement::{Signers, Statement};
pub use crate::workplan::{
    Amendment, Answer, Comment, Endorsement, ItemUpdate, ItemView, Objection, PositionRequest,
    Proposal, WorkplanItem,
};

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
/// The longest title and the longest text or note, in bytes.
pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 20_000;
/// Most indicators one pilot report may give.
pub const MAX_INDICATORS: usize = 100;

/// A JSON object of names to counts that refuses a name given twice (serde's
/// map would keep the last).
pub(crate) fn unique_names<'de, D: serde::Deserializer<'de>>(
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
                    return Err(serde::de::Error::custom(format!("{name:?} is given twice")));
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
    /// Parses `Phnom Penh, 2024-05-14`: the place, a comma, the date.
    pub fn parse(text: &str) -> Result<Self, String> {
        const EXAMPLE: &str =
            "the place, a comma and the date as YYYY-MM-DD, as \"Phnom Penh, 2024-05-14\"";
        let (place, date) = text
            .rsplit_once(',')
            .ok_or_else(|| format!("workshop {text:?}: expected {EXAMPLE}"))?;
        let (place, date) = (place.trim(), date.trim());
        if Date::parse(date).is_none() {
            let looks_like_a_date = |s: &str| s.bytes().any(|b| b.is_ascii_digit());
            return Err(if looks_like_a_date(place) && !looks_like_a_date(date) {
                format!(
                    "workshop {text:?}: the place comes first, then the date: expected {EXAMPLE}"
                )
            } else {
                format!("workshop date {date:?} is not a date: expected {EXAMPLE}")
            });
        }
        Self::new(place, date)
    }

    /// The workshop at `place` on `date` (YYYY-MM-DD), each checked on its own.
    pub fn new(place: &str, date: &str) -> Result<Self, String> {
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

/// Bytes a character may take at most, on average, in a text of `max`
/// characters: generous for any script (a Khmer cluster of a consonant, a
/// subscript and a vowel is 9 bytes), and a bound on what one text can hold.
pub const BYTES_PER_CHARACTER: usize = 16;

/// Checks a text's length in characters as a reader counts them (extended
/// grapheme clusters, UAX #29), so that a Khmer, Vietnamese or Japanese title
/// gets as many as an English one, and in bytes at most
/// [`BYTES_PER_CHARACTER`] times that.
pub(crate) fn text(what: &str, value: &str, max: usize, required: bool) -> Result<(), String> {
    use unicode_segmentation::UnicodeSegmentation as _;
    if required && value.trim().is_empty() {
        return Err(format!("the {what} is empty"));
    }
    // Fewer bytes than the limit: fewer characters too, without counting.
    if value.len() <= max {
        return Ok(());
    }
    let bytes = max * BYTES_PER_CHARACTER;
    if value.len() > bytes {
        return Err(format!(
            "the {what} is {} bytes, more than the {bytes} allowed ({max} characters of at most {BYTES_PER_CHARACTER} bytes each)",
            value.len()
        ));
    }
    let characters = value.graphemes(true).count();
    if characters > max {
        return Err(format!(
            "the {what} is {characters} characters, more than the {max} allowed (characters as a reader counts them, in any script)"
        ));
    }
    Ok(())
}

/// A short name: lowercase letters, digits and hyphens.
pub(crate) fn slug(what: &str, value: &str) -> Result<(), String> {
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
                "no actors: name at least one of {}, separated by ';' or ',' (government;cso)",
                ACTORS.join(", ")
            ));
        }
        for a in &self.actors {
            one_of("actor", a, ACTORS).map_err(|e| {
                if a.contains(char::is_whitespace) {
                    format!("{e}; separate actors with ';' or ',' (government;cso)")
                } else {
                    e
                }
            })?;
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

crate::payload::json_payload!(
    Recommendation,
    PayloadKind::RECOMMENDATION,
    1,
    Recommendation::validate
);
crate::payload::json_payload!(
    RecommendationStatus,
    PayloadKind::RECOMMENDATION_STATUS,
    1,
    RecommendationStatus::validate
);
crate::payload::json_payload!(
    PilotReport,
    PayloadKind::PILOT_REPORT,
    1,
    PilotReport::validate
);
/// One decoded plan event. A `statement` (a coordinator's record carried in a
/// member's log) decodes to the record it carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    Recommendation(Recommendation),
    Status(RecommendationStatus),
    Pilot(PilotReport),
    Item(WorkplanItem),
    Amendment(Amendment),
    Proposal(Proposal),
    Endorsement(Endorsement),
    Objection(Objection),
    Answer(Answer),
    Comment(Comment),
    Request(PositionRequest),
    Update(ItemUpdate),
    Workshop(crate::workshop::WorkshopRecord),
    PilotRecord(crate::pilot::PilotRecord),
    Progress(crate::pilot::PilotProgress),
    Translation(crate::translation::Translation),
}

/// The plan kinds (statements carry nothing else), partner records included:
/// a node keeps them all as plan rows.
pub fn is_plan_kind(kind: PayloadKind) -> bool {
    (PayloadKind::RECOMMENDATION.0..=PayloadKind::TRANSLATION.0).contains(&kind.0)
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
            PayloadKind::ITEM_AMENDMENT => Amendment::decode(version, bytes).map(Record::Amendment),
            PayloadKind::ITEM_PROPOSAL => Proposal::decode(version, bytes).map(Record::Proposal),
            PayloadKind::ENDORSEMENT => {
                Endorsement::decode(version, bytes).map(Record::Endorsement)
            }
            PayloadKind::OBJECTION => Objection::decode(version, bytes).map(Record::Objection),
            PayloadKind::ANSWER => Answer::decode(version, bytes).map(Record::Answer),
            PayloadKind::COMMENT => Comment::decode(version, bytes).map(Record::Comment),
            PayloadKind::POSITION_REQUEST => {
                PositionRequest::decode(version, bytes).map(Record::Request)
            }
            PayloadKind::ITEM_UPDATE => ItemUpdate::decode(version, bytes).map(Record::Update),
            PayloadKind::WORKSHOP => {
                crate::workshop::WorkshopRecord::decode(version, bytes).map(Record::Workshop)
            }
            PayloadKind::PILOT => {
                crate::pilot::PilotRecord::decode(version, bytes).map(Record::PilotRecord)
            }
            PayloadKind::PILOT_PROGRESS => {
                crate::pilot::PilotProgress::decode(version, bytes).map(Record::Progress)
            }
            PayloadKind::TRANSLATION => {
                crate::translation::Translation::decode(version, bytes).map(Record::Translation)
            }
            PayloadKind::STATEMENT => Statement::decode(version, bytes).and_then(|statement| {
                let bad = |reason: String| PayloadError::Malformed {
                    kind,
                    version,
                    reason,
                };
                let inner = statement.inner().map_err(bad)?;
                match Record::of(inner.kind, inner.version, &inner.payload) {
                    Some(Ok(Record::Item(item))) if item.proposed => Err(bad(format!(
                        "{} opens an item as proposed: a coordinator opens drafts, which a member proposes",
                        statement.signer
                    ))),
                    Some(Ok(Record::Update(u))) if u.status.is_some() => Err(bad(format!(
                        "{} records an item's status: a partner reports values and notes, the lead the status",
                        statement.author()
                    ))),
                    Some(Ok(record)) => Ok(record),
                    Some(Err(e)) => Err(bad(format!("the record it carries: {e}"))),
                    None => Err(bad("it carries no plan record".into())),
                }
            }),
            _ => return None,
        };
        Some(record)
    }

    /// The work-plan item a record is about, if it is about one.
    pub fn item(&self) -> Option<&RecordId> {
        match self {
            Record::Amendment(a) => Some(&a.item),
            Record::Proposal(p) => Some(&p.item),
            Record::Endorsement(e) => Some(&e.item),
            Record::Objection(o) => Some(&o.item),
            Record::Request(r) => Some(&r.item),
            Record::Update(u) => Some(&u.item),
            _ => None,
        }
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
            other => {
                for (what, text, many) in crate::workplan::typed_texts(other) {
                    refuse(what, text, if many { Lines::Many } else { Lines::One })?;
                }
                Ok(())
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
        Record::Workshop(w) => crate::workshop::check(origin, w),
        Record::Progress(p) => crate::pilot::check(origin, p),
        _ => Ok(()),
    }
}

/// The receiver's check of one event, on top of the payload schema: what the
/// record may not do, and a statement's signature: a coordinator's by a key
/// `signers` lists, a partner's by the key `partners` (the origin's partners as
/// its log stands before this event) holds for it. The caller advances
/// `partners` with [`crate::partner::PartnerBook::apply`] once it accepts the
/// event.
pub fn check_event(
    event: &SignedEvent,
    signers: &Signers,
    partners: &crate::partner::PartnerBook,
) -> Result<(), String> {
    if event.kind() == PayloadKind::STATEMENT {
        let statement =
            Statement::decode(event.version(), event.payload()).map_err(|e| e.to_string())?;
        if statement.partner.is_some() {
            statement.verify_partner(event.origin(), partners)?;
        } else {
            statement.verify(signers)?;
        }
    }
    if matches!(
        event.kind(),
        PayloadKind::PARTNER | PayloadKind::PARTNER_RETIREMENT
    ) {
        partners
            .clone()
            .apply(event.seq(), event.kind(), event.version(), event.payload())?;
    }
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
    /// Who said it: the event's origin, or a statement's signer.
    pub author: MemberId,
    /// Whether a statement carried it (a coordinator's or a partner's).
    pub statement: bool,
    /// The partner organisation of `author` that signed it, if one did.
    pub partner: Option<String>,
    /// The event's hash (what a version is named by).
    pub hash: EventHash,
}

impl Entry {
    /// Who said it, for people: `KH`, `ILO`, or `KH/kh-bar` for a partner.
    pub fn by(&self) -> String {
        match &self.partner {
            Some(p) => format!("{}/{p}", self.author),
            None => self.author.to_string(),
        }
    }
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
    /// Comments on it, by anyone (members, coordinators, partners).
    #[serde(default)]
    pub comments: Vec<crate::workplan::CommentView>,
    /// The partner organisation that submitted it (`KH/kh-mrc`); its member
    /// decides whether to endorse it nationally (its status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<String>,
    /// The workshop records (kind 21) that validated it, by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validated_at: Vec<RecordId>,
    /// When a language was asked for: whether `title` and `text` are shown in
    /// a translation (whose) or in the original, the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<crate::translation::Shown>,
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

/// A recommendation an item draws on, as far as this node knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub id: RecordId,
    /// `None` while this node has not received it.
    pub title: Option<String>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes in a verified event; other kinds and unreadable payloads are ignored
    /// (receivers refuse those before they are stored).
    pub fn apply(&mut self, event: &SignedEvent) {
        if let Some(Ok(record)) = Record::of(event.kind(), event.version(), event.payload()) {
            let statement = (event.kind() == PayloadKind::STATEMENT)
                .then(|| Statement::decode(event.version(), event.payload()).ok())
                .flatten();
            self.entries.insert(
                RecordId::of(event),
                Entry {
                    time_ms: event.time_ms(),
                    record,
                    statement: statement.is_some(),
                    partner: statement.as_ref().and_then(|s| s.partner.clone()),
                    author: statement.map_or_else(|| event.origin().clone(), |s| s.signer),
                    hash: event.hash(),
                },
            );
        }
    }

    pub(crate) fn insert(&mut self, id: RecordId, entry: Entry) {
        self.entries.insert(id, entry);
    }

    /// Every entry, by id (origin, then sequence).
    pub fn entries(&self) -> impl Iterator<Item = (&RecordId, &Entry)> {
        self.entries.iter()
    }

    /// The hash of the event `id`, hex (empty if not held): what breaks ties
    /// between concurrent records, the same at every node.
    pub(crate) fn hash_of(&self, id: &RecordId) -> String {
        self.entries
            .get(id)
            .map(|e| e.hash.to_string())
            .unwrap_or_default()
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

    pub(crate) fn recommendation(&self, id: &RecordId) -> Option<&Recommendation> {
        match self.entries.get(id).map(|e| &e.record) {
            Some(Record::Recommendation(r)) => Some(r),
            _ => None,
        }
    }

    /// Every recommendation, by id, with its status history in its author's order.
    pub fn recommendations(&self) -> Vec<RecommendationView> {
        self.recommendations_in(None)
    }

    /// [`Registry::recommendations`], with `title` and `text` in language
    /// `lang` where a translation exists (and `shown` saying what is shown).
    pub fn recommendations_in(&self, lang: Option<&str>) -> Vec<RecommendationView> {
        let mut views = self.recommendations_original();
        if let Some(lang) = lang {
            for v in &mut views {
                let r = &mut v.recommendation;
                v.shown = Some(self.show_in(
                    &v.id,
                    lang,
                    &mut [("title", &mut r.title), ("text", &mut r.text)],
                ));
            }
        }
        views
    }

    fn recommendations_original(&self) -> Vec<RecommendationView> {
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
                        comments: Vec::new(),
                        submitted_by: entry.partner.as_ref().map(|_| entry.by()),
                        validated_at: Vec::new(),
                        shown: None,
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
            if let Record::Workshop(w) = &entry.record {
                for r in w.validated.iter().filter(|r| r.origin == id.origin) {
                    if let Some(view) = views.get_mut(r) {
                        view.validated_at.push(id.clone());
                    }
                }
            }
            if let Record::Comment(c) = &entry.record
                && let Some(view) = views.get_mut(&c.on)
            {
                view.comments.push(crate::workplan::CommentView {
                    id: id.clone(),
                    by: entry.by(),
                    time_ms: entry.time_ms,
                    text: c.text.clone(),
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
                Record::Answer(a) => (&a.objection, "objection"),
                Record::Comment(c) => (&c.on, "work-plan item or recommendation"),
                other => match other.item() {
                    Some(item) => (item, "work-plan item"),
                    None => continue,
                },
            };
            let found = matches!(
                (self.entries.get(target).map(|e| &e.record), wanted),
                (Some(Record::Recommendation(_)), "recommendation")
                    | (Some(Record::Item(_)), "work-plan item")
                    | (Some(Record::Objection(_)), "objection")
                    | (
                        Some(Record::Item(_) | Record::Recommendation(_)),
                        "work-plan item or recommendation"
                    )
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
}

/// A list in one field or flag, such as actors: items separated by `;` or `,`
/// (`government;cso` and `government,cso` are the same list), blanks dropped.
pub fn list(text: &str) -> Vec<String> {
    text.split([';', ','])
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect()
}

/// A recommendation as a row of a workshop's CSV export: the columns, in any
/// order, are exactly these.
pub const RECOMMENDATION_COLUMNS: &[&str] =
    &["title", "text", "theme", "actors", "priority", "workshop"];

/// The workshop as two columns, in place of `workshop`.
pub const RECOMMENDATION_WORKSHOP_COLUMNS: &[&str] = &["workshop_place", "workshop_date"];

/// Reads one CSV row (fields in `columns` order, as the header gave them) into a
/// recommendation: `actors` separated by `;` or `,`, `workshop` as "Place,
/// YYYY-MM-DD", or with seven columns the place and the date apart
/// ([`RECOMMENDATION_WORKSHOP_COLUMNS`]).
/// The error names the 1-based column and what is wrong.
pub fn recommendation_from_row(
    columns: &[usize],
    fields: &[&str],
) -> Result<Recommendation, (usize, String)> {
    let field = |i: usize| -> (usize, &str) {
        let at = columns[i];
        (at + 1, fields.get(at).copied().unwrap_or("").trim())
    };
    let workshop = if columns.len() > 6 {
        let ((place_column, place), (date_column, date)) = (field(5), field(6));
        if Date::parse(date).is_none() {
            return Err((
                date_column,
                format!("workshop_date {date:?} is not a date: expected YYYY-MM-DD, as 2024-05-14"),
            ));
        }
        Workshop::new(place, date).map_err(|e| (place_column, e))?
    } else {
        let (workshop_column, workshop) = field(5);
        Workshop::parse(workshop).map_err(|e| (workshop_column, e))?
    };
    let recommendation = Recommendation {
        title: field(0).1.to_string(),
        text: field(1).1.to_string(),
        theme: field(2).1.to_string(),
        actors: list(field(3).1),
        priority: field(4).1.to_string(),
        workshop,
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

/// Signed histories of several members for tests: each member's events one
/// chain, keys derived from the member id.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod testing {
    use std::collections::BTreeMap;

    use crate::chain::ChainHead;
    use crate::event::{LogKind, SignedEvent};
    use crate::keys::SigningKey;
    use crate::member::MemberId;
    use crate::plan::RecordId;

    pub fn member(id: &str) -> MemberId {
        MemberId::new(id).unwrap()
    }

    /// A recommendation of a workshop in Phnom Penh titled `title`.
    pub fn recommendation(title: &str) -> crate::plan::Recommendation {
        crate::plan::Recommendation {
            title: title.into(),
            text: "Set up a hotline".into(),
            theme: "legal-aid".into(),
            actors: vec!["government".into(), "cso".into()],
            priority: "high".into(),
            workshop: crate::plan::Workshop::parse("Phnom Penh, 2024-05-14").unwrap(),
        }
    }

    pub fn key(id: &str) -> SigningKey {
        let mut seed = [0u8; 32];
        seed[..id.len()].copy_from_slice(id.as_bytes());
        SigningKey::from_seed(seed)
    }

    pub struct Histories {
        heads: BTreeMap<MemberId, ChainHead>,
        pub events: Vec<SignedEvent>,
    }

    impl Histories {
        pub fn new() -> Self {
            Self {
                heads: BTreeMap::new(),
                events: Vec::new(),
            }
        }

        pub fn add(&mut self, origin: &str, draft: crate::Draft) -> RecordId {
            let m = member(origin);
            let head = self.heads.entry(m.clone()).or_insert(ChainHead::EMPTY);
            let event = SignedEvent::seal(
                &key(origin),
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

        /// A draft as JSON at payload version 1 (what builds before item
        /// versions wrote).
        pub fn add_v1(&mut self, origin: &str, kind: crate::PayloadKind, json: &str) -> RecordId {
            self.add(
                origin,
                crate::Draft {
                    kind,
                    version: 1,
                    payload: json.as_bytes().to_vec(),
                },
            )
        }

        pub fn event(&self, id: &RecordId) -> &SignedEvent {
            self.events.iter().find(|e| &RecordId::of(e) == id).unwrap()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::testing::{Histories, member, recommendation};
    use super::*;
    use crate::manifest::Quorum;

    fn id(text: &str) -> RecordId {
        RecordId::parse(text).unwrap()
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
            version: crate::workplan::VersionRef::new(1, crate::event::EventHash::ZERO),
            reason: "budget\u{9b}2J".into(),
            contests_editorial: false,
        };
        let err = crate::kinds::check_new(PayloadKind::OBJECTION, 2, &objection.encode())
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
        // The work plan as builds before item versions wrote it (payload
        // version 1): it still reads, as version 1 of its item.
        let item = h.add_v1(
            "JP",
            PayloadKind::WORKPLAN_ITEM,
            &format!(
                r#"{{"title":"Joint referral protocol","draws_on":["{kh}","{id_}","{vn}"],"lead":"JP","members":["KH","ID","VN","JP"],"due":"2025-06"}}"#
            ),
        );
        h.add_v1(
            "VN",
            PayloadKind::OBJECTION,
            &format!(r#"{{"item":"{item}","reason":"budget unclear"}}"#),
        );
        for m in ["KH", "ID", "JP", "VN"] {
            h.add_v1(
                m,
                PayloadKind::ENDORSEMENT,
                &format!(r#"{{"item":"{item}","note":""}}"#),
            );
        }
        h.add_v1(
            "JP",
            PayloadKind::ITEM_UPDATE,
            &format!(
                r#"{{"item":"{item}","status":"in-progress","milestone":"first meeting held"}}"#
            ),
        );
        h.add_v1(
            "PH",
            PayloadKind::ENDORSEMENT,
            &format!(r#"{{"item":"{item}","note":""}}"#),
        );
        h
    }

    fn as_of() -> Date {
        Date::parse("2025-01-01").unwrap()
    }

    #[test]
    fn the_view_statuses_are_the_computed_ones_then_the_recorded_ones() {
        assert_eq!(
            RECOMMENDATION_VIEW_STATUSES,
            [&["proposed"][..], RECOMMENDATION_STATUSES].concat()
        );
        // Every status the registry shows is one of them.
        let registry = history().events.iter().fold(Registry::new(), |mut r, e| {
            r.apply(e);
            r
        });
        for r in registry.recommendations() {
            assert!(RECOMMENDATION_VIEW_STATUSES.contains(&r.status.as_str()));
        }
        for i in registry.items(Quorum::All, as_of()) {
            assert!(crate::workplan::STAGES.contains(&i.stage.as_str()));
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
    fn a_plan_written_before_item_versions_reads_as_version_1() {
        let h = history();
        let mut registry = Registry::new();
        for e in &h.events {
            registry.apply(e);
        }
        let items = registry.items(Quorum::All, as_of());
        assert_eq!(items.len(), 1);
        let item = &items[0];
        assert_eq!(item.id, id("JP-1"));
        assert_eq!(
            (item.stage.as_str(), item.agreed_version),
            ("in-progress", Some(1))
        );
        assert_eq!(item.proposer, Some(member("JP")));
        assert!(
            item.tally
                .positions
                .iter()
                .all(|p| p.position == "endorsed")
        );
        assert!(item.updates[0].note.contains("first meeting held"));
        assert_eq!(item.problems.len(), 1, "{:?}", item.problems);
        assert!(item.problems[0].contains("PH is not named"));
        assert!(item.draws_on.iter().all(|r| r.title.is_some()));
        // VN objected, then endorsed: its last word counts; the objection
        // stays in the history, unanswered.
        assert_eq!(item.objections.len(), 1);
        assert!(item.awaited.iter().any(|a| a.what.contains("answer")));
        let recs = registry.recommendations();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1].id, id("KH-1"));
        assert_eq!(recs[1].status, "endorsed-nationally");
        assert!(registry.unresolved().is_empty());

        // Without the last endorsements VN's objection stands; a majority
        // quorum needs three of four.
        let mut registry = Registry::new();
        for e in &h.events[..6] {
            registry.apply(e);
        }
        assert_eq!(registry.items(Quorum::All, as_of())[0].stage, "objected");
        let mut registry = Registry::new();
        for e in &h.events {
            registry.apply(e);
        }
        assert_eq!(registry.items(Quorum::Majority, as_of())[0].tally.needed, 3);
    }

    #[test]
    fn references_to_nothing_are_shown_not_applied() {
        let mut h = Histories::new();
        h.add_v1(
            "VN",
            PayloadKind::ENDORSEMENT,
            r#"{"item":"JP-9","note":""}"#,
        );
        let mut registry = Registry::new();
        registry.apply(&h.events[0]);
        assert!(registry.items(Quorum::All, as_of()).is_empty());
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
                serde_json::to_string(&registry.items(Quorum::All, as_of())).unwrap(),
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

        // The workshop in two columns, each with its own message; actors
        // separated by ',' as well.
        let columns = [0, 1, 2, 3, 4, 5, 6];
        let row = [
            "Hotline",
            "Set up",
            "legal-aid",
            "government, cso",
            "high",
            "Phnom Penh",
            "2024-05-14",
        ];
        let r = recommendation_from_row(&columns, &row).unwrap();
        assert_eq!(r.actors, vec!["government", "cso"]);
        assert_eq!(
            (r.workshop.place.as_str(), r.workshop.date.as_str()),
            ("Phnom Penh", "2024-05-14")
        );
        let mut bad = row;
        bad[6] = "14 May 2024";
        let (column, problem) = recommendation_from_row(&columns, &bad).unwrap_err();
        assert_eq!(column, 7);
        assert!(problem.starts_with("workshop_date \"14 May 2024\" is not a date"));
        let mut bad = row;
        bad[5] = "";
        assert_eq!(recommendation_from_row(&columns, &bad).unwrap_err().0, 6);
        // Limits count characters: 150 Khmer clusters (3 to 9 bytes each) are
        // a title; 201 are not, and the message counts characters.
        let khmer_title: String = "ព្រះ".repeat(150 / 2) + &"ក".repeat(75);
        assert!(khmer_title.len() > MAX_TITLE * 2);
        assert_eq!(text("title", &khmer_title, MAX_TITLE, true), Ok(()));
        let too_long = "ក".repeat(MAX_TITLE + 1);
        assert_eq!(
            text("title", &too_long, MAX_TITLE, true).unwrap_err(),
            "the title is 201 characters, more than the 200 allowed (characters as a reader counts them, in any script)"
        );
        let zalgo = format!("a{}", "\u{301}".repeat(MAX_TITLE * BYTES_PER_CHARACTER));
        assert!(
            text("title", &zalgo, MAX_TITLE, true)
                .unwrap_err()
                .contains("bytes")
        );
        // The date first in one column: the message says the order.
        let e = Workshop::parse("14 May 2024, Phnom Penh").unwrap_err();
        assert!(e.contains("the place comes first, then the date"), "{e}");
    }
}
