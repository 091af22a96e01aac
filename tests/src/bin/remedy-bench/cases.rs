//! Case import figures: a synthetic register through the CLI and the node.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use remedy_tests::{NodeDir, binary, path_arg};

/// What the case benchmark measured.
pub struct CaseFigures {
    /// `remedy cases import` rows per second, end to end (CLI reading and checking,
    /// gRPC, node checking, durable commit).
    pub import_rate: f64,
    /// The node's peak resident memory during the import, MiB.
    pub import_peak_mib: f64,
    /// Seconds for `remedy publish --period 2024-Q3` over those cases.
    pub publish_seconds: f64,
}

/// A synthetic register of `rows` rows (`remedy cases generate`).
fn generate(rows: u64, seed: u64) -> anyhow::Result<Vec<u8>> {
    let generated = Command::new(binary("remedy"))
        .args([
            "cases",
            "generate",
            "--member",
            "KH",
            "--count",
            &rows.to_string(),
            "--seed",
            &seed.to_string(),
        ])
        .output()?;
    if !generated.status.success() {
        bail!(
            "cases generate failed: {}",
            String::from_utf8_lossy(&generated.stderr)
        );
    }
    Ok(generated.stdout)
}

/// Imports `rows` synthetic rows into a fresh node, then publishes a quarter.
pub async fn import_and_publish(dir: &Path, rows: u64) -> anyhow::Result<CaseFigures> {
    std::fs::create_dir_all(dir)?;
    let file = dir.join("cases.csv");
    std::fs::write(&file, generate(rows, 1)?)?;
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
    let started = Instant::now();
    let out = Command::new(binary("remedy"))
        .args([
            "--dir",
            path_arg(&node_dir.dir),
            "publish",
            "--period",
            "2024-Q3",
        ])
        .output()?;
    let publish_seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("publish failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(CaseFigures {
        import_rate: rows as f64 / elapsed,
        import_peak_mib: peak_kib / 1024.0,
        publish_seconds,
    })
}

/// The same synthetic register imported as CSV and as an `.xlsx` workbook
/// (every cell text, as a register kept in Excel holds it), each into a fresh
/// node, end to end: rows per second of each.
pub async fn csv_and_xlsx(dir: &Path, rows: u64) -> anyhow::Result<(f64, f64)> {
    std::fs::create_dir_all(dir)?;
    let register = generate(rows, 2)?;
    let csv_file = dir.join("cases.csv");
    std::fs::write(&csv_file, &register)?;
    let xlsx_file = dir.join("cases.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(register.as_slice());
    for (r, record) in reader.records().enumerate() {
        for (c, field) in record?.iter().enumerate() {
            if !field.is_empty() {
                sheet.write_string(r as u32, c as u16, field)?;
            }
        }
    }
    book.save(&xlsx_file)?;
    let mut rates = Vec::new();
    for (name, file) in [("CSV", &csv_file), ("XLSX", &xlsx_file)] {
        let node_dir = NodeDir::create(&dir.join(name), "KH")?;
        let _node = node_dir.start().await?;
        let started = Instant::now();
        let out = Command::new(binary("remedy"))
            .args([
                "--dir",
                path_arg(&node_dir.dir),
                "cases",
                "import",
                path_arg(file),
            ])
            .output()?;
        let elapsed = started.elapsed().as_secs_f64();
        if !out.status.success() {
            bail!(
                "cases import of {name} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        rates.push(rows as f64 / elapsed);
    }
    Ok((rates[0], rates[1]))
}
