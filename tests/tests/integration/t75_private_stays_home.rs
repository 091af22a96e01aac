//! Nothing private on the wire: every byte VN sends to and receives from its peers
//! passes a recording proxy; with VN's TLS session keys (SSLKEYLOGFILE) the test
//! decrypts it all and looks for VN's case records. It finds every shared event VN
//! published (so the search can see what is there) and no case id, no private
//! payload.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use remedy_client::config::{CONFIG_FILE, NodeConfig};
use remedy_core::LogKind;
use remedy_tests::federation::{append_texts, channel_as, wait_connected, wait_heights};
use remedy_tests::proxy::Proxy;
use remedy_tests::tls13::{KeyLog, decrypt, http2_data};
use remedy_tests::{NodeDir, bootstrap};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn no_private_record_is_on_the_wire() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,VN,JP", &[])?;
    let dirs: BTreeMap<&str, NodeDir> = ["KH", "VN", "JP"]
        .into_iter()
        .map(|m| Ok((m, NodeDir::open(&fed.join(m))?)))
        .collect::<anyhow::Result<_>>()?;

    // Every connection into and out of VN goes through a recording proxy.
    let mut proxies = BTreeMap::new();
    for m in ["KH", "VN", "JP"] {
        proxies.insert(m, Proxy::start(dirs[m].addr).await?);
    }
    let route = |node: &str, peer: &str| -> anyhow::Result<()> {
        let dir = &dirs[node].dir;
        let mut config = NodeConfig::load(dir)?;
        config
            .peers
            .insert(remedy_core::MemberId::new(peer)?, proxies[peer].addr);
        std::fs::write(dir.join(CONFIG_FILE), config.to_toml())?;
        Ok(())
    };
    route("KH", "VN")?;
    route("JP", "VN")?;
    route("VN", "KH")?;
    route("VN", "JP")?;

    let keylog = tmp.path().join("vn-tls-keys.log");
    let _kh = dirs["KH"].start().await?;
    let _jp = dirs["JP"].start().await?;
    let _vn = dirs["VN"]
        .start_with_env(&[("SSLKEYLOGFILE", keylog.as_path())])
        .await?;
    let mut channels = BTreeMap::new();
    for m in ["KH", "VN", "JP"] {
        channels.insert(m.to_string(), channel_as(&dirs[m].dir, None).await?);
    }

    wait_connected(&channels, Duration::from_secs(30)).await?;

    // VN holds case records in its private log, and publishes shared notes.
    let cases: Vec<String> = (0..200)
        .map(|i| format!("case VN-CASE-{i:06} wages unpaid 4 months, passport held by employer"))
        .collect();
    let shared: Vec<String> = (0..50)
        .map(|i| format!("SHARED-VN-{i:04} workshop minutes"))
        .collect();
    append_texts(channels["VN"].clone(), LogKind::Private, &cases[..100]).await?;
    append_texts(channels["VN"].clone(), LogKind::Shared, &shared[..25]).await?;
    append_texts(channels["VN"].clone(), LogKind::Private, &cases[100..]).await?;
    append_texts(channels["VN"].clone(), LogKind::Shared, &shared[25..]).await?;
    append_texts(
        channels["KH"].clone(),
        LogKind::Shared,
        &["KH note".to_string()],
    )
    .await?;
    let expected = [("VN".to_string(), 50), ("KH".to_string(), 1)].into();
    wait_heights(&channels, &expected, Duration::from_secs(30)).await?;

    // Decrypt every recorded connection of VN, both directions.
    let keys = KeyLog::parse(&std::fs::read_to_string(&keylog)?)?;
    let mut plain = Vec::new();
    let mut connections = 0;
    for proxy in proxies.values() {
        for recording in proxy.recordings() {
            if recording.to_target.is_empty() {
                continue;
            }
            let (to_server, to_client) =
                decrypt(&keys, &recording.to_target, &recording.from_target)?;
            connections += 1;
            for direction in [to_server, to_client] {
                for data in http2_data(&direction).into_values() {
                    plain.push(data);
                }
                plain.push(direction);
            }
        }
    }
    assert!(
        connections >= 4,
        "VN's connections in and out: {connections}"
    );
    let seen = |needle: &str| plain.iter().any(|p| contains(p, needle.as_bytes()));
    // The search sees what is on the wire: every shared note VN published.
    for text in &shared {
        assert!(
            seen(text),
            "{text} was replicated but not found in the decrypted traffic"
        );
    }
    // And no case id, no private text.
    for (i, text) in cases.iter().enumerate() {
        assert!(
            !seen(&format!("VN-CASE-{i:06}")),
            "a case id is on the wire"
        );
        assert!(!seen(text), "a private payload is on the wire");
    }
    assert!(!seen("passport held"), "private text is on the wire");
    Ok(())
}
