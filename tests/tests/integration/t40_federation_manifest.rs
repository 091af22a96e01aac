//! Identities and the co-signed manifest through the `remedy` CLI: bootstrap, init,
//! assemble, sign, verify, and the refusals.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;

use remedy_tests::{path_arg as path, remedy};

#[test]
fn bootstrap_makes_a_folder_per_party_and_a_manifest_signed_by_every_node() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let out = tmp.path().join("fed");
    let (ok, stdout, stderr) = remedy(&[
        "federation",
        "bootstrap",
        "--out",
        path(&out),
        "--members",
        "KH,ID,VN,JP",
        "--coordinator",
        "ILO",
        "--auditor",
        "AUD",
        "--base-port",
        "7700",
    ])?;
    assert!(ok, "{stderr}");
    assert!(stdout.contains("bootstrapped 6 parties"), "{stdout}");
    for (i, id) in ["KH", "ID", "VN", "JP", "ILO", "AUD"].iter().enumerate() {
        let dir = out.join(id);
        for secret in ["signing.key", "tls.key"] {
            let mode = std::fs::metadata(dir.join(secret))?.permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{id}/{secret}");
        }
        assert!(dir.join("member.toml").exists() && dir.join("federation.toml").exists());
        // Nodes get consecutive loopback ports and a node.toml; readers neither.
        let node_toml = std::fs::read_to_string(dir.join("node.toml")).unwrap_or_default();
        if i < 4 {
            assert!(
                node_toml.contains(&format!("listen = \"127.0.0.1:{}\"", 7700 + i)),
                "{id}: {node_toml}"
            );
        } else {
            assert!(node_toml.is_empty(), "{id} is a reader but has a node.toml");
        }
    }
    let (ok, stdout, stderr) = remedy(&[
        "federation",
        "verify",
        path(&out.join("AUD/federation.toml")),
    ])?;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("valid: signed by KH, ID, VN, JP"),
        "{stdout}"
    );

    let (ok, stdout, _) = remedy(&[
        "--format",
        "json",
        "federation",
        "verify",
        path(&out.join("KH/federation.toml")),
    ])?;
    assert!(ok);
    let report: serde_json::Value = serde_json::from_str(&stdout)?;
    assert_eq!(report["verdict"], "valid");
    assert_eq!(report["members"].as_array().map(Vec::len), Some(6));
    Ok(())
}

#[test]
fn a_manifest_is_valid_only_once_every_node_has_signed_and_nothing_changed() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let t = tmp.path();
    for (id, role, endpoint) in [
        ("KH", "node", "127.0.0.1:7801"),
        ("JP", "node", "127.0.0.1:7802"),
        ("ILO", "coordinator", ""),
    ] {
        let dir = t.join(id);
        let (ok, stdout, stderr) = remedy(&[
            "--dir",
            path(&dir),
            "init",
            "--member",
            id,
            "--name",
            &format!("{id} agency"),
            "--role",
            role,
            "--endpoint",
            endpoint,
        ])?;
        assert!(ok, "{stderr}");
        assert_eq!(
            stdout.lines().last(),
            Some(id),
            "the id alone on the last line"
        );
    }
    // A node without an endpoint, and a folder that already holds an identity, are refused.
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&t.join("VN")),
        "init",
        "--member",
        "VN",
        "--name",
        "x",
        "--role",
        "node",
    ])?;
    assert!(
        !ok && stderr.contains("a node needs --endpoint"),
        "{stderr}"
    );
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&t.join("KH")),
        "init",
        "--member",
        "KH",
        "--name",
        "x",
        "--role",
        "node",
        "--endpoint",
        "127.0.0.1:1",
    ])?;
    assert!(
        !ok && stderr.contains("already holds an identity"),
        "{stderr}"
    );

    let manifest = t.join("federation.toml");
    let (ok, _, stderr) = remedy(&[
        "federation",
        "assemble",
        "--out",
        path(&manifest),
        "--name",
        "pilot",
        "--min-threshold",
        "7",
        path(&t.join("KH/member.toml")),
        path(&t.join("JP/member.toml")),
        path(&t.join("ILO/member.toml")),
    ])?;
    assert!(ok, "{stderr}");

    let verify = || remedy(&["federation", "verify", path(&manifest)]);
    let (ok, _, stderr) = verify()?;
    assert!(
        !ok && stderr
            .contains("signed by 0 of 2 node members (); the policy needs 2: missing KH, JP"),
        "{stderr}"
    );

    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&t.join("KH")),
        "federation",
        "sign",
        path(&manifest),
    ])?;
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = verify()?;
    assert!(!ok && stderr.contains("missing JP"), "{stderr}");
    // A coordinator does not sign.
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&t.join("ILO")),
        "federation",
        "sign",
        path(&manifest),
    ])?;
    assert!(!ok && stderr.contains("only node members sign"), "{stderr}");

    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&t.join("JP")),
        "federation",
        "sign",
        path(&manifest),
    ])?;
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = verify()?;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("min threshold 7") && stdout.contains("valid: signed by KH, JP"),
        "{stdout}"
    );

    // One changed byte in the signed part, and the signatures no longer hold.
    let text = std::fs::read_to_string(&manifest)?;
    std::fs::write(
        &manifest,
        text.replace("min_threshold = 7", "min_threshold = 2"),
    )?;
    let (ok, _, stderr) = verify()?;
    assert!(
        !ok && stderr.contains("does not verify over the manifest body"),
        "{stderr}"
    );

    // A file that is not TOML says where.
    std::fs::write(&manifest, text.replace("version = 1", "version = one"))?;
    let (ok, _, stderr) = verify()?;
    assert!(!ok && stderr.contains("line 4, column"), "{stderr}");
    Ok(())
}

#[test]
fn a_new_member_joins_through_a_version_signed_by_the_previous_members() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    let (ok, _, stderr) = remedy(&[
        "federation",
        "bootstrap",
        "--out",
        path(&fed),
        "--members",
        "KH,ID,VN,JP",
        "--base-port",
        "7900",
        "--manifest-quorum",
        "majority",
    ])?;
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&tmp.path().join("PH")),
        "init",
        "--member",
        "PH",
        "--name",
        "Philippines DMW",
        "--role",
        "node",
        "--endpoint",
        "127.0.0.1:7904",
    ])?;
    assert!(ok, "{stderr}");
    let v1 = fed.join("KH/federation.toml");
    let v2 = tmp.path().join("federation-v2.toml");
    let (ok, stdout, stderr) = remedy(&[
        "federation",
        "amend",
        path(&v1),
        "--out",
        path(&v2),
        "--add",
        path(&tmp.path().join("PH/member.toml")),
    ])?;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("wrote version 2") && stdout.contains("majority"),
        "{stdout}"
    );

    let verify = || remedy(&["federation", "verify", path(&v2), "--previous", path(&v1)]);
    // The newcomer may sign to show it accepts, but only version 1's nodes count.
    let (ok, _, stderr) = remedy(&[
        "--dir",
        path(&tmp.path().join("PH")),
        "federation",
        "sign",
        path(&v2),
    ])?;
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = verify()?;
    assert!(
        !ok && stderr.contains("signed by 0 of 4 node members"),
        "{stderr}"
    );

    // Three of the four old members sign: a majority.
    for id in ["KH", "ID"] {
        assert!(
            remedy(&[
                "--dir",
                path(&fed.join(id)),
                "federation",
                "sign",
                path(&v2)
            ])?
            .0
        );
    }
    let (ok, _, stderr) = verify()?;
    assert!(!ok && stderr.contains("the policy needs 3"), "{stderr}");
    assert!(
        remedy(&[
            "--dir",
            path(&fed.join("VN")),
            "federation",
            "sign",
            path(&v2)
        ])?
        .0
    );
    let (ok, stdout, stderr) = verify()?;
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("version 2") && stdout.contains("PH"),
        "{stdout}"
    );

    // Version 2 on its own is not a starting point, and amending with a known id is refused.
    let (ok, _, stderr) = remedy(&["federation", "verify", path(&v2)])?;
    assert!(!ok);
    assert!(
        stderr.contains("pass --previous FILE with version 1"),
        "{stderr}"
    );
    let (ok, _, stderr) = remedy(&[
        "federation",
        "amend",
        path(&v2),
        "--out",
        path(&v2),
        "--add",
        path(&fed.join("KH/member.toml")),
    ])?;
    assert!(!ok && stderr.contains("KH is already a member"), "{stderr}");
    Ok(())
}
