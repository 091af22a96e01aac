//! A node that lies: it answers what an auditor asks (`Log.Read`,
//! `Federation.Checkpoint`, `Federation.Proof`, `Federation.Status`) and what a
//! follower asks (`Log.Follow`: one page per origin with its checkpoint, then
//! nothing) from a copy of the logs the test hands it, tampered as the test likes,
//! over mutual TLS with a real member's certificate and key, at the address the
//! test chooses. Its proofs are honest about the copy it serves, so an auditor has
//! to catch the lie from the signatures, the chain, the checkpoint and what it saw
//! before.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use remedy_client::identity::load_manifest;
use remedy_client::tls::{Pins, TlsIdentity, server_config};
use remedy_core::merkle;
use remedy_proto::v1 as pb;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

/// What the fake serves: raw events and checkpoint text per origin.
#[derive(Debug, Default, Clone)]
pub struct Served {
    pub logs: BTreeMap<String, Vec<Vec<u8>>>,
    pub checkpoints: BTreeMap<String, String>,
}

/// The fake node; change what it serves with [`FakeNode::serve`].
#[derive(Debug, Clone, Default)]
pub struct FakeNode {
    served: Arc<Mutex<Served>>,
}

impl FakeNode {
    pub fn serve(&self, served: Served) {
        *self.served.lock().expect("lock") = served;
    }

    fn log(&self, origin: &str) -> Vec<Vec<u8>> {
        self.served
            .lock()
            .expect("lock")
            .logs
            .get(origin)
            .cloned()
            .unwrap_or_default()
    }

    /// Listens at `member_dir`'s member address with its TLS identity, accepting
    /// the parties of its manifest.
    pub async fn start(&self, member_dir: &Path, addr: SocketAddr) -> anyhow::Result<()> {
        let incoming = listen_as(member_dir, addr).await?;
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(pb::log_server::LogServer::new(self.clone()))
                .add_service(pb::federation_server::FederationServer::new(self.clone()))
                .serve_with_incoming(incoming),
        );
        Ok(())
    }
}

/// Accepted mutual-TLS connections, for `serve_with_incoming`.
pub type TlsIncoming = tokio_stream::wrappers::ReceiverStream<
    Result<tokio_rustls::server::TlsStream<tokio::net::TcpStream>, std::io::Error>,
>;

/// Mutual-TLS connections at `addr` as the member of `member_dir` (its
/// certificate and key), from the parties its manifest pins: what a program that
/// stole a member's identity accepts, for a tonic server to serve.
pub async fn listen_as(member_dir: &Path, addr: SocketAddr) -> anyhow::Result<TlsIncoming> {
    let manifest = load_manifest(&member_dir.join("federation.toml"))?;
    let identity = TlsIdentity::load(member_dir)?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config(
        &identity,
        Pins::new(Pins::of_manifest(&manifest)),
    )?));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let (tls_tx, tls_rx) = tokio::sync::mpsc::channel(8);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let _ = tcp.set_nodelay(true);
            let (acceptor, tls_tx) = (acceptor.clone(), tls_tx.clone());
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    let _ = tls_tx.send(Ok::<_, std::io::Error>(tls)).await;
                }
            });
        }
    });
    Ok(tokio_stream::wrappers::ReceiverStream::new(tls_rx))
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::SignedEvent, Status>> + Send>>;
type PageStream = Pin<Box<dyn Stream<Item = Result<pb::Page, Status>> + Send>>;

#[tonic::async_trait]
impl pb::log_server::Log for FakeNode {
    async fn head(&self, _: Request<pb::HeadRequest>) -> Result<Response<pb::LogHead>, Status> {
        Err(Status::unimplemented("fake node"))
    }

    type ReadStream = EventStream;

    async fn read(
        &self,
        request: Request<pb::ReadRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let r = request.into_inner();
        let events: Vec<_> = self
            .log(&r.origin)
            .into_iter()
            .skip(r.from_seq.saturating_sub(1) as usize)
            .take(r.limit.max(1) as usize)
            .map(|raw| Ok(pb::SignedEvent { raw }))
            .collect();
        Ok(Response::new(Box::pin(tokio_stream::iter(events))))
    }

    type FollowStream = PageStream;

    async fn follow(&self, _: Request<pb::FollowRequest>) -> Result<Response<PageStream>, Status> {
        let served = self.served.lock().expect("lock").clone();
        let pages: Vec<Result<pb::Page, Status>> = served
            .logs
            .iter()
            .map(|(origin, log)| {
                Ok(pb::Page {
                    origin: origin.clone(),
                    head: log.len() as u64,
                    events: log
                        .iter()
                        .map(|raw| pb::SignedEvent { raw: raw.clone() })
                        .collect(),
                    manifest_version: 0,
                    checkpoint: served.checkpoints.get(origin).cloned().unwrap_or_default(),
                })
            })
            .collect();
        // Then nothing more, without closing: the follower stays connected.
        let stream =
            tokio_stream::StreamExt::chain(tokio_stream::iter(pages), tokio_stream::pending());
        Ok(Response::new(Box::pin(stream)))
    }
}

#[tonic::async_trait]
impl pb::federation_server::Federation for FakeNode {
    async fn manifest(
        &self,
        _: Request<pb::ManifestRequest>,
    ) -> Result<Response<pb::ManifestReply>, Status> {
        Err(Status::unimplemented("fake node"))
    }

    async fn status(
        &self,
        _: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusReply>, Status> {
        Ok(Response::new(pb::StatusReply::default()))
    }

    async fn record_audit(
        &self,
        _: Request<pb::AuditRecord>,
    ) -> Result<Response<pb::AuditRecordReply>, Status> {
        Err(Status::unimplemented("fake node"))
    }

    async fn submit(
        &self,
        _: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitReply>, Status> {
        Err(Status::unimplemented("fake node"))
    }

    type PlanEventsStream = EventStream;

    async fn plan_events(
        &self,
        _: Request<pb::PlanEventsRequest>,
    ) -> Result<Response<EventStream>, Status> {
        Ok(Response::new(Box::pin(tokio_stream::iter(Vec::new()))))
    }

    async fn checkpoint(
        &self,
        request: Request<pb::CheckpointRequest>,
    ) -> Result<Response<pb::CheckpointReply>, Status> {
        let text = self
            .served
            .lock()
            .expect("lock")
            .checkpoints
            .get(&request.get_ref().origin)
            .cloned()
            .unwrap_or_default();
        Ok(Response::new(pb::CheckpointReply { text }))
    }

    async fn proof(
        &self,
        request: Request<pb::ProofRequest>,
    ) -> Result<Response<pb::ProofReply>, Status> {
        let r = request.into_inner();
        let log = self.log(&r.origin);
        let tree = merkle::MemoryTree::of(log.iter().take(r.size as usize).map(Vec::as_slice));
        let beyond = |e: merkle::MissingSubtree| Status::out_of_range(e.to_string());
        let hashes = if r.seq > 0 {
            merkle::inclusion_proof(&tree, r.seq - 1, r.size).map_err(beyond)?
        } else {
            merkle::consistency_proof(&tree, r.old_size, r.size).map_err(beyond)?
        };
        Ok(Response::new(pb::ProofReply {
            hashes: hashes.into_iter().map(|h| h.to_vec()).collect(),
        }))
    }
}
