//! Schemas stored as insta snapshots under `snapshots/`, one file per name.
//!
//! insta does the writing, so its workflow applies unchanged: a new or changed
//! shape becomes `<name>.snap.new` for `cargo insta review`, `INSTA_UPDATE=always`
//! writes `<name>.snap` directly, and nothing is written on CI.
use std::cell::Cell;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};

use serde_json::Value;

use super::Schema;

thread_local! {
    /// Set while insta runs: its mismatch panic is expected and reported by us.
    static QUIET_PANIC: Cell<bool> = const { Cell::new(false) };
}

fn install_quiet_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET_PANIC.with(Cell::get) {
                previous(info);
            }
        }));
    });
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
}

pub struct SnapshotStore {
    dir: PathBuf,
    cache: Mutex<HashMap<String, Arc<Schema>>>,
    /// insta's settings are per thread, but its files are shared: one writer at a time.
    write: Mutex<()>,
    /// Never hand anything to insta: a run against a deliberately broken cloud must not propose
    /// (or, with INSTA_UPDATE=always, store) the broken shapes.
    read_only: bool,
}

impl SnapshotStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        install_quiet_panic_hook();
        Self {
            dir: dir.into(),
            cache: Mutex::new(HashMap::new()),
            write: Mutex::new(()),
            read_only: false,
        }
    }

    /// A store that loads snapshots and never writes any.
    pub fn read_only(dir: impl Into<PathBuf>) -> Self {
        Self {
            read_only: true,
            ..Self::new(dir)
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.snap"))
    }

    /// The stored schema, or `None` when there is no snapshot of that name yet.
    pub fn load(&self, name: &str) -> Result<Option<Arc<Schema>>, String> {
        if let Some(v) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return Ok(Some(v.clone()));
        }
        let path = self.path(name);
        if !path.exists() {
            return Ok(None);
        }
        let snapshot = insta::Snapshot::from_file(&path)
            .map_err(|e| format!("cannot read snapshot {}: {e}", path.display()))?;
        let text = match snapshot.contents() {
            insta::internals::SnapshotContents::Text(t) => t.to_string(),
            _ => {
                return Err(format!(
                    "snapshot {} is not a text snapshot",
                    path.display()
                ))
            }
        };
        let schema: Value = serde_json::from_str(&text)
            .map_err(|e| format!("snapshot {} is not JSON: {e}", path.display()))?;
        let schema = Arc::new(Schema::new(schema));
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), schema.clone());
        Ok(Some(schema))
    }

    /// Hands a schema to insta, which writes it (or not) according to INSTA_UPDATE.
    pub fn propose(&self, name: &str, schema: &Value, description: &str) -> SnapshotOutcome {
        if self.read_only {
            return SnapshotOutcome::NotWritten;
        }
        let _guard = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let snap = self.path(name);
        let pending = self.dir.join(format!("{name}.snap.new"));
        let before = std::fs::read(&snap).ok();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(&self.dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_description(description);
        QUIET_PANIC.with(|q| q.set(true));
        let result = panic::catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_json_snapshot!(name, schema));
        }));
        QUIET_PANIC.with(|q| q.set(false));
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name);
        let after = std::fs::read(&snap).ok();
        match result {
            Ok(()) if before == after => SnapshotOutcome::Unchanged,
            Ok(()) => SnapshotOutcome::Written(snap),
            Err(_) if pending.exists() => SnapshotOutcome::PendingReview(pending),
            Err(_) if before != after => SnapshotOutcome::Written(snap),
            Err(_) => SnapshotOutcome::NotWritten,
        }
    }
}
