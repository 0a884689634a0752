//! What the commands that run the catalogue share: finding and loading it, and naming a run.
//!
//! Which catalogue: `--cases DIR` (or `STACKCONFORM_CASES`); else a `cases` folder in the
//! working directory, so a checkout or an exported copy is what runs there and snapshots
//! can be recorded beside it; else the one built into the binary.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::case::{load_catalogue, load_catalogue_from_sources, Catalogue};
use crate::cli::{CatalogueArgs, ExportArgs};
use crate::error::Error;
use crate::schema::Snapshots;

/// Where the case files come from.
#[derive(Debug, Clone)]
pub enum Cases {
    Folder(PathBuf),
    BuiltIn,
}

impl Cases {
    pub fn of(cases: Option<&Path>) -> Cases {
        match cases {
            Some(dir) => Cases::Folder(dir.to_path_buf()),
            None if Path::new("cases").is_dir() => Cases::Folder(PathBuf::from("cases")),
            None => Cases::BuiltIn,
        }
    }

    /// How the start of a run names it.
    pub fn describe(&self) -> String {
        match self {
            Cases::Folder(dir) => dir.display().to_string(),
            Cases::BuiltIn => "the built-in catalogue".into(),
        }
    }

    pub fn load(&self) -> Result<Catalogue, Error> {
        match self {
            Cases::Folder(dir) => {
                if !dir.is_dir() {
                    return Err(Error::Config(format!(
                        "no cases folder at {} (give --cases DIR or STACKCONFORM_CASES, or leave both out for the built-in catalogue)",
                        dir.display()
                    )));
                }
                Ok(load_catalogue(dir)?)
            }
            Cases::BuiltIn => Ok(load_catalogue_from_sources(
                &crate::embedded::cases_root(),
                crate::embedded::case_sources(),
            )?),
        }
    }
}

/// A loaded catalogue, where its snapshots are, and how reports name it: the catalogue is
/// chosen once per command.
pub struct Opened {
    pub catalogue: Arc<Catalogue>,
    pub snapshots: Snapshots,
    pub name: String,
}

/// Loads the catalogue `args` select; its snapshots are `--snapshots`, else `snapshots`
/// beside a cases folder, else the built-in ones.
pub fn open(args: &CatalogueArgs) -> Result<Opened, Error> {
    let cases = Cases::of(args.cases.as_deref());
    let snapshots = match (&args.snapshots, &cases) {
        (Some(dir), _) => Snapshots::Folder(dir.clone()),
        (None, Cases::Folder(dir)) => {
            let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            Snapshots::Folder(dir.parent().unwrap_or(Path::new(".")).join("snapshots"))
        }
        (None, Cases::BuiltIn) => Snapshots::BuiltIn,
    };
    Ok(Opened {
        catalogue: Arc::new(cases.load()?),
        snapshots,
        name: cases.describe(),
    })
}

/// `stackconform catalogue export DIR`.
pub fn export(args: ExportArgs) -> Result<i32, Error> {
    let done = crate::embedded::export(&args.dir, args.force)
        .map_err(|e| Error::Config(format!("catalogue export: {e}")))?;
    println!(
        "wrote {} case files to {} and {} snapshots to {}; run them with `stackconform --cases {}`",
        done.cases,
        args.dir.join("cases").display(),
        done.snapshots,
        args.dir.join("snapshots").display(),
        args.dir.join("cases").display(),
    );
    Ok(0)
}

/// Short id in every resource name, so leftovers of a run can be found and swept.
pub fn run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}
