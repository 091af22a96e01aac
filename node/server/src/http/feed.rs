//! `/feed.atom`: a party's Atom feed (RFC 4287) of what awaits it and what
//! others recorded about the plan and published, newest first (`remedy_core::inbox`), for a
//! feed reader, a mail gateway or a chat integration. Read with a read token
//! (`remedy --dir FOLDER token`), as `Authorization: Bearer` or, since many
//! feed readers cannot send headers, `?token=`. A coordinator's or auditor's
//! feed is the region's (what is awaited from whom); a node member's, at its
//! own node, its own.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use remedy_core::manifest::Role;
use remedy_proto::v1 as pb;
use remedy_proto::v1::view_server::View as _;
use serde::Deserialize;

use super::Http;

/// The most entries a feed holds.
const MAX_ENTRIES: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub(super) struct FeedQuery {
    #[serde(default)]
    token: String,
}

fn refuse(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message + "\n",
    )
        .into_response()
}

pub(super) async fn feed(
    State(http): State<Http>,
    headers: HeaderMap,
    Query(q): Query<FeedQuery>,
) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or(q.token.as_str());
    if bearer.is_empty() {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "the feed needs a read token: make one with `remedy --dir YOUR_FOLDER token --ttl 7d` and add it as ?token=TOKEN".into(),
        );
    }
    let reader = match http.reader(bearer) {
        Ok(member) => member,
        Err(e) => return refuse(StatusCode::UNAUTHORIZED, e),
    };
    let is_node = http
        .manifest
        .as_ref()
        .and_then(|m| {
            m.current()
                .body
                .members
                .iter()
                .find(|x| x.id.as_str() == reader)
                .map(|x| x.role == Role::Node)
        })
        .unwrap_or(false);
    let party = is_node.then_some(reader.as_str());
    let ask = pb::PlanFilter::default;
    let items = match http.view.workplan(tonic::Request::new(ask())).await {
        Ok(r) => r.into_inner().json,
        Err(s) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, s.message().to_string()),
    };
    let recs = match http.view.recommendations(tonic::Request::new(ask())).await {
        Ok(r) => r.into_inner().json,
        Err(s) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, s.message().to_string()),
    };
    let parsed = (
        serde_json::from_str::<Vec<remedy_core::workplan::ItemView>>(&items),
        serde_json::from_str::<Vec<remedy_core::plan::RecommendationView>>(&recs),
    );
    let (Ok(items), Ok(recs)) = parsed else {
        return refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the view's JSON did not read".into(),
        );
    };
    let releases = http.releases_of(Vec::new()).await;
    let entries = remedy_core::inbox::feed_items(&items, &recs, &releases, party, MAX_ENTRIES);
    let whose = party.map_or("the region".to_string(), str::to_string);
    let body = remedy_core::inbox::atom(
        &format!("urn:remedy-net:{}:feed:{whose}", http.member),
        &format!("remedy-net: what awaits {whose} (node {})", http.member),
        "/feed.atom",
        &entries,
    );
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response()
}
