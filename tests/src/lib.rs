//! Helpers for integration tests and benchmarks that run real `remedy-node`
//! processes: node folders, starting and killing processes, waiting on conditions
//! with deadlines, and gRPC clients.

pub mod fake;
pub mod federation;
pub mod http;
pub mod proxy;
pub mod releases;
pub mod tls13;
pub mod wan;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use remedy_client::config::{CONFIG_FILE, NodeConfig};
use remedy_client::keyfile::write_signing_key;
use remedy_core::payload::{Note, Payload};
use remedy_core::{ChainHead, ChainVerifier, LogKind, MemberId, SignedEvent, SigningKey};
use remedy_proto::v1 as pb;
use tokio_stream::StreamExt;
use tonic::transport::{Channel, Endpoint};

/// A binary of this workspace, built in the same profile as the running test.
pub fn binary(name: &str) -> PathBuf {
    // Test executables live in target/<profile>/deps (examples in .../examples);
    // binaries in target/<profile>.
    let exe = std::env::current_exe().expect("current exe");
    let mut dir = exe.parent().expect("exe folder").to_path_buf();
    if dir.ends_with("deps") || dir.ends_with("examples") {
        dir.pop();
    }
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --release --bins` first",
        path.display()
    );
    path
}

/// Runs the `remedy` CLI to completion; returns whether it succeeded, its stdout and
/// its stderr.
pub fn remedy(args: &[&str]) -> anyhow::Result<(bool, String, String)> {
    let out = Command::new(binary("remedy")).args(args).output()?;
    Ok((
        out.status.success(),
        String::from_utf8(out.stdout)?,
        String::from_utf8(out.stderr)?,
    ))
}

/// Runs `remedy federation bootstrap --out OUT --members MEMBERS EXTRA...` with the
/// first node on a port that was free a moment ago; returns that port.
/// Runs the CLI with `--dir dir` first; returns success, stdout and stderr.
pub fn remedy_at(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["--dir", path_arg(dir)];
    all.extend_from_slice(args);
    remedy(&all).expect("running remedy")
}

/// Runs a creating command that must succeed; returns the id on its last line.
pub fn create_at(dir: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = remedy_at(dir, args);
    assert!(ok, "{args:?}: {stdout}{stderr}");
    stdout.lines().last().unwrap_or_default().trim().to_string()
}

/// Runs a command that must fail; returns its error output.
pub fn refused_at(dir: &Path, args: &[&str]) -> String {
    let (ok, stdout, stderr) = remedy_at(dir, args);
    assert!(!ok, "{args:?} should fail: {stdout}");
    stderr
}

pub fn bootstrap(out: &Path, members: &str, extra: &[&str]) -> anyhow::Result<u16> {
    let nodes = members.split(',').count() as u16;
    let port = free_port_block(nodes);
    let port_arg = port.to_string();
    let mut args = vec![
        "federation",
        "bootstrap",
        "--out",
        path_arg(out),
        "--members",
        members,
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--base-port", &port_arg]);
    let (ok, _, stderr) = remedy(&args)?;
    anyhow::ensure!(ok, "bootstrap failed: {stderr}");
    Ok(port)
}

/// A path as a command-line argument.
pub fn path_arg(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// A free loopback port. The port is released before the node binds it; the
/// window for another process to take it is small on a test machine.
pub fn free_addr() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], free_port_block(1)))
}

/// The first of `n` consecutive loopback ports that are free now. They are picked
/// below Linux's ephemeral range (32768 and up), so the outgoing connections of
/// other tests cannot take them between this check and the node binding them,
/// and never twice in one process: a port handed out but not yet bound is free
/// too (with 50 nodes, a repeat in 12,000 ports is likely).
pub fn free_port_block(n: u16) -> u16 {
    use rand::Rng;
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut rng = rand::thread_rng();
    loop {
        let base = rng.gen_range(20_000..32_000 - n);
        let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
        let free = (base..base + n)
            .all(|p| !given.contains(&p) && TcpListener::bind(("127.0.0.1", p)).is_ok());
        if free {
            given.extend(base..base + n);
            return base;
        }
    }
}

/// A node folder: signing key and node.toml.
#[derive(Debug)]
pub struct NodeDir {
    pub dir: PathBuf,
    pub member: MemberId,
    pub addr: SocketAddr,
    pub key: SigningKey,
}

/// Changes the `node.toml` of a node folder (peers, options) before its node
/// starts.
pub fn edit_config(
    dir: &Path,
    edit: impl FnOnce(&mut NodeConfig) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut config = NodeConfig::load(dir)?;
    edit(&mut config)?;
    std::fs::write(dir.join(CONFIG_FILE), config.to_toml())?;
    Ok(())
}

impl NodeDir {
    /// Creates a node folder at `dir` for `member`.
    pub fn create(dir: &Path, member: &str) -> anyhow::Result<Self> {
        Self::create_with(dir, member, |_| {})
    }

    /// Like `create`, with a chance to change the configuration.
    pub fn create_with(
        dir: &Path,
        member: &str,
        edit: impl FnOnce(&mut NodeConfig),
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let member = MemberId::new(member)?;
        let key = SigningKey::generate();
        write_signing_key(&dir.join("signing.key"), &key)?;
        let addr = free_addr();
        let mut config = NodeConfig::new(member.clone(), addr);
        edit(&mut config);
        std::fs::write(dir.join(CONFIG_FILE), config.to_toml())?;
        Ok(Self {
            dir: dir.to_path_buf(),
            member,
            addr,
            key,
        })
    }

    /// A node folder made elsewhere (by `remedy federation bootstrap`, say).
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        let config = NodeConfig::load(dir)?;
        let key = remedy_client::keyfile::load_signing_key(&config.key_path(dir))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            member: config.member,
            addr: config.listen,
            key,
        })
    }

    /// Starts `remedy-node --dir DIR` and waits until it answers.
    pub async fn start(&self) -> anyhow::Result<RunningNode> {
        self.start_with_env(&[]).await
    }

    /// Like `start`, with extra environment variables for the node.
    pub async fn start_with_env(&self, env: &[(&str, &Path)]) -> anyhow::Result<RunningNode> {
        // The node's log goes to a file in its folder, where a failing test can be
        // read after the fact (a pipe nobody reads would block the node when full).
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        let child = Command::new(binary("remedy-node"))
            .arg("--dir")
            .arg(&self.dir)
            .env(
                "REMEDY_LOG",
                std::env::var("REMEDY_TEST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("spawning remedy-node")?;
        let mut node = RunningNode {
            child: Some(child),
            addr: self.addr,
            log: self.log_path(),
            dir: self.dir.clone(),
        };
        node.wait_serving(Duration::from_secs(30)).await?;
        Ok(node)
    }

    /// Runs `remedy-node --dir DIR` expecting it to refuse to start; returns stderr.
    pub fn start_expecting_failure(&self) -> anyhow::Result<String> {
        self.run_node(&[])
    }

    /// Runs `remedy-node --dir DIR ARGS...` to completion, expecting failure; returns stderr.
    pub fn run_node(&self, args: &[&str]) -> anyhow::Result<String> {
        let output = Command::new(binary("remedy-node"))
            .arg("--dir")
            .arg(&self.dir)
            .args(args)
            .env("REMEDY_LOG", "warn")
            .output()?;
        if output.status.success() {
            bail!("remedy-node succeeded where it should have failed");
        }
        Ok(String::from_utf8_lossy(&output.stderr).into_owned())
    }

    /// Runs `remedy-node --dir DIR ARGS` to success; returns its stdout.
    pub fn run_node_ok(&self, args: &[&str]) -> anyhow::Result<String> {
        let output = Command::new(binary("remedy-node"))
            .arg("--dir")
            .arg(&self.dir)
            .args(args)
            .env("REMEDY_LOG", "warn")
            .output()?;
        if !output.status.success() {
            bail!(
                "remedy-node {args:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Where a started node's log goes.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("node.log")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }
}

/// A running `remedy-node` process. Dropping it kills the process.
#[derive(Debug)]
pub struct RunningNode {
    child: Option<Child>,
    pub addr: SocketAddr,
    log: PathBuf,
    /// The node's folder: clients connect as the node's own identity (mutual TLS
    /// when the folder holds a manifest).
    dir: PathBuf,
}

impl RunningNode {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Polls the node's log service until it answers, the process exits, or the deadline passes.
    pub async fn wait_serving(&mut self, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                bail!(
                    "remedy-node exited with {status} before serving; its log {}:\n{log}",
                    self.log.display()
                );
            }
            if let Ok(channel) = self.channel().await
                && pb::log_client::LogClient::new(channel)
                    .head(pb::HeadRequest::default())
                    .await
                    .is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "remedy-node at {} did not answer within {within:?}",
                    self.addr
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A connection as the node's own operator.
    pub async fn channel(&self) -> anyhow::Result<Channel> {
        let target = remedy_client::client::target(&self.dir, None)?;
        Ok(remedy_client::client::connect(&target).await?)
    }

    /// SIGKILL: no chance to flush or clean up.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then wait (without blocking the async runtime) for a clean exit.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait()? {
                if !status.success() {
                    bail!("remedy-node exited with {status} after SIGTERM");
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("remedy-node did not stop within 30 s of SIGTERM");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Resident memory of the process in bytes, from /proc.
    pub fn rss_bytes(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .context("no VmRSS in /proc status")?;
        let kib: u64 = line
            .split_whitespace()
            .nth(1)
            .context("malformed VmRSS")?
            .parse()?;
        Ok(kib * 1024)
    }
}

impl Drop for RunningNode {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub async fn connect(addr: SocketAddr) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(Duration::from_secs(2))
        .connect()
        .await?)
}

/// A note of `size` payload bytes: its number, then pseudo-random letters and digits
/// (so compression cannot make stored events look smaller than real text would be).
pub fn note_draft(i: u64, size: usize) -> pb::Draft {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
    let mut text = format!("note {i} ");
    let mut state = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while text.len() < size {
        // xorshift64: cheap, deterministic per note number.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        text.push(ALPHABET[(state % ALPHABET.len() as u64) as usize] as char);
    }
    pb::Draft {
        payload_kind: Note::KIND.0.into(),
        payload_version: Note::VERSION.into(),
        payload: Note { text }.encode(),
    }
}

pub fn append_request(log: LogKind, drafts: Vec<pb::Draft>) -> pb::AppendRequest {
    let log = match log {
        LogKind::Shared => pb::LogKind::Shared,
        LogKind::Private => pb::LogKind::Private,
    };
    pb::AppendRequest {
        log: log as i32,
        events: drafts,
    }
}

/// Reads a whole shared log over gRPC.
pub async fn read_log(channel: Channel, origin: &MemberId) -> anyhow::Result<Vec<SignedEvent>> {
    let mut client = pb::log_client::LogClient::new(channel);
    let mut events = Vec::new();
    loop {
        let request = pb::ReadRequest {
            origin: origin.to_string(),
            from_seq: events.len() as u64 + 1,
            limit: 10_000,
        };
        let mut stream = client.read(request).await?.into_inner();
        let before = events.len();
        while let Some(item) = stream.next().await {
            events.push(SignedEvent::decode(item?.raw)?);
        }
        if events.len() == before {
            return Ok(events);
        }
    }
}

/// Verifies a whole shared log as read over gRPC.
pub fn verify_events(
    origin: &MemberId,
    key: &SigningKey,
    events: &[SignedEvent],
) -> anyhow::Result<ChainHead> {
    let mut verifier = ChainVerifier::new(
        origin.clone(),
        LogKind::Shared,
        key.verifying_key(),
        ChainHead::EMPTY,
    );
    for event in events {
        verifier.push(event.clone())?;
    }
    Ok(verifier.finish()?)
}

/// Waits until `condition` holds, polling, or fails at the deadline.
pub async fn wait_for(
    what: &str,
    within: Duration,
    mut condition: impl FnMut() -> bool,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    while !condition() {
        if Instant::now() > deadline {
            bail!("timed out after {within:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}
