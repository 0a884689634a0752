//! Latency profiles: how long the reference cloud takes to answer a request and to finish
//! the work it does after answering (a boot, a delete, a detach). `loopback` answers at
//! once and finishes in milliseconds, for the emulator author's fast gate; `realistic`
//! takes what a production deployment takes, each figure with where it was measured
//! (`stackconform profile realistic` prints them), so that a run against it shows what a
//! catalogue run costs on a real cloud and where the harness waits longer than it must.
use std::time::Duration;

use serde::Serialize;

use crate::behaviour::Service;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    #[default]
    Loopback,
    Realistic,
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "loopback" => Ok(Profile::Loopback),
            "realistic" => Ok(Profile::Realistic),
            other => Err(format!(
                "unknown profile {other:?}: the profiles are loopback and realistic"
            )),
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Profile::Loopback => "loopback",
            Profile::Realistic => "realistic",
        })
    }
}

/// What a request is, as far as its cost goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    KeystoneToken,
    KeystoneOther,
    NovaBoot,
    NovaDelete,
    NovaRead,
    NovaWrite,
    NeutronCreateNetwork,
    NeutronCreateSubnet,
    NeutronCreatePort,
    NeutronCreateRouter,
    NeutronCreateOther,
    NeutronAddInterface,
    NeutronRemoveInterface,
    NeutronUpdate,
    NeutronDelete,
    NeutronList,
    NeutronShow,
}

/// One figure of a profile and where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub what: &'static str,
    #[serde(serialize_with = "millis")]
    pub time: Duration,
    pub source: &'static str,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// A profile's figures: the answer time of each kind of request, and how long the work
/// after the answer takes.
#[derive(Debug, Clone, Serialize)]
pub struct Timings {
    pub profile: String,
    /// Request kind to answer time.
    pub requests: Vec<(Op, Figure)>,
    /// POST /servers answered -> ACTIVE.
    pub server_build: Figure,
    /// POST /servers answered -> the instance in its cell, the quota rechecked.
    pub server_schedule: Figure,
    /// DELETE /servers/{id} answered -> 404.
    pub server_delete: Figure,
    /// DELETE os-interface answered -> the port unbound or deleted.
    pub detach: Figure,
    /// suspend/pause/... answered -> the new vm_state.
    pub action: Figure,
    /// add_router_interface answered -> the interface port ACTIVE.
    pub router_port_up: Figure,
}

const PD_BASIC: &str = "OpenStack performance-docs, neutron_control_plane/reports/basic_neutron.html (Rally, Mitaka), median";
const PD_1000: &str = "OpenStack performance-docs, controlplane_performance/1000_nodes (Rally Authenticate.keystone, Fernet + memcache), 50%ile 0.071 s";
const LOGHUB: &str =
    "Loghub OpenStack/OpenStack_2k.log (nova-api request log, CloudLab 2017), median";
const ESTIMATE: &str = "estimate: no published measurement";

fn fig(what: &'static str, ms: u64, source: &'static str) -> Figure {
    Figure {
        what,
        time: Duration::from_millis(ms),
        source,
    }
}

impl Profile {
    pub fn timings(self) -> Timings {
        match self {
            Profile::Loopback => {
                let zero = |what| fig(what, 0, "loopback: answered at once");
                Timings {
                    profile: self.to_string(),
                    requests: Vec::new(),
                    server_build: fig("boot to ACTIVE", 30, "loopback"),
                    server_schedule: zero("boot to the instance in its cell (quota recheck)"),
                    server_delete: zero("delete to gone"),
                    detach: fig("detach to unbound", 100, "loopback"),
                    action: fig("action to new state", 20, "loopback"),
                    router_port_up: fig("interface port to ACTIVE", 200, "loopback"),
                }
            }
            Profile::Realistic => Timings {
                profile: self.to_string(),
                requests: vec![
                    (Op::KeystoneToken, fig("POST /v3/auth/tokens", 75, PD_1000)),
                    (Op::KeystoneOther, fig("other Keystone requests", 20, ESTIMATE)),
                    (Op::NovaBoot, fig("POST /servers (the 202)", 500, LOGHUB)),
                    (Op::NovaDelete, fig("DELETE /servers/{id} (the 204)", 260, LOGHUB)),
                    (Op::NovaRead, fig("GET /servers/{id} and other Nova reads", 190, LOGHUB)),
                    (
                        Op::NovaWrite,
                        fig("other Nova writes (detach 202, lock, actions, attach)", 300, "estimate from Neutron update_port 0.287 s (performance-docs basic_neutron) and Nova DELETE 0.26 s (Loghub)"),
                    ),
                    (Op::NeutronCreateNetwork, fig("POST /v2.0/networks", 300, PD_BASIC)),
                    (Op::NeutronCreateSubnet, fig("POST /v2.0/subnets", 500, PD_BASIC)),
                    (Op::NeutronCreatePort, fig("POST /v2.0/ports", 450, "OpenStack performance-docs, openstack_load and basic_neutron (0.370 s, 0.558 s), median")),
                    (Op::NeutronCreateRouter, fig("POST /v2.0/routers", 120, PD_BASIC)),
                    (Op::NeutronCreateOther, fig("other Neutron creates", 300, "as create network")),
                    (Op::NeutronAddInterface, fig("PUT add_router_interface", 900, PD_BASIC)),
                    (Op::NeutronRemoveInterface, fig("PUT remove_router_interface", 1100, PD_BASIC)),
                    (Op::NeutronUpdate, fig("other Neutron PUTs", 290, PD_BASIC)),
                    (Op::NeutronDelete, fig("Neutron DELETEs (network 0.30, subnet 0.41, port 0.34, router 0.34 s)", 340, PD_BASIC)),
                    (Op::NeutronList, fig("Neutron GET of a collection", 150, PD_BASIC)),
                    (Op::NeutronShow, fig("Neutron GET of one resource", 75, ESTIMATE)),
                ],
                server_build: fig("boot to ACTIVE (cirros, m1.tiny)", 8000, "OpenStack performance-docs basic_neutron, NovaServers.boot_and_delete_server nova.boot_server median 7.26 s"),
                server_schedule: fig("boot to the instance in its cell (quota recheck)", 1000, "estimate: the conductor's cast, the scheduler's select_destinations and the instance create, before the compute host's spawn"),
                server_delete: fig("delete to gone", 1500, "Loghub: DELETE to 'deallocate network' done, median 1.54 s"),
                detach: fig("detach to unbound", 2000, "estimate: Nova casts the detach; Neutron update_port 0.29 s + deallocate 0.47 s + the guest's device-removed event"),
                action: fig("suspend/pause to the new state", 2500, "OpenStack performance-docs monitoring/lma rally_report_1, nova.suspend_server 2.64 s"),
                router_port_up: fig("interface port to ACTIVE", 3000, "estimate: L3 agent RPC plus one OVS agent polling cycle (polling_interval 2 s)"),
            },
        }
    }
}

impl Timings {
    /// How long the cloud takes to answer this request.
    pub fn answer_time(&self, service: Service, method: &str, path: &str) -> Duration {
        if self.requests.is_empty() {
            return Duration::ZERO;
        }
        classify(service, method, path).map_or(Duration::ZERO, |op| self.time_of(op))
    }

    /// The answer time of one kind of request (zero when the profile has none).
    pub fn time_of(&self, op: Op) -> Duration {
        self.requests
            .iter()
            .find(|(o, _)| *o == op)
            .map_or(Duration::ZERO, |(_, f)| f.time)
    }
}

/// The kind of a request, from its service, method and path (with the service's prefix).
pub fn classify(service: Service, method: &str, path: &str) -> Option<Op> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let last = segments.last().copied().unwrap_or("");
    match service {
        Service::Identity => Some(if method == "POST" && path.ends_with("/auth/tokens") {
            Op::KeystoneToken
        } else {
            Op::KeystoneOther
        }),
        Service::Compute => {
            // /compute/v2.1[/{project}]/servers[/{id}]
            let servers = segments.iter().position(|s| *s == "servers");
            let after = servers.map(|i| segments.len() - i - 1);
            Some(match (method, after) {
                ("GET", _) => Op::NovaRead,
                ("POST", Some(0)) => Op::NovaBoot,
                ("DELETE", Some(1)) => Op::NovaDelete,
                _ => Op::NovaWrite,
            })
        }
        Service::Network => {
            // [/networking]/v2.0/{collection}[/{id}[/{action}]]
            let version = segments.iter().position(|s| s.starts_with("v2"));
            let rest = version.map_or(&segments[..], |v| &segments[v + 1..]);
            Some(match method {
                "GET" if rest.len() <= 1 => Op::NeutronList,
                "GET" => Op::NeutronShow,
                "POST" => match last {
                    "networks" => Op::NeutronCreateNetwork,
                    "subnets" => Op::NeutronCreateSubnet,
                    "ports" => Op::NeutronCreatePort,
                    "routers" => Op::NeutronCreateRouter,
                    _ => Op::NeutronCreateOther,
                },
                "PUT" if last.starts_with("add_router_interface") => Op::NeutronAddInterface,
                "PUT" if last.starts_with("remove_router_interface") => Op::NeutronRemoveInterface,
                "DELETE" => Op::NeutronDelete,
                _ => Op::NeutronUpdate,
            })
        }
        // The image API is read-only here: a read, as Nova's.
        Service::Image => Some(Op::NovaRead),
        Service::Other => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_costed_by_what_they_do() {
        let t = Profile::Realistic.timings();
        let at = |s, m: &str, p| t.answer_time(s, m, p).as_millis();
        assert_eq!(
            at(Service::Identity, "POST", "/identity/v3/auth/tokens"),
            75
        );
        assert_eq!(at(Service::Compute, "POST", "/compute/v2.1/servers"), 500);
        let project = "/compute/v2.1/6f70656e737461636b20342065766572/servers/abc";
        assert_eq!(at(Service::Compute, "DELETE", project), 260);
        assert_eq!(
            at(
                Service::Compute,
                "DELETE",
                "/compute/v2.1/servers/a/os-interface/p"
            ),
            300
        );
        assert_eq!(
            at(Service::Compute, "POST", "/compute/v2.1/servers/a/action"),
            300
        );
        assert_eq!(
            at(
                Service::Network,
                "PUT",
                "/networking/v2.0/routers/r/add_router_interface"
            ),
            900
        );
        assert_eq!(
            at(
                Service::Network,
                "PUT",
                "/networking/v2.0/routers/r/remove_router_interface.json"
            ),
            1100
        );
        assert_eq!(
            at(Service::Network, "POST", "/networking/v2.0/routers"),
            120
        );
        assert_eq!(at(Service::Network, "GET", "/networking/v2.0/ports"), 150);
        assert_eq!(at(Service::Network, "GET", "/networking/v2.0/ports/p"), 75);
        assert_eq!(at(Service::Network, "GET", "/v2.0/ports/p"), 75);
        assert_eq!(at(Service::Network, "GET", "/v2.0/ports?device_id=r"), 150);
        assert_eq!(
            at(Service::Network, "DELETE", "/networking/v2.0/ports/p"),
            340
        );
        assert_eq!(at(Service::Other, "GET", "/"), 0);
        let loopback = Profile::Loopback.timings();
        assert_eq!(
            loopback.answer_time(Service::Compute, "POST", "/compute/v2.1/servers"),
            Duration::ZERO
        );
    }
}
