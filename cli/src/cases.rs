//! `remedy cases generate|import|list|show`: case registers, kept on the node.
//!
//! `import` reads a case-register export (a file or `-` for standard input), checks
//! every row as it goes (errors name the file, line and column, the value and what
//! was expected; lines as an editor numbers them, whatever the line endings: see
//! `csv_lines`), streams valid rows to the node's administration service, and asks
//! the node to commit only when the whole file was good: one bad row and nothing is
//! stored, unless `--skip-invalid REJECTS.csv` sets the bad rows aside with their
//! reasons. The node checks every record again and commits the import atomically.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use remedy_core::MemberId;
use remedy_core::case::{COLUMNS, Date, Header};
use remedy_proto::v1 as pb;

use crate::Format;
use crate::client::Context;
use crate::csv_lines::LineCounter;

/// Records per streamed chunk.
const CHUNK: usize = 400;
/// Errors printed before the rest are only counted.
const SHOWN_ERRORS: usize = 50;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print a synthetic case register (CSV) with plausible mixes for a member;
    /// the same seed gives the same register.
    Generate {
        /// The member's id (KH); KH, ID and JP have their own mixes, other members
        /// a generic one.
        #[arg(long)]
        member: MemberId,
        /// How many cases to write.
        #[arg(long)]
        count: u64,
        /// The random seed; another seed gives another register.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// First possible opening date (YYYY-MM-DD).
        #[arg(long, default_value = "2023-01-01", value_parser = parse_date)]
        from: Date,
        /// Last possible opening date; cases closing after it are still pending.
        #[arg(long, default_value = "2024-12-31", value_parser = parse_date)]
        to: Date,
    },
    /// Import a case register (CSV, or the first sheet of an .xlsx; `-` for
    /// standard input) into the node's private log. Nothing is stored if any row
    /// is invalid. Columns and codes: docs/case-register.md.
    Import {
        /// The case register: a .csv or .xlsx file, or `-` for standard input.
        file: PathBuf,
        /// Store the valid rows and write every invalid row, with its reason, here;
        /// the file, once corrected, imports as it is.
        #[arg(long, value_name = "REJECTS.csv")]
        skip_invalid: Option<PathBuf>,
        /// The file's encoding when it is not UTF-8, as a WHATWG label:
        /// shift_jis, windows-1258...
        #[arg(long, value_name = "LABEL")]
        encoding: Option<String>,
    },
    /// Write an empty case register to fill in: the header and one example row,
    /// as CSV (to standard output, or --out FILE.csv) or, with --out FILE.xlsx,
    /// as a workbook with a drop-down of codes on each coded column. The filled-in
    /// file imports as it is. Columns and codes: docs/case-register.md.
    /// With --format xlsx (or --out FILE.xlsx) an Excel workbook whose coded
    /// columns offer their codes as drop-down lists, with a sheet of labels
    /// in the five languages; else CSV. To standard output without --out.
    Template {
        /// Where to write it (.xlsx, .csv); standard output without it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the cases this node holds (latest version of each).
    List {
        /// Most cases to list.
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Start after this case id.
        #[arg(long, default_value = "")]
        after: String,
    },
    /// Show one case.
    Show {
        /// The case's id, as in the register's case_id column.
        case_id: String,
    },
    /// Recompute a published release from the private log as it stood at the head
    /// the release names, and confirm it matches (exit code 0 only then). For a
    /// national auditor with access to the node.
    Attest {
        /// The period: 2024, 2024-Q3 or 2024-07.
        #[arg(long)]
        period: String,
        /// The revision (default: the latest).
        #[arg(long)]
        revision: Option<u64>,
    },
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("{text:?} is not a date; expected YYYY-MM-DD"))
}

pub fn run(context: &Context, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Generate {
            member,
            count,
            seed,
            from,
            to,
        } => generate(&member, count, seed, from, to),
        Command::Import {
            file,
            skip_invalid,
            encoding,
        } => import(context, &file, skip_invalid.as_deref(), encoding.as_deref()),
        Command::List { limit, after } => list(
            context,
            pb::ListCasesRequest {
                after,
                limit,
                case_id: String::new(),
            },
        ),
        Command::Attest { period, revision } => attest(context, &period, revision),
        Command::Template { out } => template(out.as_deref(), context.format),
        Command::Show { case_id } => list(
            context,
            pb::ListCasesRequest {
                after: String::new(),
                limit: 1,
                case_id,
            },
        ),
    }
}

/// Where the header's coded columns are, with their lists.
fn coded_columns(header: &[&str]) -> Vec<(usize, &'static str)> {
    header
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            let name = name.trim_start_matches('\u{feff}').trim();
            crate::spreadsheet::LABEL_LISTS
                .iter()
                .find(|(c, _)| *c == name)
                .map(|(_, list)| (i, *list))
        })
        .collect()
}

/// A row with each label in a coded column replaced by its code (a label in
/// English or `lang` that exactly one code of the column has); `None` when
/// there is nothing to replace, which is every row of a register in codes.
/// What is neither code nor label stays, for the check to name.
fn labels_to_codes(
    fields: &[&str],
    coded: &[(usize, &'static str)],
    lang: &str,
) -> Option<Vec<String>> {
    let lists = remedy_core::labels::lists();
    let is_code = |list: &str, value: &str| {
        lists
            .iter()
            .find(|(l, _)| *l == list)
            .is_some_and(|(_, codes)| codes.contains(&value.trim()))
    };
    let code = |list: &str, value: &str| -> Option<String> {
        if list == "grievance" {
            let items: Vec<&str> = value.split([';', ',']).collect();
            if items.iter().all(|i| is_code(list, i)) {
                return None;
            }
            let mapped: Vec<String> = items
                .iter()
                .map(|i| {
                    remedy_core::labels::code_of_label(lang, list, i)
                        .map_or_else(|| i.trim().to_string(), str::to_string)
                })
                .collect();
            return Some(mapped.join(";"));
        }
        if is_code(list, value) {
            return None;
        }
        remedy_core::labels::code_of_label(lang, list, value).map(str::to_string)
    };
    let mut out: Option<Vec<String>> = None;
    for (i, list) in coded {
        let Some(value) = fields.get(*i) else {
            continue;
        };
        if let Some(replaced) = code(list, value) {
            out.get_or_insert_with(|| fields.iter().map(|f| f.to_string()).collect())[*i] =
                replaced;
        }
    }
    out
}

fn template(out: Option<&Path>, format: Format) -> anyhow::Result<()> {
    use crate::spreadsheet::TEMPLATE_EXAMPLE as EXAMPLE;
    let example: Vec<String> = EXAMPLE.iter().map(|s| s.to_string()).collect();
    // The example must be a row the import accepts.
    Header::standard()
        .parse_row(&EXAMPLE)
        .map_err(|e| anyhow::anyhow!("the template's example row is invalid: {e}"))?;
    let xlsx = match format {
        Format::Xlsx => true,
        Format::Csv => false,
        Format::Table => out.is_some_and(crate::spreadsheet::is_spreadsheet),
        other => bail!("cases template writes csv or xlsx, not {other:?}"),
    };
    if xlsx && out.is_none() && std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        bail!("a workbook is binary: give --out FILE.xlsx, or redirect standard output to a file");
    }
    let bytes = if xlsx {
        crate::spreadsheet::template_xlsx(&example)?
    } else {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        w.write_record(COLUMNS)?;
        w.write_record(&example)?;
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?
    };
    match out {
        Some(path) => {
            std::fs::write(path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "wrote {}: the header and one example row to replace{}",
                path.display(),
                if xlsx {
                    "; codes in the sheet \"codes\""
                } else {
                    ""
                }
            );
        }
        None => std::io::stdout().write_all(&bytes)?,
    }
    Ok(())
}

fn generate(member: &MemberId, count: u64, seed: u64, from: Date, to: Date) -> anyhow::Result<()> {
    if to < from {
        bail!("--to {to} is before --from {from}");
    }
    let stdout = std::io::stdout().lock();
    let mut out = csv::Writer::from_writer(BufWriter::with_capacity(1 << 16, stdout));
    let written = (|| -> csv::Result<()> {
        out.write_record(COLUMNS)?;
        for case in remedy_core::synthetic::generate(member, count, seed, from, to) {
            out.write_record(case.to_row())?;
        }
        Ok(out.flush()?)
    })();
    match written {
        Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe) => {
            Err(crate::ReaderGone.into())
        }
        other => Ok(other?),
    }
}

/// Where a problem is: `FILE:LINE:COLUMN` (column 0 for a whole line).
pub(crate) fn at(file: &str, line: u64, column: usize) -> String {
    if column == 0 {
        format!("{file}:{line}")
    } else {
        format!("{file}:{line}:{column}")
    }
}

/// Counts bytes read, for progress.
struct Counting<R> {
    inner: R,
    read: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// What reading the file found.
#[derive(Default)]
struct Checked {
    rows: u64,
    valid: u64,
    errors: Vec<String>,
    error_count: u64,
}

fn import(
    context: &Context,
    file: &Path,
    rejects: Option<&Path>,
    encoding: Option<&str>,
) -> anyhow::Result<()> {
    let name = file.display().to_string();
    let (input, size): (Box<dyn Read + Send>, Option<u64>) = if name == "-" {
        (Box::new(std::io::stdin()), None)
    } else if crate::spreadsheet::is_spreadsheet(file) {
        if encoding.is_some() {
            bail!(
                "{name} is a spreadsheet, which holds its own encoding: --encoding is for CSV files"
            );
        }
        let csv = crate::spreadsheet::as_csv(file)?;
        let size = csv.len() as u64;
        (Box::new(std::io::Cursor::new(csv)), Some(size))
    } else {
        let f = std::fs::File::open(file).with_context(|| format!("cannot open {name}"))?;
        let size = f.metadata().ok().map(|m| m.len());
        (Box::new(f), size)
    };
    let read = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let input = crate::encoding::decoding(
        Box::new(Counting {
            inner: input,
            read: read.clone(),
        }),
        encoding,
    )?;
    let (runtime, channel) = context.connect()?;
    let (chunks, outbound) = tokio::sync::mpsc::channel::<pb::ImportChunk>(8);
    let mut admin = pb::admin_client::AdminClient::new(channel).max_encoding_message_size(64 << 20);
    let call = runtime.spawn(async move {
        admin
            .import_cases(tokio_stream::wrappers::ReceiverStream::new(outbound))
            .await
    });
    let started = Instant::now();
    let reader_name = name.clone();
    let rejects_given = rejects.is_some();
    let rejects = rejects.map(Path::to_path_buf);
    let lang = context.lang.clone().unwrap_or_else(|| "en".into());
    let checking = std::thread::spawn(move || {
        check_and_send(
            &reader_name,
            input,
            size,
            &read,
            chunks,
            rejects.as_deref(),
            started,
            &lang,
        )
    });
    // The call runs while the thread reads; it ends when the thread drops its sender.
    let reply = runtime.block_on(call)?;
    let checked = checking
        .join()
        .map_err(|_| anyhow::anyhow!("the reading thread panicked"))??;
    let skipping = rejects_given;
    if checked.error_count > 0 && !skipping {
        for e in &checked.errors {
            eprintln!("{e}");
        }
        if checked.error_count > checked.errors.len() as u64 {
            eprintln!(
                "... and {} more errors",
                checked.error_count - checked.errors.len() as u64
            );
        }
        bail!(
            "{name}: {} of {} rows are invalid; nothing was imported (fix them, or pass --skip-invalid REJECTS.csv to import the valid rows)",
            checked.error_count,
            checked.rows
        );
    }
    if checked.valid == 0 {
        bail!("{name}: no valid rows; nothing was imported");
    }
    let reply = reply.with_context(|| format!("the node refused the import of {name}"))?;
    let reply = reply.into_inner();
    let elapsed = started.elapsed().as_secs_f64();
    match context.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "file": name,
                "rows": checked.rows,
                "rejected": checked.error_count,
                "new": reply.new_cases,
                "updated": reply.updated,
                "unchanged": reply.unchanged,
                "events": reply.events,
                "private_head": reply.private_head,
                "seconds": elapsed,
            })
        ),
        _ => {
            println!(
                "imported {name}: {} rows in {elapsed:.1} s ({:.0} rows/s): {} new, {} updated, {} unchanged; {} events appended to the private log (head {})",
                checked.rows,
                checked.rows as f64 / elapsed.max(1e-9),
                reply.new_cases,
                reply.updated,
                reply.unchanged,
                reply.events,
                reply.private_head
            );
            if checked.error_count > 0 {
                println!(
                    "{} invalid rows set aside with their reasons",
                    checked.error_count
                );
            }
        }
    }
    Ok(())
}

/// Reads, checks and streams the file; commits only if it was good (or bad rows
/// were set aside). Runs on its own thread so reading overlaps with sending.
fn check_and_send(
    name: &str,
    input: impl Read,
    size: Option<u64>,
    read: &std::sync::atomic::AtomicU64,
    chunks: tokio::sync::mpsc::Sender<pb::ImportChunk>,
    rejects: Option<&Path>,
    started: Instant,
    lang: &str,
) -> anyhow::Result<Checked> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(LineCounter::new(input));
    let mut rejects_out = match rejects {
        // RFC 4180 with CRLF, and a field a spreadsheet would run as a formula
        // written as text: people open this file in a spreadsheet to fix it.
        Some(path) => Some(
            csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                )),
        ),
        None => None,
    };
    let mut checked = Checked::default();
    let mut record = csv::ByteRecord::new();
    let fail = |checked: &mut Checked, message: String| {
        checked.error_count += 1;
        if checked.errors.len() < SHOWN_ERRORS {
            checked.errors.push(message);
        }
    };
    // The header, and where its coded columns are.
    let coded;
    let header = match reader.read_byte_record(&mut record) {
        Ok(false) => bail!(
            "{name}: the file is empty; expected a header line with the columns {}",
            COLUMNS.join(",")
        ),
        Ok(true) => {
            let line = reader.get_mut().record_line(&record);
            let fields = utf8_fields(&record).map_err(|column| {
                anyhow::anyhow!(
                    "{}: invalid UTF-8: {}",
                    at(name, line, column),
                    crate::encoding::not_utf8_advice(record.as_slice())
                )
            })?;
            coded = coded_columns(&fields);
            Header::parse(fields.iter().copied())
                .map_err(|e| anyhow::anyhow!("{}: {e}", at(name, line, 0)))?
        }
        Err(e) => bail!("{name}: {}", csv_error(&e)),
    };
    if let Some(out) = rejects_out.as_mut() {
        let mut head = vec!["line".to_string(), "reason".to_string()];
        head.extend(COLUMNS.iter().map(|c| c.to_string()));
        out.write_record(&head)?;
    }
    // Case ids seen, with their line: a million rows is a million lookups,
    // and SipHash showed in the profile; foldhash is seeded per process.
    let mut seen: foldhash::HashMap<String, u64> = foldhash::HashMap::default();
    // What a row that is not UTF-8 is told, worked out once.
    let mut not_utf8: Option<String> = None;
    let mut batch = Vec::with_capacity(CHUNK);
    let mut sending = true;
    let mut last_report = Instant::now();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                fail(&mut checked, format!("{name}: {}", csv_error(&e)));
                break;
            }
        }
        let line = reader.get_mut().record_line(&record);
        checked.rows += 1;
        let result = match utf8_fields(&record) {
            Err(column) => Err(format!(
                "{}: invalid UTF-8: {}",
                at(name, line, column),
                not_utf8.get_or_insert_with(|| crate::encoding::not_utf8_advice(record.as_slice()))
            )),
            Ok(fields) => match header.parse_row(
                &labels_to_codes(&fields, &coded, lang)
                    .as_ref()
                    .map(|f| f.iter().map(String::as_str).collect::<Vec<_>>())
                    .unwrap_or(fields),
            ) {
                Err(e) => Err(format!("{}: {e}", at(name, line, e.column))),
                Ok(case) => match seen.get(&case.case_id) {
                    Some(first) => Err(format!(
                        "{}: case_id {:?} appears again (first on line {first}); case ids are unique within a file",
                        at(name, line, 1),
                        case.case_id
                    )),
                    None => {
                        seen.insert(case.case_id.clone(), line);
                        Ok(case)
                    }
                },
            },
        };
        match result {
            Ok(case) => {
                checked.valid += 1;
                if sending {
                    batch.push(remedy_client::convert::case_to_pb(&case));
                    if batch.len() == CHUNK {
                        let chunk = pb::ImportChunk {
                            cases: std::mem::replace(&mut batch, Vec::with_capacity(CHUNK)),
                            commit: false,
                        };
                        if chunks.blocking_send(chunk).is_err() {
                            // The call ended early: its error is reported by the caller.
                            break;
                        }
                    }
                }
            }
            Err(message) => {
                if let Some(out) = rejects_out.as_mut() {
                    let mut row = vec![line.to_string(), message.clone()];
                    row.extend(record.iter().map(|f| {
                        remedy_core::csv_text::inert(&String::from_utf8_lossy(f)).into_owned()
                    }));
                    out.write_record(&row)?;
                    checked.error_count += 1;
                } else {
                    fail(&mut checked, message);
                    sending = false;
                    batch.clear();
                }
            }
        }
        if last_report.elapsed() >= Duration::from_secs(1) {
            last_report = Instant::now();
            progress(
                name,
                &checked,
                read.load(std::sync::atomic::Ordering::Relaxed),
                size,
                started,
            );
        }
    }
    if let Some(mut out) = rejects_out {
        out.flush()?;
    }
    if checked.rows == 0 {
        bail!("{name}: no case rows after the header; nothing was imported");
    }
    if sending && checked.valid > 0 {
        // The last chunk asks the node to commit.
        let _ = chunks.blocking_send(pb::ImportChunk {
            cases: batch,
            commit: true,
        });
    }
    // Dropping the sender without a commit makes the node discard what it received.
    Ok(checked)
}

fn progress(name: &str, checked: &Checked, read: u64, size: Option<u64>, started: Instant) {
    let elapsed = started.elapsed().as_secs_f64();
    let rate = checked.rows as f64 / elapsed.max(1e-9);
    match size {
        Some(size) if size > 0 => {
            let done = read as f64 / size as f64;
            let left = elapsed * (1.0 - done) / done.max(1e-9);
            eprintln!(
                "{name}: {} rows checked ({rate:.0} rows/s), {:.0}% of the file, about {left:.0} s left",
                checked.rows,
                100.0 * done
            );
        }
        _ => eprintln!("{name}: {} rows checked ({rate:.0} rows/s)", checked.rows),
    }
}

/// The fields as UTF-8, or the 1-based column of the first that is not.
pub(crate) fn utf8_fields(record: &csv::ByteRecord) -> Result<Vec<&str>, usize> {
    record
        .iter()
        .enumerate()
        .map(|(i, f)| std::str::from_utf8(f).map_err(|_| i + 1))
        .collect()
}

pub(crate) fn csv_error(e: &csv::Error) -> String {
    match e.position() {
        Some(p) => format!("line {}: {e}", p.line()),
        None => e.to_string(),
    }
}

fn list(context: &Context, request: pb::ListCasesRequest) -> anyhow::Result<()> {
    let (runtime, channel) = context.connect()?;
    let reply = runtime
        .block_on(pb::admin_client::AdminClient::new(channel).list_cases(request))?
        .into_inner();
    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    match context.format {
        Format::Json => {
            let cases: Vec<_> = reply
                .cases
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "case_id": c.case_id,
                        "opened_on": c.opened_on,
                        "closed_on": c.closed_on,
                        "sex": c.sex,
                        "age_band": c.age_band,
                        "residence_status": c.residence_status,
                        "sector": c.sector,
                        "stage": c.stage,
                        "grievances": c.grievances,
                        "channel": c.channel,
                        "outcome": c.outcome,
                        "compensation_usd": c.compensation_usd,
                    })
                })
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::json!({"total": reply.total, "cases": cases})
            )?;
        }
        _ => {
            writeln!(
                out,
                "{:<20}  {:<10}  {:<10}  {:<22}  {:<16}  {:>8}  grievances",
                "case", "opened", "closed", "outcome", "channel", "usd"
            )?;
            for c in &reply.cases {
                writeln!(
                    out,
                    "{:<20}  {:<10}  {:<10}  {:<22}  {:<16}  {:>8}  {}",
                    c.case_id,
                    c.opened_on,
                    c.closed_on,
                    c.outcome,
                    c.channel,
                    c.compensation_usd,
                    c.grievances.join(";")
                )?;
            }
            writeln!(out, "{} of {} cases", reply.cases.len(), reply.total)?;
        }
    }
    Ok(())
}

fn attest(context: &Context, period: &str, revision: Option<u64>) -> anyhow::Result<()> {
    let (runtime, channel) = context.connect()?;
    let reply = runtime
        .block_on(
            pb::admin_client::AdminClient::new(channel).attest(pb::AttestRequest {
                period: period.to_string(),
                revision: revision.unwrap_or(0),
            }),
        )
        .with_context(|| format!("cannot attest the release of {period}"))?
        .into_inner();
    match context.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "period": reply.period,
                "revision": reply.revision,
                "seq": reply.seq,
                "private_seq": reply.private_seq,
                "cases": reply.cases,
                "matches": reply.differences.is_empty(),
                "differences": reply.differences,
            })
        ),
        _ => {
            println!(
                "release {} revision {} (shared event {}), recomputed from {} cases in the private log up to event {}",
                reply.period, reply.revision, reply.seq, reply.cases, reply.private_seq
            );
            for d in &reply.differences {
                println!("  differs: {d}");
            }
        }
    }
    if !reply.differences.is_empty() {
        bail!(
            "release {} revision {} does NOT match the private log ({} differences)",
            reply.period,
            reply.revision,
            reply.differences.len()
        );
    }
    if context.format == Format::Table {
        println!("verdict: the release matches the private log");
    }
    Ok(())
}
