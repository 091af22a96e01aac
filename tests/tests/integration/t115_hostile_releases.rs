//! A member that signs hostile releases by hand: labels that forge another
//! member's rows or run as spreadsheet formulas, a table no release has, a 300 x
//! 300 table of suppressed cells, the largest release an event carries, totals
//! that do not add up, figures that overflow, a missing channel, a second release
//! of a period and revision it published, a revision that skips one. VN's place is
//! taken by a fake node serving VN's log, signed with VN's real key, to two honest
//! nodes (KH and ID): each rejects every release as `policy`, naming the event and
//! what is wrong, stores none of them and goes on taking VN's valid events. The
//! auditor, reading the same logs, fails each with the same reason. And VN's own
//! operator cannot append such a release by hand to a real node.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use remedy_client::identity::load_manifest;
use remedy_client::keyfile::load_signing_key;
use remedy_core::checkpoint::{Checkpoint, SignedCheckpoint, key_name, origin_line};
use remedy_core::merkle::Frontier;
use remedy_core::payload::Payload;
use remedy_core::release::Release;
use remedy_core::{ChainHead, EventHash, LogKind, MemberId, SignedEvent, SigningKey};
use remedy_proto::v1 as pb;
use remedy_tests::fake::{FakeNode, Served};
use remedy_tests::federation::{channel_as, status};
use remedy_tests::releases::{hostile, revised, valid};
use remedy_tests::{NodeDir, bootstrap, path_arg as path, read_log, remedy};
use tonic::transport::Channel;

/// What each hostile release is rejected for, in the words of the rejection.
fn expected(what: &str) -> &'static str {
    match what {
        "a row label that forges another member's row" => r#"row 1 is "pending\nJP,2024-Q3"#,
        "a column label a spreadsheet runs as a formula" => r#"column 1 is "=HYPERLINK(\""#,
        "a table no release has" => r#""cases-by-name"], where every release has"#,
        "a 300 x 300 table, every cell suppressed" => r#"row 1 is "r0-of-300""#,
        "the largest release one event carries" => r#"row 1 is "r0-of-4"#,
        "totals that do not add up" => "the published parts add up to",
        "a total of 1 to K-1 published" => "channel-outcome: total is published as",
        "figures that overflow when summed" => {
            "a figure of 9223372036854775807 is beyond ±1099511627776"
        }
        "a negative count in an exact table" => "exact counts are never negative",
        "a channel missing from the resolution table" => "9 channels, where the code list has 10",
        "a second release of a period and revision" => "revision 1 is held already",
        "a revision that skips one" => "revision 3 after revision 1",
        other => panic!("no expectation for {other}"),
    }
}

/// VN's log: its valid first release, then `next`.
fn log(key: &SigningKey, vn: &MemberId, first: &Release, next: &Release) -> Vec<Vec<u8>> {
    let one = SignedEvent::seal(
        key,
        vn,
        LogKind::Shared,
        1,
        EventHash::ZERO,
        0,
        &first.to_draft(),
    );
    let two = SignedEvent::seal(
        key,
        vn,
        LogKind::Shared,
        2,
        ChainHead::of(&one).hash,
        0,
        &next.to_draft(),
    );
    vec![one.into_raw(), two.into_raw()]
}

/// The last `policy` rejection a node reports, if any.
async fn last_policy_rejection(node: Channel) -> anyhow::Result<Option<String>> {
    Ok(status(node)
        .await?
        .rejected
        .into_iter()
        .find(|r| r.reason == "policy")
        .map(|r| r.last))
}

/// VN's height at a node.
async fn vn_height(node: Channel) -> anyhow::Result<u64> {
    Ok(status(node)
        .await?
        .origins
        .into_iter()
        .find(|o| o.origin == "VN")
        .map(|o| o.height)
        .unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_releases_are_rejected_by_every_peer_and_the_auditor() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID,VN", &["--auditor", "AUD"])?;
    let vn_dir = NodeDir::open(&fed.join("VN"))?;
    let vn = MemberId::new("VN")?;
    let key = load_signing_key(&vn_dir.dir.join("signing.key"))?;
    let federation = load_manifest(&vn_dir.dir.join("federation.toml"))?
        .body
        .federation
        .name;

    let fake = FakeNode::default();
    fake.start(&vn_dir.dir, vn_dir.addr).await?;
    let serve = |log: Vec<Vec<u8>>| {
        let mut tree = Frontier::default();
        for raw in &log {
            tree.push(raw, |_, _, _| {});
        }
        let checkpoint = SignedCheckpoint::sign(
            Checkpoint {
                origin: origin_line(&federation, "VN"),
                size: tree.size(),
                root: tree.root(),
            },
            &key_name("VN"),
            &key,
        );
        fake.serve(Served {
            logs: [("VN".to_string(), log)].into(),
            checkpoints: [("VN".to_string(), checkpoint.to_text())].into(),
        });
    };

    let first = valid(&vn, "2024-Q3", 2000, 1);
    let mut attacks = hostile(&first);
    attacks.push((
        "a second release of a period and revision",
        valid(&vn, "2024-Q3", 2400, 1),
    ));
    attacks.push(("a revision that skips one", valid(&vn, "2024-Q3", 2400, 3)));

    // A follow stream of the fake sends what is served when it opens, then
    // nothing: a peer sees the next attack when it reconnects after rejecting
    // the one before. So the first is served before the peers start.
    serve(log(&key, &vn, &first, &attacks[0].1));
    let (kh_dir, id_dir) = (
        NodeDir::open(&fed.join("KH"))?,
        NodeDir::open(&fed.join("ID"))?,
    );
    let _kh_node = kh_dir.start().await?;
    let _id_node = id_dir.start().await?;
    let peers: BTreeMap<&str, Channel> = [
        ("KH", channel_as(&kh_dir.dir, None).await?),
        ("ID", channel_as(&id_dir.dir, None).await?),
    ]
    .into();

    let aud = fed.join("AUD");
    let vn_addr = vn_dir.addr.to_string();
    for (what, release) in &attacks {
        let want = expected(what);
        serve(log(&key, &vn, &first, release));
        for (name, peer) in &peers {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let last = last_policy_rejection(peer.clone()).await?;
                if let Some(text) = &last
                    && text.contains(want)
                {
                    assert!(text.contains("VN event 2 from peer VN"), "{text}");
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "{name} did not reject {what} ({want}); last policy rejection: {last:?}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert_eq!(vn_height(peer.clone()).await?, 1, "{name} stored {what}");
        }
        // The auditor reads the same log and fails it for the same reason.
        let (ok, stdout, _) = remedy(&[
            "--dir",
            path(&aud),
            "--node",
            &vn_addr,
            "audit",
            "verify",
            "--origin",
            "VN",
        ])?;
        assert!(!ok, "the auditor passed {what}: {stdout}");
        assert!(
            stdout.contains("VN event 2: ") && stdout.contains(want),
            "the auditor on {what}: {stdout}"
        );
    }

    // VN's next valid release is taken at both peers: nothing hostile is held.
    let second = revised(&vn, "2024-Q3", 2400, 2, std::slice::from_ref(&first));
    let honest = log(&key, &vn, &first, &second);
    serve(honest.clone());
    for (name, peer) in &peers {
        let deadline = Instant::now() + Duration::from_secs(30);
        while vn_height(peer.clone()).await? < 2 {
            assert!(
                Instant::now() < deadline,
                "{name} never took VN's revision 2"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let held: Vec<Vec<u8>> = read_log(peer.clone(), &vn)
            .await?
            .into_iter()
            .map(|e| e.raw().to_vec())
            .collect();
        assert_eq!(held, honest, "{name} holds exactly VN's valid releases");
    }

    // KH's own operator cannot append such a release by hand either.
    let kh = peers["KH"].clone();
    let kh_id = MemberId::new("KH")?;
    let kh_first = valid(&kh_id, "2024-Q3", 2000, 1);
    let by_hand = |release: &Release| pb::AppendRequest {
        log: pb::LogKind::Shared as i32,
        events: vec![pb::Draft {
            payload_kind: u32::from(remedy_core::PayloadKind::RELEASE.0),
            payload_version: u32::from(<Release as remedy_core::payload::Payload>::VERSION),
            payload: release.encode(),
        }],
    };
    let mut admin = pb::admin_client::AdminClient::new(kh.clone());
    admin.append(by_hand(&kh_first)).await?;
    for (what, release) in hostile(&kh_first).into_iter().chain([(
        "a second release of a period and revision",
        kh_first.clone(),
    )]) {
        let refused = admin.append(by_hand(&release)).await.unwrap_err();
        assert_eq!(refused.code(), tonic::Code::FailedPrecondition, "{what}");
        assert!(
            refused.message().contains(expected(what)),
            "{what}: {}",
            refused.message()
        );
    }
    Ok(())
}
