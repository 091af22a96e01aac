//! Protobuf ⇄ domain conversions and the one mapping of errors to `tonic::Status`.

use remedy_core::{Draft, LogKind, MemberId, PayloadKind};
use remedy_proto::v1 as pb;
use tonic::Status;

use crate::store::StoreError;
use crate::writer::{AppendError, Receipt};

pub fn log_kind(value: i32) -> Result<LogKind, Status> {
    match pb::LogKind::try_from(value) {
        Ok(pb::LogKind::Shared) => Ok(LogKind::Shared),
        Ok(pb::LogKind::Private) => Ok(LogKind::Private),
        _ => Err(Status::invalid_argument(format!(
            "log: {value} is not a log kind (1 shared, 2 private)"
        ))),
    }
}

pub fn draft(index: usize, d: pb::Draft) -> Result<Draft, Status> {
    let narrow = |field: &str, value: u32| {
        u16::try_from(value).map_err(|_| {
            Status::invalid_argument(format!("events[{index}].{field}: {value} is over 65535"))
        })
    };
    let draft = Draft {
        kind: PayloadKind(narrow("payload_kind", d.payload_kind)?),
        version: narrow("payload_version", d.payload_version)?,
        payload: d.payload,
    };
    // Peers refuse events whose payload does not decode; refuse them here first,
    // with the rules for new text (no control characters) on top.
    remedy_core::kinds::check_new(draft.kind, draft.version, &draft.payload)
        .map_err(|e| Status::invalid_argument(format!("events[{index}]: {e}")))?;
    Ok(draft)
}

pub fn receipt(r: Receipt) -> pb::Receipt {
    pb::Receipt {
        seq: r.seq,
        hash: r.hash.0.to_vec(),
    }
}

/// An origin field: empty means the answering node's own member.
pub fn origin(value: &str, own: &MemberId) -> Result<MemberId, Status> {
    if value.is_empty() {
        return Ok(own.clone());
    }
    MemberId::new(value).map_err(|e| Status::invalid_argument(format!("origin: {e}")))
}

pub fn append_error(e: AppendError) -> Status {
    match e {
        AppendError::PayloadTooLarge { .. } | AppendError::Empty => {
            Status::invalid_argument(e.to_string())
        }
        AppendError::Store(_) => Status::internal(e.to_string()),
        AppendError::Closed => Status::unavailable(e.to_string()),
        AppendError::Refused(_) => Status::failed_precondition(e.to_string()),
    }
}

pub fn store_error(e: StoreError) -> Status {
    Status::internal(e.to_string())
}

pub fn federation_error(e: crate::federation::FederationError) -> Status {
    use crate::federation::FederationError as E;
    match e {
        E::File(_) | E::Store(_) => Status::internal(e.to_string()),
        _ => Status::failed_precondition(e.to_string()),
    }
}

/// What prost says, first, about bytes that are not the message expected.
const DECODE_ERROR: &str = "failed to decode Protobuf message";

/// A status from reading a request: tonic reports a request that is not the
/// message expected as INTERNAL (the node's fault); it is the client's,
/// INVALID_ARGUMENT, and says so.
pub fn inbound(status: Status) -> Status {
    if status.code() == tonic::Code::Internal && status.message().starts_with(DECODE_ERROR) {
        Status::invalid_argument(format!(
            "the request is not a valid message of this method: {}",
            status.message()
        ))
    } else {
        status
    }
}

/// [`inbound`] for a response whose status is in its headers (tonic answers a
/// unary request it cannot decode with headers only): `grpc-status` 13 with a
/// decoding message becomes 3, with the message saying why.
pub fn inbound_headers(headers: &mut tonic::codegen::http::HeaderMap) {
    let internal = headers
        .get("grpc-status")
        .is_some_and(|v| v.as_bytes() == b"13");
    let message = headers
        .get("grpc-message")
        .map(|v| percent_decode(v.as_bytes()))
        .unwrap_or_default();
    if !internal || !message.starts_with(DECODE_ERROR) {
        return;
    }
    let text = format!("the request is not a valid message of this method: {message}");
    if let Ok(value) = tonic::codegen::http::HeaderValue::from_str(&percent_encode(&text)) {
        headers.insert(
            "grpc-status",
            tonic::codegen::http::HeaderValue::from_static("3"),
        );
        headers.insert("grpc-message", value);
    }
}

/// `grpc-message` encoding: bytes outside printable ASCII, and `%`, as `%XX`.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if (0x20..=0x7e).contains(&b) && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The fingerprint of the certificate the caller's TLS connection presented;
/// `None` over plain text (a standalone node).
pub fn caller<T>(request: &tonic::Request<T>) -> Option<remedy_client::tls::Fingerprint> {
    use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
    request
        .extensions()
        .get::<TlsConnectInfo<TcpConnectInfo>>()
        .and_then(|info| info.peer_certs())
        .and_then(|certs| certs.first().map(remedy_client::tls::fingerprint))
}

pub fn not_operator() -> Status {
    Status::permission_denied(
        "the administration service is for this node's operator only: connect with the node's own identity folder",
    )
}

/// The replication report as `remedy status` receives it. The node's own origin is
/// listed first, at its own height.
pub fn status(
    member: &MemberId,
    manifest_version: u64,
    own_height: u64,
    report: Option<crate::replication::Report>,
) -> pb::StatusReply {
    let mut reply = pb::StatusReply {
        member: member.to_string(),
        manifest_version,
        origins: vec![pb::OriginStatus {
            origin: member.to_string(),
            height: own_height,
            best_known: own_height,
            lag: 0,
            halted: false,
        }],
        ..Default::default()
    };
    let Some(report) = report else {
        return reply;
    };
    reply.peers = report
        .peers
        .into_iter()
        .map(|(id, p)| pb::PeerStatus {
            member: id.to_string(),
            endpoint: p.endpoint,
            state: p.state.as_str().to_string(),
            last_error: p.last_error,
            since_ms: p.since_ms,
        })
        .collect();
    reply
        .origins
        .extend(report.origins.into_iter().map(|o| pb::OriginStatus {
            origin: o.origin.to_string(),
            height: o.height,
            best_known: o.best_known.max(o.height),
            lag: o.best_known.saturating_sub(o.height),
            halted: o.halted,
        }));
    reply.rejected = report
        .rejected
        .into_iter()
        .map(|(reason, r)| pb::RejectedCount {
            reason: reason.to_string(),
            count: r.count,
            last: r.last,
        })
        .collect();
    reply.forks = report
        .forks
        .into_iter()
        .map(|f| pb::ForkEvidence {
            origin: f.origin.to_string(),
            seq: f.seq,
            held: Some(pb::SignedEvent {
                raw: f.held.into_raw(),
            }),
            received: Some(pb::SignedEvent {
                raw: f.received.into_raw(),
            }),
            peer: f.peer,
        })
        .collect();
    reply
}

/// A received case record, validated like an imported row. `index` is its 1-based
/// position in the import, for the error.
pub fn case_record(index: u64, c: pb::CaseRecord) -> Result<remedy_core::case::CaseRecord, Status> {
    let grievances = c.grievances.join(";");
    let fields = [
        c.case_id.as_str(),
        &c.opened_on,
        &c.closed_on,
        &c.sex,
        &c.age_band,
        &c.residence_status,
        &c.sector,
        &c.stage,
        &grievances,
        &c.channel,
        &c.outcome,
        &c.compensation_usd,
    ];
    remedy_core::case::Header::standard()
        .parse_row(&fields)
        .map_err(|e| {
            Status::invalid_argument(format!(
                "record {index} (case {:?}): {e}; nothing was imported",
                c.case_id
            ))
        })
}

pub use remedy_client::convert::case_to_pb;

pub fn import_error(e: crate::cases::ImportError) -> Status {
    use crate::cases::ImportError as E;
    match e {
        E::Duplicate { .. } => Status::invalid_argument(format!("{e}; nothing was imported")),
        E::Append(e) => append_error(e),
        E::Store(_) | E::Corrupt { .. } => Status::internal(e.to_string()),
    }
}

pub fn publish_error(e: crate::releases::PublishError) -> Status {
    use crate::releases::PublishError as E;
    match e {
        E::BelowMinimum { .. }
        | E::Grain(_)
        | E::OverBudget(_)
        | E::TooNoisy { .. }
        | E::Disclosive(_)
        | E::Future { .. }
        | E::Empty { .. }
        | E::Unchanged { .. } => Status::failed_precondition(e.to_string()),
        E::NotFound { .. } => Status::not_found(e.to_string()),
        E::Append(e) => append_error(e),
        E::Cases(e) => import_error(e),
        E::Policy(_) | E::Store(_) | E::Corrupt { .. } => Status::internal(e.to_string()),
    }
}

/// An ε from a request: empty for none.
pub fn epsilon(text: &str) -> Result<Option<remedy_core::privacy::Epsilon>, Status> {
    if text.is_empty() {
        return Ok(None);
    }
    match remedy_core::privacy::Epsilon::parse(text) {
        Ok(e) if e.micro() > 0 => Ok(Some(e)),
        Ok(_) => Err(Status::invalid_argument("ε must be above 0")),
        Err(e) => Err(Status::invalid_argument(e.to_string())),
    }
}

/// A view query over one table: the table checked, the period range of one kind,
/// and the members (already checked with [`KnownMembers::filter`]).
pub fn table_query(
    table: &str,
    from: &str,
    to: &str,
    members: Vec<MemberId>,
    revision: u64,
) -> Result<crate::views::TableQuery, Status> {
    table_codes(table)?;
    let from = period(from)?;
    let to = if to.is_empty() { from } else { period(to)? };
    if std::mem::discriminant(&from) != std::mem::discriminant(&to) || to < from {
        return Err(Status::invalid_argument(format!(
            "the period range {from} to {to} must run forward over periods of one kind"
        )));
    }
    Ok(crate::views::TableQuery {
        table: table.to_string(),
        from,
        to,
        members,
        revision: match revision {
            0 => crate::views::Revision::Latest,
            r => crate::views::Revision::Exactly(r),
        },
    })
}

/// A filter value that names nothing known, with what is known: `unknown {what}
/// "{value}"; {known}`.
fn unknown(what: &str, value: &str, known: impl std::fmt::Display) -> Status {
    Status::invalid_argument(format!("unknown {what} {value:?}; {known}"))
}

/// The row and column codes of a table of the view.
pub fn table_codes(
    table: &str,
) -> Result<(&'static [&'static str], &'static [&'static str]), Status> {
    use remedy_core::release::RESOLUTION;
    use remedy_core::tables::COUNT_TABLES;
    if table == RESOLUTION {
        return Ok((
            remedy_core::case::CHANNEL,
            remedy_core::regional::RESOLUTION_COLUMNS,
        ));
    }
    remedy_core::tables::definition(table)
        .map(|d| (d.rows, d.columns))
        .ok_or_else(|| {
            let names: Vec<&str> = COUNT_TABLES
                .iter()
                .map(|d| d.name)
                .chain([RESOLUTION])
                .collect();
            unknown(
                "table",
                table,
                format!("the tables are {}", names.join(", ")),
            )
        })
}

/// Rows and columns a query names, each one of the table's (or `total`, a margin,
/// where `margins`).
pub fn table_cells(
    table: &str,
    rows: &[String],
    columns: &[String],
    margins: bool,
) -> Result<(), Status> {
    let (row_codes, column_codes) = table_codes(table)?;
    let or_total = if margins { ", or total" } else { "" };
    for (what, names, codes) in [("row", rows, row_codes), ("column", columns, column_codes)] {
        if let Some(name) = names
            .iter()
            .find(|n| !(codes.contains(&n.as_str()) || margins && *n == "total"))
        {
            return Err(unknown(
                what,
                name,
                format!(
                    "the {what}s of table {table} are {}{or_total}",
                    codes.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// A code a plan filter names (empty: no filter), one of `codes`.
pub fn plan_code(what: &str, value: &str, codes: &[&str]) -> Result<(), Status> {
    if value.is_empty() || codes.contains(&value) {
        return Ok(());
    }
    Err(unknown(
        what,
        value,
        format!("expected one of {}", codes.join(", ")),
    ))
}

/// The date a work-plan view is computed against: `YYYY-MM-DD`, or today (UTC)
/// when empty. The one place the plan meets a clock.
pub fn as_of(value: &str) -> Result<remedy_core::case::Date, Status> {
    if value.is_empty() {
        let days = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() / 86_400)
            .unwrap_or(0);
        return Ok(remedy_core::case::Date::from_days(days as i64));
    }
    remedy_core::case::Date::parse(value).ok_or_else(|| {
        Status::invalid_argument(format!("as_of {value:?} is not a date (YYYY-MM-DD)"))
    })
}

/// A record id a plan filter names (empty: no filter); `held` are the ids of that
/// kind this node holds.
pub fn plan_id(
    kind: &str,
    value: &str,
    held: &[remedy_core::plan::RecordId],
) -> Result<Option<remedy_core::plan::RecordId>, Status> {
    if value.is_empty() {
        return Ok(None);
    }
    let id = remedy_core::plan::RecordId::parse(value).ok_or_else(|| {
        Status::invalid_argument(format!(
            "id {value:?} is not a record id; expected its member and sequence number, such as KH-12"
        ))
    })?;
    if held.contains(&id) {
        return Ok(Some(id));
    }
    const SHOWN: usize = 20;
    let mut list: Vec<String> = held.iter().take(SHOWN).map(ToString::to_string).collect();
    if held.len() > SHOWN {
        list.push(format!("and {} more", held.len() - SHOWN));
    }
    Err(Status::not_found(if held.is_empty() {
        format!("no {kind} {id} at this node; it holds none yet")
    } else {
        format!("no {kind} {id} at this node; it holds {}", list.join(", "))
    }))
}

/// A filter a kind of record does not have (`theme` of a pilot report): refused
/// rather than ignored.
pub fn no_such_filter(kind: &str, filter: &str, value: &str, has: &str) -> Result<(), Status> {
    if value.is_empty() {
        return Ok(());
    }
    Err(Status::invalid_argument(format!(
        "{kind} have no {filter} to filter by ({filter} {value:?} given); filter them by {has}"
    )))
}

/// The members a view filter may name, as the answering node knows them.
#[derive(Clone, Debug)]
pub struct KnownMembers {
    /// The federation's node members, sorted (this node alone when standalone):
    /// what a query naming no member is about.
    nodes: Vec<MemberId>,
    /// Members with records here, sorted: the node members and the origin of every
    /// log this node holds (a member that left the federation keeps its history).
    with_records: Vec<MemberId>,
    /// Members that run no node (coordinators, auditors), with their role.
    readers: Vec<(MemberId, remedy_core::manifest::Role)>,
}

impl KnownMembers {
    pub fn new(
        mut nodes: Vec<MemberId>,
        readers: Vec<(MemberId, remedy_core::manifest::Role)>,
        held: Vec<MemberId>,
    ) -> Self {
        nodes.sort();
        nodes.dedup();
        let mut with_records: Vec<MemberId> = nodes.iter().cloned().chain(held).collect();
        with_records.sort();
        with_records.dedup();
        Self {
            nodes,
            with_records,
            readers,
        }
    }

    /// One member a filter names.
    pub fn check(&self, name: &str) -> Result<MemberId, Status> {
        if let Some(m) = self.with_records.iter().find(|m| m.as_str() == name) {
            return Ok(m.clone());
        }
        let list = self
            .with_records
            .iter()
            .map(MemberId::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        Err(
            match self.readers.iter().find(|(m, _)| m.as_str() == name) {
                Some((_, role)) => Status::invalid_argument(format!(
                    "member {name:?} is the federation's {role} and runs no node, so it has no records; the members with records are {list}"
                )),
                None => unknown(
                    "member",
                    name,
                    format!("the federation's members are {list}"),
                ),
            },
        )
    }

    /// The members a filter names, sorted; none means every node member.
    pub fn filter(&self, names: &[String]) -> Result<Vec<MemberId>, Status> {
        if names.is_empty() {
            return Ok(self.nodes.clone());
        }
        let mut members = names
            .iter()
            .map(|n| self.check(n))
            .collect::<Result<Vec<_>, _>>()?;
        members.sort();
        members.dedup();
        Ok(members)
    }

    /// A member a plan filter names (empty: no filter).
    pub fn optional(&self, name: &str) -> Result<Option<MemberId>, Status> {
        (!name.is_empty()).then(|| self.check(name)).transpose()
    }
}

pub fn period(text: &str) -> Result<remedy_core::tables::Period, Status> {
    remedy_core::tables::Period::parse(text).ok_or_else(|| {
        Status::invalid_argument(format!(
            "period {text:?}: expected a year (2024), a quarter (2024-Q3) or a month (2024-07)"
        ))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_request_that_does_not_decode_is_the_clients_fault() {
        let decoded = inbound(Status::internal(
            "failed to decode Protobuf message: invalid varint",
        ));
        assert_eq!(decoded.code(), tonic::Code::InvalidArgument);
        assert_eq!(
            inbound(Status::internal("disk")).code(),
            tonic::Code::Internal
        );
        let mut headers = tonic::codegen::http::HeaderMap::new();
        headers.insert("grpc-status", "13".parse().unwrap());
        headers.insert(
            "grpc-message",
            "failed%20to%20decode%20Protobuf%20message:%20invalid%20varint"
                .parse()
                .unwrap(),
        );
        inbound_headers(&mut headers);
        assert_eq!(headers["grpc-status"], "3");
        assert_eq!(
            percent_decode(headers["grpc-message"].as_bytes()),
            "the request is not a valid message of this method: failed to decode Protobuf message: invalid varint"
        );
        assert_eq!(percent_encode("100% é"), "100%25 %C3%A9");
    }
}
