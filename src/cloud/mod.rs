//! The reference cloud: Keystone v3, Neutron and Nova as the contract describes them, in process.

mod app;
mod auth;
mod behaviour;
mod clock;
mod clouds_yaml;
mod config;
mod error;
mod http;
mod identities;
mod ids;
mod injection;
mod inventory;
mod ipam;
mod journal;
mod keystone;
mod mutants;
mod neutron;
mod nova;
mod seed;
mod server;
mod state;

pub use behaviour::{Behaviour, Service};
pub use config::{CloudConfig, OwnerKey};
pub use error::CloudError;
pub use identities::{Role, SeededIdentity};
pub use injection::{FaultKind, FaultPlan, FaultSpecError, InjectedFault};
pub use inventory::{Inventory, InventoryItem};
pub use journal::JournalEntry;
pub use mutants::{Mutant, UnknownMutant};
pub use nova::microversion::MAX as NOVA_MAX_MICROVERSION;
pub use server::{serve_until, start, RunningCloud};
