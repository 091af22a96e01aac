//! `remedy report`: the quarterly regional bulletin, one self-contained HTML
//! document (no outside requests: styles and charts inline) that prints on A4.
//!
//! It holds the headline figures of the quarter with what each counts, each
//! member's tables (suppressed and estimated figures marked as everywhere),
//! the trend over the last quarters as charts, the work plan's status and
//! indicators, the recommendations and workshops so far (those of the quarter
//! marked), notes on method, and a verification section: each release's
//! origin, revision and event, and the origin's signed checkpoint that
//! includes it, with the inclusion proof checked here. Every figure comes
//! from the node's View service, as `view stats` shows it; words from
//! `node/core/locales/ui-*.ftl` (`report-*`), codes labelled in `--lang`.
//! `--pdf` prints it with a headless Chromium.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use remedy_core::checkpoint::{SignedCheckpoint, key_name};
use remedy_core::manifest::Manifest;
use remedy_core::payload::{Payload as _, PayloadKind};
use remedy_core::regional::{Figure, PeriodBlock, Stats, Status};
use remedy_core::release::Release;
use remedy_core::{MemberId, SignedEvent, merkle};
use remedy_proto::v1 as pb;

use crate::client::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The quarter, YYYY-Qn (2024-Q4).
    #[arg(long)]
    period: String,
    /// The HTML file to write; with --pdf, the PDF beside it too.
    #[arg(long)]
    out: PathBuf,
    /// Also print it to PDF (FILE.pdf) with a headless Chromium.
    #[arg(long)]
    pdf: bool,
    /// How many quarters the trend charts show, ending with --period.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=12))]
    quarters: u32,
}

pub fn run(context: &Context, args: Args) -> anyhow::Result<()> {
    let quarters = quarters_ending(&args.period, args.quarters)?;
    let lang = context.lang.clone().unwrap_or_else(|| "en".into());
    eprintln!("gathering the figures, the work plan and the releases' proofs from the node...");
    let data = gather(context, &quarters, &lang)?;
    let html = render(&data, &lang);
    write_file(&args.out, html.as_bytes())?;
    println!("{}", args.out.display());
    if args.pdf {
        let pdf = args.out.with_extension("pdf");
        print_pdf(&args.out, &pdf)?;
        println!("{}", pdf.display());
    }
    Ok(())
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// `count` quarters ending with `period` (YYYY-Qn), oldest first.
fn quarters_ending(period: &str, count: u32) -> anyhow::Result<Vec<String>> {
    let parsed = period
        .split_once("-Q")
        .and_then(|(y, q)| Some((y.parse::<i32>().ok()?, q.parse::<i32>().ok()?)))
        .filter(|(y, q)| (1900..=2999).contains(y) && (1..=4).contains(q) && period.len() == 7);
    let Some((year, quarter)) = parsed else {
        bail!("--period {period:?} is not a quarter; write it as 2024-Q4");
    };
    let index = year * 4 + quarter - 1;
    Ok((0..count as i32)
        .rev()
        .map(|back| {
            let i = index - back;
            format!("{}-Q{}", i.div_euclid(4), i.rem_euclid(4) + 1)
        })
        .collect())
}

/// A release in the bulletin and where it is in its origin's log.
struct Verified {
    member: String,
    period: String,
    revision: u64,
    /// The event's sequence number and hash; `None` when not found.
    event: Option<(u64, String)>,
    /// The checkpoint's size and root, and whether the inclusion proof holds.
    checkpoint: Option<(u64, String)>,
    proof: Result<(), String>,
}

struct Data {
    federation: String,
    node: String,
    manifest: Manifest,
    quarters: Vec<String>,
    /// channel-outcome over the quarters; grievance-outcome and resolution of the last.
    cases: Stats,
    mentions: Stats,
    resolution: Stats,
    items: Vec<remedy_core::workplan::ItemView>,
    recommendations: Vec<remedy_core::plan::RecommendationView>,
    workshops: Vec<remedy_core::workshop::CountryWorkshops>,
    threshold: u64,
    releases: Vec<Verified>,
}

fn gather(context: &Context, quarters: &[String], lang: &str) -> anyhow::Result<Data> {
    let (runtime, channel) = context.connect()?;
    let mut view = pb::view_client::ViewClient::new(channel.clone());
    let mut federation = pb::federation_client::FederationClient::new(channel.clone());
    let json = crate::client::view_json;
    let last = quarters.last().cloned().unwrap_or_default();
    let stats = |view: &mut pb::view_client::ViewClient<_>,
                 table: &str,
                 from: &str|
     -> anyhow::Result<Stats> {
        let request = pb::StatsRequest {
            table: table.into(),
            from_period: from.into(),
            to_period: last.clone(),
            ..Default::default()
        };
        Ok(serde_json::from_str(&json(
            runtime.block_on(view.stats(request)),
        )?)?)
    };
    let cases = stats(&mut view, "channel-outcome", &quarters[0])?;
    let mentions = stats(&mut view, "grievance-outcome", &last)?;
    let resolution = stats(&mut view, "resolution", &last)?;
    let filter = pb::PlanFilter {
        lang: lang.into(),
        ..Default::default()
    };
    let items = serde_json::from_str(&json(runtime.block_on(view.workplan(filter.clone())))?)?;
    let recommendations = serde_json::from_str(&json(
        runtime.block_on(view.recommendations(filter.clone())),
    )?)?;
    let workshops: serde_json::Value =
        serde_json::from_str(&json(runtime.block_on(view.workshops(filter)))?)?;
    let threshold = workshops["threshold"].as_u64().unwrap_or(0);
    let workshops = serde_json::from_value(workshops["members"].clone())?;
    let status = runtime
        .block_on(federation.status(pb::StatusRequest {}))?
        .into_inner();
    let manifest_text = runtime
        .block_on(federation.manifest(pb::ManifestRequest { version: 0 }))?
        .into_inner()
        .text;
    if manifest_text.is_empty() {
        bail!("the node runs standalone: a bulletin needs a federation");
    }
    let manifest = Manifest::parse(&manifest_text).context("the node's manifest does not parse")?;
    // The releases of the last quarter, found in their logs and proved
    // included in their origin's checkpoint.
    let releases = runtime.block_on(verify_releases(channel, &manifest, &cases, &last))?;
    Ok(Data {
        federation: manifest.body.federation.name.clone(),
        node: status.member,
        manifest,
        quarters: quarters.to_vec(),
        cases,
        mentions,
        resolution,
        items,
        recommendations,
        workshops,
        threshold,
        releases,
    })
}

/// Each member's release of `period` behind `cases`: its event (read from
/// the origin's shared log) and the inclusion proof against the origin's
/// signed checkpoint.
async fn verify_releases(
    channel: tonic::transport::Channel,
    manifest: &Manifest,
    cases: &Stats,
    period: &str,
) -> anyhow::Result<Vec<Verified>> {
    let mut out = Vec::new();
    let Some(block) = cases.periods.iter().find(|p| p.period == period) else {
        return Ok(out);
    };
    let mut log =
        pb::log_client::LogClient::new(channel.clone()).max_decoding_message_size(64 << 20);
    let mut federation = pb::federation_client::FederationClient::new(channel);
    for m in &block.members {
        let origin = MemberId::new(m.member.as_str())?;
        let mut found = None;
        crate::client::read_log(&mut log, &origin, |_, raw| {
            let Ok(event) = SignedEvent::decode(raw.clone()) else {
                return Ok(true);
            };
            if event.kind() == PayloadKind::RELEASE
                && let Ok(release) = Release::from_event(&event)
                && release.period == period
                && release.revision == m.revision
            {
                found = Some((event.seq(), event.hash().to_string(), raw));
                return Ok(false);
            }
            Ok(true)
        })
        .await?;
        let mut verified = Verified {
            member: m.member.clone(),
            period: period.to_string(),
            revision: m.revision,
            event: found.as_ref().map(|(seq, hash, _)| (*seq, hash.clone())),
            checkpoint: None,
            proof: Err("the release's event was not found in the log this node holds".into()),
        };
        if let Some((seq, _, raw)) = found {
            let text = federation
                .checkpoint(pb::CheckpointRequest {
                    origin: origin.to_string(),
                })
                .await?
                .into_inner()
                .text;
            verified.proof = match SignedCheckpoint::parse(&text) {
                Err(e) => Err(format!("no checkpoint to prove it against: {e}")),
                Ok(checkpoint) => {
                    let size = checkpoint.checkpoint.size;
                    verified.checkpoint = Some((size, hex::encode(checkpoint.checkpoint.root)));
                    // The key the origin signed that checkpoint with (a member
                    // may have replaced its key since), as the auditor checks.
                    let keys = manifest
                        .member(&origin)
                        .map(|m| m.key_history())
                        .transpose()?;
                    if !keys.is_some_and(|k| {
                        checkpoint.signed_by(&key_name(origin.as_str()), k.key_for(size))
                    }) {
                        Err(format!(
                            "the checkpoint is not signed with {origin}'s key in the manifest"
                        ))
                    } else {
                        let proof = crate::audit::hashes(
                            federation
                                .proof(pb::ProofRequest {
                                    origin: origin.to_string(),
                                    size,
                                    seq,
                                    old_size: 0,
                                })
                                .await?
                                .into_inner(),
                        )?;
                        merkle::verify_inclusion(
                            &raw,
                            seq - 1,
                            size,
                            &proof,
                            &checkpoint.checkpoint.root,
                        )
                        .map_err(|e| e.to_string())
                    }
                }
            };
        }
        out.push(verified);
    }
    Ok(out)
}

/// Text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A figure as the bulletin shows it: a suppressed one says so, an estimate
/// carries ~ and its standard error, a lower bound ≥.
fn figure(f: &Figure, suppressed: &str) -> (String, &'static str) {
    let v = f.value.map(|v| v.to_string()).unwrap_or_default();
    let error = f
        .standard_error()
        .map(|e| format!(" ±{e:.0}"))
        .unwrap_or_default();
    match f.status {
        Status::Published => (v, "published"),
        Status::Suppressed => (suppressed.to_string(), "suppressed"),
        Status::Noised => (format!("~{v}{error}"), "noised"),
        Status::LowerBound => (format!("≥ {v}"), "lower-bound"),
        Status::NoisedLowerBound => (format!("≥ ~{v}{error}"), "noised"),
        Status::NotAdditive => ("—".into(), "not-additive"),
    }
}

const STYLE: &str = r#"
@page { size: A4; margin: 16mm 14mm; }
body { font: 10.5pt/1.4 "Noto Sans", "Noto Sans Khmer", "Noto Sans JP", system-ui, sans-serif; color: #1d2430; margin: 0 auto; max-width: 180mm; }
h1 { font-size: 18pt; margin: 0 0 2mm; color: #163a5f; }
h2 { font-size: 13pt; margin: 7mm 0 2mm; color: #163a5f; border-bottom: 1px solid #cfd6e0; break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; break-after: avoid; }
p.lead { color: #4b5563; margin: 0 0 4mm; }
.headlines { display: flex; flex-wrap: wrap; gap: 4mm; }
.headline { border: 1px solid #cfd6e0; border-radius: 2mm; padding: 2mm 3mm; width: 52mm; break-inside: avoid; }
.headline b { display: block; font-size: 16pt; color: #163a5f; }
.headline small { color: #4b5563; }
table { border-collapse: collapse; margin: 1mm 0 3mm; break-inside: avoid; font-size: 9.5pt; }
th, td { border: 1px solid #d5d9e0; padding: 0.6mm 2mm; text-align: right; }
th { background: #eef1f5; }
th.row, td.text { text-align: left; }
td.suppressed { color: #6b7280; font-style: italic; }
td.noised { color: #7a4b00; }
.members { display: flex; flex-wrap: wrap; gap: 5mm; }
.note { color: #4b5563; font-size: 9pt; }
.ok { color: #13653a; font-weight: 600; }
.bad { color: #a11d1d; font-weight: 600; }
code { font-size: 8.5pt; word-break: break-all; }
svg { break-inside: avoid; }
"#;

fn render(d: &Data, lang: &str) -> String {
    let t = |id: &str, args: &[(&str, &str)]| esc(&remedy_core::labels::ui(lang, id, args).text);
    let label = |list: &str, code: &str| esc(&remedy_core::labels::label(lang, list, code).text);
    let suppressed = remedy_core::labels::ui(lang, "ui-figure-suppressed", &[]).text;
    let period = d.quarters.last().cloned().unwrap_or_default();
    let block = |stats: &Stats| stats.periods.iter().find(|p| p.period == period).cloned();
    let cases = block(&d.cases);
    let mentions = block(&d.mentions);
    let resolution = block(&d.resolution);
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        t("report-title", &[("period", &period)])
    );
    let _ = write!(
        o,
        "<h1 id=\"title\">{}</h1><p class=\"lead\">{}</p>",
        t("report-title", &[("period", &period)]),
        t(
            "report-lead",
            &[("federation", &d.federation), ("node", &d.node)]
        )
    );

    // Headline figures, each with what it counts.
    let _ = write!(
        o,
        "<h2 id=\"headlines\">{}</h2><div class=\"headlines\">",
        t("report-headlines", &[])
    );
    let mut headline = |id: &str, value: String, what: String| {
        let _ = write!(
            o,
            "<div class=\"headline\" data-headline=\"{id}\"><b>{}</b><small>{what}</small></div>",
            esc(&value)
        );
    };
    if let Some(b) = &cases {
        if let Some(r) = &b.regional {
            headline(
                "cases",
                figure(&r.total, &suppressed).0,
                t(
                    "report-headline-cases",
                    &[("members", &b.members.len().to_string())],
                ),
            );
            let resolved = ["resolved-compensated", "resolved-non-monetary"]
                .iter()
                .filter_map(|c| r.columns.iter().position(|x| x == c))
                .map(|j| r.column_totals[j])
                .collect::<Vec<_>>();
            let share = match (resolved.as_slice(), r.total.value) {
                ([a, b], Some(total))
                    if total > 0
                        && [a, b, &r.total]
                            .iter()
                            .all(|f| f.status == Status::Published) =>
                {
                    let n = a.value.unwrap_or(0) + b.value.unwrap_or(0);
                    format!("{:.1}%", 100.0 * n as f64 / total as f64)
                }
                _ => "—".into(),
            };
            headline("resolved", share, t("report-headline-resolved", &[]));
        }
        if !b.missing.is_empty() {
            headline(
                "missing",
                b.missing.join(", "),
                t("report-headline-missing", &[]),
            );
        }
    }
    if let Some(r) = mentions.as_ref().and_then(|b| b.regional.as_ref()) {
        let mut top: Vec<(i64, &String)> = r
            .rows
            .iter()
            .zip(&r.row_totals)
            .filter(|(_, f)| f.status == Status::Published)
            .filter_map(|(row, f)| f.value.map(|v| (v, row)))
            .collect();
        top.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        if let Some((v, row)) = top.first() {
            headline(
                "top-grievance",
                v.to_string(),
                t(
                    "report-headline-grievance",
                    &[(
                        "grievance",
                        &remedy_core::labels::label(lang, "grievance", row).text,
                    )],
                ),
            );
        }
    }
    if let Some(r) = resolution.as_ref().and_then(|b| b.regional.as_ref())
        && let Some(j) = r.columns.iter().position(|c| c == "compensation-usd")
    {
        headline(
            "compensation",
            figure(&r.column_totals[j], &suppressed).0,
            t("report-headline-compensation", &[]),
        );
    }
    o.push_str("</div>");

    // Each member's tables: cases by outcome, grievance mentions by grievance.
    let _ = write!(
        o,
        "<h2 id=\"members\">{}</h2><p class=\"note\">{}</p><div class=\"members\">",
        t("report-members", &[]),
        t("report-members-note", &[])
    );
    for b in cases.iter() {
        for m in &b.members {
            let _ = write!(
                o,
                "<div data-member=\"{member}\"><h3>{}</h3><table><tr><th class=\"row\">{}</th><th>{}</th></tr>",
                t(
                    "ui-member-revision",
                    &[("member", &m.member), ("revision", &m.revision.to_string())]
                ),
                t("ui-col-outcome", &[]),
                t("report-cases", &[]),
                member = esc(&m.member)
            );
            for (j, col) in m.columns.iter().enumerate() {
                let (text, class) = figure(&m.column_totals[j], &suppressed);
                let _ = write!(
                    o,
                    "<tr><th class=\"row\">{}</th><td class=\"{class}\" data-col=\"{}\">{}</td></tr>",
                    label("outcome", col),
                    esc(col),
                    esc(&text)
                );
            }
            let (text, class) = figure(&m.total, &suppressed);
            let _ = write!(
                o,
                "<tr><th class=\"row\">{}</th><td class=\"{class}\" data-col=\"total\">{}</td></tr></table>",
                t("ui-all-cases", &[]),
                esc(&text)
            );
            if let Some(g) = mentions
                .as_ref()
                .and_then(|b| b.members.iter().find(|x| x.member == m.member))
            {
                let _ = write!(
                    o,
                    "<table><tr><th class=\"row\">{}</th><th>{}</th></tr>",
                    t("ui-col-grievance", &[]),
                    t("report-mentions", &[])
                );
                for (i, row) in g.rows.iter().enumerate() {
                    let (text, class) = figure(&g.row_totals[i], &suppressed);
                    let _ = write!(
                        o,
                        "<tr><th class=\"row\">{}</th><td class=\"{class}\">{}</td></tr>",
                        label("grievance", row),
                        esc(&text)
                    );
                }
                o.push_str("</table>");
            }
            o.push_str("</div>");
        }
    }
    o.push_str("</div>");

    // Trends: cases and the resolved share per quarter, each member and the region.
    let _ = write!(o, "<h2 id=\"trends\">{}</h2>", t("report-trends", &[]));
    let members: Vec<String> = {
        let mut all: Vec<String> = d
            .cases
            .periods
            .iter()
            .flat_map(|p| p.members.iter().map(|m| m.member.clone()))
            .collect();
        all.sort();
        all.dedup();
        all
    };
    let series = |value: &dyn Fn(&PeriodBlock, Option<&str>) -> Option<f64>| -> Vec<(String, Vec<Option<f64>>)> {
        let mut out: Vec<(String, Vec<Option<f64>>)> = members
            .iter()
            .map(|m| {
                (m.clone(), d.quarters.iter().map(|q| d.cases.periods.iter().find(|p| &p.period == q).and_then(|p| value(p, Some(m)))).collect())
            })
            .collect();
        out.push((
            remedy_core::labels::ui(lang, "ui-region", &[]).text,
            d.quarters.iter().map(|q| d.cases.periods.iter().find(|p| &p.period == q).and_then(|p| value(p, None))).collect(),
        ));
        out
    };
    let exact = |f: &Figure| (f.status == Status::Published).then_some(f.value).flatten();
    let total = |p: &PeriodBlock, m: Option<&str>| -> Option<f64> {
        match m {
            Some(m) => p
                .members
                .iter()
                .find(|x| x.member == m)
                .and_then(|x| exact(&x.total))
                .map(|v| v as f64),
            None => p
                .regional
                .as_ref()
                .and_then(|r| exact(&r.total))
                .map(|v| v as f64),
        }
    };
    let share = |p: &PeriodBlock, m: Option<&str>| -> Option<f64> {
        let (columns, totals, all) = match m {
            Some(m) => {
                let x = p.members.iter().find(|x| x.member == m)?;
                (&x.columns, &x.column_totals, &x.total)
            }
            None => {
                let r = p.regional.as_ref()?;
                (&r.columns, &r.column_totals, &r.total)
            }
        };
        let all = exact(all)?;
        if all == 0 {
            return None;
        }
        let mut resolved = 0;
        for c in ["resolved-compensated", "resolved-non-monetary"] {
            resolved += exact(&totals[columns.iter().position(|x| x == c)?])?;
        }
        Some((1000.0 * resolved as f64 / all as f64).round() / 10.0)
    };
    o.push_str(&chart(
        "chart-cases",
        &t("report-chart-cases", &[]),
        &d.quarters,
        &series(&total),
        "",
    ));
    o.push_str(&chart(
        "chart-resolved",
        &t("report-chart-resolved", &[]),
        &d.quarters,
        &series(&share),
        "%",
    ));
    let _ = write!(o, "<p class=\"note\">{}</p>", t("report-trends-note", &[]));

    // The work plan.
    let _ = write!(
        o,
        "<h2 id=\"workplan\">{}</h2>",
        t("report-workplan", &[("count", &d.items.len().to_string())])
    );
    if d.items.is_empty() {
        let _ = write!(o, "<p>{}</p>", t("ui-plan-none", &[]));
    } else {
        let _ = write!(
            o,
            "<table><tr><th class=\"row\">{}</th><th class=\"row\">{}</th><th class=\"row\">{}</th><th>{}</th><th class=\"row\">{}</th><th class=\"row\">{}</th></tr>",
            t("ui-col-item", &[]),
            t("ui-col-title", &[]),
            t("ui-col-stage", &[]),
            t("ui-col-endorsements", &[]),
            t("ui-col-lead", &[]),
            t("ui-col-due", &[])
        );
        for i in &d.items {
            let c = &i.in_force().content;
            let flag = if i.overdue {
                format!(" · {}", t("ui-overdue", &[]))
            } else {
                String::new()
            };
            let _ = write!(
                o,
                "<tr data-item=\"{id}\"><td class=\"text\">{id}</td><td class=\"text\">{}</td><td class=\"text\">{}{flag}</td><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>",
                esc(&c.title),
                label("item-stage", &i.stage),
                t(
                    "ui-endorsements",
                    &[
                        ("endorsed", &i.tally.endorsed.to_string()),
                        ("needed", &i.tally.needed.to_string())
                    ]
                ),
                esc(c.lead.as_str()),
                esc(&c.due),
                id = esc(&i.id.to_string())
            );
        }
        o.push_str("</table>");
        let indicators: Vec<_> = d
            .items
            .iter()
            .flat_map(|i| i.indicators.iter().map(move |x| (i, x)))
            .collect();
        if !indicators.is_empty() {
            let _ = write!(
                o,
                "<h3>{}</h3><table><tr><th class=\"row\">{}</th><th class=\"row\">{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                t("ui-indicators", &[]),
                t("ui-col-item", &[]),
                t("ui-col-indicator", &[]),
                t("ui-col-baseline", &[]),
                t("ui-col-target", &[]),
                t("ui-col-latest", &[]),
                t("ui-col-progress", &[])
            );
            for (i, x) in indicators {
                let latest = x
                    .latest
                    .as_ref()
                    .map(|v| {
                        format!(
                            "{} ({})",
                            v.value
                                .as_ref()
                                .map(|d| d.to_string())
                                .unwrap_or_else(|| suppressed.clone()),
                            v.date
                        )
                    })
                    .unwrap_or_else(|| remedy_core::labels::ui(lang, "ui-none-yet", &[]).text);
                let _ = write!(
                    o,
                    "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{} ({})</td><td>{} ({})</td><td>{}</td><td>{}</td></tr>",
                    esc(&i.id.to_string()),
                    esc(&x.indicator.name),
                    x.indicator.baseline.value,
                    esc(&x.indicator.baseline.date),
                    x.indicator.target.value,
                    esc(&x.indicator.target.date),
                    esc(&latest),
                    x.progress_percent
                        .map(|p| format!("{p:.0}%"))
                        .unwrap_or_default()
                );
            }
            o.push_str("</table>");
        }
    }

    // Recommendations and workshops so far, those of the quarter marked.
    let (start, end) = quarter_dates(&period);
    let in_quarter = |date: &str| date >= start.as_str() && date <= end.as_str();
    let _ = write!(
        o,
        "<h2 id=\"recommendations\">{}</h2><p class=\"note\">{}</p>",
        t(
            "report-recommendations",
            &[("count", &d.recommendations.len().to_string())]
        ),
        t("report-quarter-mark", &[])
    );
    if !d.recommendations.is_empty() {
        let _ = write!(
            o,
            "<table><tr><th class=\"row\">{}</th><th class=\"row\">{}</th><th class=\"row\">{}</th><th class=\"row\">{}</th><th class=\"row\">{}</th></tr>",
            t("ui-col-id", &[]),
            t("ui-col-country", &[]),
            t("ui-col-theme", &[]),
            t("ui-col-status", &[]),
            t("ui-col-title", &[])
        );
        for r in &d.recommendations {
            let new = if in_quarter(&r.recommendation.workshop.date) {
                " ★"
            } else {
                ""
            };
            let _ = write!(
                o,
                "<tr><td class=\"text\">{}{new}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>",
                esc(&r.id.to_string()),
                esc(r.member.as_str()),
                label("theme", &r.recommendation.theme),
                label("recommendation-status", &r.status),
                esc(&r.recommendation.title)
            );
        }
        o.push_str("</table>");
    }
    let count: usize = d.workshops.iter().map(|c| c.workshops.len()).sum();
    let _ = write!(
        o,
        "<h3>{}</h3>",
        t("ui-workshops-title", &[("count", &count.to_string())])
    );
    if count > 0 {
        let _ = write!(
            o,
            "<table><tr><th class=\"row\">{}</th><th class=\"row\">{}</th><th class=\"row\">{}</th><th>{}</th></tr>",
            t("ui-col-workshop", &[]),
            t("ui-col-date", &[]),
            t("ui-col-place", &[]),
            t("ui-col-participants", &[])
        );
        for c in &d.workshops {
            for w in &c.workshops {
                let new = if in_quarter(&w.date) { " ★" } else { "" };
                let (text, class) = figure(&w.participants.total, &suppressed);
                let _ = write!(
                    o,
                    "<tr><td class=\"text\">{}: {}{new}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"{class}\">{}</td></tr>",
                    esc(&w.id.to_string()),
                    esc(&w.title),
                    esc(&w.date),
                    esc(&w.place),
                    esc(&text)
                );
            }
        }
        o.push_str("</table>");
    }

    // Notes on method.
    let policy = &d.manifest.body.policy;
    let _ = write!(
        o,
        "<h2 id=\"method\">{}</h2><p>{}</p><p>{}</p><p>{}</p>",
        t("report-method", &[]),
        t(
            "report-method-threshold",
            &[("threshold", &policy.min_threshold.to_string())]
        ),
        t("report-method-mentions", &[]),
        t(
            "report-method-noise",
            &[("epsilon", &format!("{}", policy.epsilon_cap))]
        )
    );
    if d.threshold > 0 {
        let _ = write!(
            o,
            "<p>{}</p>",
            t(
                "ui-workshops-note",
                &[("threshold", &d.threshold.to_string())]
            )
        );
    }

    // Verification.
    let _ = write!(
        o,
        "<h2 id=\"verification\">{}</h2><p class=\"note\">{}</p><table><tr><th class=\"row\">{}</th><th class=\"row\">{}</th><th>{}</th><th class=\"row\">{}</th><th class=\"row\">{}</th><th class=\"row\">{}</th></tr>",
        t("report-verification", &[]),
        t("report-verification-note", &[]),
        t("report-col-origin", &[]),
        t("ui-col-period", &[]),
        t("ui-col-version", &[]),
        t("ui-col-event", &[]),
        t("report-col-checkpoint", &[]),
        t("report-col-proof", &[])
    );
    for v in &d.releases {
        let event = v
            .event
            .as_ref()
            .map(|(seq, hash)| format!("{}-{seq} <code>{}</code>", esc(&v.member), esc(hash)))
            .unwrap_or_else(|| "—".into());
        let checkpoint = v
            .checkpoint
            .as_ref()
            .map(|(size, root)| {
                format!(
                    "{} <code>{}</code>",
                    t("report-checkpoint-size", &[("size", &size.to_string())]),
                    esc(root)
                )
            })
            .unwrap_or_else(|| "—".into());
        let proof = match &v.proof {
            Ok(()) => format!("<span class=\"ok\">{}</span>", t("report-proof-ok", &[])),
            Err(e) => format!("<span class=\"bad\">{}</span>", esc(e)),
        };
        let _ = write!(
            o,
            "<tr data-release=\"{member}\"><td class=\"text\">{member}</td><td class=\"text\">{}</td><td>{}</td><td class=\"text\">{event}</td><td class=\"text\">{checkpoint}</td><td class=\"text\">{proof}</td></tr>",
            esc(&v.period),
            v.revision,
            member = esc(&v.member)
        );
    }
    let _ = writeln!(
        o,
        "</table><p class=\"note\">{}</p></body></html>",
        t("report-verify-yourself", &[])
    );
    o
}

/// The first and last day of a quarter, YYYY-MM-DD.
fn quarter_dates(period: &str) -> (String, String) {
    let year = &period[..4.min(period.len())];
    let (first, last) = match period.get(6..7) {
        Some("1") => ("01-01", "03-31"),
        Some("2") => ("04-01", "06-30"),
        Some("3") => ("07-01", "09-30"),
        _ => ("10-01", "12-31"),
    };
    (format!("{year}-{first}"), format!("{year}-{last}"))
}

const COLORS: [&str; 7] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf",
];

/// A line chart as inline SVG: one line per series, a gap (×) where a figure
/// is withheld or inexact, never a zero.
fn chart(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[(String, Vec<Option<f64>>)],
    unit: &str,
) -> String {
    let (w, h, l, r, top, b) = (640.0, 230.0, 50.0, 90.0, 24.0, 30.0);
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .fold(1.0f64, |m, v| m.max(*v))
        * 1.1;
    let x = |i: usize| {
        l + if labels.len() <= 1 {
            (w - l - r) / 2.0
        } else {
            i as f64 * (w - l - r) / (labels.len() - 1) as f64
        }
    };
    let y = |v: f64| top + (h - top - b) * (1.0 - v / max);
    let mut o = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{id}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{title}\"><text x=\"{l}\" y=\"14\" font-size=\"11\">{title}</text>"
    );
    for k in 0..=4 {
        let v = max * k as f64 / 4.0;
        let _ = write!(
            o,
            "<line x1=\"{l}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e5e7eb\"/><text x=\"4\" y=\"{:.1}\" font-size=\"9\">{:.0}{unit}</text>",
            w - r,
            y(v) + 3.0,
            v,
            y = y(v)
        );
    }
    for (i, label) in labels.iter().enumerate() {
        let _ = write!(
            o,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"9\">{}</text>",
            x(i) - 18.0,
            h - 10.0,
            esc(label)
        );
    }
    for (n, (name, values)) in series.iter().enumerate() {
        let color = COLORS[n % COLORS.len()];
        let mut path = String::new();
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1}",
                        if path.is_empty() || path.ends_with(' ') {
                            "M"
                        } else {
                            "L"
                        },
                        x(i),
                        y(*v)
                    );
                    let _ = write!(
                        o,
                        "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\" fill=\"{color}\" data-series=\"{}\" data-x=\"{}\" data-y=\"{v}\"/>",
                        x(i),
                        y(*v),
                        esc(name),
                        esc(&labels[i])
                    );
                }
                None => {
                    path.push(' ');
                    let _ = write!(
                        o,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" fill=\"#6b7280\">×</text>",
                        x(i) - 3.0,
                        h - b + 9.0
                    );
                }
            }
        }
        for d in path.split(' ').filter(|d| !d.is_empty()) {
            let _ = write!(
                o,
                "<path d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"/>"
            );
        }
        let ly = top + 12.0 * n as f64;
        let _ = write!(
            o,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{ly:.1}\" y2=\"{ly:.1}\" stroke=\"{color}\" stroke-width=\"2\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"9\">{}</text>",
            w - r + 8.0,
            w - r + 22.0,
            w - r + 26.0,
            ly + 3.0,
            esc(name),
        );
    }
    o.push_str("</svg>");
    o
}

/// Prints `html` to `pdf` with a headless Chromium, when one is installed.
fn print_pdf(html: &Path, pdf: &Path) -> anyhow::Result<()> {
    let browser = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .context("no headless Chromium to print the PDF with: install it (Debian: apt install chromium), or open the HTML file in a browser and print it to PDF")?;
    let html = std::fs::canonicalize(html)?;
    let profile = tempdir_for(pdf)?;
    let out = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("cannot run {browser}"))?;
    let _ = std::fs::remove_dir_all(&profile);
    if !out.status.success() || !pdf.exists() {
        bail!(
            "{browser} did not print {}: {}",
            pdf.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// A fresh folder for the browser's profile beside the PDF.
fn tempdir_for(pdf: &Path) -> anyhow::Result<PathBuf> {
    let dir = pdf
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(format!(".remedy-report-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_quarters_of_a_trend_cross_years() {
        assert_eq!(
            quarters_ending("2025-Q1", 4).unwrap(),
            ["2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]
        );
        assert!(quarters_ending("2024-13", 4).is_err());
        assert_eq!(
            quarter_dates("2024-Q4"),
            ("2024-10-01".into(), "2024-12-31".into())
        );
    }

    #[test]
    fn a_chart_leaves_a_gap_for_a_withheld_figure() {
        let svg = chart(
            "c",
            "t",
            &["a".into(), "b".into(), "c".into()],
            &[("KH".into(), vec![Some(1.0), None, Some(3.0)])],
            "",
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(
            svg.matches("<path").count(),
            2,
            "two pieces, not one line through the gap"
        );
        assert!(svg.contains('×'));
    }
}
