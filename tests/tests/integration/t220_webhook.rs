//! The webhook: KH's node posts every shared event it comes to hold to a
//! receiver that is down at first; once the receiver listens, the events
//! arrive (KH's own and the one ID signed), retried after the failures, each
//! body signed with KH's key over its exact bytes.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use remedy_core::LogKind;
use remedy_tests::federation::{Started, append_notes, converge, heights, start_all};
use remedy_tests::{bootstrap, free_port_block};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// One request as received: its headers and body.
struct Received {
    headers: String,
    body: Vec<u8>,
}

/// Reads one HTTP/1.1 request with a Content-Length and answers 200.
async fn receive<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    stream: &mut S,
) -> anyhow::Result<Received> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let (head_end, length) = loop {
        let n = stream.read(&mut buf).await?;
        anyhow::ensure!(n > 0, "the sender closed early");
        data.extend_from_slice(&buf[..n]);
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..i]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().unwrap())
                .unwrap();
            break (i + 4, length);
        }
    };
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await?;
        anyhow::ensure!(n > 0, "the sender closed early");
        data.extend_from_slice(&buf[..n]);
    }
    stream
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .await?;
    Ok(Received {
        headers: String::from_utf8_lossy(&data[..head_end]).into_owned(),
        body: data[head_end..head_end + length].to_vec(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_posted_signed_and_retried_until_the_receiver_answers() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID", &[])?;
    let port = free_port_block(1);
    let config = fed.join("KH/node.toml");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str(&format!(
        "\n[webhook]\nurl = \"http://127.0.0.1:{port}/hook\"\n"
    ));
    std::fs::write(&config, text)?;
    let Started {
        running, channels, ..
    } = start_all(&fed, &["KH", "ID"]).await?;
    // Nothing listens on the port yet: deliveries fail and are retried.
    append_notes(channels["KH"].clone(), LogKind::Shared, 1, 2, 40).await?;
    append_notes(channels["ID"].clone(), LogKind::Shared, 1, 1, 40).await?;
    converge(&channels, Duration::from_secs(30)).await?;
    // Every shared event KH holds: its own and ID's.
    let held = heights(channels["KH"].clone()).await?;
    let wanted: Vec<(String, u64)> = held
        .iter()
        .flat_map(|(origin, h)| (1..=*h).map(move |seq| (origin.clone(), seq)))
        .collect();
    assert!(
        wanted.contains(&("ID".into(), 1)) && wanted.iter().filter(|w| w.0 == "KH").count() >= 2
    );
    let log = std::fs::read_to_string(fed.join("KH/node.log")).unwrap_or_default();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let key = {
        let member = std::fs::read_to_string(fed.join("KH/member.toml"))?;
        let hex_key = member
            .lines()
            .find_map(|l| l.strip_prefix("public_key = \""))
            .and_then(|l| l.strip_suffix('"'))
            .unwrap()
            .to_string();
        remedy_core::keys::verifying_key_from_hex(&hex_key)?
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut seen: Vec<(String, u64)> = Vec::new();
    while !wanted.iter().all(|w| seen.contains(w)) {
        let left = deadline.saturating_duration_since(Instant::now());
        anyhow::ensure!(
            !left.is_zero(),
            "no delivery of every event within 90 s: {seen:?}\n{log}"
        );
        let (mut stream, _) = tokio::time::timeout(left, listener.accept()).await??;
        let received = receive(&mut stream).await?;
        assert!(
            received.headers.starts_with("POST /hook HTTP/1.1"),
            "{}",
            received.headers
        );
        assert!(
            received.headers.contains("X-Remedy-Node: KH"),
            "{}",
            received.headers
        );
        let signature = received
            .headers
            .lines()
            .find_map(|l| l.strip_prefix("X-Remedy-Signature: "))
            .unwrap();
        let signature: [u8; 64] = hex::decode(signature.trim())?.try_into().unwrap();
        key.verify_strict(
            &received.body,
            &remedy_core::keys::Signature::from_bytes(&signature),
        )
        .map_err(|_| anyhow::anyhow!("the body's signature does not verify with KH's key"))?;
        // A changed byte no longer verifies.
        let mut changed = received.body.clone();
        changed[10] ^= 1;
        assert!(
            key.verify_strict(
                &changed,
                &remedy_core::keys::Signature::from_bytes(&signature)
            )
            .is_err()
        );
        let body: serde_json::Value = serde_json::from_slice(&received.body)?;
        assert_eq!(body["node"], "KH");
        for e in body["events"].as_array().unwrap() {
            assert!(!e["kind"].as_str().unwrap().is_empty(), "{e}");
            assert_eq!(e["hash"].as_str().unwrap().len(), 64, "{e}");
            seen.push((
                e["origin"].as_str().unwrap().to_string(),
                e["seq"].as_u64().unwrap(),
            ));
        }
    }
    // Each once, in order within each origin.
    for origin in ["KH", "ID"] {
        let seqs: Vec<u64> = seen.iter().filter(|s| s.0 == origin).map(|s| s.1).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{origin}: {seqs:?}");
    }
    let log = std::fs::read_to_string(fed.join("KH/node.log"))?;
    assert!(
        log.contains("webhook: delivery failed"),
        "it was down, and retried:\n{log}"
    );
    drop(running);
    Ok(())
}

/// An https webhook: KH posts to a receiver whose certificate (for
/// `localhost`, self-signed) is the one `[webhook] ca` names; the body
/// arrives over TLS, signed as over http.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_receiver_gets_the_events_over_tls_checked_against_the_ca_file()
-> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let fed = tmp.path().join("fed");
    bootstrap(&fed, "KH,ID", &[])?;
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])?;
    std::fs::write(fed.join("KH/receiver-ca.pem"), certified.cert.pem())?;
    let port = free_port_block(1);
    let config = fed.join("KH/node.toml");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str(&format!(
        "\n[webhook]\nurl = \"https://localhost:{port}/hook\"\nca = \"receiver-ca.pem\"\n"
    ));
    std::fs::write(&config, text)?;
    let tls = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(
        vec![certified.cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into()),
    )?;
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(tls));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let Started {
        running, channels, ..
    } = start_all(&fed, &["KH", "ID"]).await?;
    append_notes(channels["KH"].clone(), LogKind::Shared, 1, 2, 40).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = 0;
    while seen < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        anyhow::ensure!(!left.is_zero(), "no delivery over TLS within 60 s");
        let (stream, _) = tokio::time::timeout(left, listener.accept()).await??;
        let mut stream = acceptor.accept(stream).await?;
        let received = receive(&mut stream).await?;
        assert!(received.headers.starts_with("POST /hook HTTP/1.1"));
        assert!(
            received.headers.contains("Host: localhost:"),
            "{}",
            received.headers
        );
        let body: serde_json::Value = serde_json::from_slice(&received.body)?;
        seen += body["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["origin"] == "KH")
            .count();
    }
    drop(running);
    Ok(())
}
