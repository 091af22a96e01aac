//! The log service: heads and pages of shared logs. There is deliberately no way to
//! name a private log here: the request has no log field, and reads go to the own
//! shared log or a replica only.

use std::pin::Pin;
use std::sync::Arc;

use remedy_core::{LogKind, MemberId, SignedEvent};
use remedy_proto::v1 as pb;
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use super::convert;
use crate::store::{LogId, Store};

/// Events per `Read` when the request does not say.
const DEFAULT_PAGE: usize = 1000;
/// Most events per `Read`.
const MAX_PAGE: usize = 10_000;

#[derive(Clone)]
pub struct LogService {
    store: Arc<dyn Store>,
    member: MemberId,
}

impl std::fmt::Debug for LogService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LogService({})", self.member)
    }
}

impl LogService {
    pub fn new(store: Arc<dyn Store>, member: MemberId) -> Self {
        Self { store, member }
    }

    /// The shared log of `origin` as held here.
    fn shared_log(&self, origin: MemberId) -> LogId {
        if origin == self.member {
            LogId::Own(LogKind::Shared)
        } else {
            LogId::Replica(origin)
        }
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::SignedEvent, Status>> + Send>>;

#[tonic::async_trait]
impl pb::log_server::Log for LogService {
    async fn head(
        &self,
        request: Request<pb::HeadRequest>,
    ) -> Result<Response<pb::LogHead>, Status> {
        let origin = convert::origin(&request.get_ref().origin, &self.member)?;
        let log = self.shared_log(origin.clone());
        let store = self.store.clone();
        let last = tokio::task::spawn_blocking(move || store.last(&log))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(convert::store_error)?;
        let (seq, hash) = match last {
            None => (0, Vec::new()),
            Some((seq, raw)) => {
                let event = SignedEvent::decode(raw).map_err(|e| {
                    Status::data_loss(format!(
                        "{origin} event {seq} is undecodable in this node's store: {e}"
                    ))
                })?;
                (seq, event.hash().0.to_vec())
            }
        };
        Ok(Response::new(pb::LogHead {
            origin: origin.to_string(),
            seq,
            hash,
        }))
    }

    type ReadStream = EventStream;

    async fn read(
        &self,
        request: Request<pb::ReadRequest>,
    ) -> Result<Response<Self::ReadStream>, Status> {
        let request = request.into_inner();
        let origin = convert::origin(&request.origin, &self.member)?;
        let log = self.shared_log(origin);
        let limit = match request.limit as usize {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        let from = request.from_seq.max(1);
        let store = self.store.clone();
        let page = tokio::task::spawn_blocking(move || store.range(&log, from, limit))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(convert::store_error)?;
        let events = page.into_iter().map(|(_, raw)| Ok(pb::SignedEvent { raw }));
        Ok(Response::new(Box::pin(tokio_stream::iter(events))))
    }
}
