//! The view service: the regional view, read-only, for every party of the
//! federation. Answers are JSON (see `proto/remedy/v1/view.proto`), computed by
//! `crate::views` and `remedy_core::plan` from this node's view rows.

use std::sync::Arc;

use remedy_core::MemberId;
use remedy_core::manifest::Quorum;
use remedy_proto::v1 as pb;
use serde::Serialize;
use tonic::{Request, Response, Status};

use super::convert;
use crate::federation::LiveManifest;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct ViewService {
    member: MemberId,
    store: Arc<dyn Store>,
    /// `None` for a standalone node.
    manifest: Option<Arc<LiveManifest>>,
}

impl ViewService {
    pub fn new(
        member: MemberId,
        store: Arc<dyn Store>,
        manifest: Option<Arc<LiveManifest>>,
    ) -> Self {
        Self {
            member,
            store,
            manifest,
        }
    }

    /// The federation's node members, sorted (this node alone when standalone).
    fn members(&self) -> Vec<MemberId> {
        let mut members: Vec<MemberId> = match &self.manifest {
            Some(m) => m.current().nodes().map(|m| m.id.clone()).collect(),
            None => vec![self.member.clone()],
        };
        members.sort();
        members
    }

    fn quorum(&self) -> Quorum {
        self.manifest
            .as_ref()
            .map(|m| m.current().body.policy.workplan_quorum)
            .unwrap_or(Quorum::All)
    }

    /// Answers a view of the plan (computed from this node's plan rows) as JSON.
    async fn plan<T: Serialize + Send + 'static>(
        &self,
        view: impl FnOnce(remedy_core::plan::Registry) -> T + Send + 'static,
    ) -> Result<Response<pb::ViewReply>, Status> {
        self.answer(move |store| {
            crate::plan::registry(store)
                .map(view)
                .map_err(convert::store_error)
        })
        .await
    }

    /// Runs a read on a blocking thread and answers its value as JSON.
    async fn answer<T: Serialize + Send + 'static>(
        &self,
        read: impl FnOnce(&dyn Store) -> Result<T, Status> + Send + 'static,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let store = self.store.clone();
        let value = tokio::task::spawn_blocking(move || read(store.as_ref()))
            .await
            .map_err(|e| Status::internal(e.to_string()))??;
        let json = serde_json::to_string(&value).map_err(|e| Status::internal(e.to_string()))?;
        Ok(Response::new(pb::ViewReply { json }))
    }
}

#[tonic::async_trait]
impl pb::view_server::View for ViewService {
    async fn stats(
        &self,
        request: Request<pb::StatsRequest>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let request = request.into_inner();
        let query = convert::table_query(
            &request.table,
            &request.from_period,
            &request.to_period,
            &request.members,
            request.revision,
            self.members(),
        )?;
        self.answer(move |store| {
            crate::views::stats(store, &query, &request.rows, &request.columns)
                .map_err(convert::store_error)
        })
        .await
    }

    async fn series(
        &self,
        request: Request<pb::SeriesRequest>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let request = request.into_inner();
        let query = convert::table_query(
            &request.table,
            &request.from_period,
            &request.to_period,
            &request.members,
            0,
            self.members(),
        )?;
        if request.row.is_empty() || request.column.is_empty() {
            return Err(Status::invalid_argument(
                "a series needs a row and a column (a name, or total)",
            ));
        }
        self.answer(move |store| {
            crate::views::series(store, &query, &request.row, &request.column)
                .map_err(convert::store_error)
        })
        .await
    }

    async fn releases(
        &self,
        request: Request<pb::StatsRequest>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let request = request.into_inner();
        let query = convert::table_query(
            "grievance-outcome",
            &request.from_period,
            &request.to_period,
            &request.members,
            request.revision,
            self.members(),
        )?;
        self.answer(move |store| {
            let releases = crate::views::releases(store, &query).map_err(convert::store_error)?;
            Ok(releases
                .into_iter()
                .map(
                    |(member, release)| serde_json::json!({ "member": member, "release": release }),
                )
                .collect::<Vec<_>>())
        })
        .await
    }

    async fn recommendations(
        &self,
        request: Request<pb::PlanFilter>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let f = request.into_inner();
        self.plan(move |registry| {
            registry
                .recommendations()
                .into_iter()
                .filter(|r| f.member.is_empty() || r.member.as_str() == f.member)
                .filter(|r| f.theme.is_empty() || r.recommendation.theme == f.theme)
                .filter(|r| f.status.is_empty() || r.status == f.status)
                .filter(|r| f.id.is_empty() || r.id.to_string() == f.id)
                .collect::<Vec<_>>()
        })
        .await
    }

    async fn pilots(
        &self,
        request: Request<pb::PlanFilter>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let f = request.into_inner();
        self.plan(move |registry| {
            registry
                .pilots()
                .into_iter()
                .filter(|p| f.member.is_empty() || p.member.as_str() == f.member)
                .filter(|p| f.id.is_empty() || p.id.to_string() == f.id)
                .collect::<Vec<_>>()
        })
        .await
    }

    async fn workplan(
        &self,
        request: Request<pb::PlanFilter>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let f = request.into_inner();
        let quorum = self.quorum();
        self.plan(move |registry| {
            registry
                .items(quorum)
                .into_iter()
                .filter(|i| {
                    f.member.is_empty() || i.positions.iter().any(|(m, _)| m.as_str() == f.member)
                })
                .filter(|i| f.status.is_empty() || i.status == f.status)
                .filter(|i| f.id.is_empty() || i.id.to_string() == f.id)
                .collect::<Vec<_>>()
        })
        .await
    }
}
