//! What every command that talks to a node shares: where the node is, and a
//! connected gRPC channel.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::bail;
use remedy_core::keys::VerifyingKey;
use remedy_core::{ChainHead, ChainVerifier, LogKind, MemberId};
use remedy_proto::v1 as pb;
use tokio_stream::StreamExt;
use tonic::transport::{Channel, Endpoint};

use crate::Format;

/// The global options.
#[derive(Debug, Clone)]
pub struct Context {
    pub dir: Option<PathBuf>,
    pub node: Option<SocketAddr>,
    pub format: Format,
    /// The language members' texts are shown in where translated (en, km, id,
    /// vi, ja); `None` for the originals.
    pub lang: Option<String>,
}

impl Context {
    /// Builds a tokio runtime and connects to the node: from the identity folder
    /// (mutual TLS when it holds a manifest; see `remedy_client::client`), or to a bare
    /// `--node` address in plain text.
    pub fn connect(&self) -> anyhow::Result<(tokio::runtime::Runtime, Channel)> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let channel = match (&self.dir, self.node) {
            (Some(dir), node) => {
                let target = remedy_client::client::target(dir, node)?;
                runtime.block_on(remedy_client::client::connect(&target))?
            }
            (None, Some(addr)) => runtime.block_on(connect(addr))?,
            (None, None) => bail!(
                "no node given: pass --dir DIR (or REMEDY_DIR) for an identity folder, or --node HOST:PORT"
            ),
        };
        Ok((runtime, channel))
    }
}

pub async fn connect(addr: SocketAddr) -> anyhow::Result<Channel> {
    Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot reach the node at {addr}: {}; check that remedy-node runs there and listens on that address",
                remedy_client::client::innermost(&e)
            )
        })
}

/// Fetches a whole shared log page by page and verifies continuity, links and
/// signatures as the events arrive; returns the verified head.
pub async fn fetch_and_verify(
    channel: Channel,
    origin: &MemberId,
    key: VerifyingKey,
) -> anyhow::Result<ChainHead> {
    let mut verifier = ChainVerifier::new(origin.clone(), LogKind::Shared, key, ChainHead::EMPTY);
    let mut client = pb::log_client::LogClient::new(channel);
    read_log(&mut client, origin, |seq, raw| {
        verifier.push_raw(seq, raw)?;
        Ok(true)
    })
    .await?;
    Ok(verifier.finish()?)
}

/// Reads `origin`'s shared log from its first event, page by page, handing
/// each event's sequence number and raw bytes to `each`, until the log ends or
/// `each` answers `false`.
pub async fn read_log(
    client: &mut pb::log_client::LogClient<Channel>,
    origin: &MemberId,
    each: impl FnMut(u64, Vec<u8>) -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    read_log_from(client, origin, 1, each).await
}

/// [`read_log`] from sequence number `from`.
pub async fn read_log_from(
    client: &mut pb::log_client::LogClient<Channel>,
    origin: &MemberId,
    from: u64,
    mut each: impl FnMut(u64, Vec<u8>) -> anyhow::Result<bool>,
) -> anyhow::Result<()> {
    let mut next = from;
    loop {
        let request = pb::ReadRequest {
            origin: origin.to_string(),
            from_seq: next,
            limit: 10_000,
        };
        let mut stream = client.read(request).await?.into_inner();
        let before = next;
        while let Some(item) = stream.next().await {
            let seq = next;
            next += 1;
            if !each(seq, item?.raw)? {
                return Ok(());
            }
        }
        if next == before {
            return Ok(());
        }
    }
}

/// The JSON of a View answer, or the node's message.
pub fn view_json(
    reply: Result<tonic::Response<pb::ViewReply>, tonic::Status>,
) -> anyhow::Result<String> {
    Ok(reply
        .map_err(|s| anyhow::anyhow!("{}", s.message()))?
        .into_inner()
        .json)
}
