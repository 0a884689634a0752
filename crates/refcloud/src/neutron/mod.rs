//! Neutron v2.0 at `/networking`.

mod bulk;
mod dispatch;
mod errors;
pub(crate) mod floatingips;
mod interfaces;
mod networks;
pub(crate) mod policy;
pub(crate) mod ports;
mod quotas;
mod rbac;
mod request;
mod routers;
mod subnets;
pub(crate) mod views;

pub use dispatch::handle;
