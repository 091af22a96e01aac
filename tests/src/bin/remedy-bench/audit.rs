//! The auditor's figures: `remedy audit verify` of a log of a million events, as
//! its own process against a node over mutual TLS, and the sizes of the node's
//! inclusion and consistency proofs at growing log sizes.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, bail};
use remedy_core::LogKind;
use remedy_proto::v1 as pb;
use remedy_tests::federation::{append_notes, channel_as};
use remedy_tests::{NodeDir, binary, bootstrap};

use super::PAYLOAD;

#[derive(Debug, Clone)]
pub struct AuditFigures {
    /// Events per second of the whole audit, process start to verdict.
    pub rate: f64,
    /// `(tree size, hashes in the longest inclusion proof, hashes in the longest
    /// consistency proof)`, for sizes up to the log's.
    pub proofs: Vec<(u64, usize, usize)>,
}

/// Fills a federated node's shared log with `n` events (not measured), then times
/// an auditor verifying it, and measures proof sizes.
pub async fn audit_verify(dir: &Path, n: u64) -> anyhow::Result<AuditFigures> {
    let fed = dir.join("fed");
    bootstrap(&fed, "KH", &["--auditor", "AUD"])?;
    let kh_dir = NodeDir::open(&fed.join("KH"))?;
    let _kh = kh_dir.start().await?;
    let kh = channel_as(&kh_dir.dir, None).await?;
    append_notes(kh.clone(), LogKind::Shared, 1, n, PAYLOAD).await?;

    let aud = fed.join("AUD");
    let addr = kh_dir.addr.to_string();
    let started = Instant::now();
    let output = tokio::process::Command::new(binary("remedy"))
        .args(["--dir", &aud.display().to_string(), "--node", &addr])
        .args(["--format", "json", "audit", "verify", "--origin", "KH"])
        .output()
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        bail!(
            "the audit failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let events = report["origins"][0]["events"]
        .as_u64()
        .context("no event count in the audit report")?;
    if events != n {
        bail!("the audit verified {events} events, not {n}");
    }

    let mut federation =
        pb::federation_client::FederationClient::new(channel_as(&aud, Some(kh_dir.addr)).await?);
    let mut proofs = Vec::new();
    let mut size = 1_000u64;
    while size <= n {
        let mut inclusion = 0;
        let mut consistency = 0;
        // Leaves and old sizes spread over the tree, the first and last among them.
        for k in 1..=size.min(64) {
            let at = (size * k / size.min(64)).max(1);
            let proof = |seq, old_size| pb::ProofRequest {
                origin: "KH".into(),
                size,
                seq,
                old_size,
            };
            inclusion = inclusion.max(
                federation
                    .proof(proof(at, 0))
                    .await?
                    .into_inner()
                    .hashes
                    .len(),
            );
            inclusion = inclusion.max(
                federation
                    .proof(proof(at.div_ceil(2), 0))
                    .await?
                    .into_inner()
                    .hashes
                    .len(),
            );
            if at < size {
                consistency = consistency.max(
                    federation
                        .proof(proof(0, at))
                        .await?
                        .into_inner()
                        .hashes
                        .len(),
                );
            }
        }
        proofs.push((size, inclusion, consistency));
        size *= 10;
    }
    Ok(AuditFigures {
        rate: n as f64 / seconds,
        proofs,
    })
}
