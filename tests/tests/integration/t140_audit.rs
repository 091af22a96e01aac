//! An auditor verifies a federation through its nodes, then through a node that
//! lies: a flipped byte, a deleted event, two events swapped, a history rewritten
//! and re-signed with the member's real key, a history rolled back. Each is caught
//! with a message naming the origin, the event and what is wrong, and the exit
//! code says so; nothing is saved as seen.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use remedy_client::keyfile::load_signing_key;
use remedy_core::checkpoint::{Checkpoint, SignedCheckpoint, key_name};
use remedy_core::merkle::Frontier;
use remedy_core::payload::{Note, Payload};
use remedy_core::{ChainHead, LogKind, MemberId, SignedEvent};
use remedy_proto::v1 as pb;
use remedy_tests::fake::{FakeNode, Served};
use remedy_tests::federation::{append_notes, channel_as, wait_heights};
use remedy_tests::{NodeDir, bootstrap, path_arg as path, read_log, remedy};

async fn checkpoint_at(channel: tonic::transport::Channel, origin: &str) -> anyhow::Result<String> {
    Ok(pb::federation_client::FederationClient::new(channel)
        .checkpoint(pb::CheckpointRequest {
            origin: origin.into(),
        })
        .await?
        .into_inner()
        .text)
}

// Multi-threaded: the test runs the CLI synchronously while the fake node serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_catches_every_kind_of_tampering() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,VN", &["--auditor", "AUD"])?;
    let (kh_dir, vn_dir) = (
        NodeDir::open(&fed.join("KH"))?,
        NodeDir::open(&fed.join("VN"))?,
    );
    let mut kh_node = kh_dir.start().await?;
    let _vn_node = vn_dir.start().await?;
    let kh = channel_as(&kh_dir.dir, None).await?;
    let vn = channel_as(&vn_dir.dir, None).await?;
    // Before anything is appended: the bundle of an empty log is empty and
    // verifies as such (no checkpoint exists to sign it).
    let empty = tmp.path().join("empty.bundle");
    let auditor = fed.join("AUD");
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path(&auditor),
        "--node",
        &kh_dir.addr.to_string(),
        "audit",
        "export",
        "--origin",
        "VN",
        "--out",
        path(&empty),
    ])?;
    assert!(ok, "{stdout}{stderr}");
    let (ok, stdout, stderr) = remedy(&[
        "audit",
        "verify-bundle",
        path(&empty),
        "--federation",
        path(&auditor.join("federation.toml")),
    ])?;
    assert!(
        ok && stdout.contains("PASS: no events of VN"),
        "{stdout}{stderr}"
    );
    append_notes(kh.clone(), LogKind::Shared, 1, 10, 100).await?;
    append_notes(vn.clone(), LogKind::Shared, 1, 4, 100).await?;
    let channels: BTreeMap<String, _> = [
        ("KH".to_string(), kh.clone()),
        ("VN".to_string(), vn.clone()),
    ]
    .into();
    let want: BTreeMap<String, u64> = [("KH".to_string(), 10), ("VN".to_string(), 4)].into();
    wait_heights(&channels, &want, Duration::from_secs(30)).await?;

    // VN witnesses KH's checkpoint of 10 events once it holds them.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = checkpoint_at(vn.clone(), "KH").await?;
        if let Ok(c) = SignedCheckpoint::parse(&text)
            && c.checkpoint.size == 10
            && c.signatures.len() == 2
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "VN never cosigned KH's checkpoint: {text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let aud = fed.join("AUD");
    let audit = |node: &str, origin: Option<&str>| {
        let mut args = vec!["--dir", path(&aud), "--node", node, "audit", "verify"];
        if let Some(o) = origin {
            args.extend(["--origin", o]);
        }
        remedy(&args).unwrap()
    };
    let (kh_addr, vn_addr) = (kh_dir.addr.to_string(), vn_dir.addr.to_string());
    let (ok, stdout, stderr) = audit(&vn_addr, None);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.starts_with(&format!("audit through VN's node at {vn_addr}\n")),
        "the node asked, named: {stdout}"
    );
    assert!(stdout.contains("KH   10 events: signatures and chain verified; Merkle root matches the checkpoint of 10 events; cosigned by VN"), "{stdout}");
    assert!(
        stdout.contains("verdict: PASS: 2 origins, 14 events"),
        "{stdout}"
    );
    let (ok, stdout, _) = audit(&kh_addr, None);
    assert!(
        ok && stdout.contains("consistent with the checkpoint of 10 events saved before"),
        "{stdout}"
    );
    let (_, json, _) = remedy(&[
        "--dir",
        path(&aud),
        "--node",
        &kh_addr,
        "--format",
        "json",
        "audit",
        "verify",
    ])?;
    let report: serde_json::Value = serde_json::from_str(&json)?;
    assert_eq!(report["passed"], true);

    // Offline: a bundle of KH's log exported through VN verifies with no node
    // asked; with one byte changed it does not.
    let bundle = tmp.path().join("kh.bundle");
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path(&aud),
        "--node",
        &vn_addr,
        "audit",
        "export",
        "--origin",
        "KH",
        "--out",
        path(&bundle),
    ])?;
    assert!(ok, "{stdout}{stderr}");
    let federation = aud.join("federation.toml");
    let verify = |file: &std::path::Path| {
        remedy(&[
            "audit",
            "verify-bundle",
            path(file),
            "--federation",
            path(&federation),
        ])
        .unwrap()
    };
    let (ok, stdout, stderr) = verify(&bundle);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("PASS: 10 events of KH"), "{stdout}");
    assert!(stdout.contains("cosigned by VN"), "{stdout}");
    // Through KH's own node: verifiable too, and it says why no witness signed.
    let own = tmp.path().join("own.bundle");
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path(&aud),
        "--node",
        &kh_addr,
        "audit",
        "export",
        "--origin",
        "KH",
        "--out",
        path(&own),
    ])?;
    assert!(
        ok && stdout.contains("the checkpoint carries no cosignature")
            && stdout.contains("export through a peer"),
        "{stdout}{stderr}"
    );
    let (own_ok, own_out, own_err) = verify(&own);
    assert!(
        own_ok && own_out.contains("PASS: 10 events of KH"),
        "{own_out}{own_err}"
    );
    let mut bytes = std::fs::read(&bundle)?;
    let at = bytes.windows(8).position(|w| w == b"\"seq\":5,").unwrap() + 40;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    let changed = tmp.path().join("changed.bundle");
    std::fs::write(&changed, bytes)?;
    let (ok, stdout, _) = verify(&changed);
    assert!(!ok && stdout.contains("KH shared log, event 5"), "{stdout}");

    // What an independent verifier written from docs/audit-bundle.md rejects,
    // and this one once passed: each bundle below fails, saying why.
    let lines: Vec<String> = std::fs::read_to_string(&bundle)?
        .lines()
        .map(String::from)
        .collect();
    let write = |name: &str, lines: &[String]| {
        let file = tmp.path().join(name);
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        file
    };
    let fails = |file: &std::path::Path, says: &str| {
        let (ok, stdout, _) = verify(file);
        assert!(!ok && stdout.contains(says), "{says:?} in:\n{stdout}");
    };
    // A cosignature by VN's key whose time was changed.
    let at = lines
        .iter()
        .position(|l| l.starts_with("{\"checkpoint\""))
        .unwrap();
    let text = serde_json::from_str::<serde_json::Value>(&lines[at])?["checkpoint"]["text"]
        .as_str()
        .unwrap()
        .to_string();
    let mut note = remedy_core::checkpoint::SignedCheckpoint::parse(&text)?;
    let vn_sig = note
        .signatures
        .iter_mut()
        .find(|s| s.name == "remedy-net/VN")
        .expect("VN cosigned");
    vn_sig.bytes[7] ^= 1;
    let mut forged = lines.clone();
    forged[at] = serde_json::json!({"checkpoint": {"text": note.to_text()}}).to_string();
    fails(
        &write("cosignature.bundle", &forged),
        "a cosignature by VN's key that does not verify",
    );
    // The line's sequence number disagrees with the event's.
    let mut renumbered = lines.clone();
    let at = renumbered
        .iter()
        .position(|l| l.contains("\"seq\":5,"))
        .unwrap();
    renumbered[at] = renumbered[at].replacen("\"seq\":5,", "\"seq\":4,", 1);
    fails(
        &write("renumbered.bundle", &renumbered),
        "the line says event 4, but the event is number 5",
    );
    // No inclusion proofs.
    let unproved: Vec<String> = lines
        .iter()
        .filter(|l| !l.starts_with("{\"inclusion\""))
        .cloned()
        .collect();
    fails(
        &write("unproved.bundle", &unproved),
        "no inclusion proof of event 10 (the checkpoint's last event)",
    );
    // A manifest line of the trusted version that is not the trusted file.
    let mut other = lines.clone();
    let at = other
        .iter()
        .position(|l| l.starts_with("{\"manifest\""))
        .unwrap();
    other[at] = other[at].replacen("KH node", "KH n0de", 1);
    fails(
        &write("manifest.bundle", &other),
        "the bundle's manifest version 1 differs from the trusted",
    );
    // A trusted manifest without its signatures.
    let trusted = std::fs::read_to_string(&federation)?;
    let cut = trusted.find("[[signatures]]").expect("signed");
    let unsigned = tmp.path().join("unsigned.toml");
    std::fs::write(&unsigned, &trusted[..cut])?;
    let (ok, stdout, _) = remedy(&[
        "audit",
        "verify-bundle",
        path(&bundle),
        "--federation",
        path(&unsigned),
    ])?;
    assert!(
        !ok && stdout.contains("does not carry its own quorum of signatures"),
        "{stdout}"
    );

    // KH's real log and checkpoint, then a lying node in KH's place.
    let events: Vec<Vec<u8>> = read_log(kh.clone(), &MemberId::new("KH")?)
        .await?
        .into_iter()
        .map(|e| e.raw().to_vec())
        .collect();
    let checkpoint = checkpoint_at(kh.clone(), "KH").await?;
    kh_node.stop().await?;
    let fake = FakeNode::default();
    fake.start(&kh_dir.dir, kh_dir.addr).await?;
    let serve = |log: Vec<Vec<u8>>, checkpoint: String| {
        fake.serve(Served {
            logs: [("KH".to_string(), log)].into(),
            checkpoints: [("KH".to_string(), checkpoint)].into(),
        });
    };
    let caught = |expected: &str| {
        let (ok, stdout, stderr) = audit(&kh_addr, Some("KH"));
        assert!(!ok, "tampering went unnoticed: {stdout}");
        assert!(
            stdout.contains(expected),
            "expected {expected:?} in:\n{stdout}"
        );
        assert!(stdout.contains("verdict: FAIL"), "{stdout}");
        assert!(stderr.contains("FAIL"), "{stderr}");
    };
    // Unchanged, the fake passes: what follows is caught for what it changes.
    serve(events.clone(), checkpoint.clone());
    let (ok, stdout, stderr) = audit(&kh_addr, Some("KH"));
    assert!(ok, "{stdout}{stderr}");

    let mut flipped = events.clone();
    let n = flipped[4].len();
    flipped[4][n - 70] ^= 0x01;
    serve(flipped, checkpoint.clone());
    // Event 5 of a batch is linked: the hash event 6 holds no longer matches it.
    caught("KH shared log, event 5: its body is not the one event 6 links to");

    let mut deleted = events.clone();
    deleted.remove(4);
    serve(deleted, checkpoint.clone());
    caught("KH shared log, event 6: sequence gap: expected 5, found 6");

    let mut swapped = events.clone();
    swapped.swap(4, 5);
    serve(swapped, checkpoint.clone());
    caught("KH shared log, event 6: sequence gap: expected 5, found 6");

    // KH rewrites its history from event 7 with its real key and signs a new
    // checkpoint for it: valid on its own, but not what the auditor saw.
    let key = load_signing_key(&kh_dir.dir.join("signing.key"))?;
    let kh_id = MemberId::new("KH")?;
    let mut rewritten: Vec<Vec<u8>> = events[..6].to_vec();
    let mut head = ChainHead::of(&SignedEvent::decode(events[5].clone())?);
    for i in 7..=10 {
        let draft = Note {
            text: format!("rewritten {i}"),
        }
        .to_draft();
        let e = SignedEvent::seal(&key, &kh_id, LogKind::Shared, i, head.hash, 0, &draft);
        head = ChainHead::of(&e);
        rewritten.push(e.into_raw());
    }
    let resign = |log: &[Vec<u8>]| {
        let mut f = Frontier::default();
        for raw in log {
            f.push(raw, |_, _, _| {});
        }
        let original = SignedCheckpoint::parse(&checkpoint).unwrap();
        SignedCheckpoint::sign(
            Checkpoint {
                origin: original.checkpoint.origin,
                size: f.size(),
                root: f.root(),
            },
            &key_name("KH"),
            &key,
        )
        .to_text()
    };
    // Offline, a bundle KH signed itself: its 10 events and an 11th holding
    // case rows, under a checkpoint of 11; and the same 10 events with the
    // 11th beyond the checkpoint of 10.
    let private = {
        let last = ChainHead::of(&SignedEvent::decode(events[9].clone())?);
        let draft = remedy_core::event::Draft {
            kind: remedy_core::PayloadKind::CASES,
            version: 1,
            payload: b"KH-0007,2024-07-01,,female".to_vec(),
        };
        SignedEvent::seal(&key, &kh_id, LogKind::Shared, 11, last.hash, 0, &draft).into_raw()
    };
    let bundle_of = |log: &[Vec<u8>], checkpoint: &str| -> std::path::PathBuf {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut lines = vec![
            serde_json::json!({"bundle": {"format": "remedy-net audit bundle", "version": 1, "origin": "KH"}})
                .to_string(),
            serde_json::json!({"checkpoint": {"text": checkpoint}}).to_string(),
        ];
        for (i, raw) in log.iter().enumerate() {
            lines.push(
                serde_json::json!({"event": {"seq": i + 1, "raw": b64.encode(raw)}}).to_string(),
            );
        }
        let file = tmp.path().join(format!("crafted-{}.bundle", log.len()));
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        file
    };
    let mut with_cases = events.clone();
    with_cases.push(private);
    let crafted = bundle_of(&with_cases, &resign(&with_cases));
    let (ok, stdout, _) = verify(&crafted);
    assert!(
        !ok && stdout
            .contains("KH event 11: a cases payload is private and never belongs in a shared log"),
        "{stdout}"
    );
    let beyond = bundle_of(&with_cases, &checkpoint);
    let (ok, stdout, _) = verify(&beyond);
    assert!(
        !ok && stdout.contains("the bundle holds 11 events, beyond the checkpoint's 10"),
        "{stdout}"
    );

    serve(rewritten.clone(), resign(&rewritten));
    caught(
        "KH: the first 10 events are not those of the checkpoint this auditor saved: a different history",
    );
    // The same rewrite under the old checkpoint: the root does not match.
    serve(rewritten, checkpoint.clone());
    caught("KH: the root of the 10 events served is not the root the checkpoint signs");

    // A history rolled back to 8 events, with a checkpoint KH signed for it (and
    // event 8, linked in the batch it was appended in, now signed by KH too).
    let mut rolled: Vec<Vec<u8>> = events[..8].to_vec();
    let mut eighth = SignedEvent::decode(rolled[7].clone())?.body().to_vec();
    let signature = key.sign(&eighth).to_bytes();
    eighth.extend_from_slice(&signature);
    rolled[7] = eighth;
    serve(rolled.clone(), resign(&rolled));
    caught(
        "KH: this auditor saw a checkpoint of 10 events before; the node now shows 8: history rolled back",
    );
    Ok(())
}
