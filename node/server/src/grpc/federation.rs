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
        Ok(Response::new(convert::status(
            &self.member,
            version.unwrap_or(0),
            self.heads.get(&self.member),
            report,
        )))
    }
}
