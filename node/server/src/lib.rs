//! remedy-node: the store, the runtime and the gRPC services of a remedy-net node.
//!
//! ```text
//!   remedy-node (main.rs) ──▶ Node::open ──▶ config, key file, RocksStore, verify logs
//!                              Node::serve ─▶ tonic: Admin ─▶ LogWriter (group commit) ─▶ Store
//!                                                   Log   ─▶ Store (shared logs only)
//! ```

pub mod accept;
pub mod cases;
pub mod federation;
pub mod grpc;
pub mod heads;
pub mod http;
pub mod merkle;
pub mod node;
pub mod plan;
pub mod recovery;
pub mod releases;
pub mod replication;
pub mod stats;
pub mod store;
pub mod verify;
pub mod views;
#[cfg(test)]
mod views_property;
pub mod webhook;
pub mod witness;
pub mod writer;

pub use node::{Node, NodeError};
