//! `remedy`: the command-line tool for operators, coordinators and auditors.
//!
//! `main` parses arguments and dispatches; each command lives in its own module.
//! Output for people goes to stdout, errors to stderr with a non-zero exit code.

mod audit;
mod cases;
mod client;
mod csv_lines;
mod dashboard;
mod demo;
mod encoding;
mod federation;
mod inbox;
mod init;
mod key;
mod keygen;
mod log;
mod partner;
mod plan;
mod plan_doc;
mod publish;
mod report;
mod spreadsheet;
mod stakeholders;
mod status;
mod view;
mod workplan;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// mimalloc: `cases import` allocates a few small strings per field; with glibc's
/// malloc half of its time went to the allocator (perf, 1M rows).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The heading of the options every command takes, listed apart from the
/// command's own.
const GLOBAL_OPTIONS: &str = "Global options (every command)";

/// remedy-net: evidence shared across borders, case records kept home.
#[derive(Debug, Parser)]
#[command(version, propagate_version = true)]
struct Cli {
    /// The identity folder (a node folder holding node.toml for operators).
    #[arg(long, global = true, env = "REMEDY_DIR", help_heading = GLOBAL_OPTIONS)]
    dir: Option<PathBuf>,
    /// The node to talk to (default: the one in DIR/node.toml).
    #[arg(long, global = true, env = "REMEDY_NODE", help_heading = GLOBAL_OPTIONS)]
    node: Option<SocketAddr>,
    /// Output format: table for people, json for scripts; csv for views and
    /// lists, sdmx-csv for view stats, sdmx-ml for view structure, html and
    /// md for workplan export, xlsx for cases template.
    #[arg(long, global = true, value_enum, default_value = "table", help_heading = GLOBAL_OPTIONS)]
    format: Format,
    /// Show members' texts in this language where someone translated them (en,
    /// km, id, vi, ja), saying whose translation it is; default: the locale's
    /// language if it is one of these, else the originals.
    #[arg(long, global = true, env = "REMEDY_LANG", value_parser = clap::builder::PossibleValuesParser::new(remedy_core::translation::LANGUAGES), help_heading = GLOBAL_OPTIONS)]
    lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    /// For `view stats` and `view series`: one figure per line.
    Csv,
    /// For `view stats`: SDMX-CSV 2.0 (see `view structure`).
    SdmxCsv,
    /// For `workplan export`: a self-contained HTML document.
    Html,
    /// For `workplan export`: Markdown.
    Md,
    /// For `cases template`: an Excel workbook with drop-down code lists.
    Xlsx,
    /// For `view structure`: an SDMX-ML 2.1 structure message.
    SdmxMl,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an identity folder (--dir): signing key, TLS key and certificate, member.toml.
    Init(init::Args),
    /// Create an ed25519 signing key file (mode 0600) and print its public key and key id.
    Keygen(keygen::Args),
    /// A one-time sign-in link to a node's dashboard (coordinators and auditors).
    Dashboard(dashboard::Args),
    /// A bearer token to read a node's SDMX REST API (/sdmx/rest/...) and
    /// its Atom feed (/feed.atom): coordinators and auditors at any node, a
    /// node member at its own; reusable until it expires.
    Token(dashboard::TokenArgs),
    /// What awaits you, from the log: positions and answers the work plan
    /// awaits, overdue items you lead, what peers signed since you last
    /// looked (--seen moves that on); for a coordinator, what is awaited from
    /// whom.
    Inbox(inbox::Args),
    /// The quarterly regional bulletin: a self-contained HTML document that
    /// prints on A4 (--pdf with a headless Chromium), in --lang.
    Report(report::Args),
    /// Replace this node member's signing key through a manifest change.
    #[command(subcommand)]
    Key(key::Command),
    /// Assemble, sign, verify and bootstrap the federation manifest.
    #[command(subcommand)]
    Federation(federation::Command),
    /// Append to, read and verify logs.
    #[command(subcommand)]
    Log(log::Command),
    /// Case registers: generate synthetic ones, import into the private log, list.
    #[command(subcommand)]
    Cases(cases::Command),
    /// Publish a period's statistics release (with disclosure control) to the shared log.
    Publish(publish::Args),
    /// Recommendations from national workshops: add, import, change status, list, show.
    #[command(subcommand)]
    Recommend(plan::RecommendCommand),
    /// A member's partner organisations: register, retire, list.
    #[command(subcommand)]
    Partner(partner::Command),
    /// Pilot projects: register one with its indicators, report progress, list.
    #[command(subcommand)]
    Pilot(plan::PilotCommand),
    /// Add a signed translation of a member's text (a recommendation, a workshop
    /// summary, a pilot's report...) into en, km, id, vi or ja; the original stays
    /// the reference.
    Translate(plan::TranslateArgs),
    /// National consultation workshops: record one with its participation.
    #[command(subcommand)]
    Workshop(stakeholders::WorkshopCommand),
    /// The joint regional work plan: draft, propose, amend, endorse, object, answer,
    /// comment, request positions, record progress, show, export and verify.
    #[command(subcommand)]
    Workplan(workplan::WorkplanCommand),
    /// Auditors: verify every origin's log, checkpoints, proofs and releases.
    #[command(subcommand)]
    Audit(audit::Command),
    /// What a node shows its readers.
    #[command(subcommand)]
    View(view::Command),
    /// The node's health, peers, replication heights and lag, rejected events and
    /// forks; exit code 0 only when healthy.
    Status,
    /// Run a small demonstration: a node, appends, a verified read-back.
    Demo(demo::Args),
}

/// Everything `remedy` creates (identity folders, manifests, bundles, exports, the
/// demo's node folders) is readable by its owner alone, whatever the umask it
/// started with; nodes it starts inherit the same umask.
fn private_files_by_default() {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
}

/// The locale's language (`LC_ALL`, `LC_MESSAGES`, then `LANG`: `km_KH.UTF-8`
/// gives `km`) when it is one of the federation's languages.
fn locale_language() -> Option<String> {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .and_then(|locale| locale.get(..2).map(str::to_ascii_lowercase))
        .filter(|l| remedy_core::translation::LANGUAGES.contains(&l.as_str()))
}

/// An error and its causes, each said once: a cause whose text the message
/// already holds (a transport error repeating its socket error) is left out.
fn said_once(e: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// The command line, with the global options listed once: under their own
/// heading in `remedy --help`, and in every subcommand's help only as a
/// pointer there. Each subcommand gets a hidden copy of each global option
/// (clap then does not add its visible one), so `remedy view stats --dir X`
/// parses as before.
fn command() -> clap::Command {
    use clap::CommandFactory as _;
    fn hide_globals(cmd: clap::Command, globals: &[clap::Arg], names: &str) -> clap::Command {
        let subcommands: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        let mut cmd = cmd;
        for name in subcommands {
            cmd = cmd.mut_subcommand(name, |sub| {
                let mut sub =
                    sub.after_help(format!("Global options ({names}): see `remedy --help`."));
                for arg in globals {
                    sub = sub.arg(arg.clone().hide(true));
                }
                hide_globals(sub, globals, names)
            });
        }
        cmd
    }
    let cmd = Cli::command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    let names = globals
        .iter()
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect::<Vec<_>>()
        .join(", ");
    hide_globals(cmd, &globals, &names)
}

fn main() -> std::process::ExitCode {
    private_files_by_default();
    let cli = {
        use clap::FromArgMatches as _;
        Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit())
    };
    if !matches!(cli.command, Command::Demo(_)) {
        end_quietly_when_the_reader_goes_away();
    }
    let context = client::Context {
        dir: cli.dir,
        node: cli.node,
        format: cli.format,
        lang: cli.lang.or_else(locale_language),
    };
    let csv_ok = match &cli.command {
        Command::View(_) => true,
        Command::Workplan(c) => matches!(
            c,
            workplan::WorkplanCommand::Status { .. } | workplan::WorkplanCommand::Show { .. }
        ),
        Command::Recommend(plan::RecommendCommand::List { .. })
        | Command::Pilot(plan::PilotCommand::List) => true,
        Command::Cases(cases::Command::Template { .. }) => true,
        _ => false,
    };
    let template = matches!(
        &cli.command,
        Command::Cases(cases::Command::Template { .. })
    );
    let export = matches!(
        &cli.command,
        Command::Workplan(workplan::WorkplanCommand::Export { .. })
    );
    if (cli.format == Format::Csv && !csv_ok)
        || (cli.format == Format::SdmxCsv && !matches!(cli.command, Command::View(_)))
        || (matches!(cli.format, Format::Html | Format::Md) && !export)
        || (cli.format == Format::Xlsx && !template)
        || (cli.format == Format::SdmxMl
            && !matches!(cli.command, Command::View(view::Command::Structure)))
    {
        eprintln!(
            "error: --format csv is for view, workplan status and show, recommend list, pilot list and cases template; sdmx-csv for view stats and series; html and md for workplan export; xlsx for cases template; sdmx-ml for view structure"
        );
        return std::process::ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Init(args) => init::run(&context, args),
        Command::Keygen(args) => keygen::run(&context, args),
        Command::Key(command) => key::run(&context, command),
        Command::Dashboard(args) => dashboard::run(&context, args),
        Command::Token(args) => dashboard::token(&context, args),
        Command::Inbox(args) => inbox::run(&context, args),
        Command::Report(args) => report::run(&context, args),
        Command::Federation(command) => federation::run(&context, command),
        Command::Log(command) => log::run(&context, command),
        Command::Cases(command) => cases::run(&context, command),
        Command::Publish(args) => publish::run(&context, args),
        Command::Recommend(command) => plan::recommend(&context, command),
        Command::Pilot(command) => plan::pilot(&context, command),
        Command::Workshop(command) => stakeholders::workshop(&context, command),
        Command::Translate(args) => plan::translate(&context, args),
        Command::Partner(command) => partner::run(&context, command),
        Command::Workplan(command) => workplan::workplan(&context, command),
        Command::View(command) => view::run(&context, command),
        Command::Audit(command) => audit::run(&context, command),
        Command::Status => status::run(&context),
        Command::Demo(args) => demo::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if e.is::<ReaderGone>() => std::process::ExitCode::from(BROKEN_PIPE),
        Err(e) => {
            eprintln!("error: {}", said_once(&e));
            // A request that meets a closed connection is, with mutual TLS, most often
            // a node refusing this identity's certificate after the handshake.
            if let Some(status) = e.downcast_ref::<tonic::Status>()
                && matches!(
                    status.code(),
                    tonic::Code::Unknown | tonic::Code::Cancelled | tonic::Code::Unavailable
                )
                && std::error::Error::source(status).is_some()
            {
                eprintln!(
                    "hint: the node closed the connection: either it refused this identity's certificate \
                     (is this identity in the node's manifest?) or it stopped; its log says which"
                );
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// The exit status of a command whose reader went away (`remedy ... | head`): what
/// a shell reports for a filter ended by SIGPIPE (128 + 13).
const BROKEN_PIPE: u8 = 141;

/// Like a Unix filter, end quietly when standard output's reader goes away,
/// instead of panicking in `println!`. (SIGPIPE itself stays ignored, as Rust
/// sets it: a write to a socket the node closed must stay an error, not kill
/// the process.) Not for the demo, which must stop the nodes it started.
fn end_quietly_when_the_reader_goes_away() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(BROKEN_PIPE.into());
        }
        default(info);
    }));
}

/// Standard output's reader went away (a closed pipe), as opposed to a broken
/// pipe elsewhere (a socket the node closed), which is an error to report.
#[derive(Debug)]
pub struct ReaderGone;

impl std::fmt::Display for ReaderGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for ReaderGone {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod help_tests {
    /// `remedy --help` lists the global options; a subcommand's help points
    /// there; they parse before and after the subcommand.
    #[test]
    fn global_options_are_listed_once_and_taken_everywhere() {
        let mut root = super::command();
        let top = root.render_help().to_string();
        assert!(
            top.contains("Global options") && top.contains("--format"),
            "{top}"
        );
        let mut view = super::command();
        view.build();
        let stats = view
            .find_subcommand_mut("view")
            .and_then(|v| v.find_subcommand_mut("stats"))
            .unwrap()
            .render_help()
            .to_string();
        assert!(!stats.contains("--format <FORMAT>"), "{stats}");
        assert!(
            stats.contains("Global options (--dir, --node, --format, --lang): see `remedy --help`"),
            "{stats}"
        );
        // After the subcommand as before it.
        use clap::FromArgMatches as _;
        for line in [
            "remedy --format json --dir /x view stats --table channel-outcome --period 2024-Q4",
            "remedy view stats --table channel-outcome --period 2024-Q4 --format json --dir /x",
        ] {
            let line: Vec<&str> = line.split(' ').collect();
            let cli = super::Cli::from_arg_matches(
                &super::command().try_get_matches_from(line.clone()).unwrap(),
            )
            .unwrap();
            assert!(matches!(cli.format, super::Format::Json), "{line:?}");
            assert_eq!(cli.dir.as_deref(), Some(std::path::Path::new("/x")));
        }
    }

    /// Every option and argument of every command says what it is for.
    #[test]
    fn every_flag_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} --{id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_about().is_none()
                    && sub.get_long_about().is_none()
                    && sub.get_name() != "help"
                {
                    missing.push(format!("{path} {} (no description)", sub.get_name()));
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::command(), "remedy", &mut missing);
        assert!(missing.is_empty(), "without help:\n{}", missing.join("\n"));
    }
}
