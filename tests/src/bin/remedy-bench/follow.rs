//! A node under many follow streams of large events (issue 17): KH holds a
//! shared log of 1 MB notes; 50 follow streams are opened on it, half reading
//! as fast as they can (from the start again once caught up), half opening
//! their stream and never reading, either all as one member (an attacker with
//! VN's key: the node serves `MAX_FOLLOWS_PER_CALLER` of them) or one each as
//! 50 members (a large federation). Meanwhile the node's resident memory is
//! sampled and its `Federation.Status` answer timed, on a connection of its own.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use remedy_core::LogKind;
use remedy_proto::v1 as pb;
use remedy_tests::federation::channel_as;
use remedy_tests::{NodeDir, append_request, bootstrap, note_draft};

/// What the load did to the node.
#[derive(Debug, Clone)]
pub struct FollowFigures {
    pub streams: usize,
    /// Whether each stream came from a member of its own.
    pub distinct: bool,
    /// Streams the node refused (RESOURCE_EXHAUSTED).
    pub refused: u64,
    pub events: u64,
    pub event_bytes: usize,
    pub seconds: f64,
    pub rss_before_mib: f64,
    pub rss_peak_mib: f64,
    pub status_p50_ms: f64,
    pub status_p99_ms: f64,
    pub status_max_ms: f64,
    pub status_samples: usize,
    /// Bytes of pages the reading streams received.
    pub streamed_mib: f64,
}

/// `streams` follow streams (half reading, half stalled) on a log of `events`
/// notes of `event_bytes` each, for `seconds`: as one member, or (`distinct`)
/// each as a member of its own.
pub async fn load(
    dir: &Path,
    streams: usize,
    distinct: bool,
    events: u64,
    event_bytes: usize,
    seconds: f64,
) -> anyhow::Result<FollowFigures> {
    use prost::Message as _;
    let fed = dir.join("fed");
    let followers: Vec<String> = match distinct {
        true => (1..=streams).map(|i| format!("F{i:03}")).collect(),
        false => vec!["VN".to_string()],
    };
    bootstrap(&fed, &format!("KH,{}", followers.join(",")), &[])?;
    let kh = NodeDir::open(&fed.join("KH"))?;
    let running = kh.start().await?;
    let operator = channel_as(&kh.dir, None).await?;
    let mut admin = pb::admin_client::AdminClient::new(operator.clone());
    for i in 1..=events {
        admin
            .append(append_request(
                LogKind::Shared,
                vec![note_draft(i, event_bytes)],
            ))
            .await?;
    }
    let rss_before = running.rss_bytes()? as f64 / (1 << 20) as f64;
    let streamed = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let mut readers = tokio::task::JoinSet::new();
    let mut stalled = Vec::new();
    for i in 0..streams {
        // One connection each.
        let member = &followers[i % followers.len()];
        let channel = channel_as(&fed.join(member), Some(kh.addr)).await?;
        let request = pb::FollowRequest {
            from: vec![pb::Position {
                origin: "KH".into(),
                next_seq: 1,
            }],
        };
        if i % 2 == 1 {
            // Opened, never read: the node must not buffer for it without bound.
            match pb::log_client::LogClient::new(channel)
                .follow(request)
                .await
            {
                Ok(stream) => stalled.push(stream.into_inner()),
                Err(s) if s.code() == tonic::Code::ResourceExhausted => {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
                Err(s) => return Err(s.into()),
            }
            continue;
        }
        let (streamed, refused) = (streamed.clone(), refused.clone());
        readers.spawn(async move {
            loop {
                let answer = match pb::log_client::LogClient::new(channel.clone())
                    .follow(request.clone())
                    .await
                {
                    Ok(answer) => answer,
                    Err(s) => {
                        if s.code() == tonic::Code::ResourceExhausted {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                        return;
                    }
                };
                let mut pages = answer.into_inner();
                let mut held = 0u64;
                while let Ok(Some(page)) = pages.message().await {
                    streamed.fetch_add(page.encoded_len() as u64, Ordering::Relaxed);
                    held += page.events.len() as u64;
                    if held >= events {
                        break; // caught up: from the start again
                    }
                }
            }
        });
    }
    let started = Instant::now();
    let mut status_ms = Vec::new();
    let mut rss_peak = rss_before;
    let mut federation = pb::federation_client::FederationClient::new(operator);
    while started.elapsed().as_secs_f64() < seconds {
        let asked = Instant::now();
        federation.status(pb::StatusRequest {}).await?;
        status_ms.push(asked.elapsed().as_secs_f64() * 1000.0);
        rss_peak = rss_peak.max(running.rss_bytes()? as f64 / (1 << 20) as f64);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    readers.abort_all();
    drop(stalled);
    status_ms.sort_by(f64::total_cmp);
    let at = |q: f64| status_ms[((status_ms.len() - 1) as f64 * q).round() as usize];
    Ok(FollowFigures {
        streams,
        distinct,
        refused: refused.load(Ordering::Relaxed),
        events,
        event_bytes,
        seconds: elapsed,
        rss_before_mib: rss_before,
        rss_peak_mib: rss_peak,
        status_p50_ms: at(0.5),
        status_p99_ms: at(0.99),
        status_max_ms: at(1.0),
        status_samples: status_ms.len(),
        streamed_mib: streamed.load(Ordering::Relaxed) as f64 / (1 << 20) as f64,
    })
}

/// The rows for BENCHMARKS.md.
pub fn table(s: &mut String, f: &FollowFigures) {
    use std::fmt::Write as _;
    let _ = writeln!(
        s,
        "KH's shared log holds {} notes of {} bytes; {} connections {} open a follow stream on it, half reading as fast as they can (from the start again when caught up), half never reading; the node refused {} of them (RESOURCE_EXHAUSTED: at most {} per caller). Sampled every 50 ms for {:.0} s: the node's resident memory, and `Federation.Status` on a connection of its own ({} calls). The readers received {:.0} MiB of pages meanwhile.\n",
        f.events,
        f.event_bytes,
        f.streams,
        if f.distinct {
            "each as a member of its own (a federation of 51)"
        } else {
            "all as one member, VN (an attacker with VN's key)"
        },
        f.refused,
        remedy_node::grpc::MAX_FOLLOWS_PER_CALLER,
        f.seconds,
        f.status_samples,
        f.streamed_mib
    );
    let _ = writeln!(
        s,
        "| figure | value | target |\n|---|---:|---|\n| resident memory before the streams | {:.0} MiB | — |\n| resident memory, peak under the streams | {:.0} MiB | < 200 MiB |\n| `Status` answer time, median | {:.1} ms | — |\n| `Status` answer time, 99th percentile | {:.1} ms | < 100 ms |\n| `Status` answer time, slowest | {:.1} ms | — |",
        f.rss_before_mib, f.rss_peak_mib, f.status_p50_ms, f.status_p99_ms, f.status_max_ms
    );
}
