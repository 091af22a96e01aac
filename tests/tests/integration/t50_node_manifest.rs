//! A node runs only under a manifest signed as its policy demands, names itself in
//! it with its own key, and never rolls back to an older version.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use remedy_tests::{NodeDir, path_arg as path, remedy};

/// Bootstraps KH and ID into `out`.
fn bootstrap(out: &Path) -> anyhow::Result<()> {
    remedy_tests::bootstrap(out, "KH,ID", &[]).map(drop)
}

/// The KH node of a bootstrapped folder, as the test harness drives it.
fn kh(out: &Path) -> anyhow::Result<NodeDir> {
    NodeDir::open(&out.join("KH"))
}

#[tokio::test]
async fn a_bootstrapped_node_runs_under_its_manifest_and_accepts_the_next_version()
-> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed)?;
    let node = kh(&fed)?;
    let mut running = node.start().await?;
    running.stop().await?;

    // Version 2 adds PH, signed by both version-1 nodes: accepted on restart.
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&tmp.path().join("PH")),
        "init",
        "--member",
        "PH",
        "--name",
        "PH",
        "--role",
        "node",
        "--endpoint",
        "127.0.0.1:1",
    ])?;
    assert!(ok, "{stderr}");
    let v1 = fed.join("KH/federation.toml");
    let v1_text = std::fs::read_to_string(&v1)?;
    let v2 = tmp.path().join("v2.toml");
    assert!(
        remedy(&[
            "federation",
            "amend",
            path(&v1),
            "--out",
            path(&v2),
            "--add",
            path(&tmp.path().join("PH/member.toml"))
        ])?
        .0
    );
    assert!(
        remedy(&[
            "--dir",
            path(&fed.join("KH")),
            "federation",
            "sign",
            path(&v2)
        ])?
        .0
    );

    // Signed by KH alone: the policy (all) is not met, and the node says who is missing.
    std::fs::copy(&v2, &v1)?;
    let stderr = node.start_expecting_failure()?;
    assert!(
        stderr.contains("the policy needs 2: missing ID"),
        "{stderr}"
    );

    assert!(
        remedy(&[
            "--dir",
            path(&fed.join("ID")),
            "federation",
            "sign",
            path(&v2)
        ])?
        .0
    );
    std::fs::copy(&v2, &v1)?;
    let mut running = node.start().await?;
    running.stop().await?;

    // Going back to version 1 is refused.
    std::fs::write(&v1, v1_text)?;
    let stderr = node.start_expecting_failure()?;
    assert!(
        stderr.contains("version 1, but this node already runs under version 2"),
        "{stderr}"
    );
    Ok(())
}

#[tokio::test]
async fn a_node_refuses_an_unsigned_manifest_or_one_that_does_not_name_its_key()
-> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed)?;
    let manifest = fed.join("KH/federation.toml");

    // Drop ID's signature.
    let text = std::fs::read_to_string(&manifest)?;
    let cut = text
        .find("[[signatures]]\nmember = \"ID\"")
        .expect("ID signed");
    let end = text[cut..]
        .find("\n\n")
        .map(|i| cut + i)
        .unwrap_or(text.len());
    std::fs::write(&manifest, format!("{}{}", &text[..cut], &text[end..]))?;
    let stderr = kh(&fed)?.start_expecting_failure()?;
    assert!(
        stderr.contains("signed by 1 of 2 node members (KH)") && stderr.contains("missing ID"),
        "{stderr}"
    );

    // Another federation's manifest: valid, but its KH has another key.
    let other = tmp.path().join("other");
    bootstrap(&other)?;
    std::fs::copy(other.join("KH/federation.toml"), &manifest)?;
    let stderr = kh(&fed)?.start_expecting_failure()?;
    assert!(
        stderr.contains("the manifest gives KH the public key"),
        "{stderr}"
    );
    Ok(())
}

#[tokio::test]
async fn members_are_listed_by_the_node_to_any_party() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    remedy_tests::bootstrap(&fed, "KH,ID", &["--coordinator", "ILO", "--auditor", "AUD"])?;
    let _node = kh(&fed)?.start().await?;

    // The operator asks its own node; the coordinator, with no node of its own, asks
    // the first node member of its manifest (KH).
    for who in ["KH", "ILO"] {
        let (ok, stdout, stderr) = remedy(&["--dir", path(&fed.join(who)), "view", "members"])?;
        assert!(ok, "{who}: {stderr}");
        assert!(stdout.contains("manifest version 1"), "{stdout}");
        for id in ["KH", "ID", "ILO", "AUD"] {
            assert!(
                stdout.lines().any(|l| l.starts_with(id)),
                "{who}: {id} missing in\n{stdout}"
            );
        }
    }
    let (ok, stdout, _) = remedy(&[
        "--dir",
        path(&fed.join("AUD")),
        "--format",
        "json",
        "view",
        "members",
    ])?;
    assert!(ok);
    let view: serde_json::Value = serde_json::from_str(&stdout)?;
    let roles: Vec<&str> = view["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["node", "node", "coordinator", "auditor"]);
    assert_eq!(view["members"][0]["signed_manifest"], true);
    Ok(())
}
