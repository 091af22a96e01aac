//! `remedy federation assemble|sign|verify|bootstrap`: the co-signed manifest.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use remedy_client::identity::{
    FEDERATION_FILE, MEMBER_FILE, NewIdentity, SIGNING_KEY_FILE, create_identity, load_manifest,
    load_member, save_manifest,
};
use remedy_client::keyfile::load_signing_key;
use remedy_core::MemberId;
use remedy_core::controls::escape_line;
use remedy_core::manifest::{Body, Federation, Manifest, Policy, Quorum, Role};
use remedy_core::tables::Grain;

use crate::Format;
use crate::client::Context;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write an unsigned manifest from members' member.toml files.
    Assemble {
        /// Where to write the manifest.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        settings: Settings,
        /// The member.toml files of every member.
        #[arg(required = true)]
        members: Vec<PathBuf>,
    },
    /// Write the next version of a manifest: members added, replaced (a new key or
    /// certificate) or removed. The previous version's node members sign it.
    Amend {
        /// The current version.
        manifest: PathBuf,
        /// Where to write the next version (unsigned).
        #[arg(long)]
        out: PathBuf,
        /// member.toml of a member who joins.
        #[arg(long)]
        add: Vec<PathBuf>,
        /// member.toml that replaces the entry of the same id (a key change).
        #[arg(long)]
        replace: Vec<PathBuf>,
        /// Id of a member who leaves.
        #[arg(long)]
        remove: Vec<MemberId>,
    },
    /// Add this identity's signature (--dir) to a manifest.
    Sign {
        /// The manifest file; the signature is added to it in place.
        manifest: PathBuf,
    },
    /// Check a manifest's signatures against its policy, or against the version before it.
    Verify {
        /// The manifest file to check.
        manifest: PathBuf,
        /// The version this one replaces; its node members must have signed.
        #[arg(long)]
        previous: Option<PathBuf>,
    },
    /// Install the next manifest version on this identity's node (--dir, the
    /// operator's). The node checks it against the version it runs under, switches
    /// without a restart, and its peers take it from there.
    Apply {
        /// The next manifest version, signed by enough of the current version's node
        /// members.
        manifest: PathBuf,
    },
    /// Create identities for every party and a manifest signed by all, on one machine.
    Bootstrap {
        /// Folder to create the identity folders in (DIR/KH, DIR/ILO, ...).
        #[arg(long)]
        out: PathBuf,
        /// Node members, comma-separated country codes.
        #[arg(long, value_delimiter = ',', required = true)]
        members: Vec<MemberId>,
        /// Regional coordinators (read only).
        #[arg(long, value_delimiter = ',')]
        coordinator: Vec<MemberId>,
        /// Auditors (read only).
        #[arg(long, value_delimiter = ',')]
        auditor: Vec<MemberId>,
        /// First node port; nodes get PORT, PORT+1, ...
        #[arg(long, default_value_t = 7401)]
        base_port: u16,
        /// The host of every node's endpoint: an address, or a name the nodes and
        /// clients resolve when they connect (a node with a name listens on every
        /// interface).
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        #[command(flatten)]
        settings: Settings,
    },
}

/// The manifest's name and policy.
#[derive(Debug, clap::Args)]
pub struct Settings {
    /// The federation's name.
    #[arg(long, default_value = "remedy-net")]
    name: String,
    /// Smallest count a release may publish.
    #[arg(long, default_value_t = 5)]
    min_threshold: u32,
    /// Privacy budget (ε) per member and calendar quarter.
    #[arg(long, default_value_t = 1.0)]
    epsilon_cap: f64,
    /// The one length of period every member publishes: quarter, month or year.
    /// One grain only, so that no published period can be subtracted from one
    /// that contains it; the regional view sums quarters into years.
    #[arg(long, default_value = "quarter", value_parser = parse_grain)]
    grain: Grain,
    /// The largest payload one event of a shared log may carry, in bytes (65536
    /// to 1048576).
    #[arg(long, default_value_t = 1 << 20)]
    max_event_bytes: u32,
    /// The most a noised release's case total may be off (its standard error
    /// relative to the true count, in percent, 1 to 100) before `remedy publish
    /// --epsilon` asks for --accept-noise.
    #[arg(long, default_value_t = 10)]
    max_noise_rse_percent: u32,
    /// The least width every suppressed figure's protection interval must have
    /// (a protection level); 0 asks only that none be one value or inside
    /// 1..K-1.
    #[arg(long, default_value_t = 0)]
    protection_width: u32,
    /// Who must endorse a work-plan item: all, majority or a count.
    #[arg(long, default_value = "all", value_parser = parse_quorum)]
    workplan_quorum: Quorum,
    /// Which node members must sign a manifest change: all, majority or a count.
    #[arg(long, default_value = "all", value_parser = parse_quorum)]
    manifest_quorum: Quorum,
}

fn parse_grain(text: &str) -> Result<Grain, String> {
    match text {
        "quarter" => Ok(Grain::Quarter),
        "month" => Ok(Grain::Month),
        "year" => Ok(Grain::Year),
        _ => Err(format!("{text:?}: expected quarter, month or year")),
    }
}

fn parse_quorum(text: &str) -> Result<Quorum, String> {
    match text {
        "all" => Ok(Quorum::All),
        "majority" => Ok(Quorum::Majority),
        n => match n.parse::<u32>() {
            Ok(k) if k > 0 => Ok(Quorum::AtLeast(k)),
            _ => Err(format!(
                "{text:?}: expected all, majority or a count of at least 1"
            )),
        },
    }
}

impl Settings {
    fn body(&self, members: Vec<remedy_core::manifest::Member>) -> Body {
        Body {
            federation: Federation {
                name: self.name.clone(),
                version: 1,
                previous: None,
            },
            policy: Policy {
                min_threshold: self.min_threshold,
                epsilon_cap: self.epsilon_cap,
                grain: self.grain,
                max_event_bytes: self.max_event_bytes,
                max_noise_rse_percent: self.max_noise_rse_percent,
                protection_width: self.protection_width,
                workplan_quorum: self.workplan_quorum,
                manifest_quorum: self.manifest_quorum,
            },
            members,
        }
    }
}

pub fn run(context: &Context, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Apply { manifest } => {
            let text = std::fs::read_to_string(&manifest)
                .with_context(|| format!("cannot read {}", manifest.display()))?;
            // Checked here too, so a mistake is named with the file before the node sees it.
            Manifest::parse(&text).with_context(|| manifest.display().to_string())?;
            let (runtime, channel) = context.connect()?;
            let reply = runtime
                .block_on(
                    remedy_proto::v1::admin_client::AdminClient::new(channel)
                        .apply_manifest(remedy_proto::v1::ApplyManifestRequest { text }),
                )
                .with_context(|| format!("the node refused {}", manifest.display()))?
                .into_inner();
            println!("the node now runs under manifest version {}", reply.version);
            Ok(())
        }
        Command::Assemble {
            out,
            settings,
            members,
        } => {
            let members = members
                .iter()
                .map(|p| load_member(p))
                .collect::<Result<Vec<_>, _>>()?;
            let manifest = checked(Manifest::new(settings.body(members)))?;
            save_manifest(&out, &manifest)?;
            println!(
                "wrote {} with {} members; each node member signs it with `remedy --dir DIR federation sign {}`",
                out.display(),
                manifest.body.members.len(),
                out.display()
            );
            Ok(())
        }
        Command::Amend {
            manifest,
            out,
            add,
            replace,
            remove,
        } => amend(&manifest, &out, &add, &replace, &remove),
        Command::Sign { manifest: path } => {
            let dir = context
                .dir
                .clone()
                .context("remedy federation sign needs --dir DIR: the signer's identity folder")?;
            sign(&dir, &path)
        }
        Command::Verify { manifest, previous } => verify(context, &manifest, previous.as_deref()),
        Command::Bootstrap {
            out,
            members,
            coordinator,
            auditor,
            base_port,
            host,
            settings,
        } => bootstrap(
            &out,
            &members,
            &coordinator,
            &auditor,
            (&host, base_port),
            &settings,
        ),
    }
}

/// A freshly written manifest re-read through the parser, so what is saved is
/// exactly what every reader will check.
fn checked(manifest: Manifest) -> anyhow::Result<Manifest> {
    Ok(Manifest::parse(&manifest.to_text())?)
}

fn amend(
    path: &Path,
    out: &Path,
    add: &[PathBuf],
    replace: &[PathBuf],
    remove: &[MemberId],
) -> anyhow::Result<()> {
    let current = load_manifest(path)?;
    let mut body = current.body.clone();
    for p in add {
        let member = load_member(p)?;
        if body.members.iter().any(|m| m.id == member.id) {
            bail!(
                "{}: {} is already a member; use --replace to change its entry",
                p.display(),
                member.id
            );
        }
        body.members.push(member);
    }
    for p in replace {
        let member = load_member(p)?;
        let slot = body
            .members
            .iter_mut()
            .find(|m| m.id == member.id)
            .with_context(|| {
                format!("{}: {} is not a member; use --add", p.display(), member.id)
            })?;
        *slot = member;
    }
    for id in remove {
        let before = body.members.len();
        body.members.retain(|m| &m.id != id);
        if body.members.len() == before {
            bail!("--remove {id}: not a member of {}", path.display());
        }
    }
    body.federation.version = current.version() + 1;
    body.federation.previous = Some(current.body_hash());
    let next = checked(Manifest::new(body))?;
    save_manifest(out, &next)?;
    let signers: Vec<&str> = current.nodes().map(|m| m.id.as_str()).collect();
    println!(
        "wrote version {} to {}; it takes effect once {} of the current node members ({}) sign it",
        next.version(),
        out.display(),
        current.body.policy.manifest_quorum,
        signers.join(", ")
    );
    if !add.is_empty() {
        println!(
            "a node member who joins signs it too: its node starts from this version and checks it against this version's own quorum"
        );
    }
    Ok(())
}

fn sign(dir: &Path, path: &Path) -> anyhow::Result<()> {
    let me = load_member(&dir.join(MEMBER_FILE))?;
    // A node folder may keep its key elsewhere (`key` in node.toml).
    let key_path = match remedy_client::config::NodeConfig::load(dir) {
        Ok(config) => config.key_path(dir),
        Err(_) => dir.join(SIGNING_KEY_FILE),
    };
    let key = load_signing_key(&key_path)?;
    if hex::encode(key.verifying_key().as_bytes()) != me.public_key {
        bail!(
            "{}: the signing key does not match member.toml's public key",
            dir.display()
        );
    }
    let mut manifest = load_manifest(path)?;
    if manifest.version() == 1 && manifest.nodes().all(|m| m.id != me.id) {
        bail!(
            "{} is not a node member of {}; only node members sign the manifest",
            me.id,
            path.display()
        );
    }
    manifest.sign(&me.id, &key);
    save_manifest(path, &manifest)?;
    println!(
        "{} signed {} (version {}, {} signatures)",
        me.id,
        path.display(),
        manifest.version(),
        manifest.signatures.len()
    );
    Ok(())
}

fn verify(context: &Context, path: &Path, previous: Option<&Path>) -> anyhow::Result<()> {
    let manifest = load_manifest(path)?;
    let result = match previous {
        Some(prev) => manifest.verify_successor(&load_manifest(prev)?),
        None if manifest.version() > 1 => bail!(
            "{} is version {}: a later version is checked against the one before it; pass --previous FILE with version {}",
            path.display(),
            manifest.version(),
            manifest.version() - 1
        ),
        None => manifest.verify_genesis(),
    };
    let signers: Vec<String> = manifest
        .signatures
        .iter()
        .map(|s| s.member.to_string())
        .collect();
    match context.format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "federation": manifest.body.federation.name,
                "version": manifest.version(),
                "body_sha256": manifest.body_hash(),
                "members": manifest.body.members.iter().map(|m| serde_json::json!({"id": m.id.to_string(), "role": m.role.to_string(), "name": m.name})).collect::<Vec<_>>(),
                "signers": signers,
                "verdict": if result.is_ok() { "valid" } else { "invalid" },
                "error": result.as_ref().err().map(|e| e.to_string()),
            })
        ),
        _ => {
            let f = &manifest.body.federation;
            let p = &manifest.body.policy;
            println!(
                "federation {:?}, version {}, body sha256 {}",
                f.name,
                f.version,
                manifest.body_hash()
            );
            println!(
                "policy: min threshold {}, releases per {}, epsilon cap {} per member and calendar quarter, events up to {} bytes, noised case totals within {}% unless accepted, protection width {}, work-plan quorum {}, manifest quorum {}",
                p.min_threshold,
                p.grain,
                p.epsilon_cap,
                p.max_event_bytes,
                p.max_noise_rse_percent,
                p.protection_width,
                p.workplan_quorum,
                p.manifest_quorum
            );
            for m in &manifest.body.members {
                let signed = if signers.contains(&m.id.to_string()) {
                    "signed"
                } else {
                    ""
                };
                // What a signer reviews: a name or endpoint holding escape
                // sequences is shown escaped, never run by the terminal.
                println!(
                    "  {:<6} {:<12} {:<22} {:<40} {signed}",
                    m.id.as_str(),
                    m.role.to_string(),
                    escape_line(&m.endpoint),
                    escape_line(&m.name)
                );
            }
        }
    }
    match result {
        Ok(()) => {
            if context.format == Format::Table {
                println!("valid: signed by {}", signers.join(", "));
            }
            Ok(())
        }
        Err(e) => Err(anyhow::anyhow!("{}: invalid: {e}", path.display())),
    }
}

fn bootstrap(
    out: &Path,
    nodes: &[MemberId],
    coordinators: &[MemberId],
    auditors: &[MemberId],
    (host, base_port): (&str, u16),
    settings: &Settings,
) -> anyhow::Result<()> {
    let mut parties: Vec<(MemberId, Role)> =
        nodes.iter().map(|m| (m.clone(), Role::Node)).collect();
    parties.extend(coordinators.iter().map(|m| (m.clone(), Role::Coordinator)));
    parties.extend(auditors.iter().map(|m| (m.clone(), Role::Auditor)));
    let mut members = Vec::new();
    let mut port = base_port;
    for (id, role) in &parties {
        if members
            .iter()
            .any(|m: &remedy_core::manifest::Member| &m.id == id)
        {
            bail!("{id} is named twice");
        }
        let endpoint = if *role == Role::Node {
            port = port
                .checked_add(1)
                .context("--base-port leaves no room for every node")?;
            format!("{host}:{}", port - 1)
        } else {
            String::new()
        };
        let name = format!("{id} {role}");
        let member = create_identity(
            &out.join(id.as_str()),
            &NewIdentity {
                id: id.clone(),
                name,
                role: *role,
                endpoint,
            },
        )?;
        members.push(member);
    }
    let mut manifest = checked(Manifest::new(settings.body(members)))?;
    for id in nodes {
        let key = load_signing_key(&out.join(id.as_str()).join(SIGNING_KEY_FILE))?;
        manifest.sign(id, &key);
    }
    manifest.verify_genesis()?;
    for (id, _) in &parties {
        save_manifest(&out.join(id.as_str()).join(FEDERATION_FILE), &manifest)?;
    }
    println!(
        "bootstrapped {} parties in {} (nodes on {host}:{base_port} upwards); manifest signed by {}",
        parties.len(),
        out.display(),
        nodes
            .iter()
            .map(|m| m.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
