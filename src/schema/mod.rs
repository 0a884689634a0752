//! Response schemas: inferred from bodies, stored as insta snapshots, validated
//! in contract or strict mode.
mod infer;
mod snapshot;
mod validate;

pub use infer::{infer, widen};
pub use snapshot::{SnapshotOutcome, SnapshotStore};
pub use validate::{validate, Mode, Schema, Verdict};
