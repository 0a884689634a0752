//! Seeded fault injection in the reference cloud: which requests fail and how (`--reference-faults`).

mod injector;
mod plan;
mod respond;

pub use injector::{InjectedFault, Injector};
pub use plan::{FaultKind, FaultPlan, FaultSpecError};
pub use respond::{dropped, truncated, unavailable};
