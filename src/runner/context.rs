use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::Value;

use crate::case::{builtins, Catalogue, IdentityId, Role};
use crate::schema::{Mode, SnapshotStore};
use crate::target::Target;
use crate::template::Scope;

/// Knobs of a run; each has a flag and an environment variable (see `cli`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub request_timeout: Duration,
    pub case_timeout: Duration,
    pub poll_timeout: Duration,
    /// First pause between polls; see `step::next_pause` for how it grows.
    pub poll_interval: Duration,
    pub poll_max_interval: Duration,
    pub max_body_bytes: usize,
    pub schema_mode: Mode,
    /// Print every exchange as it happens.
    pub verbose: bool,
    /// How many times a setup or teardown request is repeated after a connection error
    /// or a 503.
    pub retries: u32,
    /// A ceiling on every poll's timeout, even one a case states. `stackconform mutants` sets it: its
    /// clouds finish asynchronous work in milliseconds, and a mutant that never does must not cost a
    /// minute per case.
    pub poll_timeout_cap: Option<Duration>,
    /// Every skip other than a recorded deviation is a failure (certification runs).
    pub fail_on_skip: bool,
    /// The first failed case stops the run from starting others (`--fail-fast`).
    pub fail_fast: bool,
    /// How long a setup request refused over quota is sent again (`step::over_quota`).
    pub quota_wait: Duration,
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
    /// One report per case that ran or was skipped, for `--report` and `--junit`.
    pub reports: Mutex<Vec<crate::report::CaseReport>>,
    /// Where created resources are written down; `None` on the embedded cloud, whose
    /// resources end with the process.
    pub ledger: Option<crate::ledger::Ledger>,
    /// Raised by the first SIGINT or SIGTERM, or when the run's output fails.
    pub stop: Arc<super::Stop>,
    /// What every case's scope starts from; see `shared_scope`.
    pub shared: OnceLock<Arc<Scope>>,
    /// Called with a fixture's alias once its setup is done: where a test injects a fault
    /// (a panic, say) to prove that teardown still runs. `None` outside such tests.
    pub after_setup: Option<fn(&str)>,
    /// How many cases the projects' quotas admit at once (see `quota`).
    pub quotas: Arc<super::quota::Quotas>,
    /// What the run created and how long setups waited for quota.
    pub tally: super::tally::Tally,
    /// The instances of shared fixtures (`share:`) and their users.
    pub sharing: super::shared::SharedFixtures,
    /// What is running now, for the live status line.
    pub progress: Arc<super::Progress>,
}

impl RunContext {
    /// Keeps a note for after the summary; a case's notes start with its trial name.
    pub fn note(&self, note: String) {
        self.notes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(note);
    }

    pub fn record(&self, report: crate::report::CaseReport) {
        self.progress.finished(
            &report.trial,
            report.verdict == crate::report::Verdict::Failed,
        );
        self.reports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(report);
    }

    /// Set on SIGINT/SIGTERM or failed output: cases not yet started are not run.
    pub fn stopping(&self) -> bool {
        self.stop.requested()
    }

    /// Where the ledger of this run is, for messages.
    pub fn ledger_hint(&self) -> String {
        match &self.ledger {
            Some(l) => format!("in {}", l.path().display()),
            None => "(none: the embedded cloud ends with the run)".into(),
        }
    }

    /// Writes a ledger event; a failure to write becomes a note, not a failed case.
    pub fn ledger(&self, event: &crate::ledger::Event) {
        if let Some(ledger) = &self.ledger {
            if let Err(e) = ledger.write(event) {
                self.note(e.to_string());
            }
        }
    }

    /// The variables every case sees: each identity's project and user ids, the target's
    /// facts, the run's id and resource prefix. Built on first use.
    pub fn shared_scope(&self) -> Arc<Scope> {
        self.shared
            .get_or_init(|| {
                let mut scope = Scope::new();
                for (role, identity) in &self.target.identities {
                    if *role == Role::None {
                        continue;
                    }
                    let ids = [
                        (IdentityId::ProjectId, &identity.project_id),
                        (IdentityId::UserId, &identity.user_id),
                    ];
                    for (id, value) in ids {
                        if let Some(v) = value {
                            scope.set(builtins::identity(*role, id), Value::String(v.clone()));
                        }
                    }
                }
                for (k, v) in &self.target.facts {
                    scope.set(format!("{}{k}", builtins::FACT), Value::String(v.clone()));
                }
                scope.set(builtins::RUN_ID, Value::String(self.run_id.clone()));
                scope.set(builtins::RUN_PREFIX, Value::String(self.resource_prefix()));
                Arc::new(scope)
            })
            .clone()
    }

    pub fn resource_prefix(&self) -> String {
        format!("stackconform-{}-", self.run_id)
    }
}
