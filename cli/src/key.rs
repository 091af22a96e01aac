//! `remedy key replace|install`: a node member replaces its signing key through a
//! manifest change.
//!
//! The change names the last event of the member's shared log the old key signed,
//! so every verifier knows which key each event needs, and an event signed with the
//! old key after that one is rejected everywhere. The steps, with the node stopped
//! so its log cannot grow in between:
//!
//! 1. `key replace --out NEXT.toml`: a new key in `DIR/signing.key.next`, and the
//!    next manifest version retiring the old key after the log's last event, signed
//!    by this member with the old key.
//! 2. The other node members sign NEXT.toml (`remedy federation sign`).
//! 3. `key install NEXT.toml`: checks the signatures, puts the new key in place
//!    (the old one is kept as `signing.key.retired-<key id>` until the operator
//!    destroys it), and installs the manifest; the node then starts with the new key
//!    and its peers take the new version from it.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use remedy_client::config::NodeConfig;
use remedy_client::identity::{
    FEDERATION_FILE, MEMBER_FILE, SIGNING_KEY_FILE, load_manifest, load_member, save_manifest,
    save_member,
};
use remedy_client::keyfile::{load_signing_key, write_signing_key};
use remedy_core::SigningKey;
use remedy_core::manifest::{Manifest, RetiredKey};

use crate::client::Context;

/// Where the new key waits until it is installed.
const NEXT_KEY_FILE: &str = "signing.key.next";

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Make a new signing key and the next manifest version that retires the old one
    /// after the last event of this node's shared log. Stop the node first.
    Replace {
        /// Where to write the next manifest version (signed by this member).
        #[arg(long)]
        out: PathBuf,
    },
    /// Put the new key and the signed manifest version in place. The node must be
    /// stopped; start it afterwards.
    Install {
        /// The manifest version `key replace` wrote, signed by enough node members.
        manifest: PathBuf,
    },
}

pub fn run(context: &Context, command: Command) -> anyhow::Result<()> {
    let dir = context
        .dir
        .clone()
        .context("remedy key needs --dir DIR: the node member's identity folder")?;
    match command {
        Command::Replace { out } => replace(&dir, &out),
        Command::Install { manifest } => install(&dir, &manifest),
    }
}

/// The last sequence number of the node's own shared log, from
/// `remedy-node --dir DIR shared-head`, which opens the node's store (so only
/// while the node is stopped) and verifies its logs first.
fn shared_head(dir: &Path) -> anyhow::Result<u64> {
    let node = node_binary();
    let output = std::process::Command::new(&node)
        .arg("--dir")
        .arg(dir)
        .arg("shared-head")
        .env("REMEDY_LOG", "warn")
        .output()
        .with_context(|| format!("running {}", node.display()))?;
    if !output.status.success() {
        bail!(
            "{} --dir {} shared-head: {} (stop the node first: its log must not grow while its key changes)",
            node.display(),
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim()
        .parse()
        .with_context(|| format!("{} printed {text:?}, not a number", node.display()))
}

/// `remedy-node` beside this program when it is there (an installation or the
/// build folder), else the one on PATH.
fn node_binary() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|me| Some(me.parent()?.join("remedy-node")))
        .filter(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from("remedy-node"))
}

fn replace(dir: &Path, out: &Path) -> anyhow::Result<()> {
    let current = load_manifest(&dir.join(FEDERATION_FILE))?;
    let me = load_member(&dir.join(MEMBER_FILE))?;
    let old = load_signing_key(&NodeConfig::load(dir)?.key_path(dir))?;
    let entry = current
        .member(&me.id)
        .filter(|m| m.role == remedy_core::manifest::Role::Node)
        .with_context(|| format!("{} is not a node member of the federation", me.id))?;
    if entry.public_key != hex::encode(old.verifying_key().as_bytes()) {
        bail!(
            "{}: the signing key is not the one the manifest gives {}; a key change starts from the key in use",
            dir.display(),
            me.id
        );
    }
    let head = shared_head(dir)?;
    let next_path = dir.join(NEXT_KEY_FILE);
    let new = SigningKey::generate();
    write_signing_key(&next_path, &new).with_context(|| {
        format!(
            "a key change is under way: finish it with `remedy --dir {} key install`, or delete {} to start again",
            dir.display(),
            next_path.display()
        )
    })?;
    let mut body = current.body.clone();
    body.federation.version = current.version() + 1;
    body.federation.previous = Some(current.body_hash());
    let slot = body
        .members
        .iter_mut()
        .find(|m| m.id == me.id)
        .context("member vanished")?;
    slot.retired_keys.push(RetiredKey {
        public_key: slot.public_key.clone(),
        last_seq: head,
    });
    slot.public_key = hex::encode(new.verifying_key().as_bytes());
    let mut next = Manifest::parse(&Manifest::new(body).to_text())?;
    next.verify_successor(&current).or_else(|e| match e {
        // Only the other members' signatures are missing: expected at this step.
        remedy_core::manifest::ManifestError::NoQuorum { .. } => Ok(()),
        e => Err(e),
    })?;
    next.sign(&me.id, &old);
    save_manifest(out, &next)?;
    println!(
        "{}'s shared log ends at event {head}: version {} retires key {} after it; from event {} on, {} signs with key {} (in {}, mode 0600)",
        me.id,
        next.version(),
        old.key_id(),
        head + 1,
        me.id,
        new.key_id(),
        next_path.display()
    );
    let others: Vec<&str> = current
        .nodes()
        .filter(|m| m.id != me.id)
        .map(|m| m.id.as_str())
        .collect();
    println!(
        "next: {} of the node members sign {} (signed by {} already; others: {}) with `remedy --dir DIR federation sign {}`, then `remedy --dir {} key install {}` and start the node",
        current.body.policy.manifest_quorum,
        out.display(),
        me.id,
        others.join(", "),
        out.display(),
        dir.display(),
        out.display()
    );
    Ok(())
}

fn install(dir: &Path, path: &Path) -> anyhow::Result<()> {
    let current = load_manifest(&dir.join(FEDERATION_FILE))?;
    let next = load_manifest(path)?;
    next.verify_successor(&current)
        .with_context(|| format!("{} cannot replace the installed version", path.display()))?;
    let me = load_member(&dir.join(MEMBER_FILE))?;
    let next_path = dir.join(NEXT_KEY_FILE);
    let new = load_signing_key(&next_path).with_context(|| {
        format!(
            "no new key waiting: run `remedy --dir {} key replace` first",
            dir.display()
        )
    })?;
    let entry = next
        .member(&me.id)
        .with_context(|| format!("{} is not a member in {}", me.id, path.display()))?;
    if entry.public_key != hex::encode(new.verifying_key().as_bytes()) {
        bail!(
            "{} gives {} the key {}, not the new key in {}",
            path.display(),
            me.id,
            entry.public_key,
            next_path.display()
        );
    }
    let last_seq = entry.retired_keys.last().map_or(0, |r| r.last_seq);
    let head = shared_head(dir)?;
    if head != last_seq {
        bail!(
            "the key change retires the old key after event {last_seq}, but the shared log now ends at event {head}; delete {} and start again with `key replace`",
            next_path.display()
        );
    }
    let key_path = NodeConfig::load(dir)?.key_path(dir);
    let old = load_signing_key(&key_path)?;
    let retired = dir.join(format!("{SIGNING_KEY_FILE}.retired-{}", old.key_id()));
    std::fs::rename(&key_path, &retired)
        .with_context(|| format!("moving the old key to {}", retired.display()))?;
    std::fs::rename(&next_path, &key_path)
        .with_context(|| format!("moving the new key to {}", key_path.display()))?;
    save_member(&dir.join(MEMBER_FILE), entry)?;
    save_manifest(&dir.join(FEDERATION_FILE), &next)?;
    println!(
        "{} now signs with key {} under manifest version {}; start the node. The old key is in {}: destroy it (shred -u) once every node runs under version {}",
        me.id,
        new.key_id(),
        next.version(),
        retired.display(),
        next.version()
    );
    Ok(())
}
