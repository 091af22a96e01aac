//! Mutual TLS between the parties of a federation.
//!
//! There is no certificate authority: each member's self-signed certificate is
//! pinned by its SHA-256 fingerprint in the co-signed manifest. A server accepts a
//! client only if the client's certificate is one of the manifest's; a client
//! accepts a server only if its certificate is the one the manifest lists for the
//! member it meant to reach. The handshake itself proves possession of the key.
//! TLS 1.3 only, on the `ring` provider.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use remedy_core::MemberId;
use remedy_core::manifest::Manifest;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::identity::{TLS_CERT_FILE, TLS_KEY_FILE};

/// SHA-256 of a certificate's DER bytes: what the manifest pins.
pub type Fingerprint = [u8; 32];

pub fn fingerprint(cert: &CertificateDer<'_>) -> Fingerprint {
    Sha256::digest(cert.as_ref()).into()
}

/// Parses a manifest's hex fingerprint.
pub fn parse_fingerprint(hex_text: &str) -> Option<Fingerprint> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_text, &mut out).ok().map(|()| out)
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {message}")]
    Pem { path: PathBuf, message: String },
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    /// The TLS key is as secret as the signing key: whoever reads it can speak as
    /// this member to every peer that pins its certificate.
    #[error(transparent)]
    KeyFile(#[from] crate::keyfile::KeyFileError),
}

/// A party's certificate chain and private key.
#[derive(Debug)]
pub struct TlsIdentity {
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl Clone for TlsIdentity {
    fn clone(&self) -> Self {
        Self {
            certs: self.certs.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl TlsIdentity {
    /// Reads `DIR/tls.crt` and `DIR/tls.key`, refusing a key that group or
    /// others may read, as for `signing.key`.
    pub fn load(dir: &Path) -> Result<Self, TlsError> {
        let cert_path = dir.join(TLS_CERT_FILE);
        let key_path = dir.join(TLS_KEY_FILE);
        crate::keyfile::check_private(&key_path)?;
        let pem = |path: &Path, e: rustls::pki_types::pem::Error| TlsError::Pem {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let certs = CertificateDer::pem_file_iter(&cert_path)
            .map_err(|e| pem(&cert_path, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| pem(&cert_path, e))?;
        if certs.is_empty() {
            return Err(TlsError::Pem {
                path: cert_path,
                message: "no certificate in the file".into(),
            });
        }
        let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| pem(&key_path, e))?;
        Ok(Self { certs, key })
    }

    pub fn fingerprint(&self) -> Fingerprint {
        fingerprint(&self.certs[0])
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The handshake signature checks both verifiers share: the provider's algorithms,
/// applied to the certificate that was pinned.
#[derive(Debug)]
struct Signatures(WebPkiSupportedAlgorithms);

impl Signatures {
    fn new() -> Self {
        Self(rustls::crypto::ring::default_provider().signature_verification_algorithms)
    }
}

/// The handshake-signature half of a certificate verifier, the same for both
/// ends: ring's algorithms, from the verifier's `signatures` field. (The
/// client and server verifier traits each declare these three methods.)
macro_rules! handshake_signatures {
    () => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.signatures.0)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.signatures.0)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.signatures.0.supported_schemes()
        }
    };
}

/// The client certificates a server accepts: those of the manifest it runs under,
/// and those of the partner organisations registered in the shared logs it holds
/// (`KH/kh-bar`). Shared with the running server, so a new manifest version or a
/// new registration takes effect for the next handshake without a restart.
#[derive(Debug, Default)]
pub struct Pins(
    RwLock<BTreeMap<Fingerprint, MemberId>>,
    RwLock<BTreeMap<Fingerprint, String>>,
);

impl Pins {
    pub fn new(allowed: impl IntoIterator<Item = (Fingerprint, MemberId)>) -> Arc<Self> {
        Arc::new(Self(
            RwLock::new(allowed.into_iter().collect()),
            RwLock::new(BTreeMap::new()),
        ))
    }

    /// Replaces the partners' certificates (registered, not retired).
    pub fn set_partners(&self, partners: impl IntoIterator<Item = (Fingerprint, String)>) {
        let mut pins = self.1.write().unwrap_or_else(|e| e.into_inner());
        *pins = partners.into_iter().collect();
    }

    /// The partner (`KH/kh-bar`) a certificate belongs to.
    pub fn partner(&self, fingerprint: &Fingerprint) -> Option<String> {
        let pins = self.1.read().unwrap_or_else(|e| e.into_inner());
        pins.get(fingerprint).cloned()
    }

    /// Every member of `manifest` whose fingerprint parses.
    pub fn of_manifest(manifest: &Manifest) -> Vec<(Fingerprint, MemberId)> {
        manifest
            .body
            .members
            .iter()
            .filter_map(|m| parse_fingerprint(&m.tls_fingerprint).map(|f| (f, m.id.clone())))
            .collect()
    }

    pub fn replace(&self, allowed: impl IntoIterator<Item = (Fingerprint, MemberId)>) {
        let mut pins = self.0.write().unwrap_or_else(|e| e.into_inner());
        *pins = allowed.into_iter().collect();
    }

    /// The member a certificate belongs to.
    pub fn member(&self, fingerprint: &Fingerprint) -> Option<MemberId> {
        let pins = self.0.read().unwrap_or_else(|e| e.into_inner());
        pins.get(fingerprint).cloned()
    }
}

/// Accepts client certificates pinned in the manifest or registered for a
/// partner, and no others.
#[derive(Debug)]
struct PinnedClients {
    allowed: Arc<Pins>,
    signatures: Signatures,
}

impl ClientCertVerifier for PinnedClients {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let fingerprint = fingerprint(end_entity);
        if self.allowed.member(&fingerprint).is_some()
            || self.allowed.partner(&fingerprint).is_some()
        {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    handshake_signatures!();
}

/// Accepts exactly one server certificate: the one pinned for the member dialled.
#[derive(Debug)]
struct PinnedServer {
    expected: Fingerprint,
    signatures: Signatures,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if fingerprint(end_entity) == self.expected {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    handshake_signatures!();
}

/// Session keys go to the file named by `SSLKEYLOGFILE` when it is set (the
/// convention Wireshark and curl follow), for debugging and for the test that reads
/// what a node sends; otherwise nowhere. The node warns at start when it is set.
fn key_log() -> Arc<dyn rustls::KeyLog> {
    Arc::new(rustls::KeyLogFile::new())
}

/// A server configuration that requires a client certificate from `allowed`.
pub fn server_config(
    identity: &TlsIdentity,
    allowed: Arc<Pins>,
) -> Result<rustls::ServerConfig, TlsError> {
    let verifier = PinnedClients {
        allowed,
        signatures: Signatures::new(),
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(identity.certs.clone(), identity.key.clone_key())?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    config.key_log = key_log();
    Ok(config)
}

/// A client configuration that presents `identity` and accepts only the server
/// certificate with fingerprint `server`.
pub fn client_config(
    identity: &TlsIdentity,
    server: Fingerprint,
) -> Result<rustls::ClientConfig, TlsError> {
    let verifier = PinnedServer {
        expected: server,
        signatures: Signatures::new(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_auth_cert(identity.certs.clone(), identity.key.clone_key())?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    config.key_log = key_log();
    Ok(config)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use remedy_core::manifest::Role;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;
    use crate::identity::{NewIdentity, create_identity};

    fn identity(root: &Path, id: &str) -> TlsIdentity {
        let dir = root.join(id);
        let new = NewIdentity {
            id: MemberId::new(id).unwrap(),
            name: id.into(),
            role: Role::Node,
            endpoint: "127.0.0.1:1".into(),
        };
        let member = create_identity(&dir, &new).unwrap();
        let tls = TlsIdentity::load(&dir).unwrap();
        assert_eq!(hex::encode(tls.fingerprint()), member.tls_fingerprint);
        tls
    }

    #[test]
    fn a_tls_key_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        identity(tmp.path(), "KH");
        let key = tmp.path().join("KH").join(TLS_KEY_FILE);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = TlsIdentity::load(&tmp.path().join("KH"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("tls.key") && err.contains("0644") && err.contains("chmod 600"),
            "{err}"
        );
    }

    /// Runs one TLS exchange; returns whether the server accepted the client and
    /// whether the client accepted the server and got the echo.
    async fn exchange(
        server: &TlsIdentity,
        allowed: &[&TlsIdentity],
        client: Option<&TlsIdentity>,
        pin: Fingerprint,
    ) -> (bool, bool) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let allowed = allowed
            .iter()
            .enumerate()
            .map(|(i, t)| (t.fingerprint(), MemberId::new(format!("M{i}")).unwrap()));
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(
            server_config(server, Pins::new(allowed)).unwrap(),
        ));
        let server_side = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            match acceptor.accept(tcp).await {
                Ok(mut tls) => {
                    let mut buf = [0u8; 4];
                    if tls.read_exact(&mut buf).await.is_ok() {
                        let _ = tls.write_all(&buf).await;
                        let _ = tls.flush().await;
                    }
                    true
                }
                Err(_) => false,
            }
        });
        let tcp = TcpStream::connect(addr).await.unwrap();
        let client_ok = match client {
            Some(identity) => {
                let connector = tokio_rustls::TlsConnector::from(Arc::new(
                    client_config(identity, pin).unwrap(),
                ));
                let name = ServerName::try_from("node.remedy-net").unwrap();
                match connector.connect(name, tcp).await {
                    Ok(mut tls) => {
                        let mut buf = [0u8; 4];
                        tls.write_all(b"ping").await.is_ok()
                            && tls.read_exact(&mut buf).await.is_ok()
                            && &buf == b"ping"
                    }
                    Err(_) => false,
                }
            }
            None => {
                // No certificate at all: a client configuration without client auth.
                let config = rustls::ClientConfig::builder_with_provider(provider())
                    .with_protocol_versions(&[&rustls::version::TLS13])
                    .unwrap()
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(PinnedServer {
                        expected: pin,
                        signatures: Signatures::new(),
                    }))
                    .with_no_client_auth();
                let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
                let name = ServerName::try_from("node.remedy-net").unwrap();
                match connector.connect(name, tcp).await {
                    Ok(mut tls) => {
                        let mut buf = [0u8; 4];
                        tls.write_all(b"ping").await.is_ok()
                            && tls.read_exact(&mut buf).await.is_ok()
                    }
                    Err(_) => false,
                }
            }
        };
        (server_side.await.unwrap(), client_ok)
    }

    #[tokio::test]
    async fn only_pinned_certificates_get_through_in_either_direction() {
        let tmp = tempfile::tempdir().unwrap();
        let kh = identity(tmp.path(), "KH");
        let jp = identity(tmp.path(), "JP");
        let stranger = identity(tmp.path(), "XX");

        // A member talks to a member.
        assert_eq!(
            exchange(&kh, &[&kh, &jp], Some(&jp), kh.fingerprint()).await,
            (true, true)
        );
        // A certificate outside the manifest is refused at the handshake.
        assert_eq!(
            exchange(&kh, &[&kh, &jp], Some(&stranger), kh.fingerprint()).await,
            (false, false)
        );
        // So is a client with no certificate.
        assert_eq!(
            exchange(&kh, &[&kh, &jp], None, kh.fingerprint()).await,
            (false, false)
        );
        // And a server whose certificate is not the one pinned for it.
        let (_, client_ok) = exchange(&stranger, &[&jp], Some(&jp), kh.fingerprint()).await;
        assert!(!client_ok);
    }
}
