//! `PUT /v2.0/routers/{id}/add_router_interface` and `remove_router_interface` (docs/CONTRACT.md §1.3, §1.5, §5.1),
//! following neutron/db/l3_db.py step by step so that the order of evaluation matches.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::http::{python_str, JsonStyle, Reply};
use crate::ids::is_uuid_like;
use crate::ipam;
use crate::mutants::Mutant;
use crate::neutron::errors::{
    bad_request, bad_resource_request, conflict, not_found, port_not_found, router_not_found,
    subnet_not_found, NResult,
};
use crate::neutron::policy::{port_visible, require_router_write, subnet_visible};
use crate::neutron::ports::remove_port_and_dependents;
use crate::neutron::request::Call;
use crate::neutron::{routers, views};
use crate::state::{FixedIp, Port, State, Subnet, OWNER_ROUTER_INTERFACE};

/// The two keys of the interface info, after `_validate_interface_info`.
struct InterfaceInfo {
    port_id: Option<String>,
    subnet_id: Option<String>,
}

fn either_required() -> crate::neutron::errors::NeutronError {
    bad_resource_request("router", "Either subnet_id or port_id must be specified")
}

/// Body shape and key checks. Upstream answers 500 `HTTPInternalServerError` for a remove request whose
/// body is absent, `null`, an array, a string or a number (a `TypeError` in the plugin; docs/CONTRACT.md §1.3
/// and §7 (item 8) tag it as a known bug). The reference cloud states the contract a correct service would keep
/// instead: such a body is treated like `{}` and gets the same 400 "Either subnet_id or port_id must be
/// specified." that add_router_interface already returns for a missing body. Cases that assert the
/// upstream 500 must therefore be tagged as a known upstream bug, not expected from the reference.
fn interface_info(call: &Call, for_removal: bool) -> NResult<InterfaceInfo> {
    let map: &Map<String, Value> = match &call.body {
        Some(Value::Object(map)) => map,
        _ => return Err(either_required()),
    };
    let port_given = map.contains_key("port_id");
    let subnet_given = map.contains_key("subnet_id");
    if !port_given && !subnet_given {
        return Err(either_required());
    }
    let mut info = InterfaceInfo {
        port_id: None,
        subnet_id: None,
    };
    for key in ["port_id", "subnet_id"] {
        let Some(value) = map.get(key) else { continue };
        let text = python_str(value);
        if !value.is_string() || !is_uuid_like(&text) {
            return Err(bad_resource_request(
                "router",
                &format!("'{text}' is not a valid UUID"),
            ));
        }
        if key == "port_id" {
            info.port_id = Some(text);
        } else {
            info.subnet_id = Some(text);
        }
    }
    if !for_removal && port_given && subnet_given {
        return Err(bad_resource_request(
            "router",
            "Cannot specify both subnet-id and port-id",
        ));
    }
    Ok(info)
}

fn reply(value: Value) -> Reply {
    Reply::json(StatusCode::OK, &value, JsonStyle::Python)
}

fn dedup(ids: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn subnet_ids_of(port: &Port) -> Vec<String> {
    dedup(port.fixed_ips.iter().map(|f| f.subnet_id.clone()).collect())
}

/// `_check_for_dup_router_subnets`: a router may hold each subnet once and no overlapping CIDRs.
fn check_dup_router_subnets(
    state: &State,
    router_id: &str,
    network_id: &str,
    new_subnets: &[&Subnet],
) -> NResult<()> {
    for port in state.router_ports(router_id) {
        for f in &port.fixed_ips {
            for new in new_subnets {
                if f.subnet_id == new.id {
                    return Err(bad_resource_request(
                        "router",
                        &format!("Router already has a port on subnet {}", new.id),
                    ));
                }
                let Some(existing) = state.subnet(&f.subnet_id) else {
                    continue;
                };
                // IPv6 prefixes of one network may share a router port (multi-prefix).
                if port.network_id == network_id
                    && existing.cidr.version() == 6
                    && new.cidr.version() == 6
                {
                    continue;
                }
                if existing.cidr.overlaps(&new.cidr) {
                    return Err(bad_resource_request(
                        "router",
                        &format!(
                            "Cidr {} of subnet {} overlaps with cidr {} of subnet {}",
                            new.cidr, new.id, existing.cidr, existing.id
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

pub fn add_router_interface(call: &Call, state: &mut State, router_id: &str) -> NResult<Reply> {
    interface_action(
        call,
        state,
        router_id,
        "add_router_interface",
        |state, info| match (info.port_id, info.subnet_id) {
            (Some(port_id), _) => add_by_port(call, state, router_id, &port_id),
            (None, Some(subnet_id)) => add_by_subnet(call, state, router_id, &subnet_id),
            (None, None) => Err(either_required()),
        },
    )
}

/// What add and remove share, in Neutron's order: the router lookup (404), policy
/// (403), the body; then the router's revision moves and the interface info is the
/// answer. The If-Match comparison (412) belongs to each path's first write
/// (`precondition`).
fn interface_action(
    call: &Call,
    state: &mut State,
    router_id: &str,
    action: &str,
    change: impl FnOnce(&mut State, InterfaceInfo) -> NResult<(Port, Vec<String>)>,
) -> NResult<Reply> {
    let removal = action == "remove_router_interface";
    let mutant = |m: Mutant| removal && call.app.mutant(m);
    let router = if mutant(Mutant::NeutronOtherProjectRouter) {
        state
            .router(router_id)
            .ok_or_else(|| router_not_found(router_id))?
    } else {
        routers::find(call, state, router_id)?
    };
    let may_write = mutant(Mutant::NeutronOtherProjectRouter) && call.ctx.can_write()
        || mutant(Mutant::NeutronReaderWrites) && call.ctx.can_read();
    if !may_write {
        require_router_write(&call.ctx, &router.project_id.clone(), action)?;
    }
    let info = interface_info(call, removal)?;
    let (port, subnet_ids) = change(state, info)?;
    routers_touch(state, router_id, call.now);
    // `_make_router_interface_info` gets `subnets[-1]` on add and `subnets[0]` on remove
    // (docs/CONTRACT.md §2.2).
    let subnet_id = if removal {
        subnet_ids.first()
    } else {
        subnet_ids.last()
    };
    Ok(reply(views::interface_info(
        call.key,
        router_id,
        &port,
        subnet_id.map_or("", String::as_str),
        &subnet_ids,
    )))
}

/// The router's If-Match constraint, which upstream's revision plugin enforces at the
/// action's first database write: what fails validation before it is a 400, not a 412.
fn precondition(call: &Call, state: &State, router_id: &str) -> NResult<()> {
    match state.router(router_id) {
        Some(router) => call.check_if_match(router.revision),
        None => Ok(()),
    }
}

/// `_validate_subnet_address_mode`: a subnet that takes its RAs from an external router
/// (an address mode without an RA mode) cannot be a router interface.
fn check_address_mode(subnet: &Subnet) -> NResult<()> {
    if subnet.cidr.version() == 6
        && subnet.ipv6_ra_mode.is_none()
        && subnet.ipv6_address_mode.is_some()
    {
        // Upstream's message ends in a period, and BadRequest adds one [obs].
        return Err(bad_resource_request(
            "router",
            &format!(
                "IPv6 subnet {} configured to receive RAs from an external router cannot be added to Neutron Router.",
                subnet.id
            ),
        ));
    }
    Ok(())
}

fn routers_touch(state: &mut State, router_id: &str, now: std::time::SystemTime) {
    if let Some(r) = state.router_mut(router_id) {
        r.updated_at = now;
        r.revision += 1;
    }
}

fn add_by_port(
    call: &Call,
    state: &mut State,
    router_id: &str,
    port_id: &str,
) -> NResult<(Port, Vec<String>)> {
    let port = state
        .port(port_id)
        .filter(|p| port_visible(&call.ctx, state, p))
        .ok_or_else(|| port_not_found(port_id))?;
    if !port.device_id.is_empty() {
        return Err(conflict(
            "PortInUse",
            format!(
                "Unable to complete operation on port {} for network {}. Port already has an attached device {}.",
                port.id, port.network_id, port.device_id
            ),
        ));
    }
    if port.fixed_ips.is_empty() {
        return Err(bad_resource_request(
            "router",
            "Router port must have at least one fixed IP",
        ));
    }
    let subnet_ids = subnet_ids_of(port);
    let subnets: Vec<&Subnet> = subnet_ids
        .iter()
        .filter_map(|id| state.subnet(id))
        .collect();
    for subnet in &subnets {
        check_address_mode(subnet)?;
    }
    // Upstream binds the port to the router here and validates afterwards, undoing the
    // binding on error: a stale If-Match wins over what follows.
    precondition(call, state, router_id)?;
    check_one_ipv6_port(state, router_id, port)?;
    check_dup_router_subnets(state, router_id, &port.network_id, &subnets)?;
    if subnets.iter().filter(|s| s.cidr.version() == 4).count() > 1 {
        return Err(bad_resource_request(
            "router",
            "Cannot have multiple IPv4 subnets on router port",
        ));
    }
    check_in_pools_of_others(call, state, port)?;
    let now = call.now;
    let Some(port) = state.port_mut(port_id) else {
        return Err(port_not_found(port_id));
    };
    port.device_id = router_id.to_string();
    port.device_owner = OWNER_ROUTER_INTERFACE.to_string();
    port.up_at = Some(now + call.app.config.router_port_up_delay);
    port.updated_at = now;
    port.revision += 1;
    Ok((port.clone(), subnet_ids))
}

/// `_validate_router_port_info`: one IPv6 router port per network.
fn check_one_ipv6_port(state: &State, router_id: &str, port: &Port) -> NResult<()> {
    if !port.fixed_ips.iter().any(|f| f.ip.is_ipv6()) {
        return Ok(());
    }
    let other = state.router_ports(router_id).find(|p| {
        p.id != port.id
            && p.network_id == port.network_id
            && p.fixed_ips.iter().any(|f| f.ip.is_ipv6())
    });
    match other {
        // The trailing period doubles, as upstream's does.
        Some(other) => Err(bad_resource_request(
            "router",
            &format!(
                "Router already contains IPv6 port {} belonging to network id {}. Only one IPv6 port from the same network subnet can be connected to a router.",
                other.id, port.network_id
            ),
        )),
        None => Ok(()),
    }
}

/// `_validate_router_port_info`: a non-admin's port may hold an address outside the
/// allocation pools only on subnets of its own project.
fn check_in_pools_of_others(call: &Call, state: &State, port: &Port) -> NResult<()> {
    if call.ctx.is_admin() {
        return Ok(());
    }
    for fixed in &port.fixed_ips {
        let Some(subnet) = state.subnet(&fixed.subnet_id) else {
            continue;
        };
        if subnet.project_id != call.ctx.project() && !ipam::in_pools(&subnet.pools, fixed.ip) {
            return Err(bad_resource_request(
                "router",
                &format!(
                    "Cannot add interface to router because specified port {} has an IP address out of the allocation pool of subnet {}, which is not owned by the project making the request",
                    port.id, subnet.id
                ),
            ));
        }
    }
    Ok(())
}

fn add_by_subnet(
    call: &Call,
    state: &mut State,
    router_id: &str,
    subnet_id: &str,
) -> NResult<(Port, Vec<String>)> {
    let subnet = state
        .subnet(subnet_id)
        .filter(|s| subnet_visible(&call.ctx, state, s))
        .ok_or_else(|| subnet_not_found(subnet_id))?
        .clone();
    let Some(gateway_ip) = subnet.gateway_ip else {
        return Err(bad_resource_request(
            "router",
            "Subnet for router interface must have a gateway IP",
        ));
    };
    // Another project's subnet may be attached only when an RBAC policy shares its
    // network with the caller's project by name: `shared` or `*` does not count [obs].
    let shared_by_name = state
        .rbac_policies
        .iter()
        .any(|p| p.object_id == subnet.network_id && p.target_tenant == call.ctx.project());
    if !call.ctx.is_admin() && subnet.project_id != call.ctx.project() && !shared_by_name {
        return Err(bad_resource_request(
            "router",
            &format!(
                "Cannot add interface to router because subnet {} is not owned by project making the request",
                subnet.id
            ),
        ));
    }
    check_address_mode(&subnet)?;
    check_dup_router_subnets(state, router_id, &subnet.network_id, &[&subnet])?;
    precondition(call, state, router_id)?;
    if state.ip_in_use(&subnet.id, gateway_ip) {
        return Err(conflict(
            "IpAddressAlreadyAllocated",
            format!(
                "IP address {gateway_ip} already allocated in subnet {}",
                subnet.id
            ),
        ));
    }
    let fixed = FixedIp {
        subnet_id: subnet.id.clone(),
        ip: gateway_ip,
    };
    let router_project = state
        .router(router_id)
        .map(|r| r.project_id.clone())
        .unwrap_or_default();
    let now = call.now;
    if subnet.cidr.version() == 6 {
        // Multi-prefix: a further IPv6 subnet of the same network joins the router's port
        // that has an IPv6 address, dual-stack or not (`_port_has_ipv6_address`).
        let existing = state.ports.iter_mut().find(|p| {
            p.device_id == router_id
                && p.device_owner == OWNER_ROUTER_INTERFACE
                && p.network_id == subnet.network_id
                && p.fixed_ips.iter().any(|f| f.ip.is_ipv6())
        });
        if let Some(port) = existing {
            port.fixed_ips.push(fixed);
            port.updated_at = now;
            port.revision += 1;
            return Ok((port.clone(), vec![subnet.id.clone()]));
        }
    }
    let port = crate::neutron::ports::new_port(
        call.app,
        state,
        &subnet.network_id,
        // The router's project owns its interface port, whoever owns the subnet.
        &router_project,
        vec![fixed],
        router_id,
        OWNER_ROUTER_INTERFACE,
        now,
    );
    state.ports.push(port.clone());
    Ok((port, vec![subnet.id.clone()]))
}

pub fn remove_router_interface(call: &Call, state: &mut State, router_id: &str) -> NResult<Reply> {
    interface_action(
        call,
        state,
        router_id,
        "remove_router_interface",
        |state, info| match (info.port_id, info.subnet_id) {
            (Some(port_id), subnet_id) => {
                remove_by_port(call, state, router_id, &port_id, subnet_id.as_deref())
            }
            (None, Some(subnet_id)) => remove_by_subnet(call, state, router_id, &subnet_id),
            (None, None) => Err(either_required()),
        },
    )
}

/// `_confirm_router_interface_not_in_use`: callbacks (none here), then floating IPs, then extra routes.
fn confirm_not_in_use(call: &Call, state: &State, router_id: &str, subnet: &Subnet) -> NResult<()> {
    let by_fip = !call.app.mutant(Mutant::NeutronFipCheckSkipped)
        && state.floating_ips.iter().any(|f| {
            f.router_id.as_deref() == Some(router_id)
                && f.fixed_ip.is_some_and(|ip| subnet.cidr.contains(ip))
        });
    if by_fip {
        return Err(conflict(
            "RouterInterfaceInUseByFloatingIP",
            format!(
                "Router interface for subnet {} on router {router_id} cannot be deleted, as it is required by one or more floating IPs.",
                subnet.id
            ),
        ));
    }
    let by_route = state
        .router(router_id)
        .is_some_and(|r| r.routes.iter().any(|rt| subnet.cidr.contains(rt.nexthop)));
    if by_route {
        return Err(conflict(
            "RouterInterfaceInUseByRoute",
            format!(
                "Router interface for subnet {} on router {router_id} cannot be deleted, as it is required by one or more routes.",
                subnet.id
            ),
        ));
    }
    Ok(())
}

fn remove_by_port(
    call: &Call,
    state: &mut State,
    router_id: &str,
    port_id: &str,
    subnet_id: Option<&str>,
) -> NResult<(Port, Vec<String>)> {
    let port = state
        .ports
        .iter()
        .find(|p| p.id == port_id && p.device_id == router_id && p.is_router_interface())
        .ok_or_else(|| {
            not_found(
                "RouterInterfaceNotFound",
                format!("Router {router_id} does not have an interface with id {port_id}"),
            )
        })?
        .clone();
    let subnet_ids = subnet_ids_of(&port);
    if let Some(s) = subnet_id {
        if !subnet_ids.iter().any(|id| id == s) {
            return Err(bad_request(
                "SubnetMismatchForPort",
                format!("Subnet on port {port_id} does not match the requested subnet {s}."),
            ));
        }
    }
    for id in &subnet_ids {
        if let Some(subnet) = state.subnet(id) {
            confirm_not_in_use(call, state, router_id, subnet)?;
        }
    }
    precondition(call, state, router_id)?;
    if call.app.mutant(Mutant::NeutronUserPortKept) {
        unbind(state, port_id, call.now);
    } else {
        remove_port_and_dependents(state, port_id, call.now);
    }
    Ok((port, subnet_ids))
}

/// What the `NeutronUserPortKept` mutant does instead of deleting the port.
fn unbind(state: &mut State, port_id: &str, now: std::time::SystemTime) {
    if let Some(p) = state.port_mut(port_id) {
        p.device_id.clear();
        p.device_owner.clear();
        p.updated_at = now;
        p.revision += 1;
    }
}

fn remove_by_subnet(
    call: &Call,
    state: &mut State,
    router_id: &str,
    subnet_id: &str,
) -> NResult<(Port, Vec<String>)> {
    let subnet = state
        .subnet(subnet_id)
        .filter(|s| subnet_visible(&call.ctx, state, s))
        .ok_or_else(|| subnet_not_found(subnet_id))?
        .clone();
    let ports: Vec<Port> = state
        .ports
        .iter()
        .filter(|p| {
            p.device_id == router_id && p.is_router_interface() && p.network_id == subnet.network_id
        })
        .cloned()
        .collect();
    if !ports.is_empty() {
        confirm_not_in_use(call, state, router_id, &subnet)?;
    }
    for port in ports {
        if !port.fixed_ips.iter().any(|f| f.subnet_id == subnet_id) {
            continue;
        }
        precondition(call, state, router_id)?;
        let remaining: Vec<FixedIp> = port
            .fixed_ips
            .iter()
            .filter(|f| f.subnet_id != subnet_id)
            .cloned()
            .collect();
        if call.app.mutant(Mutant::NeutronRouterPortKept) {
            // The deviation: the answer is right, the port stays on the router.
        } else if call.app.mutant(Mutant::NeutronRemovesEveryInterface) {
            let all: Vec<String> = state
                .ports
                .iter()
                .filter(|p| p.device_id == router_id && p.is_router_interface())
                .map(|p| p.id.clone())
                .collect();
            for id in all {
                remove_port_and_dependents(state, &id, call.now);
            }
        } else if remaining.is_empty() {
            remove_port_and_dependents(state, &port.id, call.now);
        } else if let Some(p) = state.port_mut(&port.id) {
            // IPv6 multi-prefix: only this prefix leaves the port.
            p.fixed_ips = remaining;
            p.updated_at = call.now;
            p.revision += 1;
        }
        return Ok((port, vec![subnet_id.to_string()]));
    }
    Err(not_found(
        "RouterInterfaceNotFoundForSubnet",
        format!("Router {router_id} has no interface on subnet {subnet_id}"),
    ))
}
