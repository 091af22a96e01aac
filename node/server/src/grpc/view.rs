//! The view service: the regional view, read-only, for every party of the
//! federation. Answers are JSON (see `proto/remedy/v1/view.proto`), computed by
//! `crate::views` and `remedy_core::plan` from this node's view rows.
//!
//! Every filter value is checked: a member, table, row, column, theme or status
//! that names nothing known is an `invalid_argument` error listing what is known,
//! and an id this node does not hold is `not_found` with the ids it holds, so a
//! typo never reads as "nothing there".

use std::collections::BTreeMap;
use std::sync::Arc;

use remedy_core::MemberId;
use remedy_core::manifest::{Quorum, Role};
use remedy_core::plan;
use remedy_proto::v1 as pb;
use serde::Serialize;
use tonic::{Request, Response, Status};

use super::convert::{self, KnownMembers};
use crate::federation::LiveManifest;
use crate::store::{Store, StoreError};

/// The most events one "new since you last looked" reads, over every origin.
pub const NEW_EVENTS_READ: usize = 10_000;
/// And the most bytes of them, per origin.
pub const NEW_EVENTS_BYTES: usize = 16 << 20;

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

    /// The key this node's partner `partner` signs with now, or why there is
    /// none (unregistered, retired). Reads the store: call it off the async
    /// threads or for one short scan (a dashboard sign-in).
    pub fn partner_key(&self, partner: &str) -> Result<remedy_core::VerifyingKey, String> {
        crate::plan::partner_book(self.store.as_ref(), &self.member)
            .map_err(|e| e.to_string())?
            .key(&self.member, partner)
    }

    /// What `origin` signed after `seen`, counted by payload kind: at most
    /// `limit` events (and [`NEW_EVENTS_BYTES`] bytes), and the last sequence
    /// number read (for a dashboard's "new since you last looked").
    pub async fn signed_since(
        &self,
        origin: MemberId,
        seen: u64,
        limit: usize,
    ) -> Result<(u64, BTreeMap<String, u64>), Status> {
        let store = self.store.clone();
        let log = if origin == self.member {
            crate::store::LogId::Own(remedy_core::LogKind::Shared)
        } else {
            crate::store::LogId::Replica(origin)
        };
        tokio::task::spawn_blocking(move || {
            let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
            let (mut next, mut read, mut bytes) = (seen + 1, 0, 0);
            while read < limit && bytes < NEW_EVENTS_BYTES {
                let page = store
                    .range_bytes(&log, next, 512.min(limit - read), NEW_EVENTS_BYTES - bytes)
                    .map_err(convert::store_error)?;
                let Some((last, _)) = page.last() else { break };
                next = last + 1;
                read += page.len();
                bytes += page.iter().map(|(_, raw)| raw.len()).sum::<usize>();
                for (_, raw) in page {
                    if let Ok(event) = remedy_core::SignedEvent::decode(raw) {
                        *kinds.entry(event.kind().to_string()).or_default() += 1;
                    }
                }
            }
            Ok((next - 1, kinds))
        })
        .await
        .map_err(|e| Status::internal(e.to_string()))?
    }

    /// The disclosure threshold counts of people are shown under: the
    /// federation's `min_threshold` (the manifest's default when standalone).
    fn threshold(&self) -> u64 {
        match &self.manifest {
            Some(m) => m.current().body.policy.min_threshold.into(),
            None => remedy_core::manifest::Policy::default()
                .min_threshold
                .into(),
        }
    }

    /// The federation's members without a node (coordinators, auditors).
    fn readers(&self) -> Vec<(MemberId, Role)> {
        match &self.manifest {
            Some(m) => m
                .current()
                .body
                .members
                .iter()
                .filter(|m| m.role != Role::Node)
                .map(|m| (m.id.clone(), m.role))
                .collect(),
            None => Vec::new(),
        }
    }

    /// What a member filter is checked against, read with the store (the origins
    /// of the logs held), so it runs in a read.
    fn known_members(
        &self,
    ) -> impl FnOnce(&dyn Store) -> Result<KnownMembers, Status> + Send + 'static {
        let (nodes, readers) = (self.members(), self.readers());
        move |store| {
            let held = store.replica_origins().map_err(convert::store_error)?;
            Ok(KnownMembers::new(nodes, readers, held))
        }
    }

    fn quorum(&self) -> Quorum {
        self.manifest
            .as_ref()
            .map(|m| m.current().body.policy.workplan_quorum)
            .unwrap_or(Quorum::All)
    }

    /// Answers a view of the plan (computed from this node's plan rows, with the
    /// members a filter may name) as JSON.
    async fn plan<T: Serialize + Send + 'static>(
        &self,
        view: impl FnOnce(remedy_core::plan::Registry, KnownMembers) -> Result<T, Status>
        + Send
        + 'static,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let known = self.known_members();
        self.answer(move |store| {
            let known = known(store)?;
            let registry = crate::plan::registry(store).map_err(convert::store_error)?;
            view(registry, known)
        })
        .await
    }

    /// Answers a view of one table's figures: the members, the period range
    /// and the rows and columns of `ask` are checked (an unknown one is an
    /// error listing what is known), then `view` runs the query they make.
    async fn table<T: Serialize + Send + 'static>(
        &self,
        ask: TableAsk,
        view: impl FnOnce(&dyn Store, &crate::views::TableQuery) -> Result<T, crate::store::StoreError>
        + Send
        + 'static,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let known = self.known_members();
        self.answer(move |store| {
            let members = known(store)?.filter(&ask.members)?;
            let query =
                convert::table_query(&ask.table, &ask.from, &ask.to, members, ask.revision)?;
            convert::table_cells(&ask.table, &ask.rows, &ask.columns, ask.margins)?;
            view(store, &query).map_err(convert::store_error)
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
        let r = request.into_inner();
        let (rows, columns) = (r.rows.clone(), r.columns.clone());
        self.table(TableAsk::of(r, false), move |store, query| {
            crate::views::stats(store, query, &rows, &columns)
        })
        .await
    }

    async fn series(
        &self,
        request: Request<pb::SeriesRequest>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let r = request.into_inner();
        if r.row.is_empty() || r.column.is_empty() {
            return Err(Status::invalid_argument(
                "a series needs a row and a column (a name, or total)",
            ));
        }
        let ask = TableAsk {
            table: r.table,
            from: r.from_period,
            to: r.to_period,
            members: r.members,
            revision: 0,
            rows: vec![r.row.clone()],
            columns: vec![r.column.clone()],
            margins: true,
        };
        self.table(ask, move |store, query| {
            crate::views::series(store, query, &r.row, &r.column)
        })
        .await
    }

    async fn releases(
        &self,
        request: Request<pb::StatsRequest>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let mut r = request.into_inner();
        // Whole releases: a table, rows or columns, when named, are checked all
        // the same (an SDMX export keeps one table of them).
        if r.table.is_empty() {
            r.table = "grievance-outcome".into();
        }
        self.table(TableAsk::of(r, false), |store, query| {
            let mut events = BTreeMap::new();
            let mut out = Vec::new();
            for (member, release) in crate::views::releases(store, query)? {
                if !events.contains_key(&member) {
                    let id = MemberId::new(member.as_str()).map_err(|e| StoreError::Corrupt {
                        path: format!("rel/{member}"),
                        reason: e.to_string(),
                    })?;
                    events.insert(member.clone(), crate::views::release_events(store, &id)?);
                }
                let at = events[&member].get(&(release.period.clone(), release.revision));
                let mut value = serde_json::json!({ "member": member, "release": release });
                if let Some((seq, time_ms)) = at {
                    value["seq"] = (*seq).into();
                    value["time_ms"] = (*time_ms).into();
                }
                out.push(value);
            }
            Ok(out)
        })
        .await
    }

    async fn recommendations(
        &self,
        request: Request<pb::PlanFilter>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let f = request.into_inner();
        convert::plan_code("theme", &f.theme, plan::THEMES)?;
        convert::plan_code("language", &f.lang, remedy_core::translation::LANGUAGES)?;
        convert::plan_code(
            "recommendation status",
            &f.status,
            plan::RECOMMENDATION_VIEW_STATUSES,
        )?;
        self.plan(move |registry, known| {
            let member = known.optional(&f.member)?;
            let all = registry.recommendations_in((!f.lang.is_empty()).then_some(f.lang.as_str()));
            let held: Vec<_> = all.iter().map(|r| r.id.clone()).collect();
            let id = convert::plan_id("recommendation", &f.id, &held)?;
            Ok(all
                .into_iter()
                .filter(|r| member.as_ref().is_none_or(|m| &r.member == m))
                .filter(|r| f.theme.is_empty() || r.recommendation.theme == f.theme)
                .filter(|r| f.status.is_empty() || r.status == f.status)
                .filter(|r| id.as_ref().is_none_or(|id| &r.id == id))
                .collect::<Vec<_>>())
        })
        .await
    }

    async fn pilots(
        &self,
        request: Request<pb::PlanFilter>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let f = request.into_inner();
        convert::no_such_filter("pilot reports", "theme", &f.theme, "member or id")?;
        convert::no_such_filter("pilot reports", "status", &f.status, "member or id")?;
        convert::plan_code("language", &f.lang, remedy_core::translation::LANGUAGES)?;
        self.plan(move |registry, known| {
            let member = known.optional(&f.member)?;
            let pilots =
                registry.pilot_records_in((!f.lang.is_empty()).then_some(f.lang.as_str()));
            let reports = registry.pilots();
            let held: Vec<_> = pilots
                .iter()
                .map(|p| p.id.clone())
                .chain(reports.iter().map(|p| p.id.clone()))
                .collect();
            let id = convert::plan_id("pilot or pilot report", &f.id, &held)?;
            let wanted = |m: &MemberId, i: &plan::RecordId| {
                member.as_ref().is_none_or(|x| m == x) && id.as_ref().is_none_or(|x| i == x)
            };
            Ok(serde_json::json!({
                "pilots": pilots.into_iter().filter(|p| wanted(&p.member, &p.id)).collect::<Vec<_>>(),
                "reports": reports.into_iter().filter(|p| wanted(&p.member, &p.id)).collect::<Vec<_>>(),
            }))
        })
        .await
    }

    async fn partners(
        &self,
        request: Request<pb::PlanFilter>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let f = request.into_inner();
        convert::no_such_filter("partners", "theme", &f.theme, "member")?;
        convert::no_such_filter("partners", "status", &f.status, "member")?;
        convert::no_such_filter("partners", "id", &f.id, "member")?;
        let members = self.members();
        let known = self.known_members();
        self.answer(move |store| {
            let member = known(store)?.optional(&f.member)?;
            let mut all = Vec::new();
            for m in members
                .iter()
                .filter(|m| member.as_ref().is_none_or(|x| x == *m))
            {
                let book = crate::plan::partner_book(store, m).map_err(convert::store_error)?;
                all.extend(
                    book.all()
                        .map(|p| serde_json::json!({ "member": m, "partner": p })),
                );
            }
            Ok(all)
        })
        .await
    }

    async fn workshops(
        &self,
        request: Request<pb::PlanFilter>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let f = request.into_inner();
        convert::no_such_filter("workshops", "theme", &f.theme, "member or id")?;
        convert::no_such_filter("workshops", "status", &f.status, "member or id")?;
        convert::plan_code("language", &f.lang, remedy_core::translation::LANGUAGES)?;
        let k = self.threshold();
        self.plan(move |registry, known| {
            let member = known.optional(&f.member)?;
            let lang = (!f.lang.is_empty()).then_some(f.lang.as_str());
            let mut all = remedy_core::workshop::by_country(&registry, k, lang);
            let held: Vec<_> = all
                .iter()
                .flat_map(|c| c.workshops.iter().map(|w| w.id.clone()))
                .collect();
            let id = convert::plan_id("workshop", &f.id, &held)?;
            all.retain(|c| member.as_ref().is_none_or(|m| &c.member == m));
            if let Some(id) = id {
                for c in &mut all {
                    c.workshops.retain(|w| w.id == id);
                }
                all.retain(|c| !c.workshops.is_empty());
            }
            Ok(serde_json::json!({ "threshold": k, "members": all }))
        })
        .await
    }

    async fn workplan(
        &self,
        request: Request<pb::PlanFilter>,
    ) -> Result<Response<pb::ViewReply>, Status> {
        let f = request.into_inner();
        convert::no_such_filter(
            "work-plan items",
            "theme",
            &f.theme,
            "a member they name, stage or id",
        )?;
        convert::plan_code("work-plan stage", &f.status, remedy_core::workplan::STAGES)?;
        convert::plan_code("language", &f.lang, remedy_core::translation::LANGUAGES)?;
        let as_of = convert::as_of(&f.as_of)?;
        let quorum = self.quorum();
        let grain = self
            .manifest
            .as_ref()
            .map(|m| m.current().body.policy.grain)
            .unwrap_or_default();
        let nodes = self.members();
        let known = self.known_members();
        self.answer(move |store| {
            let known = known(store)?;
            let registry = crate::plan::registry(store).map_err(convert::store_error)?;
            let member = known.optional(&f.member)?;
            let mut all = registry.items(quorum, as_of);
            let held: Vec<_> = all.iter().map(|i| i.id.clone()).collect();
            let id = convert::plan_id("work-plan item", &f.id, &held)?;
            all.retain(|i| {
                member
                    .as_ref()
                    .is_none_or(|m| i.in_force().content.members.contains(m))
                    && (f.status.is_empty() || i.stage == f.status)
                    && id.as_ref().is_none_or(|id| &i.id == id)
            });
            for item in &mut all {
                crate::views::attach_series(store, item, grain, &nodes)
                    .map_err(convert::store_error)?;
            }
            if !f.lang.is_empty() {
                registry.translate_items(&mut all, &f.lang);
            }
            Ok(all)
        })
        .await
    }
}

/// What a table view asks for, before it is checked.
struct TableAsk {
    table: String,
    from: String,
    to: String,
    members: Vec<String>,
    revision: u64,
    rows: Vec<String>,
    columns: Vec<String>,
    /// Whether `total` may name a row or column.
    margins: bool,
}

impl TableAsk {
    fn of(r: pb::StatsRequest, margins: bool) -> Self {
        Self {
            table: r.table,
            from: r.from_period,
            to: r.to_period,
            members: r.members,
            revision: r.revision,
            rows: r.rows,
            columns: r.columns,
            margins,
        }
    }
}
