//! Consultation workshops, pilot records and partner organisations as the CLI
//! writes and shows them: `remedy workshop record`, `remedy pilot register|progress`,
//! and the tables and CSV of `remedy view workshops|pilots|partners`.
//!
//! The JSON of the views is the node's (`docs/view-json.md`); the CSV has one
//! row per thing a spreadsheet would count: a workshop, a reported value, a
//! partner.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, bail};
use remedy_core::MemberId;
use remedy_core::controls::escape_line as line;
use remedy_core::csv_text::CsvText;
use remedy_core::partner::PartnerState;
use remedy_core::pilot::{PilotProgress, PilotRecord, PilotRecordView, ProgressValue};
use remedy_core::regional::Figure;
use remedy_core::workplan::Decimal;
use remedy_core::workshop::{CountryWorkshops, Participation, Shown, WorkshopRecord};
use serde::Deserialize;

use crate::client::Context;
use crate::plan::{append, created, draft, record_id, record_ids};

#[derive(Debug, clap::Subcommand)]
pub enum WorkshopCommand {
    /// Record a national consultation workshop: who took part (counts by
    /// stakeholder group and by sex, each adding up to --total), its agenda and
    /// summary, and the recommendations it validated; prints its id last.
    Record {
        /// The workshop's title.
        #[arg(long)]
        title: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// Where it took place (Phnom Penh).
        #[arg(long)]
        place: String,
        /// Who convened it.
        #[arg(long)]
        organiser: String,
        /// Languages spoken, comma-separated ISO 639-1 codes: km,en.
        #[arg(long, value_delimiter = ',', required = true)]
        languages: Vec<String>,
        /// Participants in all.
        #[arg(long)]
        total: u64,
        /// Participants by stakeholder group, as GROUP=COUNT, comma-separated:
        /// government=10,cso=20,bar-association=12.
        #[arg(long, value_delimiter = ',', required = true)]
        by_group: Vec<String>,
        /// Participants by sex (female, male, other, not-stated), as SEX=COUNT:
        /// female=24,male=18.
        #[arg(long, value_delimiter = ',', required = true)]
        by_sex: Vec<String>,
        /// A point of the agenda; repeat it.
        #[arg(long)]
        agenda: Vec<String>,
        /// What it discussed and concluded.
        #[arg(long)]
        summary: String,
        /// This member's recommendations it validated (KH-3); repeat or comma-separate.
        #[arg(long, value_delimiter = ',')]
        validates: Vec<String>,
    },
}

/// `NAME=COUNT,...` into a map, a name given twice refused.
fn counts(flag: &str, pairs: &[String]) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut map = BTreeMap::new();
    for pair in pairs {
        let (name, count) = pair
            .split_once('=')
            .with_context(|| format!("--{flag} {pair:?}: expected NAME=COUNT, as female=24"))?;
        let count: u64 = count.trim().parse().with_context(|| {
            format!("--{flag} {pair:?}: {count:?} is not a whole number of people")
        })?;
        if map.insert(name.trim().to_string(), count).is_some() {
            bail!("--{flag}: {name} is given twice");
        }
    }
    Ok(map)
}

pub fn workshop(context: &Context, command: WorkshopCommand) -> anyhow::Result<()> {
    let WorkshopCommand::Record {
        title,
        date,
        place,
        organiser,
        languages,
        total,
        by_group,
        by_sex,
        agenda,
        summary,
        validates,
    } = command;
    let record = WorkshopRecord {
        title,
        date,
        place,
        organiser,
        languages,
        participants: Participation {
            total,
            by_group: counts("by-group", &by_group)?,
            by_sex: counts("by-sex", &by_sex)?,
        },
        agenda,
        summary,
        validated: record_ids(&validates)?,
    };
    let ids = append(context, vec![draft(&record)?])?;
    created(context, "workshop", &ids);
    Ok(())
}

/// `--value NAME=VALUE UNIT` (`workers-referred=35 count`, `resolved-share=20%`).
pub(crate) fn progress_value(text: &str) -> anyhow::Result<ProgressValue> {
    let hint = "expected NAME=VALUE UNIT, as \"workers-referred=35 count\" or \"resolved-share=20 percentage\" (20% for short)";
    let (name, rest) = text
        .split_once('=')
        .with_context(|| format!("--value {text:?}: {hint}"))?;
    let rest = rest.trim();
    let (value, unit) = match rest.strip_suffix('%') {
        Some(v) => (v.trim(), "percentage"),
        None => rest
            .split_once(char::is_whitespace)
            .map(|(v, u)| (v.trim(), u.trim()))
            .with_context(|| format!("--value {text:?}: the unit is missing; {hint}"))?,
    };
    let value = Decimal::parse(value).with_context(|| {
        format!("--value {text:?}: {value:?} is not a decimal number (at most 4 decimals, as 12.5)")
    })?;
    Ok(ProgressValue {
        indicator: name.trim().to_string(),
        value,
        unit: unit.to_string(),
    })
}

/// `pilot register FILE`: a pilot record in TOML or JSON (`docs/payloads.md`).
pub(crate) fn register(context: &Context, file: &Path) -> anyhow::Result<()> {
    let record: PilotRecord = crate::workplan::read_record(file)
        .context("the pilot's format is in docs/payloads.md, \"Pilots\"")?;
    let ids = append(context, vec![draft(&record)?])?;
    created(context, "pilot", &ids);
    Ok(())
}

pub(crate) fn progress(
    context: &Context,
    pilot: &str,
    date: String,
    values: &[String],
    lessons: String,
    problems: String,
) -> anyhow::Result<()> {
    let report = PilotProgress {
        pilot: record_id(pilot)?,
        date,
        values: values
            .iter()
            .map(|v| progress_value(v))
            .collect::<anyhow::Result<_>>()?,
        lessons,
        problems,
    };
    let ids = append(context, vec![draft(&report)?])?;
    created(context, "pilot progress", &ids);
    Ok(())
}

// ---- showing ----------------------------------------------------------------

fn figure(f: &Figure) -> String {
    use remedy_core::regional::Status;
    match (f.status, f.value) {
        (Status::Suppressed, _) | (_, None) => "x".into(),
        (Status::LowerBound, Some(v)) => format!(">={v}"),
        (_, Some(v)) => v.to_string(),
    }
}

/// A breakdown of participants, its codes labelled in `lang` when given.
fn breakdown(shown: &Shown, list: &str, lang: Option<&str>) -> String {
    shown
        .iter()
        .map(|(k, f)| format!("{} {}", crate::plan::code_label(lang, list, k), figure(f)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The answer of `View.Workshops`.
#[derive(Deserialize)]
pub struct Workshops {
    pub threshold: u64,
    pub members: Vec<CountryWorkshops>,
}

pub fn print_workshops(w: &Workshops, lang: Option<&str>) {
    for c in &w.members {
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        println!(
            "{}: {}, {} participants ({}), {} validated",
            c.member,
            plural(c.workshops.len(), "workshop"),
            figure(&c.participants.total),
            breakdown(&c.participants.by_sex, "sex", lang),
            plural(c.recommendations_validated, "recommendation")
        );
        for x in &c.workshops {
            println!(
                "  {:<8}  {}  {}  {}  ({})",
                x.id.to_string(),
                x.date,
                line(&x.place),
                line(&x.title),
                x.languages.join(",")
            );
            println!(
                "            {} participants; by sex: {}; by group: {}",
                figure(&x.participants.total),
                breakdown(&x.participants.by_sex, "sex", lang),
                breakdown(&x.participants.by_group, "group", lang)
            );
            let validated: Vec<String> = x.validated.iter().map(|v| v.id.to_string()).collect();
            if !validated.is_empty() {
                println!("            validated {}", validated.join(", "));
            }
            if let Some(shown) = x.shown.as_ref().filter(|s| s.translated) {
                println!("            ({})", crate::plan::shown_note(shown));
            }
            crate::plan::problems(&x.problems);
        }
    }
    if lang.is_some_and(|l| l != "en") {
        println!("labels marked * are in English: no translation in this language yet");
    }
    println!(
        "legend: x = suppressed (below the threshold of {}, or a second count protecting one), >= = a sum over suppressed counts",
        w.threshold
    );
}

/// One row per workshop; a column per stakeholder group and sex, suppressed
/// counts empty with their status beside the total.
pub fn workshops_csv(w: &Workshops) -> String {
    use remedy_core::partner::GROUPS;
    use remedy_core::workshop::SEXES;
    let mut out = CsvText::new();
    let mut header: Vec<String> = [
        "id",
        "member",
        "date",
        "place",
        "title",
        "organiser",
        "languages",
        "total",
    ]
    .map(String::from)
    .to_vec();
    header.extend(SEXES.iter().map(|s| format!("sex_{s}")));
    header.extend(GROUPS.iter().map(|g| format!("group_{g}")));
    header.extend(["suppressed".into(), "validated".into()]);
    out.record(header.iter().map(String::as_str));
    let value = |f: Option<&Figure>| f.map_or(Some(0), |f| f.value.map(|v| v.max(0)));
    for c in &w.members {
        for x in &c.workshops {
            let p = &x.participants;
            out.text(&x.id.to_string())
                .text(c.member.as_str())
                .text(&x.date)
                .text(&x.place)
                .text(&x.title)
                .text(&x.organiser)
                .text(&x.languages.join(";"))
                .number(p.total.value);
            for s in SEXES {
                out.number(value(p.by_sex.get(*s)));
            }
            for g in GROUPS {
                out.number(value(p.by_group.get(*g)));
            }
            let hidden: Vec<&str> = p
                .by_sex
                .iter()
                .chain(&p.by_group)
                .filter(|(_, f)| f.value.is_none())
                .map(|(k, _)| k.as_str())
                .collect();
            out.text(&hidden.join(";"));
            let validated: Vec<String> = x.validated.iter().map(|v| v.id.to_string()).collect();
            out.text(&validated.join(";")).end();
        }
    }
    out.finish()
}

/// The answer of `View.Pilots`.
#[derive(serde::Serialize, Deserialize)]
pub struct Pilots {
    pub pilots: Vec<PilotRecordView>,
    pub reports: Vec<remedy_core::plan::PilotView>,
}

pub fn print_pilots(p: &Pilots) {
    for x in &p.pilots {
        println!(
            "{:<8}  {}  {}  {} to {}  run by {}",
            x.id.to_string(),
            x.country,
            line(&x.title),
            x.start,
            x.end,
            if x.partners.is_empty() {
                x.member.to_string()
            } else {
                x.partners.join(", ")
            }
        );
        for i in &x.indicators {
            let latest = i
                .latest
                .as_ref()
                .and_then(|l| l.value.map(|v| format!("{v} at {}", l.date)))
                .unwrap_or_else(|| "no value yet".into());
            let progress = i
                .progress_percent
                .map(|p| format!(", {p}% of the way"))
                .unwrap_or_default();
            println!(
                "    {:<24} {:<10} baseline {} target {}: {latest}{progress}",
                i.indicator.id,
                i.indicator.unit,
                i.indicator.baseline.value,
                i.indicator.target.value
            );
        }
        for r in &x.reports {
            let values: Vec<String> = r
                .values
                .iter()
                .map(|v| format!("{}={} {}", v.indicator, v.value, v.unit))
                .collect();
            println!(
                "    report {} {} by {}: {}{}",
                r.id,
                r.date,
                r.by,
                values.join(", "),
                if r.refused.is_some() {
                    " (not counted)"
                } else {
                    ""
                }
            );
            if let Some(shown) = r.shown.as_ref().filter(|s| s.translated) {
                println!("      ({})", crate::plan::shown_note(shown));
            }
        }
        crate::plan::problems(&x.problems);
    }
    println!(
        "{} pilot{}",
        p.pilots.len(),
        if p.pilots.len() == 1 { "" } else { "s" }
    );
    if !p.reports.is_empty() {
        println!("older pilot reports (whole numbers):");
        crate::plan::print_pilots(&p.reports);
    }
}

/// One row per reported value (and one per older report's figure): the
/// indicator series a spreadsheet charts.
pub fn pilots_csv(p: &Pilots) -> String {
    let mut out = CsvText::new();
    out.record([
        "pilot_id",
        "member",
        "pilot",
        "indicator",
        "unit",
        "baseline",
        "baseline_date",
        "target",
        "target_date",
        "date",
        "value",
        "status",
        "source",
    ]);
    for x in &p.pilots {
        for i in &x.indicators {
            let ind = &i.indicator;
            for v in &i.values {
                out.text(&x.id.to_string())
                    .text(x.member.as_str())
                    .text(&x.pilot)
                    .text(&ind.id)
                    .text(&ind.unit)
                    .number(Some(ind.baseline.value))
                    .text(&ind.baseline.date)
                    .number(Some(ind.target.value))
                    .text(&ind.target.date)
                    .text(&v.date)
                    .number(v.value)
                    .text(&v.status)
                    .text(&v.source)
                    .end();
            }
        }
    }
    for r in &p.reports {
        let end = remedy_core::tables::Period::parse(&r.report.period)
            .map(|x| x.last_day().to_string())
            .unwrap_or_default();
        for (name, value) in &r.report.indicators {
            out.text(&r.id.to_string())
                .text(r.member.as_str())
                .text(&r.report.pilot)
                .text(name)
                .text("count")
                .number(None::<u64>)
                .text("")
                .number(None::<u64>)
                .text("")
                .text(&end)
                .number(Some(value))
                .text("reported")
                .text(&format!("pilot report {}", r.id))
                .end();
        }
    }
    out.finish()
}

/// One partner of `View.Partners`.
#[derive(Deserialize)]
pub struct Listed {
    pub member: MemberId,
    pub partner: PartnerState,
}

pub fn print_partners(all: &[Listed]) {
    println!(
        "{:<6}  {:<16}  {:<30}  {:<7}  {:<12}  name",
        "member", "partner", "group", "country", "registered"
    );
    for Listed { member, partner: p } in all {
        println!(
            "{:<6}  {:<16}  {:<30}  {:<7}  {:<12}  {}{}",
            member.as_str(),
            p.partner.id,
            p.partner.group,
            p.partner.country,
            format!("{member}-{}", p.registered),
            line(&p.partner.name),
            p.retired
                .map(|r| format!(" (retired at {member}-{r})"))
                .unwrap_or_default()
        );
    }
    println!("{} partners", all.len());
}

pub fn partners_csv(all: &[Listed]) -> String {
    let mut out = CsvText::new();
    out.record([
        "member",
        "partner",
        "name",
        "group",
        "country",
        "public_key",
        "registered_event",
        "retired_event",
    ]);
    for Listed { member, partner: p } in all {
        out.text(member.as_str())
            .text(&p.partner.id)
            .text(&p.partner.name)
            .text(&p.partner.group)
            .text(&p.partner.country)
            .text(&p.partner.public_key)
            .text(&format!("{member}-{}", p.registered))
            .text(
                &p.retired
                    .map(|r| format!("{member}-{r}"))
                    .unwrap_or_default(),
            )
            .end();
    }
    out.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_value_needs_its_unit() {
        let v = progress_value("workers-referred=35 count").unwrap();
        assert_eq!(
            (v.indicator.as_str(), v.unit.as_str()),
            ("workers-referred", "count")
        );
        let v = progress_value("resolved-share=20.5%").unwrap();
        assert_eq!(v.unit, "percentage");
        assert_eq!(v.value, Decimal::parse("20.5").unwrap());
        let e = progress_value("workers-referred=35")
            .unwrap_err()
            .to_string();
        assert!(e.contains("the unit is missing"), "{e}");
        assert!(progress_value("x=1,5 count").is_err());
        let e = counts("by-sex", &["female=2".into(), "female=3".into()]).unwrap_err();
        assert!(e.to_string().contains("female is given twice"));
    }
}
