//! `/v2.0/floatingips`.

use std::net::IpAddr;
use std::time::SystemTime;

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::http::{python_str, Reply};
use crate::neutron::errors::{
    bad_resource_request, conflict, floatingip_not_found, http_bad_request, network_not_found,
    not_found, port_not_found, NResult,
};
use crate::neutron::policy::{floatingip_visible, network_visible, port_visible, require_write};
use crate::neutron::ports::{allocate_default, new_port};
use crate::neutron::request::{
    check_attrs, list, no_content, one, opt_string, required_uuid, show, Call,
};
use crate::neutron::views;
use crate::state::{FloatingIp, State, OWNER_FLOATINGIP, OWNER_ROUTER_INTERFACE};

const ATTRS: &[&str] = &[
    "floating_network_id",
    "port_id",
    "fixed_ip_address",
    "floating_ip_address",
    "description",
    "subnet_id",
];

pub fn find<'s>(call: &Call, state: &'s State, id: &str) -> NResult<&'s FloatingIp> {
    state
        .floating_ips
        .iter()
        .find(|f| f.id == id)
        .filter(|f| floatingip_visible(&call.ctx, f) && call.ctx.can_read())
        .ok_or_else(|| floatingip_not_found(id))
}

pub fn list_floatingips(call: &Call, state: &State) -> NResult<Reply> {
    call.require_reader("get_floatingip")?;
    let items = state
        .floating_ips
        .iter()
        .filter(|f| floatingip_visible(&call.ctx, f))
        .map(|f| views::floatingip(state, f))
        .collect();
    Ok(list(call, "floatingip", items))
}

pub fn show_floatingip(call: &Call, state: &State, id: &str) -> NResult<Reply> {
    let f = find(call, state, id)?;
    Ok(show(call, "floatingip", views::floatingip(state, f)))
}

/// Where a floating IP for `port_id` would be routed: the router with a gateway on the floating network and
/// an interface on the subnet of the chosen fixed IP (`_get_router_for_floatingip`).
fn association(
    call: &Call,
    state: &State,
    floating_network_id: &str,
    floating_ip_id: Option<&str>,
    port_id: &str,
    fixed_ip: Option<&Value>,
) -> NResult<(IpAddr, String)> {
    let port = state
        .port(port_id)
        .filter(|p| port_visible(&call.ctx, state, p))
        .ok_or_else(|| port_not_found(port_id))?;
    let fixed = match fixed_ip {
        Some(v) => {
            let text = python_str(v);
            let ip: IpAddr = text.parse().map_err(|_| {
                http_bad_request(format!(
                    "Invalid input for fixed_ip_address. Reason: '{text}' is not a valid IP address."
                ))
            })?;
            port.fixed_ips.iter().find(|f| f.ip == ip).ok_or_else(|| {
                bad_resource_request(
                    "floatingip",
                    &format!("Port {port_id} does not have fixed ip {ip}"),
                )
            })?
        }
        None => port
            .fixed_ips
            .iter()
            .find(|f| f.ip.is_ipv4())
            .ok_or_else(|| {
                bad_resource_request(
                    "floatingip",
                    &format!("Port {port_id} does not have any IPv4 address"),
                )
            })?,
    };
    if let Some(other) = state.floating_ips.iter().find(|f| {
        f.port_id.as_deref() == Some(port_id)
            && f.fixed_ip == Some(fixed.ip)
            && Some(f.id.as_str()) != floating_ip_id
    }) {
        return Err(conflict(
            "FloatingIPPortAlreadyAssociated",
            format!(
                "Cannot associate floating IP {} ({}) with port {port_id} using fixed IP {}, as that fixed IP already has a floating IP on external network {}.",
                other.floating_ip, other.id, fixed.ip, other.floating_network_id
            ),
        ));
    }
    let router = state.routers.iter().find(|r| {
        r.gateway
            .as_ref()
            .is_some_and(|g| g.network_id == floating_network_id)
            && state.ports.iter().any(|p| {
                p.device_id == r.id
                    && p.device_owner == OWNER_ROUTER_INTERFACE
                    && p.fixed_ips.iter().any(|f| f.subnet_id == fixed.subnet_id)
            })
    });
    match router {
        Some(r) => Ok((fixed.ip, r.id.clone())),
        None => Err(not_found(
            "ExternalGatewayForFloatingIPNotFound",
            format!(
                "External network {floating_network_id} is not reachable from subnet {}.  Therefore, cannot associate Port {port_id} with a Floating IP.",
                fixed.subnet_id
            ),
        )),
    }
}

pub fn create_floatingip(call: &Call, state: &mut State) -> NResult<Reply> {
    let attrs: &Map<String, Value> = call.resource_body("floatingip")?;
    check_attrs(attrs, ATTRS)?;
    let network_id = required_uuid(attrs, "floating_network_id")?;
    let project_id = call.create_project(attrs, "create_floatingip")?;
    crate::neutron::quotas::reserve(call, state, "floatingip", &project_id)?;
    let network = state
        .network(&network_id)
        .filter(|n| network_visible(&call.ctx, state, n))
        .ok_or_else(|| network_not_found(&network_id))?;
    if !network.external {
        return Err(bad_resource_request(
            "floatingip",
            &format!("Network {network_id} is not a valid external network"),
        ));
    }
    let id = call.app.ids.uuid();
    let port_id = match attrs.get("port_id") {
        None | Some(Value::Null) => None,
        Some(v) => Some(python_str(v)),
    };
    let assoc = match &port_id {
        Some(p) => Some(association(
            call,
            state,
            &network_id,
            None,
            p,
            attrs.get("fixed_ip_address"),
        )?),
        None => None,
    };
    let fixed_ips = allocate_default(state, &network_id)?;
    let Some(address) = fixed_ips.first().map(|f| f.ip) else {
        return Err(bad_resource_request(
            "floatingip",
            &format!("Network {network_id} does not contain any IPv4 subnet"),
        ));
    };
    // Floating IP ports belong to no project, as in Neutron.
    let port = new_port(
        call.app,
        state,
        &network_id,
        "",
        fixed_ips,
        &id,
        OWNER_FLOATINGIP,
        call.now,
    );
    let fip = FloatingIp {
        id,
        project_id,
        description: opt_string(attrs, "description")?.unwrap_or_default(),
        floating_network_id: network_id,
        floating_ip: address,
        floating_port_id: port.id.clone(),
        port_id: assoc.as_ref().and(port_id),
        fixed_ip: assoc.as_ref().map(|(ip, _)| *ip),
        router_id: assoc.map(|(_, r)| r),
        created_at: call.now,
        updated_at: call.now,
        revision: 0,
    };
    state.ports.push(port);
    let body = views::floatingip(state, &fip);
    state.floating_ips.push(fip);
    Ok(one(StatusCode::CREATED, "floatingip", body))
}

pub fn update_floatingip(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let fip = find(call, state, id)?.clone();
    require_write(&call.ctx, &fip.project_id, "update_floatingip")?;
    let attrs = call.resource_body("floatingip")?;
    check_attrs(attrs, &["port_id", "fixed_ip_address", "description"])?;
    let description = opt_string(attrs, "description")?;
    let assoc = match attrs.get("port_id") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => {
            let port_id = python_str(v);
            let (ip, router) = association(
                call,
                state,
                &fip.floating_network_id,
                Some(id),
                &port_id,
                attrs.get("fixed_ip_address"),
            )?;
            Some(Some((port_id, ip, router)))
        }
    };
    let now = call.now;
    let Some(f) = state.floating_ips.iter_mut().find(|f| f.id == id) else {
        return Err(floatingip_not_found(id));
    };
    if let Some(d) = description {
        f.description = d;
    }
    match assoc {
        None => {}
        Some(None) => {
            f.port_id = None;
            f.fixed_ip = None;
            f.router_id = None;
        }
        Some(Some((port_id, ip, router))) => {
            f.port_id = Some(port_id);
            f.fixed_ip = Some(ip);
            f.router_id = Some(router);
        }
    }
    f.updated_at = now;
    f.revision += 1;
    let f = find(call, state, id)?;
    Ok(one(
        StatusCode::OK,
        "floatingip",
        views::floatingip(state, f),
    ))
}

pub fn delete_floatingip(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let fip = find(call, state, id)?.clone();
    require_write(&call.ctx, &fip.project_id, "delete_floatingip")?;
    state.remove_port(&fip.floating_port_id);
    state.floating_ips.retain(|f| f.id != id);
    Ok(no_content())
}

pub fn disassociate_port(state: &mut State, port_id: &str, now: SystemTime) {
    for f in state
        .floating_ips
        .iter_mut()
        .filter(|f| f.port_id.as_deref() == Some(port_id))
    {
        f.port_id = None;
        f.fixed_ip = None;
        f.router_id = None;
        f.updated_at = now;
        f.revision += 1;
    }
}
