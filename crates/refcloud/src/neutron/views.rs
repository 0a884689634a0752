//! Neutron resource bodies, list filtering and `fields=` selection.

use serde_json::{json, Map, Value};

use crate::auth::Context;
use crate::clock;
use crate::config::OwnerKey;
use crate::state::{FloatingIp, Network, Port, Router, State, Subnet};

/// Resource bodies carry both owner keys in Neutron 29 [obs]; only the router interface info has one.
fn owner(map: &mut Map<String, Value>, project_id: &str) {
    map.insert("tenant_id".into(), json!(project_id));
    map.insert("project_id".into(), json!(project_id));
}

fn standard_attrs(
    map: &mut Map<String, Value>,
    created: std::time::SystemTime,
    updated: std::time::SystemTime,
    revision: u64,
) {
    map.insert("tags".into(), json!([]));
    map.insert("created_at".into(), json!(clock::seconds(created)));
    map.insert("updated_at".into(), json!(clock::seconds(updated)));
    map.insert("revision_number".into(), json!(revision));
}

pub fn network(state: &State, ctx: &Context, n: &Network) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(n.id));
    m.insert("name".into(), json!(n.name));
    owner(&mut m, &n.project_id);
    m.insert("admin_state_up".into(), json!(n.admin_state_up));
    m.insert("mtu".into(), json!(n.mtu));
    m.insert("status".into(), json!("ACTIVE"));
    m.insert(
        "subnets".into(),
        json!(state
            .subnets_of(&n.id)
            .map(|s| s.id.clone())
            .collect::<Vec<_>>()),
    );
    // Per caller: true too for a project an RBAC policy shares the network with [obs].
    m.insert(
        "shared".into(),
        json!(crate::neutron::policy::is_shared_with(ctx, state, n)),
    );
    m.insert("availability_zone_hints".into(), json!([]));
    m.insert("availability_zones".into(), json!([]));
    m.insert("ipv4_address_scope".into(), Value::Null);
    m.insert("ipv6_address_scope".into(), Value::Null);
    m.insert("router:external".into(), json!(n.external));
    m.insert("qinq".into(), json!(false));
    m.insert("vlan_transparent".into(), json!(false));
    m.insert("description".into(), json!(n.description));
    standard_attrs(&mut m, n.created_at, n.updated_at, n.revision);
    if ctx.is_admin() {
        m.insert("provider:network_type".into(), json!("local"));
        m.insert("provider:physical_network".into(), Value::Null);
        m.insert("provider:segmentation_id".into(), Value::Null);
    }
    Value::Object(m)
}

pub fn subnet(state: &State, s: &Subnet) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(s.id));
    m.insert("name".into(), json!(s.name));
    owner(&mut m, &s.project_id);
    m.insert("network_id".into(), json!(s.network_id));
    m.insert("ip_version".into(), json!(s.cidr.version()));
    m.insert("subnetpool_id".into(), Value::Null);
    m.insert("enable_dhcp".into(), json!(s.enable_dhcp));
    m.insert("ipv6_ra_mode".into(), json!(s.ipv6_ra_mode));
    m.insert("ipv6_address_mode".into(), json!(s.ipv6_address_mode));
    m.insert(
        "gateway_ip".into(),
        json!(s.gateway_ip.map(|g| g.to_string())),
    );
    m.insert("cidr".into(), json!(s.cidr.to_string()));
    m.insert(
        "allocation_pools".into(),
        Value::Array(
            s.pools
                .iter()
                .map(|(a, b)| json!({"start": a.to_string(), "end": b.to_string()}))
                .collect(),
        ),
    );
    let routes: Vec<Value> = s
        .host_routes
        .iter()
        .map(|(d, n)| json!({"destination": d, "nexthop": n}))
        .collect();
    m.insert("host_routes".into(), Value::Array(routes));
    m.insert("dns_nameservers".into(), json!(s.dns_nameservers));
    m.insert("description".into(), json!(s.description));
    m.insert(
        "router:external".into(),
        json!(state.network(&s.network_id).is_some_and(|n| n.external)),
    );
    m.insert("service_types".into(), json!([]));
    standard_attrs(&mut m, s.created_at, s.updated_at, s.revision);
    Value::Object(m)
}

pub fn fixed_ips(p: &Port) -> Value {
    fixed_ips_value(p, false)
}

/// Neutron lists `subnet_id` first; Nova's interface attachments list `ip_address` first.
pub fn fixed_ips_value(p: &Port, ip_first: bool) -> Value {
    Value::Array(
        p.fixed_ips
            .iter()
            .map(|f| {
                let mut m = Map::new();
                if ip_first {
                    m.insert("ip_address".into(), json!(f.ip.to_string()));
                    m.insert("subnet_id".into(), json!(f.subnet_id));
                } else {
                    m.insert("subnet_id".into(), json!(f.subnet_id));
                    m.insert("ip_address".into(), json!(f.ip.to_string()));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

pub fn port(ctx: &Context, p: &Port) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(p.id));
    m.insert("name".into(), json!(p.name));
    m.insert("network_id".into(), json!(p.network_id));
    owner(&mut m, &p.project_id);
    m.insert("mac_address".into(), json!(p.mac_address));
    m.insert("admin_state_up".into(), json!(p.admin_state_up));
    m.insert("status".into(), json!(p.status()));
    m.insert("device_id".into(), json!(p.device_id));
    m.insert("device_owner".into(), json!(p.device_owner));
    m.insert("fixed_ips".into(), fixed_ips(p));
    m.insert("allowed_address_pairs".into(), json!([]));
    m.insert("extra_dhcp_opts".into(), json!([]));
    m.insert("security_groups".into(), json!(p.security_groups));
    m.insert("description".into(), json!(p.description));
    m.insert("binding:vnic_type".into(), json!("normal"));
    if ctx.is_admin() {
        // Binding details are admin-only under Neutron's default policy.
        m.insert("binding:host_id".into(), json!(p.host_id));
        m.insert("binding:profile".into(), json!({}));
        m.insert("binding:vif_details".into(), json!({}));
        m.insert(
            "binding:vif_type".into(),
            json!(if p.host_id.is_empty() {
                "unbound"
            } else {
                "ovs"
            }),
        );
    }
    standard_attrs(&mut m, p.created_at, p.updated_at, p.revision);
    Value::Object(m)
}

pub fn gateway_info(state: &State, r: &Router) -> Value {
    match &r.gateway {
        None => Value::Null,
        Some(gw) => {
            let ips = state
                .port(&gw.port_id)
                .map(fixed_ips)
                .unwrap_or_else(|| json!([]));
            json!({"network_id": gw.network_id, "external_fixed_ips": ips, "enable_snat": gw.enable_snat})
        }
    }
}

pub fn router(state: &State, ctx: &Context, r: &Router) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(r.id));
    m.insert("name".into(), json!(r.name));
    owner(&mut m, &r.project_id);
    m.insert("admin_state_up".into(), json!(r.admin_state_up));
    m.insert("status".into(), json!("ACTIVE"));
    m.insert("external_gateway_info".into(), gateway_info(state, r));
    m.insert("description".into(), json!(r.description));
    m.insert("availability_zones".into(), json!([]));
    m.insert("availability_zone_hints".into(), json!([]));
    m.insert(
        "routes".into(),
        Value::Array(
            r.routes
                .iter()
                .map(|rt| json!({"destination": rt.destination, "nexthop": rt.nexthop.to_string()}))
                .collect(),
        ),
    );
    m.insert("flavor_id".into(), Value::Null);
    if ctx.is_admin() {
        m.insert("distributed".into(), json!(false));
        m.insert("ha".into(), json!(false));
    }
    standard_attrs(&mut m, r.created_at, r.updated_at, r.revision);
    Value::Object(m)
}

pub fn floatingip(state: &State, f: &FloatingIp) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(f.id));
    owner(&mut m, &f.project_id);
    m.insert(
        "floating_ip_address".into(),
        json!(f.floating_ip.to_string()),
    );
    m.insert("floating_network_id".into(), json!(f.floating_network_id));
    m.insert("router_id".into(), json!(f.router_id));
    m.insert("port_id".into(), json!(f.port_id));
    m.insert(
        "fixed_ip_address".into(),
        json!(f.fixed_ip.map(|i| i.to_string())),
    );
    // Without an L3 agent nothing ever sets a floating IP ACTIVE [obs].
    m.insert("status".into(), json!("DOWN"));
    m.insert("description".into(), json!(f.description));
    let details = f.port_id.as_deref().and_then(|id| state.port(id)).map(|p| {
        json!({"name": p.name, "network_id": p.network_id, "mac_address": p.mac_address,
               "admin_state_up": p.admin_state_up, "status": p.status(),
               "device_id": p.device_id, "device_owner": p.device_owner})
    });
    m.insert("port_details".into(), details.unwrap_or(Value::Null));
    standard_attrs(&mut m, f.created_at, f.updated_at, f.revision);
    Value::Object(m)
}

/// Router interface info (`_make_router_interface_info`): a bare object with exactly one owner key.
pub fn interface_info(
    key: OwnerKey,
    router_id: &str,
    port: &Port,
    subnet_id: &str,
    subnet_ids: &[String],
) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(router_id));
    m.insert(key.key().into(), json!(port.project_id));
    m.insert("port_id".into(), json!(port.id));
    m.insert("network_id".into(), json!(port.network_id));
    m.insert("subnet_id".into(), json!(subnet_id));
    m.insert("subnet_ids".into(), json!(subnet_ids));
    Value::Object(m)
}

/// Query parameters that are not attribute filters.
const NOT_FILTERS: &[&str] = &[
    "fields",
    "limit",
    "marker",
    "page_reverse",
    "sort_key",
    "sort_dir",
];

fn matches_one(value: &Value, wanted: &str) -> bool {
    match value {
        Value::String(s) => s == wanted,
        Value::Bool(b) => wanted.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Value::Number(n) => n.to_string() == wanted,
        Value::Null => wanted.is_empty(),
        // `fixed_ips=ip_address=X` and `fixed_ips=subnet_id=Y`.
        Value::Array(items) => items.iter().any(|item| match wanted.split_once('=') {
            Some((k, v)) => item.get(k).and_then(Value::as_str) == Some(v),
            None => matches_one(item, wanted),
        }),
        Value::Object(_) => false,
    }
}

pub fn matches_filters(item: &Value, query: &[(String, String)]) -> bool {
    let mut keys: Vec<&str> = query
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !NOT_FILTERS.contains(k))
        .collect();
    keys.dedup();
    keys.iter().all(|key| {
        let Some(value) = item.get(*key) else {
            return true;
        };
        query
            .iter()
            .filter(|(k, _)| k == key)
            .any(|(_, wanted)| matches_one(value, wanted))
    })
}

pub fn select_fields(item: Value, query: &[(String, String)]) -> Value {
    let fields: Vec<&str> = query
        .iter()
        .filter(|(k, _)| k == "fields")
        .flat_map(|(_, v)| v.split(','))
        .filter(|f| !f.is_empty())
        .collect();
    if fields.is_empty() {
        return item;
    }
    match item {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| fields.contains(&k.as_str()))
                .collect(),
        ),
        other => other,
    }
}
