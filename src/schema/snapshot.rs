//! Schemas stored as insta snapshots under `snapshots/`, one file per name.
//!
//! Files are read with insta's public API and written in insta's documented snapshot
//! format (a YAML header, `---`, the contents), so `cargo insta review` and insta's
//! `INSTA_UPDATE` settings work unchanged: a new or changed shape becomes
//! `<name>.snap.new` for review, `INSTA_UPDATE=always` writes `<name>.snap`, `unseen`
//! writes new snapshots directly and proposes changes, and nothing is written on CI
//! (`CI` set) or with `INSTA_UPDATE=no`.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::Schema;

/// A stored snapshot that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot read snapshot {}: {problem}", path.display())]
pub struct SnapshotError {
    path: PathBuf,
    problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// The proposal equals what is stored.
    Unchanged,
    /// insta wrote `<name>.snap` (INSTA_UPDATE=always or unseen).
    Written(PathBuf),
    /// insta wrote `<name>.snap.new` for review.
    PendingReview(PathBuf),
    /// Nothing was written (CI, or INSTA_UPDATE=no).
    NotWritten,
    /// The snapshots are the binary's own: there is no folder to write into.
    BuiltIn,
}

/// Where snapshots are read from.
#[derive(Debug, Clone)]
pub enum Snapshots {
    /// A folder of `<name>.snap` files, where proposals are written too.
    Folder(PathBuf),
    /// The catalogue built into the binary: read-only.
    BuiltIn,
}

pub struct SnapshotStore {
    source: Snapshots,
    cache: Mutex<HashMap<String, Arc<Schema>>>,
    /// The files are shared by every case: one writer at a time.
    write: Mutex<()>,
    /// Never hand anything to insta: a run against a deliberately broken cloud must not propose
    /// (or, with INSTA_UPDATE=always, store) the broken shapes.
    read_only: bool,
}

impl SnapshotStore {
    pub fn new(source: Snapshots) -> Self {
        Self {
            source,
            cache: Mutex::new(HashMap::new()),
            write: Mutex::new(()),
            read_only: false,
        }
    }

    /// A store that loads snapshots and never writes any.
    pub fn read_only(source: Snapshots) -> Self {
        Self {
            read_only: true,
            ..Self::new(source)
        }
    }

    /// A store of the snapshots in `dir`.
    pub fn folder(dir: impl Into<PathBuf>) -> Self {
        Self::new(Snapshots::Folder(dir.into()))
    }

    /// Where `name` is stored, as messages name it.
    pub fn path(&self, name: &str) -> PathBuf {
        match &self.source {
            Snapshots::Folder(dir) => dir.join(format!("{name}.snap")),
            Snapshots::BuiltIn => {
                Path::new(crate::embedded::ROOT).join(format!("snapshots/{name}.snap"))
            }
        }
    }

    /// The stored schema, or `None` when there is no snapshot of that name yet.
    pub fn load(&self, name: &str) -> Result<Option<Arc<Schema>>, SnapshotError> {
        if let Some(v) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return Ok(Some(v.clone()));
        }
        let path = self.path(name);
        let unreadable = |problem: String| SnapshotError {
            path: path.clone(),
            problem,
        };
        let text = match &self.source {
            Snapshots::BuiltIn => match crate::embedded::snapshot(name) {
                Some(text) => text.to_string(),
                None => return Ok(None),
            },
            Snapshots::Folder(_) => {
                if !path.exists() {
                    return Ok(None);
                }
                let snapshot =
                    insta::Snapshot::from_file(&path).map_err(|e| unreadable(e.to_string()))?;
                snapshot
                    .as_text()
                    .map(ToString::to_string)
                    .ok_or_else(|| unreadable("it is not a text snapshot".into()))?
            }
        };
        let schema: Value =
            serde_json::from_str(&text).map_err(|e| unreadable(format!("it is not JSON: {e}")))?;
        let schema = Arc::new(Schema::new(schema));
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), schema.clone());
        Ok(Some(schema))
    }

    /// Proposes a schema: written (or not) as insta's `INSTA_UPDATE` says. A proposal equal
    /// to what is stored (as JSON, whatever the formatting) writes nothing.
    pub fn propose(&self, name: &str, schema: &Value, description: &str) -> SnapshotOutcome {
        let dir = match &self.source {
            _ if self.read_only => return SnapshotOutcome::NotWritten,
            Snapshots::BuiltIn => return SnapshotOutcome::BuiltIn,
            Snapshots::Folder(dir) => dir.clone(),
        };
        let _guard = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let snap = self.path(name);
        let stored = self.load(name).ok().flatten();
        if stored.as_ref().is_some_and(|s| &s.value == schema) {
            return SnapshotOutcome::Unchanged;
        }
        let update = Update::from_env(|k| std::env::var(k).ok());
        let target = match (update, stored.is_some()) {
            (Update::No, _) => return SnapshotOutcome::NotWritten,
            (Update::Always, _) | (Update::Unseen, false) => snap.clone(),
            (Update::New, _) | (Update::Unseen, true) => dir.join(format!("{name}.snap.new")),
        };
        let contents = match serde_json::to_string_pretty(schema) {
            Ok(c) => c,
            Err(_) => return SnapshotOutcome::NotWritten,
        };
        if write_snapshot(&target, description, &contents).is_err() {
            return SnapshotOutcome::NotWritten;
        }
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
        if target == snap {
            SnapshotOutcome::Written(snap)
        } else {
            SnapshotOutcome::PendingReview(target)
        }
    }
}

/// What insta's `INSTA_UPDATE` asks for, as insta documents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Update {
    /// Write `.snap` directly (`always`, `overwrite`).
    Always,
    /// New snapshots directly, changes as `.snap.new` (`unseen`).
    Unseen,
    /// `.snap.new` for review (`new`, and `auto` outside CI).
    New,
    /// Nothing (`no`, and `auto` on CI).
    No,
}

impl Update {
    fn from_env(var: impl Fn(&str) -> Option<String>) -> Update {
        let on_ci = var("CI").is_some_and(|v| v != "false");
        match var("INSTA_UPDATE").as_deref() {
            Some("always") | Some("overwrite") | Some("1") => Update::Always,
            Some("unseen") => Update::Unseen,
            Some("new") => Update::New,
            Some("no") | Some("0") => Update::No,
            _ if on_ci => Update::No,
            _ => Update::New,
        }
    }
}

/// The contents of a snapshot file in insta's format (`---`, a YAML header, `---`, the
/// contents), as insta reads them; a file without the header is all contents.
pub fn snapshot_contents(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("---\n") else {
        return text;
    };
    match rest.find("\n---\n") {
        Some(end) => rest[end + 5..].trim_end_matches('\n'),
        None => text,
    }
}

/// insta's file format: a YAML header, `---`, the contents and a final newline. Written
/// to a temporary file first, so a reader never sees half of it.
fn write_snapshot(path: &Path, description: &str, contents: &str) -> std::io::Result<()> {
    let description = serde_json::to_string(description).map_err(std::io::Error::other)?;
    let text = format!(
        "---\nsource: src/schema/snapshot.rs\ndescription: {description}\n---\n{contents}\n"
    );
    let partial = path.with_extension("partial");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in snapshots are read, and a proposal says there is nowhere to write it.
    #[test]
    fn the_built_in_store_reads_and_never_writes() {
        let store = SnapshotStore::new(Snapshots::BuiltIn);
        let name = "network.remove_router_interface.200";
        assert!(store.load(name).unwrap().is_some());
        assert!(store.load("no.such.schema").unwrap().is_none());
        let outcome = store.propose("no.such.schema", &serde_json::json!({}), "x");
        assert_eq!(outcome, SnapshotOutcome::BuiltIn);
    }

    #[test]
    fn insta_update_is_read_as_insta_documents_it() {
        let env = |ci: Option<&str>, update: Option<&str>| {
            let (ci, update) = (ci.map(String::from), update.map(String::from));
            Update::from_env(move |k| match k {
                "CI" => ci.clone(),
                "INSTA_UPDATE" => update.clone(),
                _ => None,
            })
        };
        assert_eq!(env(None, None), Update::New);
        assert_eq!(env(Some("true"), None), Update::No);
        assert_eq!(env(Some("false"), None), Update::New);
        assert_eq!(env(Some("true"), Some("always")), Update::Always);
        assert_eq!(env(None, Some("unseen")), Update::Unseen);
        assert_eq!(env(None, Some("no")), Update::No);
    }

    #[test]
    fn a_written_snapshot_reads_back_through_insta() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::folder(dir.path());
        let schema = serde_json::json!({"type": "object", "required": ["id"]});
        let path = dir.path().join("x.snap");
        write_snapshot(
            &path,
            "a \"quoted\" description",
            &serde_json::to_string_pretty(&schema).unwrap(),
        )
        .unwrap();
        assert_eq!(store.load("x").unwrap().unwrap().value, schema);
        let snapshot = insta::Snapshot::from_file(&path).unwrap();
        assert_eq!(
            snapshot.metadata().description(),
            Some("a \"quoted\" description")
        );
    }
}
