//! Nova v2.1 at `/compute`.

mod actions;
mod call;
mod dispatch;
mod faults;
mod images;
mod instance_actions;
mod interfaces;
mod keypairs;
pub mod microversion;
mod ports;
mod quotas;
mod servers;
mod views;

pub use dispatch::{handle, too_large};
