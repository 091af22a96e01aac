//! A node refuses to build on a log that does not verify, and says which event is
//! wrong and why; bad key files are named.

#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use remedy_core::{Draft, EventHash, LogKind, PayloadKind, SignedEvent, SigningKey};
use remedy_node::store::{RocksStore, StoreOptions};
use remedy_proto::v1 as pb;
use remedy_tests::{NodeDir, append_request, note_draft};

/// A node folder with 100 shared events, stopped cleanly.
async fn node_with_history(dir: &Path) -> anyhow::Result<NodeDir> {
    let node_dir = NodeDir::create(dir, "KH")?;
    let mut node = node_dir.start().await?;
    let mut admin = pb::admin_client::AdminClient::new(node.channel().await?);
    admin
        .append(append_request(
            LogKind::Shared,
            (1..=100).map(|i| note_draft(i, 200)).collect(),
        ))
        .await?;
    drop(admin);
    node.stop().await?;
    Ok(node_dir)
}

/// Changes the stored shared log directly in RocksDB, as disk corruption or an
/// intruder would.
fn tamper(
    node: &NodeDir,
    change: impl FnOnce(&rocksdb::DB, &rocksdb::ColumnFamily),
) -> anyhow::Result<()> {
    drop(RocksStore::open(&node.data_dir(), StoreOptions::default())?);
    let mut options = rocksdb::Options::default();
    options.create_if_missing(false);
    let db = rocksdb::DB::open_cf(
        &options,
        node.data_dir(),
        remedy_node::store::rocks::COLUMN_FAMILIES,
    )?;
    let cf = db.cf_handle("shared").expect("shared family");
    change(&db, cf);
    Ok(())
}

fn key(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

async fn expect_refusal(
    name: &str,
    change: impl FnOnce(&rocksdb::DB, &rocksdb::ColumnFamily),
    expected: &[&str],
) -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let node = node_with_history(&tmp.path().join(name)).await?;
    tamper(&node, change)?;
    let stderr = node.start_expecting_failure()?;
    for part in expected {
        assert!(
            stderr.contains(part),
            "{name}: expected {part:?} in:\n{stderr}"
        );
    }
    assert!(stderr.contains("will not build on it"), "{name}: {stderr}");
    Ok(())
}

#[tokio::test]
async fn a_flipped_byte_is_named() -> anyhow::Result<()> {
    expect_refusal(
        "flip",
        |db, cf| {
            let mut value = db.get_cf(cf, key(50)).expect("get").expect("event 50");
            let at = value.len() - 100; // inside the payload
            value[at] ^= 0x20;
            db.put_cf(cf, key(50), value).expect("put");
        },
        // Event 50 of a 100-event append is linked: the hash event 51 holds (and
        // the signature on event 100 covers) no longer matches it.
        &[
            "KH shared log, event 50",
            "its body is not the one event 51 links to",
        ],
    )
    .await
}

#[tokio::test]
async fn a_deleted_event_is_a_gap() -> anyhow::Result<()> {
    expect_refusal(
        "gap",
        |db, cf| db.delete_cf(cf, key(30)).expect("delete"),
        &[
            "KH shared log, event 31",
            "sequence gap: expected 30, found 31",
        ],
    )
    .await
}

#[tokio::test]
async fn a_truncated_event_is_named() -> anyhow::Result<()> {
    expect_refusal(
        "torn",
        |db, cf| {
            let value = db.get_cf(cf, key(70)).expect("get").expect("event 70");
            db.put_cf(cf, key(70), &value[..value.len() / 2])
                .expect("put");
        },
        &["KH shared log, event 70", "cannot be decoded"],
    )
    .await
}

#[tokio::test]
async fn garbage_bytes_are_named() -> anyhow::Result<()> {
    expect_refusal(
        "garbage",
        |db, cf| db.put_cf(cf, key(10), b"not an event at all").expect("put"),
        &[
            "KH shared log, event 10",
            "not an event: first byte is 0x6e",
        ],
    )
    .await
}

#[tokio::test]
async fn an_event_signed_by_another_key_is_named() -> anyhow::Result<()> {
    expect_refusal(
        "forged",
        |db, cf| {
            let original = SignedEvent::decode(db.get_cf(cf, key(60)).expect("get").expect("60"))
                .expect("decodes");
            let forged = SignedEvent::seal(
                &SigningKey::generate(),
                original.origin(),
                LogKind::Shared,
                60,
                original.prev(),
                original.time_ms(),
                &Draft {
                    kind: PayloadKind::NOTE,
                    version: 1,
                    payload: original.payload().to_vec(),
                },
            );
            db.put_cf(cf, key(60), forged.raw()).expect("put");
        },
        &["KH shared log, event 60", "signature does not verify"],
    )
    .await
}

#[tokio::test]
async fn two_swapped_events_are_named() -> anyhow::Result<()> {
    expect_refusal(
        "swap",
        |db, cf| {
            let a = db.get_cf(cf, key(20)).expect("get").expect("20");
            let b = db.get_cf(cf, key(21)).expect("get").expect("21");
            db.put_cf(cf, key(20), b).expect("put");
            db.put_cf(cf, key(21), a).expect("put");
        },
        &[
            "KH shared log, event 21",
            "sequence gap: expected 20, found 21",
        ],
    )
    .await
}

#[tokio::test]
async fn a_relinked_event_is_named() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let node = node_with_history(&tmp.path().join("relink")).await?;
    let signer = node.key.clone();
    // Re-signed with the real key, but linked to the wrong predecessor.
    tamper(&node, |db, cf| {
        let original = SignedEvent::decode(db.get_cf(cf, key(40)).expect("get").expect("40"))
            .expect("decodes");
        let relinked = SignedEvent::seal(
            &signer,
            original.origin(),
            LogKind::Shared,
            40,
            EventHash([7; 32]),
            original.time_ms(),
            &Draft {
                kind: original.kind(),
                version: original.version(),
                payload: original.payload().to_vec(),
            },
        );
        db.put_cf(cf, key(40), relinked.raw()).expect("put");
    })?;
    let stderr = node.start_expecting_failure()?;
    // Event 40 was linked (inside a 100-event append): the new body is not the
    // one event 41 links to.
    assert!(
        stderr.contains("KH shared log, event 40: its body is not the one event 41 links to"),
        "{stderr}"
    );
    Ok(())
}

#[tokio::test]
async fn key_files_with_wrong_permissions_length_or_identity_are_refused() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let node = node_with_history(&tmp.path().join("keys")).await?;
    let key_path = node.dir.join("signing.key");

    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644))?;
    let stderr = node.start_expecting_failure()?;
    assert!(
        stderr.contains("signing.key") && stderr.contains("can be read by others (mode 0644)"),
        "{stderr}"
    );

    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600))?;
    std::fs::write(&key_path, "0123\n")?;
    let stderr = node.start_expecting_failure()?;
    assert!(
        stderr.contains("signing.key") && stderr.contains("wrong length: 4 characters"),
        "{stderr}"
    );

    std::fs::write(&key_path, SigningKey::generate().to_file_text())?;
    let stderr = node.start_expecting_failure()?;
    assert!(
        stderr.contains("is not the key this node's logs were written with"),
        "{stderr}"
    );
    Ok(())
}
