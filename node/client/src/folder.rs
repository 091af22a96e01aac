//! The names of the files in an identity or node folder, in one place: the
//! configuration and the identity code both name them, and neither needs the
//! other for it.

/// Node settings (node members only): `config::NodeConfig`.
pub const CONFIG_FILE: &str = "node.toml";
/// The public part of a member's identity: `identity::load_member`.
pub const MEMBER_FILE: &str = "member.toml";
/// The ed25519 signing key, mode 0600: `keyfile`.
pub const SIGNING_KEY_FILE: &str = "signing.key";
/// The TLS private key (PKCS#8 PEM), mode 0600.
pub const TLS_KEY_FILE: &str = "tls.key";
/// The self-signed TLS certificate (PEM), pinned in the manifest by its SHA-256.
pub const TLS_CERT_FILE: &str = "tls.crt";
/// The signed federation manifest.
pub const FEDERATION_FILE: &str = "federation.toml";
