//! `remedy workplan ...`: the joint regional work plan, from a coordinator's
//! draft to the agreed plan as a document a ministry can file and anyone can
//! check offline.
//!
//! Members append their records to their own node's shared log; a coordinator
//! signs its records (drafts, amendments of drafts, comments, requests for
//! positions) with its own key and submits them to a node (`Federation.Submit`),
//! which carries them as `statement` events. Every command that names a version
//! (endorse, object, propose, amend) names the newest one, by number and hash,
//! read from the node first.
//!
//! `show`, `status` and `export` compute the plan here from the node's plan
//! events, each signature verified with the manifest (`plan::fetch`), and take
//! indicator series from the node's regional view.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use remedy_core::MemberId;
use remedy_core::case::Date;
use remedy_core::controls::escape;
use remedy_core::payload::Payload;
use remedy_core::plan::{RecordId, Registry};
use remedy_core::workplan::{
    Amendment, Answer, Comment, Decimal, Endorsement, ItemContent, ItemUpdate, ItemView, Milestone,
    Objection, PositionRequest, Proposal, ReportedValue, Source, VersionRef, WorkplanItem,
};
use remedy_proto::v1 as pb;

use crate::Format;
use crate::client::Context;
use crate::plan::{Fetched, created, fetch, member, record_id, record_ids};

#[derive(Debug, Default, clap::Args)]
pub struct ItemArgs {
    /// The whole item as TOML or JSON (the fields of docs/payloads.md's
    /// workplan-item `content`; see docs/examples/workplan-item.toml). Flags
    /// given beside it replace its fields.
    #[arg(long)]
    file: Option<PathBuf>,
    /// The item's title, up to 200 characters.
    #[arg(long)]
    title: Option<String>,
    /// What the item is to achieve.
    #[arg(long)]
    objective: Option<String>,
    /// The recommendations it draws on, from any member.
    #[arg(long, num_args = 1..)]
    draws_on: Vec<String>,
    /// The member that leads it.
    #[arg(long)]
    lead: Option<String>,
    /// Comma-separated members it names (the lead among them).
    #[arg(long, value_delimiter = ',')]
    members: Vec<String>,
    /// The month it is due, YYYY-MM.
    #[arg(long)]
    due: Option<String>,
    /// An expected output; repeat it (replaces the outputs).
    #[arg(long = "output")]
    outputs: Vec<String>,
    /// A milestone as ID:YYYY-MM-DD:TITLE (protocol-signed:2026-12-01:Protocol
    /// signed); repeat it (replaces the milestones).
    #[arg(long = "milestone")]
    milestones: Vec<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum WorkplanCommand {
    /// Open an item as a draft (members and coordinators); a member proposes
    /// it later. Prints its id last.
    Draft(ItemArgs),
    /// Propose a new item (flags or --file), or with --item the newest version
    /// of a draft; the proposal counts as this member's endorsement. Prints the
    /// record's id last.
    Propose {
        /// An existing draft to propose, instead of a new item.
        #[arg(long)]
        item: Option<String>,
        #[command(flatten)]
        args: ItemArgs,
        /// A note to go with the proposal (optional).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Make a new version of an item from its newest one: --material resets
    /// every position, --editorial keeps them (any member named may contest
    /// that with `object --contests-editorial`).
    Amend {
        /// The item's id (KH-6).
        item: String,
        #[command(flatten)]
        args: ItemArgs,
        /// A material change: every position (endorsement or objection) is reset.
        #[arg(
            long,
            required_unless_present = "editorial",
            conflicts_with = "editorial"
        )]
        material: bool,
        /// An editorial change: positions are kept.
        #[arg(long)]
        editorial: bool,
        /// What changed and why.
        #[arg(long)]
        note: String,
    },
    /// Endorse the newest version of an item that names this member (a partner's
    /// endorsement is advisory: shown, never counted).
    Endorse {
        /// The item's id (KH-6).
        item: String,
        /// A note to go with the endorsement (optional).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Object to the newest version of an item that names this member.
    Object {
        /// The item's id (KH-6).
        item: String,
        /// Why this member objects.
        #[arg(long)]
        reason: String,
        /// The newest version was called editorial; say it is material.
        #[arg(long)]
        contests_editorial: bool,
    },
    /// Answer an objection (the item's proposer or lead).
    Answer {
        /// The objection's id.
        objection: String,
        /// The answer.
        #[arg(long)]
        text: String,
    },
    /// Comment on an item or a recommendation (members, coordinators, partners).
    Comment {
        /// The item's or recommendation's id.
        on: String,
        /// The comment.
        #[arg(long)]
        text: String,
    },
    /// Ask members for their position on the newest version by a date
    /// (coordinators and the item's lead).
    Request {
        /// The item's id (KH-6).
        item: String,
        /// Comma-separated members asked.
        #[arg(long, value_delimiter = ',', required = true)]
        from: Vec<String>,
        /// YYYY-MM-DD.
        #[arg(long)]
        by: String,
        /// A note to go with the request (optional).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record progress: a note, milestones reached, indicator values, and (the
    /// lead, once agreed) the status.
    Update {
        /// The item's id (KH-6).
        item: String,
        /// The date the update describes, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        date: Option<String>,
        /// in-progress, done or dropped (the lead).
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(remedy_core::workplan::UPDATE_STATUSES))]
        status: Option<String>,
        /// A milestone reached, by id; repeat it.
        #[arg(long = "milestone")]
        milestones: Vec<String>,
        /// An indicator value as ID=VALUE or ID=VALUE@YYYY-MM-DD; repeat it.
        #[arg(long = "value")]
        values: Vec<String>,
        /// What was done (optional).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Every item on one line: stage, version, endorsements, flags, what is
    /// awaited (--format csv for a spreadsheet).
    Status {
        /// The date flags are computed against, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Items in full: text, versions, positions, objections and answers,
    /// milestones, indicators, timeline.
    Show {
        /// The item's id (KH-6); every item without it.
        item: Option<String>,
        /// The date flags are computed against, YYYY-MM-DD (default: today, UTC).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// The agreed plan as a document (--format html, md or json), with the
    /// signed events that prove it, for `workplan verify`.
    Export {
        /// The date flags and indicator values are given at (default: today).
        #[arg(long)]
        as_of: Option<String>,
        /// Where to write it (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check an exported plan offline: every version and endorsement in it is
    /// an event signed by its member's key in federation.toml, endorsing exactly
    /// that version, and the document is the one those events make.
    Verify {
        /// The exported plan (.json, .md or .html).
        file: PathBuf,
        /// The federation's manifest (federation.toml) holding the members' keys.
        #[arg(long)]
        federation: PathBuf,
    },
}

fn today() -> Date {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    Date::from_days(days as i64)
}

fn as_of(value: Option<&str>) -> anyhow::Result<Date> {
    match value {
        None => Ok(today()),
        Some(v) => {
            Date::parse(v).with_context(|| format!("--as-of {v:?} is not a date (YYYY-MM-DD)"))
        }
    }
}

/// Appends one record as this identity may (`plan::append`) and says so.
fn record<P: Payload>(context: &Context, what: &str, payload: &P) -> anyhow::Result<()> {
    let draft = crate::plan::draft(payload)?;
    let id = crate::plan::append(context, vec![draft])?.remove(0);
    created(context, what, &[id]);
    Ok(())
}

/// The item content from --file and flags.
fn content(args: ItemArgs, base: Option<ItemContent>) -> anyhow::Result<ItemContent> {
    let mut c = match (&args.file, base) {
        (Some(file), _) => read_record(file)?,
        (None, Some(base)) => base,
        (None, None) => {
            let missing: Vec<&str> = [
                ("--title", args.title.is_none()),
                ("--objective", args.objective.is_none()),
                ("--draws-on", args.draws_on.is_empty()),
                ("--lead", args.lead.is_none()),
                ("--members", args.members.is_empty()),
                ("--due", args.due.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(f, _)| *f)
            .collect();
            if !missing.is_empty() {
                bail!(
                    "a new item needs {} (or --file with the whole item)",
                    missing.join(", ")
                );
            }
            ItemContent {
                title: String::new(),
                objective: String::new(),
                outputs: Vec::new(),
                activities: Vec::new(),
                draws_on: Vec::new(),
                lead: member("XX")?,
                members: Vec::new(),
                milestones: Vec::new(),
                indicators: Vec::new(),
                due: String::new(),
            }
        }
    };
    if let Some(t) = args.title {
        c.title = t;
    }
    if let Some(o) = args.objective {
        c.objective = o;
    }
    if !args.draws_on.is_empty() {
        c.draws_on = record_ids(&args.draws_on)?;
    }
    if let Some(l) = args.lead {
        c.lead = member(&l)?;
    }
    if !args.members.is_empty() {
        c.members = args
            .members
            .iter()
            .map(|m| member(m))
            .collect::<anyhow::Result<_>>()?;
    }
    if let Some(d) = args.due {
        c.due = d;
    }
    if !args.outputs.is_empty() {
        c.outputs = args.outputs;
    }
    if !args.milestones.is_empty() {
        c.milestones = args
            .milestones
            .iter()
            .map(|m| {
                let mut parts = m.splitn(3, ':');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some(id), Some(due), Some(title)) => Ok(Milestone {
                        id: id.into(),
                        due: due.into(),
                        title: title.into(),
                    }),
                    _ => bail!("--milestone {m:?}: expected ID:YYYY-MM-DD:TITLE"),
                }
            })
            .collect::<anyhow::Result<_>>()?;
    }
    c.validate().map_err(|e| anyhow::anyhow!("the item: {e}"))?;
    Ok(c)
}

/// The largest record file read: a record travels in one event, which no
/// federation allows above 1 MiB.
const MAX_RECORD_FILE: u64 = 1 << 20;

/// Reads a record (an item's content, a pilot) from a TOML or JSON (`.json`)
/// file of at most 1 MiB; an error names the file, line and column.
pub(crate) fn read_record<T: serde::de::DeserializeOwned>(file: &Path) -> anyhow::Result<T> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    if size > MAX_RECORD_FILE {
        bail!(
            "{} is {size} bytes; a record is at most {MAX_RECORD_FILE} bytes (one event)",
            file.display()
        );
    }
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let is_json = file.extension().is_some_and(|e| e == "json");
    if is_json {
        serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}:{}:{}: {e}", file.display(), e.line(), e.column()))
    } else {
        toml::from_str(&text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let before = &text[..s.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!("{line}:{column}: ")
                })
                .unwrap_or_default();
            anyhow::anyhow!("{}:{at}{}", file.display(), e.message())
        })
    }
}

/// The plan as the node holds it, computed here, with indicator series from the
/// node's regional view.
fn plan(context: &Context, as_of: Date) -> anyhow::Result<(Fetched, Vec<ItemView>)> {
    let fetched = fetch(context)?;
    let mut items = fetched.registry.items(fetched.quorum, as_of);
    let grain = fetched
        .manifest
        .as_ref()
        .map(|m| m.body.policy.grain)
        .unwrap_or_default();
    let needs_series = items.iter().any(|i| {
        i.indicators
            .iter()
            .any(|x| matches!(x.indicator.source, Source::Series(_)))
    });
    if needs_series {
        let (runtime, channel) = context.connect()?;
        let mut view = pb::view_client::ViewClient::new(channel);
        for item in &mut items {
            for ind in &mut item.indicators {
                let Source::Series(source) = &ind.indicator.source else {
                    continue;
                };
                let Some((from, to)) = remedy_core::workplan::series_periods(&ind.indicator, grain)
                else {
                    continue;
                };
                let reply = runtime.block_on(view.series(pb::SeriesRequest {
                    table: source.table.clone(),
                    from_period: from.to_string(),
                    to_period: to.to_string(),
                    members: source.members.iter().map(ToString::to_string).collect(),
                    row: source.row.clone(),
                    column: source.column.clone(),
                }));
                match reply {
                    Ok(r) => {
                        let series: remedy_core::regional::Series =
                            serde_json::from_str(&r.into_inner().json)
                                .context("the node sent a series that does not parse")?;
                        remedy_core::workplan::attach_series(ind, &series);
                    }
                    Err(status) => {
                        ind.caveat = format!("the node's regional view: {}", status.message());
                    }
                }
            }
        }
    }
    Ok((fetched, items))
}

/// The newest version of `item` as `VersionRef`, with its content.
fn newest(
    registry: &Registry,
    quorum: remedy_core::manifest::Quorum,
    item: &RecordId,
) -> anyhow::Result<(VersionRef, ItemContent)> {
    let view = registry
        .items(quorum, today())
        .into_iter()
        .find(|v| &v.id == item)
        .with_context(|| {
            format!("{item} is not a work-plan item this node holds (check the id, or wait until it has replicated)")
        })?;
    let v = view
        .versions
        .last()
        .context("an item has at least one version")?;
    let hash = remedy_core::EventHash::from_slice(&hex::decode(&v.hash)?)
        .context("a version hash is 32 bytes")?;
    Ok((VersionRef::new(v.version, hash), v.content.clone()))
}

pub fn workplan(context: &Context, command: WorkplanCommand) -> anyhow::Result<()> {
    match command {
        WorkplanCommand::Draft(args) => {
            let item = WorkplanItem {
                proposed: false,
                content: content(args, None)?,
            };
            record(context, "work-plan draft", &item)
        }
        WorkplanCommand::Propose {
            item: Some(item),
            note,
            ..
        } => {
            let item = record_id(&item)?;
            let fetched = fetch(context)?;
            let (version, _) = newest(&fetched.registry, fetched.quorum, &item)?;
            record(
                context,
                "proposal",
                &Proposal {
                    item,
                    version,
                    note,
                },
            )
        }
        WorkplanCommand::Propose {
            item: None, args, ..
        } => {
            let item = WorkplanItem {
                proposed: true,
                content: content(args, None)?,
            };
            record(context, "work-plan item", &item)
        }
        WorkplanCommand::Amend {
            item,
            args,
            material,
            note,
            ..
        } => {
            let item = record_id(&item)?;
            let fetched = fetch(context)?;
            let (base, current) = newest(&fetched.registry, fetched.quorum, &item)?;
            let content = content(args, Some(current.clone()))?;
            if content == current {
                bail!("the amendment changes nothing in {item} {base}");
            }
            let a = Amendment {
                item,
                base,
                material,
                note,
                content,
            };
            record(context, "amendment", &a)
        }
        WorkplanCommand::Endorse { item, note } => {
            let item = record_id(&item)?;
            let fetched = fetch(context)?;
            let (version, _) = newest(&fetched.registry, fetched.quorum, &item)?;
            record(
                context,
                "endorsement",
                &Endorsement {
                    item,
                    version,
                    note,
                },
            )
        }
        WorkplanCommand::Object {
            item,
            reason,
            contests_editorial,
        } => {
            let item = record_id(&item)?;
            let fetched = fetch(context)?;
            let (version, _) = newest(&fetched.registry, fetched.quorum, &item)?;
            let o = Objection {
                item,
                version,
                reason,
                contests_editorial,
            };
            record(context, "objection", &o)
        }
        WorkplanCommand::Answer { objection, text } => {
            let a = Answer {
                objection: record_id(&objection)?,
                text,
            };
            record(context, "answer", &a)
        }
        WorkplanCommand::Comment { on, text } => {
            let c = Comment {
                on: record_id(&on)?,
                text,
            };
            record(context, "comment", &c)
        }
        WorkplanCommand::Request {
            item,
            from,
            by,
            note,
        } => {
            let item = record_id(&item)?;
            let fetched = fetch(context)?;
            let (version, _) = newest(&fetched.registry, fetched.quorum, &item)?;
            let r = PositionRequest {
                item,
                version,
                from: from
                    .iter()
                    .map(|m| member(m))
                    .collect::<anyhow::Result<_>>()?,
                by,
                note,
            };
            record(context, "request for positions", &r)
        }
        WorkplanCommand::Update {
            item,
            date,
            status,
            milestones,
            values,
            note,
        } => {
            let date = date.unwrap_or_else(|| today().to_string());
            let values = values
                .iter()
                .map(|v| {
                    let (id, rest) = v.split_once('=').with_context(|| {
                        format!("--value {v:?}: expected ID=VALUE[@YYYY-MM-DD]")
                    })?;
                    let (value, at) = rest.split_once('@').unwrap_or((rest, &date));
                    Ok(ReportedValue {
                        indicator: id.into(),
                        value: Decimal::parse(value).with_context(|| {
                            format!("--value {v:?}: {value:?} is not a decimal number (as 12.5)")
                        })?,
                        date: at.into(),
                    })
                })
                .collect::<anyhow::Result<_>>()?;
            let u = ItemUpdate {
                item: record_id(&item)?,
                date,
                status,
                milestones,
                values,
                note,
            };
            record(context, "update", &u)
        }
        WorkplanCommand::Status { as_of: when } => {
            let (fetched, items) = plan(context, as_of(when.as_deref())?)?;
            match context.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&items)?),
                Format::Csv => print!("{}", items_csv(&items)),
                _ => {
                    print!("{}", render_status(&items, fetched.quorum));
                    crate::plan::problems(&fetched.registry.unresolved());
                }
            }
            Ok(())
        }
        WorkplanCommand::Show { item, as_of: when } => {
            let wanted = item.as_deref().map(record_id).transpose()?;
            let (fetched, mut items) = plan(context, as_of(when.as_deref())?)?;
            items.retain(|i| wanted.as_ref().is_none_or(|w| &i.id == w));
            if let Some(lang) = &context.lang {
                fetched.registry.translate_items(&mut items, lang);
            }
            if let Some(w) = &wanted
                && items.is_empty()
            {
                bail!("this node holds no work-plan item {w}");
            }
            match context.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&items)?),
                Format::Csv => print!("{}", items_csv(&items)),
                _ => {
                    print!("{}", render_status(&items, fetched.quorum));
                    for i in &items {
                        print!("{}", escape(&crate::plan_doc::item_text(i)));
                    }
                }
            }
            Ok(())
        }
        WorkplanCommand::Export { as_of: when, out } => {
            let when = as_of(when.as_deref())?;
            let (fetched, items) = plan(context, when)?;
            let doc = crate::plan_doc::Document::of(&fetched, items, when)?;
            let text = match context.format {
                Format::Json | Format::Table => doc.to_json(),
                Format::Md => crate::plan_doc::markdown(&doc),
                Format::Html => crate::plan_doc::html(&doc),
                other => bail!("export writes html, md or json, not {other:?}"),
            };
            match out {
                Some(path) => {
                    std::fs::write(&path, &text)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!(
                        "wrote the agreed plan ({} items, {} signed events) to {}; check it with: remedy workplan verify {} --federation federation.toml",
                        doc.items.len(),
                        doc.evidence.len(),
                        path.display(),
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        WorkplanCommand::Verify { file, federation } => {
            let manifest = remedy_client::identity::load_manifest(&federation)?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let report = crate::plan_doc::verify(&text, &manifest)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            println!("{}: {report}", file.display());
            Ok(())
        }
    }
}

/// One line per item.
pub fn render_status(items: &[ItemView], quorum: remedy_core::manifest::Quorum) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "joint regional work plan: {} (an item is agreed when {quorum} of the members it names endorse one version and none objects)",
        match items.len() {
            1 => "1 item".to_string(),
            n => format!("{n} items"),
        }
    );
    let _ = writeln!(
        out,
        "{:<8}  {:<11}  {:<7}  {:<12}  {:<7}  title",
        "id", "stage", "version", "endorsements", "flags"
    );
    for i in items {
        let flags = if i.overdue {
            "OVERDUE"
        } else if i.at_risk {
            "at risk"
        } else {
            ""
        };
        let version = match i.agreed_version {
            Some(a) if a != i.current_version => format!("{a} (+{})", i.current_version),
            _ => i.current_version.to_string(),
        };
        let _ = writeln!(
            out,
            "{:<8}  {:<11}  {:<7}  {:<12}  {:<7}  {}",
            i.id.to_string(),
            i.stage,
            version,
            format!("{} of {} needed", i.tally.endorsed, i.tally.needed),
            flags,
            i.in_force().content.title
        );
        for a in &i.awaited {
            let _ = writeln!(
                out,
                "          awaited from {}: {}{}",
                a.from,
                a.what,
                match (a.by.is_empty(), a.overdue) {
                    (true, _) => String::new(),
                    (false, false) => format!(", by {}", a.by),
                    (false, true) => format!(", by {} (LATE)", a.by),
                }
            );
        }
    }
    escape(&out).into_owned()
}

/// Items as CSV: one row each, the version in force.
pub(crate) fn items_csv(items: &[ItemView]) -> String {
    let mut w = remedy_core::csv_text::CsvText::new();
    w.record([
        "id",
        "stage",
        "title",
        "lead",
        "members",
        "due",
        "current_version",
        "agreed_version",
        "endorsed",
        "needed",
        "objected",
        "overdue",
        "at_risk",
        "draws_on",
        "flags",
    ]);
    for i in items {
        let c = &i.in_force().content;
        let fields = [
            i.id.to_string(),
            i.stage.clone(),
            c.title.clone(),
            c.lead.to_string(),
            c.members
                .iter()
                .map(MemberId::as_str)
                .collect::<Vec<_>>()
                .join(";"),
            c.due.clone(),
            i.current_version.to_string(),
            i.agreed_version.map(|v| v.to_string()).unwrap_or_default(),
            i.tally.endorsed.to_string(),
            i.tally.needed.to_string(),
            i.tally.objected.to_string(),
            i.overdue.to_string(),
            i.at_risk.to_string(),
            c.draws_on
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(";"),
            i.flags.join("; "),
        ];
        w.record(fields.iter().map(String::as_str));
    }
    w.finish()
}
