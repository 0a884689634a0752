//! The reference cloud: Keystone v3, and the Neutron and Nova calls of the stackconform
//! catalogue, behaving as the real services do (docs/CONTRACT.md), in process on a
//! loopback port. The harness runs its catalogue against it by default; any test can embed
//! it the same way and talk to it with any OpenStack client.
//!
//! ```no_run
//! # async fn demo() -> Result<(), refcloud::CloudError> {
//! let cloud = refcloud::start(refcloud::CloudConfig::default()).await?;
//! // Keystone's URL, and a clouds.yaml with one password cloud per seeded identity.
//! let auth_url = cloud.auth_url();
//! let clouds_yaml = cloud.clouds_yaml();
//! let token = cloud.token_for(refcloud::Role::Owner);
//! # let _ = (auth_url, clouds_yaml, token);
//! cloud.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The public API: [`start`] and [`serve_until`] with a [`CloudConfig`] (delays, the owner
//! key of an older Neutron, a deliberate [`Mutant`], seeded [`FaultPlan`]s, default quotas as
//! [`QuotaOverrides`]); the
//! [`RunningCloud`] they give (URLs, [`SeededIdentity`]s, facts, an [`Inventory`] of what
//! exists, the [`JournalEntry`] log of requests, the faults injected).

mod app;
mod auth;
mod behaviour;
mod clock;
mod clouds_yaml;
mod config;
mod error;
mod glance;
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
mod profile;
mod quota;
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
pub use profile::{classify, Figure, Op, Profile, Timings};
pub use quota::{QuotaOverrides, QuotaSpecError};
pub use server::{serve_until, start, RunningCloud};
