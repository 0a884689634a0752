//! `/v2.0/routers`: CRUD, extra routes (`routes`, `add_extraroutes`, `remove_extraroutes`) and the external
//! gateway.

use std::net::IpAddr;

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::http::{python_repr, python_str, Reply};
use crate::ipam::Cidr;
use crate::neutron::errors::{
    bad_request, bad_resource_request, conflict, http_bad_request, network_not_found,
    router_not_found, NResult,
};
use crate::neutron::policy::{
    network_visible, require_admin, require_router_write, require_write, router_visible,
};
use crate::neutron::ports::{allocate_default, new_port, remove_port_and_dependents};
use crate::neutron::request::{
    check_attrs, list, no_content, one, opt_bool, opt_string, show, Call,
};
use crate::neutron::views;
use crate::state::{Gateway, Route, Router, State, OWNER_ROUTER_GATEWAY, OWNER_ROUTER_INTERFACE};

const ATTRS: &[&str] = &[
    "name",
    "description",
    "admin_state_up",
    "external_gateway_info",
    "routes",
    "distributed",
    "ha",
    "availability_zone_hints",
    "flavor_id",
];

pub fn find<'s>(call: &Call, state: &'s State, id: &str) -> NResult<&'s Router> {
    state
        .router(id)
        .filter(|r| router_visible(&call.ctx, r) && call.ctx.can_read())
        .ok_or_else(|| router_not_found(id))
}

pub fn router_reply(call: &Call, state: &State, status: StatusCode, id: &str) -> NResult<Reply> {
    let r = find(call, state, id)?;
    Ok(one(status, "router", views::router(state, &call.ctx, r)))
}

pub fn list_routers(call: &Call, state: &State) -> NResult<Reply> {
    call.require_reader("get_router")?;
    let items = state
        .routers
        .iter()
        .filter(|r| router_visible(&call.ctx, r))
        .map(|r| views::router(state, &call.ctx, r))
        .collect();
    Ok(list(call, "router", items))
}

pub fn show_router(call: &Call, state: &State, id: &str) -> NResult<Reply> {
    let r = find(call, state, id)?;
    Ok(show(call, "router", views::router(state, &call.ctx, r)))
}

pub fn create_router(call: &Call, state: &mut State) -> NResult<Reply> {
    let attrs = call.resource_body("router")?;
    check_attrs(attrs, ATTRS)?;
    let project_id = call.create_project(attrs, "create_router")?;
    if attrs.contains_key("distributed") || attrs.contains_key("ha") {
        require_admin(&call.ctx, "create_router:distributed")?;
    }
    crate::neutron::quotas::reserve(call, state, "router", &project_id)?;
    let gateway_spec = parse_gateway(
        call,
        state,
        attrs.get("external_gateway_info"),
        "create_router",
    )?;
    let router = Router {
        id: call.app.ids.uuid(),
        name: opt_string(attrs, "name")?.unwrap_or_default(),
        description: opt_string(attrs, "description")?.unwrap_or_default(),
        project_id,
        admin_state_up: opt_bool(attrs, "admin_state_up")?.unwrap_or(true),
        gateway: None,
        routes: Vec::new(),
        created_at: call.now,
        updated_at: call.now,
        revision: 1,
    };
    let id = router.id.clone();
    state.routers.push(router);
    if let Some(spec) = gateway_spec {
        if let Err(e) = set_gateway(call, state, &id, spec) {
            state.routers.retain(|r| r.id != id);
            return Err(e);
        }
    }
    router_reply(call, state, StatusCode::CREATED, &id)
}

/// `None` when the request does not mention the gateway; `Some(None)` to clear it.
type GatewaySpec = Option<(String, bool)>;

fn parse_gateway(
    call: &Call,
    state: &State,
    value: Option<&Value>,
    action: &str,
) -> NResult<Option<GatewaySpec>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let map = match value {
        Value::Null => return Ok(Some(None)),
        Value::Object(m) if m.is_empty() => return Ok(Some(None)),
        Value::Object(m) => m,
        other => {
            return Err(http_bad_request(format!(
                "Invalid input for external_gateway_info. Reason: '{}' is not a dictionary.",
                python_str(other)
            )))
        }
    };
    if map.contains_key("enable_snat") {
        require_admin(
            &call.ctx,
            &format!("{action}:external_gateway_info:enable_snat"),
        )?;
    }
    if map.contains_key("external_fixed_ips") {
        require_admin(
            &call.ctx,
            &format!("{action}:external_gateway_info:external_fixed_ips"),
        )?;
    }
    let Some(network_id) = map.get("network_id").and_then(Value::as_str) else {
        return Err(http_bad_request(
            "Invalid input for external_gateway_info. Reason: Validation of dictionary's keys failed. Expected keys: {'network_id'} Provided keys: set().",
        ));
    };
    let network = state
        .network(network_id)
        .filter(|n| network_visible(&call.ctx, state, n))
        .ok_or_else(|| network_not_found(network_id))?;
    if !network.external {
        return Err(bad_resource_request(
            "router",
            &format!("Network {network_id} is not an external network"),
        ));
    }
    let snat = map
        .get("enable_snat")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    Ok(Some(Some((network_id.to_string(), snat))))
}

fn set_gateway(call: &Call, state: &mut State, router_id: &str, spec: GatewaySpec) -> NResult<()> {
    let current = state.router(router_id).and_then(|r| r.gateway.clone());
    if let Some(gw) = &current {
        let keeps_network = spec.as_ref().is_some_and(|(n, _)| n == &gw.network_id);
        if !keeps_network
            && state
                .floating_ips
                .iter()
                .any(|f| f.router_id.as_deref() == Some(router_id))
        {
            return Err(conflict(
                "RouterExternalGatewayInUseByFloatingIp",
                format!("Gateway cannot be updated for router {router_id}, since a gateway to external network {} is required by one or more floating IPs.", gw.network_id),
            ));
        }
        if keeps_network {
            if let (Some(r), Some((_, snat))) = (state.router_mut(router_id), spec) {
                if let Some(g) = r.gateway.as_mut() {
                    g.enable_snat = snat;
                }
            }
            return Ok(());
        }
        state.remove_port(&gw.port_id);
        if let Some(r) = state.router_mut(router_id) {
            r.gateway = None;
        }
    }
    if let Some((network_id, enable_snat)) = spec {
        let fixed_ips = allocate_default(state, &network_id)?;
        // Gateway ports belong to no project, as in Neutron.
        let port = new_port(
            call.app,
            state,
            &network_id,
            "",
            fixed_ips,
            router_id,
            OWNER_ROUTER_GATEWAY,
            call.now,
        );
        let port_id = port.id.clone();
        state.ports.push(port);
        if let Some(r) = state.router_mut(router_id) {
            r.gateway = Some(Gateway {
                network_id,
                enable_snat,
                port_id,
            });
        }
    }
    Ok(())
}

fn parse_routes(value: &Value) -> NResult<Vec<Route>> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        other => {
            return Err(http_bad_request(format!(
                "Invalid input for routes. Reason: Invalid data format for hostroute: '{}'.",
                python_str(other)
            )))
        }
    };
    let mut routes: Vec<Route> = Vec::new();
    for item in items {
        let bad = || {
            http_bad_request(format!(
                "Invalid input for routes. Reason: Invalid data format for hostroute: '{}'.",
                python_str(item)
            ))
        };
        let destination = item
            .get("destination")
            .and_then(Value::as_str)
            .ok_or_else(bad)?;
        let nexthop = item
            .get("nexthop")
            .and_then(Value::as_str)
            .ok_or_else(bad)?;
        let cidr = Cidr::parse(destination).map_err(|_| {
            http_bad_request(format!(
                "Invalid input for routes. Reason: '{destination}' is not a valid IP subnet."
            ))
        })?;
        let nexthop: IpAddr = nexthop.parse().map_err(|_| {
            http_bad_request(format!(
                "Invalid input for routes. Reason: '{nexthop}' is not a valid IP address."
            ))
        })?;
        let route = Route {
            destination: cidr.to_string(),
            nexthop,
        };
        if routes.contains(&route) {
            return Err(http_bad_request(format!(
                "Invalid input for routes. Reason: Duplicate hostroute '{}'.",
                python_str(item)
            )));
        }
        routes.push(route);
    }
    Ok(routes)
}

fn routes_repr(routes: &[Route]) -> String {
    python_repr(&Value::Array(
        routes
            .iter()
            .map(|r| {
                let mut m = Map::new();
                m.insert("destination".into(), Value::String(r.destination.clone()));
                m.insert("nexthop".into(), Value::String(r.nexthop.to_string()));
                Value::Object(m)
            })
            .collect(),
    ))
}

/// extraroute_db `_validate_routes`: every nexthop inside a router port's CIDR and not a router address.
fn validate_routes(state: &State, router_id: &str, routes: &[Route]) -> NResult<()> {
    let mut cidrs = Vec::new();
    let mut ips = Vec::new();
    for port in state.router_ports(router_id) {
        for f in &port.fixed_ips {
            if let Some(s) = state.subnet(&f.subnet_id) {
                cidrs.push(s.cidr);
            }
            ips.push(f.ip);
        }
    }
    for route in routes {
        let invalid = |reason: &str| {
            bad_request(
                "InvalidRoutes",
                format!(
                    "Invalid format for routes: {}, {reason}",
                    routes_repr(routes)
                ),
            )
        };
        if !cidrs.iter().any(|c| c.contains(route.nexthop)) {
            return Err(invalid("the nexthop is not connected with router"));
        }
        if ips.contains(&route.nexthop) {
            return Err(invalid("the nexthop is used by router"));
        }
    }
    Ok(())
}

fn bump(state: &mut State, router_id: &str, now: std::time::SystemTime) {
    if let Some(r) = state.router_mut(router_id) {
        r.updated_at = now;
        r.revision += 1;
    }
}

pub fn update_router(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let router = find(call, state, id)?;
    require_router_write(&call.ctx, &router.project_id.clone(), "update_router")?;
    call.check_if_match(router.revision)?;
    let attrs = call.resource_body("router")?;
    check_attrs(attrs, ATTRS)?;
    let name = opt_string(attrs, "name")?;
    let description = opt_string(attrs, "description")?;
    let admin_state_up = opt_bool(attrs, "admin_state_up")?;
    let routes = attrs.get("routes").map(parse_routes).transpose()?;
    let gateway = parse_gateway(
        call,
        state,
        attrs.get("external_gateway_info"),
        "update_router",
    )?;
    if let Some(spec) = gateway {
        set_gateway(call, state, id, spec)?;
    }
    if let Some(routes) = &routes {
        validate_routes(state, id, routes)?;
    }
    let Some(r) = state.router_mut(id) else {
        return Err(router_not_found(id));
    };
    if let Some(v) = name {
        r.name = v;
    }
    if let Some(v) = description {
        r.description = v;
    }
    if let Some(v) = admin_state_up {
        r.admin_state_up = v;
    }
    if let Some(v) = routes {
        r.routes = v;
    }
    bump(state, id, call.now);
    router_reply(call, state, StatusCode::OK, id)
}

/// `PUT /routers/{id}/add_extraroutes` and `remove_extraroutes` (extraroute-atomic).
pub fn change_extraroutes(call: &Call, state: &mut State, id: &str, add: bool) -> NResult<Reply> {
    let project = find(call, state, id)?.project_id.clone();
    let action = if add {
        "add_extraroutes"
    } else {
        "remove_extraroutes"
    };
    require_write(&call.ctx, &project, action)?;
    let attrs = call.resource_body("router")?;
    let requested = parse_routes(attrs.get("routes").unwrap_or(&Value::Null))?;
    let current = state
        .router(id)
        .map(|r| r.routes.clone())
        .unwrap_or_default();
    let routes: Vec<Route> = if add {
        let mut all = current;
        for r in requested {
            if !all.contains(&r) {
                all.push(r);
            }
        }
        validate_routes(state, id, &all)?;
        all
    } else {
        current
            .into_iter()
            .filter(|r| !requested.contains(r))
            .collect()
    };
    if let Some(r) = state.router_mut(id) {
        r.routes = routes;
    }
    bump(state, id, call.now);
    router_reply(call, state, StatusCode::OK, id)
}

pub fn delete_router(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let router = find(call, state, id)?;
    require_router_write(&call.ctx, &router.project_id.clone(), "delete_router")?;
    call.check_if_match(router.revision)?;
    let mut attached: Vec<&str> = state
        .ports
        .iter()
        .filter(|p| p.device_id == id && p.device_owner == OWNER_ROUTER_INTERFACE)
        .map(|p| p.id.as_str())
        .collect();
    if !attached.is_empty() {
        attached.sort_unstable();
        return Err(conflict(
            "RouterInUse",
            format!(
                "Router {id} has ports still attached: {}",
                attached.join(", ")
            ),
        ));
    }
    if let Some(gw) = state.router(id).and_then(|r| r.gateway.clone()) {
        remove_port_and_dependents(state, &gw.port_id, call.now);
    }
    state.routers.retain(|r| r.id != id);
    Ok(no_content())
}
