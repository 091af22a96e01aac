//! `remedy view ...`: what a node shows its readers.

use anyhow::{Context as _, bail};
use remedy_core::csv_text::CsvText;
use remedy_core::manifest::Manifest;
use remedy_proto::v1 as pb;

use remedy_core::regional::{
    Figure, MemberTable, PeriodBlock, RegionalTable, Series, Stats, Status,
};

use crate::Format;
use crate::client::Context;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// One table across members and periods, with regional totals. Formats:
    /// table, json, csv (one figure per line), sdmx-csv (SDMX-CSV 2.0).
    Stats {
        /// grievance-outcome, channel-outcome, sector-sex, status-grievance or resolution.
        #[arg(long)]
        table: String,
        /// A period (2024-Q3), or the first of a range with --to.
        #[arg(long)]
        period: String,
        /// The last period of the range (same kind as --period).
        #[arg(long)]
        to: Option<String>,
        /// Comma-separated members; default: every node member.
        #[arg(long, value_delimiter = ',')]
        members: Vec<String>,
        /// A revision instead of the latest.
        #[arg(long)]
        revision: Option<u64>,
        /// Only these rows (comma-separated).
        #[arg(long, value_delimiter = ',')]
        rows: Vec<String>,
        /// Only these columns (comma-separated).
        #[arg(long, value_delimiter = ',')]
        columns: Vec<String>,
        /// With --format csv: add row_label and column_label columns in this
        /// language (en, km, id, vi, ja) beside the codes, which stay.
        #[arg(long, value_name = "LANG", value_parser = clap::builder::PossibleValuesParser::new(remedy_core::translation::LANGUAGES))]
        labels: Option<String>,
    },
    /// One cell across periods, per member and regionally.
    Series {
        /// grievance-outcome, channel-outcome, sector-sex, status-grievance or resolution.
        #[arg(long)]
        table: String,
        /// The row, or `total`.
        #[arg(long)]
        row: String,
        /// The column, or `total`.
        #[arg(long)]
        column: String,
        /// The first period (2024-Q1).
        #[arg(long)]
        from: String,
        /// The last period (same kind as --from).
        #[arg(long)]
        to: String,
        /// Comma-separated members; default: every node member.
        #[arg(long, value_delimiter = ',')]
        members: Vec<String>,
        /// With --format csv: add row_label and column_label columns in this
        /// language (en, km, id, vi, ja) beside the codes, which stay.
        #[arg(long, value_name = "LANG", value_parser = clap::builder::PossibleValuesParser::new(remedy_core::translation::LANGUAGES))]
        labels: Option<String>,
    },
    /// Every member's recommendations, filtered.
    Recommendations {
        /// Only this member's recommendations (KH).
        #[arg(long)]
        member: Option<String>,
        /// Only recommendations on this theme: access-to-information,
        /// grievance-channels, legal-aid, recruitment-fees, cross-border-referral,
        /// data-monitoring or capacity-building.
        #[arg(long)]
        theme: Option<String>,
        /// Only recommendations with this status: proposed, endorsed-nationally,
        /// adopted, in-progress, implemented or dropped.
        #[arg(long)]
        status: Option<String>,
    },
    /// Pilots with their indicators' values over time (csv: one row per
    /// value), and older pilot reports; filtered by member.
    Pilots {
        /// Only this member's pilots and reports (KH).
        #[arg(long)]
        member: Option<String>,
    },
    /// Partner organisations, as each member's log registers them.
    Partners {
        /// Only this member's partners (KH).
        #[arg(long)]
        member: Option<String>,
    },
    /// Consultation workshops per member with their participation (counts below
    /// the federation's threshold suppressed) and what they validated.
    Workshops {
        /// Only this member's workshops (KH).
        #[arg(long)]
        member: Option<String>,
    },
    /// The work plan as the node computes it, filtered by a member it names or
    /// its stage (draft, proposed, objected, agreed, in-progress, done, dropped).
    Workplan {
        /// Only items that name this member (KH).
        #[arg(long)]
        member: Option<String>,
        /// Only items at this stage: draft, proposed, objected, agreed,
        /// in-progress, done or dropped.
        #[arg(long)]
        status: Option<String>,
    },
    /// Every position taken on work-plan items: members' endorsements and
    /// objections of each version (whether each counts now) and partner
    /// organisations' advisory ones; filtered by the member taking it or the
    /// item. Formats: table, json, csv.
    Endorsements {
        /// Only positions taken by this member (KH) or its partner organisations.
        #[arg(long)]
        member: Option<String>,
        /// Only positions on this item (KH-6).
        #[arg(long)]
        item: Option<String>,
    },
    /// The federation's members, as the node sees them in the manifest it runs under.
    Members,
    /// The SDMX structures of `view stats --format sdmx-csv`: with --format
    /// sdmx-ml an SDMX-ML 2.1 structure message (dataflows, data structures,
    /// code lists with their labels, concepts); else each component and code
    /// as CSV.
    Structure,
}

pub fn run(context: &Context, command: Command) -> anyhow::Result<()> {
    if let Command::Structure = command {
        return structure(context);
    }
    let tabular = !matches!(command, Command::Members | Command::Structure);
    if !tabular && matches!(context.format, Format::Csv | Format::SdmxCsv) {
        bail!("--format csv is for every view but members and structure");
    }
    if matches!(context.format, Format::SdmxCsv)
        && !matches!(command, Command::Stats { .. } | Command::Series { .. })
    {
        bail!("--format sdmx-csv is for view stats");
    }
    let (runtime, channel) = context.connect()?;
    let mut view = pb::view_client::ViewClient::new(channel.clone());
    let plan =
        |member: Option<String>, theme: Option<String>, status: Option<String>| pb::PlanFilter {
            member: member.unwrap_or_default(),
            theme: theme.unwrap_or_default(),
            status: status.unwrap_or_default(),
            id: String::new(),
            as_of: String::new(),
            lang: context.lang.clone().unwrap_or_default(),
        };
    let json = crate::client::view_json;
    match command {
        Command::Stats {
            table,
            period,
            to,
            members,
            revision,
            rows,
            columns,
            labels,
        } => {
            let request = pb::StatsRequest {
                table: table.clone(),
                from_period: period,
                to_period: to.unwrap_or_default(),
                members,
                revision: revision.unwrap_or(0),
                rows,
                columns,
            };
            if context.format == Format::SdmxCsv {
                use remedy_core::sdmx::{Flow, Query, csv, observations};
                let flow =
                    Flow::find(&table).with_context(|| format!("unknown table {table:?}"))?;
                let text = json(runtime.block_on(view.releases(request)))?;
                let releases: Vec<serde_json::Value> = serde_json::from_str(&text)?;
                let mut parsed = Vec::new();
                for r in releases {
                    let member = r["member"].as_str().unwrap_or_default().to_string();
                    let release: remedy_core::release::Release =
                        serde_json::from_value(r["release"].clone())?;
                    parsed.push((member, release));
                }
                let all = observations(
                    flow,
                    parsed.iter().map(|(m, r)| (m.as_str(), r)),
                    &Query::default(),
                );
                print!("{}", csv(flow, &all));
                return Ok(());
            }
            let text = json(runtime.block_on(view.stats(request)))?;
            let stats: Stats = serde_json::from_str(&text)?;
            match context.format {
                Format::Json => println!("{text}"),
                Format::Csv => print!("{}", stats_csv(&stats, labels.as_deref())),
                _ => print!("{}", render_stats(&stats, context.lang.as_deref())),
            }
        }
        Command::Series {
            table,
            row,
            column,
            from,
            to,
            members,
            labels,
        } => {
            let request = pb::SeriesRequest {
                table,
                from_period: from,
                to_period: to,
                members,
                row,
                column,
            };
            let text = json(runtime.block_on(view.series(request)))?;
            let series: Series = serde_json::from_str(&text)?;
            match context.format {
                Format::Json => println!("{text}"),
                Format::Csv => print!("{}", series_csv(&series, labels.as_deref())),
                Format::SdmxCsv => bail!("--format sdmx-csv is for view stats"),
                _ => print!("{}", render_series(&series, context.lang.as_deref())),
            }
        }
        Command::Recommendations {
            member,
            theme,
            status,
        } => {
            let text = json(runtime.block_on(view.recommendations(plan(member, theme, status))))?;
            match context.format {
                Format::Json => println!("{text}"),
                Format::Csv => print!(
                    "{}",
                    crate::plan::recommendations_csv(&serde_json::from_str::<Vec<_>>(&text)?)
                ),
                _ => crate::plan::print_recommendations(
                    &serde_json::from_str::<Vec<_>>(&text)?,
                    context.lang.as_deref(),
                ),
            }
        }
        Command::Pilots { member } => {
            use crate::stakeholders::{Pilots, pilots_csv, print_pilots};
            let text = json(runtime.block_on(view.pilots(plan(member, None, None))))?;
            match context.format {
                Format::Json => println!("{text}"),
                Format::Csv => print!("{}", pilots_csv(&serde_json::from_str::<Pilots>(&text)?)),
                _ => print_pilots(&serde_json::from_str::<Pilots>(&text)?),
            }
        }
        Command::Partners { member } => {
            use crate::stakeholders::{Listed, partners_csv, print_partners};
            let text = json(runtime.block_on(view.partners(plan(member, None, None))))?;
            let all = || serde_json::from_str::<Vec<Listed>>(&text);
            match context.format {
                Format::Json => println!("{text}"),
                Format::Csv => print!("{}", partners_csv(&all()?)),
                _ => print_partners(&all()?),
            }
        }
        Command::Workshops { member } => {
            use crate::stakeholders::{Workshops, print_workshops, workshops_csv};
            let text = json(runtime.block_on(view.workshops(plan(member, None, None))))?;
            let all = || serde_json::from_str::<Workshops>(&text);
            match context.format {
                Format::Json => println!("{text}"),
                Format::Csv => print!("{}", workshops_csv(&all()?)),
                _ => print_workshops(&all()?, context.lang.as_deref()),
            }
        }
        Command::Workplan { member, status } => {
            let text = json(runtime.block_on(view.workplan(plan(member, None, status))))?;
            match context.format {
                Format::Json => println!("{text}"),
                Format::Csv => print!(
                    "{}",
                    crate::workplan::items_csv(&serde_json::from_str::<Vec<_>>(&text)?)
                ),
                _ => {
                    let items: Vec<remedy_core::workplan::ItemView> = serde_json::from_str(&text)?;
                    let quorum = runtime
                        .block_on(
                            pb::federation_client::FederationClient::new(channel)
                                .manifest(pb::ManifestRequest { version: 0 }),
                        )?
                        .into_inner()
                        .text;
                    let quorum = Manifest::parse(&quorum)
                        .map(|m| m.body.policy.workplan_quorum)
                        .unwrap_or(remedy_core::manifest::Quorum::All);
                    print!("{}", crate::workplan::render_status(&items, quorum));
                }
            }
        }
        Command::Endorsements { member, item } => {
            let filter = pb::PlanFilter {
                id: item.unwrap_or_default(),
                ..plan(None, None, None)
            };
            let text = json(runtime.block_on(view.workplan(filter)))?;
            let items: Vec<remedy_core::workplan::ItemView> = serde_json::from_str(&text)?;
            let mut rows = remedy_core::workplan::position_rows(&items);
            if let Some(m) = &member {
                rows.retain(|r| &r.by == m || r.by.starts_with(&format!("{m}/")));
            }
            match context.format {
                Format::Json => println!("{}", serde_json::to_string(&rows)?),
                Format::Csv => print!("{}", positions_csv(&rows)),
                _ => {
                    println!(
                        "{:<8}  {:<8}  {:<10}  {:<9}  {:>7}  {:<7}  text",
                        "item", "event", "by", "position", "version", "counts"
                    );
                    for r in &rows {
                        println!(
                            "{:<8}  {:<8}  {:<10}  {:<9}  {:>7}  {:<7}  {}",
                            r.item.to_string(),
                            r.event.to_string(),
                            r.by,
                            r.position,
                            r.version,
                            if r.advisory {
                                "advisory"
                            } else if r.counted {
                                "yes"
                            } else {
                                "no"
                            },
                            remedy_core::controls::escape_line(&r.text)
                        );
                    }
                }
            }
        }
        Command::Members => {
            let reply = runtime
                .block_on(
                    pb::federation_client::FederationClient::new(channel)
                        .manifest(pb::ManifestRequest { version: 0 }),
                )?
                .into_inner();
            if reply.text.is_empty() {
                bail!("the node runs standalone: it has no federation.toml");
            }
            let manifest = Manifest::parse(&reply.text)
                .context("the node sent a manifest that does not parse")?;
            members(context, &manifest)?;
        }
        Command::Structure => {}
    }
    Ok(())
}

const LEGEND: &str = "legend: x = suppressed, ~ = noised (an unbiased estimate; ±n is its standard error), >= = at least (a sum over suppressed cells), n/a = not additive";

/// A figure for a terminal.
fn show(f: &Figure) -> String {
    let v = f.value.map(|v| v.to_string()).unwrap_or_default();
    let error = f
        .standard_error()
        .map(|e| format!(" ±{e:.0}"))
        .unwrap_or_default();
    match f.status {
        Status::Published => v,
        Status::Suppressed => "x".into(),
        Status::Noised => format!("~{v}{error}"),
        Status::LowerBound => format!(">={v}"),
        Status::NoisedLowerBound => format!(">=~{v}{error}"),
        Status::NotAdditive => "n/a".into(),
    }
}

/// A noised figure's standard error for CSV, two decimals; empty otherwise.
fn standard_error(f: &Figure) -> Option<String> {
    f.standard_error().map(|e| format!("{e:.2}"))
}

/// One table of a period, regional or a member's, as the text and CSV outputs
/// lay it out.
struct Grid<'a> {
    /// `regional` or the member's id.
    member: &'a str,
    /// The member's release revision; `None` for the regional table.
    revision: Option<u64>,
    rows: &'a [String],
    columns: &'a [String],
    cells: &'a [Vec<Figure>],
    row_totals: &'a [Figure],
    column_totals: &'a [Figure],
    total: &'a Figure,
}

impl<'a> Grid<'a> {
    fn regional(r: &'a RegionalTable) -> Self {
        Grid {
            member: "regional",
            revision: None,
            rows: &r.rows,
            columns: &r.columns,
            cells: &r.cells,
            row_totals: &r.row_totals,
            column_totals: &r.column_totals,
            total: &r.total,
        }
    }

    fn member(m: &'a MemberTable) -> Self {
        Grid {
            member: &m.member,
            revision: Some(m.revision),
            rows: &m.rows,
            columns: &m.columns,
            cells: &m.cells,
            row_totals: &m.row_totals,
            column_totals: &m.column_totals,
            total: &m.total,
        }
    }

    /// The regional table (if any) and each member's of one period.
    fn of(block: &'a PeriodBlock) -> impl Iterator<Item = Grid<'a>> {
        block
            .regional
            .iter()
            .map(Grid::regional)
            .chain(block.members.iter().map(Grid::member))
    }
}

/// The columns a terminal gives `text`: East Asian wide characters take
/// two, combining marks (Khmer vowel signs) none.
fn width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text` padded with spaces to `w` columns, on the right (`left`) or on the left.
fn pad(text: &str, w: usize, left: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(width(text)));
    if left {
        format!("{text}{fill}")
    } else {
        format!("{fill}{text}")
    }
}

/// The rows' and columns' labels of `table` in `lang` (a code's label, `*`
/// after one that fell back to English), or the codes without a language.
fn axis_labels(
    table: &str,
    lang: Option<&str>,
    rows: &[String],
    columns: &[String],
) -> (Vec<String>, Vec<String>) {
    let lists = remedy_core::labels::table_lists(table);
    let of = |list: Option<&str>, codes: &[String]| -> Vec<String> {
        codes
            .iter()
            .map(|code| match list {
                Some(list) if code != "total" => crate::plan::code_label(lang, list, code),
                _ => code.clone(),
            })
            .collect()
    };
    (
        of(lists.map(|l| l.0), rows),
        of(lists.map(|l| l.1), columns),
    )
}

fn grid(out: &mut String, title: &str, g: &Grid<'_>, table: &str, lang: Option<&str>) {
    use std::fmt::Write as _;
    let Grid {
        rows,
        columns,
        cells,
        row_totals,
        column_totals,
        total,
        ..
    } = *g;
    let (rows, columns) = axis_labels(table, lang, rows, columns);
    let label = rows.iter().map(|r| width(r)).max().unwrap_or(0).max(5);
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(c, name)| {
            cells
                .iter()
                .map(|row| show(&row[c]).len())
                .chain([width(name), show(&column_totals[c]).len(), 5])
                .max()
                .unwrap_or(5)
        })
        .collect();
    let _ = writeln!(out, "{title}");
    let _ = write!(out, "{}", pad("", label, true));
    for (c, w) in columns.iter().zip(&widths) {
        let _ = write!(out, "  {}", pad(c, *w, false));
    }
    let _ = writeln!(out, "  {:>8}", "total");
    for (r, row) in rows.iter().enumerate() {
        let _ = write!(out, "{}", pad(row, label, true));
        for (cell, w) in cells[r].iter().zip(&widths) {
            let _ = write!(out, "  {:>w$}", show(cell));
        }
        let _ = writeln!(out, "  {:>8}", show(&row_totals[r]));
    }
    let _ = write!(out, "{}", pad("total", label, true));
    for (t, w) in column_totals.iter().zip(&widths) {
        let _ = write!(out, "  {:>w$}", show(t));
    }
    let _ = writeln!(out, "  {:>8}\n", show(total));
}

/// What a table counts, under its name: the grievance tables count mentions, and
/// a reader must not take their totals for cases. With a language, the
/// table's label in it first.
fn heading(table: &str, lang: Option<&str>) -> String {
    let name = match lang {
        Some(_) => format!(
            "{} ({table})",
            crate::plan::code_label(lang, "table", table)
        ),
        None => table.to_string(),
    };
    match remedy_core::tables::counts_what(table) {
        Some(what) => format!("{name}: {what}"),
        None => name,
    }
}

/// The regional table and each member's, period by period; rows and columns
/// labelled in `lang` when given.
pub fn render_stats(stats: &Stats, lang: Option<&str>) -> String {
    use std::fmt::Write as _;
    let mut out = format!("{}\n{LEGEND}\n", heading(&stats.table, lang));
    if lang.is_some_and(|l| l != "en") {
        out.push_str("labels marked * are in English: no translation in this language yet\n");
    }
    out.push('\n');
    if stats.periods.is_empty() {
        out.push_str("no member has published this table for these periods\n");
    }
    for block in &stats.periods {
        let names: Vec<&str> = block.members.iter().map(|m| m.member.as_str()).collect();
        for g in Grid::of(block) {
            let title = match g.revision {
                None => format!("{} regional ({})", block.period, names.join(", ")),
                Some(revision) => {
                    format!("{} {} (revision {revision})", block.period, g.member)
                }
            };
            grid(&mut out, &title, &g, &stats.table, lang);
        }
        if !block.missing.is_empty() {
            let _ = writeln!(
                out,
                "{}: no release from {}\n",
                block.period,
                block.missing.join(", ")
            );
        }
    }
    out
}

fn status_word(f: &Figure) -> String {
    serde_json::to_value(f.status)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// The label columns `--labels LANG` adds to a CSV export: the label of each
/// code in `lang`, English where it has none (and the code for `total`).
struct LabelColumns<'a> {
    lang: &'a str,
    rows: Option<&'static str>,
    columns: Option<&'static str>,
}

impl<'a> LabelColumns<'a> {
    fn of(table: &str, lang: Option<&'a str>) -> Option<Self> {
        let lists = remedy_core::labels::table_lists(table);
        lang.map(|lang| LabelColumns {
            lang,
            rows: lists.map(|l| l.0),
            columns: lists.map(|l| l.1),
        })
    }

    fn label(&self, list: Option<&str>, code: &str) -> String {
        match list {
            Some(list) if code != "total" => remedy_core::labels::label(self.lang, list, code).text,
            _ => code.to_string(),
        }
    }
}

/// One figure per record: table, period, member (or `regional`), revision, row,
/// column, value, status, standard error (of a noised figure); with `labels`
/// a language, `row_label` and `column_label` after `column`. RFC 4180 with
/// CRLF, labels neutralised ([`CsvText`]).
pub fn stats_csv(stats: &Stats, labels: Option<&str>) -> String {
    let labels = LabelColumns::of(&stats.table, labels);
    let mut out = CsvText::new();
    let mut header = vec!["table", "period", "member", "revision", "row", "column"];
    if labels.is_some() {
        header.extend(["row_label", "column_label"]);
    }
    header.extend(["value", "status", "standard_error"]);
    out.record(header);
    for block in &stats.periods {
        for g in Grid::of(block) {
            let mut line = |row: &str, column: &str, f: &Figure| {
                out.text(&stats.table)
                    .text(&block.period)
                    .text(g.member)
                    .number(g.revision)
                    .text(row)
                    .text(column);
                if let Some(l) = &labels {
                    out.text(&l.label(l.rows, row))
                        .text(&l.label(l.columns, column));
                }
                out.number(f.value)
                    .text(&status_word(f))
                    .number(standard_error(f))
                    .end();
            };
            for (r, row) in g.rows.iter().enumerate() {
                for (c, column) in g.columns.iter().enumerate() {
                    line(row, column, &g.cells[r][c]);
                }
                line(row, "total", &g.row_totals[r]);
            }
            for (c, column) in g.columns.iter().enumerate() {
                line("total", column, &g.column_totals[c]);
            }
            line("total", "total", g.total);
        }
    }
    out.finish()
}

pub fn render_series(series: &Series, lang: Option<&str>) -> String {
    use std::fmt::Write as _;
    let mut members: Vec<&str> = series
        .points
        .iter()
        .flat_map(|p| p.values.iter().map(|v| v.member.as_str()))
        .collect();
    members.sort();
    members.dedup();
    let (row, column) = axis_labels(
        &series.table,
        lang,
        std::slice::from_ref(&series.row),
        std::slice::from_ref(&series.column),
    );
    let mut out = format!(
        "{} {} x {} by period\n{LEGEND}\n{:<9}",
        heading(&series.table, lang),
        row[0],
        column[0],
        "period"
    );
    for m in &members {
        let _ = write!(out, "  {m:>8}");
    }
    let _ = writeln!(out, "  {:>9}", "regional");
    for p in &series.points {
        let _ = write!(out, "{:<9}", p.period);
        for m in &members {
            let cell = p
                .values
                .iter()
                .find(|v| v.member == *m)
                .map(|v| show(&v.figure))
                .unwrap_or_else(|| "-".into());
            let _ = write!(out, "  {cell:>8}");
        }
        let _ = writeln!(out, "  {:>9}", show(&p.regional));
    }
    out
}

/// One figure per record: table, row, column, period, member (or `regional`),
/// revision, value, status, standard error (of a noised figure); with
/// `labels` a language, `row_label` and `column_label` after `column`. RFC
/// 4180 with CRLF, labels neutralised ([`CsvText`]).
pub fn series_csv(series: &Series, labels: Option<&str>) -> String {
    let labels = LabelColumns::of(&series.table, labels);
    let mut out = CsvText::new();
    let mut header = vec!["table", "row", "column"];
    if labels.is_some() {
        header.extend(["row_label", "column_label"]);
    }
    header.extend([
        "period",
        "member",
        "revision",
        "value",
        "status",
        "standard_error",
    ]);
    out.record(header);
    for p in &series.points {
        let mut line = |member: &str, revision: Option<u64>, f: &Figure| {
            out.text(&series.table)
                .text(&series.row)
                .text(&series.column);
            if let Some(l) = &labels {
                out.text(&l.label(l.rows, &series.row))
                    .text(&l.label(l.columns, &series.column));
            }
            out.text(&p.period)
                .text(member)
                .number(revision)
                .number(f.value)
                .text(&status_word(f))
                .number(standard_error(f))
                .end();
        };
        for v in &p.values {
            line(&v.member, Some(v.revision), &v.figure);
        }
        line("regional", None, &p.regional);
    }
    out.finish()
}

/// Positions as CSV, one per row: item, event, time (UTC, ISO 8601), by,
/// position, version, counted, advisory, text.
fn positions_csv(rows: &[remedy_core::workplan::PositionRow]) -> String {
    let mut out = CsvText::new();
    out.record([
        "item", "event", "time", "by", "position", "version", "counted", "advisory", "text",
    ]);
    for r in rows {
        out.text(&r.item.to_string())
            .text(&r.event.to_string())
            .text(&remedy_core::sdmx::prepared(
                (r.time_ms.max(0) / 1000) as u64,
            ))
            .text(&r.by)
            .text(&r.position)
            .number(Some(r.version))
            .text(if r.counted { "true" } else { "false" })
            .text(if r.advisory { "true" } else { "false" })
            .text(&r.text)
            .end();
    }
    out.finish()
}

/// `view structure`: the members (REF_AREA's codes) from the node's manifest.
fn structure(context: &Context) -> anyhow::Result<()> {
    let (runtime, channel) = context.connect()?;
    let reply = runtime
        .block_on(
            pb::federation_client::FederationClient::new(channel)
                .manifest(pb::ManifestRequest { version: 0 }),
        )?
        .into_inner();
    let areas = if reply.text.is_empty() {
        Vec::new()
    } else {
        remedy_core::sdmx::areas(
            &Manifest::parse(&reply.text)
                .context("the node sent a manifest that does not parse")?,
        )
    };
    match context.format {
        Format::SdmxMl => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
            print!(
                "{}",
                remedy_core::sdmx::structure_ml(
                    &remedy_core::sdmx::Selection::all(),
                    &areas,
                    "REMEDYNET_STRUCTURE",
                    &remedy_core::sdmx::prepared(now.as_secs()),
                )
            );
        }
        _ => print!("{}", remedy_core::sdmx::structure_csv(&areas)),
    }
    Ok(())
}

fn members(context: &Context, manifest: &Manifest) -> anyhow::Result<()> {
    let signers: Vec<&str> = manifest
        .signatures
        .iter()
        .map(|s| s.member.as_str())
        .collect();
    match context.format {
        Format::Json => {
            let members: Vec<_> = manifest
                .body
                .members
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id.to_string(),
                        "name": m.name,
                        "role": m.role.to_string(),
                        "endpoint": m.endpoint,
                        "public_key": m.public_key,
                        "tls_fingerprint": m.tls_fingerprint,
                        "signed_manifest": signers.contains(&m.id.as_str()),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::json!({
                    "federation": manifest.body.federation.name,
                    "version": manifest.version(),
                    "members": members,
                })
            );
        }
        _ => {
            println!(
                "federation {:?}, manifest version {}",
                manifest.body.federation.name,
                manifest.version()
            );
            println!(
                "{:<6}  {:<11}  {:<21}  {:<16}  {:<6}  name",
                "id", "role", "endpoint", "key", "signed"
            );
            for m in &manifest.body.members {
                println!(
                    "{:<6}  {:<11}  {:<21}  {:<16}  {:<6}  {}",
                    m.id.as_str(),
                    m.role.to_string(),
                    m.endpoint,
                    &m.public_key[..16.min(m.public_key.len())],
                    if signers.contains(&m.id.as_str()) {
                        "yes"
                    } else {
                        ""
                    },
                    remedy_core::controls::escape_line(&m.name)
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use remedy_core::regional::{SeriesPoint, SeriesValue, block};

    const HOSTILE: [&str; 4] = [
        "pending\nJP,2024-Q3,regional,,total,total,999,published",
        "=HYPERLINK(\"http://example.invalid\")",
        "say \"hi\"",
        "a,b",
    ];

    fn published(value: i64) -> Figure {
        Figure {
            value: Some(value),
            status: Status::Published,
            variance: None,
        }
    }

    /// A member's 2×2 table whose labels are the hostile ones.
    fn hostile_table(member: &str) -> MemberTable {
        MemberTable {
            member: member.into(),
            period: "2024-Q3".into(),
            revision: 2,
            rows: vec![HOSTILE[0].into(), HOSTILE[1].into()],
            columns: vec![HOSTILE[2].into(), HOSTILE[3].into()],
            cells: vec![
                vec![published(1), published(2)],
                vec![Figure::withheld(Status::Suppressed), published(4)],
            ],
            row_totals: vec![published(3), published(7)],
            column_totals: vec![published(4), published(6)],
            total: published(10),
        }
    }

    fn parse(text: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn stats_csv_keeps_a_hostile_label_in_one_field_of_one_record() {
        let stats = Stats {
            table: "channel-outcome".into(),
            counts: String::new(),
            periods: vec![block(
                "channel-outcome",
                "2024-Q3",
                vec![hostile_table("KH"), hostile_table("VN")],
                vec![],
            )],
        };
        let text = stats_csv(&stats, None);
        assert!(text.starts_with(
            "table,period,member,revision,row,column,value,status,standard_error\r\n"
        ));
        assert!(text.ends_with("\r\n"));
        let records = parse(&text);
        // Regional, KH and VN: 2×2 cells, 2 row totals, 2 column totals, 1 total each.
        assert_eq!(records.len(), 1 + 3 * 9, "{text}");
        assert!(records.iter().all(|r| r.len() == 9), "{text}");
        assert!(
            !records.iter().any(|r| r[2] == "JP"),
            "a label made a record"
        );
        let kh: Vec<&Vec<String>> = records.iter().filter(|r| r[2] == "KH").collect();
        assert_eq!(kh.len(), 9);
        assert!(kh.iter().all(|r| r[3] == "2"));
        assert_eq!(kh[0][4], HOSTILE[0]);
        assert_eq!(kh[0][5], HOSTILE[2]);
        assert_eq!(kh[1][5], HOSTILE[3]);
        assert_eq!(kh[3][4], format!("'{}", HOSTILE[1]), "the formula is text");
        assert_eq!((kh[3][6].as_str(), kh[3][7].as_str()), ("", "suppressed"));
        let regional = &records[1];
        assert_eq!(
            regional[..4],
            ["channel-outcome", "2024-Q3", "regional", ""]
        );
        assert_eq!(regional[6], "2");
    }

    #[test]
    fn series_csv_keeps_a_hostile_label_in_one_field_of_one_record() {
        let series = Series {
            counts: String::new(),
            table: "channel-outcome".into(),
            row: HOSTILE[0].into(),
            column: HOSTILE[1].into(),
            points: vec![SeriesPoint {
                period: "2024-Q3".into(),
                values: vec![SeriesValue {
                    member: "KH".into(),
                    revision: 1,
                    figure: published(5),
                }],
                regional: published(5),
            }],
        };
        let text = series_csv(&series, None);
        assert!(text.starts_with(
            "table,row,column,period,member,revision,value,status,standard_error\r\n"
        ));
        let records = parse(&text);
        assert_eq!(records.len(), 3, "{text}");
        let formula = format!("'{}", HOSTILE[1]);
        assert_eq!(
            records[1],
            [
                "channel-outcome",
                HOSTILE[0],
                formula.as_str(),
                "2024-Q3",
                "KH",
                "1",
                "5",
                "published",
                ""
            ]
        );
        assert_eq!(records[2][4..], ["regional", "", "5", "published", ""]);
    }

    #[test]
    fn tables_of_grievance_mentions_say_so_in_their_heading() {
        for (table, mentions) in [
            ("grievance-outcome", true),
            ("status-grievance", true),
            ("channel-outcome", false),
            ("sector-sex", false),
        ] {
            let text = render_stats(
                &Stats {
                    counts: String::new(),
                    table: table.into(),
                    periods: vec![],
                },
                None,
            );
            let first = text.lines().next().unwrap();
            assert!(first.starts_with(table), "{first}");
            assert_eq!(
                first.contains("Grievance mentions")
                    && first.contains("a case counted once per grievance it names"),
                mentions,
                "{first}"
            );
        }
    }

    /// A member's table of channels by outcome with real codes.
    fn channel_table() -> MemberTable {
        MemberTable {
            member: "JP".into(),
            period: "2024-Q3".into(),
            revision: 1,
            rows: vec!["labour-inspection".into(), "legal-aid".into()],
            columns: vec!["pending".into(), "resolved-compensated".into()],
            cells: vec![
                vec![published(12), published(3)],
                vec![Figure::withheld(Status::Suppressed), published(40)],
            ],
            row_totals: vec![published(15), published(44)],
            column_totals: vec![published(16), published(43)],
            total: published(59),
        }
    }

    #[test]
    fn labels_in_a_language_line_up_by_terminal_columns_and_csv_keeps_the_codes() {
        use remedy_core::labels::label;
        let stats = Stats {
            table: "channel-outcome".into(),
            counts: String::new(),
            periods: vec![block(
                "channel-outcome",
                "2024-Q3",
                vec![channel_table()],
                vec![],
            )],
        };
        let text = render_stats(&stats, Some("ja"));
        let pending = label("ja", "outcome", "pending").text;
        let court = label("ja", "channel", "legal-aid").text;
        assert!(text.contains(&pending) && text.contains(&court), "{text}");
        assert!(
            text.lines()
                .next()
                .unwrap()
                .contains(&label("ja", "table", "channel-outcome").text),
            "{text}"
        );
        // Every line of the member's grid ends at the same terminal column,
        // however wide its Japanese labels are.
        let grid: Vec<&str> = text
            .split("2024-Q3 JP (revision 1)\n")
            .nth(1)
            .unwrap()
            .lines()
            .take(4)
            .collect();
        let widths: Vec<usize> = grid.iter().map(|l| width(l)).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}\n{text}");
        // Without a language, the codes as before.
        assert!(render_stats(&stats, None).contains("labour-inspection"));

        let csv = parse(&stats_csv(&stats, Some("km")));
        assert_eq!(
            csv[0][..8],
            [
                "table",
                "period",
                "member",
                "revision",
                "row",
                "column",
                "row_label",
                "column_label"
            ]
        );
        let court_pending = csv
            .iter()
            .find(|r| r[2] == "JP" && r[4] == "legal-aid" && r[5] == "pending")
            .unwrap();
        assert_eq!(court_pending[6], label("km", "channel", "legal-aid").text);
        assert_eq!(court_pending[7], label("km", "outcome", "pending").text);
        assert_eq!(court_pending[9], "suppressed");
        let total = csv
            .iter()
            .find(|r| r[2] == "JP" && r[4] == "total" && r[5] == "total")
            .unwrap();
        assert_eq!(total[6..8], ["total", "total"]);
    }
}
