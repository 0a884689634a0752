//! `/v2.0/subnets`.

use std::net::IpAddr;

use axum::http::StatusCode;
use serde_json::Value;

use crate::http::{python_str, Reply};
use crate::ipam::{in_pools, version_of, Cidr, CidrError};
use crate::neutron::errors::{
    bad_request, conflict, http_bad_request, invalid_input, policy, subnet_not_found, NResult,
};
use crate::neutron::policy::{require_write, subnet_visible};
use crate::neutron::request::{
    check_attrs, list, no_content, one, opt_bool, opt_string, required_uuid, show, Call,
};
use crate::neutron::{networks, views};
use crate::state::{State, Subnet};

const ATTRS: &[&str] = &[
    "name",
    "description",
    "network_id",
    "ip_version",
    "cidr",
    "gateway_ip",
    "allocation_pools",
    "enable_dhcp",
    "dns_nameservers",
    "host_routes",
    "ipv6_ra_mode",
    "ipv6_address_mode",
    "service_types",
];

pub fn find<'s>(call: &Call, state: &'s State, id: &str) -> NResult<&'s Subnet> {
    state
        .subnet(id)
        .filter(|s| subnet_visible(&call.ctx, state, s) && call.ctx.can_read())
        .ok_or_else(|| subnet_not_found(id))
}

pub fn list_subnets(call: &Call, state: &State) -> NResult<Reply> {
    call.require_reader("get_subnet")?;
    let items = state
        .subnets
        .iter()
        .filter(|s| subnet_visible(&call.ctx, state, s))
        .map(|s| views::subnet(state, s))
        .collect();
    Ok(list(call, "subnet", items))
}

pub fn show_subnet(call: &Call, state: &State, id: &str) -> NResult<Reply> {
    let s = find(call, state, id)?;
    Ok(show(call, "subnet", views::subnet(state, s)))
}

fn parse_ip(key: &str, v: &Value) -> NResult<IpAddr> {
    v.as_str()
        .and_then(|s| s.parse::<IpAddr>().ok())
        .ok_or_else(|| {
            http_bad_request(format!(
                "Invalid input for {key}. Reason: '{}' is not a valid IP address.",
                python_str(v)
            ))
        })
}

pub fn create_subnet(call: &Call, state: &mut State) -> NResult<Reply> {
    let attrs = call.resource_body("subnet")?;
    check_attrs(attrs, ATTRS)?;
    let network_id = required_uuid(attrs, "network_id")?;
    let project_id = call.create_project(attrs, "create_subnet")?;
    let network = networks::find(call, state, &network_id)?;
    if !call.ctx.is_admin() && network.project_id != project_id {
        return Err(policy("create_subnet"));
    }
    crate::neutron::quotas::reserve(call, state, "subnet", &project_id)?;
    let ip_version = match attrs.get("ip_version") {
        None => {
            return Err(http_bad_request(
                "Failed to parse request. Required attribute 'ip_version' not specified",
            ))
        }
        Some(v) => match v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        {
            Some(4) => 4u8,
            Some(6) => 6u8,
            _ => {
                return Err(http_bad_request(format!(
                    "Invalid input for ip_version. Reason: '{}' is not in [4, 6].",
                    python_str(v)
                )))
            }
        },
    };
    let cidr_text = match attrs.get("cidr") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(http_bad_request(format!(
                "Invalid input for cidr. Reason: '{}' is not a valid IP subnet.",
                python_str(other)
            )))
        }
        None => {
            return Err(http_bad_request(
                "a subnetpool must be specified in the absence of a cidr",
            ))
        }
    };
    let cidr = match Cidr::parse(&cidr_text) {
        Ok(c) => c,
        Err(CidrError::HostBits(net)) => {
            return Err(http_bad_request(format!(
                "Invalid input for cidr. Reason: '{cidr_text}' isn't a recognized IP subnet cidr, '{net}' is recommended."
            )))
        }
        Err(CidrError::Invalid) => {
            return Err(http_bad_request(format!(
                "Invalid input for cidr. Reason: '{cidr_text}' is not a valid IP subnet."
            )))
        }
    };
    if cidr.version() != ip_version {
        return Err(invalid_input("Cidr and IP version mismatch"));
    }
    if let Some(other) = state
        .subnets_of(&network_id)
        .find(|s| s.cidr.overlaps(&cidr))
    {
        let _ = other;
        return Err(invalid_input(format!(
            "Requested subnet with cidr: {cidr} for network: {network_id} overlaps with another subnet"
        )));
    }
    let gateway_ip = match attrs.get("gateway_ip") {
        None => cidr.default_gateway(),
        Some(Value::Null) => None,
        // Neutron 29 takes a gateway outside the CIDR too (observed).
        Some(v) => Some(parse_ip("gateway_ip", v)?),
    };
    let host_routes = host_routes(attrs, ip_version, "new subnet")?;
    let pools = match attrs.get("allocation_pools") {
        None | Some(Value::Null) => cidr.default_pools(gateway_ip),
        Some(Value::Array(items)) => {
            let mut pools = Vec::new();
            for item in items {
                let (Some(start), Some(end)) = (item.get("start"), item.get("end")) else {
                    return Err(http_bad_request("Invalid input for allocation_pools. Reason: each pool needs 'start' and 'end'."));
                };
                let (start, end) = (
                    parse_ip("allocation_pools", start)?,
                    parse_ip("allocation_pools", end)?,
                );
                if !cidr.contains(start) || !cidr.contains(end) {
                    return Err(bad_pool(start, end, &cidr));
                }
                if crate::ipam::to_u128(start) > crate::ipam::to_u128(end) {
                    return Err(bad_pool(start, end, &cidr));
                }
                pools.push((start, end));
            }
            if let Some(g) = gateway_ip {
                if in_pools(&pools, g) {
                    return Err(conflict(
                        "GatewayConflictWithAllocationPools",
                        format!(
                            "Gateway ip {g} conflicts with allocation pool {}-{}",
                            pools[0].0, pools[0].1
                        ),
                    ));
                }
            }
            pools
        }
        Some(other) => {
            return Err(http_bad_request(format!(
            "Invalid input for allocation_pools. Reason: Invalid data format for IP pool: '{}'.",
            python_str(other)
        )))
        }
    };
    let dns_nameservers = match attrs.get("dns_nameservers") {
        Some(Value::Array(items)) => items.iter().map(python_str).collect(),
        _ => Vec::new(),
    };
    let subnet = Subnet {
        id: call.app.ids.uuid(),
        name: opt_string(attrs, "name")?.unwrap_or_default(),
        description: opt_string(attrs, "description")?.unwrap_or_default(),
        network_id,
        project_id,
        cidr,
        gateway_ip,
        pools,
        enable_dhcp: opt_bool(attrs, "enable_dhcp")?.unwrap_or(true),
        dns_nameservers,
        host_routes: host_routes.unwrap_or_default(),
        ipv6_ra_mode: opt_string(attrs, "ipv6_ra_mode")?,
        ipv6_address_mode: opt_string(attrs, "ipv6_address_mode")?,
        created_at: call.now,
        updated_at: call.now,
        revision: 0,
    };
    let body = views::subnet(state, &subnet);
    state.subnets.push(subnet);
    if let Some(n) = state
        .networks
        .iter_mut()
        .find(|n| n.id == body["network_id"])
    {
        n.revision += 1;
    }
    Ok(one(StatusCode::CREATED, "subnet", body))
}

fn bad_pool(start: IpAddr, end: IpAddr, cidr: &Cidr) -> crate::neutron::errors::NeutronError {
    let _ = version_of(start);
    http_bad_request(format!(
        "The allocation pool {start}-{end} spans beyond the subnet cidr {cidr}."
    ))
}

/// A subnet update. Host routes and DNS servers live in tables of their own: changing
/// them, or writing a column's current value again, leaves `revision_number` as it was
/// (observed on Neutron 29).
pub fn update_subnet(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let current = find(call, state, id)?;
    let project = current.project_id.clone();
    let ip_version = current.cidr.version();
    let pools = current.pools.clone();
    require_write(&call.ctx, &project, "update_subnet")?;
    let attrs = call.resource_body("subnet")?;
    check_attrs(
        attrs,
        &[
            "name",
            "description",
            "enable_dhcp",
            "dns_nameservers",
            "host_routes",
            "gateway_ip",
        ],
    )?;
    let name = opt_string(attrs, "name")?;
    let description = opt_string(attrs, "description")?;
    let enable_dhcp = opt_bool(attrs, "enable_dhcp")?;
    let gateway = match attrs.get("gateway_ip") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => Some(Some(parse_ip("gateway_ip", v)?)),
    };
    let routes = host_routes(attrs, ip_version, id)?;
    if let Some(Some(g)) = gateway {
        if let Some((start, end)) = pools.iter().find(|p| in_pools(&[**p], g)) {
            return Err(conflict(
                "GatewayConflictWithAllocationPools",
                format!("Gateway ip {g} conflicts with allocation pool {start}-{end}."),
            ));
        }
    }
    let now = call.now;
    let Some(s) = state.subnets.iter_mut().find(|s| s.id == id) else {
        return Err(subnet_not_found(id));
    };
    let mut changed = false;
    if let Some(v) = name {
        changed |= s.name != v;
        s.name = v;
    }
    if let Some(v) = description {
        changed |= s.description != v;
        s.description = v;
    }
    if let Some(v) = enable_dhcp {
        changed |= s.enable_dhcp != v;
        s.enable_dhcp = v;
    }
    if let Some(v) = gateway {
        changed |= s.gateway_ip != v;
        s.gateway_ip = v;
    }
    if let Some(Value::Array(items)) = attrs.get("dns_nameservers") {
        s.dns_nameservers = items.iter().map(python_str).collect();
    }
    if let Some(r) = routes {
        s.host_routes = r;
    }
    if changed {
        s.updated_at = now;
        s.revision += 1;
    }
    let s = find(call, state, id)?;
    Ok(one(StatusCode::OK, "subnet", views::subnet(state, s)))
}

/// `host_routes` as neutron_lib's `validate_hostroutes` and the plugin's
/// `_validate_host_route` check them; `None` when the body has none.
fn host_routes(
    attrs: &serde_json::Map<String, Value>,
    ip_version: u8,
    subnet: &str,
) -> NResult<Option<Vec<(String, String)>>> {
    let Some(value) = attrs.get("host_routes") else {
        return Ok(None);
    };
    let invalid = |reason: String| {
        http_bad_request(format!("Invalid input for host_routes. Reason: {reason}."))
    };
    let Value::Array(items) = value else {
        return Err(invalid(format!(
            "Invalid data format for hostroute: '{}'",
            python_str(value)
        )));
    };
    if items.len() > MAX_HOST_ROUTES {
        return Err(bad_request(
            "HostRoutesExhausted",
            format!("Unable to complete operation for {subnet}. The number of host routes exceeds the limit {MAX_HOST_ROUTES}."),
        ));
    }
    // destination, next hop, as written, and their IP versions
    let mut routes: Vec<(String, String, u8, u8)> = Vec::new();
    for item in items {
        let Some(map) = item.as_object() else {
            return Err(invalid(format!(
                "Invalid input. '{}' must be a dictionary with keys: ['destination', 'nexthop']",
                python_str(item)
            )));
        };
        if map.len() != 2 || !map.contains_key("destination") || !map.contains_key("nexthop") {
            let mut keys: Vec<String> = map.keys().map(|k| format!("'{k}'")).collect();
            keys.sort();
            let provided = if keys.is_empty() {
                "set()".to_string()
            } else {
                format!("{{{}}}", keys.join(", "))
            };
            return Err(invalid(format!(
                "Validation of dictionary's keys failed. Expected keys: {{'destination', 'nexthop'}} Provided keys: {provided}"
            )));
        }
        let destination = python_str(&map["destination"]);
        let nexthop = python_str(&map["nexthop"]);
        let dest_version = match (map["destination"].is_string(), Cidr::parse(&destination)) {
            (true, Ok(cidr)) => cidr.version(),
            _ => return Err(invalid(format!("'{destination}' is not a valid CIDR"))),
        };
        let Some(hop) = map["nexthop"]
            .as_str()
            .and_then(|n| n.parse::<IpAddr>().ok())
        else {
            return Err(invalid(format!("'{nexthop}' is not a valid IP address")));
        };
        if routes
            .iter()
            .any(|(d, n, _, _)| *d == destination && *n == nexthop)
        {
            return Err(invalid(format!(
                "Duplicate hostroute '{{'destination': '{destination}', 'nexthop': '{nexthop}'}}'"
            )));
        }
        routes.push((destination, nexthop, dest_version, version_of(hop)));
    }
    // The plugin's check, after the API's: the next hop first, then the destination.
    for (destination, nexthop, dest_version, hop_version) in &routes {
        if *hop_version != ip_version {
            return Err(invalid_input(format!(
                "nexthop '{nexthop}' does not match the ip_version '{ip_version}'"
            )));
        }
        if *dest_version != ip_version {
            return Err(invalid_input(format!(
                "destination '{destination}' does not match the ip_version '{ip_version}'"
            )));
        }
    }
    let routes = routes.into_iter().map(|(d, n, _, _)| (d, n)).collect();
    Ok(Some(routes))
}

/// Neutron's `max_subnet_host_routes` default.
const MAX_HOST_ROUTES: usize = 20;

/// `ipv6_utils.is_auto_address_subnet`: addresses the ports take themselves (SLAAC,
/// DHCPv6-stateless).
fn is_auto_address(s: &Subnet) -> bool {
    let auto =
        |mode: &Option<String>| matches!(mode.as_deref(), Some("slaac" | "dhcpv6-stateless"));
    auto(&s.ipv6_address_mode) || auto(&s.ipv6_ra_mode)
}

/// `delete_subnet` (neutron/db/db_base_plugin_v2.py): an auto-address subnet is in use
/// only while a router interface holds an address on it, and its addresses leave every
/// other port; any other subnet is in use while any port holds an address on it.
pub fn delete_subnet(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let subnet = find(call, state, id)?;
    let project = subnet.project_id.clone();
    let auto = is_auto_address(subnet);
    require_write(&call.ctx, &project, "delete_subnet")?;
    let in_use = state.ports.iter().any(|p| {
        p.fixed_ips.iter().any(|f| f.subnet_id == id) && (!auto || p.is_router_interface())
    });
    if in_use {
        return Err(conflict(
            "SubnetInUse",
            format!("Unable to complete operation on subnet {id}: One or more ports have an IP allocation from this subnet."),
        ));
    }
    for port in state
        .ports
        .iter_mut()
        .filter(|p| p.fixed_ips.iter().any(|f| f.subnet_id == id))
    {
        port.fixed_ips.retain(|f| f.subnet_id != id);
        port.updated_at = call.now;
        port.revision += 1;
    }
    state.subnets.retain(|s| s.id != id);
    Ok(no_content())
}
