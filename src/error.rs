//! The user-facing error type and its documented exit codes (also in the README and in
//! `stackconform --help`).
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | every selected case passed (or was skipped with a reason, unless `--fail-on-skip`) |
//! | 2    | usage, configuration or case-file error: nothing was run |
//! | 3    | the target could not be used: log-in, its catalog or discovery failed after retries; nothing was run |
//! | 4    | the selection (filter, `--skip`, `--exact`, `--partition`) holds no case: nothing was checked |
//! | 101  | at least one case failed (libtest's convention); with `--fail-on-skip`, also a skip |
//! | 130  | the run was interrupted (SIGINT, SIGTERM, or its output was closed): cases not started count as failed |
use std::path::PathBuf;

use crate::case::LoadErrors;

/// Exit code when a case failed; libtest uses the same.
pub const EXIT_FAILED: i32 = 101;
/// Exit code for usage, configuration and case-file errors.
pub const EXIT_USAGE: i32 = 2;
/// Exit code when the target could not be logged in to or discovered.
pub const EXIT_TARGET: i32 = 3;
/// Exit code when the selection is empty (nextest uses 4 for "no tests run" too).
pub const EXIT_NO_CASES: i32 = 4;
/// 128 + SIGINT, as shells report an interrupted command.
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Load(#[from] LoadErrors),
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Log-in or discovery failed: what the target supports could not be found out, and
    /// guessing would turn into silent skips.
    #[error("target: {0}")]
    Target(String),
    /// The filters and the partition left no case to run.
    #[error("{0}")]
    NoCases(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Target(_) => EXIT_TARGET,
            Error::NoCases(_) => EXIT_NO_CASES,
            Error::Load(_) | Error::Config(_) | Error::Io { .. } => EXIT_USAGE,
        }
    }
}
