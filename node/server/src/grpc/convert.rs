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
    Ok(Draft {
        kind: PayloadKind(narrow("payload_kind", d.payload_kind)?),
        version: narrow("payload_version", d.payload_version)?,
        payload: d.payload,
    })
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
    }
}

pub fn store_error(e: StoreError) -> Status {
    Status::internal(e.to_string())
}

pub fn not_operator() -> Status {
    Status::permission_denied(
        "the administration service is for this node's operator only: connect with the node's own identity folder",
    )
}
