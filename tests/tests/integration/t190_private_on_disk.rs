//! What a federation leaves on disk is its owner's alone: `remedy init` and
//! `remedy federation bootstrap` make folders 0700 and files 0600 whatever the
//! caller's umask, a node's RocksDB files (the private log's case rows among them)
//! come out 0600, a node refuses a `tls.key` others can read, and `audit export`
//! writes a new file 0600, refuses an existing one without `--force` and never
//! writes through a symbolic link.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use nix::sys::stat::{Mode, umask};
use remedy_core::LogKind;
use remedy_tests::federation::{append_notes, channel_as};
use remedy_tests::{NodeDir, bootstrap, path_arg as path, remedy};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// Every folder and file under `root` (itself included), with its mode.
fn walk(root: &Path) -> Vec<(std::path::PathBuf, u32)> {
    let mut out = vec![(root.to_path_buf(), mode(root))];
    if std::fs::symlink_metadata(root).unwrap().is_dir() {
        for entry in std::fs::read_dir(root).unwrap() {
            out.extend(walk(&entry.unwrap().path()));
        }
    }
    out
}

fn assert_private(root: &Path) {
    for (p, m) in walk(root) {
        assert_eq!(m & 0o077, 0, "{} has mode {m:04o}", p.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folders_stores_keys_and_bundles_are_private() -> anyhow::Result<()> {
    // The usual umask, under which the binaries made 0755 folders and 0644 files:
    // they must set their own. Children inherit it.
    umask(Mode::from_bits_truncate(0o022));
    let tmp = tempfile::tempdir()?;

    let (ok, stdout, stderr) = remedy(&[
        "--dir",
        path(&tmp.path().join("solo")),
        "init",
        "--member",
        "KH",
        "--name",
        "Cambodia",
        "--role",
        "node",
        "--endpoint",
        "127.0.0.1:7401",
    ])?;
    assert!(ok, "{stdout}{stderr}");
    assert_eq!(mode(&tmp.path().join("solo")), 0o700);
    assert_private(&tmp.path().join("solo"));

    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH", &["--auditor", "AUD"])?;
    for member in ["KH", "AUD"] {
        assert_eq!(mode(&fed.join(member)), 0o700, "{member}");
        assert_private(&fed.join(member));
    }

    let kh_dir = NodeDir::open(&fed.join("KH"))?;
    let mut kh = kh_dir.start().await?;
    let channel = channel_as(&kh_dir.dir, None).await?;
    append_notes(channel.clone(), LogKind::Shared, 1, 5, 100).await?;
    append_notes(channel, LogKind::Private, 1, 5, 100).await?;
    // While the node runs and after it stopped: RocksDB's files (SST, WAL,
    // MANIFEST, LOG, OPTIONS) are readable by the owner alone.
    assert!(kh_dir.data_dir().join("CURRENT").exists());
    assert_private(&kh_dir.data_dir());

    // audit export: a new file 0600; an existing one refused without --force.
    let aud = fed.join("AUD");
    let addr = kh_dir.addr.to_string();
    let export = |out: &Path, force: bool| {
        let mut args = vec![
            "--dir",
            path(&aud),
            "--node",
            &addr,
            "audit",
            "export",
            "--origin",
            "KH",
            "--out",
            path(out),
        ];
        if force {
            args.push("--force");
        }
        remedy(&args).unwrap()
    };
    let bundle = tmp.path().join("kh.bundle");
    let (ok, stdout, stderr) = export(&bundle, false);
    assert!(ok, "{stdout}{stderr}");
    assert_eq!(mode(&bundle), 0o600);
    let written = std::fs::read(&bundle)?;
    assert!(!written.is_empty());

    let (ok, _, stderr) = export(&bundle, false);
    assert!(!ok);
    assert!(
        stderr.contains("already exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&bundle)?, written, "the refused export wrote");
    let (ok, stdout, stderr) = export(&bundle, true);
    assert!(ok, "{stdout}{stderr}");

    // A symbolic link is never followed, with or without --force, and whether
    // its target exists or not.
    let target = tmp.path().join("precious");
    std::fs::write(&target, "keep me")?;
    let link = tmp.path().join("link.bundle");
    std::os::unix::fs::symlink(&target, &link)?;
    let dangling = tmp.path().join("dangling.bundle");
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling)?;
    for (out, force) in [(&link, false), (&link, true), (&dangling, true)] {
        let (ok, _, stderr) = export(out, force);
        assert!(!ok, "exported through {}", out.display());
        assert!(stderr.contains("symbolic link"), "{stderr}");
    }
    assert_eq!(std::fs::read_to_string(&target)?, "keep me");
    assert!(!tmp.path().join("nowhere").exists());

    kh.stop().await?;
    assert_private(&kh_dir.data_dir());

    // A TLS key others can read stops the node, with what to do.
    let tls_key = kh_dir.dir.join("tls.key");
    std::fs::set_permissions(&tls_key, std::fs::Permissions::from_mode(0o644))?;
    let stderr = kh_dir.start_expecting_failure()?;
    assert!(
        stderr.contains("tls.key") && stderr.contains("0644") && stderr.contains("chmod 600"),
        "{stderr}"
    );
    std::fs::set_permissions(&tls_key, std::fs::Permissions::from_mode(0o600))?;
    let mut kh = kh_dir.start().await?;
    kh.stop().await?;
    Ok(())
}
