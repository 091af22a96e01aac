//! Replication figures: a node catching up a peer's log, and the delay from one
//! append to the event being served by every other node of four.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use remedy_core::LogKind;
use remedy_tests::federation::{
    append_notes, channel_as, heights, start_all, wait_connected, wait_heights,
};
use remedy_tests::{NodeDir, bootstrap};

use super::PAYLOAD;

/// Events per second for a fresh node to catch up `n` events of a peer's log, from
/// the moment its process is started until it holds them all (node start, about
/// 30 ms, included).
pub async fn catch_up(dir: &Path, n: u64) -> anyhow::Result<f64> {
    let fed = dir.join("fed");
    bootstrap(&fed, "KH,VN", &[])?;
    let kh_dir = NodeDir::open(&fed.join("KH"))?;
    let _kh = kh_dir.start().await?;
    let kh = channel_as(&kh_dir.dir, None).await?;
    append_notes(kh.clone(), LogKind::Shared, 1, n, PAYLOAD).await?;
    let vn_dir = NodeDir::open(&fed.join("VN"))?;
    let started = Instant::now();
    let _vn = vn_dir.start().await?;
    let vn = channel_as(&vn_dir.dir, None).await?;
    loop {
        if heights(vn.clone()).await?.get("KH").copied().unwrap_or(0) >= n {
            break;
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("VN did not catch up {n} events within 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// Milliseconds from the start of one `Append` at KH until each of ID, VN and JP
/// serves the event, measured `samples` times: the observer follows KH's log at
/// each of them (as the coordinator) and timestamps arrivals. Returns the median
/// and the 90th percentile.
pub async fn propagation(dir: &Path, samples: u64) -> anyhow::Result<(f64, f64)> {
    let fed = dir.join("fed");
    bootstrap(&fed, "KH,ID,VN,JP", &["--coordinator", "ILO"])?;
    let started = start_all(&fed, &["KH", "ID", "VN", "JP"]).await?;
    wait_connected(&started.channels, Duration::from_secs(30)).await?;
    // Warm up every path once.
    append_notes(
        started.channels["KH"].clone(),
        LogKind::Shared,
        0,
        1,
        PAYLOAD,
    )
    .await?;
    wait_heights(
        &started.channels,
        &[("KH".to_string(), 1)].into(),
        Duration::from_secs(30),
    )
    .await?;
    let mut delays = super::wan::propagation_samples(
        &fed,
        &started,
        "KH",
        &["ID", "VN", "JP"],
        samples as usize,
        0,
    )
    .await?;
    delays.sort_by(f64::total_cmp);
    let median = delays[delays.len() / 2];
    let p90 = delays[(delays.len() * 9 / 10).min(delays.len() - 1)];
    Ok((median, p90))
}
