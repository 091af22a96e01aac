//! Replication between real nodes over mutual TLS: convergence, reading every
//! origin through any node, resuming after SIGKILL, and a partition healed by
//! relaying through a third member.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use remedy_client::config::{CONFIG_FILE, NodeConfig};
use remedy_core::{LogKind, MemberId};
use remedy_tests::federation::{append_notes, channel_as, status, wait_heights};
use remedy_tests::proxy::Proxy;
use remedy_tests::{NodeDir, RunningNode, bootstrap, path_arg, read_log, remedy, verify_events};
use tonic::transport::Channel;

const CONVERGE: Duration = Duration::from_secs(30);

async fn start_all(
    fed: &Path,
    members: &[&str],
) -> anyhow::Result<(BTreeMap<String, NodeDir>, Vec<RunningNode>)> {
    let mut dirs = BTreeMap::new();
    let mut running = Vec::new();
    for m in members {
        let dir = NodeDir::open(&fed.join(m))?;
        running.push(dir.start().await?);
        dirs.insert(m.to_string(), dir);
    }
    Ok((dirs, running))
}

async fn operator_channels(
    dirs: &BTreeMap<String, NodeDir>,
) -> anyhow::Result<BTreeMap<String, Channel>> {
    let mut channels = BTreeMap::new();
    for (m, dir) in dirs {
        channels.insert(m.clone(), channel_as(&dir.dir, None).await?);
    }
    Ok(channels)
}

fn expect(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(m, n)| (m.to_string(), *n)).collect()
}

#[tokio::test]
async fn four_members_converge_and_a_coordinator_reads_every_origin_through_any_node()
-> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    let members = ["KH", "ID", "VN", "JP"];
    bootstrap(
        &fed,
        "KH,ID,VN,JP",
        &["--coordinator", "ILO", "--auditor", "AUD"],
    )?;
    let (dirs, mut running) = start_all(&fed, &members).await?;
    let channels = operator_channels(&dirs).await?;

    // Every member appends, at the same time; private events too, which stay home.
    let mut appends = tokio::task::JoinSet::new();
    for (i, m) in members.iter().enumerate() {
        let channel = channels[*m].clone();
        let n = 50 + 10 * i as u64;
        appends.spawn(async move {
            append_notes(channel.clone(), LogKind::Shared, 1, n, 200).await?;
            append_notes(channel, LogKind::Private, 1, 7, 100).await
        });
    }
    while let Some(done) = appends.join_next().await {
        done??;
    }
    let expected = expect(&[("KH", 50), ("ID", 60), ("VN", 70), ("JP", 80)]);
    wait_heights(&channels, &expected, CONVERGE).await?;

    // The coordinator reads every origin through every node and gets the same,
    // verifiable history each time.
    let ilo = fed.join("ILO");
    for origin in members {
        let id = MemberId::new(origin)?;
        let key = &dirs[origin].key;
        let mut seen = None;
        for node in members {
            let channel = channel_as(&ilo, Some(dirs[node].addr)).await?;
            let events = read_log(channel, &id).await?;
            assert_eq!(events.len() as u64, expected[origin], "{origin} at {node}");
            let head = verify_events(&id, key, &events)?;
            if let Some(first) = seen.replace(head) {
                assert_eq!(first, head, "{origin} differs at {node}");
            }
        }
    }

    // Status through the CLI, as the auditor: healthy, no lag, nothing rejected.
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path_arg(&fed.join("AUD")),
        "--format",
        "json",
        "status",
    ])?;
    assert!(ok, "{stdout}{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout)?;
    assert_eq!(json["healthy"], true);
    assert_eq!(json["peers"].as_array().unwrap().len(), 3);
    assert!(json["rejected"].as_array().unwrap().is_empty());
    for origin in json["origins"].as_array().unwrap() {
        assert_eq!(origin["lag"], 0, "{origin}");
    }
    let (ok, stdout, _) = remedy(&["--dir", path_arg(&fed.join("VN")), "status"])?;
    assert!(
        ok && stdout.contains("healthy") && stdout.contains("connected"),
        "{stdout}"
    );

    // A node stopping while its peers follow it ends their streams and stops
    // without waiting out the grace period for open connections.
    running[0].stop().await?;
    let log = std::fs::read_to_string(dirs["KH"].log_path())?;
    assert!(!log.contains("connections still open"), "{log}");
    Ok(())
}

#[tokio::test]
async fn a_node_killed_mid_replication_resumes_without_gaps_or_duplicates() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID,VN", &[])?;
    let (dirs, mut running) = start_all(&fed, &["KH", "ID", "VN"]).await?;
    let kh = channel_as(&dirs["KH"].dir, None).await?;

    let writer = tokio::spawn(append_notes(kh.clone(), LogKind::Shared, 1, 3000, 300));
    // Kill VN while it is receiving, start it again, twice.
    for round in 0..2 {
        let vn = channel_as(&dirs["VN"].dir, None).await?;
        let target = 500 * (round + 1);
        let deadline = std::time::Instant::now() + CONVERGE;
        loop {
            let held = remedy_tests::federation::heights(vn.clone()).await?;
            if held.get("KH").copied().unwrap_or(0) >= target {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "VN never reached {target}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        running[2].kill9();
        running[2] = dirs["VN"].start().await?;
    }
    writer.await??;
    let channels = operator_channels(&dirs).await?;
    wait_heights(&channels, &expect(&[("KH", 3000)]), CONVERGE).await?;

    // VN's copy is whole: 3000 events in order, every link and signature good.
    let events = read_log(channels["VN"].clone(), &MemberId::new("KH")?).await?;
    assert_eq!(events.len(), 3000);
    verify_events(&MemberId::new("KH")?, &dirs["KH"].key, &events)?;
    // And it verifies from disk at a clean restart (replicas and their counts).
    running[2].stop().await?;
    running[2] = dirs["VN"].start().await?;
    let vn = channel_as(&dirs["VN"].dir, None).await?;
    assert_eq!(remedy_tests::federation::heights(vn).await?["KH"], 3000);
    Ok(())
}

fn set_peer(dir: &Path, peer: &str, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let mut config = NodeConfig::load(dir)?;
    config.peers.insert(MemberId::new(peer)?, addr);
    std::fs::write(dir.join(CONFIG_FILE), config.to_toml())?;
    Ok(())
}

#[tokio::test]
async fn a_partition_heals_and_events_are_relayed_around_it() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,VN,JP", &[])?;
    let kh_dir = NodeDir::open(&fed.join("KH"))?;
    let vn_dir = NodeDir::open(&fed.join("VN"))?;
    // KH and VN reach each other only through proxies the test can cut.
    let to_vn = Proxy::start(vn_dir.addr).await?;
    let to_kh = Proxy::start(kh_dir.addr).await?;
    set_peer(&kh_dir.dir, "VN", to_vn.addr)?;
    set_peer(&vn_dir.dir, "KH", to_kh.addr)?;
    let (dirs, _running) = start_all(&fed, &["KH", "VN", "JP"]).await?;
    let channels = operator_channels(&dirs).await?;

    append_notes(channels["KH"].clone(), LogKind::Shared, 1, 10, 200).await?;
    append_notes(channels["VN"].clone(), LogKind::Shared, 1, 10, 200).await?;
    wait_heights(&channels, &expect(&[("KH", 10), ("VN", 10)]), CONVERGE).await?;

    // Cut the KH-VN link: both sides go on appending; JP relays.
    to_vn.cut();
    to_kh.cut();
    let peer_state = |reply: &remedy_proto::v1::StatusReply, peer: &str| {
        reply
            .peers
            .iter()
            .find(|p| p.member == peer)
            .map(|p| p.state.clone())
            .unwrap_or_default()
    };
    append_notes(channels["KH"].clone(), LogKind::Shared, 11, 20, 200).await?;
    append_notes(channels["VN"].clone(), LogKind::Shared, 11, 20, 200).await?;
    wait_heights(&channels, &expect(&[("KH", 30), ("VN", 30)]), CONVERGE).await?;
    let kh_status = status(channels["KH"].clone()).await?;
    assert_ne!(peer_state(&kh_status, "VN"), "connected", "{kh_status:?}");
    assert_eq!(peer_state(&kh_status, "JP"), "connected", "{kh_status:?}");

    // Heal: the direct link comes back and carries new events.
    to_vn.heal();
    to_kh.heal();
    let deadline = std::time::Instant::now() + CONVERGE;
    while peer_state(&status(channels["KH"].clone()).await?, "VN") != "connected" {
        assert!(
            std::time::Instant::now() < deadline,
            "KH never reconnected to VN"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    append_notes(channels["VN"].clone(), LogKind::Shared, 31, 5, 200).await?;
    wait_heights(&channels, &expect(&[("KH", 30), ("VN", 35)]), CONVERGE).await?;
    for (node, channel) in &channels {
        for origin in ["KH", "VN"] {
            let id = MemberId::new(origin)?;
            let events = read_log(channel.clone(), &id).await?;
            verify_events(&id, &dirs[origin].key, &events)
                .map_err(|e| anyhow::anyhow!("{origin} at {node}: {e}"))?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn endpoints_may_be_host_names() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(
        &fed,
        "KH,ID",
        &["--coordinator", "ILO", "--host", "localhost"],
    )?;
    let manifest = std::fs::read_to_string(fed.join("KH/federation.toml"))?;
    assert!(manifest.contains("endpoint = \"localhost:"), "{manifest}");
    let (dirs, _running) = start_all(&fed, &["KH", "ID"]).await?;
    let channels = operator_channels(&dirs).await?;
    // ID dials KH by name (resolved when it connects; `localhost` may give ::1
    // first, where nothing listens, then 127.0.0.1).
    append_notes(channels["KH"].clone(), LogKind::Shared, 1, 5, 100).await?;
    wait_heights(&channels, &expect(&[("KH", 5)]), CONVERGE).await?;
    // The coordinator, with no --node, reaches the first node by its name, and
    // sees it healthy once KH has reached ID too (KH started first, so its first
    // attempt failed and it retries after a backoff).
    let deadline = std::time::Instant::now() + CONVERGE;
    loop {
        let (ok, stdout, stderr) = remedy(&["--dir", path_arg(&fed.join("ILO")), "status"])?;
        if ok {
            assert!(stdout.contains("localhost:"), "{stdout}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{stdout}{stderr}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(())
}
