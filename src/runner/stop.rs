//! Why a run stops starting cases: the first SIGINT or SIGTERM, its own output failing
//! (a closed pipe, a full disk), or with `--fail-fast` the first failed case. Either way the cases already running finish and tear down,
//! the reports are written, and the run exits as interrupted.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

#[derive(Debug, Default)]
pub struct Stop {
    requested: AtomicBool,
    reason: OnceLock<String>,
    /// Stopped by `--fail-fast`: a failure, not an interruption.
    after_failure: AtomicBool,
}

impl Stop {
    /// Asks the run to stop; the first reason given is the one reported. Returns whether
    /// this call was the first.
    pub fn request(&self, reason: impl Into<String>) -> bool {
        let first = self.reason.set(reason.into()).is_ok();
        self.requested.store(true, Ordering::SeqCst);
        first
    }

    /// `--fail-fast`: the first failed case stops the run from starting others. The run
    /// then exits as failed (101), not as interrupted.
    pub fn after_failure(&self, trial: &str) {
        if self.request(format!("--fail-fast after {trial} failed")) {
            self.after_failure.store(true, Ordering::SeqCst);
        }
    }

    /// Whether what stopped the run was `--fail-fast`.
    pub fn was_fail_fast(&self) -> bool {
        self.after_failure.load(Ordering::SeqCst)
    }

    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// What stopped the run, once something did.
    pub fn reason(&self) -> Option<&str> {
        self.reason.get().map(String::as_str)
    }
}
