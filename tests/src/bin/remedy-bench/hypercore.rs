//! Hypercore (the Holepunch signed append-only log) measured side by side: the
//! benchmark installs it from npm into `target/hypercore-bench/` (outside the
//! crates) and runs `hypercore.mjs` there with Node.js, in the same run as our own
//! figures.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

const SCRIPT: &str = include_str!("hypercore.mjs");
/// The major version compared against; npm picks its newest release.
const PACKAGE: &str = r#"{ "name": "remedy-bench-hypercore", "private": true, "type": "module", "dependencies": { "hypercore": "^11" } }"#;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Figures {
    pub version: String,
    pub node: String,
    pub batched_per_s: f64,
    pub single_per_s: f64,
    pub replicate_per_s: f64,
    pub bytes_per_entry: f64,
}

/// Installs Hypercore once (npm), then returns the folder holding the script.
pub fn install() -> anyhow::Result<PathBuf> {
    let folder = PathBuf::from("target/hypercore-bench");
    std::fs::create_dir_all(&folder)?;
    std::fs::write(folder.join("package.json"), PACKAGE)?;
    std::fs::write(folder.join("hypercore.mjs"), SCRIPT)?;
    if !folder.join("node_modules/hypercore").exists() {
        eprintln!("  installing hypercore from npm into {}", folder.display());
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent"])
            .current_dir(&folder)
            .status()
            .context("running npm (install Node.js and npm: apt-get install nodejs npm)")?;
        if !status.success() {
            bail!("npm install hypercore failed in {}", folder.display());
        }
    }
    Ok(folder)
}

/// One run of the Hypercore side: `entries` entries of `entry_bytes`, single
/// appends for `seconds`.
pub fn run(
    folder: &Path,
    work: &Path,
    entries: u64,
    entry_bytes: usize,
    seconds: f64,
) -> anyhow::Result<Figures> {
    std::fs::create_dir_all(work)?;
    let work = std::fs::canonicalize(work)?;
    let output = Command::new("node")
        .arg("hypercore.mjs")
        .arg(&work)
        .arg(entries.to_string())
        .arg(entry_bytes.to_string())
        .arg(seconds.to_string())
        .current_dir(folder)
        .output()
        .context("running node")?;
    if !output.status.success() {
        bail!(
            "the Hypercore benchmark failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    serde_json::from_slice(&output.stdout).context("the Hypercore benchmark's output")
}
