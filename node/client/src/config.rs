//! The node's configuration: `node.toml` in the node folder.
//!
//! ```toml
//! member = "KH"                 # this node's member id
//! listen = "127.0.0.1:7401"     # gRPC address
//! data = "data"                 # RocksDB folder, relative to the node folder
//! key = "signing.key"           # ed25519 signing key, mode 0600, relative to the node folder
//! sync = true                   # fdatasync every commit; false is for benchmarks only
//!
//! [peers]                       # optional: reach a peer elsewhere than its manifest endpoint
//! VN = "10.8.0.3:7403"
//! ```
//!
//! Every setting is documented in `deploy/node.example.toml`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use remedy_core::MemberId;
use serde::{Deserialize, Serialize};

/// The file name of the configuration inside a node folder.
pub use crate::folder::CONFIG_FILE;

/// See the module documentation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// The member this node speaks for; every event it appends has this origin.
    pub member: MemberId,
    /// Address the gRPC server listens on.
    pub listen: SocketAddr,
    /// RocksDB folder. Relative paths are inside the node folder.
    #[serde(default = "default_data")]
    pub data: PathBuf,
    /// Signing key file. Relative paths are inside the node folder.
    #[serde(default = "default_key")]
    pub key: PathBuf,
    /// Sync the write-ahead log before acknowledging a write. Only benchmarks that
    /// measure the cost of durability turn this off; the node logs a warning then.
    #[serde(default = "default_sync")]
    pub sync: bool,
    /// Most gRPC connections open at once; further clients wait in the listen
    /// queue until one closes.
    #[serde(
        default = "default_grpc_connections",
        skip_serializing_if = "is_default_grpc_connections"
    )]
    pub max_connections: usize,
    /// Most gRPC connections open at once from one IP address; a further one
    /// is closed at once (and logged), so one peer cannot take them all.
    #[serde(
        default = "default_grpc_per_address",
        skip_serializing_if = "is_default_grpc_per_address"
    )]
    pub max_connections_per_address: usize,
    /// Ask peers to gzip the pages they send this node (`Log.Follow`): fewer
    /// bytes on a slow link, more CPU on both ends. Off by default; see
    /// BENCHMARKS.md's WAN section for what it saves.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compress_follow: bool,
    /// Where this node reaches a peer when it is not the endpoint the manifest lists
    /// (a VPN address, a port forward, a test's proxy). Keys are member ids.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub peers: BTreeMap<MemberId, SocketAddr>,
    /// The plain-HTTP port for `/metrics` and the dashboard; none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpConfig>,
    /// Post every shared event this node comes to hold, signed, to a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookConfig>,
}

/// The `[webhook]` table: where to post new shared events (see the node's
/// `webhook` module for the body, the signature and the retries).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// `http://host:port/path` or `https://host:port/path`.
    pub url: String,
    /// For https: a PEM file of the certificates to trust for the receiver
    /// (relative to the node folder); the system's CA bundle when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<std::path::PathBuf>,
}

fn default_grpc_connections() -> usize {
    1024
}

fn is_default_grpc_connections(n: &usize) -> bool {
    *n == default_grpc_connections()
}

fn default_grpc_per_address() -> usize {
    128
}

fn is_default_grpc_per_address(n: &usize) -> bool {
    *n == default_grpc_per_address()
}

/// The `[http]` table: Prometheus metrics and the read-only dashboard.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Where to listen. Plain HTTP only on loopback (or with
    /// `plain_http_on_network`); with `tls_cert` and `tls_key`, HTTPS anywhere.
    pub listen: SocketAddr,
    /// Serve the dashboard pages as well as `/metrics`.
    #[serde(default = "default_sync")]
    pub dashboard: bool,
    /// Seconds a client has to send a request's headers once it starts one (or
    /// once it connects); a connection that has not sent them by then is closed,
    /// so half-sent requests cannot hold connections open.
    #[serde(default = "default_header_timeout")]
    pub header_timeout_secs: u64,
    /// Seconds a connection may pass with nothing read or written before it is
    /// closed (an idle keep-alive connection, a client that stopped reading).
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_secs: u64,
    /// Most connections open at once; further clients wait in the listen queue.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// A PEM certificate chain to serve HTTPS with (a path relative to the node
    /// folder; the node's own `tls.crt` will do for readers who pin it).
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    /// Its PEM private key (mode 0600, like every key file).
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address other than loopback: only behind a
    /// TLS-terminating proxy on a network the operator trusts. Without it the
    /// node refuses to start so (session cookies and figures would cross the
    /// network in clear).
    #[serde(default)]
    pub plain_http_on_network: bool,
    /// A file (mode 0600) holding the bearer token a metrics scraper sends
    /// (`Authorization: Bearer ...`; Prometheus's `authorization.credentials_file`).
    /// Without it `/metrics` answers loopback clients and signed-in readers only.
    #[serde(default)]
    pub metrics_token_file: Option<PathBuf>,
    /// Serve the public transparency page at `/public`: the regional
    /// statistics, recommendations, workshops, pilots, partners and the work
    /// plan, without sign-in; only what the shared log holds (nothing about
    /// this node, its peers or its operator). Off unless switched on.
    #[serde(default)]
    pub public: bool,
}

impl HttpConfig {
    /// Plain HTTP on `listen`, with the dashboard and the default limits.
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            dashboard: true,
            header_timeout_secs: default_header_timeout(),
            idle_timeout_secs: default_idle_timeout(),
            max_connections: default_max_connections(),
            tls_cert: None,
            tls_key: None,
            plain_http_on_network: false,
            metrics_token_file: None,
            public: false,
        }
    }

    /// What the settings allow together, before anything is bound: a
    /// certificate needs its key, and plain HTTP stays on loopback unless the
    /// operator says otherwise.
    pub fn check(&self) -> Result<(), String> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) | (None, Some(_)) => {
                return Err(
                    "[http] tls_cert and tls_key go together: set both to serve HTTPS, or neither"
                        .into(),
                );
            }
            (None, None) if !self.listen.ip().is_loopback() && !self.plain_http_on_network => {
                return Err(format!(
                    "[http] listen = \"{}\" is not a loopback address, and plain HTTP would carry sign-in sessions and figures in clear: set tls_cert and tls_key to serve HTTPS, listen on 127.0.0.1 behind a TLS proxy, or set plain_http_on_network = true if a proxy on a trusted network terminates TLS",
                    self.listen
                ));
            }
            _ => {}
        }
        Ok(())
    }
}

fn default_header_timeout() -> u64 {
    10
}

fn default_idle_timeout() -> u64 {
    60
}

fn default_max_connections() -> usize {
    256
}

fn default_data() -> PathBuf {
    PathBuf::from("data")
}

fn default_key() -> PathBuf {
    PathBuf::from("signing.key")
}

fn default_sync() -> bool {
    true
}

/// What is wrong with a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source} (create it, see deploy/node.example.toml)")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error(
        "{path}: listen address {listen} is not a loopback address; a standalone node (no federation.toml) serves gRPC without TLS and may only listen on loopback"
    )]
    NotLoopback { path: PathBuf, listen: SocketAddr },
    #[error("{path}: [http] {field} must be more than 0")]
    HttpLimit { path: PathBuf, field: &'static str },
}

impl NodeConfig {
    pub fn new(member: MemberId, listen: SocketAddr) -> Self {
        Self {
            member,
            listen,
            data: default_data(),
            key: default_key(),
            sync: true,
            max_connections: default_grpc_connections(),
            max_connections_per_address: default_grpc_per_address(),
            compress_follow: false,
            peers: BTreeMap::new(),
            http: None,
            webhook: None,
        }
    }

    /// Reads and validates `DIR/node.toml`.
    pub fn load(dir: &Path) -> Result<Self, ConfigError> {
        let path = dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let config: NodeConfig = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.clone(),
            message: e.to_string(),
        })?;
        config.validate(&path, dir.join(crate::folder::FEDERATION_FILE).exists())?;
        Ok(config)
    }

    /// Checks what serde cannot. A node in a federation serves mutual TLS and may
    /// listen anywhere; a standalone node serves plain text, so loopback only.
    pub fn validate(&self, path: &Path, federated: bool) -> Result<(), ConfigError> {
        if !federated && !self.listen.ip().is_loopback() {
            return Err(ConfigError::NotLoopback {
                path: path.to_path_buf(),
                listen: self.listen,
            });
        }
        if let Some(http) = &self.http {
            for (field, value) in [
                ("header_timeout_secs", http.header_timeout_secs),
                ("idle_timeout_secs", http.idle_timeout_secs),
                ("max_connections", http.max_connections as u64),
            ] {
                if value == 0 {
                    return Err(ConfigError::HttpLimit {
                        path: path.to_path_buf(),
                        field,
                    });
                }
            }
        }
        Ok(())
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn data_dir(&self, dir: &Path) -> PathBuf {
        dir.join(&self.data)
    }

    pub fn key_path(&self, dir: &Path) -> PathBuf {
        dir.join(&self.key)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_minimal_config_gets_defaults_and_round_trips() {
        let config: NodeConfig =
            toml::from_str("member = \"KH\"\nlisten = \"127.0.0.1:7401\"\n").expect("parses");
        assert_eq!(
            config,
            NodeConfig::new(
                MemberId::new("KH").expect("id"),
                "127.0.0.1:7401".parse().expect("addr")
            )
        );
        assert_eq!(
            toml::from_str::<NodeConfig>(&config.to_toml()).expect("parses"),
            config
        );
    }

    #[test]
    fn bad_configs_are_refused_with_the_file_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = NodeConfig::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("node.toml") && err.contains("deploy/node.example.toml"),
            "{err}"
        );
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "member = \"kh\"\nlisten = \"127.0.0.1:1\"\n",
        )
        .expect("write");
        let err = NodeConfig::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("node.toml") && err.contains("not a member id"),
            "{err}"
        );
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "member = \"KH\"\nlisten = \"0.0.0.0:1\"\n",
        )
        .expect("write");
        let err = NodeConfig::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("not a loopback address"), "{err}");
        // In a federation the node serves mutual TLS and may listen anywhere.
        std::fs::write(dir.path().join(crate::folder::FEDERATION_FILE), "").expect("write");
        assert!(NodeConfig::load(dir.path()).is_ok());
        std::fs::remove_file(dir.path().join(crate::folder::FEDERATION_FILE)).expect("remove");
        std::fs::write(
            dir.path().join(CONFIG_FILE),
            "member = \"KH\"\nlisten = \"127.0.0.1:1\"\ncolour = 1\n",
        )
        .expect("write");
        let err = NodeConfig::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("unknown field"), "{err}");
    }
}
