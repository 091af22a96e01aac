//! Connecting to a node the way every party does: from an identity folder.
//!
//! With a `federation.toml` and TLS files in the folder, the connection is mutual
//! TLS: this party's certificate is presented and the node's certificate must be the
//! one the manifest pins for it. A folder without a manifest belongs to a
//! standalone node, reached in plain text on loopback.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioIo;
use remedy_core::MemberId;
use remedy_core::manifest::Manifest;
use rustls::pki_types::ServerName;
use tonic::transport::{Channel, Endpoint};

use crate::config::{CONFIG_FILE, NodeConfig};
use crate::identity::{FEDERATION_FILE, TLS_CERT_FILE, load_manifest};
use crate::tls::{TlsIdentity, client_config, parse_fingerprint};

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Setup(String),
    /// Said once: which node, where, why (the innermost cause), what to check.
    #[error(
        "cannot reach {who} at {addr}: {reason}; check that remedy-node runs there and listens on that address, and that this identity is in its manifest"
    )]
    Unreachable {
        who: String,
        addr: SocketAddr,
        reason: String,
    },
}

/// The innermost cause of an error (`Connection refused (os error 111)`),
/// which the outer ones only wrap.
pub fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// Where to connect and how.
#[derive(Debug)]
pub struct Target {
    pub addr: SocketAddr,
    /// The member whose node this is, when known from the manifest.
    pub member: Option<MemberId>,
    tls: Option<(TlsIdentity, [u8; 32])>,
}

impl Target {
    /// A peer node, reached over mutual TLS with `identity`, whose certificate must
    /// have fingerprint `pin`.
    pub fn peer(addr: SocketAddr, member: MemberId, identity: TlsIdentity, pin: [u8; 32]) -> Self {
        Self {
            addr,
            member: Some(member),
            tls: Some((identity, pin)),
        }
    }
}

/// Works out the node to reach from an identity folder: `node` if given, else the
/// folder's own node (node.toml), else the first node member of its manifest.
/// The addresses of an endpoint: `IP:PORT` as it is, `HOST:PORT` through the
/// system's resolver (at each call, so a changed DNS record is followed).
pub fn resolve(endpoint: &str) -> Vec<SocketAddr> {
    use std::net::ToSocketAddrs as _;
    if let Ok(addr) = endpoint.parse() {
        return vec![addr];
    }
    endpoint
        .to_socket_addrs()
        .map(|addrs| addrs.collect())
        .unwrap_or_default()
}

pub fn target(dir: &Path, node: Option<SocketAddr>) -> Result<Target, ConnectError> {
    let setup = |m: String| ConnectError::Setup(m);
    let manifest_path = dir.join(FEDERATION_FILE);
    let manifest: Option<Manifest> = if manifest_path.exists() {
        Some(load_manifest(&manifest_path).map_err(|e| setup(e.to_string()))?)
    } else {
        None
    };
    let own = if dir.join(CONFIG_FILE).exists() {
        Some(NodeConfig::load(dir).map_err(|e| setup(e.to_string()))?)
    } else {
        None
    };
    let Some(manifest) = manifest else {
        let addr = node.or(own.as_ref().map(|c| c.listen)).ok_or_else(|| {
            setup(format!(
                "{} has neither node.toml nor federation.toml: pass --node HOST:PORT",
                dir.display()
            ))
        })?;
        return Ok(Target {
            addr,
            member: None,
            tls: None,
        });
    };
    // The member dialled: the one at --node, else our own node, else the first node.
    let member = match (node, &own) {
        (Some(addr), _) => manifest
            .nodes()
            .find(|m| resolve(&m.endpoint).contains(&addr))
            .ok_or_else(|| {
                setup(format!(
                    "--node {addr} is not the endpoint of any node in {}",
                    manifest_path.display()
                ))
            })?,
        (None, Some(config)) => manifest.member(&config.member).ok_or_else(|| {
            setup(format!(
                "{} is not in {}",
                config.member,
                manifest_path.display()
            ))
        })?,
        (None, None) => manifest
            .nodes()
            .next()
            .ok_or_else(|| setup("the manifest names no node".into()))?,
    };
    let addr = match (node, &own) {
        (Some(addr), _) => addr,
        (None, Some(config)) if config.member == member.id => config.listen,
        _ => reachable(&resolve(&member.endpoint)).ok_or_else(|| {
            setup(format!(
                "endpoint {:?} of {} resolves to no address that accepts connections; pass --node IP:PORT",
                member.endpoint, member.id
            ))
        })?,
    };
    let pin = parse_fingerprint(&member.tls_fingerprint)
        .ok_or_else(|| setup(format!("{}: bad tls_fingerprint", member.id)))?;
    if !dir.join(TLS_CERT_FILE).exists() {
        return Err(setup(format!(
            "{} has a manifest but no TLS certificate (tls.crt)",
            dir.display()
        )));
    }
    let identity = TlsIdentity::load(dir).map_err(|e| setup(e.to_string()))?;
    Ok(Target {
        addr,
        member: Some(member.id.clone()),
        tls: Some((identity, pin)),
    })
}

/// The first of `addrs` that accepts a TCP connection (a name such as
/// `localhost` may give an IPv6 address the node does not listen on first).
fn reachable(addrs: &[SocketAddr]) -> Option<SocketAddr> {
    let timeout = Duration::from_secs(2);
    match addrs {
        [] => None,
        [only] => Some(*only),
        _ => addrs
            .iter()
            .find(|a| std::net::TcpStream::connect_timeout(a, timeout).is_ok())
            .or(addrs.first())
            .copied(),
    }
}

/// How often each side of a connection sends an HTTP/2 PING, idle or not, and
/// how long it waits for the answer before it drops the connection (a
/// follower then reconnects). A link that goes silent (a route that drops
/// everything) is noticed within their sum, 30 s, where TCP alone would wait
/// for its retransmissions to give up (about 15 minutes on Linux), or resume
/// only at its next backed-off retransmission after the link heals (up to
/// twice the outage). 15 s of patience is more than the slowest modelled
/// link needs to answer: a PING queues behind at most the flow-control
/// windows below, 2 MiB, which a 2 Mbit/s uplink sends in 8.4 s, plus a
/// 250 ms round trip, plus a retransmission or two at 1% loss.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(15);
pub const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(15);
/// HTTP/2 receive windows of a client: enough for the largest bandwidth-delay
/// product of the region's links (20 Mbit/s × 250 ms = 625 KB) with room to
/// spare, small enough that a PING is not stuck behind more than 8.4 s of a
/// 2 Mbit/s uplink.
pub const STREAM_WINDOW: u32 = 1 << 20;
pub const CONNECTION_WINDOW: u32 = 2 << 20;

/// Connects to the target: mutual TLS when the folder has a manifest.
pub async fn connect(target: &Target) -> Result<Channel, ConnectError> {
    let addr = target.addr;
    let endpoint = Endpoint::from_shared(format!("http://{addr}"))
        .map_err(|e| ConnectError::Setup(e.to_string()))?
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .http2_keep_alive_interval(KEEPALIVE_INTERVAL)
        .keep_alive_timeout(KEEPALIVE_TIMEOUT)
        .keep_alive_while_idle(true)
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW);
    let who = match &target.member {
        Some(m) => format!("{m}'s node"),
        None => "the node".to_string(),
    };
    let unreachable = |e: tonic::transport::Error| ConnectError::Unreachable {
        who: who.clone(),
        addr,
        reason: innermost(&e),
    };
    match &target.tls {
        None => endpoint.connect().await.map_err(unreachable),
        Some((identity, pin)) => {
            let config =
                client_config(identity, *pin).map_err(|e| ConnectError::Setup(e.to_string()))?;
            let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
            endpoint
                .connect_with_connector(tower::service_fn(move |_uri| {
                    let connector = connector.clone();
                    async move {
                        let tcp = tokio::net::TcpStream::connect(addr).await?;
                        tcp.set_nodelay(true)?;
                        // The name is not checked: the certificate is pinned instead.
                        let name = ServerName::try_from("node.remedy-net")
                            .map_err(std::io::Error::other)?;
                        let tls = connector.connect(name, tcp).await?;
                        Ok::<_, std::io::Error>(TokioIo::new(tls))
                    }
                }))
                .await
                .map_err(unreachable)
        }
    }
}
