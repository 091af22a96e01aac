//! Equivocation exposed by cosigning: VN, with its real key, shows KH one history
//! and ID another, each with a checkpoint VN signed for it. KH and ID each cosign
//! the checkpoint that agrees with what they hold first; the one that then hears
//! the other history's checkpoint (from VN, or from the other peer, cosigned)
//! finds it disagrees with the events it holds and keeps both checkpoints as
//! evidence. An auditor asking that peer reports the two conflicting checkpoints
//! and fails.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use remedy_client::identity::load_manifest;
use remedy_client::keyfile::load_signing_key;
use remedy_core::checkpoint::{Checkpoint, SignedCheckpoint, key_name, origin_line};
use remedy_core::merkle::Frontier;
use remedy_core::payload::{Note, Payload};
use remedy_core::{ChainHead, LogKind, MemberId, SignedEvent};
use remedy_tests::fake::{FakeNode, Served};
use remedy_tests::federation::{channel_as, status};
use remedy_tests::{NodeDir, bootstrap, free_addr, path_arg as path, remedy};

/// A history of `n` notes by VN and the checkpoint VN signs for it.
fn history(fed: &std::path::Path, text: &str, n: u64) -> (Vec<Vec<u8>>, String) {
    let key = load_signing_key(&fed.join("VN/signing.key")).unwrap();
    let manifest = load_manifest(&fed.join("VN/federation.toml")).unwrap();
    let vn = MemberId::new("VN").unwrap();
    let mut head = ChainHead::EMPTY;
    let mut frontier = Frontier::default();
    let mut raws = Vec::new();
    for i in 1..=n {
        let draft = Note {
            text: format!("{text} {i}"),
        }
        .to_draft();
        let e = SignedEvent::seal(&key, &vn, LogKind::Shared, i, head.hash, 0, &draft);
        head = ChainHead::of(&e);
        frontier.push(e.raw(), |_, _, _| {});
        raws.push(e.into_raw());
    }
    let checkpoint = SignedCheckpoint::sign(
        Checkpoint {
            origin: origin_line(&manifest.body.federation.name, "VN"),
            size: frontier.size(),
            root: frontier.root(),
        },
        &key_name("VN"),
        &key,
    );
    (raws, checkpoint.to_text())
}

/// Points `member`'s node at `addr` for VN.
fn reach_vn_at(dir: &std::path::Path, addr: std::net::SocketAddr) {
    let config = dir.join("node.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!("\n[peers]\nVN = \"{addr}\"\n"));
    std::fs::write(&config, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cosigning_exposes_a_member_showing_two_histories() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID,VN", &["--auditor", "AUD"])?;
    let (to_kh, to_id) = (FakeNode::default(), FakeNode::default());
    let (a, b) = (history(&fed, "to KH", 3), history(&fed, "to ID", 3));
    let serve = |fake: &FakeNode, (log, checkpoint): (Vec<Vec<u8>>, String)| {
        fake.serve(Served {
            logs: [("VN".to_string(), log)].into(),
            checkpoints: [("VN".to_string(), checkpoint)].into(),
        });
    };
    serve(&to_kh, a.clone());
    serve(&to_id, b.clone());
    let (addr_a, addr_b) = (free_addr(), free_addr());
    to_kh.start(&fed.join("VN"), addr_a).await?;
    to_id.start(&fed.join("VN"), addr_b).await?;
    reach_vn_at(&fed.join("KH"), addr_a);
    reach_vn_at(&fed.join("ID"), addr_b);
    let kh_dir = NodeDir::open(&fed.join("KH"))?;
    let id_dir = NodeDir::open(&fed.join("ID"))?;
    let _kh = kh_dir.start().await?;
    let _id = id_dir.start().await?;
    let kh = channel_as(&kh_dir.dir, None).await?;
    let id = channel_as(&id_dir.dir, None).await?;

    // Each peer cosigns the checkpoint that agrees with the history it holds
    // first. Whichever then hears the other history (from VN itself, or relayed
    // with the other peer's cosigned checkpoint) finds that VN signed two roots
    // for 3 events and keeps both checkpoints as evidence. Which of the two that
    // is depends on which link is up first.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (witness, witness_dir, report) = loop {
        let (on_kh, on_id) = (status(kh.clone()).await?, status(id.clone()).await?);
        if !on_kh.equivocations.is_empty() {
            break ("KH", &kh_dir, on_kh);
        }
        if !on_id.equivocations.is_empty() {
            break ("ID", &id_dir, on_id);
        }
        if Instant::now() >= deadline {
            let log = |m: &str| std::fs::read_to_string(fed.join(m).join("node.log"));
            panic!(
                "no equivocation found:\nKH {on_kh:?}\n{}\nID {on_id:?}\n{}",
                log("KH").unwrap_or_default(),
                log("ID").unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let evidence: serde_json::Value = serde_json::from_str(&report.equivocations[0])?;
    assert_eq!(evidence["origin"], "VN");
    assert_eq!(evidence["size"], 3);
    let held = SignedCheckpoint::parse(evidence["held"].as_str().unwrap())?;
    let received = SignedCheckpoint::parse(evidence["received"].as_str().unwrap())?;
    assert_ne!(held.checkpoint.root, received.checkpoint.root);
    let shown: Vec<_> = [&a.1, &b.1]
        .iter()
        .map(|t| SignedCheckpoint::parse(t).unwrap().checkpoint)
        .collect();
    assert!(shown.contains(&held.checkpoint), "{held:?}");
    assert!(shown.contains(&received.checkpoint), "{received:?}");
    let manifest = load_manifest(&fed.join("KH/federation.toml"))?;
    let key = |m: &str| {
        manifest
            .member(&MemberId::new(m).unwrap())
            .unwrap()
            .verifying_key()
            .unwrap()
    };
    // Both signed by VN; the one held cosigned by the peer that exposed it.
    assert!(held.signed_by(&key_name("VN"), &key("VN")));
    assert!(received.signed_by(&key_name("VN"), &key("VN")));
    assert!(
        held.cosigned_by(&key_name(witness), &key(witness))
            .is_some()
    );

    // The auditor asking that peer reports it and fails.
    let (ok, stdout, _) = remedy(&[
        "--dir",
        path(&fed.join("AUD")),
        "--node",
        &witness_dir.addr.to_string(),
        "audit",
        "verify",
    ])?;
    assert!(!ok, "{stdout}");
    assert!(stdout.contains("EQUIVOCATION"), "{stdout}");
    assert!(stdout.contains("verdict: FAIL"), "{stdout}");
    Ok(())
}
