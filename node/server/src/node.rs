//! A node: its configuration, key, store and services, put together.
//!
//! `Node::open` does everything that can fail before serving: read `node.toml`, load
//! the key (refusing a file others can read), open RocksDB, verify both own logs from
//! the first event and check the projections agree. `Node::serve` then runs the gRPC
//! server until the shutdown future completes.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use remedy_core::{ChainHead, KeyHistory, KeyId, MemberId, SigningKey};
use remedy_proto::v1 as pb;
use tokio::net::TcpListener;

use crate::cases::Cases;
use crate::federation::LiveManifest;
use crate::grpc::{AdminService, FederationService, LogService, ViewService};
use crate::heads::Heads;
use crate::recovery::{Peers, Standing};
use crate::releases::Releases;
use crate::replication::{Replication, ReplicationError};
use crate::stats::{LogStats, own_logs};
use crate::store::{LogId, RocksStore, Store, StoreError, StoreOptions};
use crate::verify::{OwnKeys, Verified, VerifyError, verify_own_logs, verify_replicas};
use crate::writer::{LogWriter, WriterState};
use remedy_client::config::{ConfigError, NodeConfig};
use remedy_client::keyfile::{KeyFileError, load_signing_key};
use remedy_client::tls::{Pins, TlsIdentity, server_config};

/// How long a stopping node waits for open connections to close.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// How long a client may take to complete the TLS handshake.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a stopping node waits for the log writer to finish its last commit.
const WRITER_STOP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Metadata key holding the public key the own logs are signed with.
const META_PUBLIC_KEY: &[u8] = b"own/public-key";
/// Metadata key holding the private log's key history, once the key was replaced.
const META_PRIVATE_KEYS: &[u8] = b"own/private-keys";

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Key(#[from] KeyFileError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error(transparent)]
    Federation(#[from] crate::federation::FederationError),
    #[error(transparent)]
    Replication(#[from] ReplicationError),
    #[error(
        "the signing key in {path} (key id {found}) is not the key this node's logs were written with (key id {expected}); restore the right key file"
    )]
    KeyMismatch {
        path: PathBuf,
        found: KeyId,
        expected: KeyId,
    },
    #[error(
        "the manifest says {member}'s replaced key signed its shared log up to event {last_seq}, but this node's shared log ends at event {head}; the new key could sign nothing valid. The key change must name the log's last event: write it again with `remedy --dir DIR key replace`"
    )]
    KeyChangeAhead {
        member: MemberId,
        last_seq: u64,
        head: u64,
    },
    #[error("cannot serve on {addr}: {source}")]
    Serve {
        addr: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// An opened, verified node, ready to serve.
#[derive(Debug)]
pub struct Node {
    pub config: NodeConfig,
    pub dir: PathBuf,
    store: Arc<RocksStore>,
    key: SigningKey,
    pub verified: Verified,
    /// The verified heads of the replicated logs.
    pub replicas: BTreeMap<MemberId, ChainHead>,
    /// The federation manifest the node runs under; `None` for a standalone node.
    pub manifest: Option<remedy_core::manifest::Manifest>,
}

impl Node {
    /// Opens the node in folder `dir`; see the module documentation.
    pub fn open(dir: &Path) -> Result<Self, NodeError> {
        let config = NodeConfig::load(dir)?;
        let key_path = config.key_path(dir);
        let key = load_signing_key(&key_path)?;
        let store = RocksStore::open(&config.data_dir(dir), StoreOptions { sync: config.sync })?;
        if !config.sync {
            tracing::warn!(
                "sync = false in node.toml: writes are acknowledged before they are durable (benchmarks only)"
            );
        }
        let manifest = crate::federation::load(dir, &store, &config.member, &key)?;
        let keys = own_keys(&store, &key, &key_path, &config.member, manifest.as_ref())?;
        match &manifest {
            Some(m) => tracing::info!(
                federation = %m.body.federation.name,
                version = m.version(),
                members = m.body.members.len(),
                "running under the federation manifest"
            ),
            None => tracing::info!("no federation.toml: running as a standalone node"),
        }
        let started = Instant::now();
        let mut last_report = Instant::now();
        let mut progress = |log: &LogId, n| {
            if last_report.elapsed().as_secs() >= 2 {
                tracing::info!(%log, verified = n, "verifying logs");
                last_report = Instant::now();
            }
        };
        let verified = verify_own_logs(&store, &config.member, &keys, &mut progress)?;
        let signs_from = keys.shared.keys().last().map_or(1, |(first, _)| *first);
        if verified.shared.seq + 1 < signs_from {
            return Err(NodeError::KeyChangeAhead {
                member: config.member.clone(),
                last_seq: signs_from - 1,
                head: verified.shared.seq,
            });
        }
        let replicas = match &manifest {
            Some(manifest) => verify_replicas(&store, manifest, &mut progress)?,
            None => BTreeMap::new(),
        };
        tracing::info!(
            member = %config.member,
            shared = verified.shared.seq,
            private = verified.private.seq,
            replicas = replicas.len(),
            replicated_events = replicas.values().map(|h| h.seq).sum::<u64>(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "logs verified"
        );
        Ok(Self {
            config,
            dir: dir.to_path_buf(),
            store: Arc::new(store),
            key,
            verified,
            replicas,
            manifest,
        })
    }

    /// The node's store, for offline commands (`rebuild-views`).
    pub fn store(&self) -> Arc<RocksStore> {
        self.store.clone()
    }

    pub fn member(&self) -> &MemberId {
        &self.config.member
    }

    /// Fetches, checks and stores the events of the own shared log that peers
    /// hold after this node's last (`recovery::recover`), with the node stopped.
    pub async fn recover(
        &self,
        progress: impl FnMut(u64),
    ) -> Result<crate::recovery::Recovered, crate::recovery::RecoverError> {
        let manifest = self
            .manifest
            .clone()
            .ok_or(crate::recovery::RecoverError::Standalone)?;
        let identity = TlsIdentity::load(&self.dir).map_err(|e| {
            crate::recovery::RecoverError::Unreachable(format!("this node's TLS identity: {e}"))
        })?;
        let recovery = crate::recovery::Recovery {
            store: self.store.as_ref(),
            peers: Peers {
                member: self.config.member.clone(),
                manifest,
                overrides: self.config.peers.clone(),
                identity,
            },
            key: &self.key,
            head: self.verified.shared,
        };
        crate::recovery::recover(recovery, progress).await
    }

    /// Serves gRPC on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), NodeError> {
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let serve_error = |source: Box<dyn std::error::Error + Send + Sync>| NodeError::Serve {
            addr: addr.clone(),
            source,
        };
        let store: Arc<dyn Store> = self.store.clone();
        let stats = LogStats::load(store.as_ref(), &own_logs())?;
        let federation = self
            .manifest
            .as_ref()
            .map(|m| m.body.federation.name.clone())
            .unwrap_or_else(|| "standalone".into());
        let member = self.config.member.clone();
        let state = WriterState {
            shared: self.verified.shared,
            private: self.verified.private,
            stats,
            tree: crate::merkle::frontier(
                store.as_ref(),
                &member,
                &member,
                self.verified.shared.seq,
            )?,
            checkpoint_origin: Some(remedy_core::checkpoint::origin_line(
                &federation,
                member.as_str(),
            )),
        };
        let heads = Arc::new(Heads::default());
        heads.advance(&self.config.member, self.verified.shared.seq);
        let (writer, writer_stopped) = LogWriter::start(
            store.clone(),
            self.config.member.clone(),
            self.key.clone(),
            state,
            heads.clone(),
        );
        // A federated node's first shared append waits until its peers said how
        // much of the shared log they hold (recovery::check_standing).
        let (standing_tx, standing) = tokio::sync::watch::channel(Standing::Checking);
        let writer = match &self.manifest {
            Some(_) => writer.fenced(standing.clone()),
            None => writer,
        };
        let live = self.manifest.clone().map(|manifest| {
            LiveManifest::new(
                store.clone(),
                &self.dir,
                self.config.member.clone(),
                self.key.clone(),
                manifest,
            )
        });

        let (health, health_service) = tonic_health::server::health_reporter();
        health
            .set_serving::<pb::admin_server::AdminServer<AdminService>>()
            .await;
        health
            .set_serving::<pb::log_server::LogServer<LogService>>()
            .await;
        health
            .set_serving::<pb::federation_server::FederationServer<FederationService>>()
            .await;
        // Reflection in both versions: v1, and v1alpha for the clients that
        // speak only that (Python's grpcio-reflection, older grpcurl).
        let reflection_builder = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(remedy_proto::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        };
        let reflection = reflection_builder()
            .build_v1()
            .map_err(|e| serve_error(Box::new(e)))?;
        let reflection_v1alpha = reflection_builder()
            .build_v1alpha()
            .map_err(|e| serve_error(Box::new(e)))?;

        tracing::info!(member = %self.config.member, %addr, "serving gRPC");
        // Graceful shutdown waits for open connections to close; peers that keep
        // theirs open get SHUTDOWN_GRACE before the node stops regardless.
        let stopping = Arc::new(tokio::sync::Notify::new());
        let signal = {
            let (stopping, heads) = (stopping.clone(), heads.clone());
            async move {
                shutdown.await;
                // Follow streams end, so the peers' connections close.
                heads.close();
                stopping.notify_one();
            }
        };
        // A node in a federation speaks only mutual TLS, with the certificates the
        // manifest pins; a standalone node (no manifest) only plain text on loopback.
        if std::env::var_os("SSLKEYLOGFILE").is_some() {
            tracing::warn!(
                "SSLKEYLOGFILE is set: TLS session keys are written to it, so anyone who reads that file can read this node's traffic; unset it outside debugging"
            );
        }
        let mut background = tokio::task::JoinSet::new();
        let mut replication = None;
        let tls = match &live {
            Some(live) => {
                let identity =
                    TlsIdentity::load(&self.dir).map_err(|e| serve_error(Box::new(e)))?;
                let pins = Pins::new(Pins::of_manifest(&live.current()));
                // A new manifest version changes who may connect, at once.
                let mut versions = live.subscribe();
                let follow_pins = pins.clone();
                background.spawn(async move {
                    while versions.changed().await.is_ok() {
                        let manifest = versions.borrow_and_update().clone();
                        follow_pins.replace(Pins::of_manifest(&manifest));
                    }
                });
                // The partners registered in the logs held may connect too (to
                // submit their statements through their member's node).
                background.spawn(crate::plan::keep_partner_pins(
                    store.clone(),
                    heads.clone(),
                    pins.clone(),
                ));
                let config =
                    server_config(&identity, pins).map_err(|e| serve_error(Box::new(e)))?;
                let own = identity.fingerprint();
                let peers = Peers {
                    member: self.config.member.clone(),
                    manifest: live.current().as_ref().clone(),
                    overrides: self.config.peers.clone(),
                    identity: identity.clone(),
                };
                background.spawn(crate::recovery::check_standing(
                    peers,
                    store.clone(),
                    self.verified.shared,
                    standing_tx,
                ));
                let replicator = Replication::new(
                    self.config.member.clone(),
                    self.key.clone(),
                    store.clone(),
                    heads.clone(),
                    live.clone(),
                    identity,
                    self.config.peers.clone(),
                    &self.replicas,
                    self.config.compress_follow,
                )?;
                background.spawn(replicator.clone().run());
                replication = Some(replicator);
                Some((tokio_rustls::TlsAcceptor::from(Arc::new(config)), own))
            }
            None => None,
        };
        let operator = tls.as_ref().map(|(_, own)| *own);
        let cases = Arc::new(Cases::new(store.clone(), writer.clone()));
        let view = ViewService::new(self.config.member.clone(), store.clone(), live.clone());
        let releases = Arc::new(Releases::new(
            self.config.member.clone(),
            store.clone(),
            writer.clone(),
            cases.clone(),
        ));
        let admin = AdminService::new(
            self.config.member.clone(),
            store.clone(),
            writer.clone(),
            operator,
            live.clone(),
            cases,
            releases.clone(),
        );
        let mut federation_service = FederationService::new(
            self.config.member.clone(),
            store.clone(),
            heads.clone(),
            live.clone(),
            replication,
        )
        .with_standing(standing)
        .with_submit(admin.clone());
        let metrics = Arc::new(crate::http::Metrics::default());
        if let Some(http) = &self.config.http {
            let refused = |reason: String| NodeError::Serve {
                addr: http.listen.to_string(),
                source: reason.into(),
            };
            http.check().map_err(refused)?;
            let tls = crate::http::tls_acceptor(&self.dir, http).map_err(refused)?;
            let token = crate::http::metrics_token(&self.dir, http).map_err(refused)?;
            let listener = crate::http::bind(http.listen)
                .await
                .map_err(|e| NodeError::Serve {
                    addr: http.listen.to_string(),
                    source: Box::new(e),
                })?;
            let scheme = if tls.is_some() { "https" } else { "http" };
            let url = format!(
                "{scheme}://{}",
                listener.local_addr().unwrap_or(http.listen)
            );
            if http.dashboard {
                federation_service = federation_service.with_dashboard(url.clone());
            }
            let limits = crate::http::Limits::of(http);
            let server = crate::http::Http::new(
                self.config.member.clone(),
                view.clone(),
                federation_service.clone(),
                live.clone(),
                heads.clone(),
                metrics.clone(),
                http.dashboard,
            )
            .with_metrics_token(token)
            .with_public(http.public)
            .with_releases(releases.clone());
            tracing::info!(%url, dashboard = http.dashboard, "serving HTTP (metrics{})", if http.dashboard { " and the dashboard" } else { "" });
            background.spawn(async move {
                if let Err(e) = server
                    .serve(listener, limits, tls, std::future::pending())
                    .await
                {
                    tracing::error!(error = %e, "the HTTP server stopped");
                }
            });
        }
        if let Some(webhook) = &self.config.webhook {
            let target =
                crate::webhook::Target::parse(&webhook.url).map_err(|reason| NodeError::Serve {
                    addr: webhook.url.clone(),
                    source: reason.into(),
                })?;
            if !target.https && webhook.ca.is_some() {
                return Err(NodeError::Serve {
                    addr: webhook.url.clone(),
                    source: "[webhook] ca is for https:// URLs; this one is http://".into(),
                });
            }
            let tls = if target.https {
                let ca = webhook.ca.as_ref().map(|ca| self.dir.join(ca));
                Some(
                    crate::webhook::Tls::new(&target, ca.as_deref()).map_err(|reason| {
                        NodeError::Serve {
                            addr: webhook.url.clone(),
                            source: reason.into(),
                        }
                    })?,
                )
            } else {
                None
            };
            let store: Arc<dyn Store> = self.store.clone();
            background.spawn(crate::webhook::run(
                target,
                tls,
                self.config.member.clone(),
                self.key.clone(),
                store,
                heads.clone(),
            ));
        }
        let follow_sent = metrics.follow_sent_bytes.clone();
        let router = tonic::transport::Server::builder()
            // The same keepalive as the clients (the reasons are there): a
            // follower behind a silent link stops holding a stream here.
            .http2_keepalive_interval(Some(remedy_client::client::KEEPALIVE_INTERVAL))
            .http2_keepalive_timeout(Some(remedy_client::client::KEEPALIVE_TIMEOUT))
            .layer(crate::http::MetricsLayer(metrics))
            .add_service(health_service)
            .add_service(reflection)
            .add_service(reflection_v1alpha)
            .add_service(pb::view_server::ViewServer::new(view))
            .add_service(pb::federation_server::FederationServer::new(
                federation_service,
            ))
            .add_service(
                pb::admin_server::AdminServer::new(admin)
                    .max_decoding_message_size(crate::replication::MAX_MESSAGE),
            )
            .add_service(
                pb::log_server::LogServer::new(
                    LogService::new(store, self.config.member.clone(), heads, live)
                        .counting_into(follow_sent),
                )
                .max_decoding_message_size(crate::replication::MAX_MESSAGE)
                // Pages go gzipped to a follower that asks (`compress_follow`).
                .send_compressed(tonic::codec::CompressionEncoding::Gzip),
            );
        let gate = crate::accept::Gate::new(
            self.config.max_connections,
            self.config.max_connections_per_address,
        );
        let (server, accept_task): (Serving<'_>, _) = match tls {
            None => {
                let (incoming, task) = plain_incoming(listener, gate);
                (
                    Box::pin(router.serve_with_incoming_shutdown(incoming, signal)),
                    task,
                )
            }
            Some((acceptor, _)) => {
                let (incoming, task) = tls_incoming(listener, acceptor, gate);
                (
                    Box::pin(router.serve_with_incoming_shutdown(incoming, signal)),
                    task,
                )
            }
        };
        tokio::select! {
            result = server => result.map_err(|e| serve_error(Box::new(e)))?,
            () = async { stopping.notified().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {
                tracing::warn!("connections still open {} s after shutdown was requested; stopping anyway", SHUTDOWN_GRACE.as_secs());
            }
        }
        accept_task.abort();
        // Replication stops before the writer: nothing is stored after this.
        background.abort_all();
        while background.join_next().await.is_some() {}
        // The writer thread holds the store; it must let go before the process exits,
        // or RocksDB is torn down under it.
        writer.stop().await;
        let stopped = tokio::task::spawn_blocking(move || writer_stopped.wait(WRITER_STOP_TIMEOUT))
            .await
            .unwrap_or(false);
        if !stopped {
            tracing::error!(
                "the log writer did not stop within {} s",
                WRITER_STOP_TIMEOUT.as_secs()
            );
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// The gRPC server running, until its shutdown signal.
type Serving<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<(), tonic::transport::Error>> + Send + 'a>>;

/// Accepts TCP connections of a standalone node (plain text, loopback), with
/// the same backoff on accept errors and caps on connections as
/// [`tls_incoming`].
fn plain_incoming(
    listener: TcpListener,
    gate: crate::accept::Gate,
) -> (
    tokio_stream::wrappers::ReceiverStream<
        Result<crate::accept::Counted<tokio::net::TcpStream>, std::io::Error>,
    >,
    tokio::task::JoinHandle<()>,
) {
    let (streams, incoming) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(async move {
        let mut backoff = crate::accept::Backoff::default();
        loop {
            let place = gate.place().await;
            let (tcp, peer) = crate::accept::accept(&listener, &mut backoff, "gRPC").await;
            let Some(admitted) = admit(&gate, peer, place) else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let counted = crate::accept::Counted::new(tcp, admitted);
            if streams.send(Ok(counted)).await.is_err() {
                return;
            }
        }
    });
    (tokio_stream::wrappers::ReceiverStream::new(incoming), task)
}

/// Accepts TCP connections and completes TLS handshakes, each in its own task so a
/// slow or hostile client cannot hold up the others. Refused handshakes (a
/// certificate outside the manifest, none at all) are logged with the peer address.
fn tls_incoming(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    gate: crate::accept::Gate,
) -> (
    tokio_stream::wrappers::ReceiverStream<
        Result<
            crate::accept::Counted<tokio_rustls::server::TlsStream<tokio::net::TcpStream>>,
            std::io::Error,
        >,
    >,
    tokio::task::JoinHandle<()>,
) {
    let (streams, incoming) = tokio::sync::mpsc::channel(64);
    let task = tokio::spawn(async move {
        let mut backoff = crate::accept::Backoff::default();
        loop {
            // A place under the caps before the handshake: a flood of
            // connections from one address costs it its share, not the node.
            let place = gate.place().await;
            let (tcp, peer) = crate::accept::accept(&listener, &mut backoff, "gRPC").await;
            let Some(admitted) = admit(&gate, peer, place) else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let (acceptor, streams) = (acceptor.clone(), streams.clone());
            tokio::spawn(async move {
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                    Ok(Ok(tls)) => {
                        let _ = streams
                            .send(Ok(crate::accept::Counted::new(tls, admitted)))
                            .await;
                    }
                    Ok(Err(e)) => tracing::warn!(%peer, error = %e, "TLS handshake refused"),
                    Err(_) => tracing::warn!(%peer, "TLS handshake timed out"),
                }
            });
        }
    });
    (tokio_stream::wrappers::ReceiverStream::new(incoming), task)
}

/// A place for a connection from `peer`, or none (logged) when its address
/// holds its share already; the connection is then dropped, which closes it.
fn admit(
    gate: &crate::accept::Gate,
    peer: std::net::SocketAddr,
    place: tokio::sync::OwnedSemaphorePermit,
) -> Option<crate::accept::Admitted> {
    let admitted = gate.admit(peer, place);
    if admitted.is_none()
        && let Some(refused) = gate.refused()
    {
        tracing::warn!(%peer, refused, "connections refused: their address holds max_connections_per_address connections already (logged at most once a second)");
    }
    admitted
}

/// The keys the own logs were signed with, checked against the key this node signs
/// with now.
///
/// On first start the key is remembered. A different key later is refused, so a
/// swapped key file is caught before anything is signed with it, unless the
/// manifest retired the remembered key in favour of this one (a key change): then
/// the private log's key history, which only this node knows, gains the new key
/// from its next event.
fn own_keys(
    store: &RocksStore,
    key: &SigningKey,
    path: &Path,
    member: &MemberId,
    manifest: Option<&remedy_core::manifest::Manifest>,
) -> Result<OwnKeys, NodeError> {
    let public = key.verifying_key();
    let shared = match manifest.and_then(|m| m.member(member)) {
        Some(me) => {
            me.key_history()
                .map_err(|source| crate::federation::FederationError::Invalid {
                    path: "federation.toml".into(),
                    source,
                })?
        }
        None => KeyHistory::new(public),
    };
    let corrupt = |reason: &str| StoreError::Corrupt {
        path: store.path().display().to_string(),
        reason: reason.into(),
    };
    let Some(stored) = store.meta(META_PUBLIC_KEY)? else {
        store.commit(crate::store::Commit {
            meta: vec![(META_PUBLIC_KEY.to_vec(), public.as_bytes().to_vec())],
            ..Default::default()
        })?;
        let private = KeyHistory::new(public);
        return Ok(OwnKeys { shared, private });
    };
    let stored = <[u8; 32]>::try_from(stored.as_slice())
        .ok()
        .and_then(|b| remedy_core::VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| corrupt("the stored public key is malformed"))?;
    // Until the first key change the private log has one key and no recorded history.
    let private = match store.meta(META_PRIVATE_KEYS)? {
        Some(raw) => decode_history(&raw)
            .ok_or_else(|| corrupt("the private log's key history is malformed"))?,
        None => KeyHistory::new(stored),
    };
    if stored == public {
        return Ok(OwnKeys { shared, private });
    }
    if shared.retired_after(&stored).is_none() || shared.current() != &public {
        return Err(NodeError::KeyMismatch {
            path: path.to_path_buf(),
            found: key.key_id(),
            expected: KeyId::of(&stored),
        });
    }
    // The key change takes effect here: the private log continues with the new key.
    let [_, private_log] = own_logs();
    let private_head = LogStats::load(store, std::slice::from_ref(&private_log))?
        .get(&private_log)
        .events;
    let private = private
        .replaced_after(private_head, public)
        .ok_or_else(|| corrupt("the private log's key history is ahead of the log"))?;
    store.commit(crate::store::Commit {
        meta: vec![
            (META_PUBLIC_KEY.to_vec(), public.as_bytes().to_vec()),
            (META_PRIVATE_KEYS.to_vec(), encode_history(&private)),
        ],
        ..Default::default()
    })?;
    tracing::info!(
        old = %KeyId::of(&stored),
        new = %key.key_id(),
        shared_from = shared.keys().last().map(|(first, _)| *first).unwrap_or(1),
        private_from = private_head + 1,
        "signing key replaced as the manifest says"
    );
    Ok(OwnKeys { shared, private })
}

/// The private log's key history as stored: one line `FIRST_SEQ PUBLIC_KEY_HEX` per key.
fn encode_history(history: &KeyHistory) -> Vec<u8> {
    history
        .keys()
        .iter()
        .map(|(first, key)| format!("{first} {}\n", hex::encode(key.as_bytes())))
        .collect::<String>()
        .into_bytes()
}

fn decode_history(raw: &[u8]) -> Option<KeyHistory> {
    let mut history: Option<KeyHistory> = None;
    for line in std::str::from_utf8(raw).ok()?.lines() {
        let (first, key) = line.split_once(' ')?;
        let first: u64 = first.parse().ok()?;
        let key = remedy_core::keys::verifying_key_from_hex(key).ok()?;
        history = Some(match history {
            None if first == 1 => KeyHistory::new(key),
            None => return None,
            Some(h) => h.replaced_after(first.checked_sub(1)?, key)?,
        });
    }
    history
}
