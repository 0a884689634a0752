//! Case files: their format, loading, and compiling into the plan the runner executes.
pub mod builtins;
mod compile;
mod error;
mod load;
mod model;
mod operation;
mod plan;

pub use compile::{parse_duration, parse_microversion, BadDuration};
pub use error::{LoadError, LoadErrors};
pub use load::{load_catalogue, load_catalogue_from_sources, parse as parse_file};
pub use model::*;
pub use operation::Operation;
pub use plan::*;
