//! Identity folders: what `remedy init` creates and a node or reader loads.
//!
//! ```text
//! DIR/member.toml      the public part another member needs (id, name, role, keys, endpoint)
//! DIR/signing.key      ed25519 signing key, mode 0600
//! DIR/tls.key          TLS private key (PKCS#8 PEM), mode 0600
//! DIR/tls.crt          self-signed TLS certificate (PEM); its SHA-256 is pinned in the manifest
//! DIR/node.toml        node settings (node members only)
//! DIR/federation.toml  the signed federation manifest
//! DIR/partner.toml     a partner organisation's folder holds this instead of
//!                      member.toml: its member and the record its member registers
//! ```

use std::fs::OpenOptions;
use std::io::Write;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use remedy_core::manifest::{Manifest, ManifestError, Member, Role};
use remedy_core::{MemberId, SigningKey};
use sha2::{Digest, Sha256};

use crate::config::{CONFIG_FILE, NodeConfig};
use crate::keyfile::{KeyFileError, write_signing_key};

pub use crate::folder::{
    FEDERATION_FILE, MEMBER_FILE, SIGNING_KEY_FILE, TLS_CERT_FILE, TLS_KEY_FILE,
};

/// Why an identity folder or manifest file could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("{path} already holds an identity (member.toml); pick an empty folder")]
    Exists { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Key(#[from] KeyFileError),
    #[error("generating the TLS certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Manifest {
        path: PathBuf,
        source: ManifestError,
    },
    #[error("{endpoint:?} is not HOST:PORT")]
    BadEndpoint { endpoint: String },
    /// A name other members see in `federation verify` and the dashboard.
    #[error("--name: {0}")]
    BadName(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IdentityError + '_ {
    move |source| IdentityError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What `remedy init` is told.
#[derive(Debug, Clone)]
pub struct NewIdentity {
    pub id: MemberId,
    pub name: String,
    pub role: Role,
    /// HOST:PORT of the member's node; required for nodes, empty for readers.
    pub endpoint: String,
}

/// Creates an identity folder and returns the public member entry.
pub fn create_identity(dir: &Path, new: &NewIdentity) -> Result<Member, IdentityError> {
    remedy_core::controls::refuse(
        "member's name",
        &new.name,
        remedy_core::controls::Lines::One,
    )
    .map_err(IdentityError::BadName)?;
    if dir.join(MEMBER_FILE).exists() {
        return Err(IdentityError::Exists {
            path: dir.to_path_buf(),
        });
    }
    let port_host = if new.endpoint.is_empty() {
        None
    } else {
        let (host, port) = new
            .endpoint
            .rsplit_once(':')
            .filter(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
            .ok_or_else(|| IdentityError::BadEndpoint {
                endpoint: new.endpoint.clone(),
            })?;
        Some((host.to_string(), port.parse::<u16>().unwrap_or_default()))
    };
    create_private_dir(dir)?;
    let mut names = vec![format!(
        "{}.members.remedy-net",
        new.id.as_str().to_ascii_lowercase()
    )];
    if let Some((host, _)) = &port_host {
        names.push(
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
        );
    }
    let (key, tls_fingerprint) = keys_and_certificate(dir, names)?;

    let member = Member {
        id: new.id.clone(),
        name: new.name.clone(),
        role: new.role,
        public_key: hex::encode(key.verifying_key().as_bytes()),
        tls_fingerprint,
        endpoint: new.endpoint.clone(),
        retired_keys: Vec::new(),
    };
    save_member(&dir.join(MEMBER_FILE), &member)?;

    if let (Role::Node, Some((host, port))) = (new.role, port_host) {
        // A node listens where its endpoint says; a name that is not an address
        // listens on every interface at that port.
        let listen = format!("{host}:{port}")
            .parse::<SocketAddr>()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], port)));
        let config = NodeConfig::new(new.id.clone(), listen);
        let config_path = dir.join(CONFIG_FILE);
        std::fs::write(&config_path, config.to_toml()).map_err(io(&config_path))?;
    }
    Ok(member)
}

/// A fresh signing key and a self-signed TLS certificate for `names`, written
/// into `dir` (keys 0600); returns the key and the certificate's fingerprint.
/// Others pin that fingerprint rather than trusting any authority.
fn keys_and_certificate(
    dir: &Path,
    names: Vec<String>,
) -> Result<(SigningKey, String), IdentityError> {
    let key = SigningKey::generate();
    write_signing_key(&dir.join(SIGNING_KEY_FILE), &key)?;
    let certified = rcgen::generate_simple_self_signed(names)?;
    write_secret(
        &dir.join(TLS_KEY_FILE),
        certified.signing_key.serialize_pem().as_bytes(),
    )?;
    let cert_path = dir.join(TLS_CERT_FILE);
    std::fs::write(&cert_path, certified.cert.pem()).map_err(io(&cert_path))?;
    Ok((key, hex::encode(Sha256::digest(certified.cert.der()))))
}

/// A partner organisation's identity folder's public part (`partner.toml`):
/// its member, and the record that member registers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartnerIdentity {
    pub member: MemberId,
    #[serde(flatten)]
    pub partner: remedy_core::partner::Partner,
}

pub const PARTNER_FILE: &str = "partner.toml";

/// Creates a partner organisation's identity folder: signing key, TLS key and
/// certificate, `partner.toml`. `partner` gives its id, name, group and
/// country; the keys are filled in.
pub fn create_partner_identity(
    dir: &Path,
    member: &MemberId,
    mut partner: remedy_core::partner::Partner,
) -> Result<PartnerIdentity, IdentityError> {
    remedy_core::controls::refuse("name", &partner.name, remedy_core::controls::Lines::One)
        .map_err(IdentityError::BadName)?;
    if dir.join(MEMBER_FILE).exists() || dir.join(PARTNER_FILE).exists() {
        return Err(IdentityError::Exists {
            path: dir.to_path_buf(),
        });
    }
    create_private_dir(dir)?;
    let names = vec![format!(
        "{}.{}.partners.remedy-net",
        partner.id,
        member.as_str().to_ascii_lowercase()
    )];
    let (key, tls_fingerprint) = keys_and_certificate(dir, names)?;
    partner.public_key = hex::encode(key.verifying_key().as_bytes());
    partner.tls_fingerprint = tls_fingerprint;
    use remedy_core::payload::Payload as _;
    remedy_core::partner::Partner::decode(1, &partner.encode()).map_err(|e| {
        IdentityError::Parse {
            path: dir.join(PARTNER_FILE),
            message: e.to_string(),
        }
    })?;
    let identity = PartnerIdentity {
        member: member.clone(),
        partner,
    };
    let path = dir.join(PARTNER_FILE);
    let text = toml::to_string(&identity).map_err(|e| IdentityError::Parse {
        path: path.clone(),
        message: e.to_string(),
    })?;
    std::fs::write(&path, text).map_err(io(&path))?;
    Ok(identity)
}

/// Reads a `partner.toml`.
pub fn load_partner(path: &Path) -> Result<PartnerIdentity, IdentityError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    toml::from_str(&text).map_err(|e| IdentityError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Reads a `member.toml`.
pub fn load_member(path: &Path) -> Result<Member, IdentityError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    toml::from_str(&text).map_err(|e| IdentityError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Writes a `member.toml`.
pub fn save_member(path: &Path, member: &Member) -> Result<(), IdentityError> {
    let text = toml::to_string(member).map_err(|e| IdentityError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    std::fs::write(path, text).map_err(io(path))
}

/// Reads and parses a manifest file (signatures are checked by the caller).
pub fn load_manifest(path: &Path) -> Result<Manifest, IdentityError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    Manifest::parse(&text).map_err(|source| IdentityError::Manifest {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a manifest file atomically (a temporary file renamed over the old one),
/// so a crash never leaves half a manifest.
pub fn save_manifest(path: &Path, manifest: &Manifest) -> Result<(), IdentityError> {
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, manifest.to_text()).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Creates a folder (and any missing parents) that only its owner may enter, and
/// makes an existing one so: an identity folder holds the keys, and a node folder
/// its private log, whose files another local user must not read.
pub fn create_private_dir(dir: &Path) -> Result<(), IdentityError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io(dir))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io(dir))
}

/// Writes a new secret file with mode 0600; never overwrites.
fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), IdentityError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn an_identity_folder_holds_private_keys_and_a_matching_member_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("KH");
        let new = NewIdentity {
            id: MemberId::new("KH").unwrap(),
            name: "Cambodia MRC network".into(),
            role: Role::Node,
            endpoint: "127.0.0.1:7401".into(),
        };
        let member = create_identity(&dir, &new).unwrap();
        let folder = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(folder, 0o700, "the identity folder is its owner's alone");
        for secret in [SIGNING_KEY_FILE, TLS_KEY_FILE] {
            let mode = std::fs::metadata(dir.join(secret))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600, "{secret}");
        }
        assert_eq!(load_member(&dir.join(MEMBER_FILE)).unwrap(), member);
        let key = crate::keyfile::load_signing_key(&dir.join(SIGNING_KEY_FILE)).unwrap();
        assert_eq!(
            member.public_key,
            hex::encode(key.verifying_key().as_bytes())
        );
        let pem = std::fs::read_to_string(dir.join(TLS_CERT_FILE)).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let config = NodeConfig::load(&dir).unwrap();
        assert_eq!(config.listen, "127.0.0.1:7401".parse().unwrap());

        assert!(matches!(
            create_identity(&dir, &new),
            Err(IdentityError::Exists { .. })
        ));
        let bad = NewIdentity {
            endpoint: "nowhere".into(),
            ..new
        };
        assert!(matches!(
            create_identity(&tmp.path().join("X"), &bad),
            Err(IdentityError::BadEndpoint { .. })
        ));
        let escape = NewIdentity {
            name: "Agency\u{1b}[2J".into(),
            endpoint: "127.0.0.1:7401".into(),
            ..bad
        };
        let err = create_identity(&tmp.path().join("Y"), &escape)
            .unwrap_err()
            .to_string();
        assert!(err.contains("name") && err.contains("U+001B"), "{err}");
        assert!(!tmp.path().join("Y").exists());
    }
}
