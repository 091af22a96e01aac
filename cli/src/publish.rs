//! `remedy publish --period P [--dry-run] [--threshold K] [--epsilon E] [--allow-empty]`: a
//! statistics release of the node's committed cases, with disclosure control (or
//! differentially private noise), into the shared log.

use std::fmt::Write as _;

use anyhow::Context as _;
use remedy_core::release::Release;
use remedy_proto::v1 as pb;

use crate::Format;
use crate::client::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The period: a year (2024), a quarter (2024-Q3) or a month (2024-07).
    #[arg(long)]
    period: String,
    /// Show exactly what would leave the node, and what is held back and why,
    /// without publishing.
    #[arg(long)]
    dry_run: bool,
    /// The threshold K: counts from 1 to K-1 are suppressed. Default and minimum:
    /// the federation's (5 without a manifest).
    #[arg(long)]
    threshold: Option<u64>,
    /// Noise every count for differential privacy with this ε (such as 1)
    /// instead of suppressing small ones; medians and sums are then withheld. The
    /// federation caps the ε each member spends per calendar quarter
    /// (epsilon_cap, 1 by default). Refused when the noise would make the case
    /// total too uncertain (max_noise_rse_percent) unless --accept-noise.
    #[arg(long)]
    epsilon: Option<String>,
    /// With --epsilon: publish even if the case total's standard error is above
    /// the federation's bound relative to the true count.
    #[arg(long, requires = "epsilon")]
    accept_noise: bool,
    /// Publish even if no case was opened or closed in the period, so that every
    /// figure is 0 (refused otherwise, as it usually means the register was not
    /// imported yet). A period that has not begun, and a revision that changes
    /// nothing, are always refused.
    #[arg(long)]
    allow_empty: bool,
}

pub fn run(context: &Context, args: Args) -> anyhow::Result<()> {
    if args.threshold == Some(0) {
        anyhow::bail!("--threshold 0: a threshold is at least 1");
    }
    if let Some(text) = &args.epsilon {
        let e = remedy_core::privacy::Epsilon::parse(text)
            .map_err(|e| anyhow::anyhow!("--epsilon: {e}"))?;
        if e.micro() == 0 {
            anyhow::bail!("--epsilon 0: ε must be above 0 (smaller is more private)");
        }
    }
    let (runtime, channel) = context.connect()?;
    let reply = runtime
        .block_on(
            pb::admin_client::AdminClient::new(channel).publish(pb::PublishRequest {
                period: args.period.clone(),
                threshold: args.threshold.unwrap_or(0),
                dry_run: args.dry_run,
                epsilon: args.epsilon.clone().unwrap_or_default(),
                allow_empty: args.allow_empty,
                accept_noise: args.accept_noise,
            }),
        )
        .with_context(|| format!("the node did not publish {}", args.period))?
        .into_inner();
    let release: Release = serde_json::from_str(&reply.release_json)
        .context("the node sent a release that does not parse")?;
    match context.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "dry_run": args.dry_run,
                "seq": (reply.seq > 0).then_some(reply.seq),
                "release": serde_json::from_str::<serde_json::Value>(&reply.release_json)?,
                "held_back": reply.held_back,
            })
        ),
        _ => {
            print!("{}", render(&release));
            if !reply.held_back.is_empty() {
                println!(
                    "held back ({}; this list stays on this machine):",
                    reply.held_back.len()
                );
                for line in &reply.held_back {
                    println!("  {line}");
                }
            }
            if args.dry_run && release.privacy.is_some() {
                println!(
                    "dry run: nothing was published; the noise drawn for this preview is not kept, so published counts will differ by fresh noise of the same scale"
                );
            } else if args.dry_run {
                println!(
                    "dry run: nothing was published; the tables above are exactly what would leave the node"
                );
            } else {
                println!(
                    "published {} revision {} as shared event {}",
                    release.period, release.revision, reply.seq
                );
            }
        }
    }
    Ok(())
}

/// What `release` states about the noise of `table`, if it is noised.
fn spend_of<'a>(release: &'a Release, table: &str) -> Option<&'a remedy_core::release::Spend> {
    release
        .privacy
        .as_ref()?
        .tables
        .iter()
        .find(|s| s.table == table)
}

/// The release as aligned text tables; suppressed figures are shown as `x`.
pub fn render(release: &Release) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "release {} revision {} (threshold {}; computed at private event {})",
        release.period, release.revision, release.rules.threshold, release.source.private_seq
    );
    match &release.privacy {
        None => {
            let _ = writeln!(
                out,
                "legend: x = suppressed (a count from 1 to {}, or hidden so that none can be worked out from the totals)\n",
                release.rules.threshold - 1
            );
        }
        Some(p) => {
            let _ = writeln!(
                out,
                "legend: ~ = noised ({}, ε {} in all, split {}; a case counts at most {} grievances; totals are sums of noised cells, unbiased, negative where the noise outweighs a small count), x = withheld\n",
                p.mechanism, p.epsilon, p.split, p.grievances_per_case
            );
        }
    }
    for t in &release.tables {
        let show = |v: Option<i64>| match v {
            None => "x".to_string(),
            Some(v) if release.is_noised(&t.name) => format!("~{v}"),
            Some(v) => v.to_string(),
        };
        let label = t.rows.iter().map(String::len).max().unwrap_or(0).max(5);
        let widths: Vec<usize> = t.columns.iter().map(|c| c.len().max(5)).collect();
        let _ = writeln!(out, "{}", t.name);
        let _ = write!(out, "{:<label$}", "");
        for (c, w) in t.columns.iter().zip(&widths) {
            let _ = write!(out, "  {c:>w$}");
        }
        let _ = writeln!(out, "  {:>6}", "total");
        for (r, row) in t.rows.iter().enumerate() {
            let _ = write!(out, "{row:<label$}");
            for (cell, w) in t.cells[r].iter().zip(&widths) {
                let _ = write!(out, "  {:>w$}", show(*cell));
            }
            let _ = writeln!(out, "  {:>6}", show(t.row_totals[r]));
        }
        let _ = write!(out, "{:<label$}", "total");
        for (total, w) in t.column_totals.iter().zip(&widths) {
            let _ = write!(out, "  {:>w$}", show(*total));
        }
        let _ = writeln!(out, "  {:>6}", show(t.total));
        if let Some(v) = release.cell_variance(&t.name) {
            let (rows, columns) = (t.rows.len() as u64, t.columns.len() as u64);
            let _ = writeln!(
                out,
                "standard error of the noise: a cell ±{:.1}, a row total ±{:.1}, a column total ±{:.1}, the total ±{:.1} (ε {}, sensitivity {})",
                v.standard_error(),
                v.times(columns).standard_error(),
                v.times(rows).standard_error(),
                v.times(rows * columns).standard_error(),
                spend_of(release, &t.name).map_or("?", |s| s.epsilon.as_str()),
                spend_of(release, &t.name).map_or(0, |s| s.sensitivity),
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "resolution (cases closed in the period)");
    let _ = writeln!(
        out,
        "{:<24}  {:>6}  {:>11}  {:>16}",
        "channel", "closed", "median days", "compensation USD"
    );
    let noised = release.is_noised(remedy_core::release::RESOLUTION);
    let show = |v: Option<i64>| match v {
        None => "x".to_string(),
        Some(v) if noised => format!("~{v}"),
        Some(v) => v.to_string(),
    };
    let exact = |v: Option<u64>| v.map_or("x".to_string(), |v| v.to_string());
    for r in &release.resolution {
        let _ = writeln!(
            out,
            "{:<24}  {:>6}  {:>11}  {:>16}",
            r.channel,
            show(r.closed),
            exact(r.median_days),
            exact(r.total_compensation_usd)
        );
    }
    if let Some(v) = release.cell_variance(remedy_core::release::RESOLUTION) {
        let _ = writeln!(
            out,
            "standard error of the noise: a channel's closed cases ±{:.1}",
            v.standard_error()
        );
    }
    out.push('\n');
    out
}
