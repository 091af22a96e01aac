//! The administration service: appending to the node's own logs.
//!
//! Until mutual TLS arrives (issue 3), the node listens on loopback only, so only
//! processes on the node's machine can reach this service.

use remedy_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::convert;
use crate::writer::LogWriter;

#[derive(Debug, Clone)]
pub struct AdminService {
    writer: LogWriter,
}

impl AdminService {
    pub fn new(writer: LogWriter) -> Self {
        Self { writer }
    }
}

#[tonic::async_trait]
impl pb::admin_server::Admin for AdminService {
    async fn append(
        &self,
        request: Request<pb::AppendRequest>,
    ) -> Result<Response<pb::AppendReply>, Status> {
        let request = request.into_inner();
        let log = convert::log_kind(request.log)?;
        let drafts = request
            .events
            .into_iter()
            .enumerate()
            .map(|(i, d)| convert::draft(i, d))
            .collect::<Result<Vec<_>, _>>()?;
        let receipts = self
            .writer
            .append(log, drafts)
            .await
            .map_err(convert::append_error)?;
        Ok(Response::new(pb::AppendReply {
            receipts: receipts.into_iter().map(convert::receipt).collect(),
        }))
    }
}
