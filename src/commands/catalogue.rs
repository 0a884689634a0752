//! What the commands that run the catalogue share: finding and loading it, and naming a run.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::case::{load_catalogue, Catalogue};
use crate::cli::CatalogueArgs;
use crate::error::Error;

pub fn snapshots_dir(args: &CatalogueArgs) -> PathBuf {
    args.snapshots.clone().unwrap_or_else(|| {
        let cases = args
            .cases
            .canonicalize()
            .unwrap_or_else(|_| args.cases.clone());
        cases.parent().unwrap_or(Path::new(".")).join("snapshots")
    })
}

pub fn load(args: &CatalogueArgs) -> Result<Arc<Catalogue>, Error> {
    load_dir(&args.cases).map(Arc::new)
}

pub fn load_dir(cases: &Path) -> Result<Catalogue, Error> {
    if !cases.is_dir() {
        return Err(Error::Config(format!(
            "no cases folder at {} (give --cases DIR or STACKCONFORM_CASES)",
            cases.display()
        )));
    }
    Ok(load_catalogue(cases)?)
}

/// Short id in every resource name, so leftovers of a run can be found and swept.
pub fn run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}
