//! remedy-client: what both ends of a remedy-net connection need, and nothing of
//! the node's store or services. The `remedy` command line depends on this crate
//! (not on `remedy-node`); the node depends on it too.
//!
//! - `folder`: the file names of an identity or node folder;
//! - `config`: `node.toml`;
//! - `identity`: creating and loading identity folders, member files, manifests;
//! - `keyfile`: signing keys on disk, with their permission checks;
//! - `tls`: pinned-certificate mutual TLS, both halves;
//! - `client`: reaching a node (targets, endpoints, connecting);
//! - `convert`: the domain to protobuf conversions a client makes.

pub mod client;
pub mod config;
pub mod convert;
pub mod folder;
pub mod identity;
pub mod keyfile;
pub mod tls;
