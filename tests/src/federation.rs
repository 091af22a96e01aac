//! Helpers for tests of a running federation: status, waiting for convergence,
//! appending, and reading as any party.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use remedy_core::LogKind;
use remedy_proto::v1 as pb;
use tonic::transport::Channel;

use crate::{append_request, note_draft};

/// Connects as the party whose identity folder is `dir`, to the node at `addr` (or
/// the folder's default node).
pub async fn channel_as(dir: &Path, addr: Option<SocketAddr>) -> anyhow::Result<Channel> {
    let target = remedy_client::client::target(dir, addr)?;
    Ok(remedy_client::client::connect(&target).await?)
}

pub async fn status(channel: Channel) -> anyhow::Result<pb::StatusReply> {
    Ok(pb::federation_client::FederationClient::new(channel)
        .status(pb::StatusRequest {})
        .await?
        .into_inner())
}

/// The height of every origin at a node.
pub async fn heights(channel: Channel) -> anyhow::Result<BTreeMap<String, u64>> {
    Ok(status(channel)
        .await?
        .origins
        .into_iter()
        .map(|o| (o.origin, o.height))
        .collect())
}

/// Waits until every node in `channels` holds at least `expected` of each origin;
/// fails at the deadline naming what each node held.
pub async fn wait_heights(
    channels: &BTreeMap<String, Channel>,
    expected: &BTreeMap<String, u64>,
    within: Duration,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        let mut behind = Vec::new();
        for (node, channel) in channels {
            let held = heights(channel.clone()).await.unwrap_or_default();
            for (origin, want) in expected {
                let have = held.get(origin).copied().unwrap_or(0);
                if have < *want {
                    behind.push(format!("{node} holds {origin} up to {have} of {want}"));
                }
            }
        }
        if behind.is_empty() {
            return Ok(started.elapsed());
        }
        if started.elapsed() > within {
            bail!("not converged after {within:?}: {}", behind.join("; "));
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The running nodes of a bootstrapped federation folder, a channel to each as
/// itself, and their addresses, by member.
#[allow(missing_debug_implementations)]
pub struct Started {
    pub running: Vec<crate::RunningNode>,
    pub channels: BTreeMap<String, Channel>,
    pub addrs: BTreeMap<String, String>,
}

/// Starts the node members `members` of the federation bootstrapped in `fed`.
pub async fn start_all(fed: &Path, members: &[&str]) -> anyhow::Result<Started> {
    let mut started = Started {
        running: Vec::new(),
        channels: BTreeMap::new(),
        addrs: BTreeMap::new(),
    };
    for m in members {
        let dir = crate::NodeDir::open(&fed.join(m))?;
        started.running.push(dir.start().await?);
        started
            .channels
            .insert(m.to_string(), channel_as(&dir.dir, None).await?);
        started.addrs.insert(m.to_string(), dir.addr.to_string());
    }
    Ok(started)
}

/// Waits until every node holds every member's log as far as that member's own
/// node has it now.
pub async fn converge(
    channels: &BTreeMap<String, Channel>,
    within: Duration,
) -> anyhow::Result<()> {
    let mut own = BTreeMap::new();
    for (m, c) in channels {
        own.insert(m.clone(), heights(c.clone()).await?[m]);
    }
    wait_heights(channels, &own, within).await?;
    Ok(())
}

/// Appends `n` notes of `size` bytes to the own log of the node behind `channel`,
/// in requests of up to 100; numbers them from `first`.
pub async fn append_notes(
    channel: Channel,
    log: LogKind,
    first: u64,
    n: u64,
    size: usize,
) -> anyhow::Result<()> {
    let mut admin = pb::admin_client::AdminClient::new(channel);
    let mut i = first;
    while i < first + n {
        let end = (i + 100).min(first + n);
        let drafts = (i..end).map(|k| note_draft(k, size)).collect();
        admin.append(append_request(log, drafts)).await?;
        i = end;
    }
    Ok(())
}

/// Appends notes with the given texts, one request.
pub async fn append_texts(channel: Channel, log: LogKind, texts: &[String]) -> anyhow::Result<()> {
    use remedy_core::payload::{Note, Payload};
    let drafts = texts
        .iter()
        .map(|text| pb::Draft {
            payload_kind: Note::KIND.0.into(),
            payload_version: Note::VERSION.into(),
            payload: Note { text: text.clone() }.encode(),
        })
        .collect();
    pb::admin_client::AdminClient::new(channel)
        .append(append_request(log, drafts))
        .await?;
    Ok(())
}

/// Waits until every node in `channels` reports every one of its peers connected.
pub async fn wait_connected(
    channels: &BTreeMap<String, Channel>,
    within: Duration,
) -> anyhow::Result<()> {
    let started = Instant::now();
    loop {
        let mut waiting = Vec::new();
        for (node, channel) in channels {
            let reply = status(channel.clone()).await?;
            for peer in reply.peers.iter().filter(|p| p.state != "connected") {
                waiting.push(format!("{node} to {} ({})", peer.member, peer.state));
            }
        }
        if waiting.is_empty() {
            return Ok(());
        }
        if started.elapsed() > within {
            bail!(
                "peers not connected after {within:?}: {}",
                waiting.join("; ")
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
