//! A fifth member joins a running federation: the next manifest version, signed by
//! the quorum, is applied at one node, spreads to the others without a restart, and
//! the new member's node catches up.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use remedy_core::{LogKind, MemberId};
use remedy_tests::federation::{append_notes, channel_as, status, wait_heights};
use remedy_tests::{
    NodeDir, bootstrap, free_addr, path_arg as path, read_log, remedy, verify_events,
};

const CONVERGE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_fifth_member_is_adopted_by_running_nodes_and_catches_up() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID,VN,JP", &["--coordinator", "ILO"])?;
    let members = ["KH", "ID", "VN", "JP"];
    let mut dirs = BTreeMap::new();
    let mut running = Vec::new();
    let mut channels = BTreeMap::new();
    for m in members {
        let dir = NodeDir::open(&fed.join(m))?;
        running.push(dir.start().await?);
        channels.insert(m.to_string(), channel_as(&dir.dir, None).await?);
        dirs.insert(m.to_string(), dir);
    }
    for m in members {
        append_notes(channels[m].clone(), LogKind::Shared, 1, 25, 200).await?;
    }

    // The Philippines join: an identity, the next manifest, signatures of every
    // current node member (the policy is "all") and of the newcomer.
    let ph = fed.join("PH");
    let endpoint = free_addr().to_string();
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&ph),
        "init",
        "--member",
        "PH",
        "--name",
        "PH agency",
        "--role",
        "node",
        "--endpoint",
        &endpoint,
    ])?;
    assert!(ok, "{stderr}");
    let v2 = tmp.path().join("v2.toml");
    let (ok, _, stderr) = remedy(&[
        "federation",
        "amend",
        path(&fed.join("KH/federation.toml")),
        "--out",
        path(&v2),
        "--add",
        path(&ph.join("member.toml")),
    ])?;
    assert!(ok, "{stderr}");

    // Applying it before the quorum signed is refused, and changes nothing.
    for m in ["KH", "PH"] {
        let (ok, _, stderr) =
            remedy(&["--dir", path(&fed.join(m)), "federation", "sign", path(&v2)])?;
        assert!(ok, "{stderr}");
    }
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&fed.join("KH")),
        "federation",
        "apply",
        path(&v2),
    ])?;
    assert!(!ok && stderr.contains("missing"), "{stderr}");
    assert_eq!(status(channels["KH"].clone()).await?.manifest_version, 1);

    for m in ["ID", "VN", "JP"] {
        let (ok, _, stderr) =
            remedy(&["--dir", path(&fed.join(m)), "federation", "sign", path(&v2)])?;
        assert!(ok, "{stderr}");
    }
    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path(&fed.join("KH")),
        "federation",
        "apply",
        path(&v2),
    ])?;
    assert!(ok && stdout.contains("version 2"), "{stdout}{stderr}");

    // Every running node takes version 2 from its peers, without a restart.
    let deadline = std::time::Instant::now() + CONVERGE;
    for m in members {
        while status(channels[m].clone()).await?.manifest_version != 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "{m} never switched to version 2"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let written = std::fs::read_to_string(fed.join(m).join("federation.toml"))?;
        assert!(
            written.contains("version = 2"),
            "{m} keeps the new version on disk"
        );
    }

    // The newcomer starts from version 2 and catches up; its own events reach all.
    std::fs::copy(&v2, ph.join("federation.toml"))?;
    let ph_dir = NodeDir::open(&ph)?;
    running.push(ph_dir.start().await?);
    let ph_channel = channel_as(&ph, None).await?;
    append_notes(ph_channel.clone(), LogKind::Shared, 1, 10, 200).await?;
    channels.insert("PH".into(), ph_channel);
    let expected: BTreeMap<String, u64> = members
        .iter()
        .map(|m| (m.to_string(), 25))
        .chain([("PH".to_string(), 10)])
        .collect();
    wait_heights(&channels, &expected, CONVERGE).await?;
    let events = read_log(channels["KH"].clone(), &MemberId::new("PH")?).await?;
    verify_events(&MemberId::new("PH")?, &ph_dir.key, &events)?;

    // The coordinator, still holding version 1, reads through a node; the node's
    // members now include PH.
    let (ok, stdout, stderr) = remedy(&["--dir", path(&fed.join("ILO")), "view", "members"])?;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("manifest version 2") && stdout.contains("PH"),
        "{stdout}"
    );
    Ok(())
}
