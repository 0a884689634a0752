//! Why a run stops starting cases: the first SIGINT or SIGTERM, or its own output failing
//! (a closed pipe, a full disk). Either way the cases already running finish and tear down,
//! the reports are written, and the run exits as interrupted.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

#[derive(Debug, Default)]
pub struct Stop {
    requested: AtomicBool,
    reason: OnceLock<String>,
}

impl Stop {
    /// Asks the run to stop; the first reason given is the one reported. Returns whether
    /// this call was the first.
    pub fn request(&self, reason: impl Into<String>) -> bool {
        let first = self.reason.set(reason.into()).is_ok();
        self.requested.store(true, Ordering::SeqCst);
        first
    }

    pub fn requested(&self) -> bool {
        self.requested.load(Ordering::SeqCst)
    }

    /// What stopped the run, once something did.
    pub fn reason(&self) -> Option<&str> {
        self.reason.get().map(String::as_str)
    }
}
