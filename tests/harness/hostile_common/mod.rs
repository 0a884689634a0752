//! Helpers of `tests/harness/hostile.rs`: misbehaving servers, a one-case tree, a measured run.
pub mod child;
pub mod server;
pub mod tree;
