//! A federation of N members on one machine, as N `remedy-node` processes over
//! mutual TLS on loopback, each following its peers in `remedy_core::topology`:
//! how long until an event published by one member is held by all N, the bytes of
//! replication pages each member sends per event, and each node's memory.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use remedy_core::LogKind;
use remedy_proto::v1 as pb;
use remedy_tests::federation::{channel_as, wait_connected};
use remedy_tests::{NodeDir, bootstrap, free_port_block};

use super::PAYLOAD;

#[derive(Debug, Clone, Default)]
pub struct ScaleFigures {
    /// Links each node follows (the topology's degree, the largest).
    pub degree: usize,
    /// Until every member holds the event: median and largest over the samples.
    pub propagation_median_ms: f64,
    pub propagation_max_ms: f64,
    /// Replication bytes each member sent per event published, on average.
    pub sent_bytes_per_member_per_event: f64,
    /// Over the WAN: every byte each member sent through its links per
    /// event (TLS records, HTTP/2, keepalives), on average.
    pub wire_bytes_per_member_per_event: f64,
    pub rss_max_mib: f64,
    pub rss_median_mib: f64,
}

/// `GET /metrics` of a node and the value of `name`.
async fn metric(addr: std::net::SocketAddr, name: &str) -> anyhow::Result<f64> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    tcp.write_all(b"GET /metrics HTTP/1.0\r\nHost: bench\r\n\r\n")
        .await?;
    let mut text = String::new();
    tcp.read_to_string(&mut text).await?;
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .with_context(|| format!("no {name} at {addr}"))
}

/// The site of the region member `i` (of a large federation) sits at: the
/// seven sites in turn.
fn site_of(i: usize) -> &'static remedy_tests::wan::Site {
    &remedy_tests::wan::REGION[i % remedy_tests::wan::REGION.len()]
}

pub async fn federation(dir: &Path, n: usize, samples: usize) -> anyhow::Result<ScaleFigures> {
    federation_over(dir, n, samples, false).await
}

/// With `over_wan`, each member sits at one of the region's sites in turn
/// (M01 in Phnom Penh, M02 in Jakarta, ...), each link it follows delayed by
/// the round trip between the two sites (20 ms within one) and its uplink the
/// site's; the bytes sent then also count what each member sent through the
/// links (TLS, HTTP/2 and all).
pub async fn federation_over(
    dir: &Path,
    n: usize,
    samples: usize,
    over_wan: bool,
) -> anyhow::Result<ScaleFigures> {
    let ids: Vec<String> = (1..=n).map(|i| format!("M{i:02}")).collect();
    let fed = dir.join("fed");
    bootstrap(&fed, &ids.join(","), &[])?;
    let http_base = free_port_block(n as u16);
    let mut dirs = Vec::new();
    let mut http = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let folder = fed.join(id);
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], http_base + i as u16));
        let config = folder.join("node.toml");
        let mut text = std::fs::read_to_string(&config)?;
        text.push_str(&format!(
            "\n[http]\nlisten = \"{addr}\"\ndashboard = false\n"
        ));
        std::fs::write(&config, text)?;
        dirs.push(NodeDir::open(&folder)?);
        http.push(addr);
    }
    let net = remedy_tests::wan::Wan::new();
    if over_wan {
        let member_ids: Vec<remedy_core::MemberId> = ids
            .iter()
            .map(|i| remedy_core::MemberId::new(i.as_str()))
            .collect::<Result<_, _>>()?;
        let mut pairs = Vec::new();
        for id in &member_ids {
            for peer in remedy_core::topology::peers(&member_ids, id) {
                pairs.push((id.to_string(), peer.to_string()));
            }
        }
        let index = |m: &str| ids.iter().position(|x| x == m).unwrap_or(0);
        let names: Vec<&str> = ids.iter().map(String::as_str).collect();
        remedy_tests::wan::route_pairs(
            &net,
            &fed,
            &names,
            &pairs,
            |a, b| {
                let rtt =
                    remedy_tests::wan::city_rtt(site_of(index(a)).city, site_of(index(b)).city);
                remedy_tests::wan::Path {
                    rtt,
                    jitter: rtt / 20,
                    loss: 0.0,
                }
            },
            |m| Some(site_of(index(m)).uplink_bps),
        )
        .await?;
        dirs = ids
            .iter()
            .map(|id| NodeDir::open(&fed.join(id)))
            .collect::<anyhow::Result<_>>()?;
    }
    let mut nodes = Vec::new();
    for d in &dirs {
        nodes.push(d.start().await?);
    }
    let mut channels = std::collections::BTreeMap::new();
    for (id, d) in ids.iter().zip(&dirs) {
        channels.insert(id.clone(), channel_as(&d.dir, None).await?);
    }
    wait_connected(&channels, Duration::from_secs(120)).await?;
    let origin = ids[0].clone();
    let mut admin = pb::admin_client::AdminClient::new(channels[&origin].clone());
    let degree = remedy_core::topology::peers(
        &ids.iter()
            .map(|i| remedy_core::MemberId::new(i.as_str()))
            .collect::<Result<Vec<_>, _>>()?,
        &remedy_core::MemberId::new(origin.as_str())?,
    )
    .len();

    // Until every node's head of `origin` reaches `seq`.
    let held_by_all = |seq: u64| {
        let channels: Vec<_> = channels.values().cloned().collect();
        let origin = origin.clone();
        async move {
            let mut waits = tokio::task::JoinSet::new();
            for channel in channels {
                let origin = origin.clone();
                waits.spawn(async move {
                    let mut log = pb::log_client::LogClient::new(channel);
                    let deadline = Instant::now() + Duration::from_secs(60);
                    loop {
                        let head = log
                            .head(pb::HeadRequest {
                                origin: origin.clone(),
                            })
                            .await
                            .map(|h| h.into_inner().seq)
                            .unwrap_or(0);
                        if head >= seq {
                            return Ok(());
                        }
                        anyhow::ensure!(
                            Instant::now() < deadline,
                            "event {seq} not held after 60 s"
                        );
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                });
            }
            while let Some(done) = waits.join_next().await {
                done??;
            }
            anyhow::Ok(())
        }
    };
    let append = |seq: u64| {
        remedy_tests::append_request(
            LogKind::Shared,
            vec![remedy_tests::note_draft(seq, PAYLOAD)],
        )
    };
    // Warm-up: every link carries a first event.
    admin.append(append(0)).await?;
    held_by_all(1).await?;
    let sent = || async {
        let mut total = 0.0;
        for addr in &http {
            total += metric(*addr, "remedy_follow_sent_bytes_total").await?;
        }
        anyhow::Ok(total)
    };
    let before = sent().await?;
    let wire = || ids.iter().map(|m| net.bytes_sent(m)).sum::<u64>();
    let wire_before = wire();
    let mut times = Vec::new();
    for s in 1..=samples as u64 {
        let started = Instant::now();
        admin.append(append(s)).await?;
        held_by_all(s + 1).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    // The last pages (checkpoints, cosignatures) follow the events: count once the
    // total stops growing between two reads 100 ms apart.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut after = sent().await?;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = sent().await?;
        if now == after || Instant::now() > deadline {
            break;
        }
        after = now;
    }
    let mut rss: Vec<f64> = nodes
        .iter()
        .map(|node| node.rss_bytes().map(|b| b as f64 / (1024.0 * 1024.0)))
        .collect::<Result<_, _>>()?;
    rss.sort_by(f64::total_cmp);
    times.sort_by(f64::total_cmp);
    drop(nodes);
    let wire_after = wire();
    Ok(ScaleFigures {
        wire_bytes_per_member_per_event: (wire_after - wire_before) as f64
            / n as f64
            / samples as f64,
        degree,
        propagation_median_ms: times[times.len() / 2],
        propagation_max_ms: *times.last().unwrap_or(&f64::NAN),
        sent_bytes_per_member_per_event: (after - before) / n as f64 / samples as f64,
        rss_max_mib: *rss.last().unwrap_or(&0.0),
        rss_median_mib: rss[rss.len() / 2],
    })
}
