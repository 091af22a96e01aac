//! The gRPC services. `convert` is the only module that maps between generated
//! protobuf types and domain types, and between domain errors and `tonic::Status`.

mod admin;
pub mod convert;
mod federation;
mod log;
mod view;

pub use admin::AdminService;
pub use federation::FederationService;
pub use log::{LogService, MAX_FOLLOWS_PER_CALLER, READ_BYTES};
pub use view::{NEW_EVENTS_READ, ViewService};
