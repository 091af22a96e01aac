//! The verdict an auditor leaves at a node (`Federation.RecordAudit`) can only come
//! from that auditor, connected with its own certificate, naming that node, and
//! newer than the verdict it replaces: a member replaying the auditor's signed
//! report (say, an old PASS over a new FAIL) is refused, at this node and at any
//! other.

#![allow(clippy::unwrap_used)]

use remedy_client::keyfile::load_signing_key;
use remedy_proto::v1 as pb;
use remedy_tests::federation::{channel_as, status};
use remedy_tests::{NodeDir, bootstrap, path_arg as path, remedy};
use tonic::transport::Channel;

async fn record(channel: Channel, report: &str, signature: &str) -> Result<(), tonic::Status> {
    pb::federation_client::FederationClient::new(channel)
        .record_audit(pb::AuditRecord {
            report: report.into(),
            signature: signature.into(),
        })
        .await
        .map(drop)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_auditor_records_a_newer_verdict_about_this_node() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,VN", &["--auditor", "AUD"])?;
    let (kh_dir, vn_dir) = (
        NodeDir::open(&fed.join("KH"))?,
        NodeDir::open(&fed.join("VN"))?,
    );
    let _kh = kh_dir.start().await?;
    let _vn = vn_dir.start().await?;
    let aud = fed.join("AUD");
    let kh_addr = kh_dir.addr.to_string();

    // A real audit through KH leaves its signed verdict there, naming KH.
    let (_, stdout, stderr) =
        remedy(&["--dir", path(&aud), "--node", &kh_addr, "audit", "verify"])?;
    assert!(!stderr.contains("was not left"), "{stdout}{stderr}");
    let left = status(channel_as(&kh_dir.dir, None).await?)
        .await?
        .last_audit;
    let verdict: serde_json::Value = serde_json::from_str(&left)?;
    assert_eq!(verdict["node"], "KH", "{left}");
    assert_eq!(verdict["auditor"], "AUD", "{left}");

    let key = load_signing_key(&aud.join("signing.key"))?;
    let sign = |report: &serde_json::Value| {
        let text = report.to_string();
        let signature = hex::encode(key.sign(text.as_bytes()).to_bytes());
        (text, signature)
    };
    let as_auditor_at_kh = channel_as(&aud, Some(kh_dir.addr)).await?;
    let as_kh = channel_as(&kh_dir.dir, None).await?;

    // The same signed report again: not newer than the one recorded.
    let (text, signature) = sign(&verdict);
    let replayed = record(as_auditor_at_kh.clone(), &text, &signature)
        .await
        .unwrap_err();
    assert_eq!(replayed.code(), tonic::Code::FailedPrecondition);
    assert!(
        replayed.message().contains("not newer"),
        "{}",
        replayed.message()
    );

    // A newer, validly signed report passed on by a member: not the auditor's
    // connection.
    let mut newer = verdict.clone();
    newer["time"] = (verdict["time"].as_u64().unwrap() + 10).into();
    let (text, signature) = sign(&newer);
    let passed_on = record(as_kh, &text, &signature).await.unwrap_err();
    assert_eq!(passed_on.code(), tonic::Code::PermissionDenied);
    assert!(
        passed_on.message().contains("only AUD"),
        "{}",
        passed_on.message()
    );

    // KH's verdict taken to VN by the auditor itself: it names another node.
    let elsewhere = record(
        channel_as(&aud, Some(vn_dir.addr)).await?,
        &text,
        &signature,
    )
    .await
    .unwrap_err();
    assert_eq!(elsewhere.code(), tonic::Code::FailedPrecondition);
    assert!(
        elsewhere.message().contains("not through this node (VN)"),
        "{}",
        elsewhere.message()
    );

    // From the auditor, naming KH, newer: recorded.
    record(as_auditor_at_kh, &text, &signature).await?;
    let now = status(channel_as(&kh_dir.dir, None).await?)
        .await?
        .last_audit;
    assert_eq!(now, text);
    Ok(())
}
