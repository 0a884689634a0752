//! What each subcommand does, given its parsed arguments.
mod run;
mod serve;

pub use run::run;
pub use serve::serve;
