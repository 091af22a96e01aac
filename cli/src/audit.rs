//! `remedy audit verify`: an auditor checks, without trusting the node it asks,
//! every origin's shared log: each signature with the key the auditor's own
//! `federation.toml` gives, the chain, the Merkle root against the origin's signed
//! checkpoint and its cosignatures, an inclusion proof and a consistency proof
//! from the node, consistency with the checkpoint this auditor saved last time
//! (`DIR/audit/<origin>.checkpoint`: a node that rolls back or shows another
//! history is caught), every release against the disclosure policy, the privacy
//! budget per member and period; and lists forks, rejections and equivocation
//! evidence the node holds. The report ends with a verdict; the exit code is
//! non-zero on any failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use remedy_core::checkpoint::{SignedCheckpoint, key_name};
use remedy_core::ledger::{ReleaseLedger, ReleaseRules};
use remedy_core::manifest::Manifest;
use remedy_core::merkle::{self, Frontier, Hash};
use remedy_core::payload::Payload;
use remedy_core::release::Release;
use remedy_core::{
    ChainHead, ChainVerifier, KeyHistory, KeyId, LogKind, MemberId, PayloadKind, SignedEvent,
};
use remedy_proto::v1 as pb;
use serde::Serialize;
use tokio_stream::StreamExt;
use tonic::transport::Channel;

use crate::Format;
use crate::client::Context;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Verify every origin's log through a node (or one, with --origin).
    Verify {
        /// Only this origin's log (KH); every node member's without it.
        #[arg(long)]
        origin: Option<String>,
    },
    /// Write one origin's log, its checkpoint with cosignatures, the manifest and
    /// inclusion proofs to a bundle (JSON lines; see docs/audit-bundle.md).
    Export {
        /// Whose shared log to export (KH).
        #[arg(long)]
        origin: String,
        /// A new file, written with mode 0600; never a symbolic link.
        #[arg(long)]
        out: PathBuf,
        /// Replace an existing regular file at --out.
        #[arg(long)]
        force: bool,
    },
    /// Verify a bundle with no network, against a federation.toml.
    VerifyBundle {
        /// The bundle `audit export` wrote.
        file: PathBuf,
        /// The federation's manifest (federation.toml) to trust: the keys and
        /// policy the bundle is checked against.
        #[arg(long)]
        federation: PathBuf,
    },
}

/// What was checked of one origin.
#[derive(Debug, Default, Serialize)]
pub struct OriginReport {
    origin: String,
    events: u64,
    checkpoint_size: u64,
    /// The keys the origin signed with, and which events each signed.
    keys: Vec<String>,
    cosignatures: Vec<String>,
    releases: u64,
    /// What this audit saved for next time, or was compared with.
    consistency: String,
    problems: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
struct Report {
    node: String,
    /// The member whose node answered (from its status), named in the signed
    /// verdict left there.
    member: String,
    /// The manifest version the keys and policy came from.
    manifest: String,
    origins: Vec<OriginReport>,
    forks: Vec<String>,
    rejected: Vec<String>,
    equivocations: Vec<String>,
    verdict: String,
    passed: bool,
}

pub fn run(context: &Context, command: Command) -> anyhow::Result<()> {
    let origin = match command {
        Command::Verify { origin } => origin,
        Command::Export { origin, out, force } => {
            return export(context, &origin, &out, force);
        }
        Command::VerifyBundle { file, federation } => {
            return verify_bundle(context, &file, &federation);
        }
    };
    let dir = context
        .dir
        .clone()
        .context("an audit needs the auditor's folder (--dir), holding federation.toml")?;
    let path = dir.join("federation.toml");
    let trusted = remedy_client::identity::load_manifest(&path)
        .context("the auditor's own federation.toml is the trust root")?;
    let (runtime, channel) = context.connect()?;
    let (manifest, manifest_note) = runtime.block_on(follow_manifest(&trusted, channel.clone()))?;
    if manifest.version() > trusted.version() {
        remedy_client::identity::save_manifest(&path, &manifest)?;
    }
    let origins: Vec<MemberId> = match origin {
        Some(o) => {
            vec![MemberId::new(o.as_str()).map_err(|e| anyhow::anyhow!("--origin {o}: {e}"))?]
        }
        None => manifest.nodes().map(|m| m.id.clone()).collect(),
    };
    let mut report =
        runtime.block_on(audit(&dir, &manifest, &origins, channel.clone(), context))?;
    report.manifest = manifest_note;
    if let Err(e) = runtime.block_on(record(&dir, &report, channel)) {
        eprintln!("note: the verdict was not left at the node for its dashboard: {e:#}");
    }
    match context.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        _ => print!("{}", render(&report)),
    }
    if !report.passed {
        bail!("{}", report.verdict);
    }
    Ok(())
}

/// The newest manifest the node runs under, when it follows from `trusted` by
/// signed versions (each signed by the quorum of the one before), else `trusted`;
/// with a line saying which version the audit uses and why.
async fn follow_manifest(
    trusted: &Manifest,
    channel: Channel,
) -> anyhow::Result<(Manifest, String)> {
    let mut federation = pb::federation_client::FederationClient::new(channel);
    let mut fetch = async |version: u64| -> anyhow::Result<Manifest> {
        let text = federation
            .manifest(pb::ManifestRequest { version })
            .await?
            .into_inner()
            .text;
        Manifest::parse(&text).with_context(|| format!("the node's manifest version {version}"))
    };
    let newest = match fetch(0).await {
        Ok(m) => m.version(),
        Err(e) => {
            return Ok((
                trusted.clone(),
                format!(
                    "version {} (this auditor's; the node did not give its own: {e:#})",
                    trusted.version()
                ),
            ));
        }
    };
    if newest <= trusted.version() {
        return Ok((
            trusted.clone(),
            format!("version {} (this auditor's)", trusted.version()),
        ));
    }
    let mut current = trusted.clone();
    for version in trusted.version() + 1..=newest {
        let next = fetch(version).await?;
        next.verify_successor(&current).with_context(|| {
            format!(
                "the node runs under manifest version {newest}, but version {version} does not follow version {}",
                current.version()
            )
        })?;
        current = next;
    }
    Ok((
        current,
        format!(
            "version {newest}, taken from the node: each version from {} on signed by the quorum of the one before, and saved to federation.toml",
            trusted.version() + 1
        ),
    ))
}

/// Leaves the verdict, signed with the auditor's key, at the node for its dashboard.
async fn record(dir: &Path, report: &Report, channel: Channel) -> anyhow::Result<()> {
    let me = remedy_client::identity::load_member(&dir.join(remedy_client::identity::MEMBER_FILE))?;
    if me.role != remedy_core::manifest::Role::Auditor {
        return Ok(());
    }
    let key = remedy_client::keyfile::load_signing_key(
        &dir.join(remedy_client::identity::SIGNING_KEY_FILE),
    )?;
    let time = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let text = serde_json::json!({
        "auditor": me.id,
        "node": report.member,
        "time": time,
        "passed": report.passed,
        "verdict": report.verdict,
        "origins": report.origins.len(),
        "events": report.origins.iter().map(|o| o.events).sum::<u64>(),
    })
    .to_string();
    let signature = hex::encode(key.sign(text.as_bytes()).to_bytes());
    pb::federation_client::FederationClient::new(channel)
        .record_audit(pb::AuditRecord {
            report: text,
            signature,
        })
        .await?;
    Ok(())
}

/// "key 1a2b… signed events 1 to 40", one entry per key the origin used.
fn key_lines(keys: &KeyHistory) -> Vec<String> {
    let all = keys.keys();
    all.iter()
        .enumerate()
        .map(|(i, (first, key))| match all.get(i + 1) {
            Some((next, _)) => format!("{} signed events {first} to {}", KeyId::of(key), next - 1),
            None => format!("{} signs from event {first}", KeyId::of(key)),
        })
        .collect()
}

async fn audit(
    dir: &Path,
    manifest: &Manifest,
    origins: &[MemberId],
    channel: Channel,
    context: &Context,
) -> anyhow::Result<Report> {
    let mut report = Report {
        node: context
            .node
            .map(|a| a.to_string())
            .unwrap_or_else(|| "the node given by this folder".into()),
        ..Report::default()
    };
    let rules = manifest.body.policy.release_rules()?;
    for origin in origins {
        let mut o = OriginReport {
            origin: origin.to_string(),
            ..OriginReport::default()
        };
        if let Err(e) = check_origin(dir, manifest, origin, channel.clone(), rules, &mut o).await {
            o.problems.push(format!("{e:#}"));
        }
        report.origins.push(o);
    }
    let status = pb::federation_client::FederationClient::new(channel)
        .status(pb::StatusRequest {})
        .await?
        .into_inner();
    report.forks = status
        .forks
        .iter()
        .map(|f| {
            format!(
                "{} signed two events {} (reported by peer {})",
                f.origin, f.seq, f.peer
            )
        })
        .collect();
    report.rejected = status
        .rejected
        .iter()
        .map(|r| format!("{} × {}: last {}", r.count, r.reason, r.last))
        .collect();
    report.equivocations = status.equivocations.clone();
    report.member = status.member.clone();
    // Name the node asked: its member and its address.
    let addr = match (context.node, &context.dir) {
        (Some(addr), _) => Some(addr.to_string()),
        (None, Some(dir)) => remedy_client::client::target(dir, None)
            .ok()
            .map(|t| t.addr.to_string()),
        (None, None) => None,
    };
    report.node = match addr {
        Some(addr) => format!("{}'s node at {addr}", status.member),
        None => format!("{}'s node", status.member),
    };
    let failures: usize = report
        .origins
        .iter()
        .map(|o| o.problems.len())
        .sum::<usize>()
        + report.forks.len()
        + report.equivocations.len();
    report.passed = failures == 0;
    let events: u64 = report.origins.iter().map(|o| o.events).sum();
    report.verdict = if report.passed {
        format!(
            "PASS: {} origins, {events} events, every signature, chain, Merkle root, checkpoint and release verified",
            report.origins.len()
        )
    } else {
        format!("FAIL: {failures} problems found")
    };
    Ok(report)
}

fn saved_path(dir: &Path, origin: &MemberId) -> PathBuf {
    dir.join("audit").join(format!("{origin}.checkpoint"))
}

#[allow(clippy::too_many_arguments)]
async fn check_origin(
    dir: &Path,
    manifest: &Manifest,
    origin: &MemberId,
    channel: Channel,
    rules: ReleaseRules,
    o: &mut OriginReport,
) -> anyhow::Result<()> {
    let keys = manifest
        .member(origin)
        .with_context(|| format!("{origin} is not in the auditor's manifest"))?
        .key_history()?;
    o.keys = key_lines(&keys);
    let mut federation = pb::federation_client::FederationClient::new(channel.clone());
    let text = federation
        .checkpoint(pb::CheckpointRequest {
            origin: origin.to_string(),
        })
        .await?
        .into_inner()
        .text;
    if text.is_empty() {
        // A member that never signed an event has no checkpoint yet; one this auditor
        // saw before must not disappear.
        let saved = std::fs::read_to_string(saved_path(dir, origin))
            .ok()
            .and_then(|t| SignedCheckpoint::parse(&t).ok());
        match saved {
            Some(s) if s.checkpoint.size > 0 => bail!(
                "{origin}: the node holds no checkpoint of this log, but this auditor saw one of {} events before",
                s.checkpoint.size
            ),
            _ => o.consistency = "no events yet".into(),
        }
        return Ok(());
    }
    let checkpoint = SignedCheckpoint::parse(&text).context("the checkpoint does not parse")?;
    let line =
        remedy_core::checkpoint::origin_line(&manifest.body.federation.name, origin.as_str());
    if checkpoint.checkpoint.origin != line {
        o.problems.push(format!(
            "{origin}: the checkpoint is of the log {:?}, not {line:?}",
            checkpoint.checkpoint.origin
        ));
    }
    let size = checkpoint.checkpoint.size;
    o.checkpoint_size = size;
    if !checkpoint.signed_by(&key_name(origin.as_str()), keys.key_for(size)) {
        o.problems.push(format!(
            "{origin}: the checkpoint of {size} events is not signed by the key {origin} signed event {size} with"
        ));
    }
    for m in manifest.nodes().filter(|m| &m.id != origin) {
        if let Ok(k) = m.verifying_key()
            && checkpoint
                .cosigned_by(&key_name(m.id.as_str()), &k)
                .is_some()
        {
            o.cosignatures.push(m.id.to_string());
        }
    }

    // Every event: chain, signatures, the Merkle tree, releases.
    let mut log =
        pb::log_client::LogClient::new(channel.clone()).max_decoding_message_size(64 << 20);
    let saved = std::fs::read_to_string(saved_path(dir, origin))
        .ok()
        .and_then(|t| SignedCheckpoint::parse(&t).ok());
    let wanted: Vec<u64> = [Some(size), saved.as_ref().map(|s| s.checkpoint.size)]
        .into_iter()
        .flatten()
        .collect();
    let mut check = LogCheck::new(origin, keys, wanted, rules);
    check.max_payload = manifest.body.policy.max_event_bytes as usize;
    check.signers = remedy_core::statement::Signers::of(manifest);
    crate::client::read_log(&mut log, origin, |_, raw| {
        check.push(raw, size)?;
        Ok(true)
    })
    .await?;
    let (roots, last_raw) = check.finish(o)?;
    match roots.get(&size) {
        None => o.problems.push(format!(
            "{origin}: the checkpoint covers {size} events but the node served {}",
            o.events
        )),
        Some(root) if root != &checkpoint.checkpoint.root => o.problems.push(format!(
            "{origin}: the root of the {size} events served is not the root the checkpoint signs: the history was changed"
        )),
        Some(_) => {}
    }
    // The node's proofs: the last checkpointed event's inclusion, and consistency.
    if size > 0 && !last_raw.is_empty() {
        let proof = hashes(
            federation
                .proof(pb::ProofRequest {
                    origin: origin.to_string(),
                    size,
                    seq: size,
                    old_size: 0,
                })
                .await?
                .into_inner(),
        )?;
        if let Err(e) = merkle::verify_inclusion(
            &last_raw,
            size - 1,
            size,
            &proof,
            &checkpoint.checkpoint.root,
        ) {
            o.problems
                .push(format!("{origin}: inclusion proof of event {size}: {e}"));
        }
    }
    match &saved {
        None => o.consistency = format!("first audit: checkpoint of {size} events saved"),
        Some(s) if s.checkpoint.size > size => o.problems.push(format!(
            "{origin}: this auditor saw a checkpoint of {} events before; the node now shows {size}: history rolled back",
            s.checkpoint.size
        )),
        Some(s) => {
            let old = s.checkpoint.size;
            let proof = hashes(
                federation
                    .proof(pb::ProofRequest {
                        origin: origin.to_string(),
                        size,
                        seq: 0,
                        old_size: old,
                    })
                    .await?
                    .into_inner(),
            )?;
            let local = roots.get(&old).copied();
            if local != Some(s.checkpoint.root) {
                o.problems.push(format!(
                    "{origin}: the first {old} events are not those of the checkpoint this auditor saved: a different history"
                ));
            } else if let Err(e) = merkle::verify_consistency(
                old,
                size,
                &s.checkpoint.root,
                &checkpoint.checkpoint.root,
                &proof,
            ) {
                o.problems.push(format!("{origin}: consistency proof from {old} to {size}: {e}"));
            } else {
                o.consistency = format!("consistent with the checkpoint of {old} events saved before");
            }
        }
    }
    if o.problems.is_empty() {
        let path = saved_path(dir, origin);
        std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
        std::fs::write(&path, checkpoint.to_text())
            .with_context(|| format!("saving {}", path.display()))?;
    }
    Ok(())
}

/// Checks a log event by event: chain and signatures, the Merkle roots at the
/// sizes wanted, releases against the policy and the privacy budget.
pub struct LogCheck {
    /// The federation's limit per event payload (the manifest's max_event_bytes).
    pub max_payload: usize,
    /// The coordinators whose statements a shared log may carry.
    pub signers: remedy_core::statement::Signers,
    /// The origin's partners as its log stands at the event being checked.
    partners: remedy_core::partner::PartnerBook,
    origin: MemberId,
    verifier: ChainVerifier,
    frontier: Frontier,
    wanted: Vec<u64>,
    roots: BTreeMap<u64, Hash>,
    /// The origin's releases so far, each checked as a receiver checks it.
    ledger: ReleaseLedger,
    releases: u64,
    problems: Vec<String>,
    /// The raw event at the checkpoint's size, for its inclusion proof.
    at_size: Vec<u8>,
}

impl LogCheck {
    pub fn new(origin: &MemberId, keys: KeyHistory, wanted: Vec<u64>, rules: ReleaseRules) -> Self {
        let mut roots = BTreeMap::new();
        roots.insert(0, merkle::empty_root());
        Self {
            origin: origin.clone(),
            verifier: ChainVerifier::new(origin.clone(), LogKind::Shared, keys, ChainHead::EMPTY),
            frontier: Frontier::default(),
            wanted,
            roots,
            ledger: ReleaseLedger::new(rules),
            max_payload: remedy_core::event::MAX_PAYLOAD,
            signers: remedy_core::statement::Signers::default(),
            partners: remedy_core::partner::PartnerBook::new(),
            releases: 0,
            problems: Vec::new(),
            at_size: Vec::new(),
        }
    }

    /// The next event; `size` is the checkpoint's tree size.
    pub fn push(&mut self, raw: Vec<u8>, size: u64) -> Result<(), remedy_core::ChainError> {
        let origin = &self.origin;
        self.frontier.push(&raw, |_, _, _| {});
        let n = self.frontier.size();
        if self.wanted.contains(&n) {
            self.roots.insert(n, self.frontier.root());
        }
        if n == size {
            self.at_size = raw.clone();
        }
        if let Ok(event) = SignedEvent::decode(raw.clone()) {
            // Every payload decodes, within the federation's size, and nothing
            // private is in a shared log.
            if event.payload().len() > self.max_payload {
                self.problems.push(format!(
                    "{origin} event {}: {}",
                    event.seq(),
                    remedy_core::payload::PayloadError::TooLarge {
                        kind: event.kind(),
                        bytes: event.payload().len(),
                        limit: self.max_payload,
                    }
                ));
            }
            if event.kind().is_private() {
                self.problems.push(format!(
                    "{origin} event {}: a {} payload is private and never belongs in a shared log",
                    event.seq(),
                    event.kind()
                ));
            } else if event.kind() != PayloadKind::RELEASE
                && let Err(e) =
                    remedy_core::kinds::check(event.kind(), event.version(), event.payload())
            {
                self.problems
                    .push(format!("{origin} event {}: {e}", event.seq()));
            } else if let Err(e) =
                remedy_core::plan::check_event(&event, &self.signers, &self.partners)
            {
                // A plan record one event gets wrong alone: a statement that
                // does not verify (a partner's against the key registered at
                // that point of the log), a status of another member's
                // recommendation.
                self.problems
                    .push(format!("{origin} event {}: {e}", event.seq()));
            } else {
                let _ = self.partners.apply(
                    event.seq(),
                    event.kind(),
                    event.version(),
                    event.payload(),
                );
            }
        }
        if let Ok(event) = SignedEvent::decode(raw.clone())
            && event.kind() == PayloadKind::RELEASE
        {
            self.releases += 1;
            match Release::from_event(&event) {
                Ok(release) => {
                    if let Err(e) = self.ledger.admit(&release) {
                        self.problems
                            .push(format!("{origin} event {}: {e}", event.seq()));
                    }
                }
                Err(e) => self
                    .problems
                    .push(format!("{origin} event {}: {e}", event.seq())),
            }
        }
        self.verifier.push_raw(n, raw)
    }

    /// Ends the check: the roots at the sizes wanted and the event at the
    /// checkpoint's size; counts and problems go to the report.
    pub fn finish(
        self,
        o: &mut OriginReport,
    ) -> Result<(BTreeMap<u64, Hash>, Vec<u8>), remedy_core::ChainError> {
        self.verifier.finish()?;
        o.events = self.frontier.size();
        o.releases = self.releases;
        o.problems.extend(self.problems);
        Ok((self.roots, self.at_size))
    }
}

/// The hashes of a proof the node sent.
pub(crate) fn hashes(reply: pb::ProofReply) -> anyhow::Result<Vec<Hash>> {
    reply
        .hashes
        .into_iter()
        .map(|h| {
            h.try_into()
                .map_err(|_| anyhow::anyhow!("a proof hash is not 32 bytes"))
        })
        .collect()
}

fn render(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut out = format!("audit through {}\n", report.node);
    if !report.manifest.is_empty() {
        let _ = writeln!(out, "manifest: {}", report.manifest);
    }
    for o in &report.origins {
        let _ = writeln!(
            out,
            "{:<4} {} events: signatures and chain {}; Merkle root {} the checkpoint of {} events; cosigned by {}; {} releases checked; {}",
            o.origin,
            o.events,
            if o.problems.is_empty() {
                "verified"
            } else {
                "checked"
            },
            if o.problems.is_empty() {
                "matches"
            } else {
                "checked against"
            },
            o.checkpoint_size,
            if o.cosignatures.is_empty() {
                "none yet".to_string()
            } else {
                o.cosignatures.join(", ")
            },
            o.releases,
            o.consistency
        );
        if o.keys.len() > 1 {
            let _ = writeln!(out, "  keys: {}", o.keys.join("; "));
        }
        for p in &o.problems {
            let _ = writeln!(out, "  FAIL {p}");
        }
    }
    for f in &report.forks {
        let _ = writeln!(out, "FORK {f}");
    }
    for e in &report.equivocations {
        let _ = writeln!(out, "EQUIVOCATION {e}");
    }
    for r in &report.rejected {
        let _ = writeln!(out, "rejected by the node: {r}");
    }
    let _ = writeln!(out, "verdict: {}", report.verdict);
    out
}

/// One line of a bundle.
#[derive(Debug, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Line {
    Bundle {
        format: String,
        version: u32,
        origin: String,
    },
    Manifest {
        text: String,
    },
    Checkpoint {
        text: String,
    },
    Event {
        seq: u64,
        raw: String,
    },
    Inclusion {
        seq: u64,
        size: u64,
        hashes: Vec<String>,
    },
}

const BUNDLE_FORMAT: &str = "remedy-net audit bundle";

/// Opens the bundle's file: a new one with mode 0600, or with `force` an existing
/// regular file truncated; never through a symbolic link (a link planted at the
/// path would otherwise make the export overwrite whatever it points to).
fn open_out(out: &Path, force: bool) -> anyhow::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    refuse_out(out, force)?;
    let shown = out.display();
    let mut options = std::fs::OpenOptions::new();
    options
        .write(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    options
        .open(out)
        .with_context(|| format!("creating {shown}"))
}

/// Says why `out` may not be written, with a clear message; `open_out`'s flags
/// enforce the same against a path changed in between.
fn refuse_out(out: &Path, force: bool) -> anyhow::Result<()> {
    let shown = out.display();
    if let Ok(meta) = std::fs::symlink_metadata(out) {
        if meta.file_type().is_symlink() {
            bail!("{shown} is a symbolic link; the bundle is never written through one");
        }
        if !force {
            bail!("{shown} already exists; pass --force to replace it");
        }
    }
    Ok(())
}

fn export(context: &Context, origin: &str, out: &Path, force: bool) -> anyhow::Result<()> {
    use base64::Engine as _;
    use std::io::Write as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let origin_id = MemberId::new(origin).map_err(|e| anyhow::anyhow!("--origin {origin}: {e}"))?;
    // Refused before asking the node, so nothing is fetched for a file that will
    // not be written; `open_out` checks again when it opens the file.
    refuse_out(out, force)?;
    let (runtime, channel) = context.connect()?;
    runtime.block_on(async {
        let mut federation = pb::federation_client::FederationClient::new(channel.clone());
        // Every version the node holds, oldest first: a verifier who trusts an older
        // one follows the signed changes (a key change, say) to the newest.
        let newest = Manifest::parse(
            &federation
                .manifest(pb::ManifestRequest { version: 0 })
                .await?
                .into_inner()
                .text,
        )
        .context("the node's manifest")?
        .version();
        let mut manifests = Vec::new();
        for version in 1..=newest {
            if let Ok(reply) = federation.manifest(pb::ManifestRequest { version }).await {
                manifests.push(reply.into_inner().text);
            }
        }
        let text = federation
            .checkpoint(pb::CheckpointRequest {
                origin: origin.into(),
            })
            .await?
            .into_inner()
            .text;
        // No checkpoint: the node holds no event of the origin (an origin signs
        // its first checkpoint with its first event). The bundle then says so:
        // no checkpoint line, no events.
        let size = if text.is_empty() {
            0
        } else {
            SignedCheckpoint::parse(&text)
                .with_context(|| format!("the node holds no usable checkpoint of {origin}"))?
                .checkpoint
                .size
        };
        let file = open_out(out, force)?;
        let mut w = std::io::BufWriter::new(file);
        let mut line = |l: &Line| -> anyhow::Result<()> {
            serde_json::to_writer(&mut w, l)?;
            w.write_all(b"\n")?;
            Ok(())
        };
        line(&Line::Bundle {
            format: BUNDLE_FORMAT.into(),
            version: 1,
            origin: origin.into(),
        })?;
        for text in manifests {
            line(&Line::Manifest { text })?;
        }
        let cosigned = SignedCheckpoint::parse(&text).is_ok_and(|c| c.signatures.len() > 1);
        if !text.is_empty() {
            line(&Line::Checkpoint { text })?;
        }
        let mut log =
            pb::log_client::LogClient::new(channel.clone()).max_decoding_message_size(64 << 20);
        let mut proofs = Vec::new();
        let mut next = 1u64;
        while next <= size {
            let mut stream = log
                .read(pb::ReadRequest {
                    origin: origin.into(),
                    from_seq: next,
                    limit: 10_000,
                })
                .await?
                .into_inner();
            let before = next;
            while let Some(item) = stream.next().await {
                let raw = item?.raw;
                if next > size {
                    break;
                }
                let is_release = SignedEvent::decode(raw.clone())
                    .is_ok_and(|e| e.kind() == PayloadKind::RELEASE);
                if is_release || next == size {
                    proofs.push(next);
                }
                line(&Line::Event {
                    seq: next,
                    raw: b64.encode(&raw),
                })?;
                next += 1;
            }
            if next == before {
                bail!(
                    "the node served {} of the {size} events of its checkpoint",
                    next - 1
                );
            }
        }
        for seq in proofs {
            let reply = federation
                .proof(pb::ProofRequest {
                    origin: origin.into(),
                    size,
                    seq,
                    old_size: 0,
                })
                .await?
                .into_inner();
            line(&Line::Inclusion {
                seq,
                size,
                hashes: reply.hashes.iter().map(hex::encode).collect(),
            })?;
        }
        w.flush()?;
        println!(
            "wrote {} events of {origin_id}, its checkpoint and proofs to {}",
            size,
            out.display()
        );
        // Cosignatures are kept by the members who make them: an origin's own
        // node holds its checkpoint as it signed it.
        if size > 0 && !cosigned {
            println!(
                "the checkpoint carries no cosignature: each member keeps the cosignatures it makes of its peers' checkpoints, so a node holds its own checkpoint as it signed it; export through a peer (--node) for one its witness signed"
            );
        }
        Ok(())
    })
}

fn verify_bundle(context: &Context, file: &Path, federation: &Path) -> anyhow::Result<()> {
    let manifest = remedy_client::identity::load_manifest(federation)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let report = check_bundle(
        &text,
        &file.display().to_string(),
        manifest,
        &federation.display().to_string(),
    )?;
    match context.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        _ => print!("{}", render(&report)),
    }
    if !report.passed {
        bail!("{}", report.verdict);
    }
    Ok(())
}

/// Verifies the bundle `text` (read from the file shown as `file`) against the
/// trusted `manifest` (from the file shown as `federation`), offline: the report,
/// or an error for a bundle that cannot be read at all.
fn check_bundle(
    text: &str,
    file: &str,
    mut manifest: Manifest,
    federation: &str,
) -> anyhow::Result<Report> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let trusted_version = manifest.version();
    let trusted_text = manifest.to_text();
    // What the bundle itself gets wrong, besides the log (reported with it).
    let mut problems: Vec<String> = Vec::new();
    if let Err(e) = manifest.verify_starting_point() {
        problems.push(format!(
            "the trusted manifest {federation} does not carry its own quorum of signatures: {e}"
        ));
    }
    let mut origin: Option<MemberId> = None;
    let mut checkpoint: Option<SignedCheckpoint> = None;
    let mut events: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut inclusions = Vec::new();
    for (i, raw_line) in text.lines().enumerate() {
        let n = i + 1;
        let line: Line = serde_json::from_str(raw_line)
            .with_context(|| format!("{}:{n}: not a bundle line", file))?;
        match line {
            Line::Bundle {
                format,
                version,
                origin: o,
            } => {
                if format != BUNDLE_FORMAT || version != 1 {
                    bail!("{}:{n}: not a version 1 {BUNDLE_FORMAT}", file);
                }
                origin = Some(
                    MemberId::new(o.as_str()).map_err(|e| anyhow::anyhow!("{}:{n}: {e}", file))?,
                );
            }
            Line::Manifest { text } => {
                let next = Manifest::parse(&text)
                    .with_context(|| format!("{}:{n}: the manifest", file))?;
                if next.version() == trusted_version && next.to_text() != trusted_text {
                    problems.push(format!(
                        "{}:{n}: the bundle's manifest version {trusted_version} differs from the trusted {}",
                        file,
                        federation
                    ));
                }
                if next.version() == manifest.version() + 1 {
                    next.verify_successor(&manifest).with_context(|| {
                        format!(
                            "{}:{n}: manifest version {} does not follow version {}",
                            file,
                            next.version(),
                            manifest.version()
                        )
                    })?;
                    manifest = next;
                }
            }
            Line::Checkpoint { text } => {
                checkpoint =
                    Some(SignedCheckpoint::parse(&text).with_context(|| format!("{}:{n}", file))?);
            }
            Line::Event { seq, raw } => {
                let raw = b64
                    .decode(raw)
                    .with_context(|| format!("{}:{n}: event {seq} is not base64", file))?;
                if let Ok(event) = SignedEvent::decode(raw.clone())
                    && event.seq() != seq
                {
                    problems.push(format!(
                        "{}:{n}: the line says event {seq}, but the event is number {}",
                        file,
                        event.seq()
                    ));
                }
                events.push((seq, raw));
            }
            Line::Inclusion { seq, size, hashes } => inclusions.push((seq, size, hashes)),
        }
    }
    let origin = origin.context("the bundle has no header line")?;
    let Some(checkpoint) = checkpoint else {
        // An origin with no event at the exporting node: nothing is signed, so
        // nothing can be verified but that the bundle claims no more.
        if !events.is_empty() || !inclusions.is_empty() {
            bail!("the bundle has events but no checkpoint to verify them against");
        }
        manifest
            .member(&origin)
            .with_context(|| format!("{origin} is not in {federation}"))?;
        let passed = problems.is_empty();
        return Ok(Report {
            node: format!("bundle {file}"),
            manifest: format!("version {} ({federation})", manifest.version()),
            verdict: match passed {
                true => format!(
                    "PASS: no events of {origin}: the node it was exported from held none (an empty log has no checkpoint; `remedy audit verify` against the members' nodes shows whether any holds more)"
                ),
                false => format!("FAIL: {}", problems.join("; ")),
            },
            passed,
            ..Report::default()
        });
    };
    let keys = manifest
        .member(&origin)
        .with_context(|| format!("{origin} is not in {}", federation))?
        .key_history()?;
    let mut o = OriginReport {
        origin: origin.to_string(),
        keys: key_lines(&keys),
        ..OriginReport::default()
    };
    let size = checkpoint.checkpoint.size;
    o.checkpoint_size = size;
    let line =
        remedy_core::checkpoint::origin_line(&manifest.body.federation.name, origin.as_str());
    if checkpoint.checkpoint.origin != line {
        o.problems.push(format!(
            "{origin}: the checkpoint is of the log {:?}, not {line:?}",
            checkpoint.checkpoint.origin
        ));
    }
    if !checkpoint.signed_by(&key_name(origin.as_str()), keys.key_for(size)) {
        o.problems.push(format!(
            "{origin}: the checkpoint of {size} events is not signed by the key {origin} signed event {size} with"
        ));
    }
    o.problems.append(&mut problems);
    for m in manifest.nodes().filter(|m| m.id != origin) {
        let Ok(k) = m.verifying_key() else { continue };
        let name = key_name(m.id.as_str());
        if checkpoint.cosigned_by(&name, &k).is_some() {
            o.cosignatures.push(m.id.to_string());
        } else if checkpoint.claims_cosignature(&name, &k) {
            o.problems.push(format!(
                "{origin}: the checkpoint carries a cosignature by {}'s key that does not verify (forged, or its time changed)",
                m.id
            ));
        }
    }
    if events.len() as u64 > size {
        o.problems.push(format!(
            "{origin}: the bundle holds {} events, beyond the checkpoint's {size}: events after it are not covered by any signature of the checkpoint",
            events.len()
        ));
    }
    let rules = manifest.body.policy.release_rules()?;
    let mut check = LogCheck::new(&origin, keys, vec![size], rules);
    check.max_payload = manifest.body.policy.max_event_bytes as usize;
    check.signers = remedy_core::statement::Signers::of(&manifest);
    let mut chain = Ok(());
    for (seq, raw) in &events {
        if let Err(e) = check.push(raw.clone(), size) {
            chain = Err(e);
            break;
        }
        let _ = seq;
    }
    let roots = match chain.and_then(|()| check.finish(&mut o)) {
        Ok((roots, _)) => roots,
        Err(e) => {
            o.problems.push(e.to_string());
            BTreeMap::new()
        }
    };
    if o.problems.is_empty() {
        match roots.get(&size) {
            Some(root) if root == &checkpoint.checkpoint.root => {}
            Some(_) => o.problems.push(format!(
                "{origin}: the root of the events is not the checkpoint's"
            )),
            None => o.problems.push(format!(
                "{origin}: the bundle holds {} of the checkpoint's {size} events",
                o.events
            )),
        }
    }
    for (seq, proof_size, hashes) in &inclusions {
        let proof: Result<Vec<Hash>, _> = hashes
            .iter()
            .map(|h| {
                hex::decode(h)
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or(())
            })
            .collect();
        let event = events.iter().find(|(s, _)| s == seq).map(|(_, r)| r);
        let verified = match (proof, event) {
            (Ok(proof), Some(raw)) if *proof_size == size => {
                merkle::verify_inclusion(raw, seq - 1, size, &proof, &checkpoint.checkpoint.root)
                    .is_ok()
            }
            _ => false,
        };
        if !verified {
            o.problems.push(format!(
                "{origin}: the inclusion proof of event {seq} does not verify"
            ));
        }
    }
    // The proofs the format promises: the checkpoint's last event and every
    // release.
    let mut wanted: Vec<u64> = events
        .iter()
        .filter(|(seq, _)| *seq <= size)
        .filter(|(_, raw)| {
            SignedEvent::decode(raw.clone()).is_ok_and(|e| e.kind() == PayloadKind::RELEASE)
        })
        .map(|(seq, _)| *seq)
        .collect();
    if size > 0 {
        wanted.push(size);
    }
    for seq in wanted {
        if !inclusions.iter().any(|(s, _, _)| *s == seq) {
            o.problems.push(format!(
                "{origin}: the bundle has no inclusion proof of event {seq} ({})",
                if seq == size {
                    "the checkpoint's last event"
                } else {
                    "a statistics release"
                }
            ));
        }
    }
    o.consistency = format!("{} inclusion proofs checked", inclusions.len());
    let passed = o.problems.is_empty();
    let report = Report {
        node: format!("bundle {}", file),
        manifest: if manifest.version() > trusted_version {
            format!(
                "version {}, followed from the trusted version {trusted_version} through the bundle's signed versions",
                manifest.version()
            )
        } else {
            format!("version {} ({})", manifest.version(), federation)
        },
        verdict: if passed {
            format!(
                "PASS: {} events of {origin}, every signature, the chain, the Merkle root, the checkpoint and the proofs verified offline",
                o.events
            )
        } else {
            format!("FAIL: {} problems found", o.problems.len())
        },
        passed,
        origins: vec![o],
        ..Report::default()
    };
    Ok(report)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use remedy_core::SigningKey;
    use remedy_core::checkpoint::{Checkpoint, origin_line};
    use remedy_core::manifest::{Body, Federation, Member, Policy, Role};
    use remedy_core::payload::Note;

    /// A federation of KH alone, and a bundle of KH's 5 notes with its checkpoint
    /// and the proof of its last event.
    fn bundle() -> (Manifest, String) {
        let key = SigningKey::from_seed([5; 32]);
        let kh = MemberId::new("KH").unwrap();
        let mut manifest = Manifest::new(Body {
            federation: Federation {
                name: "pilot".into(),
                version: 1,
                previous: None,
            },
            policy: Policy::default(),
            members: vec![Member {
                id: kh.clone(),
                name: "KH agency".into(),
                role: Role::Node,
                public_key: hex::encode(key.verifying_key().as_bytes()),
                tls_fingerprint: "ab".repeat(32),
                endpoint: "127.0.0.1:7401".into(),
                retired_keys: Vec::new(),
            }],
        });
        manifest.sign(&kh, &key);
        let mut head = ChainHead::EMPTY;
        let mut raws = Vec::new();
        for seq in 1..=5 {
            let note = Note {
                text: format!("note {seq}"),
            };
            let e = SignedEvent::seal(
                &key,
                &kh,
                LogKind::Shared,
                seq,
                head.hash,
                0,
                &note.to_draft(),
            );
            head = ChainHead::of(&e);
            raws.push(e.into_raw());
        }
        let tree = merkle::MemoryTree::of(raws.iter().map(Vec::as_slice));
        let checkpoint = SignedCheckpoint::sign(
            Checkpoint {
                origin: origin_line("pilot", "KH"),
                size: 5,
                root: merkle::root(&tree, 5).unwrap(),
            },
            &key_name("KH"),
            &key,
        );
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut lines = vec![
            Line::Bundle {
                format: BUNDLE_FORMAT.into(),
                version: 1,
                origin: "KH".into(),
            },
            Line::Manifest {
                text: manifest.to_text(),
            },
            Line::Checkpoint {
                text: checkpoint.to_text(),
            },
        ];
        for (i, raw) in raws.iter().enumerate() {
            lines.push(Line::Event {
                seq: i as u64 + 1,
                raw: b64.encode(raw),
            });
        }
        lines.push(Line::Inclusion {
            seq: 5,
            size: 5,
            hashes: merkle::inclusion_proof(&tree, 4, 5)
                .unwrap()
                .iter()
                .map(hex::encode)
                .collect(),
        });
        let text = lines
            .iter()
            .map(|l| serde_json::to_string(l).unwrap() + "\n")
            .collect();
        (manifest, text)
    }

    fn check(text: &str, manifest: &Manifest) -> anyhow::Result<Report> {
        check_bundle(text, "kh.bundle", manifest.clone(), "federation.toml")
    }

    #[test]
    fn a_bundle_verifies_and_an_altered_event_fails_it() {
        let (manifest, text) = bundle();
        let report = check(&text, &manifest).unwrap();
        assert!(report.passed, "{}", render(&report));
        // Event 3 with one bit of its body flipped, still valid base64.
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let Line::Event { seq, raw } = serde_json::from_str(&lines[5]).unwrap() else {
            panic!("line 6 is event 3");
        };
        let mut raw = b64.decode(raw).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        lines[5] = serde_json::to_string(&Line::Event {
            seq,
            raw: b64.encode(&raw),
        })
        .unwrap();
        let report = check(&lines.join("\n"), &manifest).unwrap();
        assert!(!report.passed, "{}", render(&report));
    }

    /// Mutated bundles, as text and inside their events' bytes: refused or
    /// reported, never a panic.
    #[test]
    fn bundles_verify_without_panicking() {
        use rand::{Rng, SeedableRng};
        let (manifest, text) = bundle();
        let corpus = vec![text.clone().into_bytes()];
        remedy_core::fuzzing::fuzz("audit bundle", 11, &corpus, |bytes| {
            let _ = check(&String::from_utf8_lossy(bytes), &manifest);
        });
        // Inside the events: decode, mutate the event bytes, encode again.
        let b64 = base64::engine::general_purpose::STANDARD;
        let lines: Vec<&str> = text.lines().collect();
        let events: Vec<Vec<u8>> = lines[3..8]
            .iter()
            .map(|l| match serde_json::from_str(l).unwrap() {
                Line::Event { raw, .. } => b64.decode(raw).unwrap(),
                _ => panic!("not an event line"),
            })
            .collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
        for i in 0..remedy_core::fuzzing::iterations() / 10 {
            let at = rng.gen_range(0..events.len());
            let raw = remedy_core::fuzzing::mutate(&mut rng, &events[at], &events);
            let mut changed: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            changed[3 + at] = serde_json::to_string(&Line::Event {
                seq: at as u64 + 1,
                raw: b64.encode(&raw),
            })
            .unwrap();
            let report = std::panic::catch_unwind(|| check(&changed.join("\n"), &manifest));
            let report = report.unwrap_or_else(|_| {
                panic!(
                    "panicked at iteration {i} on event {}: {}",
                    at + 1,
                    hex::encode(&raw)
                )
            });
            if raw != events[at] {
                assert!(
                    !report.is_ok_and(|r| r.passed),
                    "a changed event {} passed: {}",
                    at + 1,
                    hex::encode(&raw)
                );
            }
        }
    }
}
