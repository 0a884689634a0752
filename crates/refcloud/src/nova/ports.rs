//! What Nova asks of Neutron when it binds, creates and releases ports, applied to the shared state.

use std::net::IpAddr;
use std::time::SystemTime;

use crate::auth::Context;
use crate::neutron::policy::{network_visible, port_visible};
use crate::neutron::ports::{
    allocate_default, default_security_group, new_port, remove_port_and_dependents,
};
use crate::nova::call::NCall;
use crate::nova::faults::{bad_request, conflict, NovaError, NovaResult};
use crate::state::{FixedIp, State, COMPUTE_HOST, OWNER_COMPUTE};

/// A network Nova may use for the caller: visible, not external, with at least one subnet.
pub fn usable_network(
    ctx: &Context,
    state: &State,
    network_id: &str,
    not_found: impl Fn(&str) -> NovaError,
) -> NovaResult<()> {
    let net = state
        .network(network_id)
        .filter(|n| network_visible(ctx, state, n))
        .ok_or_else(|| not_found(network_id))?;
    if state.subnets_of(&net.id).next().is_none() {
        return Err(bad_request(format!(
            "Network {network_id} requires a subnet in order to boot instances on."
        )));
    }
    Ok(())
}

/// The network chosen when none was requested ("auto", or no networks below 2.37).
pub fn only_network(ctx: &Context, state: &State) -> NovaResult<Option<String>> {
    let candidates: Vec<&str> = state
        .networks
        .iter()
        .filter(|n| {
            !n.external && ctx.project_id.as_deref() == Some(n.project_id.as_str()) || n.shared
        })
        .filter(|n| state.subnets_of(&n.id).next().is_some())
        .map(|n| n.id.as_str())
        .collect();
    match candidates.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.to_string())),
        _ => Err(conflict(
            "Multiple possible networks found, use a Network ID to be more specific.",
        )),
    }
}

/// A user's port that Nova may bind: visible to the caller and not bound to anything.
pub fn bindable_port(
    ctx: &Context,
    state: &State,
    port_id: &str,
    not_found: impl Fn(&str) -> NovaError,
) -> NovaResult<()> {
    let port = state
        .port(port_id)
        .filter(|p| port_visible(ctx, state, p))
        .ok_or_else(|| not_found(port_id))?;
    if !port.device_id.is_empty() {
        return Err(conflict(format!("Port {port_id} is still in use.")));
    }
    Ok(())
}

pub fn bind(
    state: &mut State,
    port_id: &str,
    server_id: &str,
    tag: Option<String>,
    now: SystemTime,
) {
    if let Some(p) = state.port_mut(port_id) {
        p.device_id = server_id.to_string();
        p.device_owner = OWNER_COMPUTE.to_string();
        p.host_id = COMPUTE_HOST.to_string();
        p.nova_tag = tag;
        p.updated_at = now;
        p.revision += 1;
    }
}

/// Creates a port for the server on `network_id` (Nova-owned: deleted again on detach).
pub fn create_bound(
    call: &NCall,
    state: &mut State,
    network_id: &str,
    project_id: &str,
    server_id: &str,
    fixed_ip: Option<IpAddr>,
    tag: Option<String>,
) -> NovaResult<String> {
    let fixed_ips = match fixed_ip {
        None => allocate_default(state, network_id).map_err(|e| bad_request(e.message))?,
        Some(ip) => {
            let subnet = state
                .subnets_of(network_id)
                .find(|s| s.cidr.contains(ip))
                .ok_or_else(|| {
                    bad_request(format!(
                        "Fixed IP {ip} is not a valid ip address for network {network_id}."
                    ))
                })?;
            if state.ip_in_use(&subnet.id, ip) {
                return Err(conflict(format!(
                    "Fixed IP address {ip} is already in use on instance {server_id}."
                )));
            }
            vec![FixedIp {
                subnet_id: subnet.id.clone(),
                ip,
            }]
        }
    };
    let mut port = new_port(
        call.app,
        state,
        network_id,
        project_id,
        fixed_ips,
        server_id,
        OWNER_COMPUTE,
        call.now,
    );
    port.security_groups = vec![default_security_group(call.app, state, project_id)];
    port.host_id = COMPUTE_HOST.to_string();
    port.created_by_nova = true;
    port.nova_tag = tag;
    let id = port.id.clone();
    state.ports.push(port);
    Ok(id)
}

/// `deallocate_port_for_instance`: Nova's own ports are deleted, user ports unbound and kept.
pub fn release(state: &mut State, port_id: &str, now: SystemTime) {
    let created_by_nova = state.port(port_id).is_some_and(|p| p.created_by_nova);
    if created_by_nova {
        remove_port_and_dependents(state, port_id, now);
    } else {
        unbind(state, port_id, now);
    }
}

/// Clears the binding and keeps the port.
pub fn unbind(state: &mut State, port_id: &str, now: SystemTime) {
    if let Some(p) = state.port_mut(port_id) {
        p.device_id.clear();
        p.device_owner.clear();
        p.host_id.clear();
        p.nova_tag = None;
        p.updated_at = now;
        p.revision += 1;
    }
}
