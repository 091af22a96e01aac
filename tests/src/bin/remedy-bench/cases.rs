//! Case import figures: a synthetic register through the CLI and the node.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use remedy_tests::{NodeDir, binary, path_arg};

/// Rows per second for `remedy cases import` of `rows` synthetic rows into a fresh
/// node, end to end (CLI reading and checking, gRPC, node checking, durable
/// commit), and the node's peak resident memory in MiB.
pub async fn import(dir: &Path, rows: u64) -> anyhow::Result<(f64, f64)> {
    std::fs::create_dir_all(dir)?;
    let file = dir.join("cases.csv");
    let generated = Command::new(binary("remedy"))
        .args([
            "cases",
            "generate",
            "--member",
            "KH",
            "--count",
            &rows.to_string(),
            "--seed",
            "1",
        ])
        .output()?;
    if !generated.status.success() {
        bail!(
            "cases generate failed: {}",
            String::from_utf8_lossy(&generated.stderr)
        );
    }
    std::fs::write(&file, &generated.stdout)?;
    let node_dir = NodeDir::create(&dir.join("KH"), "KH")?;
    let node = node_dir.start().await?;
    let started = Instant::now();
    let out = Command::new(binary("remedy"))
        .args([
            "--dir",
            path_arg(&node_dir.dir),
            "cases",
            "import",
            path_arg(&file),
        ])
        .output()?;
    let elapsed = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "cases import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let status = std::fs::read_to_string(format!("/proc/{}/status", node.pid()))?;
    let peak_kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .context("no VmHWM in /proc status")?
        .parse()?;
    std::fs::remove_file(&file).ok();
    Ok((rows as f64 / elapsed, peak_kib / 1024.0))
}
