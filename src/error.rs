//! The user-facing error type and its documented exit codes.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | every case passed (or was skipped with a reason) |
//! | 2    | usage, configuration or case-file error: nothing was run |
//! | 101  | at least one case failed (libtest's convention) |
use std::path::PathBuf;

use crate::case::LoadErrors;

/// Exit code when a case failed; libtest uses the same.
pub const EXIT_FAILED: i32 = 101;
/// Exit code for usage, configuration and case-file errors.
pub const EXIT_USAGE: i32 = 2;

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
    #[error("target: {0}")]
    Target(String),
}

impl Error {
    /// Every variant is something the user must fix before a run can start.
    pub fn exit_code(&self) -> i32 {
        EXIT_USAGE
    }
}
