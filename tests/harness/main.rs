//! The harness's integration tests, one binary: each module runs the `stackconform` binary
//! (or its library) as a user would, against the embedded cloud, `stackconform serve`, or
//! test doubles. Tests are named after the behaviour or the bug they pin.
mod hostile_common;
mod support;

mod case_loader;
mod case_schema;
mod cases_as_data;
mod cli;
mod coverage;
mod everyday;
mod faults;
mod hostile;
mod mutants;
mod quotas;
mod redaction;
mod reports;
mod safety;
mod serve;
mod sharing;
mod trust;
