//! The optional webhook (`[webhook] url` in `node.toml`): every shared event
//! this node comes to hold (its own and its peers'), posted as signed JSON to
//! one URL, in order, at least once.
//!
//! A body is `{"node": "KH", "sent_ms": ..., "events": [{"origin", "seq",
//! "kind", "hash", "time_ms"}, ...]}` (at most [`BATCH`] events); the header
//! `X-Remedy-Node` names the node and `X-Remedy-Signature` carries the
//! node's ed25519 signature over the body's exact bytes, hex, which a receiver
//! checks with the node member's public key in the manifest. A delivery that
//! fails (no connection, no answer within [`TIMEOUT`], a status other than
//! 2xx) is tried again after 1 s, then 2, 4, ... up to [`MAX_BACKOFF`], for as
//! long as it takes; nothing later is sent before it. The webhook starts at
//! the heights the node holds when it starts: what came before is not sent
//! again after a restart.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use remedy_core::keys::SigningKey;
use remedy_core::{LogKind, MemberId, SignedEvent};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::heads::Heads;
use crate::store::{LogId, Store};

/// The most events in one body.
pub const BATCH: usize = 100;
/// How long one delivery may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between two tries.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Where to post: `http://host:port/path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Target {
    /// Reads a webhook URL; only `http://` (a receiver on the same host or
    /// network, or a relay that adds TLS).
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            format!("webhook url {url:?}: only http:// is supported (put a TLS relay in front for https)")
        })?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse()
                    .map_err(|_| format!("webhook url {url:?}: bad port"))?,
            ),
            None => (authority, 80),
        };
        if host.is_empty() || path.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(format!("webhook url {url:?} is not a URL"));
        }
        Ok(Target {
            host: host.to_string(),
            port,
            path: path.to_string(),
        })
    }
}

/// Posts `body` with its signature; `Ok` on a 2xx answer.
async fn post(
    target: &Target,
    node: &MemberId,
    body: &[u8],
    signature: &str,
) -> Result<(), String> {
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(|e| e.to_string())?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Remedy-Node: {node}\r\nX-Remedy-Signature: {signature}\r\nConnection: close\r\n\r\n",
            target.path,
            target.host,
            target.port,
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        stream.write_all(body).await.map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        // The status line is all that matters; read at most a little.
        let mut buf = [0u8; 512];
        loop {
            let n = stream.read(&mut buf).await.map_err(|e| e.to_string())?;
            answer.extend_from_slice(&buf[..n]);
            if n == 0 || answer.contains(&b'\n') || answer.len() > 4096 {
                break;
            }
        }
        let line = String::from_utf8_lossy(&answer);
        let status = line.split_whitespace().nth(1).unwrap_or("");
        if status.starts_with('2') && status.len() == 3 {
            Ok(())
        } else {
            Err(format!(
                "the receiver answered {:?}",
                line.lines().next().unwrap_or("")
            ))
        }
    };
    tokio::time::timeout(TIMEOUT, attempt)
        .await
        .map_err(|_| format!("no answer within {} s", TIMEOUT.as_secs()))?
}

/// Delivers every shared event the node comes to hold to `target`, until the
/// node stops.
pub async fn run(
    target: Target,
    member: MemberId,
    key: SigningKey,
    store: Arc<dyn Store>,
    heads: Arc<Heads>,
) {
    let mut sent: BTreeMap<MemberId, u64> = heads.all();
    let mut changes = heads.subscribe();
    tracing::info!(host = %target.host, port = target.port, path = %target.path, "webhook: posting new shared events");
    loop {
        if heads.is_closed() {
            return;
        }
        let now = heads.all();
        let mut events = Vec::new();
        for (origin, height) in &now {
            let from = sent.get(origin).copied().unwrap_or(0) + 1;
            if from > *height || events.len() >= BATCH {
                continue;
            }
            let log = if *origin == member {
                LogId::Own(LogKind::Shared)
            } else {
                LogId::Replica(origin.clone())
            };
            let store = store.clone();
            let want = BATCH - events.len();
            let page =
                tokio::task::spawn_blocking(move || store.range_bytes(&log, from, want, 8 << 20))
                    .await;
            let Ok(Ok(page)) = page else {
                tracing::warn!(%origin, "webhook: cannot read the log; trying again later");
                continue;
            };
            for (seq, raw) in page {
                if let Ok(event) = SignedEvent::decode(raw) {
                    events.push((origin.clone(), seq, event));
                }
            }
        }
        if events.is_empty() {
            if changes.changed().await.is_err() {
                return;
            }
            continue;
        }
        let body = serde_json::json!({
            "node": member.as_str(),
            "sent_ms": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0),
            "events": events.iter().map(|(origin, seq, e)| serde_json::json!({
                "origin": origin.as_str(),
                "seq": seq,
                "kind": e.kind().to_string(),
                "hash": e.hash().to_string(),
                "time_ms": e.time_ms(),
            })).collect::<Vec<_>>(),
        })
        .to_string();
        let signature = hex::encode(key.sign(body.as_bytes()).to_bytes());
        let mut backoff = Duration::from_secs(1);
        loop {
            match post(&target, &member, body.as_bytes(), &signature).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_s = backoff.as_secs(), "webhook: delivery failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    if heads.is_closed() {
                        return;
                    }
                }
            }
        }
        for (origin, seq, _) in &events {
            let s = sent.entry(origin.clone()).or_default();
            *s = (*s).max(*seq);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_url_is_http_with_a_host_port_and_path() {
        assert_eq!(
            Target::parse("http://127.0.0.1:9000/hook?x=1"),
            Ok(Target {
                host: "127.0.0.1".into(),
                port: 9000,
                path: "/hook?x=1".into()
            })
        );
        assert_eq!(Target::parse("http://relay.local").unwrap().port, 80);
        assert!(
            Target::parse("https://x.example/hook")
                .unwrap_err()
                .contains("only http://")
        );
        assert!(Target::parse("http:///x").is_err());
        assert!(Target::parse("http://h:9/a b").is_err());
    }
}
