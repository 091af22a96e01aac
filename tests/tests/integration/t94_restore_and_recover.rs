//! A node restored from an older backup does not fork its own log: KH appends,
//! is backed up, appends more (its peers hold events 1 to 6), and is restored
//! from the backup (events 1 to 3). Started again, it refuses appends to its
//! shared log, naming the peer that holds more and the command to run; private
//! appends go on. `remedy-node recover` fetches events 4 to 6 from a peer,
//! checks and stores them; KH then appends event 7, which every peer accepts, and
//! no peer records a fork.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use remedy_core::{LogKind, MemberId};
use remedy_proto::v1 as pb;
use remedy_tests::federation::{append_notes, channel_as, status, wait_heights};
use remedy_tests::{NodeDir, append_request, bootstrap, note_draft, read_log, verify_events};

/// Copies a folder tree, keeping each entry's permissions.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    std::fs::set_permissions(to, std::fs::metadata(from)?.permissions())?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_node_restored_from_a_backup_refuses_to_fork_and_recovers_from_peers()
-> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID,VN", &[])?;
    let dirs: BTreeMap<&str, NodeDir> = ["KH", "ID", "VN"]
        .into_iter()
        .map(|m| Ok((m, NodeDir::open(&fed.join(m))?)))
        .collect::<anyhow::Result<_>>()?;
    let mut nodes = BTreeMap::new();
    for (m, d) in &dirs {
        nodes.insert(*m, d.start().await?);
    }
    let kh_dir = &dirs["KH"];
    let kh_id = MemberId::new("KH")?;
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

    let kh = channel_as(&kh_dir.dir, None).await?;
    append_notes(kh.clone(), LogKind::Shared, 1, 3, 100).await?;
    append_notes(kh.clone(), LogKind::Private, 1, 2, 100).await?;
    wait(3).await?;

    // The backup: the data folder of the stopped node.
    nodes.get_mut("KH").unwrap().stop().await?;
    let backup = tmp.path().join("backup");
    copy_tree(&kh_dir.data_dir(), &backup)?;
    nodes.insert("KH", kh_dir.start().await?);
    let kh = channel_as(&kh_dir.dir, None).await?;
    append_notes(kh.clone(), LogKind::Shared, 4, 3, 100).await?;
    wait(6).await?;
    let before_loss = read_log(kh.clone(), &kh_id).await?;

    // The disk is lost; the backup comes back.
    nodes.get_mut("KH").unwrap().stop().await?;
    std::fs::remove_dir_all(kh_dir.data_dir())?;
    copy_tree(&backup, &kh_dir.data_dir())?;
    nodes.insert("KH", kh_dir.start().await?);
    let kh = channel_as(&kh_dir.dir, None).await?;
    let mut admin = pb::admin_client::AdminClient::new(kh.clone());
    let refused = admin
        .append(append_request(LogKind::Shared, vec![note_draft(4, 100)]))
        .await
        .unwrap_err();
    assert_eq!(
        refused.code(),
        tonic::Code::FailedPrecondition,
        "{refused:?}"
    );
    let message = refused.message();
    assert!(
        message.contains("holds this member's shared log up to event 6, this node only up to 3")
            && message.contains("remedy-node --dir DIR recover"),
        "{message}"
    );
    let (ok, _, stderr) =
        remedy_tests::remedy(&["--dir", remedy_tests::path_arg(&kh_dir.dir), "status"])?;
    assert!(
        !ok && stderr.contains("appends to the shared log refused: peer"),
        "{stderr}"
    );
    // The private log is not shared: it may still grow.
    append_notes(kh.clone(), LogKind::Private, 3, 1, 100).await?;
    assert_eq!(read_log(kh.clone(), &kh_id).await?, before_loss[..3]);

    // Recovery needs the node stopped (it holds the store).
    nodes.get_mut("KH").unwrap().stop().await?;
    let out = kh_dir.run_node_ok(&["recover"])?;
    assert!(
        out.contains("recovered events 4 to 6 of the shared log from peer")
            && out.contains("private log (case records) is not held by any peer")
            && out.contains("it holds 3 events here"),
        "{out}"
    );
    // Again: nothing more to fetch.
    let out = kh_dir.run_node_ok(&["recover"])?;
    assert!(out.contains("nothing to recover"), "{out}");

    nodes.insert("KH", kh_dir.start().await?);
    let kh = channel_as(&kh_dir.dir, None).await?;
    let events = read_log(kh.clone(), &kh_id).await?;
    assert_eq!(
        events, before_loss,
        "the recovered log is the one signed before"
    );
    verify_events(&kh_id, &kh_dir.key, &events)?;
    append_notes(kh.clone(), LogKind::Shared, 7, 1, 100).await?;
    wait(7).await?;
    for (name, channel) in &peers {
        let report = status(channel.clone()).await?;
        assert!(report.forks.is_empty(), "{name}: {:?}", report.forks);
        assert!(report.rejected.is_empty(), "{name}: {:?}", report.rejected);
    }
    // KH's checkpoint covers the recovered events and the new one.
    let text = pb::federation_client::FederationClient::new(kh)
        .checkpoint(pb::CheckpointRequest {
            origin: String::new(),
        })
        .await?
        .into_inner()
        .text;
    let checkpoint = remedy_core::checkpoint::SignedCheckpoint::parse(&text)?;
    assert_eq!(checkpoint.checkpoint.size, 7, "{text}");
    Ok(())
}
