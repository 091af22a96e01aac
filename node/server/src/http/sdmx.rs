//! The SDMX 2.1 REST API (SDMX-REST 1.5) on the node's HTTP side, for
//! coordinators and auditors: `/sdmx/rest/dataflow`, `/datastructure`,
//! `/codelist`, `/conceptscheme` (`/{agency}/{id}/{version}`, `references`)
//! answer SDMX-ML 2.1 structure messages; `/sdmx/rest/data/{flow}/{key}`
//! (`startPeriod`, `endPeriod`) answers a generic data message, or SDMX-CSV
//! 2.0 when asked for (`Accept: application/vnd.sdmx.data+csv` or
//! `?format=csv`). Read with a bearer token the reader signed
//! (`remedy --dir ILO token`, `remedy_core::login::ReadToken`) or a dashboard
//! session. The figures are the members' releases this node holds, as
//! `view stats` shows them; `remedy_core::sdmx` writes them.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use remedy_core::login::ReadToken;
use remedy_core::sdmx::{AGENCY, Area, FLOWS, Flow, Selection, VERSION};
use remedy_proto::v1 as pb;
use remedy_proto::v1::view_server::View as _;
use serde::Deserialize;

use super::{Http, unix_now};

/// The most observations one data answer holds (about 25 MB of SDMX-ML);
/// SDMX-REST's 413 beyond, asking for a narrower query.
const MAX_OBSERVATIONS: usize = 100_000;

const STRUCTURE_TYPE: &str = "application/vnd.sdmx.structure+xml; version=2.1";
const GENERIC_TYPE: &str = "application/vnd.sdmx.genericdata+xml; version=2.1";
const CSV_TYPE: &str = "application/vnd.sdmx.data+csv; version=2.0.0; charset=utf-8";

/// An answer saying what went wrong, as text.
fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    let mut text = message.into();
    text.push('\n');
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Lets a request through with a valid read token or a dashboard session.
pub(super) async fn require_reader(
    State(http): State<Http>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match bearer {
        Some(token) => match http.reader(token.trim()) {
            Ok(member) => {
                tracing::debug!(%member, path = %request.uri().path(), "SDMX read");
                next.run(request).await
            }
            Err(reason) => {
                let mut answer = refuse(StatusCode::UNAUTHORIZED, reason);
                answer.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer realm=\"remedy-net\""),
                );
                answer
            }
        },
        None if http.session(request.headers()).is_some() => next.run(request).await,
        None => {
            let mut answer = refuse(
                StatusCode::UNAUTHORIZED,
                "the SDMX API needs a read token: make one with `remedy --dir YOUR_FOLDER token --ttl 1h` (coordinators and auditors) and send it as `Authorization: Bearer TOKEN`",
            );
            answer.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"remedy-net\""),
            );
            answer
        }
    }
}

impl Http {
    /// The member a read token is from, when it is valid here now: a
    /// coordinator's or auditor's, or this node's own member's (its operator).
    pub(super) fn reader(&self, token: &str) -> Result<String, String> {
        let (token, statement, signature) = ReadToken::parse(token).map_err(|e| e.to_string())?;
        let manifest = self
            .manifest
            .as_ref()
            .ok_or("a standalone node has no federation members to read for")?
            .current();
        let key = self.reader_key(&manifest, &token.member)?;
        token
            .check(&statement, &signature, &key, &self.member, unix_now())
            .map_err(|e| e.to_string())?;
        Ok(token.member.to_string())
    }

    fn areas(&self) -> Vec<Area> {
        self.manifest
            .as_ref()
            .map(|m| remedy_core::sdmx::areas(&m.current()))
            .unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Params {
    #[serde(default)]
    references: String,
    #[serde(default, rename = "startPeriod")]
    start_period: Option<String>,
    #[serde(default, rename = "endPeriod")]
    end_period: Option<String>,
    #[serde(default)]
    format: String,
}

/// A message id and when it was prepared.
fn stamp() -> (String, String) {
    let now = unix_now();
    (format!("REMEDYNET{now}"), remedy_core::sdmx::prepared(now))
}

/// Every request under `/sdmx/rest/`.
pub(super) async fn rest(
    State(http): State<Http>,
    Path(path): Path<String>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        ["data", flow, rest @ ..] if rest.len() <= 2 => {
            data(
                &http,
                flow,
                rest.first().copied().unwrap_or("all"),
                &params,
                &headers,
            )
            .await
        }
        [resource, rest @ ..] if rest.len() <= 3 => {
            let agency = rest.first().copied().unwrap_or("all");
            let id = rest.get(1).copied().unwrap_or("all");
            let version = rest.get(2).copied().unwrap_or("latest");
            structure(&http, resource, agency, id, version, &params)
        }
        _ => refuse(
            StatusCode::NOT_FOUND,
            "not an SDMX 2.1 REST resource: use /sdmx/rest/dataflow, /datastructure, /codelist, /conceptscheme (/AGENCY/ID/VERSION) or /data/FLOW/KEY",
        ),
    }
}

fn structure(
    http: &Http,
    resource: &str,
    agency: &str,
    id: &str,
    version: &str,
    params: &Params,
) -> Response {
    if !matches!(agency, "all" | "*" | AGENCY) {
        return refuse(
            StatusCode::NOT_FOUND,
            format!("no structures of agency {agency:?}; this node's are {AGENCY}'s"),
        );
    }
    if !matches!(version, "latest" | "all" | "*" | "+" | "~" | VERSION) {
        return refuse(
            StatusCode::NOT_FOUND,
            format!("no version {version:?}; every structure here is version {VERSION}"),
        );
    }
    let any = matches!(id, "all" | "*");
    let children = matches!(
        params.references.as_str(),
        "children" | "descendants" | "all" | "datastructure" | "codelist" | "conceptscheme"
    );
    let flows: Vec<&'static Flow> = FLOWS
        .iter()
        .filter(|f| any || f.id == id || f.dsd == id)
        .collect();
    let selection = match resource {
        "dataflow" => {
            let flows: Vec<&'static Flow> = FLOWS.iter().filter(|f| any || f.id == id).collect();
            let mut s = if children {
                Selection::structures_of(&flows)
            } else {
                Selection::default()
            };
            s.dataflows = flows;
            s
        }
        "datastructure" => {
            let flows: Vec<&'static Flow> = FLOWS.iter().filter(|f| any || f.dsd == id).collect();
            if children {
                Selection::structures_of(&flows)
            } else {
                Selection {
                    structures: flows,
                    ..Default::default()
                }
            }
        }
        "codelist" => Selection {
            codelists: Selection::codelist_ids()
                .into_iter()
                .filter(|c| any || c == id)
                .collect(),
            ..Default::default()
        },
        "conceptscheme" => Selection {
            concepts: any || id == "CS_REMEDY",
            ..Default::default()
        },
        other => {
            return refuse(
                StatusCode::NOT_IMPLEMENTED,
                format!(
                    "this node serves dataflow, datastructure, codelist, conceptscheme and data, not {other:?}"
                ),
            );
        }
    };
    let empty = selection.dataflows.is_empty()
        && selection.structures.is_empty()
        && selection.codelists.is_empty()
        && !selection.concepts;
    if empty || (matches!(resource, "dataflow" | "datastructure") && flows.is_empty()) {
        return refuse(
            StatusCode::NOT_FOUND,
            format!("no {resource} {id:?} of {AGENCY}"),
        );
    }
    let (message_id, prepared) = stamp();
    (
        [(header::CONTENT_TYPE, STRUCTURE_TYPE)],
        remedy_core::sdmx::structure_ml(&selection, &http.areas(), &message_id, &prepared),
    )
        .into_response()
}

/// The periods of `freq` to ask the View service for: every one.
fn span(freq: &str) -> (&'static str, &'static str) {
    match freq {
        "A" => ("1900", "2999"),
        "Q" => ("1900-Q1", "2999-Q4"),
        _ => ("1900-01", "2999-12"),
    }
}

async fn data(
    http: &Http,
    flow: &str,
    key: &str,
    params: &Params,
    headers: &HeaderMap,
) -> Response {
    // A flow is `DF_X`, `AGENCY,DF_X` or `AGENCY,DF_X,VERSION`.
    let parts: Vec<&str> = flow.split(',').collect();
    let (agency, id, version) = match parts.as_slice() {
        [id] => (AGENCY, *id, VERSION),
        [agency, id] => (*agency, *id, VERSION),
        [agency, id, version] => (*agency, *id, *version),
        _ => ("", "", ""),
    };
    let found = Flow::find(id).filter(|f| f.id == id);
    let Some(flow) = found.filter(|_| {
        matches!(agency, AGENCY | "all") && matches!(version, VERSION | "latest" | "all")
    }) else {
        let known: Vec<&str> = FLOWS.iter().map(|f| f.id).collect();
        return refuse(
            StatusCode::NOT_FOUND,
            format!(
                "no dataflow {flow:?}; this node's are {} ({AGENCY}, version {VERSION})",
                known.join(", ")
            ),
        );
    };
    let query = match remedy_core::sdmx::Query::parse(
        flow,
        key,
        params.start_period.as_deref(),
        params.end_period.as_deref(),
    ) {
        Ok(q) => q,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, e),
    };
    let frequencies: Vec<&str> = match query.key.first() {
        Some(wanted) if !wanted.is_empty() => wanted.iter().map(String::as_str).collect(),
        _ => vec!["A", "Q", "M"],
    };
    let mut releases = Vec::new();
    for freq in frequencies {
        if !matches!(freq, "A" | "Q" | "M") {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("FREQ {freq:?} is not one of A, Q, M"),
            );
        }
        let (from, to) = span(freq);
        let request = pb::StatsRequest {
            table: flow.table.to_string(),
            from_period: from.into(),
            to_period: to.into(),
            ..Default::default()
        };
        let reply = match http.view.releases(tonic::Request::new(request)).await {
            Ok(reply) => reply.into_inner().json,
            Err(status) => return refuse(StatusCode::BAD_REQUEST, status.message().to_string()),
        };
        let parsed: Vec<serde_json::Value> = match serde_json::from_str(&reply) {
            Ok(v) => v,
            Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        for r in parsed {
            let member = r["member"].as_str().unwrap_or_default().to_string();
            match serde_json::from_value::<remedy_core::release::Release>(r["release"].clone()) {
                Ok(release) => releases.push((member, release)),
                Err(e) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        }
    }
    let observations = remedy_core::sdmx::observations(
        flow,
        releases.iter().map(|(m, r)| (m.as_str(), r)),
        &query,
    );
    if observations.len() > MAX_OBSERVATIONS {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} observations match; one answer holds at most {MAX_OBSERVATIONS}: narrow the key (FREQ.REF_AREA...) or the periods (startPeriod, endPeriod)",
                observations.len()
            ),
        );
    }
    if observations.is_empty() {
        return refuse(
            StatusCode::NOT_FOUND,
            "no observation of this node's releases matches the key and periods",
        );
    }
    let csv = params.format == "csv"
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/vnd.sdmx.data+csv") || a.contains("text/csv"));
    if csv {
        return (
            [(header::CONTENT_TYPE, CSV_TYPE)],
            remedy_core::sdmx::csv(flow, &observations),
        )
            .into_response();
    }
    let (message_id, prepared) = stamp();
    (
        [(header::CONTENT_TYPE, GENERIC_TYPE)],
        remedy_core::sdmx::generic_data_ml(flow, &observations, &message_id, &prepared),
    )
        .into_response()
}
