//! `remedy demo`: a node started as its own process, events appended through the
//! administration service, and the log fetched back and verified, with every step
//! timed and the equivalent hand-run command printed.
//!
//! It grows with the project: issue 8 turns it into a whole federation.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use remedy_core::payload::{Note, Payload};
use remedy_core::{LogKind, MemberId, SigningKey};
use remedy_node::config::{CONFIG_FILE, NodeConfig};
use remedy_node::keyfile::write_signing_key;
use remedy_proto::v1 as pb;

/// Marks a folder as made by the demo, so a rerun may delete it.
const MARKER: &str = ".remedy-demo";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder for the demo's node (deleted and recreated if an earlier demo made it).
    #[arg(long, default_value = "demo-run")]
    out: PathBuf,
    /// Events appended in the batched step.
    #[arg(long, default_value_t = 10_000)]
    events: usize,
}

struct Step {
    number: usize,
    started: Instant,
}

impl Step {
    fn begin(number: usize, what: &str) -> Self {
        println!("[{number}] {what} ...");
        Self {
            number,
            started: Instant::now(),
        }
    }

    fn done(self, result: &str) {
        println!(
            "[{}] {result} ({} ms)",
            self.number,
            self.started.elapsed().as_millis()
        );
    }
}

/// Stops the node when the demo ends, whichever way it ends.
struct NodeProcess(Child);

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.0.wait();
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let dir = prepare_folder(&args.out)?;
    let member = MemberId::new("KH")?;

    let step = Step::begin(1, "creating a node folder with a signing key");
    let key = SigningKey::generate();
    write_signing_key(&dir.join("signing.key"), &key)?;
    let addr = free_port()?;
    let config = NodeConfig::new(member.clone(), addr);
    std::fs::write(dir.join(CONFIG_FILE), config.to_toml())?;
    step.done(&format!(
        "{} (key id {}, node at {addr})",
        dir.display(),
        key.key_id()
    ));

    let step = Step::begin(2, "starting remedy-node as its own process");
    let log_path = dir.join("node.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let node = NodeProcess(
        Command::new(sibling_binary("remedy-node")?)
            .arg("--dir")
            .arg(&dir)
            .stderr(log)
            .spawn()
            .context("starting remedy-node")?,
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let channel = runtime.block_on(wait_until_serving(addr, Duration::from_secs(10)))?;
    step.done(&format!(
        "pid {} serving, its log in {}",
        node.0.id(),
        log_path.display()
    ));

    let step = Step::begin(
        3,
        "appending 10 notes one at a time, each durable before the next",
    );
    let mut admin = pb::admin_client::AdminClient::new(channel.clone());
    runtime.block_on(async {
        for i in 1..=10 {
            let note = Note {
                text: format!("demo note {i}: workshop minutes published"),
            };
            admin.append(request(LogKind::Shared, vec![note])).await?;
        }
        anyhow::Ok(())
    })?;
    step.done("10 events");

    let step = Step::begin(
        4,
        &format!("appending {} notes in batches of 1,000", args.events),
    );
    let batch_started = Instant::now();
    runtime.block_on(async {
        for chunk in 0..args.events.div_ceil(1000) {
            let count = (args.events - chunk * 1000).min(1000);
            let notes = (0..count).map(|i| Note {
                text: format!("batched note {chunk}-{i}: {}", "x".repeat(160)),
            });
            admin
                .append(request(LogKind::Shared, notes.collect()))
                .await?;
        }
        anyhow::Ok(())
    })?;
    let rate = args.events as f64 / batch_started.elapsed().as_secs_f64();
    step.done(&format!(
        "{} events, {rate:.0} events/s durable",
        args.events
    ));

    let step = Step::begin(
        5,
        "appending one note to the private log (it never leaves the node)",
    );
    runtime.block_on(admin.append(request(
        LogKind::Private,
        vec![Note {
            text: "case file note".into(),
        }],
    )))?;
    step.done("1 event");

    let step = Step::begin(
        6,
        "fetching the shared log back over gRPC and verifying every event",
    );
    let head = runtime.block_on(crate::client::fetch_and_verify(
        channel,
        &member,
        key.verifying_key(),
    ))?;
    step.done(&format!("{} events verified, head {}", head.seq, head.hash));

    // Close the connection first, so the node's graceful shutdown has nothing to wait for.
    drop(admin);
    drop(runtime);
    drop(node);
    let step = Step::begin(
        7,
        "stopping the node and verifying its RocksDB logs offline",
    );
    let output = Command::new(sibling_binary("remedy-node")?)
        .arg("--dir")
        .arg(&dir)
        .arg("verify")
        .output()?;
    if !output.status.success() {
        bail!(
            "remedy-node verify failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    step.done(String::from_utf8_lossy(&output.stdout).trim());

    let public = hex::encode(key.verifying_key().as_bytes());
    println!();
    println!(
        "demo finished in {:.1} s. The same by hand:",
        started.elapsed().as_secs_f64()
    );
    if let Some(bin) = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
    {
        println!("  export PATH={}:$PATH", bin.display());
    }
    // A folder of the reader's own, so the commands can be run as printed.
    let mine = "my-node";
    println!("  mkdir {mine} && remedy keygen --out {mine}/signing.key   # prints the public key");
    println!("  printf 'member = \"KH\"\\nlisten = \"127.0.0.1:7401\"\\n' > {mine}/{CONFIG_FILE}");
    println!("  remedy-node --dir {mine} &");
    println!("  remedy --dir {mine} log append --text 'workshop minutes published'");
    println!("  remedy --dir {mine} log read");
    println!("  remedy --dir {mine} log verify --origin KH --public-key PUBLIC_KEY_FROM_KEYGEN");
    println!("  kill %1; wait; remedy-node --dir {mine} verify");
    println!(
        "This demo's own node folder stays in {} (its key: {public}).",
        dir.display()
    );
    Ok(())
}

fn request(log: LogKind, notes: Vec<Note>) -> pb::AppendRequest {
    let log = match log {
        LogKind::Shared => pb::LogKind::Shared,
        LogKind::Private => pb::LogKind::Private,
    };
    pb::AppendRequest {
        log: log as i32,
        events: notes
            .iter()
            .map(|n| pb::Draft {
                payload_kind: Note::KIND.0.into(),
                payload_version: Note::VERSION.into(),
                payload: n.encode(),
            })
            .collect(),
    }
}

/// Polls the node until it answers, or fails at the deadline.
async fn wait_until_serving(
    addr: SocketAddr,
    within: Duration,
) -> anyhow::Result<tonic::transport::Channel> {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(channel) = crate::client::connect(addr).await {
            let mut log = pb::log_client::LogClient::new(channel.clone());
            if log.head(pb::HeadRequest::default()).await.is_ok() {
                return Ok(channel);
            }
        }
        if Instant::now() > deadline {
            bail!(
                "the node at {addr} did not answer within {} s",
                within.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn prepare_folder(out: &Path) -> anyhow::Result<PathBuf> {
    if out.exists() {
        if !out.join(MARKER).exists() {
            bail!(
                "{} exists and was not made by the demo; pick another --out",
                out.display()
            );
        }
        std::fs::remove_dir_all(out)
            .with_context(|| format!("removing the old demo in {}", out.display()))?;
    }
    let dir = out.join("KH");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::fs::write(
        out.join(MARKER),
        "made by `remedy demo`; deleted by the next run\n",
    )?;
    Ok(dir)
}

fn free_port() -> anyhow::Result<SocketAddr> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// A binary built next to this one (`target/release/remedy-node`), else from PATH.
pub fn sibling_binary(name: &str) -> anyhow::Result<PathBuf> {
    let beside = std::env::current_exe()?.with_file_name(name);
    Ok(if beside.exists() {
        beside
    } else {
        PathBuf::from(name)
    })
}
