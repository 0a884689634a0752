//! Quotas as Neutron 29 and Nova 34 enforce and report them (docs/CONTRACT.md §9): their
//! default limits, a run's overrides (`router=3,instances=2`), and the per-project limits
//! an admin sets through either service's quota API. Each service's API and checks are
//! in `neutron/quotas.rs` and `nova/quotas.rs`; this is what they share.

use std::collections::BTreeMap;
use std::str::FromStr;

use crate::state::State;

/// Neutron's defaults, in the order its quota API lists them [obs].
pub const NEUTRON_DEFAULTS: &[(&str, i64)] = &[
    ("network", 100),
    ("subnet", 100),
    ("subnetpool", -1),
    ("port", 500),
    ("router_route", 30),
    ("router", 10),
    ("floatingip", 50),
    ("rbac_policy", 10),
    ("security_group", 10),
    ("security_group_rule", 100),
];

/// Nova's defaults (the DB driver's), alphabetical as its quota API lists them [obs]; which
/// of them a response shows depends on the microversion (`nova/quotas.rs`).
pub const NOVA_DEFAULTS: &[(&str, i64)] = &[
    ("cores", 20),
    ("fixed_ips", -1),
    ("floating_ips", -1),
    ("injected_file_content_bytes", 10240),
    ("injected_file_path_bytes", 255),
    ("injected_files", 5),
    ("instances", 10),
    ("key_pairs", 100),
    ("metadata_items", 128),
    ("ram", 51200),
    ("security_group_rules", -1),
    ("security_groups", -1),
    ("server_group_members", 10),
    ("server_groups", 10),
];

/// Default limits a run replaces for every project: `router=3,instances=2`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuotaOverrides(BTreeMap<String, i64>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaSpecError {
    #[error("`{0}` is not `resource=limit`")]
    NotAPair(String),
    #[error("`{0}` is no Neutron or Nova quota (known: {known})", known = known())]
    UnknownResource(String),
    #[error("the limit of `{0}` must be an integer of at least -1 (unlimited), not `{1}`")]
    BadLimit(String, String),
}

fn known() -> String {
    let names: Vec<&str> = NEUTRON_DEFAULTS
        .iter()
        .chain(NOVA_DEFAULTS)
        .map(|(n, _)| *n)
        .collect();
    names.join(", ")
}

fn default_of(resource: &str) -> Option<i64> {
    NEUTRON_DEFAULTS
        .iter()
        .chain(NOVA_DEFAULTS)
        .find(|(n, _)| *n == resource)
        .map(|(_, l)| *l)
}

impl FromStr for QuotaOverrides {
    type Err = QuotaSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut limits = BTreeMap::new();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| QuotaSpecError::NotAPair(pair.to_string()))?;
            let name = name.trim();
            if default_of(name).is_none() {
                return Err(QuotaSpecError::UnknownResource(name.to_string()));
            }
            let limit = value
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|l| *l >= -1)
                .ok_or_else(|| QuotaSpecError::BadLimit(name.to_string(), value.to_string()))?;
            limits.insert(name.to_string(), limit);
        }
        Ok(QuotaOverrides(limits))
    }
}

impl QuotaOverrides {
    /// The limit a project has when no admin set one for it.
    pub fn default_limit(&self, resource: &str) -> i64 {
        self.0
            .get(resource)
            .copied()
            .or_else(|| default_of(resource))
            .unwrap_or(-1)
    }
}

/// A project's limit of one resource: what an admin set, else the run's default.
pub fn limit(overrides: &QuotaOverrides, state: &State, project: &str, resource: &str) -> i64 {
    state
        .quota_limits
        .get(&(project.to_string(), resource.to_string()))
        .copied()
        .unwrap_or_else(|| overrides.default_limit(resource))
}

/// Whether an admin set any of `table`'s limits for `project`.
pub fn has_own_limits(state: &State, project: &str, table: &[(&str, i64)]) -> bool {
    state
        .quota_limits
        .keys()
        .any(|(p, r)| p == project && table.iter().any(|(n, _)| n == r))
}

/// Back to the defaults: forgets what an admin set of `table`'s limits for `project`.
pub fn forget_limits(state: &mut State, project: &str, table: &[(&str, i64)]) {
    state
        .quota_limits
        .retain(|(p, r), _| p != project || !table.iter().any(|(n, _)| n == r));
}

/// Whether `used + wanted` exceeds `limit` (-1 is unlimited).
pub fn exceeds(limit: i64, used: i64, wanted: i64) -> bool {
    limit >= 0 && used + wanted > limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_overrides_defaults_and_names_what_is_wrong() {
        let q: QuotaOverrides = "router=3, instances=2".parse().unwrap();
        assert_eq!(q.default_limit("router"), 3);
        assert_eq!(q.default_limit("instances"), 2);
        assert_eq!(q.default_limit("network"), 100);
        assert_eq!(q.default_limit("subnetpool"), -1);
        assert!(matches!(
            "routers=3".parse::<QuotaOverrides>(),
            Err(QuotaSpecError::UnknownResource(n)) if n == "routers"
        ));
        assert!(matches!(
            "router=-2".parse::<QuotaOverrides>(),
            Err(QuotaSpecError::BadLimit(..))
        ));
        assert!(matches!(
            "router".parse::<QuotaOverrides>(),
            Err(QuotaSpecError::NotAPair(_))
        ));
    }

    #[test]
    fn minus_one_is_unlimited() {
        assert!(!exceeds(-1, 1_000, 1));
        assert!(!exceeds(10, 9, 1));
        assert!(exceeds(10, 10, 1));
        assert!(exceeds(3, 2, 2));
    }
}
