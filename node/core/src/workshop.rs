//! National consultation workshops as records (`workshop`, kind 21): when and
//! where, who organised it, the languages spoken, how many took part by
//! stakeholder group and by sex (counts only, never names), the agenda, a
//! summary, and the recommendations it validated.
//!
//! The counts are in the member's shared log, which every party of the
//! federation reads. What the regional view *shows* of them follows the
//! federation's disclosure threshold `k` (`min_threshold`), as statistics do:
//! a count from 1 to k-1 is suppressed, and when one count of a breakdown is
//! suppressed the smallest other non-zero one is too, so no suppressed count
//! can be had back by subtracting the others from the total. A member's figure
//! over its workshops is the sum of what was shown: exact when nothing in it was
//! suppressed, a lower bound (`lower-bound`) when something was.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::case::Date;
use crate::member::MemberId;
use crate::partner::GROUPS;
use crate::payload::PayloadKind;
use crate::plan::{MAX_TEXT, MAX_TITLE, RecordId, text, unique_names};
use crate::regional::{Figure, Status};
use crate::workplan::{at_most, unique};

/// How participants are counted by sex.
pub const SEXES: &[&str] = &["female", "male", "other", "not-stated"];
/// The most people one workshop may count.
pub const MAX_PARTICIPANTS: u64 = 1_000_000;
const MAX_AGENDA: usize = 50;
const MAX_LINE: usize = 1_000;
const MAX_LANGUAGES: usize = 10;
const MAX_VALIDATED: usize = 200;

/// Who took part: a total and two breakdowns of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Participation {
    pub total: u64,
    /// By stakeholder group ([`GROUPS`]); adds up to `total`.
    #[serde(deserialize_with = "unique_names")]
    pub by_group: BTreeMap<String, u64>,
    /// By sex ([`SEXES`]); adds up to `total`.
    #[serde(deserialize_with = "unique_names")]
    pub by_sex: BTreeMap<String, u64>,
}

/// `workshop`: a national consultation workshop, as its member records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkshopRecord {
    pub title: String,
    /// YYYY-MM-DD.
    pub date: String,
    pub place: String,
    /// Who convened it (an agency, with its co-organisers).
    pub organiser: String,
    /// ISO 639-1 codes of the languages spoken (`km`, `en`).
    pub languages: Vec<String>,
    pub participants: Participation,
    #[serde(default)]
    pub agenda: Vec<String>,
    pub summary: String,
    /// The member's own recommendations the workshop validated.
    #[serde(default)]
    pub validated: Vec<RecordId>,
}

fn breakdown(
    what: &str,
    counts: &BTreeMap<String, u64>,
    codes: &[&str],
    total: u64,
) -> Result<(), String> {
    for name in counts.keys() {
        if !codes.contains(&name.as_str()) {
            return Err(format!(
                "participants by {what}: {name:?} is not one of {}",
                codes.join(", ")
            ));
        }
    }
    let sum = counts.values().try_fold(0u64, |a, n| a.checked_add(*n));
    match sum {
        Some(sum) if sum == total => Ok(()),
        Some(sum) => Err(format!(
            "participants by {what} add up to {sum}, not to the total of {total}: every participant is counted once in each breakdown"
        )),
        None => Err(format!("participants by {what} overflow")),
    }
}

impl WorkshopRecord {
    pub fn validate(&self) -> Result<(), String> {
        text("title", &self.title, MAX_TITLE, true)?;
        Date::parse(&self.date)
            .ok_or_else(|| format!("workshop date {:?} is not a date (YYYY-MM-DD)", self.date))?;
        text("place", &self.place, MAX_TITLE, true)?;
        text("organiser", &self.organiser, MAX_TITLE, true)?;
        if self.languages.is_empty() || self.languages.len() > MAX_LANGUAGES {
            return Err(format!(
                "name 1 to {MAX_LANGUAGES} languages spoken, as ISO 639-1 codes (km, id, vi, ja, en)"
            ));
        }
        for l in &self.languages {
            if l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(format!(
                    "language {l:?} is not an ISO 639-1 code such as km, id, vi, ja or en"
                ));
            }
        }
        unique("language", self.languages.iter().map(String::as_str))?;
        let p = &self.participants;
        if p.total == 0 || p.total > MAX_PARTICIPANTS {
            return Err(format!(
                "the total of participants is {}: it must be 1 to {MAX_PARTICIPANTS}",
                p.total
            ));
        }
        breakdown("stakeholder group", &p.by_group, GROUPS, p.total)?;
        breakdown("sex", &p.by_sex, SEXES, p.total)?;
        at_most("agenda points", &self.agenda, MAX_AGENDA)?;
        for point in &self.agenda {
            text("agenda point", point, MAX_LINE, true)?;
        }
        text("summary", &self.summary, MAX_TEXT, true)?;
        at_most("validated recommendations", &self.validated, MAX_VALIDATED)?;
        let validated: Vec<String> = self.validated.iter().map(ToString::to_string).collect();
        unique(
            "validated recommendation",
            validated.iter().map(String::as_str),
        )?;
        Ok(())
    }

    /// The texts people typed, for the control-character rule.
    pub(crate) fn texts(&self) -> Vec<(&'static str, &str, bool)> {
        let mut t = vec![
            ("title", self.title.as_str(), false),
            ("place", &self.place, false),
            ("organiser", &self.organiser, false),
            ("summary", &self.summary, true),
        ];
        t.extend(
            self.agenda
                .iter()
                .map(|a| ("agenda point", a.as_str(), false)),
        );
        t
    }
}

crate::payload::json_payload!(
    WorkshopRecord,
    PayloadKind::WORKSHOP,
    1,
    WorkshopRecord::validate
);

/// What one event may not do: a member's workshop validates the member's own
/// recommendations.
pub(crate) fn check(origin: &MemberId, w: &WorkshopRecord) -> Result<(), String> {
    match w.validated.iter().find(|r| &r.origin != origin) {
        Some(r) => Err(format!(
            "a workshop of {origin} validates {r}, a recommendation of {}: a workshop validates its own member's recommendations",
            r.origin
        )),
        None => Ok(()),
    }
}

/// One breakdown as shown regionally, names in code-list order.
pub type Shown = BTreeMap<String, Figure>;

fn figure(value: Option<u64>, status: Status) -> Figure {
    Figure {
        value: value.map(|v| i64::try_from(v).unwrap_or(i64::MAX)),
        status,
        variance: None,
    }
}

/// Suppresses one breakdown at threshold `k`: counts from 1 to k-1, and when
/// exactly one is, the smallest other non-zero count too.
pub fn suppress(counts: &BTreeMap<String, u64>, k: u64) -> Shown {
    let small = |n: u64| n > 0 && n < k;
    let mut hidden: BTreeSet<&String> = counts
        .iter()
        .filter(|(_, n)| small(**n))
        .map(|(name, _)| name)
        .collect();
    if hidden.len() == 1
        && let Some((name, _)) = counts
            .iter()
            .filter(|(name, n)| **n > 0 && !hidden.contains(name))
            .min_by_key(|(name, n)| (**n, (*name).clone()))
    {
        hidden.insert(name);
    }
    counts
        .iter()
        .map(|(name, n)| {
            let f = if hidden.contains(name) {
                figure(None, Status::Suppressed)
            } else {
                figure(Some(*n), Status::Published)
            };
            (name.clone(), f)
        })
        .collect()
}

/// Participation as the regional view shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShownParticipation {
    pub total: Figure,
    pub by_group: Shown,
    pub by_sex: Shown,
}

impl ShownParticipation {
    pub fn of(p: &Participation, k: u64) -> Self {
        let total = if p.total < k {
            figure(None, Status::Suppressed)
        } else {
            figure(Some(p.total), Status::Published)
        };
        let mut shown = Self {
            total,
            by_group: suppress(&p.by_group, k),
            by_sex: suppress(&p.by_sex, k),
        };
        // Below the threshold in all, nothing of it is shown.
        if p.total < k {
            for f in shown.by_group.values_mut().chain(shown.by_sex.values_mut()) {
                if f.value != Some(0) {
                    *f = figure(None, Status::Suppressed);
                }
            }
        }
        shown
    }

    /// The sum of shown participations: exact where nothing summed was
    /// withheld, a lower bound (the sum of what was shown) where something
    /// was, and suppressed where everything was.
    pub fn sum<'a>(all: impl IntoIterator<Item = &'a ShownParticipation>) -> Self {
        /// The sum of what was shown, and whether anything was shown or withheld.
        #[derive(Default, Clone, Copy)]
        struct Acc {
            shown: u64,
            any_shown: bool,
            any_withheld: bool,
        }
        impl Acc {
            fn add(&mut self, f: &Figure) {
                match f.value {
                    Some(v) => {
                        self.shown += u64::try_from(v).unwrap_or(0);
                        self.any_shown = true;
                    }
                    None => self.any_withheld = true,
                }
            }
            fn figure(self) -> Figure {
                match (self.any_shown, self.any_withheld) {
                    (false, true) => figure(None, Status::Suppressed),
                    (_, true) => figure(Some(self.shown), Status::LowerBound),
                    _ => figure(Some(self.shown), Status::Published),
                }
            }
        }
        let mut total = Acc::default();
        let mut by_group: BTreeMap<String, Acc> = BTreeMap::new();
        let mut by_sex: BTreeMap<String, Acc> = BTreeMap::new();
        for p in all {
            total.add(&p.total);
            for (name, f) in &p.by_group {
                by_group.entry(name.clone()).or_default().add(f);
            }
            for (name, f) in &p.by_sex {
                by_sex.entry(name.clone()).or_default().add(f);
            }
        }
        let done = |m: BTreeMap<String, Acc>| m.into_iter().map(|(k, a)| (k, a.figure())).collect();
        Self {
            total: total.figure(),
            by_group: done(by_group),
            by_sex: done(by_sex),
        }
    }
}

/// A recommendation a workshop validated, as far as this node knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validated {
    pub id: RecordId,
    /// `None` while this node holds no recommendation by that id.
    pub title: Option<String>,
    pub status: Option<String>,
}

/// A workshop as the regional view shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkshopView {
    pub id: RecordId,
    pub member: MemberId,
    pub time_ms: i64,
    pub title: String,
    pub date: String,
    pub place: String,
    pub organiser: String,
    pub languages: Vec<String>,
    pub participants: ShownParticipation,
    pub agenda: Vec<String>,
    pub summary: String,
    pub validated: Vec<Validated>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// When a language was asked for: whether `title` and `summary` are a
    /// translation (whose) or the original.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<crate::translation::Shown>,
}

/// One member's workshops and what they add up to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CountryWorkshops {
    pub member: MemberId,
    pub workshops: Vec<WorkshopView>,
    /// The sum of the workshops' shown participation.
    pub participants: ShownParticipation,
    /// Recommendations validated at its workshops.
    pub recommendations_validated: usize,
}

/// Workshops per member, newest first within each, at threshold `k`; texts in
/// `lang` where translated (recommendations' titles too).
pub fn by_country(
    registry: &crate::plan::Registry,
    k: u64,
    lang: Option<&str>,
) -> Vec<CountryWorkshops> {
    let recommendations: BTreeMap<RecordId, crate::plan::RecommendationView> = registry
        .recommendations_in(lang)
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let mut by: BTreeMap<MemberId, Vec<WorkshopView>> = BTreeMap::new();
    for (id, entry) in registry.entries() {
        let crate::plan::Record::Workshop(w) = &entry.record else {
            continue;
        };
        let validated: Vec<Validated> = w
            .validated
            .iter()
            .map(|r| Validated {
                id: r.clone(),
                title: recommendations
                    .get(r)
                    .map(|v| v.recommendation.title.clone()),
                status: recommendations.get(r).map(|v| v.status.clone()),
            })
            .collect();
        let problems = validated
            .iter()
            .filter(|v| v.title.is_none())
            .map(|v| {
                format!(
                    "validates {}, which this node holds no recommendation as",
                    v.id
                )
            })
            .collect();
        let (mut title, mut summary) = (w.title.clone(), w.summary.clone());
        let shown = lang.map(|lang| {
            registry.show_in(
                id,
                lang,
                &mut [("title", &mut title), ("summary", &mut summary)],
            )
        });
        by.entry(id.origin.clone()).or_default().push(WorkshopView {
            id: id.clone(),
            member: id.origin.clone(),
            time_ms: entry.time_ms,
            title,
            date: w.date.clone(),
            place: w.place.clone(),
            organiser: w.organiser.clone(),
            languages: w.languages.clone(),
            participants: ShownParticipation::of(&w.participants, k),
            agenda: w.agenda.clone(),
            summary,
            validated,
            problems,
            shown,
        });
    }
    by.into_iter()
        .map(|(member, mut workshops)| {
            workshops.sort_by(|a, b| (&b.date, &b.id).cmp(&(&a.date, &a.id)));
            CountryWorkshops {
                participants: ShownParticipation::sum(workshops.iter().map(|w| &w.participants)),
                recommendations_validated: workshops
                    .iter()
                    .flat_map(|w| w.validated.iter().map(|v| &v.id))
                    .collect::<BTreeSet<_>>()
                    .len(),
                member,
                workshops,
            }
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use crate::payload::Payload as _;

    pub(crate) fn sample() -> WorkshopRecord {
        WorkshopRecord {
            title: "National consultation on access to remedy".into(),
            date: "2024-05-14".into(),
            place: "Phnom Penh".into(),
            organiser: "Ministry of Labour and Vocational Training".into(),
            languages: vec!["km".into(), "en".into()],
            participants: Participation {
                total: 42,
                by_group: [("government", 10), ("cso", 20), ("bar-association", 12)]
                    .into_iter()
                    .map(|(g, n)| (g.to_string(), n))
                    .collect(),
                by_sex: [("female", 24), ("male", 18)]
                    .into_iter()
                    .map(|(g, n)| (g.to_string(), n))
                    .collect(),
            },
            agenda: vec!["Findings of the mapping".into()],
            summary: "Two recommendations validated.".into(),
            validated: vec![RecordId::parse("KH-3").unwrap()],
        }
    }

    #[test]
    fn a_workshop_round_trips_and_counts_that_do_not_add_up_are_refused() {
        let w = sample();
        let d = w.to_draft();
        assert_eq!(WorkshopRecord::decode(d.version, &d.payload).unwrap(), w);

        let mut bad = sample();
        bad.participants.by_sex.insert("female".into(), 23);
        let e = bad.validate().unwrap_err();
        assert!(
            e.contains("by sex add up to 41, not to the total of 42"),
            "{e}"
        );

        let mut bad = sample();
        bad.participants.by_group.insert("police".into(), 0);
        assert!(
            bad.validate()
                .unwrap_err()
                .contains("\"police\" is not one of")
        );

        let mut bad = sample();
        bad.languages = vec!["khm".into()];
        assert!(bad.validate().unwrap_err().contains("ISO 639-1"));

        let twice = r#"{"total":2,"by_group":{"cso":1,"cso":1},"by_sex":{"male":2}}"#;
        assert!(serde_json::from_str::<Participation>(twice).is_err());
    }

    #[test]
    fn a_workshop_validates_only_its_members_recommendations() {
        let kh = MemberId::new("KH").unwrap();
        let mut w = sample();
        assert!(check(&kh, &w).is_ok());
        w.validated.push(RecordId::parse("VN-2").unwrap());
        let e = check(&kh, &w).unwrap_err();
        assert!(e.contains("validates VN-2, a recommendation of VN"), "{e}");
    }

    fn counts(list: &[(&str, u64)]) -> BTreeMap<String, u64> {
        list.iter().map(|(n, c)| (n.to_string(), *c)).collect()
    }

    #[test]
    fn a_small_count_is_suppressed_with_a_second_one_so_the_total_does_not_give_it_away() {
        // 3 is below k = 5; alone suppressed, 42 - 39 would give it back, so the
        // smallest other non-zero count (10) goes too. Zero stays shown.
        let shown = suppress(
            &counts(&[("government", 10), ("cso", 29), ("mrc", 3), ("union", 0)]),
            5,
        );
        let status = |n: &str| shown[n].status;
        assert_eq!(status("mrc"), Status::Suppressed);
        assert_eq!(status("government"), Status::Suppressed);
        assert_eq!(shown["cso"].value, Some(29));
        assert_eq!(shown["union"].value, Some(0));

        // Two small counts protect each other.
        let shown = suppress(&counts(&[("female", 3), ("male", 2), ("other", 30)]), 5);
        assert_eq!(shown["other"].value, Some(30));
        assert_eq!(shown["female"].value, None);
        assert_eq!(shown["male"].value, None);

        // Nothing small: everything shown.
        let shown = suppress(&counts(&[("female", 20), ("male", 22)]), 5);
        assert!(shown.values().all(|f| f.status == Status::Published));
    }

    #[test]
    fn a_members_sum_is_exact_or_says_it_is_a_lower_bound() {
        let mut small = sample().participants;
        small.by_group = counts(&[("government", 40), ("mrc", 2)]);
        let a = ShownParticipation::of(&sample().participants, 5);
        let b = ShownParticipation::of(&small, 5);
        let sum = ShownParticipation::sum([&a, &b]);
        assert_eq!(sum.total.value, Some(84));
        assert_eq!(sum.total.status, Status::Published);
        assert_eq!(sum.by_sex["female"].value, Some(48));
        // government: 10 shown + 40 suppressed (the second cell beside mrc's 2).
        assert_eq!(sum.by_group["government"].status, Status::LowerBound);
        assert_eq!(sum.by_group["government"].value, Some(10));
        assert_eq!(sum.by_group["cso"].value, Some(20));
        // Withheld in every part: withheld in the sum, not ">= 0".
        assert_eq!(sum.by_group["mrc"].status, Status::Suppressed);
        assert_eq!(sum.by_group["mrc"].value, None);

        let mut tiny = sample().participants;
        tiny.total = 3;
        tiny.by_group = counts(&[("cso", 3)]);
        tiny.by_sex = counts(&[("female", 3)]);
        let shown = ShownParticipation::of(&tiny, 5);
        assert_eq!(shown.total.value, None);
        assert_eq!(shown.by_group["cso"].value, None);
    }
}
