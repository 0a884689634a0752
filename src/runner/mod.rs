//! Running cases: libtest trials, fixtures and teardown, steps, polling, schemas.
mod case;
mod client;
mod context;
mod deviations;
mod failure;
mod fixture_setup;
mod partition;
mod progress;
pub mod quota;
mod record;
mod request;
mod schema_check;
mod shared;
mod slots;
mod step;
mod stop;
mod tally;
#[cfg(test)]
mod teardown_tests;
pub mod trials;

pub use case::run_case;
pub use client::{http_client, Clients};
pub use context::{RunContext, Settings};
pub use deviations::Deviations;
pub use failure::{CaseError, CaseFailure, StepError};
pub use partition::{BadPartition, Partition};
pub use progress::Progress;
pub use record::{shape, CaseLog};
pub use request::render_removal;
pub(crate) use shared::key as shared_instance_key;
pub use stop::Stop;
