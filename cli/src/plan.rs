//! `remedy recommend|pilot|workplan ...`: recommendations, pilot reports and the
//! joint regional work plan.
//!
//! Commands that create something append one signed event to the node's shared
//! log and print its id (`KH-12`, the author and the event's sequence number) alone
//! on their last line, so a script can capture it. The node refuses what it can
//! already tell is wrong (see `remedy_node::plan::check_local`).
//!
//! `list` and `show` read every plan event the node holds (`Federation.PlanEvents`),
//! verify each signature with the manifest's key for its author, and compute the
//! plan with `remedy_core::plan::Registry`: the same events give the same plan at
//! any node, for an operator, a coordinator or an auditor.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use remedy_core::controls::{escape, escape_line as line};
use remedy_core::manifest::{Manifest, Quorum};
use remedy_core::payload::Payload;
use remedy_core::plan::{
    PilotReport, Recommendation, RecommendationStatus, RecordId, Registry, Workshop,
};
use remedy_core::{Draft, MemberId, SignedEvent};
use remedy_proto::v1 as pb;
use tokio_stream::StreamExt;

use crate::Format;
use crate::cases::{at, csv_error, utf8_fields};
use crate::client::Context;
use crate::csv_lines::LineCounter;

#[derive(Debug, clap::Subcommand)]
pub enum RecommendCommand {
    /// Add a recommendation from a national workshop; prints its id last.
    Add {
        /// A short title, up to 200 characters.
        #[arg(long)]
        title: String,
        /// The recommendation in full, up to 20000 characters.
        #[arg(long)]
        text: String,
        /// One of: access-to-information, grievance-channels, legal-aid,
        /// recruitment-fees, cross-border-referral, data-monitoring, capacity-building.
        #[arg(long)]
        theme: String,
        /// Separated by ',' or ';' (as in CSV): government, bar-association, cso,
        /// recruitment-agency, mrc, japan-support-org, employer, union.
        #[arg(long)]
        actors: String,
        /// high, medium or low.
        #[arg(long)]
        priority: String,
        /// Where and when, as "Phnom Penh, 2024-05-14" (or --workshop-place and
        /// --workshop-date).
        #[arg(long, required_unless_present_all = ["workshop_place", "workshop_date"], conflicts_with_all = ["workshop_place", "workshop_date"])]
        workshop: Option<String>,
        /// The workshop's place, on its own.
        #[arg(long, requires = "workshop_date")]
        workshop_place: Option<String>,
        /// The workshop's date (YYYY-MM-DD), on its own.
        #[arg(long, requires = "workshop_place")]
        workshop_date: Option<String>,
    },
    /// Record a change of one of this member's recommendations.
    Status {
        /// The recommendation's id (KH-12).
        id: String,
        /// endorsed-nationally, adopted, in-progress, implemented or dropped.
        status: String,
        /// Why, or what changed (optional).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Add a workshop's recommendations from CSV or the first sheet of an .xlsx
    /// (columns title, text, theme, actors, priority, workshop; actors separated
    /// by ';' or ','), all or none; `-` reads stdin.
    Import {
        /// The workshop's file: a .csv or .xlsx file, or `-` for standard input.
        file: PathBuf,
        /// The file's encoding when it is not UTF-8, as a WHATWG label:
        /// shift_jis, windows-1258...
        #[arg(long, value_name = "LABEL")]
        encoding: Option<String>,
    },
    /// Every member's recommendations, with their status.
    List {
        /// Only this member's recommendations (KH).
        #[arg(long)]
        member: Option<String>,
        /// Only recommendations on this theme.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(remedy_core::plan::THEMES))]
        theme: Option<String>,
        /// Only recommendations with this status.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(remedy_core::plan::RECOMMENDATION_VIEW_STATUSES))]
        status: Option<String>,
    },
    /// One recommendation with its history.
    Show {
        /// The recommendation's id (KH-12).
        id: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum PilotCommand {
    /// An older whole-number pilot report without a pilot record (prefer
    /// `register` and `progress`); prints the report's id last.
    Report {
        /// The pilot project's short name (lowercase letters, digits, hyphens).
        #[arg(long)]
        pilot: String,
        /// The period reported on: 2024, 2024-Q3 or 2024-07.
        #[arg(long)]
        period: String,
        /// The recommendations the pilot tests.
        #[arg(long, num_args = 1.., required = true)]
        tests: Vec<String>,
        /// An aggregate figure, as NAME=NUMBER (people-reached=120); repeat it.
        #[arg(long = "indicator", required = true)]
        indicators: Vec<String>,
        /// A comment on the report (optional).
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Register a pilot project from a TOML or JSON file: its country, the
    /// partners running it, the recommendations it tests, start and end, and
    /// its indicators with unit, baseline and target (docs/payloads.md,
    /// "Pilots"); prints its id last.
    Register {
        /// The pilot's file (.toml or .json).
        file: PathBuf,
    },
    /// Report values of a pilot's indicators at a date, each in its unit, with
    /// lessons and problems met; by the member or a partner running the pilot.
    Progress {
        /// The pilot's id (KH-7).
        #[arg(long)]
        pilot: String,
        /// YYYY-MM-DD: the date the values describe.
        #[arg(long)]
        date: String,
        /// NAME=VALUE UNIT, as "workers-referred=35 count" or "resolved-share=20%";
        /// repeat it.
        #[arg(long = "value", required = true)]
        values: Vec<String>,
        /// Lessons learnt so far (optional).
        #[arg(long, default_value = "")]
        lessons: String,
        /// Problems met (optional).
        #[arg(long, default_value = "")]
        problems: String,
    },
    /// Every pilot with its indicators, and the older pilot reports.
    List,
}

pub(crate) fn record_id(text: &str) -> anyhow::Result<RecordId> {
    RecordId::parse(text).with_context(|| {
        format!("{text:?} is not a record id: expected the author and a number, as KH-12")
    })
}

pub(crate) fn record_ids(texts: &[String]) -> anyhow::Result<Vec<RecordId>> {
    texts.iter().map(|t| record_id(t)).collect()
}

pub(crate) fn member(text: &str) -> anyhow::Result<MemberId> {
    MemberId::new(text).map_err(|e| anyhow::anyhow!("{text:?}: {e}"))
}

/// Checks a payload as the node and every receiver will, so mistakes are named
/// before anything is sent.
pub(crate) fn draft<P: Payload>(payload: &P) -> anyhow::Result<Draft> {
    let draft = payload.to_draft();
    P::decode(draft.version, &draft.payload).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(draft)
}

/// Appends records as the identity in `--dir` may: a node member to its own
/// node's shared log in one commit; a coordinator or a partner organisation
/// signs each with its own key and submits it to a node (`Federation.Submit`: a
/// partner to its own member's node), which carries it as a `statement`.
/// Returns their ids.
pub(crate) fn append(context: &Context, drafts: Vec<Draft>) -> anyhow::Result<Vec<RecordId>> {
    use remedy_client::identity::{MEMBER_FILE, PARTNER_FILE, load_member, load_partner};
    let dir = context
        .dir
        .as_ref()
        .context("creating records needs your identity folder: pass --dir")?;
    if dir.join(PARTNER_FILE).exists() {
        let me = load_partner(&dir.join(PARTNER_FILE))?;
        return drafts
            .iter()
            .map(|d| submit(context, &me.member, Some(&me.partner.id), d))
            .collect();
    }
    if dir.join(MEMBER_FILE).exists() && !dir.join(remedy_client::config::CONFIG_FILE).exists() {
        let me = load_member(&dir.join(MEMBER_FILE))?;
        if me.role == remedy_core::manifest::Role::Auditor {
            bail!(
                "{} is an auditor: auditors read the plan and do not write it",
                me.id
            );
        }
        return drafts
            .iter()
            .map(|d| submit(context, &me.id, None, d))
            .collect();
    }
    let origin = remedy_client::config::NodeConfig::load(dir)?.member;
    let (runtime, channel) = context.connect()?;
    let request = pb::AppendRequest {
        log: pb::LogKind::Shared as i32,
        events: drafts
            .into_iter()
            .map(|d| pb::Draft {
                payload_kind: d.kind.0.into(),
                payload_version: d.version.into(),
                payload: d.payload,
            })
            .collect(),
    };
    let reply = runtime
        .block_on(pb::admin_client::AdminClient::new(channel).append(request))
        .map_err(|status| anyhow::anyhow!("the node refused it: {}", status.message()))?
        .into_inner();
    Ok(reply
        .receipts
        .iter()
        .map(|r| RecordId {
            origin: origin.clone(),
            seq: r.seq,
        })
        .collect())
}

/// Signs `draft` as a coordinator (`partner` none) or as partner `partner` of
/// `signer`, and submits it; a partner to its own member's node.
fn submit(
    context: &Context,
    signer: &MemberId,
    partner: Option<&str>,
    draft: &Draft,
) -> anyhow::Result<RecordId> {
    use remedy_core::statement::{COORDINATOR_KINDS, Statement};
    let dir = context.dir.as_ref().context("pass --dir")?;
    let key = remedy_client::keyfile::load_signing_key(
        &dir.join(remedy_client::identity::SIGNING_KEY_FILE),
    )?;
    let statement = match partner {
        None if !COORDINATOR_KINDS.contains(&draft.kind) => bail!(
            "{signer} is a coordinator: coordinators open drafts, amend drafts, comment and ask for positions; endorsing, objecting, proposing and recording progress are the members'"
        ),
        None => Statement::sign(signer, &key, draft),
        Some(p) if !remedy_core::partner::PARTNER_KINDS.contains(&draft.kind) => bail!(
            "{signer}/{p} is a partner organisation: partners add recommendations, comment, give advisory positions and report values; the rest is its member's"
        ),
        Some(p) => Statement::sign_partner(signer, p, &key, draft),
    };
    // A partner talks to its own member's node.
    let via = if partner.is_some() {
        partner_via(context, signer)?
    } else {
        context.clone()
    };
    // A node that does not pin a partner's certificate (not registered yet
    // where it is held, or retired) ends the handshake: say so.
    let refused_certificate = |detail: String| match partner {
        Some(p) => anyhow::anyhow!(
            "{signer}'s node did not accept the certificate of {signer}/{p} ({detail}): is it registered and not retired? (`remedy partner list`)"
        ),
        None => anyhow::anyhow!("the node refused it: {detail}"),
    };
    let (runtime, channel) = via
        .connect()
        .map_err(|e| refused_certificate(e.to_string()))?;
    let reply = runtime
        .block_on(
            pb::federation_client::FederationClient::new(channel).submit(pb::SubmitRequest {
                statement: statement.encode(),
            }),
        )
        .map_err(|s| match s.code() {
            tonic::Code::Unavailable | tonic::Code::Cancelled | tonic::Code::Unknown => {
                refused_certificate(s.message().to_string())
            }
            _ => anyhow::anyhow!("the node refused it: {}", s.message()),
        })?
        .into_inner();
    record_id(&reply.id)
}

/// The context a partner of `member` reaches its member's node with: `--node`
/// when given, else the member's endpoint in the folder's federation.toml.
pub(crate) fn partner_via(context: &Context, member: &MemberId) -> anyhow::Result<Context> {
    let mut via = context.clone();
    if via.node.is_none() {
        let dir = context.dir.as_ref().context("pass --dir")?;
        let manifest = remedy_client::identity::load_manifest(
            &dir.join(remedy_client::identity::FEDERATION_FILE),
        )
        .context("a partner's folder needs its federation's manifest (federation.toml) to reach its member's node")?;
        let endpoint = manifest
            .member(member)
            .map(|m| m.endpoint.clone())
            .with_context(|| format!("{member} is not in the manifest"))?;
        via.node = remedy_client::client::resolve(&endpoint).first().copied();
    }
    Ok(via)
}

/// Prints what was created; the id alone on the last line.
pub(crate) fn created(context: &Context, what: &str, ids: &[RecordId]) {
    match context.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({ "created": what, "ids": ids.iter().map(ToString::to_string).collect::<Vec<_>>() })
        ),
        _ => {
            println!("{what}: {} appended to the shared log", ids.len());
            for id in ids {
                println!("{id}");
            }
        }
    }
}

/// The plan events a node holds, each verified, and what the plan is computed
/// under.
pub(crate) struct Fetched {
    pub registry: Registry,
    pub quorum: Quorum,
    pub manifest: Option<Manifest>,
    pub events: Vec<SignedEvent>,
}

/// Every plan event the node holds, each signature verified with the manifest's
/// key of its author (and a coordinator's statement with the coordinator's key),
/// and the work-plan quorum.
pub(crate) fn fetch(context: &Context) -> anyhow::Result<Fetched> {
    let (runtime, channel) = context.connect()?;
    runtime.block_on(async {
        let mut federation = pb::federation_client::FederationClient::new(channel);
        let text = federation
            .manifest(pb::ManifestRequest { version: 0 })
            .await?
            .into_inner()
            .text;
        let manifest = (!text.is_empty())
            .then(|| Manifest::parse(&text))
            .transpose()
            .context("the node sent a manifest that does not parse")?;
        let mut stream = federation
            .plan_events(pb::PlanEventsRequest {})
            .await?
            .into_inner();
        let mut events = Vec::new();
        while let Some(item) = stream.next().await {
            events.push(
                SignedEvent::decode(item?.raw).context("the node sent an undecodable event")?,
            );
        }
        if let Some(manifest) = &manifest {
            verify_plan_events(&events, manifest)?;
        }
        let mut registry = Registry::new();
        for event in &events {
            registry.apply(event);
        }
        let quorum = manifest
            .as_ref()
            .map(|m| m.body.policy.workplan_quorum)
            .unwrap_or(Quorum::All);
        Ok(Fetched {
            registry,
            quorum,
            manifest,
            events,
        })
    })
}

/// Checks each plan event's signature with its origin's key for that event in
/// `manifest`, and each statement's with its coordinator's key. Plan records
/// always carry their own signature (a linked one is refused by every node), so
/// each is checked on its own.
pub(crate) fn verify_plan_events(
    events: &[SignedEvent],
    manifest: &Manifest,
) -> anyhow::Result<()> {
    let mut keys = BTreeMap::new();
    let signers = remedy_core::statement::Signers::of(manifest);
    // Each origin's partners as its log stands at each event: the events come
    // in key order (origin, then sequence number).
    let mut partners: BTreeMap<remedy_core::MemberId, remedy_core::partner::PartnerBook> =
        BTreeMap::new();
    for event in events {
        let origin = event.origin().clone();
        if !keys.contains_key(&origin) {
            let key = manifest
                .member(&origin)
                .with_context(|| format!("{origin} is not in the manifest"))?
                .key_history()?;
            keys.insert(origin.clone(), key);
        }
        if !event.verify_strict(keys[&origin].key_for(event.seq())) {
            bail!(
                "{} event {}: the signature does not verify with its key in the manifest",
                origin,
                event.seq()
            );
        }
        let book = partners.entry(origin.clone()).or_default();
        remedy_core::plan::check_event(event, &signers, book)
            .map_err(|e| anyhow::anyhow!("{origin} event {}: {e}", event.seq()))?;
        book.apply(event.seq(), event.kind(), event.version(), event.payload())
            .map_err(|e| anyhow::anyhow!("{origin} event {}: {e}", event.seq()))?;
    }
    Ok(())
}

pub fn recommend(context: &Context, command: RecommendCommand) -> anyhow::Result<()> {
    match command {
        RecommendCommand::Add {
            title,
            text,
            theme,
            actors,
            priority,
            workshop,
            workshop_place,
            workshop_date,
        } => {
            let workshop = match (workshop, workshop_place, workshop_date) {
                (Some(w), _, _) => {
                    Workshop::parse(&w).map_err(|e| anyhow::anyhow!("--workshop: {e}"))?
                }
                (None, Some(place), Some(date)) => {
                    if remedy_core::case::Date::parse(date.trim()).is_none() {
                        bail!(
                            "--workshop-date {date:?} is not a date: expected YYYY-MM-DD, as 2024-05-14"
                        );
                    }
                    Workshop::new(&place, &date)
                        .map_err(|e| anyhow::anyhow!("--workshop-place: {e}"))?
                }
                _ => bail!(
                    "give --workshop \"Place, YYYY-MM-DD\", or --workshop-place and --workshop-date"
                ),
            };
            let r = Recommendation {
                title,
                text,
                theme,
                actors: remedy_core::plan::list(&actors),
                priority,
                workshop,
            };
            let ids = append(context, vec![draft(&r)?])?;
            created(context, "recommendation", &ids);
        }
        RecommendCommand::Status { id, status, note } => {
            let change = RecommendationStatus {
                recommendation: record_id(&id)?,
                status,
                note,
            };
            let ids = append(context, vec![draft(&change)?])?;
            created(context, "status change", &ids);
        }
        RecommendCommand::Import { file, encoding } => {
            let drafts = read_recommendations(&file, encoding.as_deref())?;
            let ids = append(context, drafts)?;
            created(context, "recommendations", &ids);
        }
        RecommendCommand::List {
            member,
            theme,
            status,
        } => {
            let registry = fetch(context)?.registry;
            let views: Vec<_> = registry
                .recommendations_in(context.lang.as_deref())
                .into_iter()
                .filter(|r| member.as_deref().is_none_or(|m| r.member.as_str() == m))
                .filter(|r| theme.as_deref().is_none_or(|t| r.recommendation.theme == t))
                .filter(|r| status.as_deref().is_none_or(|s| r.status == s))
                .collect();
            match context.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&views)?),
                Format::Csv => print!("{}", recommendations_csv(&views)),
                _ => {
                    print_recommendations(&views, context.lang.as_deref());
                    problems(&registry.unresolved());
                }
            }
        }
        RecommendCommand::Show { id } => {
            let id = record_id(&id)?;
            let registry = fetch(context)?.registry;
            let r = registry
                .recommendations_in(context.lang.as_deref())
                .into_iter()
                .find(|r| r.id == id)
                .with_context(|| format!("this node holds no recommendation {id}"))?;
            match context.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&r)?),
                _ => {
                    let x = &r.recommendation;
                    // Text from the log is escaped: an event signed before control
                    // characters were refused, or by a peer, may hold some.
                    println!("{} ({}): {}", r.id, r.member, line(&x.title));
                    println!("  theme     {}", x.theme);
                    println!("  actors    {}", x.actors.join(", "));
                    println!("  priority  {}", x.priority);
                    println!(
                        "  workshop  {}, {}",
                        line(&x.workshop.place),
                        x.workshop.date
                    );
                    if !r.validated_at.is_empty() {
                        let at: Vec<String> =
                            r.validated_at.iter().map(ToString::to_string).collect();
                        println!("  validated at workshop {}", at.join(", "));
                    }
                    if let Some(by) = &r.submitted_by {
                        println!("  submitted by {by}");
                    }
                    if let Some(shown) = &r.shown {
                        println!("  language  {}", shown_note(shown));
                    }
                    println!("  status    {}", r.status);
                    println!("  {}", escape(&x.text));
                    println!("history:");
                    println!("  {:<8}  proposed", r.id.to_string());
                    for h in &r.history {
                        println!(
                            "  {:<8}  {:<19}  {}",
                            h.id.to_string(),
                            h.status,
                            escape(&h.note)
                        );
                    }
                    if !r.comments.is_empty() {
                        println!("comments:");
                    }
                    for c in &r.comments {
                        println!(
                            "  {:<8}  {:<6}  {}",
                            c.id.to_string(),
                            c.by.as_str(),
                            escape(&c.text)
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// A workshop's CSV, every row checked; errors name file, line and column, and
/// nothing is returned (so nothing is stored) when any row is bad.
fn read_recommendations(file: &Path, encoding: Option<&str>) -> anyhow::Result<Vec<Draft>> {
    let name = file.display().to_string();
    let input: Box<dyn std::io::Read + Send> = if name == "-" {
        Box::new(std::io::stdin())
    } else if crate::spreadsheet::is_spreadsheet(file) {
        if encoding.is_some() {
            bail!(
                "{name} is a spreadsheet, which holds its own encoding: --encoding is for CSV files"
            );
        }
        Box::new(std::io::Cursor::new(crate::spreadsheet::as_csv(file)?))
    } else {
        Box::new(std::fs::File::open(file).with_context(|| format!("cannot open {name}"))?)
    };
    let input = crate::encoding::decoding(input, encoding)?;
    let (drafts, errors) = parse_recommendations(&name, input)?;
    if !errors.is_empty() {
        for e in errors.iter().take(50) {
            eprintln!("{e}");
        }
        bail!(
            "{name}: {} of {} rows are invalid; nothing was stored",
            errors.len(),
            errors.len() + drafts.len()
        );
    }
    if drafts.is_empty() {
        bail!("{name}: the file holds a header and no recommendation; nothing was stored");
    }
    Ok(drafts)
}

/// The recommendations of the CSV `input` (shown as `name`), and what is wrong
/// with each bad row (file, line and column); an error for a file that cannot be
/// read at all (no header, a bad header).
fn parse_recommendations(
    name: &str,
    input: impl std::io::Read,
) -> anyhow::Result<(Vec<Draft>, Vec<String>)> {
    use remedy_core::plan::{RECOMMENDATION_COLUMNS as COLUMNS, recommendation_from_row};
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(LineCounter::new(input));
    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| anyhow::anyhow!("{name}: {}", csv_error(&e)))?
    {
        bail!(
            "{name}: the file is empty; expected a header line with the columns {}",
            COLUMNS.join(",")
        );
    }
    let head = reader.get_mut().record_line(&record);
    let not_utf8 = |at: String, record: &csv::ByteRecord| {
        format!(
            "{at}: invalid UTF-8: {}",
            crate::encoding::not_utf8_advice(record.as_slice())
        )
    };
    let header: Vec<String> = utf8_fields(&record)
        .map_err(|c| anyhow::anyhow!(not_utf8(at(name, head, c), &record)))?
        .iter()
        // A byte order mark (Excel's "CSV UTF-8") is not part of the first name.
        .map(|f| f.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    // The workshop in one column ("Phnom Penh, 2024-05-14") or in two.
    use remedy_core::plan::RECOMMENDATION_WORKSHOP_COLUMNS as SPLIT;
    let split = header.iter().any(|h| SPLIT.contains(&h.as_str()));
    let wanted: Vec<&str> = if split {
        COLUMNS[..5].iter().chain(SPLIT).copied().collect()
    } else {
        COLUMNS.to_vec()
    };
    for (i, h) in header.iter().enumerate() {
        if !wanted.contains(&h.as_str()) {
            bail!(
                "{}: {h:?} is not a column of the recommendation format (columns: {}; the workshop as one column or as {})",
                at(name, head, i + 1),
                COLUMNS.join(", "),
                SPLIT.join(" and ")
            );
        }
        if header[..i].contains(h) {
            bail!("{}: {h:?} appears twice", at(name, head, i + 1));
        }
    }
    let columns: Vec<usize> = wanted
        .iter()
        .map(|c| {
            header.iter().position(|h| h == c).with_context(|| {
                format!("{}: the header lacks the column {c:?}", at(name, head, 0))
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let mut drafts = Vec::new();
    let mut errors = Vec::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                errors.push(format!("{name}: {}", csv_error(&e)));
                break;
            }
        }
        let line = reader.get_mut().record_line(&record);
        let fields = match utf8_fields(&record) {
            Ok(fields) => fields,
            Err(c) => {
                errors.push(not_utf8(at(name, line, c), &record));
                continue;
            }
        };
        if fields.len() != header.len() {
            errors.push(format!(
                "{}: {} fields where the header has {}",
                at(name, line, 0),
                fields.len(),
                header.len()
            ));
            continue;
        }
        match recommendation_from_row(&columns, &fields) {
            Ok(r) => drafts.push(r.to_draft()),
            Err((column, problem)) => errors.push(format!("{}: {problem}", at(name, line, column))),
        }
    }
    Ok((drafts, errors))
}

pub fn pilot(context: &Context, command: PilotCommand) -> anyhow::Result<()> {
    match command {
        PilotCommand::Report {
            pilot,
            period,
            tests,
            indicators,
            note,
        } => {
            let mut figures = BTreeMap::new();
            for i in &indicators {
                let (name, value) = i.split_once('=').with_context(|| {
                    format!("--indicator {i:?}: expected NAME=NUMBER, as people-reached=120")
                })?;
                let value: u64 = value.trim().parse().with_context(|| {
                    format!("--indicator {i:?}: {value:?} is not a whole number (indicators are aggregate counts)")
                })?;
                if figures.insert(name.trim().to_string(), value).is_some() {
                    bail!("--indicator {name} is given twice");
                }
            }
            let report = PilotReport {
                pilot,
                period,
                tests: record_ids(&tests)?,
                indicators: figures,
                note,
            };
            let ids = append(context, vec![draft(&report)?])?;
            created(context, "pilot report", &ids);
        }
        PilotCommand::Register { file } => crate::stakeholders::register(context, &file)?,
        PilotCommand::Progress {
            pilot,
            date,
            values,
            lessons,
            problems,
        } => crate::stakeholders::progress(context, &pilot, date, &values, lessons, problems)?,
        PilotCommand::List => {
            let registry = fetch(context)?.registry;
            let pilots = crate::stakeholders::Pilots {
                pilots: registry.pilot_records_in(context.lang.as_deref()),
                reports: registry.pilots(),
            };
            match context.format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&pilots)?),
                Format::Csv => print!("{}", crate::stakeholders::pilots_csv(&pilots)),
                _ => crate::stakeholders::print_pilots(&pilots),
            }
        }
    }
    Ok(())
}

/// Recommendations as CSV, one per row (actors separated by `;`, as a
/// workshop file has them).
pub(crate) fn recommendations_csv(views: &[remedy_core::plan::RecommendationView]) -> String {
    let mut w = remedy_core::csv_text::CsvText::new();
    w.record([
        "id",
        "member",
        "title",
        "theme",
        "actors",
        "priority",
        "workshop_place",
        "workshop_date",
        "status",
        "text",
    ]);
    for r in views {
        let x = &r.recommendation;
        let fields = [
            r.id.to_string(),
            r.member.to_string(),
            x.title.clone(),
            x.theme.clone(),
            x.actors.join(";"),
            x.priority.clone(),
            x.workshop.place.clone(),
            x.workshop.date.clone(),
            r.status.clone(),
            x.text.clone(),
        ];
        w.record(fields.iter().map(String::as_str));
    }
    w.finish()
}

/// What a view in a language asked for shows: a translation, whose, or the
/// original (the reference).
pub(crate) fn shown_note(shown: &remedy_core::translation::Shown) -> String {
    let original = if shown.original_fields.is_empty() {
        String::new()
    } else {
        format!(
            "; {} in the original (not translated into {})",
            shown.original_fields.join(", "),
            shown.lang
        )
    };
    match (&shown.translation, &shown.by) {
        (Some(id), Some(by)) if shown.translated => format!(
            "translated into {} by {by} ({id}); the original is the reference{original}",
            shown.lang
        ),
        _ => format!("the original: no translation into {} yet", shown.lang),
    }
}

/// A code as people read it: its label in `lang` (`remedy --lang`), marked
/// `*` when the language lacks it and English is shown; the code itself
/// without a language.
pub(crate) fn code_label(lang: Option<&str>, list: &str, code: &str) -> String {
    match lang {
        None => code.to_string(),
        Some(lang) => {
            let label = remedy_core::labels::label(lang, list, code);
            if label.lang == lang {
                label.text
            } else {
                format!("{}*", label.text)
            }
        }
    }
}

/// Recommendations as an aligned table; theme, priority and status labelled
/// in `lang` when given.
pub fn print_recommendations(views: &[remedy_core::plan::RecommendationView], lang: Option<&str>) {
    println!(
        "{:<8}  {:<6}  {:<21}  {:<8}  {:<19}  title",
        "id", "member", "theme", "priority", "status"
    );
    // Padding counts characters: labels in other scripts line up roughly.
    let pad = |s: String, width: usize| {
        let n = s.chars().count();
        format!("{s}{}", " ".repeat(width.saturating_sub(n)))
    };
    for r in views {
        println!(
            "{:<8}  {:<6}  {}  {}  {}  {}",
            r.id.to_string(),
            r.member.as_str(),
            pad(code_label(lang, "theme", &r.recommendation.theme), 21),
            pad(code_label(lang, "priority", &r.recommendation.priority), 8),
            pad(code_label(lang, "recommendation-status", &r.status), 19),
            line(&r.recommendation.title),
        );
        if let Some(shown) = r.shown.as_ref().filter(|s| s.translated) {
            println!("{:<8}  ({})", "", shown_note(shown));
        }
    }
    println!("{} recommendations", views.len());
}

/// Pilot reports, one per line, with their problems.
pub fn print_pilots(pilots: &[remedy_core::plan::PilotView]) {
    for p in pilots {
        let figures: Vec<String> = p
            .report
            .indicators
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let tests: Vec<String> = p.report.tests.iter().map(ToString::to_string).collect();
        println!(
            "{:<8}  {:<6}  {:<8}  {}  tests {}  {}",
            p.id.to_string(),
            p.member.as_str(),
            p.report.period,
            p.report.pilot,
            tests.join(","),
            figures.join(" ")
        );
        problems(&p.problems);
    }
    println!("{} pilot reports", pilots.len());
}

pub fn problems(lines: &[String]) {
    for line in lines {
        println!("  ! {}", escape(line));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const WORKSHOP: &str = "title,text,theme,actors,priority,workshop\n\
        Wage hotline,\"A toll-free line, staffed by lawyers\",legal-aid,government;cso,high,\"Phnom Penh, 2024-05-14\"\n\
        Passport return,Employers return passports,recruitment-fees,government,medium,\"Hanoi, 2024-06-02\"\n";

    #[test]
    fn a_workshop_csv_reads_and_a_bad_row_is_named() {
        let (drafts, errors) = parse_recommendations("w.csv", WORKSHOP.as_bytes()).unwrap();
        assert_eq!((drafts.len(), errors.len()), (2, 0), "{errors:?}");
        let bad = WORKSHOP.replace("medium", "urgent");
        let (drafts, errors) = parse_recommendations("w.csv", bad.as_bytes()).unwrap();
        assert_eq!(drafts.len(), 1);
        assert!(errors[0].starts_with("w.csv:3:"), "{errors:?}");
    }

    /// Mutated workshop files: read, refused or reported row by row, never a
    /// panic.
    #[test]
    fn workshop_csv_files_parse_without_panicking() {
        let corpus = vec![
            WORKSHOP.as_bytes().to_vec(),
            format!("\u{feff}{WORKSHOP}").into_bytes(),
            WORKSHOP.replace('\n', "\r\n").into_bytes(),
        ];
        remedy_core::fuzzing::fuzz("workshop csv", 13, &corpus, |bytes| {
            let _ = parse_recommendations("w.csv", bytes);
        });
    }
}

/// `remedy translate ID --into LANG --field NAME=TEXT`.
#[derive(Debug, clap::Args)]
pub struct TranslateArgs {
    /// The record translated: a recommendation, a workshop, a pilot or a
    /// progress report, or the event that made a work-plan item's version.
    id: String,
    /// The language of the translation.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(remedy_core::translation::LANGUAGES))]
    into: String,
    /// A field and its translation, as NAME=TEXT (title="A helpline"): title
    /// and text of a recommendation, title and summary of a workshop, title
    /// and objective of an item, title and description of a pilot, lessons and
    /// problems of a progress report. Repeat it for the second field.
    #[arg(long = "field", required = true)]
    fields: Vec<String>,
}

/// Adds a signed translation (a member to its own log; a coordinator or a
/// partner through a node); prints its id last.
pub fn translate(context: &Context, args: TranslateArgs) -> anyhow::Result<()> {
    let mut fields = BTreeMap::new();
    for f in &args.fields {
        let (name, text) = f.split_once('=').with_context(|| {
            format!("--field {f:?}: expected NAME=TEXT, as title=\"A helpline\"")
        })?;
        if fields
            .insert(name.trim().to_string(), text.to_string())
            .is_some()
        {
            bail!("--field {name} is given twice");
        }
    }
    let translation = remedy_core::translation::Translation {
        of: record_id(&args.id)?,
        lang: args.into,
        fields,
    };
    let ids = append(context, vec![draft(&translation)?])?;
    created(context, "translation", &ids);
    Ok(())
}
