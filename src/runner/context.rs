use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::case::Catalogue;
use crate::schema::{Mode, SnapshotStore};
use crate::target::Target;

/// Knobs of a run; each has a flag and an environment variable (see `cli`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub request_timeout: Duration,
    pub case_timeout: Duration,
    pub poll_timeout: Duration,
    /// First pause between polls; it doubles up to `poll_max_interval`.
    pub poll_interval: Duration,
    pub poll_max_interval: Duration,
    pub max_body_bytes: usize,
    pub schema_mode: Mode,
    /// A ceiling on every poll's timeout, even one a case states. `stackconform mutants` sets it: its
    /// clouds finish asynchronous work in milliseconds, and a mutant that never does must not cost a
    /// minute per case.
    pub poll_timeout_cap: Option<Duration>,
}

tokio::task_local! {
    /// The trial name of the case a task works for, so notes can name it without every
    /// function on the way passing it down.
    pub static CURRENT_CASE: String;
}

pub struct RunContext {
    pub target: Target,
    pub catalogue: Arc<Catalogue>,
    pub settings: Settings,
    pub snapshots: SnapshotStore,
    /// Short id in every resource name, so leftovers can be found and swept.
    pub run_id: String,
    /// Things worth saying after the summary (extra fields in contract mode, new snapshots).
    pub notes: Mutex<Vec<String>>,
    /// Cases expected to fail on this target.
    pub deviations: super::deviations::Deviations,
}

impl RunContext {
    /// Keeps a note for after the summary, prefixed with the case it came from.
    pub fn note(&self, note: String) {
        let note = match CURRENT_CASE.try_with(|case| case.clone()) {
            Ok(case) => format!("{case}: {note}"),
            Err(_) => note,
        };
        self.notes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(note);
    }

    pub fn resource_prefix(&self) -> String {
        format!("stackconform-{}-", self.run_id)
    }
}
