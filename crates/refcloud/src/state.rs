//! The whole mutable state of the cloud. One mutex guards all of it (see `App::lock`): requests are short and
//! in-memory, and a single lock makes every request see one consistent state with no lost updates.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::time::SystemTime;

use crate::ipam::Cidr;

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub name: String,
    pub password: String,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct RoleRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub id: String,
    pub user_id: String,
    pub project_id: Option<String>,
    pub roles: Vec<String>,
    pub methods: Vec<String>,
    pub issued_at: SystemTime,
    pub expires_at: SystemTime,
    pub audit_id: String,
    pub app_cred: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AppCredential {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub user_id: String,
    pub project_id: String,
    pub secret: String,
    pub roles: Vec<String>,
    pub unrestricted: bool,
    pub expires_at: Option<SystemTime>,
}

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub service_type: &'static str,
    pub service_name: &'static str,
    pub service_id: String,
    pub url: String,
    pub endpoint_ids: [String; 2],
}

#[derive(Debug, Clone)]
pub struct Network {
    pub id: String,
    pub name: String,
    pub description: String,
    pub project_id: String,
    pub admin_state_up: bool,
    pub shared: bool,
    pub external: bool,
    pub mtu: u32,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub revision: u64,
}

#[derive(Debug, Clone)]
pub struct Subnet {
    pub id: String,
    pub name: String,
    pub description: String,
    pub network_id: String,
    pub project_id: String,
    pub cidr: Cidr,
    pub gateway_ip: Option<IpAddr>,
    pub pools: Vec<(IpAddr, IpAddr)>,
    pub enable_dhcp: bool,
    pub dns_nameservers: Vec<String>,
    /// (destination, nexthop), as given.
    pub host_routes: Vec<(String, String)>,
    pub ipv6_ra_mode: Option<String>,
    pub ipv6_address_mode: Option<String>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub revision: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedIp {
    pub subnet_id: String,
    pub ip: IpAddr,
}

pub const OWNER_ROUTER_INTERFACE: &str = "network:router_interface";
pub const OWNER_ROUTER_GATEWAY: &str = "network:router_gateway";
pub const OWNER_FLOATINGIP: &str = "network:floatingip";
pub const OWNER_COMPUTE: &str = "compute:nova";
pub const COMPUTE_HOST: &str = "reference-compute";

#[derive(Debug, Clone)]
pub struct Port {
    pub id: String,
    pub name: String,
    pub description: String,
    pub network_id: String,
    pub project_id: String,
    pub mac_address: String,
    pub fixed_ips: Vec<FixedIp>,
    pub device_id: String,
    pub device_owner: String,
    pub admin_state_up: bool,
    pub security_groups: Vec<String>,
    pub host_id: String,
    /// Nova made this port (boot on a network, attach by net_id), so a detach deletes it instead of
    /// unbinding it (Nova's `preserve_on_delete` is false for these).
    pub created_by_nova: bool,
    /// Nova's device tag of the interface (VirtualInterface.tag), shown from microversion 2.70.
    pub nova_tag: Option<String>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub revision: u64,
    /// When a router interface port comes up, as the L3 agent (ML2/OVS) or OVN brings it
    /// up a moment after the interface is added.
    pub up_at: Option<SystemTime>,
}

impl Port {
    /// Ports Nova has bound to a host are up; a router interface port comes up
    /// `CloudConfig::router_port_up_delay` after the interface is added; others stay down.
    pub fn status(&self) -> &'static str {
        let up = (self.device_owner.starts_with("compute:") && !self.host_id.is_empty())
            || (self.is_router_interface() && self.up_at.is_some_and(|t| t <= SystemTime::now()));
        if up {
            "ACTIVE"
        } else {
            "DOWN"
        }
    }

    pub fn is_router_interface(&self) -> bool {
        self.device_owner == OWNER_ROUTER_INTERFACE
    }
}

#[derive(Debug, Clone)]
pub struct Gateway {
    pub network_id: String,
    pub enable_snat: bool,
    pub port_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub destination: String,
    pub nexthop: IpAddr,
}

#[derive(Debug, Clone)]
pub struct Router {
    pub id: String,
    pub name: String,
    pub description: String,
    pub project_id: String,
    pub admin_state_up: bool,
    pub gateway: Option<Gateway>,
    pub routes: Vec<Route>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub revision: u64,
}

#[derive(Debug, Clone)]
pub struct FloatingIp {
    pub id: String,
    pub project_id: String,
    pub description: String,
    pub floating_network_id: String,
    pub floating_ip: IpAddr,
    pub floating_port_id: String,
    pub port_id: Option<String>,
    pub fixed_ip: Option<IpAddr>,
    pub router_id: Option<String>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub revision: u64,
}

#[derive(Debug, Clone)]
pub struct Image {
    pub id: String,
    pub name: String,
    /// `active`: the reference cloud holds no image data, only what the APIs show.
    pub status: &'static str,
    pub visibility: &'static str,
    pub disk_format: &'static str,
    pub container_format: &'static str,
    pub size: u64,
    pub virtual_size: Option<u64>,
    /// MD5 and SHA-512 of the image file, as Glance shows them.
    pub checksum: String,
    pub os_hash_value: String,
    pub min_ram: u32,
    pub min_disk: u32,
    pub owner: String,
    pub tags: Vec<String>,
    /// Extra properties (`hw_*`, `os_*`...): shown first, as Glance shows them.
    pub properties: Vec<(String, String)>,
    pub created_at: SystemTime,
}

#[derive(Debug, Clone)]
pub struct Flavor {
    pub id: String,
    pub name: String,
    pub vcpus: u32,
    pub ram: u32,
    pub disk: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmState {
    Building,
    Active,
    Suspended,
    Paused,
    Stopped,
    ShelvedOffloaded,
    /// A boot the conductor refused after the API had accepted it (the quota recheck).
    Error,
}

impl VmState {
    pub fn as_str(self) -> &'static str {
        match self {
            VmState::Building => "building",
            VmState::Active => "active",
            VmState::Suspended => "suspended",
            VmState::Paused => "paused",
            VmState::Stopped => "stopped",
            VmState::ShelvedOffloaded => "shelved_offloaded",
            VmState::Error => "error",
        }
    }

    /// Nova's `status` as derived from vm_state (nova/api/openstack/common.py `_STATE_MAP`).
    pub fn status(self) -> &'static str {
        match self {
            VmState::Building => "BUILD",
            VmState::Active => "ACTIVE",
            VmState::Suspended => "SUSPENDED",
            VmState::Paused => "PAUSED",
            VmState::Stopped => "SHUTOFF",
            VmState::ShelvedOffloaded => "SHELVED_OFFLOADED",
            VmState::Error => "ERROR",
        }
    }

    pub fn power_state(self) -> u8 {
        match self {
            VmState::Building | VmState::Stopped | VmState::ShelvedOffloaded | VmState::Error => 0,
            VmState::Active => 1,
            VmState::Paused => 3,
            VmState::Suspended => 7,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Server {
    pub id: String,
    pub name: String,
    pub project_id: String,
    pub user_id: String,
    pub image_id: String,
    pub flavor_id: String,
    pub vm_state: VmState,
    pub task_state: Option<&'static str>,
    pub locked: bool,
    pub locked_reason: Option<String>,
    pub description: Option<String>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub launched_at: Option<SystemTime>,
    /// The key pair named at boot (`key_name`).
    pub key_name: Option<String>,
    /// Bumped by every state transition so that a stale delayed task can tell it has been overtaken.
    pub generation: u64,
    /// Whether the conductor has created the instance in its cell. Until then it is a build
    /// request, which Nova's quota counting does not see (docs/CONTRACT.md §9.2).
    pub in_cell: bool,
    /// The instance fault `GET /servers/{id}` shows (an ERROR server's reason).
    pub fault: Option<ServerFault>,
}

/// `instance_faults` as the API shows it: code, message, when.
#[derive(Debug, Clone)]
pub struct ServerFault {
    pub code: u16,
    pub message: String,
    pub created: SystemTime,
}

/// A Nova key pair; names are unique per user.
#[derive(Debug, Clone)]
pub struct Keypair {
    /// Nova's database id, shown from `GET /os-keypairs/{name}`.
    pub id: i64,
    pub user_id: String,
    pub name: String,
    /// `ssh` or `x509`.
    pub kind: String,
    pub public_key: String,
    pub fingerprint: String,
    pub created_at: SystemTime,
}

#[derive(Debug, Clone)]
pub struct ActionEvent {
    pub event: String,
    pub start_time: SystemTime,
    pub finish_time: Option<SystemTime>,
    pub result: Option<&'static str>,
    /// Admin-only failure detail (microversion 2.84), e.g. "Port <id> is not attached".
    pub details: Option<String>,
}

#[derive(Debug, Clone)]
pub struct InstanceAction {
    pub instance_uuid: String,
    pub request_id: String,
    pub action: String,
    pub project_id: String,
    pub user_id: String,
    pub start_time: SystemTime,
    pub updated_at: SystemTime,
    pub message: Option<String>,
    pub events: Vec<ActionEvent>,
}

/// An `access_as_shared` RBAC policy: the network `object_id` is shared with the project
/// `target_tenant` (or every project, `*`).
#[derive(Debug, Clone)]
pub struct RbacPolicy {
    pub id: String,
    pub project_id: String,
    pub object_id: String,
    pub target_tenant: String,
}

#[derive(Debug, Default)]
pub struct State {
    pub users: Vec<User>,
    pub projects: Vec<Project>,
    pub roles: Vec<RoleRef>,
    /// (user_id, project_id) -> role names.
    pub assignments: BTreeMap<(String, String), Vec<String>>,
    pub endpoints: Vec<Endpoint>,
    pub tokens: HashMap<String, Token>,
    pub app_creds: Vec<AppCredential>,
    pub networks: Vec<Network>,
    pub subnets: Vec<Subnet>,
    pub ports: Vec<Port>,
    pub routers: Vec<Router>,
    pub floating_ips: Vec<FloatingIp>,
    pub rbac_policies: Vec<RbacPolicy>,
    /// Limits an admin set through a quota API: (project, resource) -> limit.
    pub quota_limits: BTreeMap<(String, String), i64>,
    pub images: Vec<Image>,
    pub flavors: Vec<Flavor>,
    pub servers: Vec<Server>,
    pub keypairs: Vec<Keypair>,
    pub actions: Vec<InstanceAction>,
    /// project_id -> id of its `default` security group, made on first use as Neutron does.
    pub default_security_groups: BTreeMap<String, String>,
}

impl State {
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    pub fn role_id(&self, name: &str) -> String {
        self.roles
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.id.clone())
            .unwrap_or_default()
    }

    /// Whether an RBAC policy shares the network with `project` (by name, or with `*`).
    pub fn shared_by_rbac(&self, network_id: &str, project: &str) -> bool {
        self.rbac_policies.iter().any(|p| {
            p.object_id == network_id && (p.target_tenant == project || p.target_tenant == "*")
        })
    }

    pub fn network(&self, id: &str) -> Option<&Network> {
        self.networks.iter().find(|n| n.id == id)
    }

    pub fn subnet(&self, id: &str) -> Option<&Subnet> {
        self.subnets.iter().find(|s| s.id == id)
    }

    pub fn port(&self, id: &str) -> Option<&Port> {
        self.ports.iter().find(|p| p.id == id)
    }

    pub fn port_mut(&mut self, id: &str) -> Option<&mut Port> {
        self.ports.iter_mut().find(|p| p.id == id)
    }

    pub fn router(&self, id: &str) -> Option<&Router> {
        self.routers.iter().find(|r| r.id == id)
    }

    pub fn router_mut(&mut self, id: &str) -> Option<&mut Router> {
        self.routers.iter_mut().find(|r| r.id == id)
    }

    pub fn server(&self, id: &str) -> Option<&Server> {
        self.servers.iter().find(|s| s.id == id)
    }

    pub fn server_mut(&mut self, id: &str) -> Option<&mut Server> {
        self.servers.iter_mut().find(|s| s.id == id)
    }

    pub fn remove_port(&mut self, id: &str) -> Option<Port> {
        let index = self.ports.iter().position(|p| p.id == id)?;
        Some(self.ports.remove(index))
    }

    pub fn subnets_of<'a>(&'a self, network_id: &'a str) -> impl Iterator<Item = &'a Subnet> + 'a {
        self.subnets
            .iter()
            .filter(move |s| s.network_id == network_id)
    }

    pub fn used_ips(&self, subnet_id: &str) -> std::collections::HashSet<IpAddr> {
        self.ports
            .iter()
            .flat_map(|p| p.fixed_ips.iter())
            .filter(|f| f.subnet_id == subnet_id)
            .map(|f| f.ip)
            .collect()
    }

    pub fn ip_in_use(&self, subnet_id: &str, ip: IpAddr) -> bool {
        self.ports.iter().any(|p| {
            p.fixed_ips
                .iter()
                .any(|f| f.subnet_id == subnet_id && f.ip == ip)
        })
    }

    pub fn mac_in_use(&self, mac: &str) -> bool {
        self.ports.iter().any(|p| p.mac_address == mac)
    }

    /// Ports whose device is this router (interfaces and the gateway port).
    pub fn router_ports(&self, router_id: &str) -> impl Iterator<Item = &Port> {
        let router_id = router_id.to_string();
        self.ports.iter().filter(move |p| {
            p.device_id == router_id
                && (p.device_owner == OWNER_ROUTER_INTERFACE
                    || p.device_owner == OWNER_ROUTER_GATEWAY)
        })
    }

    /// Drops expired tokens so that a long-running cloud does not grow without bound.
    pub fn purge_expired_tokens(&mut self, now: SystemTime) {
        self.tokens.retain(|_, t| t.expires_at > now);
    }
}
