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
    /// The dashboard's address, when the node serves one.
    dashboard: String,
    /// Where the own shared log stands against the peers' copies.
    standing: Option<tokio::sync::watch::Receiver<crate::recovery::Standing>>,
    /// Appends coordinators' statements (`Submit`) as the operator's appends are.
    submit: Option<crate::grpc::admin::AdminService>,
}

/// Where the last audit report an auditor left is kept (`meta`).
const META_LAST_AUDIT: &[u8] = b"audit/last";

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
            dashboard: String::new(),
            standing: None,
            submit: None,
        }
    }

    /// Reports why shared appends are refused, when they are (`recovery`).
    pub fn with_submit(mut self, admin: crate::grpc::admin::AdminService) -> Self {
        self.submit = Some(admin);
        self
    }

    pub fn with_standing(
        mut self,
        standing: tokio::sync::watch::Receiver<crate::recovery::Standing>,
    ) -> Self {
        self.standing = Some(standing);
        self
    }

    /// Names the dashboard's address in status replies.
    pub fn with_dashboard(mut self, url: String) -> Self {
        self.dashboard = url;
        self
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

    async fn submit(
        &self,
        request: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitReply>, Status> {
        use remedy_core::payload::Payload as _;
        let caller = convert::caller(&request);
        let payload = request.into_inner().statement;
        let (Some(admin), Some(manifest)) = (&self.submit, &self.manifest) else {
            return Err(Status::failed_precondition(
                "a standalone node has no coordinators and takes no statements",
            ));
        };
        let statement = remedy_core::statement::Statement::decode(1, &payload)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        let registered = match &statement.partner {
            Some(partner) => {
                // A partner submits through its own member's node only, with
                // the certificate its member registered for it.
                if statement.signer != self.member {
                    return Err(Status::permission_denied(format!(
                        "{} is a partner of {}: submit through {}'s node, not {}'s",
                        statement.author(),
                        statement.signer,
                        statement.signer,
                        self.member
                    )));
                }
                let (store, member) = (self.store.clone(), self.member.clone());
                let book = tokio::task::spawn_blocking(move || {
                    crate::plan::partner_book(store.as_ref(), &member)
                })
                .await
                .map_err(|e| Status::internal(e.to_string()))?
                .map_err(convert::store_error)?;
                book.key(&self.member, partner)
                    .map_err(Status::permission_denied)?;
                book.get(partner)
                    .and_then(|p| remedy_client::tls::parse_fingerprint(&p.partner.tls_fingerprint))
            }
            None => manifest
                .current()
                .member(&statement.signer)
                .filter(|m| m.role == remedy_core::manifest::Role::Coordinator)
                .ok_or_else(|| {
                    Status::permission_denied(format!(
                        "{} is not a coordinator of the federation: only coordinators and partners submit statements",
                        statement.signer
                    ))
                })
                .map(|m| remedy_client::tls::parse_fingerprint(&m.tls_fingerprint))?,
        };
        if caller.is_none() || caller != registered {
            return Err(Status::permission_denied(format!(
                "only {}, connected with its own certificate, may submit its statements",
                statement.author()
            )));
        }
        let seq = crate::grpc::admin::submit(admin, payload).await?;
        Ok(Response::new(pb::SubmitReply {
            id: format!("{}-{seq}", self.member),
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
        reply.dashboard = self.dashboard.clone();
        reply.appends_refused = self
            .standing
            .as_ref()
            .and_then(|s| s.borrow().refusal())
            .unwrap_or_default();
        let store = self.store.clone();
        reply.last_audit = tokio::task::spawn_blocking(move || store.meta(META_LAST_AUDIT))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(convert::store_error)?
            .map(|raw| String::from_utf8_lossy(&raw).into_owned())
            .unwrap_or_default();
        Ok(Response::new(reply))
    }

    async fn record_audit(
        &self,
        request: Request<pb::AuditRecord>,
    ) -> Result<Response<pb::AuditRecordReply>, Status> {
        // Who is calling: the certificate the TLS connection presented.
        let caller = convert::caller(&request);
        let record = request.into_inner();
        let manifest = self
            .manifest
            .as_ref()
            .ok_or_else(|| Status::failed_precondition("a standalone node has no auditors"))?
            .current();
        let report: serde_json::Value = serde_json::from_str(&record.report)
            .map_err(|e| Status::invalid_argument(format!("the report is not JSON: {e}")))?;
        let auditor = report["auditor"].as_str().unwrap_or_default();
        let member = MemberId::new(auditor)
            .ok()
            .and_then(|id| manifest.member(&id).cloned())
            .filter(|m| m.role == remedy_core::manifest::Role::Auditor)
            .ok_or_else(|| {
                Status::permission_denied(format!(
                    "{auditor:?} is not an auditor of the federation"
                ))
            })?;
        // Only the auditor itself may leave its report: a signed report passed on
        // by anyone else (a replay) is refused.
        if caller.is_none()
            || caller != remedy_client::tls::parse_fingerprint(&member.tls_fingerprint)
        {
            return Err(Status::permission_denied(format!(
                "only {auditor}, connected with its own certificate, may record its audit"
            )));
        }
        let key = member
            .verifying_key()
            .map_err(|e| Status::failed_precondition(e.to_string()))?;
        let signature = hex::decode(&record.signature)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| remedy_core::keys::Signature::from_bytes(&b))
            .ok_or_else(|| Status::invalid_argument("the signature is not 128 hex digits"))?;
        key.verify_strict(record.report.as_bytes(), &signature)
            .map_err(|_| {
                Status::permission_denied(format!(
                    "the report's signature does not verify with {auditor}'s key"
                ))
            })?;
        // The report names the node it was made through, and is newer than the
        // one it replaces.
        let node = report["node"].as_str().unwrap_or_default();
        if node != self.member.as_str() {
            return Err(Status::failed_precondition(format!(
                "the report is of an audit through {node:?}, not through this node ({})",
                self.member
            )));
        }
        let time = report["time"].as_u64().unwrap_or(0);
        let store = self.store.clone();
        let held = tokio::task::spawn_blocking(move || store.meta(META_LAST_AUDIT))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(convert::store_error)?;
        let held_time = held
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .and_then(|v| v["time"].as_u64());
        if let Some(held_time) = held_time
            && time <= held_time
        {
            return Err(Status::failed_precondition(format!(
                "the report is of time {time}, not newer than the one recorded ({held_time})"
            )));
        }
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            store.commit(crate::store::Commit {
                meta: vec![(META_LAST_AUDIT.to_vec(), record.report.into_bytes())],
                ..Default::default()
            })
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(convert::store_error)?;
        Ok(Response::new(pb::AuditRecordReply {}))
    }
}
