//! `/v2.0/ports`, plus the port plumbing (address allocation, MACs) that routers, floating IPs and Nova use.

use std::net::IpAddr;
use std::time::SystemTime;

use axum::http::StatusCode;
use serde_json::Value;

use crate::app::App;
use crate::http::{python_str, Reply};
use crate::ipam;
use crate::neutron::errors::{
    bad_request, conflict, http_bad_request, invalid_input, ip_generation_failure, port_not_found,
    NResult, NeutronError,
};
use crate::neutron::policy::{port_visible, require_admin, require_write};
use crate::neutron::request::{
    check_attrs, list, no_content, one, opt_bool, opt_string, required_uuid, show, Call,
};
use crate::neutron::{floatingips, networks, views};
use crate::state::{
    FixedIp, Port, State, OWNER_FLOATINGIP, OWNER_ROUTER_GATEWAY, OWNER_ROUTER_INTERFACE,
};

const ATTRS: &[&str] = &[
    "name",
    "description",
    "network_id",
    "fixed_ips",
    "mac_address",
    "device_id",
    "device_owner",
    "admin_state_up",
    "security_groups",
    "port_security_enabled",
    "binding:host_id",
    "binding:vnic_type",
    "binding:profile",
    "allowed_address_pairs",
];

pub fn find<'s>(call: &Call, state: &'s State, id: &str) -> NResult<&'s Port> {
    state
        .port(id)
        .filter(|p| port_visible(&call.ctx, state, p) && call.ctx.can_read())
        .ok_or_else(|| port_not_found(id))
}

pub fn list_ports(call: &Call, state: &State) -> NResult<Reply> {
    call.require_reader("get_port")?;
    let items = state
        .ports
        .iter()
        .filter(|p| port_visible(&call.ctx, state, p))
        .map(|p| views::port(&call.ctx, p))
        .collect();
    Ok(list(call, "port", items))
}

pub fn show_port(call: &Call, state: &State, id: &str) -> NResult<Reply> {
    let p = find(call, state, id)?;
    Ok(show(call, "port", views::port(&call.ctx, p)))
}

pub fn unique_mac(app: &App, state: &State) -> String {
    loop {
        let mac = app.ids.mac();
        if !state.mac_in_use(&mac) {
            return mac;
        }
    }
}

/// Default allocation: one address from the first IPv4 subnet with room and one from the first IPv6 subnet.
pub fn allocate_default(state: &State, network_id: &str) -> NResult<Vec<FixedIp>> {
    let mut out = Vec::new();
    for version in [4u8, 6u8] {
        let subnets: Vec<_> = state
            .subnets_of(network_id)
            .filter(|s| s.cidr.version() == version)
            .collect();
        if subnets.is_empty() {
            continue;
        }
        let found = subnets.iter().find_map(|s| {
            let mut used = state.used_ips(&s.id);
            if let Some(g) = s.gateway_ip {
                used.insert(g);
            }
            ipam::allocate(&s.pools, &used).map(|ip| FixedIp {
                subnet_id: s.id.clone(),
                ip,
            })
        });
        match found {
            Some(f) => out.push(f),
            None => return Err(ip_generation_failure(network_id)),
        }
    }
    Ok(out)
}

fn invalid_ip_for_subnet(ip: &str) -> NeutronError {
    bad_request(
        "InvalidIpForSubnet",
        format!("IP address {ip} is not a valid IP for the specified subnet."),
    )
}

/// `fixed_ips` of a port request: `[{"subnet_id"}, {"ip_address"}, {"subnet_id", "ip_address"}]`.
pub fn allocate_requested(
    state: &State,
    network_id: &str,
    requested: &Value,
) -> NResult<Vec<FixedIp>> {
    let Value::Array(items) = requested else {
        return Err(http_bad_request(format!(
            "Invalid input for fixed_ips. Reason: Invalid data format for fixed IP: '{}'.",
            python_str(requested)
        )));
    };
    let mut out: Vec<FixedIp> = Vec::new();
    for item in items {
        let subnet_id = item.get("subnet_id").map(python_str);
        let ip_text = item.get("ip_address").map(python_str);
        let ip: Option<IpAddr> = match &ip_text {
            None => None,
            Some(t) => Some(t.parse().map_err(|_| {
                http_bad_request(format!(
                    "Invalid input for fixed_ips. Reason: '{t}' is not a valid IP address."
                ))
            })?),
        };
        let subnet = match (&subnet_id, ip) {
            (Some(id), _) => state
                .subnet(id)
                .filter(|s| s.network_id == network_id)
                .ok_or_else(|| invalid_input(format!(
                    "Failed to create port on network {network_id}, because fixed_ips included invalid subnet {id}"
                )))?,
            (None, Some(ip)) => state
                .subnets_of(network_id)
                .find(|s| s.cidr.contains(ip))
                .ok_or_else(|| bad_request(
                    "InvalidIpForNetwork",
                    format!("IP address {ip} is not a valid IP for any of the subnets on the specified network."),
                ))?,
            (None, None) => {
                return Err(http_bad_request(
                    "Invalid input for fixed_ips. Reason: each fixed IP needs subnet_id or ip_address.",
                ))
            }
        };
        let ip = match ip {
            Some(ip) => {
                if !subnet.cidr.contains(ip) {
                    return Err(invalid_ip_for_subnet(&ip.to_string()));
                }
                if state.ip_in_use(&subnet.id, ip)
                    || out.iter().any(|f| f.subnet_id == subnet.id && f.ip == ip)
                {
                    return Err(conflict(
                        "IpAddressAlreadyAllocated",
                        format!("IP address {ip} already allocated in subnet {}", subnet.id),
                    ));
                }
                ip
            }
            None => {
                let mut used = state.used_ips(&subnet.id);
                used.extend(
                    out.iter()
                        .filter(|f| f.subnet_id == subnet.id)
                        .map(|f| f.ip),
                );
                if let Some(g) = subnet.gateway_ip {
                    used.insert(g);
                }
                ipam::allocate(&subnet.pools, &used)
                    .ok_or_else(|| ip_generation_failure(network_id))?
            }
        };
        out.push(FixedIp {
            subnet_id: subnet.id.clone(),
            ip,
        });
    }
    Ok(out)
}

fn valid_mac(mac: &str) -> bool {
    let parts: Vec<&str> = mac.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[allow(clippy::too_many_arguments)]
pub fn new_port(
    app: &App,
    state: &State,
    network_id: &str,
    project_id: &str,
    fixed_ips: Vec<FixedIp>,
    device_id: &str,
    device_owner: &str,
    now: SystemTime,
) -> Port {
    Port {
        id: app.ids.uuid(),
        name: String::new(),
        description: String::new(),
        network_id: network_id.to_string(),
        project_id: project_id.to_string(),
        mac_address: unique_mac(app, state),
        fixed_ips,
        device_id: device_id.to_string(),
        device_owner: device_owner.to_string(),
        admin_state_up: true,
        security_groups: Vec::new(),
        host_id: String::new(),
        created_by_nova: false,
        nova_tag: None,
        created_at: now,
        updated_at: now,
        revision: 1,
        up_at: (device_owner == OWNER_ROUTER_INTERFACE)
            .then(|| now + app.config.router_port_up_delay),
    }
}

pub fn create_port(call: &Call, state: &mut State) -> NResult<Reply> {
    let attrs = call.resource_body("port")?;
    check_attrs(attrs, ATTRS)?;
    let network_id = required_uuid(attrs, "network_id")?;
    let project_id = call.create_project(attrs, "create_port")?;
    let network = networks::find(call, state, &network_id)?;
    if !call.ctx.is_admin()
        && network.project_id != call.ctx.project()
        && !crate::neutron::policy::is_shared_with(&call.ctx, state, network)
    {
        return Err(crate::neutron::errors::policy("create_port"));
    }
    crate::neutron::quotas::reserve(call, state, "port", &project_id)?;
    if attrs.contains_key("binding:host_id") || attrs.contains_key("binding:profile") {
        require_admin(&call.ctx, "create_port:binding:host_id")?;
    }
    let fixed_ips = match attrs.get("fixed_ips") {
        None => allocate_default(state, &network_id)?,
        Some(v) => allocate_requested(state, &network_id, v)?,
    };
    let mac = match opt_string(attrs, "mac_address")? {
        None => unique_mac(call.app, state),
        Some(m) => {
            let m = m.to_ascii_lowercase();
            if !valid_mac(&m) {
                return Err(http_bad_request(format!(
                    "Invalid input for mac_address. Reason: '{m}' is not a valid MAC address."
                )));
            }
            if state.mac_in_use(&m) {
                return Err(conflict(
                    "MacAddressInUse",
                    format!("Unable to complete operation for network {network_id}. The mac address {m} is in use."),
                ));
            }
            m
        }
    };
    let mut port = new_port(
        call.app,
        state,
        &network_id,
        &project_id,
        fixed_ips,
        &opt_string(attrs, "device_id")?.unwrap_or_default(),
        &opt_string(attrs, "device_owner")?.unwrap_or_default(),
        call.now,
    );
    port.mac_address = mac;
    port.name = opt_string(attrs, "name")?.unwrap_or_default();
    port.description = opt_string(attrs, "description")?.unwrap_or_default();
    port.admin_state_up = opt_bool(attrs, "admin_state_up")?.unwrap_or(true);
    port.host_id = opt_string(attrs, "binding:host_id")?.unwrap_or_default();
    port.security_groups = vec![default_security_group(call.app, state, &project_id)];
    let body = views::port(&call.ctx, &port);
    state.ports.push(port);
    Ok(one(StatusCode::CREATED, "port", body))
}

pub fn update_port(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let project = find(call, state, id)?.project_id.clone();
    require_write(&call.ctx, &project, "update_port")?;
    let attrs = call.resource_body("port")?;
    check_attrs(attrs, ATTRS)?;
    if attrs.contains_key("binding:host_id") || attrs.contains_key("binding:profile") {
        require_admin(&call.ctx, "update_port:binding:host_id")?;
    }
    if attrs.contains_key("network_id") {
        return Err(http_bad_request(
            "Cannot update read-only attribute network_id",
        ));
    }
    let name = opt_string(attrs, "name")?;
    let description = opt_string(attrs, "description")?;
    let device_id = opt_string(attrs, "device_id")?;
    let device_owner = opt_string(attrs, "device_owner")?;
    let admin_state_up = opt_bool(attrs, "admin_state_up")?;
    let host_id = opt_string(attrs, "binding:host_id")?;
    let fixed_ips = match attrs.get("fixed_ips") {
        None => None,
        Some(v) => {
            let network_id = state
                .port(id)
                .map(|p| p.network_id.clone())
                .unwrap_or_default();
            // Re-allocate against a state without this port's own addresses, so that keeping one is allowed.
            let view = State {
                subnets: state.subnets.clone(),
                ports: state.ports.iter().filter(|p| p.id != id).cloned().collect(),
                ..State::default()
            };
            Some(allocate_requested(&view, &network_id, v)?)
        }
    };
    let now = call.now;
    let Some(p) = state.port_mut(id) else {
        return Err(port_not_found(id));
    };
    if let Some(v) = name {
        p.name = v;
    }
    if let Some(v) = description {
        p.description = v;
    }
    if let Some(v) = device_id {
        p.device_id = v;
    }
    if let Some(v) = device_owner {
        p.device_owner = v;
    }
    if let Some(v) = admin_state_up {
        p.admin_state_up = v;
    }
    if let Some(v) = host_id {
        p.host_id = v;
    }
    if let Some(v) = fixed_ips {
        p.fixed_ips = v;
    }
    p.updated_at = now;
    p.revision += 1;
    let p = find(call, state, id)?;
    Ok(one(StatusCode::OK, "port", views::port(&call.ctx, p)))
}

pub fn delete_port(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let port = find(call, state, id)?;
    require_write(&call.ctx, &port.project_id.clone(), "delete_port")?;
    // Policy delete_port (neutron/conf/policies/port.py): a compute, baremetal or manila
    // port is the service's; a member may not delete it [obs].
    let service_device = ["compute:", "baremetal:", "manila:"]
        .iter()
        .any(|prefix| port.device_owner.starts_with(prefix));
    if service_device && !call.ctx.is_admin() {
        return Err(crate::neutron::errors::policy("delete_port"));
    }
    let owner = port.device_owner.clone();
    let device_id = port.device_id.clone();
    // l3_db.prevent_l3_port_deletion: router and floating IP ports belong to their L3 objects.
    let l3_owned = match owner.as_str() {
        OWNER_ROUTER_INTERFACE | OWNER_ROUTER_GATEWAY => state.router(&device_id).is_some(),
        OWNER_FLOATINGIP => state.floating_ips.iter().any(|f| f.id == device_id),
        _ => false,
    };
    if l3_owned {
        return Err(conflict(
            "ServicePortInUse",
            format!(
                "Port {id} cannot be deleted directly via the port API: has device owner {owner}."
            ),
        ));
    }
    remove_port_and_dependents(state, id, call.now);
    Ok(no_content())
}

/// Deleting a port disassociates the floating IPs that pointed at it.
pub fn remove_port_and_dependents(state: &mut State, id: &str, now: SystemTime) {
    floatingips::disassociate_port(state, id, now);
    state.remove_port(id);
}

/// The project's `default` security group id, created on first use (user and Nova ports get it).
pub fn default_security_group(app: &App, state: &mut State, project_id: &str) -> String {
    state
        .default_security_groups
        .entry(project_id.to_string())
        .or_insert_with(|| app.ids.uuid())
        .clone()
}
