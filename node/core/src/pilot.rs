//! Pilot projects as records. A member registers a pilot (`pilot`, kind 22):
//! its country, the partner organisations running it, the recommendations it
//! tests, its start and end, and its indicators, each with a unit, a baseline
//! and a target. The member or a partner running the pilot then reports
//! progress (`pilot-progress`, kind 23): decimal values of the indicators at a
//! date, each with its unit, and the lessons and problems met.
//!
//! A value must be in its indicator's unit: that depends on the pilot record,
//! so the writing node refuses a mismatch before it is signed
//! ([`crate::plan::Registry::check_new`]) and every view shows one that reached
//! a log anyway as a problem, never as a value. The older `pilot-report` kind
//! (whole numbers, no unit, baseline or target) stays readable and is shown
//! apart.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::member::MemberId;
use crate::payload::PayloadKind;
use crate::plan::{Entry, MAX_TEXT, MAX_TITLE, Record, RecordId, Reference, Registry, slug, text};
use crate::workplan::{
    Decimal, Indicator, IndicatorValue, IndicatorView, Point, Source, UNITS, at_most, date,
    indicator_view, unique,
};

const MAX_LIST: usize = 50;

/// An indicator of a pilot: what its progress reports give values of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PilotIndicator {
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
}

impl PilotIndicator {
    /// The indicator as the work plan's indicators are: reported, by this pilot.
    pub fn as_indicator(&self, pilot: &str) -> Indicator {
        Indicator {
            id: self.id.clone(),
            name: self.name.clone(),
            unit: self.unit.clone(),
            currency: self.currency.clone(),
            baseline: self.baseline.clone(),
            target: self.target.clone(),
            source: Source::Reported {
                pilot: Some(pilot.to_string()),
            },
        }
    }
}

/// `pilot`: a pilot project, registered by its member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PilotRecord {
    /// Short name, unique within the member (`kh-referral-desk`).
    pub id: String,
    pub title: String,
    /// ISO 3166-1 alpha-2 code of the country it runs in.
    pub country: String,
    /// The member's partner organisations running it, by id; they may report
    /// its progress.
    #[serde(default)]
    pub partners: Vec<String>,
    /// The recommendations it tests.
    pub tests: Vec<RecordId>,
    /// YYYY-MM-DD.
    pub start: String,
    pub end: String,
    pub indicators: Vec<PilotIndicator>,
    #[serde(default)]
    pub description: String,
}

/// A value of one of the pilot's indicators, in the unit its record states.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressValue {
    pub indicator: String,
    pub value: Decimal,
    pub unit: String,
}

/// `pilot-progress`: values of a pilot's indicators at a date, by its member
/// or a partner running it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PilotProgress {
    /// The pilot's record (`KH-7`), in the same member's log.
    pub pilot: RecordId,
    /// YYYY-MM-DD: the date the values describe.
    pub date: String,
    pub values: Vec<ProgressValue>,
    #[serde(default)]
    pub lessons: String,
    #[serde(default)]
    pub problems: String,
}

impl PilotRecord {
    pub fn validate(&self) -> Result<(), String> {
        slug("pilot", &self.id)?;
        text("title", &self.title, MAX_TITLE, true)?;
        crate::partner::country(&self.country)?;
        at_most("partners", &self.partners, MAX_LIST)?;
        for p in &self.partners {
            slug("partner id", p)?;
        }
        unique("partner", self.partners.iter().map(String::as_str))?;
        if self.tests.is_empty() {
            return Err("the pilot names no recommendation it tests".into());
        }
        if self.tests.len() > MAX_LIST {
            return Err(format!("more than {MAX_LIST} recommendations tested"));
        }
        let start = date("start", &self.start)?;
        let end = date("end", &self.end)?;
        if end < start {
            return Err(format!(
                "the pilot ends ({}) before it starts ({})",
                self.end, self.start
            ));
        }
        if self.indicators.is_empty() {
            return Err("the pilot has no indicator".into());
        }
        at_most("indicators", &self.indicators, crate::plan::MAX_INDICATORS)?;
        for i in &self.indicators {
            i.as_indicator(&self.id).validate()?;
        }
        unique("indicator", self.indicators.iter().map(|i| i.id.as_str()))?;
        text("description", &self.description, MAX_TEXT, false)
    }

    pub(crate) fn texts(&self) -> Vec<(&'static str, &str, bool)> {
        let mut t = vec![
            ("title", self.title.as_str(), false),
            ("description", &self.description, true),
        ];
        t.extend(
            self.indicators
                .iter()
                .map(|i| ("indicator's name", i.name.as_str(), false)),
        );
        t
    }
}

impl PilotProgress {
    pub fn validate(&self) -> Result<(), String> {
        date("date", &self.date)?;
        if self.values.is_empty() {
            return Err("the report gives no value".into());
        }
        at_most("values", &self.values, crate::plan::MAX_INDICATORS)?;
        for v in &self.values {
            slug("indicator", &v.indicator)?;
            if !UNITS.contains(&v.unit.as_str()) {
                return Err(format!(
                    "indicator {}: unit {:?} is not one of {}",
                    v.indicator,
                    v.unit,
                    UNITS.join(", ")
                ));
            }
        }
        unique(
            "indicator",
            self.values.iter().map(|v| v.indicator.as_str()),
        )?;
        text("lessons", &self.lessons, MAX_TEXT, false)?;
        text("problems", &self.problems, MAX_TEXT, false)
    }

    pub(crate) fn texts(&self) -> Vec<(&'static str, &str, bool)> {
        vec![
            ("lessons", self.lessons.as_str(), true),
            ("problems", &self.problems, true),
        ]
    }
}

crate::payload::json_payload!(PilotRecord, PayloadKind::PILOT, 1, PilotRecord::validate);
crate::payload::json_payload!(
    PilotProgress,
    PayloadKind::PILOT_PROGRESS,
    1,
    PilotProgress::validate
);

/// What one event may not do: report on another member's pilot.
pub(crate) fn check(origin: &MemberId, p: &PilotProgress) -> Result<(), String> {
    if &p.pilot.origin == origin {
        Ok(())
    } else {
        Err(format!(
            "{origin} reports on {}, a pilot of {}: progress is reported in the pilot's member's log",
            p.pilot, p.pilot.origin
        ))
    }
}

/// Why a progress report (by `entry`) cannot count against `pilot`, if it cannot.
pub(crate) fn progress_problem(
    pilot: Option<(&RecordId, &Entry, &PilotRecord)>,
    entry: &Entry,
    p: &PilotProgress,
) -> Option<String> {
    let Some((pilot_id, pilot_entry, pilot)) = pilot else {
        return Some(format!(
            "{} is not a pilot this node holds (check the id, or wait until it has replicated)",
            p.pilot
        ));
    };
    if let Some(partner) = &entry.partner
        && !pilot.partners.contains(partner)
    {
        return Some(format!(
            "{} does not run pilot {} ({pilot_id}): its progress is reported by {} or the partners the pilot names ({})",
            entry.by(),
            pilot.id,
            pilot_entry.author,
            if pilot.partners.is_empty() {
                "none".to_string()
            } else {
                pilot.partners.join(", ")
            }
        ));
    }
    for v in &p.values {
        let Some(i) = pilot.indicators.iter().find(|i| i.id == v.indicator) else {
            return Some(format!(
                "pilot {} has no indicator {:?}; its indicators are {}",
                pilot.id,
                v.indicator,
                pilot
                    .indicators
                    .iter()
                    .map(|i| i.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        if i.unit != v.unit {
            return Some(format!(
                "indicator {} of pilot {} is measured in {}; this value is given in {}",
                i.id, pilot.id, i.unit, v.unit
            ));
        }
        if i.unit == "percentage"
            && (v.value < Decimal::from_units(0) || v.value > Decimal::from_units(100))
        {
            return Some(format!(
                "indicator {}: {} is not a percentage from 0 to 100",
                i.id, v.value
            ));
        }
    }
    None
}

/// A progress report as the pilot's view shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressView {
    pub id: RecordId,
    /// `KH` or `KH/kh-mrc`.
    pub by: String,
    pub time_ms: i64,
    pub date: String,
    pub values: Vec<ProgressValue>,
    pub lessons: String,
    pub problems: String,
    /// Why its values do not count, if they do not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// When a language was asked for: whether `lessons` and `problems` are a
    /// translation (whose) or the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<crate::translation::Shown>,
}

/// A pilot with its indicators' values over time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PilotRecordView {
    pub id: RecordId,
    pub member: MemberId,
    pub time_ms: i64,
    /// The pilot's short name.
    pub pilot: String,
    pub title: String,
    pub country: String,
    /// The partners running it, as `KH/kh-mrc`.
    pub partners: Vec<String>,
    pub tests: Vec<Reference>,
    pub start: String,
    pub end: String,
    pub description: String,
    pub indicators: Vec<IndicatorView>,
    /// Oldest first.
    pub reports: Vec<ProgressView>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// When a language was asked for: whether `title` and `description` are a
    /// translation (whose) or the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<crate::translation::Shown>,
}

type Pilots<'a> = BTreeMap<&'a RecordId, (&'a Entry, &'a PilotRecord)>;

fn pilots(registry: &Registry) -> Pilots<'_> {
    registry
        .entries()
        .filter_map(|(id, e)| match &e.record {
            Record::PilotRecord(p) => Some((id, (e, p))),
            _ => None,
        })
        .collect()
}

/// Why a pilot registration is not valid here, if it is not: a short name its
/// member used before.
fn registration_problem(pilots: &Pilots<'_>, id: &RecordId, p: &PilotRecord) -> Option<String> {
    pilots
        .iter()
        .find(|(other, (_, q))| other.origin == id.origin && other.seq < id.seq && q.id == p.id)
        .map(|(other, _)| {
            format!(
                "{} registered pilot {} before ({other}): a pilot's short name is used once",
                id.origin, p.id
            )
        })
}

impl Registry {
    /// Why a new pilot record or progress report is wrong here, if it is.
    pub(crate) fn check_pilot(&self, id: &RecordId, entry: &Entry) -> Result<(), String> {
        let all = pilots(self);
        match &entry.record {
            Record::PilotRecord(p) => {
                if let Some(t) = p.tests.iter().find(|t| self.recommendation(t).is_none()) {
                    return Err(format!(
                        "{t} is not a recommendation this node holds (check the id, or wait until it has replicated)"
                    ));
                }
                registration_problem(&all, id, p).map_or(Ok(()), Err)
            }
            Record::Progress(p) => {
                let pilot = all.get(&p.pilot).map(|(e, r)| (&p.pilot, *e, *r));
                progress_problem(pilot, entry, p).map_or(Ok(()), Err)
            }
            _ => Ok(()),
        }
    }

    /// Every pilot record, by id, with its reports and its indicators' values.
    pub fn pilot_records(&self) -> Vec<PilotRecordView> {
        self.pilot_records_in(None)
    }

    /// [`Registry::pilot_records`] with the pilots' and reports' texts in
    /// `lang` where translated, saying so.
    pub fn pilot_records_in(&self, lang: Option<&str>) -> Vec<PilotRecordView> {
        let mut views = self.pilot_records_original();
        if let Some(lang) = lang {
            for v in &mut views {
                v.shown = Some(self.show_in(
                    &v.id,
                    lang,
                    &mut [("title", &mut v.title), ("description", &mut v.description)],
                ));
                for r in &mut v.reports {
                    r.shown = Some(self.show_in(
                        &r.id,
                        lang,
                        &mut [("lessons", &mut r.lessons), ("problems", &mut r.problems)],
                    ));
                }
            }
        }
        views
    }

    fn pilot_records_original(&self) -> Vec<PilotRecordView> {
        let all = pilots(self);
        let mut views: BTreeMap<&RecordId, PilotRecordView> = all
            .iter()
            .map(|(id, (entry, p))| {
                let mut problems: Vec<String> = p
                    .tests
                    .iter()
                    .filter(|t| self.recommendation(t).is_none())
                    .map(|t| format!("tests {t}, which this node holds no recommendation as"))
                    .collect();
                problems.extend(registration_problem(&all, id, p));
                let view = PilotRecordView {
                    id: (*id).clone(),
                    member: id.origin.clone(),
                    time_ms: entry.time_ms,
                    pilot: p.id.clone(),
                    title: p.title.clone(),
                    country: p.country.clone(),
                    partners: p
                        .partners
                        .iter()
                        .map(|x| format!("{}/{x}", id.origin))
                        .collect(),
                    tests: p
                        .tests
                        .iter()
                        .map(|t| Reference {
                            id: t.clone(),
                            title: self.recommendation(t).map(|r| r.title.clone()),
                        })
                        .collect(),
                    start: p.start.clone(),
                    end: p.end.clone(),
                    description: p.description.clone(),
                    indicators: Vec::new(),
                    reports: Vec::new(),
                    problems,
                    shown: None,
                };
                (*id, view)
            })
            .collect();
        let mut values: BTreeMap<RecordId, BTreeMap<String, Vec<IndicatorValue>>> = BTreeMap::new();
        for (id, entry) in self.entries() {
            let Record::Progress(p) = &entry.record else {
                continue;
            };
            let pilot = all.get(&p.pilot).map(|(e, r)| (&p.pilot, *e, *r));
            let refused = progress_problem(pilot, entry, p);
            let Some(view) = views.get_mut(&p.pilot) else {
                continue;
            };
            if refused.is_none() {
                for v in &p.values {
                    values
                        .entry(p.pilot.clone())
                        .or_default()
                        .entry(v.indicator.clone())
                        .or_default()
                        .push(IndicatorValue {
                            date: p.date.clone(),
                            value: Some(v.value),
                            status: "reported".into(),
                            source: format!("{id} by {}", entry.by()),
                            standard_error: None,
                        });
                }
            } else if let Some(why) = &refused {
                view.problems.push(format!("{id}: {why}"));
            }
            view.reports.push(ProgressView {
                id: id.clone(),
                by: entry.by(),
                time_ms: entry.time_ms,
                date: p.date.clone(),
                values: p.values.clone(),
                lessons: p.lessons.clone(),
                problems: p.problems.clone(),
                refused,
                shown: None,
            });
        }
        for (id, view) in &mut views {
            let (_, p) = all[id];
            let mut of = values.remove(*id).unwrap_or_default();
            view.indicators = p
                .indicators
                .iter()
                .map(|i| {
                    indicator_view(i.as_indicator(&p.id), of.remove(&i.id).unwrap_or_default())
                })
                .collect();
            view.reports
                .sort_by(|a, b| (&a.date, &a.id).cmp(&(&b.date, &b.id)));
        }
        views.into_values().collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::case::Date;
    use crate::event::EventHash;
    use crate::payload::Payload as _;

    pub(crate) fn sample() -> PilotRecord {
        PilotRecord {
            id: "kh-referral-desk".into(),
            title: "Referral desk at the provincial labour office".into(),
            country: "KH".into(),
            partners: vec!["kh-mrc".into()],
            tests: vec![RecordId::parse("KH-1").unwrap()],
            start: "2024-06-01".into(),
            end: "2025-05-31".into(),
            indicators: vec![
                PilotIndicator {
                    id: "workers-referred".into(),
                    name: "Workers referred to legal aid".into(),
                    unit: "count".into(),
                    currency: None,
                    baseline: Point {
                        value: Decimal::parse("0").unwrap(),
                        date: "2024-06-01".into(),
                    },
                    target: Point {
                        value: Decimal::parse("200").unwrap(),
                        date: "2025-05-31".into(),
                    },
                },
                PilotIndicator {
                    id: "resolved-share".into(),
                    name: "Share of referrals resolved".into(),
                    unit: "percentage".into(),
                    currency: None,
                    baseline: Point {
                        value: Decimal::parse("10").unwrap(),
                        date: "2024-06-01".into(),
                    },
                    target: Point {
                        value: Decimal::parse("50").unwrap(),
                        date: "2025-05-31".into(),
                    },
                },
            ],
            description: String::new(),
        }
    }

    fn progress(unit: &str, value: &str) -> PilotProgress {
        PilotProgress {
            pilot: RecordId::parse("KH-2").unwrap(),
            date: "2024-12-31".into(),
            values: vec![ProgressValue {
                indicator: "resolved-share".into(),
                value: Decimal::parse(value).unwrap(),
                unit: unit.into(),
            }],
            lessons: "Referrals need an interpreter.".into(),
            problems: String::new(),
        }
    }

    fn entry(record: Record, partner: Option<&str>) -> Entry {
        Entry {
            time_ms: 0,
            record,
            author: MemberId::new("KH").unwrap(),
            statement: partner.is_some(),
            partner: partner.map(str::to_string),
            hash: EventHash([0; 32]),
        }
    }

    fn registry() -> Registry {
        let mut r = Registry::new();
        r.insert(
            RecordId::parse("KH-1").unwrap(),
            entry(
                Record::Recommendation(crate::plan::testing::recommendation("Desk")),
                None,
            ),
        );
        r.insert(
            RecordId::parse("KH-2").unwrap(),
            entry(Record::PilotRecord(sample()), None),
        );
        r
    }

    #[test]
    fn a_pilot_round_trips_and_its_rules_hold() {
        let p = sample();
        let d = p.to_draft();
        assert_eq!(PilotRecord::decode(d.version, &d.payload).unwrap(), p);
        let mut bad = sample();
        bad.end = "2024-01-01".into();
        assert!(
            bad.validate()
                .unwrap_err()
                .contains("ends (2024-01-01) before it starts")
        );
        let mut bad = sample();
        bad.indicators[1].unit = "people".into();
        assert!(
            bad.validate()
                .unwrap_err()
                .contains("unit \"people\" is not one of")
        );
        let mut bad = sample();
        bad.indicators[1].id = "workers-referred".into();
        assert!(bad.validate().unwrap_err().contains("given twice"));
        let kh = MemberId::new("KH").unwrap();
        let mut other = progress("percentage", "20");
        assert!(check(&kh, &other).is_ok());
        other.pilot = RecordId::parse("VN-2").unwrap();
        assert!(check(&kh, &other).unwrap_err().contains("a pilot of VN"));
    }

    #[test]
    fn a_value_in_the_wrong_unit_or_by_a_partner_not_running_it_is_refused_and_not_counted() {
        let mut r = registry();
        let id = RecordId::parse("KH-3").unwrap();
        let e = r
            .check_pilot(
                &id,
                &entry(Record::Progress(progress("count", "20")), Some("kh-mrc")),
            )
            .unwrap_err();
        assert_eq!(
            e,
            "indicator resolved-share of pilot kh-referral-desk is measured in percentage; this value is given in count"
        );
        let e = r
            .check_pilot(
                &id,
                &entry(
                    Record::Progress(progress("percentage", "20")),
                    Some("kh-bar"),
                ),
            )
            .unwrap_err();
        assert!(
            e.contains("KH/kh-bar does not run pilot kh-referral-desk"),
            "{e}"
        );
        assert!(
            r.check_pilot(
                &id,
                &entry(Record::Progress(progress("percentage", "120")), None)
            )
            .unwrap_err()
            .contains("not a percentage")
        );
        let good = entry(
            Record::Progress(progress("percentage", "30")),
            Some("kh-mrc"),
        );
        r.check_pilot(&id, &good).unwrap();
        r.insert(id, good);
        // One that reached a log anyway is shown, never counted.
        r.insert(
            RecordId::parse("KH-4").unwrap(),
            entry(Record::Progress(progress("count", "99")), None),
        );
        let views = r.pilot_records();
        assert_eq!(views.len(), 1);
        let v = &views[0];
        let share = v
            .indicators
            .iter()
            .find(|i| i.indicator.id == "resolved-share")
            .unwrap();
        assert_eq!(share.values.len(), 1);
        assert_eq!(share.latest.as_ref().unwrap().value, Decimal::parse("30"));
        // 10 -> 50, at 30: half way.
        assert_eq!(share.progress_percent, Some(50.0));
        assert_eq!(v.reports.len(), 2);
        assert!(
            v.problems
                .iter()
                .any(|p| p.starts_with("KH-4: indicator resolved-share"))
        );
        assert_eq!(v.partners, vec!["KH/kh-mrc".to_string()]);
        assert_eq!(v.tests[0].title.as_deref(), Some("Desk"));
    }

    #[test]
    fn a_short_name_used_twice_is_a_problem() {
        let mut r = registry();
        let again = entry(Record::PilotRecord(sample()), None);
        let id = RecordId::parse("KH-5").unwrap();
        assert!(
            r.check_pilot(&id, &again)
                .unwrap_err()
                .contains("registered pilot kh-referral-desk before (KH-2)")
        );
        r.insert(id, again);
        let views = r.pilot_records();
        assert!(views[1].problems[0].contains("before (KH-2)"));
        assert!(views[0].problems.is_empty());
    }

    #[test]
    fn a_work_plan_indicator_naming_the_pilot_follows_its_counted_values() {
        use crate::manifest::Quorum;
        use crate::workplan::{ItemContent, WorkplanItem};
        let mut r = registry();
        r.insert(
            RecordId::parse("KH-3").unwrap(),
            entry(
                Record::Progress(progress("percentage", "30")),
                Some("kh-mrc"),
            ),
        );
        let mut wrong_unit = sample().indicators[1].as_indicator("kh-referral-desk");
        wrong_unit.unit = "count".into();
        let indicators = vec![
            sample().indicators[1].as_indicator("kh-referral-desk"),
            Indicator {
                id: "other".into(),
                ..wrong_unit
            },
        ];
        let content = ItemContent {
            title: "Referral desks".into(),
            objective: "Workers reach a remedy".into(),
            outputs: vec![],
            activities: vec![],
            draws_on: vec![RecordId::parse("KH-1").unwrap()],
            lead: MemberId::new("KH").unwrap(),
            members: vec![MemberId::new("KH").unwrap()],
            milestones: vec![],
            indicators,
            due: "2027-06".into(),
        };
        r.insert(
            RecordId::parse("KH-4").unwrap(),
            entry(
                Record::Item(WorkplanItem {
                    proposed: true,
                    content,
                }),
                None,
            ),
        );
        let items = r.items(Quorum::All, Date::parse("2025-01-01").unwrap());
        let share = &items[0].indicators[0];
        assert_eq!(share.values.len(), 1);
        assert_eq!(share.values[0].source, "KH-3 by KH/kh-mrc");
        assert_eq!(share.latest.as_ref().unwrap().value, Decimal::parse("30"));
        assert!(items[0].indicators[1].values.is_empty());
    }

    #[test]
    fn a_pilots_report_reads_in_the_language_asked_for() {
        let mut r = registry();
        r.insert(
            RecordId::parse("KH-3").unwrap(),
            entry(
                Record::Progress(progress("percentage", "30")),
                Some("kh-mrc"),
            ),
        );
        let translation = crate::translation::Translation {
            of: RecordId::parse("KH-3").unwrap(),
            lang: "ja".into(),
            fields: [("lessons".to_string(), "通訳が必要です。".to_string())].into(),
        };
        r.insert(
            RecordId::parse("KH-4").unwrap(),
            entry(Record::Translation(translation), Some("kh-mrc")),
        );
        let views = r.pilot_records_in(Some("ja"));
        let report = &views[0].reports[0];
        assert_eq!(report.lessons, "通訳が必要です。");
        let shown = report.shown.as_ref().unwrap();
        assert!(shown.translated);
        assert_eq!(shown.by.as_deref(), Some("KH/kh-mrc"));
        assert!(!views[0].shown.as_ref().unwrap().translated);
        assert_eq!(
            r.pilot_records()[0].reports[0].lessons,
            "Referrals need an interpreter."
        );
    }

    #[test]
    fn a_recommendation_names_the_workshops_that_validated_it() {
        let mut r = registry();
        let mut w = crate::workshop::tests::sample();
        w.validated = vec![RecordId::parse("KH-1").unwrap()];
        r.insert(
            RecordId::parse("KH-5").unwrap(),
            entry(Record::Workshop(w), None),
        );
        let recs = r.recommendations();
        assert_eq!(recs[0].validated_at, vec![RecordId::parse("KH-5").unwrap()]);
    }
}
