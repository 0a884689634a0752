//! `/v2.0/networks`.

use axum::http::StatusCode;

use crate::http::Reply;
use crate::neutron::errors::{conflict, network_not_found, policy, NResult};
use crate::neutron::policy::{network_visible, require_admin, require_write};
use crate::neutron::request::{
    check_attrs, list, no_content, one, opt_bool, opt_string, show, Call,
};
use crate::neutron::{quotas, views};
use crate::state::{Network, State};

const ATTRS: &[&str] = &[
    "name",
    "description",
    "admin_state_up",
    "shared",
    "router:external",
    "mtu",
    "port_security_enabled",
    "availability_zone_hints",
];

pub fn list_networks(call: &Call, state: &State) -> NResult<Reply> {
    call.require_reader("get_network")?;
    let items = state
        .networks
        .iter()
        .filter(|n| network_visible(&call.ctx, state, n))
        .map(|n| views::network(state, &call.ctx, n))
        .collect();
    Ok(list(call, "network", items))
}

pub fn find<'s>(call: &Call, state: &'s State, id: &str) -> NResult<&'s Network> {
    state
        .network(id)
        .filter(|n| network_visible(&call.ctx, state, n) && call.ctx.can_read())
        .ok_or_else(|| network_not_found(id))
}

pub fn show_network(call: &Call, state: &State, id: &str) -> NResult<Reply> {
    let n = find(call, state, id)?;
    Ok(show(call, "network", views::network(state, &call.ctx, n)))
}

pub fn create_network(call: &Call, state: &mut State) -> NResult<Reply> {
    let attrs = call.resource_body("network")?;
    check_attrs(attrs, ATTRS)?;
    let project_id = call.create_project(attrs, "create_network")?;
    let external = opt_bool(attrs, "router:external")?.unwrap_or(false);
    if external && !call.ctx.is_admin() {
        return Err(crate::neutron::errors::policy_expr(
            "(rule:create_network and rule:create_network:router:external)",
        ));
    }
    let shared = opt_bool(attrs, "shared")?.unwrap_or(false);
    if shared {
        require_admin(&call.ctx, "create_network:shared")?;
    }
    quotas::reserve(call, state, "network", &project_id)?;
    let network = Network {
        id: call.app.ids.uuid(),
        name: opt_string(attrs, "name")?.unwrap_or_default(),
        description: opt_string(attrs, "description")?.unwrap_or_default(),
        project_id,
        admin_state_up: opt_bool(attrs, "admin_state_up")?.unwrap_or(true),
        shared,
        external,
        mtu: attrs
            .get("mtu")
            .and_then(|v| v.as_u64())
            .map(|m| m.min(9000) as u32)
            .unwrap_or(1500),
        created_at: call.now,
        updated_at: call.now,
        revision: 1,
    };
    let body = views::network(state, &call.ctx, &network);
    state.networks.push(network);
    Ok(one(StatusCode::CREATED, "network", body))
}

pub fn update_network(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let project = find(call, state, id)?.project_id.clone();
    require_write(&call.ctx, &project, "update_network")?;
    let attrs = call.resource_body("network")?;
    check_attrs(attrs, ATTRS)?;
    let name = opt_string(attrs, "name")?;
    let description = opt_string(attrs, "description")?;
    let admin_state_up = opt_bool(attrs, "admin_state_up")?;
    let external = opt_bool(attrs, "router:external")?;
    if external.is_some() {
        require_admin(&call.ctx, "update_network:router:external")?;
    }
    let shared = opt_bool(attrs, "shared")?;
    if shared.is_some() {
        require_admin(&call.ctx, "update_network:shared")?;
    }
    let now = call.now;
    let Some(n) = state.networks.iter_mut().find(|n| n.id == id) else {
        return Err(network_not_found(id));
    };
    if let Some(v) = name {
        n.name = v;
    }
    if let Some(v) = description {
        n.description = v;
    }
    if let Some(v) = admin_state_up {
        n.admin_state_up = v;
    }
    if let Some(v) = external {
        n.external = v;
    }
    if let Some(v) = shared {
        n.shared = v;
    }
    n.updated_at = now;
    n.revision += 1;
    let n = find(call, state, id)?;
    Ok(one(
        StatusCode::OK,
        "network",
        views::network(state, &call.ctx, n),
    ))
}

pub fn delete_network(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let project = find(call, state, id)?.project_id.clone();
    if !call.ctx.can_write() {
        return Err(policy("delete_network"));
    }
    require_write(&call.ctx, &project, "delete_network")?;
    if state.ports.iter().any(|p| p.network_id == id) {
        return Err(conflict(
            "NetworkInUse",
            format!("Unable to complete operation on network {id}. There are one or more ports still in use on the network."),
        ));
    }
    state.subnets.retain(|s| s.network_id != id);
    state.rbac_policies.retain(|p| p.object_id != id);
    state.networks.retain(|n| n.id != id);
    Ok(no_content())
}
