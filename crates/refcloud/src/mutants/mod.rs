//! Deliberate contract deviations of the reference cloud, one at a time, so that the catalogue can be shown
//! to notice each of them (`stackconform mutants`).

mod catalogue;
mod operation;
mod reply;

pub use catalogue::{Mutant, UnknownMutant};
pub use operation::Operation;
pub use reply::mutate_reply;
