//! `remedy-node`: the remedy-net daemon.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use remedy_node::Node;

/// mimalloc: imports and replication allocate and free many small strings and
/// large buffers from several threads; glibc's malloc spent a third of an import's
/// CPU time in its own bookkeeping (perf, 1M-row import).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The remedy-net node: keeps this member's signed logs and serves them over gRPC.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The node folder, holding node.toml, the signing key and (by default) the data.
    #[arg(long, env = "REMEDY_DIR")]
    dir: PathBuf,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value = "text", env = "REMEDY_LOG_FORMAT")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify the node's logs and serve gRPC until interrupted (the default).
    Run,
    /// Verify the node's logs and exit: 0 when they verify.
    Verify,
    /// Recompute the regional view (plan, release and table rows) from the logs
    /// alone, with the node stopped; prints a digest of the rows before and after.
    RebuildViews,
    /// With the node stopped: verify the logs and print the last sequence number
    /// of this member's shared log (`remedy key replace` asks it).
    SharedHead,
    /// With the node stopped: fetch the events of this member's shared log that
    /// its peers hold after this node's last (a node restored from an older
    /// backup), check them like a replica would, and store them. The private log
    /// never leaves the node, so it comes back only from a backup.
    Recover,
}

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h`, v2): how long freed memory
/// stays resident before it is returned to the system.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Returns freed memory to the system at once rather than after mimalloc's default
/// 10 ms. A node's work comes in bursts (an import, a replication catch-up) on
/// up to 18 threads, each with its own heap: with the delay, freed pages of every
/// heap stay resident and the demo's nodes peaked at 85 to 111 MiB; without it,
/// at 59 to 73 MiB (four runs each, same machine).
fn return_freed_memory_at_once() {
    // SAFETY: sets one of mimalloc's documented options to a documented value;
    // mimalloc reads its options atomically, so this is sound at any time.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
}

/// Everything the node creates (RocksDB's files, above all the private log's, which
/// hold case rows) is readable by its owner alone, whatever the umask it started
/// with: with the usual 022, another local user could read the cases.
fn private_files_by_default() {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
}

fn main() -> std::process::ExitCode {
    private_files_by_default();
    return_freed_memory_at_once();
    let args = Args::parse();
    init_tracing(args.log_format);
    match run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let node =
        Node::open(&args.dir).with_context(|| format!("node folder {}", args.dir.display()))?;
    match args.command.unwrap_or(Command::Run) {
        Command::Verify => {
            println!(
                "{}: shared log {} events, private log {} events: verified",
                node.member(),
                node.verified.shared.seq,
                node.verified.private.seq
            );
            Ok(())
        }
        Command::RebuildViews => {
            let started = std::time::Instant::now();
            let store = node.store();
            let rebuilt = remedy_node::views::rebuild(store.as_ref(), |events| {
                if events % 100_000 == 0 {
                    eprintln!("{events} events replayed");
                }
            })?;
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "rebuilt the view from {} events in {seconds:.2} s ({:.0} events/s): {} rows",
                rebuilt.events,
                rebuilt.events as f64 / seconds.max(1e-9),
                rebuilt.rows
            );
            println!("before: sha256 {}", rebuilt.before);
            println!("after:  sha256 {}", rebuilt.after);
            if rebuilt.before == rebuilt.after {
                println!("identical: the incremental view matched the logs");
            } else {
                println!(
                    "different: the view had drifted from the logs and is now rebuilt from them"
                );
            }
            Ok(())
        }
        Command::SharedHead => {
            println!("{}", node.verified.shared.seq);
            Ok(())
        }
        Command::Recover => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            let recovered = runtime.block_on(node.recover(|seq| {
                eprintln!("stored the shared log up to event {seq}");
            }))?;
            let member = node.member();
            match recovered.peer {
                None => println!(
                    "{member}: no peer that answered holds more of the shared log than this node ({} events): nothing to recover",
                    recovered.before
                ),
                Some(peer) => println!(
                    "{member}: recovered events {} to {} of the shared log from peer {peer}, each verified with {member}'s keys; the node may append again",
                    recovered.before + 1,
                    recovered.after
                ),
            }
            println!(
                "the private log (case records) is not held by any peer and was not recovered: it holds {} events here; restore later ones from a backup of the data folder, or import the cases again",
                node.verified.private.seq
            );
            Ok(())
        }
        Command::Run => {
            // Store reads and commits run on blocking threads. Tokio's default allows
            // 512 of them, and each keeps its own allocator heap: in a 50-member
            // federation bursts of replication commits grew nodes past 100 MiB.
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .max_blocking_threads(16)
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime.block_on(async {
                let addr = node.config.listen;
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding {addr}"))?;
                node.serve(listener, shutdown_signal()).await?;
                Ok(())
            })
        }
    }
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("REMEDY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested");
}
