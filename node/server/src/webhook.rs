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
//!
//! `https://` URLs are posted over TLS 1.2 or 1.3 (rustls), the receiver's
//! certificate checked against `[webhook] ca` (a PEM file) or, without it, the
//! system's CA bundle ([`SYSTEM_CAS`]), and its name against the URL's host.

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

/// Where Debian (and most Linux systems) keep the CAs a system trusts.
pub const SYSTEM_CAS: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Where to post: `http://host:port/path` or `https://...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    pub path: String,
    pub https: bool,
}

impl Target {
    /// Reads a webhook URL: `http://` or `https://`, a host, an optional port
    /// (80 or 443) and a path.
    pub fn parse(url: &str) -> Result<Self, String> {
        let (rest, https) = if let Some(rest) = url.strip_prefix("http://") {
            (rest, false)
        } else if let Some(rest) = url.strip_prefix("https://") {
            (rest, true)
        } else {
            return Err(format!(
                "webhook url {url:?}: it must start with http:// or https://"
            ));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let default_port = if https { 443 } else { 80 };
        let port_of = |p: &str| {
            p.parse::<u16>()
                .map_err(|_| format!("webhook url {url:?}: bad port"))
        };
        // `[::1]:9000` or `[::1]`: an IPv6 address is in brackets.
        let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
            let (h, after) = inner
                .split_once(']')
                .ok_or_else(|| format!("webhook url {url:?}: no ] after the IPv6 address"))?;
            match after {
                "" => (h, default_port),
                _ => match after.strip_prefix(':') {
                    Some(p) => (h, port_of(p)?),
                    None => return Err(format!("webhook url {url:?} is not a URL")),
                },
            }
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, port_of(p)?),
                None => (authority, default_port),
            }
        };
        if host.is_empty() || path.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(format!("webhook url {url:?} is not a URL"));
        }
        Ok(Target {
            host: host.to_string(),
            port,
            path: path.to_string(),
            https,
        })
    }
}

/// How to reach an https receiver: the TLS client and the name its
/// certificate must carry.
#[derive(Clone)]
pub struct Tls {
    connector: tokio_rustls::TlsConnector,
    name: rustls::pki_types::ServerName<'static>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tls({:?})", self.name)
    }
}

impl Tls {
    /// The TLS client for `target`, trusting the certificates in `ca` (PEM)
    /// or, when `None`, the system's ([`SYSTEM_CAS`]).
    pub fn new(target: &Target, ca: Option<&std::path::Path>) -> Result<Self, String> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        let file = ca.unwrap_or(std::path::Path::new(SYSTEM_CAS));
        let mut roots = rustls::RootCertStore::empty();
        let certs = CertificateDer::pem_file_iter(file).map_err(|e| match ca {
            Some(_) => format!("webhook ca {}: {e}", file.display()),
            None => format!(
                "webhook {}: no [webhook] ca, and the system's CAs ({}) do not read: {e}; set `ca` to a PEM file of the CAs to trust (the container image has none), or install ca-certificates",
                target.host,
                file.display()
            ),
        })?;
        for cert in certs {
            let cert = cert.map_err(|e| format!("webhook ca {}: {e}", file.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("webhook ca {}: {e}", file.display()))?;
        }
        if roots.is_empty() {
            return Err(format!(
                "webhook ca {}: no certificate in it (a PEM file of the CAs to trust)",
                file.display()
            ));
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(target.host.clone())
            .map_err(|e| format!("webhook url host {:?}: {e}", target.host))?;
        Ok(Tls {
            connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
            name,
        })
    }
}

/// Posts `body` with its signature; `Ok` on a 2xx answer.
async fn post(
    target: &Target,
    tls: Option<&Tls>,
    node: &MemberId,
    body: &[u8],
    signature: &str,
) -> Result<(), String> {
    let attempt = async {
        let stream = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(|e| e.to_string())?;
        match tls {
            None => exchange(stream, target, node, body, signature).await,
            Some(tls) => {
                let stream = tls
                    .connector
                    .connect(tls.name.clone(), stream)
                    .await
                    .map_err(|e| format!("TLS: {e}"))?;
                exchange(stream, target, node, body, signature).await
            }
        }
    };
    tokio::time::timeout(TIMEOUT, attempt)
        .await
        .map_err(|_| format!("no answer within {} s", TIMEOUT.as_secs()))?
}

/// Sends the request on `stream` and reads the status line.
async fn exchange<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: S,
    target: &Target,
    node: &MemberId,
    body: &[u8],
    signature: &str,
) -> Result<(), String> {
    {
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nX-Remedy-Node: {node}\r\nX-Remedy-Signature: {signature}\r\nConnection: close\r\n\r\n",
            target.path,
            if target.host.contains(':') {
                format!("[{}]", target.host)
            } else {
                target.host.clone()
            },
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
    }
}

/// Delivers every shared event the node comes to hold to `target`, until the
/// node stops.
pub async fn run(
    target: Target,
    tls: Option<Tls>,
    member: MemberId,
    key: SigningKey,
    store: Arc<dyn Store>,
    heads: Arc<Heads>,
) {
    let mut sent: BTreeMap<MemberId, u64> = heads.all();
    let mut changes = heads.subscribe();
    tracing::info!(host = %target.host, port = target.port, path = %target.path, https = target.https, "webhook: posting new shared events");
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
            match post(&target, tls.as_ref(), &member, body.as_bytes(), &signature).await {
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_url_is_http_or_https_with_a_host_port_and_path() {
        assert_eq!(
            Target::parse("http://127.0.0.1:9000/hook?x=1"),
            Ok(Target {
                host: "127.0.0.1".into(),
                port: 9000,
                path: "/hook?x=1".into(),
                https: false,
            })
        );
        assert_eq!(Target::parse("http://relay.local").unwrap().port, 80);
        let https = Target::parse("https://x.example/hook").unwrap();
        assert_eq!((https.port, https.https), (443, true));
        assert!(
            Target::parse("ftp://x.example/hook")
                .unwrap_err()
                .contains("http:// or https://")
        );
        let v6 = Target::parse("http://[::1]:9000/hook").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 9000));
        assert_eq!(Target::parse("https://[2001:db8::1]/h").unwrap().port, 443);
        assert!(Target::parse("http://[::1/hook").is_err());
        assert!(Target::parse("http://[::1]x/hook").is_err());
        assert!(Target::parse("http:///x").is_err());
        assert!(Target::parse("http://h:9/a b").is_err());
    }
}
