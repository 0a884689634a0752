//! What each subcommand does, given its parsed arguments.
mod catalogue;
mod completions;
mod coverage;
mod mutants;
#[cfg(unix)]
mod output;
mod profile;
mod reports;
mod review;
mod run;
mod schema;
mod serve;
mod signals;
mod sweep;

pub use completions::completions;
pub use coverage::coverage;
pub use mutants::mutants;
pub use profile::profile;
pub use reports::{diff, merge};
pub use review::review;
pub use run::run;
pub use schema::schema;
pub use serve::serve;
pub use sweep::sweep;

/// `stackconform catalogue ...`.
pub fn catalogue(args: crate::cli::CatalogueCommand) -> Result<i32, crate::error::Error> {
    match args.action {
        crate::cli::CatalogueAction::Export(export) => catalogue::export(export),
    }
}

/// The one multi-threaded runtime a command runs on (trials, the embedded cloud).
fn runtime() -> Result<tokio::runtime::Runtime, crate::error::Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| crate::error::Error::Config(format!("cannot start the async runtime: {e}")))
}
