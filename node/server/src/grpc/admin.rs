//! The administration service: appending to the node's own logs.
//!
//! In a federation (mutual TLS) only the node's own identity, its operator, may use
//! it: the client certificate must be the node's own. A standalone node listens on
//! loopback only, so only processes on its machine reach the service.

use std::pin::Pin;
use std::sync::Arc;

use remedy_core::MemberId;
use remedy_proto::v1 as pb;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use super::convert;
use crate::cases::Cases;
use crate::federation::LiveManifest;
use crate::releases::{Releases, Request as PublishRequest};
use crate::store::Store;
use crate::writer::LogWriter;
use remedy_client::tls::Fingerprint;
use remedy_core::ledger::ReleaseRules;

#[derive(Debug, Clone)]
pub struct AdminService {
    writer: LogWriter,
    /// The fingerprint of this node's own certificate, when serving mutual TLS.
    operator: Option<Fingerprint>,
    /// The manifest a federated node runs under.
    manifest: Option<Arc<LiveManifest>>,
    cases: Arc<Cases>,
    releases: Arc<Releases>,
    store: Arc<dyn Store>,
    member: MemberId,
}

impl AdminService {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        member: MemberId,
        store: Arc<dyn Store>,
        writer: LogWriter,
        operator: Option<Fingerprint>,
        manifest: Option<Arc<LiveManifest>>,
        cases: Arc<Cases>,
        releases: Arc<Releases>,
    ) -> Self {
        Self {
            writer,
            operator,
            manifest,
            cases,
            releases,
            store,
            member,
        }
    }

    /// The federation's disclosure rules (the default policy's for a standalone
    /// node).
    fn limits(&self) -> Result<ReleaseRules, Status> {
        crate::releases::release_rules(self.manifest.as_deref())
            .map_err(Status::failed_precondition)
    }

    /// Refuses every caller but the operator when serving mutual TLS.
    fn authorize<T>(&self, request: &Request<T>) -> Result<(), Status> {
        let Some(operator) = self.operator else {
            return Ok(());
        };
        if convert::caller(request) == Some(operator) {
            Ok(())
        } else {
            Err(convert::not_operator())
        }
    }
}

/// Validates one append request, appends it and waits until it is durable.
async fn append(
    service: &AdminService,
    limits: ReleaseRules,
    request: pb::AppendRequest,
) -> Result<pb::AppendReply, Status> {
    let writer = &service.writer;
    let log = convert::log_kind(request.log)?;
    let drafts = request
        .events
        .into_iter()
        .enumerate()
        .map(|(i, d)| convert::draft(i, d))
        .collect::<Result<Vec<_>, _>>()?;
    // The federation's limit per event (the event format's without a manifest).
    let max = service
        .manifest
        .as_ref()
        .map_or(remedy_core::event::MAX_PAYLOAD, |m| {
            m.current().body.policy.max_event_bytes as usize
        });
    if log == remedy_core::LogKind::Shared
        && let Some((i, d)) = drafts
            .iter()
            .enumerate()
            .find(|(_, d)| d.payload.len() > max)
    {
        return Err(Status::invalid_argument(format!(
            "events[{i}]: {}",
            remedy_core::payload::PayloadError::TooLarge {
                kind: d.kind,
                bytes: d.payload.len(),
                limit: max,
            }
        )));
    }
    if log == remedy_core::LogKind::Shared
        && let Some((i, d)) = drafts.iter().enumerate().find(|(_, d)| d.kind.is_private())
    {
        return Err(Status::invalid_argument(format!(
            "events[{i}]: {} payloads hold individual records and go to the private log only",
            d.kind
        )));
    }
    if crate::plan::any_plan(&drafts) {
        if log != remedy_core::LogKind::Shared {
            return Err(Status::invalid_argument(
                "recommendations, pilot reports and work-plan events are shared: append them to the shared log",
            ));
        }
        let (store, member) = (service.store.clone(), service.member.clone());
        let (registry, mut partners) = tokio::task::spawn_blocking(move || {
            Ok::<_, crate::store::StoreError>((
                crate::plan::registry(store.as_ref())?,
                crate::plan::partner_book(store.as_ref(), &member)?,
            ))
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map_err(convert::store_error)?;
        let manifest = service.manifest.as_ref().map(|m| m.current());
        for (i, d) in drafts.iter().enumerate() {
            crate::plan::check_local(
                &registry,
                &partners,
                manifest.as_deref(),
                &service.member,
                d,
            )
            .map_err(|e| Status::failed_precondition(format!("events[{i}]: {e}")))?;
            // A partner registered earlier in the same request signs later in it.
            let _ = partners.apply(u64::MAX - 1, d.kind, d.version, &d.payload);
        }
    }
    // A release appended by hand gets the checks every receiver applies, against
    // this node's releases so far (and any before it in the request), while no
    // publication runs.
    let by_hand: Vec<(usize, u16, Vec<u8>)> = drafts
        .iter()
        .enumerate()
        .filter(|(_, d)| d.kind == remedy_core::PayloadKind::RELEASE)
        .map(|(i, d)| (i, d.version, d.payload.clone()))
        .collect();
    let _one_at_a_time = match by_hand.is_empty() {
        true => None,
        false => Some(service.releases.exclusive().await),
    };
    if !by_hand.is_empty() {
        let (store, member) = (service.store.clone(), service.member.clone());
        tokio::task::spawn_blocking(move || {
            let mut ledger = crate::releases::load_ledger(store.as_ref(), &member, limits)
                .map_err(convert::store_error)?;
            for (i, version, payload) in by_hand {
                use remedy_core::payload::Payload as _;
                let checked = remedy_core::release::Release::decode(version, &payload)
                    .map_err(|e| e.to_string())
                    .and_then(|r| {
                        if r.privacy.is_some() {
                            return Err(
                                "a noised release is published with `remedy publish --epsilon`, which keeps the privacy budget"
                                    .to_string(),
                            );
                        }
                        ledger.admit(&r).map_err(|e| e.to_string())
                    });
                if let Err(e) = checked {
                    return Err(Status::failed_precondition(format!("events[{i}]: {e}")));
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))??;
    }
    let receipts = writer
        .append(log, drafts)
        .await
        .map_err(convert::append_error)?;
    Ok(pb::AppendReply {
        receipts: receipts.into_iter().map(convert::receipt).collect(),
    })
}

/// Appends a coordinator's statement (already checked to come from that
/// coordinator's certificate) to the shared log with the checks of an
/// operator's append; returns its sequence number.
pub async fn submit(service: &AdminService, statement: Vec<u8>) -> Result<u64, Status> {
    let request = pb::AppendRequest {
        log: pb::LogKind::Shared as i32,
        events: vec![pb::Draft {
            payload_kind: remedy_core::PayloadKind::STATEMENT.0.into(),
            payload_version: 1,
            payload: statement,
        }],
    };
    let reply = append(service, service.limits()?, request).await?;
    reply
        .receipts
        .first()
        .map(|r| r.seq)
        .ok_or_else(|| Status::internal("the append returned no receipt"))
}

type ReplyStream = Pin<Box<dyn Stream<Item = Result<pb::AppendReply, Status>> + Send>>;

#[tonic::async_trait]
impl pb::admin_server::Admin for AdminService {
    async fn append(
        &self,
        request: Request<pb::AppendRequest>,
    ) -> Result<Response<pb::AppendReply>, Status> {
        self.authorize(&request)?;
        Ok(Response::new(
            append(self, self.limits()?, request.into_inner()).await?,
        ))
    }

    type AppendStreamStream = ReplyStream;

    async fn append_stream(
        &self,
        request: Request<Streaming<pb::AppendRequest>>,
    ) -> Result<Response<Self::AppendStreamStream>, Status> {
        self.authorize(&request)?;
        let mut inbound = request.into_inner();
        let service = self.clone();
        let limits = self.limits()?;
        let (replies, outbound) = tokio::sync::mpsc::channel(16);
        tokio::spawn(async move {
            while let Some(request) = inbound.next().await {
                let reply = match request {
                    Ok(request) => append(&service, limits, request).await,
                    Err(status) => Err(convert::inbound(status)),
                };
                let refused = reply.is_err();
                // The client went away, or its request was refused: the stream ends.
                if replies.send(reply).await.is_err() || refused {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(outbound))))
    }

    async fn apply_manifest(
        &self,
        request: Request<pb::ApplyManifestRequest>,
    ) -> Result<Response<pb::ApplyManifestReply>, Status> {
        self.authorize(&request)?;
        let Some(manifest) = self.manifest.clone() else {
            return Err(Status::failed_precondition(
                "this is a standalone node: it runs under no manifest",
            ));
        };
        let text = request.into_inner().text;
        let adopted = tokio::task::spawn_blocking(move || manifest.adopt(&text, "the operator"))
            .await
            .map_err(|e| Status::internal(e.to_string()))?
            .map_err(convert::federation_error)?;
        Ok(Response::new(pb::ApplyManifestReply {
            version: adopted.version(),
        }))
    }

    async fn import_cases(
        &self,
        request: Request<Streaming<pb::ImportChunk>>,
    ) -> Result<Response<pb::ImportReply>, Status> {
        self.authorize(&request)?;
        let mut inbound = request.into_inner();
        let mut session = self.cases.begin().await;
        let mut received = 0u64;
        let mut committed = false;
        let outcome: Result<(), Status> = async {
            while let Some(chunk) = inbound.next().await {
                let chunk = chunk.map_err(convert::inbound)?;
                let mut records = Vec::with_capacity(chunk.cases.len());
                for record in chunk.cases {
                    received += 1;
                    records.push(convert::case_record(received, record)?);
                }
                session.add(records).await.map_err(convert::import_error)?;
                if chunk.commit {
                    committed = true;
                    break;
                }
            }
            Ok(())
        }
        .await;
        if let Err(status) = outcome {
            tracing::warn!(inert_batches = session.inert_batches(), error = %status.message(), "case import abandoned");
            return Err(status);
        }
        if !committed {
            tracing::warn!(
                inert_batches = session.inert_batches(),
                "case import abandoned: the stream ended without commit"
            );
            return Err(Status::aborted(
                "the import ended before the client asked to commit it: nothing was imported",
            ));
        }
        let committing = std::time::Instant::now();
        let summary = session.commit().await.map_err(convert::import_error)?;
        tracing::info!(
            commit_ms = committing.elapsed().as_millis() as u64,
            received = summary.received,
            new = summary.new_cases,
            updated = summary.updated,
            unchanged = summary.unchanged,
            "cases imported"
        );
        Ok(Response::new(pb::ImportReply {
            received: summary.received,
            new_cases: summary.new_cases,
            updated: summary.updated,
            unchanged: summary.unchanged,
            events: summary.events,
            private_head: summary.private_head,
        }))
    }

    async fn list_cases(
        &self,
        request: Request<pb::ListCasesRequest>,
    ) -> Result<Response<pb::ListCasesReply>, Status> {
        self.authorize(&request)?;
        let request = request.into_inner();
        let cases = self.cases.clone();
        tokio::task::spawn_blocking(move || {
            if !request.case_id.is_empty() {
                let found = cases.get(&request.case_id).map_err(convert::import_error)?;
                let Some(case) = found else {
                    return Err(Status::not_found(format!(
                        "no case {:?} on this node",
                        request.case_id
                    )));
                };
                return Ok(pb::ListCasesReply {
                    cases: vec![convert::case_to_pb(&case)],
                    total: 1,
                });
            }
            let limit = match request.limit {
                0 => 1000,
                n => (n as usize).min(10_000),
            };
            let after = (!request.after.is_empty()).then_some(request.after.as_str());
            let (page, total) = cases.list(after, limit).map_err(convert::import_error)?;
            Ok(pb::ListCasesReply {
                cases: page.iter().map(convert::case_to_pb).collect(),
                total,
            })
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
        .map(Response::new)
    }

    async fn publish(
        &self,
        request: Request<pb::PublishRequest>,
    ) -> Result<Response<pb::PublishReply>, Status> {
        self.authorize(&request)?;
        let request = request.into_inner();
        let period = convert::period(&request.period)?;
        let publish = PublishRequest {
            period,
            threshold: (request.threshold > 0).then_some(request.threshold),
            epsilon: convert::epsilon(&request.epsilon)?,
            dry_run: request.dry_run,
            allow_empty: request.allow_empty,
            accept_noise: request.accept_noise,
        };
        let published = self
            .releases
            .publish(publish, self.limits()?)
            .await
            .map_err(convert::publish_error)?;
        if let Some(seq) = published.seq {
            tracing::info!(%period, revision = published.release.revision, seq, "release published");
        }
        Ok(Response::new(pb::PublishReply {
            release_json: String::from_utf8_lossy(&remedy_core::payload::Payload::encode(
                &published.release,
            ))
            .into_owned(),
            seq: published.seq.unwrap_or(0),
            held_back: published.held_back,
        }))
    }

    async fn attest(
        &self,
        request: Request<pb::AttestRequest>,
    ) -> Result<Response<pb::AttestReply>, Status> {
        self.authorize(&request)?;
        let request = request.into_inner();
        let period = convert::period(&request.period)?;
        let revision = (request.revision > 0).then_some(request.revision);
        let found = self
            .releases
            .attest(period, revision)
            .await
            .map_err(convert::publish_error)?;
        Ok(Response::new(pb::AttestReply {
            period: found.release.period.clone(),
            revision: found.release.revision,
            seq: found.seq,
            private_seq: found.release.source.private_seq,
            cases: found.cases,
            differences: found.differences,
        }))
    }
}
