//! Response schemas: inferred from bodies, stored as insta snapshots, validated
//! in contract or strict mode.
mod infer;
mod snapshot;
mod validate;

pub use infer::{infer, widen};
pub use snapshot::{snapshot_contents, SnapshotOutcome, SnapshotStore, Snapshots};
pub use validate::{validate, Mode, Schema, Verdict};
