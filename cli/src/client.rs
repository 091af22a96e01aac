//! What every command that talks to a node shares: where the node is, and a
//! connected gRPC channel.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use remedy_node::config::NodeConfig;
use tonic::transport::{Channel, Endpoint};

use crate::Format;

/// The global options.
#[derive(Debug)]
pub struct Context {
    pub dir: Option<PathBuf>,
    pub node: Option<SocketAddr>,
    pub format: Format,
}

impl Context {
    /// The node to talk to: `--node`, else the address in `DIR/node.toml`.
    pub fn node_addr(&self) -> anyhow::Result<SocketAddr> {
        if let Some(addr) = self.node {
            return Ok(addr);
        }
        let Some(dir) = &self.dir else {
            bail!(
                "no node given: pass --node HOST:PORT, or --dir DIR (or REMEDY_DIR) for a node folder"
            );
        };
        Ok(NodeConfig::load(dir)?.listen)
    }

    /// Builds a tokio runtime and connects to the node.
    pub fn connect(&self) -> anyhow::Result<(tokio::runtime::Runtime, Channel)> {
        let addr = self.node_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let channel = runtime.block_on(connect(addr))?;
        Ok((runtime, channel))
    }
}

pub async fn connect(addr: SocketAddr) -> anyhow::Result<Channel> {
    Endpoint::from_shared(format!("http://{addr}"))?
        .connect_timeout(std::time::Duration::from_secs(5))
        .connect()
        .await
        .with_context(|| format!("cannot reach the node at {addr}: is remedy-node running there?"))
}
