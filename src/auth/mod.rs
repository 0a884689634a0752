//! Getting tokens and endpoints: Keystone v3 and catalog selection.
mod catalog;
mod keystone;

pub use catalog::{endpoint_root, Catalog};
pub use keystone::{authenticate, AuthError, AuthMethod, Token};
