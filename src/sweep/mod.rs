//! Removing what earlier runs left on a target: from their ledgers, or by name prefix.
mod by_prefix;
pub(crate) mod call;
mod from_ledger;

pub use by_prefix::sweep_by_prefix;
pub use from_ledger::sweep_ledger;

/// Why a sweep step could not be done.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Endpoint(#[from] crate::target::EndpointError),
    #[error("{method} {url}: {source}")]
    Transport {
        method: &'static str,
        url: String,
        #[source]
        source: crate::http::TransportError,
    },
    /// A fixture's `sweep:` listing that cannot be sent.
    #[error("{what}: {problem}")]
    Listing { what: String, problem: String },
    #[error(transparent)]
    Ledger(#[from] crate::ledger::LedgerError),
    /// A removal's recorded body check that is not a matcher (an edited or foreign ledger).
    #[error("{what}: {error}")]
    BadCheck {
        what: String,
        #[source]
        error: crate::check::MatcherError,
    },
}

/// What a sweep did or, with `--dry-run`, would do.
#[derive(Debug, Default)]
pub struct Outcome {
    pub removed: Vec<String>,
    pub would_remove: Vec<String>,
    /// What was left alone and why (another project, a missing identity).
    pub skipped: Vec<String>,
    pub failed: Vec<String>,
}

impl Outcome {
    /// Adds what another part of the sweep did.
    pub fn absorb(&mut self, other: Outcome) {
        self.removed.extend(other.removed);
        self.would_remove.extend(other.would_remove);
        self.skipped.extend(other.skipped);
        self.failed.extend(other.failed);
    }
}
