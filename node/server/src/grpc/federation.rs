//! The federation service: the manifest this node runs under (every version it
//! accepted) and its replication status.

use std::sync::Arc;

use remedy_core::MemberId;
use remedy_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::convert;
use crate::federation::LiveManifest;
use crate::heads::Heads;
use crate::replication::Replication;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct FederationService {
    member: MemberId,
    store: Arc<dyn Store>,
    heads: Arc<Heads>,
    /// `None` for a standalone node.
    manifest: Option<Arc<LiveManifest>>,
    replication: Option<Arc<Replication>>,
}

impl FederationService {
    pub fn new(
        member: MemberId,
        store: Arc<dyn Store>,
        heads: Arc<Heads>,
        manifest: Option<Arc<LiveManifest>>,
        replication: Option<Arc<Replication>>,
    ) -> Self {
        Self {
            member,
            store,
            heads,
            manifest,
            replication,
        }
    }
}

type EventStream =
    std::pin::Pin<Box<dyn tokio_stream::Stream<Item = Result<pb::SignedEvent, Status>> + Send>>;

#[tonic::async_trait]
impl pb::federation_server::Federation for FederationService {
    type PlanEventsStream = EventStream;

    async fn checkpoint(
        &self,
        request: Request<pb::CheckpointRequest>,
    ) -> Result<Response<pb::CheckpointReply>, Status> {
        let origin = convert::origin(&request.get_ref().origin, &self.member)?;
        let store = self.store.clone();
        let text = tokio::task::spawn_blocking(move || {
            store.projection(&crate::merkle::checkpoint_key(&origin))
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(convert::store_error)?
        .map(|raw| String::from_utf8_lossy(&raw).into_owned())
        .unwrap_or_default();
        Ok(Response::new(pb::CheckpointReply { text }))
    }

    async fn proof(
        &self,
        request: Request<pb::ProofRequest>,
    ) -> Result<Response<pb::ProofReply>, Status> {
        let request = request.into_inner();
        let origin = convert::origin(&request.origin, &self.member)?;
        let held = self.heads.get(&origin);
        if request.size == 0 || request.size > held {
            return Err(Status::out_of_range(format!(
                "this node holds {held} events of {origin}; a proof against a tree of {} cannot be made",
                request.size
            )));
        }
        let (store, own) = (self.store.clone(), self.member.clone());
        let hashes = tokio::task::spawn_blocking(move || {
            let tree = crate::merkle::StoredTree::of(store.as_ref(), &origin, &own);
            if request.seq > 0 {
                if request.seq > request.size {
                    return Err(Status::out_of_range(format!(
                        "event {} is not in a tree of {} events",
                        request.seq, request.size
                    )));
                }
                remedy_core::merkle::inclusion_proof(&tree, request.seq - 1, request.size)
                    .map_err(convert::store_error)
            } else {
                if request.old_size > request.size {
                    return Err(Status::invalid_argument(format!(
                        "a consistency proof runs from a smaller tree: {} > {}",
                        request.old_size, request.size
                    )));
                }
                remedy_core::merkle::consistency_proof(&tree, request.old_size, request.size)
                    .map_err(convert::store_error)
            }
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))??;
        Ok(Response::new(pb::ProofReply {
            hashes: hashes.into_iter().map(|h| h.to_vec()).collect(),
        }))
    }

    async fn plan_events(
        &self,
        _: Request<pb::PlanEventsRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let store = self.store.clone();
        let events = tokio::task::spawn_blocking(move || crate::plan::events(store.as_ref()))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(convert::store_error)?;
        let events = events
            .into_iter()
            .map(|e| Ok(pb::SignedEvent { raw: e.into_raw() }));
        Ok(Response::new(Box::pin(tokio_stream::iter(events))))
    }

    async fn manifest(
        &self,
        request: Request<pb::ManifestRequest>,
    ) -> Result<Response<pb::ManifestReply>, Status> {
        let Some(manifest) = &self.manifest else {
            return Ok(Response::new(pb::ManifestReply::default()));
        };
        let text = match request.get_ref().version {
            0 => manifest.current().to_text(),
            version => manifest
                .version_text(version)
                .map_err(convert::store_error)?
                .ok_or_else(|| {
                    Status::not_found(format!(
                        "manifest version {version} is not one this node accepted (it runs under version {})",
                        manifest.current().version()
                    ))
                })?,
        };
        Ok(Response::new(pb::ManifestReply { text }))
    }

    async fn status(
        &self,
        _: Request<pb::StatusRequest>,
    ) -> Result<Response<pb::StatusReply>, Status> {
        let version = self.manifest.as_ref().map(|m| m.current().version());
        let report = self.replication.as_ref().map(|r| r.report());
        let mut reply = convert::status(
            &self.member,
            version.unwrap_or(0),
            self.heads.get(&self.member),
            report,
        );
        let store = self.store.clone();
        reply.equivocations =
            tokio::task::spawn_blocking(move || store.meta_prefix(b"equivocation/"))
                .await
                .map_err(|e| Status::internal(e.to_string()))?
                .map_err(convert::store_error)?
                .into_iter()
                .map(|(_, v)| String::from_utf8_lossy(&v).into_owned())
                .collect();
        Ok(Response::new(reply))
    }
}
