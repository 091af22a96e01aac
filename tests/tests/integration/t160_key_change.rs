//! A member replaces its signing key through a manifest change. KH signs three
//! events, stops, makes a new key and the next manifest version that retires the old
//! key after event 3; ID and VN sign it; KH installs it and signs on with the new
//! key. Every node, after a restart too, verifies each event with the key valid for
//! it; an auditor holding only version 1 follows the signed change and passes, live
//! and offline. Then a thief with the old key extends KH's log: ID rejects the event
//! as signed with a replaced key, and the auditor names it.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::time::{Duration, Instant};

use remedy_client::identity::load_manifest;
use remedy_client::keyfile::load_signing_key;
use remedy_core::payload::{Note, Payload};
use remedy_core::{ChainHead, LogKind, MemberId, SignedEvent};
use remedy_proto::v1 as pb;
use remedy_tests::fake::{FakeNode, Served};
use remedy_tests::federation::{append_notes, channel_as, status, wait_heights};
use remedy_tests::{NodeDir, bootstrap, path_arg as path, read_log, remedy};

// Multi-threaded: the test runs the CLI synchronously while the fake node serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_key_signs_nothing_after_its_last_event() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID,VN", &["--auditor", "AUD"])?;
    let dirs: BTreeMap<&str, NodeDir> = ["KH", "ID", "VN"]
        .into_iter()
        .map(|m| Ok((m, NodeDir::open(&fed.join(m))?)))
        .collect::<anyhow::Result<_>>()?;
    let mut nodes = BTreeMap::new();
    for (m, d) in &dirs {
        nodes.insert(*m, d.start().await?);
    }
    let kh_dir = &dirs["KH"];
    let kh = channel_as(&kh_dir.dir, None).await?;
    append_notes(kh.clone(), LogKind::Shared, 1, 3, 100).await?;
    append_notes(kh.clone(), LogKind::Private, 1, 2, 100).await?;
    let peers: BTreeMap<String, _> = [
        ("ID".to_string(), channel_as(&dirs["ID"].dir, None).await?),
        ("VN".to_string(), channel_as(&dirs["VN"].dir, None).await?),
    ]
    .into();
    let wait = |n: u64| {
        let peers = peers.clone();
        async move {
            wait_heights(
                &peers,
                &[("KH".to_string(), n)].into(),
                Duration::from_secs(30),
            )
            .await
        }
    };
    wait(3).await?;
    let v1 = fed.join("AUD/federation.toml");
    let v1_copy = tmp.path().join("v1.toml");
    std::fs::copy(&v1, &v1_copy)?;
    let old_key = load_signing_key(&kh_dir.dir.join("signing.key"))?;

    // The log must not grow while the key changes: refused while the node runs.
    let v2 = tmp.path().join("v2.toml");
    let kh_cli = |args: &[&str]| {
        let mut all = vec!["--dir", path(&kh_dir.dir)];
        all.extend_from_slice(args);
        remedy(&all)
    };
    let (ok, _, stderr) = kh_cli(&["key", "replace", "--out", path(&v2)])?;
    assert!(!ok && stderr.contains("stop the node first"), "{stderr}");
    nodes.get_mut("KH").unwrap().stop().await?;
    let (ok, stdout, stderr) = kh_cli(&["key", "replace", "--out", path(&v2)])?;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("ends at event 3"), "{stdout}");
    // Not installable until the quorum (all) signed.
    let (ok, _, stderr) = kh_cli(&["key", "install", path(&v2)])?;
    assert!(!ok && stderr.contains("missing ID, VN"), "{stderr}");
    for m in ["ID", "VN"] {
        let (ok, _, stderr) =
            remedy(&["--dir", path(&dirs[m].dir), "federation", "sign", path(&v2)])?;
        assert!(ok, "{stderr}");
    }
    let (ok, stdout, stderr) = kh_cli(&["key", "install", path(&v2)])?;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("destroy it"), "{stdout}");
    let retired: Vec<_> = std::fs::read_dir(&kh_dir.dir)?
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("signing.key.retired-")
        })
        .collect();
    assert_eq!(retired.len(), 1);
    assert_eq!(retired[0].metadata()?.permissions().mode() & 0o777, 0o600);
    let new_key = load_signing_key(&kh_dir.dir.join("signing.key"))?;
    assert_ne!(new_key.verifying_key(), old_key.verifying_key());

    // ID and VN switch to version 2 live; KH starts with the new key and signs on.
    for m in ["ID", "VN"] {
        let (ok, _, stderr) = remedy(&[
            "--dir",
            path(&dirs[m].dir),
            "federation",
            "apply",
            path(&v2),
        ])?;
        assert!(ok, "{stderr}");
    }
    nodes.insert("KH", kh_dir.start().await?);
    let kh = channel_as(&kh_dir.dir, None).await?;
    append_notes(kh.clone(), LogKind::Shared, 4, 2, 100).await?;
    append_notes(kh.clone(), LogKind::Private, 3, 1, 100).await?;
    wait(5).await?;
    let events = read_log(kh.clone(), &MemberId::new("KH")?).await?;
    // Each append's last event is signed: 3 with the old key, 5 with the new one
    // (4 is linked, covered by 5).
    assert!(events[2].verify_strict(&old_key.verifying_key()));
    assert!(!events[3].is_signed());
    assert!(events[4].verify_strict(&new_key.verifying_key()));

    // Restarts verify both own logs and the replicas with the key valid per event.
    for m in ["KH", "ID"] {
        let node = nodes.get_mut(m).unwrap();
        node.stop().await?;
        *node = dirs[m].start().await?;
    }
    let kh = channel_as(&kh_dir.dir, None).await?;
    append_notes(kh.clone(), LogKind::Private, 4, 1, 100).await?;

    // The auditor, holding version 1, follows the signed change and passes.
    let aud = fed.join("AUD");
    let audit = |node: &str, origin: Option<&str>| {
        let mut args = vec!["--dir", path(&aud), "--node", node, "audit", "verify"];
        if let Some(o) = origin {
            args.extend(["--origin", o]);
        }
        remedy(&args).unwrap()
    };
    let id_addr = dirs["ID"].addr.to_string();
    let (ok, stdout, stderr) = audit(&id_addr, None);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("manifest: version 2, taken from the node"),
        "{stdout}"
    );
    let (old_id, new_id) = (old_key.key_id(), new_key.key_id());
    assert!(
        stdout.contains(&format!(
            "{old_id} signed events 1 to 3; {new_id} signs from event 4"
        )),
        "{stdout}"
    );
    assert_eq!(load_manifest(&v1)?.version(), 2);

    // Offline: a bundle verifies against version 1 through the versions it carries.
    let bundle = tmp.path().join("kh.bundle");
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&fed.join("AUD")),
        "--node",
        &id_addr,
        "audit",
        "export",
        "--origin",
        "KH",
        "--out",
        path(&bundle),
    ])?;
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = remedy(&[
        "audit",
        "verify-bundle",
        path(&bundle),
        "--federation",
        path(&v1_copy),
    ])?;
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("followed from the trusted version 1"),
        "{stdout}"
    );

    // A thief with the old key signs event 6 on top of KH's real history and serves
    // it from KH's address.
    let checkpoint = pb::federation_client::FederationClient::new(peers["ID"].clone())
        .checkpoint(pb::CheckpointRequest {
            origin: "KH".into(),
        })
        .await?
        .into_inner()
        .text;
    let mut events = read_log(kh.clone(), &MemberId::new("KH")?).await?;
    nodes.get_mut("KH").unwrap().stop().await?;
    let forged = SignedEvent::seal(
        &old_key,
        &MemberId::new("KH")?,
        LogKind::Shared,
        6,
        ChainHead::of(&events[4]).hash,
        0,
        &Note {
            text: "signed with a stolen key".into(),
        }
        .to_draft(),
    );
    events.push(forged);
    let fake = FakeNode::default();
    fake.serve(Served {
        logs: [(
            "KH".to_string(),
            events.iter().map(|e| e.raw().to_vec()).collect(),
        )]
        .into(),
        checkpoints: [("KH".to_string(), checkpoint)].into(),
    });
    fake.start(&kh_dir.dir, kh_dir.addr).await?;

    // ID, following KH, rejects it for what it is and keeps 5 events.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let report = status(peers["ID"].clone()).await?;
        if let Some(r) = report.rejected.iter().find(|r| r.reason == "retired-key") {
            assert!(r.last.contains("replaced after event 3"), "{r:?}");
            break;
        }
        assert!(Instant::now() < deadline, "not rejected: {report:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let held = remedy_tests::federation::heights(peers["ID"].clone()).await?;
    assert_eq!(held.get("KH"), Some(&5));

    // The auditor asking the thief's node names the event.
    let (ok, stdout, _) = audit(&kh_dir.addr.to_string(), Some("KH"));
    assert!(!ok, "{stdout}");
    assert!(
        stdout.contains("event 6: signed with a key the origin replaced after event 3"),
        "{stdout}"
    );
    Ok(())
}
