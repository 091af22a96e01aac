//! Generated types and services of the `remedy.v1` gRPC protocol.
//!
//! Only the gRPC adapter in `remedy-node` (and the CLI's client) touch these types;
//! the domain converts from them in one place.

#![allow(missing_docs, missing_debug_implementations, clippy::all)]

pub mod v1 {
    tonic::include_proto!("remedy.v1");
}

/// The encoded file descriptor set, for the gRPC reflection service.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("remedy_descriptor");
