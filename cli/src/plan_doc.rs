//! The agreed work plan as a document (`workplan export`) and its offline check
//! (`workplan verify`).
//!
//! A document is a [`Document`]: the agreed items at their agreed version, with
//! their endorsements, and as evidence the signed events that make each
//! version and each endorsement, byte for byte (base64). JSON export is the
//! document itself; Markdown and HTML are rendered from it and carry it (a
//! fenced `json remedy-evidence` block, a `<script type="application/json"
//! id="remedy-evidence">` element). `verify` checks every event's signature
//! against federation.toml, that each version's content is the document's,
//! that each endorsement names exactly that item version, that the
//! endorsements reach the quorum, and that the text around the evidence is
//! the one the evidence renders to, so a changed word is found.
//! docs/workplan-document.md describes the format.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::{Context as _, bail};
use base64::Engine as _;
use remedy_core::case::Date;
use remedy_core::manifest::Manifest;
use remedy_core::plan::{Record, RecordId};
use remedy_core::workplan::{IndicatorView, ItemContent, ItemView, MilestoneView};
use remedy_core::{MemberId, SignedEvent};
use serde::{Deserialize, Serialize};

use crate::plan::Fetched;

pub const FORMAT: &str = "remedy-net work plan 1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub format: String,
    pub federation: String,
    pub as_of: String,
    /// The federation's work-plan quorum, as in the manifest.
    pub quorum: String,
    pub items: Vec<DocItem>,
    /// Items not agreed at the date, by id and stage: listed, not proven.
    pub not_agreed: Vec<(RecordId, String)>,
    /// Every event the items cite.
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocItem {
    pub id: RecordId,
    pub stage: String,
    /// The agreed version, and the versions whose endorsements count for it
    /// (the agreed one and the editorial amendments before it back to the last
    /// material change), oldest first.
    pub version: u32,
    pub versions: Vec<DocVersion>,
    pub content: ItemContent,
    pub needed: usize,
    pub endorsements: Vec<DocEndorsement>,
    /// Computed at export from releases and reports; not covered by the
    /// signatures above.
    pub milestones: Vec<MilestoneView>,
    pub indicators: Vec<IndicatorView>,
    pub flags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocVersion {
    pub version: u32,
    pub event: RecordId,
    pub hash: String,
    pub change: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocEndorsement {
    pub member: MemberId,
    pub key_id: String,
    pub event: RecordId,
    pub version: u32,
    /// The signed event time, as a UTC date.
    pub date: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub id: RecordId,
    /// The event's exact bytes, standard base64.
    pub event: String,
}

fn day(time_ms: i64) -> String {
    Date::from_days(time_ms.div_euclid(86_400_000)).to_string()
}

impl Document {
    /// The agreed plan at `as_of` from a node's verified plan events.
    pub fn of(fetched: &Fetched, items: Vec<ItemView>, as_of: Date) -> anyhow::Result<Self> {
        let manifest = fetched
            .manifest
            .as_ref()
            .context("a standalone node has no federation whose plan could be exported")?;
        let by_id: BTreeMap<RecordId, &SignedEvent> = fetched
            .events
            .iter()
            .map(|e| (RecordId::of(e), e))
            .collect();
        let mut cited = BTreeSet::new();
        let mut doc_items = Vec::new();
        let mut not_agreed = Vec::new();
        for item in items {
            let (Some(version), tally) = (
                item.agreed_version,
                item.agreed_tally
                    .clone()
                    .unwrap_or_else(|| item.tally.clone()),
            ) else {
                not_agreed.push((item.id.clone(), item.stage.clone()));
                continue;
            };
            let start = item.versions[..version as usize]
                .iter()
                .rev()
                .find(|v| v.change != "editorial")
                .map_or(1, |v| v.version);
            let versions: Vec<DocVersion> = item.versions[start as usize - 1..version as usize]
                .iter()
                .map(|v| DocVersion {
                    version: v.version,
                    event: v.id.clone(),
                    hash: v.hash.clone(),
                    change: v.change.clone(),
                })
                .collect();
            let mut endorsements = Vec::new();
            for p in tally.positions.iter().filter(|p| p.position == "endorsed") {
                let (Some(id), Some(v), Some(t)) = (&p.id, p.version, p.time_ms) else {
                    continue;
                };
                let key = manifest
                    .member(&p.member)
                    .context("an endorsing member is not in the manifest")?
                    .key_history()?;
                let seq = id.seq;
                endorsements.push(DocEndorsement {
                    member: p.member.clone(),
                    key_id: remedy_core::KeyId::of(key.key_for(seq)).to_string(),
                    event: id.clone(),
                    version: v,
                    date: day(t),
                });
                cited.insert(id.clone());
            }
            cited.extend(versions.iter().map(|v| v.event.clone()));
            doc_items.push(DocItem {
                id: item.id.clone(),
                stage: item.stage.clone(),
                version,
                content: item.versions[version as usize - 1].content.clone(),
                versions,
                needed: tally.needed,
                endorsements,
                milestones: item.milestones,
                indicators: item.indicators,
                flags: item.flags,
            });
        }
        let evidence = cited
            .into_iter()
            .map(|id| {
                let event = by_id
                    .get(&id)
                    .with_context(|| format!("the node sent no event {id}"))?;
                Ok(Evidence {
                    event: base64::engine::general_purpose::STANDARD.encode(event.raw()),
                    id,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            format: FORMAT.into(),
            federation: manifest.body.federation.name.clone(),
            as_of: as_of.to_string(),
            quorum: manifest.body.policy.workplan_quorum.to_string(),
            items: doc_items,
            not_agreed,
            evidence,
        })
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The evidence JSON as it sits inside Markdown or HTML: no character that
/// could end the block it sits in.
fn embedded(doc: &Document) -> String {
    doc.to_json()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('`', "\\u0060")
}

const MD_OPEN: &str = "```json remedy-evidence\n";
const HTML_OPEN: &str = "<script type=\"application/json\" id=\"remedy-evidence\">\n";
const HTML_CLOSE: &str = "</script>";

fn unit(i: &IndicatorView) -> String {
    match (i.indicator.unit.as_str(), &i.indicator.currency) {
        ("currency", Some(c)) => c.clone(),
        ("percentage", _) => "%".into(),
        (u, _) => u.into(),
    }
}

fn latest(i: &IndicatorView) -> String {
    match &i.latest {
        None => "no value yet".into(),
        Some(l) => {
            let mut s = format!(
                "{} {} on {} ({})",
                l.value.map(|v| v.to_string()).unwrap_or_default(),
                unit(i),
                l.date,
                l.status
            );
            if let Some(se) = l.standard_error {
                let _ = write!(s, ", ±{se:.1}");
            }
            if let Some(p) = i.progress_percent {
                let _ = write!(s, "; {p}% of the way from baseline to target");
            }
            s
        }
    }
}

/// The plan as Markdown, ending with its evidence.
pub fn markdown(doc: &Document) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Joint regional work plan: {}\n", doc.federation);
    let _ = writeln!(
        o,
        "The items agreed as of {}: {} (and {} not agreed, listed at the end). An item is agreed when {} of the members it names endorse one version and none objects. Check this document with `remedy workplan verify FILE --federation federation.toml`.\n",
        doc.as_of,
        doc.items.len(),
        doc.not_agreed.len(),
        doc.quorum
    );
    for i in &doc.items {
        let c = &i.content;
        let _ = writeln!(
            o,
            "## {} {} (version {}, {})\n",
            i.id, c.title, i.version, i.stage
        );
        let _ = writeln!(o, "**Objective.** {}\n", c.objective);
        let _ = writeln!(
            o,
            "Lead {}; members {}; due {}; draws on {}.\n",
            c.lead,
            c.members
                .iter()
                .map(MemberId::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            c.due,
            c.draws_on
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !c.outputs.is_empty() {
            let _ = writeln!(o, "**Expected outputs**\n");
            for out in &c.outputs {
                let _ = writeln!(o, "- {out}");
            }
            o.push('\n');
        }
        if !c.activities.is_empty() {
            let _ = writeln!(
                o,
                "| activity | responsible | from | to |\n|---|---|---|---|"
            );
            for a in &c.activities {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} |",
                    cell(&a.what),
                    cell(&a.responsible),
                    a.start,
                    a.end
                );
            }
            o.push('\n');
        }
        if !i.milestones.is_empty() {
            let _ = writeln!(o, "| milestone | due | reached |\n|---|---|---|");
            for m in &i.milestones {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} |",
                    cell(&m.milestone.title),
                    m.milestone.due,
                    match (&m.reached, m.overdue) {
                        (Some((_, d)), _) => d.clone(),
                        (None, true) => "OVERDUE".into(),
                        (None, false) => String::new(),
                    }
                );
            }
            o.push('\n');
        }
        if !i.indicators.is_empty() {
            let _ = writeln!(
                o,
                "| indicator | baseline | target | latest |\n|---|---|---|---|"
            );
            for ind in &i.indicators {
                let x = &ind.indicator;
                let _ = writeln!(
                    o,
                    "| {} | {} ({}) | {} ({}) | {} |",
                    cell(&x.name),
                    x.baseline.value,
                    x.baseline.date,
                    x.target.value,
                    x.target.date,
                    cell(&latest(ind))
                );
            }
            o.push('\n');
        }
        let _ = writeln!(
            o,
            "**Endorsements** ({} of {} needed)\n\n| member | version | date | event | key id |\n|---|---|---|---|---|",
            i.endorsements.len(),
            i.needed
        );
        for e in &i.endorsements {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                e.member, e.version, e.date, e.event, e.key_id
            );
        }
        o.push('\n');
        for f in &i.flags {
            let _ = writeln!(o, "> {f}\n");
        }
    }
    if !doc.not_agreed.is_empty() {
        let _ = writeln!(o, "## Not agreed as of {}\n", doc.as_of);
        for (id, stage) in &doc.not_agreed {
            let _ = writeln!(o, "- {id}: {stage}");
        }
        o.push('\n');
    }
    let _ = write!(o, "## Evidence\n\n{MD_OPEN}{}```\n", embedded(doc));
    o
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:48em;margin:2em auto;color:#111;line-height:1.45}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #999}\
table{border-collapse:collapse;margin:.6em 0;width:100%}td,th{border:1px solid #bbb;padding:.2em .4em;text-align:left;font-size:.92em}\
.flag{color:#a00}.small{font-size:.85em;color:#444}\
@page{size:A4;margin:18mm}@media print{body{margin:0;max-width:none}h2{break-after:avoid}table{break-inside:avoid}}";

/// The plan as one self-contained HTML file (no outside requests) that prints
/// on A4, ending with its evidence.
pub fn html(doc: &Document) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Joint regional work plan: {}</title><style>{STYLE}</style></head><body>\n",
        esc(&doc.federation)
    );
    let _ = writeln!(
        o,
        "<h1>Joint regional work plan: {}</h1>",
        esc(&doc.federation)
    );
    let _ = writeln!(
        o,
        "<p>The items agreed as of {}: {} (and {} not agreed, listed at the end). An item is agreed when {} of the members it names endorse one version and none objects.</p><p class=\"small\">This document carries the signed events that prove it. Check it with <code>remedy workplan verify FILE --federation federation.toml</code>.</p>",
        doc.as_of,
        doc.items.len(),
        doc.not_agreed.len(),
        esc(&doc.quorum)
    );
    for i in &doc.items {
        let c = &i.content;
        let _ = writeln!(
            o,
            "<section><h2>{} {} <span class=\"small\">(version {}, {})</span></h2>",
            i.id,
            esc(&c.title),
            i.version,
            esc(&i.stage)
        );
        let _ = writeln!(o, "<p><b>Objective.</b> {}</p>", esc(&c.objective));
        let _ = writeln!(
            o,
            "<p>Lead {}; members {}; due {}; draws on {}.</p>",
            c.lead,
            c.members
                .iter()
                .map(MemberId::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            esc(&c.due),
            c.draws_on
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !c.outputs.is_empty() {
            let _ = write!(o, "<p><b>Expected outputs</b></p><ul>");
            for out in &c.outputs {
                let _ = write!(o, "<li>{}</li>", esc(out));
            }
            let _ = writeln!(o, "</ul>");
        }
        if !c.activities.is_empty() {
            let _ = write!(
                o,
                "<table><tr><th>activity</th><th>responsible</th><th>from</th><th>to</th></tr>"
            );
            for a in &c.activities {
                let _ = write!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&a.what),
                    esc(&a.responsible),
                    esc(&a.start),
                    esc(&a.end)
                );
            }
            let _ = writeln!(o, "</table>");
        }
        if !i.milestones.is_empty() {
            let _ = write!(
                o,
                "<table><tr><th>milestone</th><th>due</th><th>reached</th></tr>"
            );
            for m in &i.milestones {
                let _ = write!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&m.milestone.title),
                    esc(&m.milestone.due),
                    match (&m.reached, m.overdue) {
                        (Some((_, d)), _) => esc(d),
                        (None, true) => "<span class=\"flag\">overdue</span>".into(),
                        (None, false) => String::new(),
                    }
                );
            }
            let _ = writeln!(o, "</table>");
        }
        if !i.indicators.is_empty() {
            let _ = write!(
                o,
                "<table><tr><th>indicator</th><th>baseline</th><th>target</th><th>latest</th></tr>"
            );
            for ind in &i.indicators {
                let x = &ind.indicator;
                let _ = write!(
                    o,
                    "<tr><td>{}</td><td>{} ({})</td><td>{} ({})</td><td>{}</td></tr>",
                    esc(&x.name),
                    x.baseline.value,
                    esc(&x.baseline.date),
                    x.target.value,
                    esc(&x.target.date),
                    esc(&latest(ind))
                );
            }
            let _ = writeln!(
                o,
                "</table><p class=\"small\">Indicator values are computed at export from the members' releases and reports; they are not covered by the endorsements' signatures.</p>"
            );
        }
        let _ = write!(
            o,
            "<p><b>Endorsements</b> ({} of {} needed)</p><table><tr><th>member</th><th>version</th><th>date</th><th>event</th><th>key id</th></tr>",
            i.endorsements.len(),
            i.needed
        );
        for e in &i.endorsements {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                e.member, e.version, e.date, e.event, e.key_id
            );
        }
        let _ = writeln!(o, "</table>");
        for f in &i.flags {
            let _ = writeln!(o, "<p class=\"flag\">{}</p>", esc(f));
        }
        let _ = writeln!(o, "</section>");
    }
    if !doc.not_agreed.is_empty() {
        let _ = write!(o, "<h2>Not agreed as of {}</h2><ul>", doc.as_of);
        for (id, stage) in &doc.not_agreed {
            let _ = write!(o, "<li>{id}: {}</li>", esc(stage));
        }
        let _ = writeln!(o, "</ul>");
    }
    let _ = write!(
        o,
        "{HTML_OPEN}{}{HTML_CLOSE}\n</body></html>\n",
        embedded(doc)
    );
    o
}

/// What `verify` found.
pub struct Report {
    items: usize,
    endorsements: usize,
    events: usize,
    kind: &'static str,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "valid {} document: {} agreed items, {} endorsements, {} signed events, each verified with federation.toml, each endorsement naming exactly its item's version, every item at its quorum, and the text is the one its evidence makes",
            self.kind, self.items, self.endorsements, self.events
        )
    }
}

/// Checks an exported document against a federation manifest.
pub fn verify(text: &str, manifest: &Manifest) -> anyhow::Result<Report> {
    let (kind, json) = if let Some(at) = text.find(HTML_OPEN) {
        let rest = &text[at + HTML_OPEN.len()..];
        let end = rest
            .find(HTML_CLOSE)
            .context("the evidence block is not closed")?;
        ("HTML", &rest[..end])
    } else if let Some(at) = text.find(MD_OPEN) {
        let rest = &text[at + MD_OPEN.len()..];
        let end = rest
            .find("```")
            .context("the evidence block is not closed")?;
        ("Markdown", &rest[..end])
    } else {
        ("JSON", text)
    };
    let doc: Document = serde_json::from_str(json).map_err(|e| {
        anyhow::anyhow!(
            "the evidence is not a work-plan document: {e} (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    if doc.format != FORMAT {
        bail!("format {:?}, expected {FORMAT:?}", doc.format);
    }
    if doc.federation != manifest.body.federation.name {
        bail!(
            "the document is of federation {:?}, federation.toml of {:?}",
            doc.federation,
            manifest.body.federation.name
        );
    }
    // Every event: its bytes, its signature, its id.
    let mut events: BTreeMap<RecordId, SignedEvent> = BTreeMap::new();
    for e in &doc.evidence {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&e.event)
            .with_context(|| format!("evidence {}: not base64", e.id))?;
        let event =
            SignedEvent::decode(raw).map_err(|x| anyhow::anyhow!("evidence {}: {x}", e.id))?;
        if RecordId::of(&event) != e.id {
            bail!("evidence {}: the event is {}", e.id, RecordId::of(&event));
        }
        events.insert(e.id.clone(), event);
    }
    let all: Vec<SignedEvent> = events.values().cloned().collect();
    crate::plan::verify_plan_events(&all, manifest)?;
    let quorum = manifest.body.policy.workplan_quorum;
    let mut endorsements = 0;
    for item in &doc.items {
        let at = |what: &str| format!("item {} version {}: {what}", item.id, item.version);
        let record = |id: &RecordId| -> anyhow::Result<Record> {
            let e = events
                .get(id)
                .with_context(|| at(&format!("no evidence for {id}")))?;
            Record::of(e.kind(), e.version(), e.payload())
                .context("not a plan record")?
                .map_err(|x| anyhow::anyhow!("{id}: {x}"))
        };
        let Some(last) = item.versions.last() else {
            bail!("{}", at("no versions"));
        };
        if last.version != item.version {
            bail!("{}", at("the versions do not end at the agreed one"));
        }
        let mut previous: Option<&DocVersion> = None;
        let mut content = None;
        for v in &item.versions {
            let event = &events[&v.event];
            if event.hash().to_string() != v.hash {
                bail!(
                    "{}",
                    at(&format!(
                        "version {} has hash {}, its event {}",
                        v.version,
                        v.hash,
                        event.hash()
                    ))
                );
            }
            let c = match record(&v.event)? {
                Record::Item(i) if v.event == item.id && v.version == 1 => i.content,
                Record::Amendment(a) if a.item == item.id && a.base.version + 1 == v.version => {
                    if let Some(p) = previous
                        && (a.base.hash.as_deref() != Some(p.hash.as_str()) || a.material)
                    {
                        bail!(
                            "{}",
                            at(&format!(
                                "version {} is not an editorial amendment of version {}",
                                v.version, p.version
                            ))
                        );
                    }
                    a.content
                }
                _ => bail!(
                    "{}",
                    at(&format!(
                        "{} does not make version {} of {}",
                        v.event, v.version, item.id
                    ))
                ),
            };
            previous = Some(v);
            content = Some(c);
        }
        if content.as_ref() != Some(&item.content) {
            bail!("{}", at("the item's text differs from the signed version"));
        }
        let mut who = BTreeSet::new();
        for e in &item.endorsements {
            let event = events
                .get(&e.event)
                .with_context(|| at(&format!("no evidence for endorsement {}", e.event)))?;
            if event.origin() != &e.member {
                bail!(
                    "{}",
                    at(&format!(
                        "{} is an event of {}, not of {}",
                        e.event,
                        event.origin(),
                        e.member
                    ))
                );
            }
            let history = manifest
                .member(&e.member)
                .context("not in the manifest")?
                .key_history()?;
            if remedy_core::KeyId::of(history.key_for(event.seq())).to_string() != e.key_id {
                bail!(
                    "{}",
                    at(&format!(
                        "endorsement {} names key {}, not the one that signed it",
                        e.event, e.key_id
                    ))
                );
            }
            let named = match record(&e.event)? {
                Record::Endorsement(x) if x.item == item.id => Some(x.version),
                Record::Proposal(x) if x.item == item.id => Some(x.version),
                Record::Item(x) if e.event == item.id && x.proposed => None,
                _ => bail!(
                    "{}",
                    at(&format!("{} is not an endorsement of {}", e.event, item.id))
                ),
            };
            let ok = match &named {
                Some(v) => item.versions.iter().any(|d| {
                    d.version == v.version
                        && v.hash.as_deref().is_none_or(|h| h == d.hash)
                        && (v.hash.is_some() || d.version == 1)
                }),
                None => item.versions.first().is_some_and(|d| d.version == 1),
            };
            if !ok || named.as_ref().is_some_and(|v| v.version != e.version) {
                bail!(
                    "{}",
                    at(&format!(
                        "endorsement {} by {} names another version",
                        e.event, e.member
                    ))
                );
            }
            if !item.content.members.contains(&e.member) {
                bail!(
                    "{}",
                    at(&format!(
                        "{} endorses but is not named in the item",
                        e.member
                    ))
                );
            }
            if !who.insert(&e.member) {
                bail!("{}", at(&format!("{} endorses twice", e.member)));
            }
        }
        let needed = quorum.needed(item.content.members.len());
        if who.len() < needed || item.needed != needed {
            bail!(
                "{}",
                at(&format!(
                    "{} endorsements, {needed} needed under the federation's quorum",
                    who.len()
                ))
            );
        }
        endorsements += who.len();
    }
    // The text around the evidence is the one the evidence makes.
    let rendered = match kind {
        "HTML" => html(&doc),
        "Markdown" => markdown(&doc),
        _ => doc.to_json(),
    };
    if kind != "JSON" && rendered != text {
        let line = rendered
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .map_or(
                rendered.lines().count().min(text.lines().count()) + 1,
                |n| n + 1,
            );
        bail!(
            "the document's text differs from the plan its signed evidence makes (first at line {line})"
        );
    }
    Ok(Report {
        items: doc.items.len(),
        endorsements,
        events: events.len(),
        kind,
    })
}

/// Whether the title and objective shown are a translation, and whose, or the
/// original (the reference).
fn shown_line(shown: &remedy_core::translation::Shown) -> String {
    match (&shown.by, &shown.translation) {
        (Some(by), Some(id)) if shown.translated => {
            let original = if shown.original_fields.is_empty() {
                String::new()
            } else {
                format!("; {} in the original", shown.original_fields.join(" and "))
            };
            format!("translated into {} by {by} ({id}){original}", shown.lang)
        }
        _ => format!("original: no translation into {} yet", shown.lang),
    }
}

/// One item in full, for the terminal.
pub fn item_text(i: &ItemView) -> String {
    let mut o = String::new();
    let v = i.in_force();
    let c = &v.content;
    let _ = writeln!(o, "\n{}  {}  [{}]", i.id, c.title, i.stage);
    let _ = writeln!(
        o,
        "  opened by {}{}, led by {}, members {}, due {}",
        i.opened_by,
        i.proposer
            .as_ref()
            .map(|p| format!(", proposed by {p}"))
            .unwrap_or_default(),
        c.lead,
        c.members
            .iter()
            .map(MemberId::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        c.due
    );
    let _ = writeln!(
        o,
        "  version {} of {}{}",
        v.version,
        i.current_version,
        match i.agreed_version {
            Some(a) => format!(", agreed at version {a}"),
            None => ", not agreed".into(),
        }
    );
    let _ = writeln!(o, "  objective: {}", c.objective);
    if let Some(shown) = &v.shown {
        let _ = writeln!(o, "  {}", shown_line(shown));
    }
    for out in &c.outputs {
        let _ = writeln!(o, "  output: {out}");
    }
    for a in &c.activities {
        let _ = writeln!(
            o,
            "  activity: {} ({}, {} to {})",
            a.what, a.responsible, a.start, a.end
        );
    }
    let _ = writeln!(o, "  draws on:");
    for r in &i.draws_on {
        let _ = writeln!(
            o,
            "    {:<8} {}",
            r.id.to_string(),
            r.title.as_deref().unwrap_or("(not received by this node)")
        );
    }
    let _ = writeln!(
        o,
        "  positions on version {} ({} of {} endorsements needed):",
        i.tally.version, i.tally.endorsed, i.tally.needed
    );
    for p in &i.tally.positions {
        let what = match (&p.id, p.position.as_str()) {
            (Some(id), pos) => format!(
                "{pos} version {} ({id}){}",
                p.version.unwrap_or(0),
                if p.text.is_empty() {
                    String::new()
                } else {
                    format!(": {}", p.text)
                }
            ),
            (None, pos) if !p.earlier.is_empty() => format!("{pos} (had {})", p.earlier),
            (None, pos) => pos.to_string(),
        };
        let _ = writeln!(o, "    {:<6} {what}", p.member.as_str());
    }
    for ob in &i.objections {
        let _ = writeln!(
            o,
            "  objection {} by {} on version {}: {}",
            ob.id, ob.member, ob.version, ob.reason
        );
        for a in &ob.answers {
            let _ = writeln!(o, "    answered {} by {}: {}", a.id, a.by, a.text);
        }
    }
    for m in &i.milestones {
        let _ = writeln!(
            o,
            "  milestone {} due {}: {}",
            m.milestone.title,
            m.milestone.due,
            match (&m.reached, m.overdue) {
                (Some((id, d)), _) => format!("reached {d} ({id})"),
                (None, true) => "OVERDUE".into(),
                (None, false) => "open".into(),
            }
        );
    }
    for ind in &i.indicators {
        let x = &ind.indicator;
        let _ = writeln!(
            o,
            "  indicator {}: baseline {} ({}), target {} ({}), latest {}{}",
            x.name,
            x.baseline.value,
            x.baseline.date,
            x.target.value,
            x.target.date,
            latest(ind),
            if ind.caveat.is_empty() {
                String::new()
            } else {
                format!(" [{}]", ind.caveat)
            }
        );
    }
    for f in &i.flags {
        let _ = writeln!(o, "  ! {f}");
    }
    let _ = writeln!(o, "  timeline:");
    for t in &i.timeline {
        let _ = writeln!(
            o,
            "    {} {:<8} {:<4} {:<10} {:<3} {}",
            day(t.time_ms),
            t.id.to_string(),
            t.by.as_str(),
            t.action,
            t.version.map(|v| format!("v{v}")).unwrap_or_default(),
            t.text
        );
    }
    for p in &i.problems {
        let _ = writeln!(o, "  ! {p}");
    }
    o
}
