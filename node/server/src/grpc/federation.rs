//! The federation service: the manifest this node runs under.

use remedy_core::manifest::Manifest;
use remedy_proto::v1 as pb;
use tonic::{Request, Response, Status};

#[derive(Debug, Clone)]
pub struct FederationService {
    /// The manifest file's text as accepted at start; empty for a standalone node.
    text: String,
}

impl FederationService {
    pub fn new(manifest: Option<&Manifest>) -> Self {
        Self {
            text: manifest.map(Manifest::to_text).unwrap_or_default(),
        }
    }
}

#[tonic::async_trait]
impl pb::federation_server::Federation for FederationService {
    async fn manifest(
        &self,
        _: Request<pb::ManifestRequest>,
    ) -> Result<Response<pb::ManifestReply>, Status> {
        Ok(Response::new(pb::ManifestReply {
            text: self.text.clone(),
        }))
    }
}
