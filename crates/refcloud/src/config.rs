//! Knobs of the reference cloud.

use std::net::SocketAddr;
use std::time::Duration;

use crate::injection::FaultPlan;
use crate::mutants::Mutant;
use crate::profile::{Profile, Timings};
use crate::quota::QuotaOverrides;

/// Which owner key Neutron puts in router interface info bodies (docs/CONTRACT.md §2.2): up to stable/2025.2
/// `tenant_id` only, from stable/2026.1 (Neutron 29) `project_id` only. Never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OwnerKey {
    #[default]
    ProjectId,
    TenantId,
}

impl OwnerKey {
    pub fn key(self) -> &'static str {
        match self {
            OwnerKey::ProjectId => "project_id",
            OwnerKey::TenantId => "tenant_id",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CloudConfig {
    pub listen: SocketAddr,
    /// How long each request takes to answer, and the delays below (`Profile::timings`).
    pub profile: Profile,
    /// BUILD -> ACTIVE.
    pub server_build_delay: Duration,
    /// The 202 of a boot -> its instance created in its cell and the quota rechecked
    /// (`nova/servers.rs` `schedule_build`); until then the quota does not count it.
    pub server_schedule_delay: Duration,
    /// 204 of a server DELETE -> the server gone (404); until then `task_state` is
    /// `deleting`. Zero deletes at once.
    pub server_delete_delay: Duration,
    /// 202 of a Nova detach -> port unbound or deleted (docs/CONTRACT.md §4.2).
    pub detach_delay: Duration,
    /// suspend/resume/pause/... -> the new vm_state.
    pub action_delay: Duration,
    /// add_router_interface -> the interface port's status ACTIVE (Tempest waits for it).
    pub router_port_up_delay: Duration,
    pub token_ttl: Duration,
    pub owner_key: OwnerKey,
    /// oslo.middleware sizelimit `max_request_body_size`, enforced for Nova before auth.
    pub max_request_body: usize,
    /// Deterministic ids and passwords when set.
    pub seed: Option<u64>,
    /// One deliberate contract deviation (`stackconform mutants`); `None` is the contract itself.
    pub mutant: Option<Mutant>,
    /// Faults injected into requests (503s, latency, dropped connections, truncated bodies).
    pub faults: Option<FaultPlan>,
    /// Default quota limits other than Neutron's and Nova's own, for every project.
    pub quotas: QuotaOverrides,
}

impl Default for CloudConfig {
    fn default() -> Self {
        CloudConfig::profiled(Profile::Loopback)
    }
}

impl CloudConfig {
    /// The defaults, with the answer times and delays of `profile`.
    pub fn profiled(profile: Profile) -> Self {
        let t: Timings = profile.timings();
        CloudConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            profile,
            server_build_delay: t.server_build.time,
            server_schedule_delay: t.server_schedule.time,
            server_delete_delay: t.server_delete.time,
            detach_delay: t.detach.time,
            action_delay: t.action.time,
            router_port_up_delay: t.router_port_up.time,
            token_ttl: Duration::from_secs(3600),
            owner_key: OwnerKey::ProjectId,
            max_request_body: 114_688,
            seed: None,
            mutant: None,
            faults: None,
            quotas: QuotaOverrides::default(),
        }
    }
}
