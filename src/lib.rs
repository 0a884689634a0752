//! stackconform: a conformance harness for OpenStack APIs.
//!
//! `case` reads the declarative catalogue, `runner` turns it into libtest trials,
//! `check` and `schema` judge responses, `target` and `auth` say what is talked to,
//! and the reference cloud is its own crate, `refcloud` (crates/refcloud).
pub mod auth;
pub mod case;
pub mod check;
pub mod cli;
pub mod commands;
pub mod coverage;
pub mod critical_path;
pub mod embedded;
pub mod error;
pub mod file_formats;
pub mod http;
pub mod ledger;
pub mod report;
pub mod runner;
pub mod schema;
pub mod selfcheck;
pub mod sweep;
pub mod target;
pub mod template;

/// Every binary that links the library (the command, the `catalogue` test target, the
/// benches) allocates the same way: mimalloc, about a fifth less CPU per case than
/// glibc's malloc (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
