//! Neutron v2.0 at `/networking`.

mod dispatch;
mod errors;
mod floatingips;
mod interfaces;
mod networks;
pub(crate) mod policy;
pub(crate) mod ports;
mod request;
mod routers;
mod subnets;
mod views;

pub use dispatch::handle;
