//! The catalogue built into the binary (`build.rs` embeds `cases/` and `snapshots/`): an
//! installed `stackconform` runs from any folder, and `catalogue export` writes it out
//! for editing.
use std::path::{Path, PathBuf};

mod files {
    include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));
}

/// How the built-in files are named in messages and reports: not a folder on disk.
pub const ROOT: &str = "(built in)";

/// The built-in case files as the loader takes them, under `(built in)/cases`.
pub fn case_sources() -> Vec<(PathBuf, String)> {
    let root = cases_root();
    files::CASES
        .iter()
        .map(|(path, text)| (root.join(path), (*text).to_string()))
        .collect()
}

pub fn cases_root() -> PathBuf {
    Path::new(ROOT).join("cases")
}

/// The contents (the text after insta's header) of the built-in snapshot `name`.
pub fn snapshot(name: &str) -> Option<&'static str> {
    let file = format!("{name}.snap");
    let (_, text) = files::SNAPSHOTS.iter().find(|(path, _)| *path == file)?;
    Some(crate::schema::snapshot_contents(text))
}

/// What `export` wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Exported {
    pub cases: usize,
    pub snapshots: usize,
}

/// Writes the built-in catalogue to `dir/cases` and `dir/snapshots`. Refuses, before
/// writing anything, to replace a file that is already there unless `force`.
pub fn export(dir: &Path, force: bool) -> Result<Exported, ExportError> {
    let all = || {
        let cases = files::CASES
            .iter()
            .map(|(p, t)| (dir.join("cases").join(p), *t));
        let snaps = files::SNAPSHOTS
            .iter()
            .map(|(p, t)| (dir.join("snapshots").join(p), *t));
        cases.chain(snaps)
    };
    if !force {
        let existing: Vec<PathBuf> = all().map(|(p, _)| p).filter(|p| p.exists()).collect();
        if !existing.is_empty() {
            return Err(ExportError::Exists {
                count: existing.len(),
                first: existing[0].clone(),
            });
        }
    }
    for (path, text) in all() {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ExportError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| ExportError::Io {
            path: path.clone(),
            source,
        })?;
    }
    Ok(Exported {
        cases: files::CASES.len(),
        snapshots: files::SNAPSHOTS.len(),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{count} of the files to write are already there, e.g. {}; nothing was written (--force replaces them)", first.display())]
    Exists { count: usize, first: PathBuf },
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// The built-in copy is the checkout's, file for file (build.rs reruns on any change).
    #[test]
    fn the_built_in_catalogue_is_the_checkouts() {
        let mut on_disk = Vec::new();
        for folder in ["cases", "snapshots"] {
            let root = repo().join(folder);
            let mut stack = vec![root.clone()];
            while let Some(dir) = stack.pop() {
                for entry in std::fs::read_dir(&dir).unwrap() {
                    let path = entry.unwrap().path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if !path.to_string_lossy().ends_with(".new") {
                        let rel = path
                            .strip_prefix(&root)
                            .unwrap()
                            .to_string_lossy()
                            .into_owned();
                        on_disk.push((folder, rel, std::fs::read_to_string(&path).unwrap()));
                    }
                }
            }
        }
        let built_in: Vec<_> = files::CASES
            .iter()
            .map(|(p, t)| ("cases", p.to_string(), t.to_string()))
            .chain(
                files::SNAPSHOTS
                    .iter()
                    .map(|(p, t)| ("snapshots", p.to_string(), t.to_string())),
            )
            .collect();
        on_disk.sort();
        let mut sorted = built_in.clone();
        sorted.sort();
        assert_eq!(sorted.len(), on_disk.len());
        assert!(
            sorted == on_disk,
            "the built-in catalogue differs from cases/ and snapshots/"
        );
    }

    /// Built-in snapshots read as insta reads the files.
    #[test]
    fn built_in_snapshots_read_as_insta_reads_them() {
        for (path, _) in files::SNAPSHOTS {
            let name = path.strip_suffix(".snap").unwrap();
            let insta = insta::Snapshot::from_file(&repo().join("snapshots").join(path)).unwrap();
            assert_eq!(
                snapshot(name).unwrap(),
                insta.as_text().unwrap().to_string(),
                "{path}"
            );
        }
        assert!(snapshot("no.such.snapshot").is_none());
    }

    #[test]
    fn export_writes_everything_and_never_overwrites_unasked() {
        let dir = tempfile::tempdir().unwrap();
        let done = export(dir.path(), false).unwrap();
        assert_eq!(done.cases, files::CASES.len());
        assert!(dir.path().join("cases/network").is_dir());
        let snap = dir.path().join("snapshots").join(files::SNAPSHOTS[0].0);
        std::fs::write(&snap, "edited").unwrap();
        let err = export(dir.path(), false).unwrap_err().to_string();
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(std::fs::read_to_string(&snap).unwrap(), "edited");
        export(dir.path(), true).unwrap();
        assert_ne!(std::fs::read_to_string(&snap).unwrap(), "edited");
    }
}
