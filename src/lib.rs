//! stackconform: a conformance harness for OpenStack APIs.
pub mod cloud;
