//! `remedy status`: is the node healthy, and how far has it replicated?
//!
//! Healthy means: the node answers, its gRPC health service says SERVING, no fork
//! and no equivocation is recorded, and (when it has peers) at least one peer is
//! connected. Rejected events are reported but do not make a node unhealthy (a
//! hostile peer must not be able to take an honest node down). The exit
//! code is 0 only then; the report is printed either way.

use anyhow::{Context as _, bail};
use remedy_core::manifest::Manifest;
use remedy_proto::v1 as pb;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::Format;
use crate::client::Context;

pub fn run(context: &Context) -> anyhow::Result<()> {
    let (runtime, channel) = context.connect()?;
    let health = runtime.block_on(
        tonic_health::pb::health_client::HealthClient::new(channel.clone()).check(
            tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            },
        ),
    )?;
    let serving = health.into_inner().status() == ServingStatus::Serving;
    let mut federation = pb::federation_client::FederationClient::new(channel);
    let status = runtime
        .block_on(federation.status(pb::StatusRequest {}))?
        .into_inner();
    let manifest = runtime
        .block_on(federation.manifest(pb::ManifestRequest { version: 0 }))?
        .into_inner();
    // (id, role, name) of every member, as the node sees the manifest.
    let members: Vec<(String, String, String)> = if manifest.text.is_empty() {
        Vec::new()
    } else {
        Manifest::parse(&manifest.text)
            .context("the node sent a manifest that does not parse")?
            .body
            .members
            .iter()
            .map(|m| (m.id.to_string(), m.role.to_string(), m.name.clone()))
            .collect()
    };
    let connected = status
        .peers
        .iter()
        .filter(|p| p.state == "connected")
        .count();
    let mut problems = Vec::new();
    if !serving {
        problems.push("the health service does not report SERVING".to_string());
    }
    if !status.appends_refused.is_empty() {
        problems.push(format!(
            "appends to the shared log refused: {}",
            status.appends_refused
        ));
    }
    for fork in &status.forks {
        problems.push(format!(
            "{} forked at event {} (evidence kept; replication of {} halted)",
            fork.origin, fork.seq, fork.origin
        ));
    }
    for evidence in &status.equivocations {
        let origin = serde_json::from_str::<serde_json::Value>(evidence)
            .ok()
            .and_then(|v| v["origin"].as_str().map(String::from))
            .unwrap_or_else(|| "a member".into());
        problems.push(format!(
            "{origin} showed two different histories (equivocation evidence kept)"
        ));
    }
    if !status.peers.is_empty() && connected == 0 {
        problems.push("no peer is connected".to_string());
    }
    match context.format {
        Format::Json => print_json(&status, &members, serving, &problems),
        _ => print_table(&status, &members, serving, &problems),
    }
    if !problems.is_empty() {
        bail!(
            "node {} is not healthy: {}",
            status.member,
            problems.join("; ")
        );
    }
    Ok(())
}

type Members = [(String, String, String)];

fn print_json(status: &pb::StatusReply, members: &Members, serving: bool, problems: &[String]) {
    let json = serde_json::json!({
        "member": status.member,
        "manifest_version": status.manifest_version,
        "members": members.iter().map(|(id, role, name)| serde_json::json!({
            "id": id,
            "role": role,
            "name": name,
        })).collect::<Vec<_>>(),
        "healthy": problems.is_empty(),
        "serving": serving,
        "problems": problems,
        "peers": status.peers.iter().map(|p| serde_json::json!({
            "member": p.member,
            "endpoint": p.endpoint,
            "state": p.state,
            "since_ms": p.since_ms,
            "last_error": p.last_error,
        })).collect::<Vec<_>>(),
        "origins": status.origins.iter().map(|o| serde_json::json!({
            "origin": o.origin,
            "height": o.height,
            "best_known": o.best_known,
            "lag": o.lag,
            "halted": o.halted,
        })).collect::<Vec<_>>(),
        "rejected": status.rejected.iter().map(|r| serde_json::json!({
            "reason": r.reason,
            "count": r.count,
            "last": r.last,
        })).collect::<Vec<_>>(),
        "forks": status.forks.iter().map(|f| serde_json::json!({
            "origin": f.origin,
            "seq": f.seq,
            "peer": f.peer,
            "held": hex::encode(f.held.as_ref().map(|e| e.raw.as_slice()).unwrap_or_default()),
            "received": hex::encode(f.received.as_ref().map(|e| e.raw.as_slice()).unwrap_or_default()),
        })).collect::<Vec<_>>(),
    });
    println!("{json}");
}

fn print_table(status: &pb::StatusReply, members: &Members, serving: bool, problems: &[String]) {
    println!(
        "node {}, manifest version {}, {}",
        status.member,
        status.manifest_version,
        if problems.is_empty() {
            "healthy"
        } else {
            "NOT HEALTHY"
        }
    );
    println!(
        "  health service: {}",
        if serving { "serving" } else { "not serving" }
    );
    for problem in problems {
        println!("  problem: {problem}");
    }
    if !members.is_empty() {
        let shown: Vec<String> = members
            .iter()
            .map(|(id, role, _)| format!("{id} ({role})"))
            .collect();
        println!("  members: {}", shown.join(", "));
    }
    if !status.peers.is_empty() {
        println!();
        println!(
            "{:<8}  {:<21}  {:<10}  last error",
            "peer", "endpoint", "state"
        );
        for p in &status.peers {
            println!(
                "{:<8}  {:<21}  {:<10}  {}",
                p.member, p.endpoint, p.state, p.last_error
            );
        }
    }
    println!();
    println!(
        "{:<8}  {:>10}  {:>10}  {:>8}  halted",
        "origin", "height", "best known", "lag"
    );
    for o in &status.origins {
        println!(
            "{:<8}  {:>10}  {:>10}  {:>8}  {}",
            o.origin,
            o.height,
            o.best_known,
            o.lag,
            if o.halted { "HALTED (fork)" } else { "" }
        );
    }
    if !status.rejected.is_empty() {
        println!();
        println!("rejected events");
        for r in &status.rejected {
            println!("  {:<14} {:>8}  last: {}", r.reason, r.count, r.last);
        }
    }
    for f in &status.forks {
        println!();
        println!(
            "FORK: {} event {}: two different bodies, both validly signed; the second came from {}",
            f.origin, f.seq, f.peer
        );
    }
}
