//! The conversions between domain and protobuf types a client makes (the node's
//! are in its `grpc::convert`, with the mapping of errors to `tonic::Status`).

use remedy_proto::v1 as pb;

/// A case record as `Admin.ImportCases` carries it: the columns of the case
/// format, in their text form.
pub fn case_to_pb(c: &remedy_core::case::CaseRecord) -> pb::CaseRecord {
    let [
        case_id,
        opened_on,
        closed_on,
        sex,
        age_band,
        residence_status,
        sector,
        stage,
        _,
        channel,
        outcome,
        compensation_usd,
    ] = c.to_row();
    pb::CaseRecord {
        case_id,
        opened_on,
        closed_on,
        sex,
        age_band,
        residence_status,
        sector,
        stage,
        grievances: c.grievances.clone(),
        channel,
        outcome,
        compensation_usd,
    }
}
