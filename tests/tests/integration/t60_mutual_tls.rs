//! A node in a federation speaks mutual TLS only, with certificates pinned in the
//! manifest: members and readers get in, strangers and certificate-less clients are
//! refused at the handshake, and only the node's own identity may append.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use remedy_tests::{NodeDir, bootstrap, path_arg as path, remedy, wait_for};

#[tokio::test]
async fn only_manifest_certificates_connect_and_only_the_operator_appends() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    let port = bootstrap(&fed, "KH,ID", &["--coordinator", "ILO"])?;
    let kh = NodeDir::open(&fed.join("KH"))?;
    let _node = kh.start().await?;
    let addr = format!("127.0.0.1:{port}");

    // The operator appends through its own identity folder.
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&fed.join("KH")),
        "log",
        "append",
        "--text",
        "minutes",
    ])?;
    assert!(ok, "{stderr}");

    // A coordinator reads, but may not append; neither may another member.
    let (ok, stdout, stderr) = remedy(&["--dir", path(&fed.join("ILO")), "log", "head"])?;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("KH shared log: 1 events"), "{stdout}");
    for who in ["ILO", "ID"] {
        let (ok, _, stderr) = remedy(&[
            "--dir",
            path(&fed.join(who)),
            "--node",
            &addr,
            "log",
            "append",
            "--text",
            "not mine",
        ])?;
        assert!(
            !ok && stderr.contains("for this node's operator only"),
            "{who}: {stderr}"
        );
    }

    // A stranger holding a copy of the manifest, but whose certificate is not in it.
    let stranger = tmp.path().join("XX");
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&stranger),
        "init",
        "--member",
        "XX",
        "--name",
        "stranger",
        "--role",
        "auditor",
    ])?;
    assert!(ok, "{stderr}");
    std::fs::copy(
        fed.join("KH/federation.toml"),
        stranger.join("federation.toml"),
    )?;
    // (TLS 1.3: the client learns of the refusal when its first request meets a closed
    // connection; the node's log below says why.)
    let (ok, _, stderr) = remedy(&["--dir", path(&stranger), "log", "head"])?;
    assert!(
        !ok && stderr.contains("hint: the node closed the connection"),
        "{stderr}"
    );

    // A client with no certificate at all.
    let (ok, _, stderr) = remedy(&["--node", &addr, "log", "head"])?;
    assert!(!ok, "a plain-text client got an answer: {stderr}");

    // Both refusals are in the node's log, with the reason.
    let log = kh.log_path();
    wait_for(
        "the refused handshakes in the node log",
        Duration::from_secs(10),
        || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .matches("TLS handshake refused")
                .count()
                >= 2
        },
    )
    .await?;
    Ok(())
}
