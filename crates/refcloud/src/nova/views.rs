//! Nova response bodies: servers, flavors, interface attachments.

use serde_json::{json, Map, Value};

use crate::clock;
use crate::neutron::views::fixed_ips_value;
use crate::nova::call::NCall;
use crate::state::{Flavor, Port, Server, State, VmState, COMPUTE_HOST};

/// Nova's hostId is sha224(project_id + host); any stable 56-hex value per project serves clients equally.
pub fn host_id(project_id: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut out = String::new();
    for round in 0..4u8 {
        for b in project_id
            .bytes()
            .chain(COMPUTE_HOST.bytes())
            .chain([round])
        {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out.truncate(56);
    out
}

pub fn server_links(call: &NCall, id: &str) -> Value {
    json!([
        {"rel": "self", "href": format!("{}/servers/{id}", call.link_prefix(true))},
        {"rel": "bookmark", "href": format!("{}/servers/{id}", call.link_prefix(false))}
    ])
}

pub fn flavor_value(call: &NCall, f: &Flavor, detail: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(f.id));
    m.insert("name".into(), json!(f.name));
    if detail {
        m.insert("ram".into(), json!(f.ram));
        m.insert("disk".into(), json!(f.disk));
        m.insert("swap".into(), json!(""));
        m.insert("OS-FLV-EXT-DATA:ephemeral".into(), json!(0));
        m.insert("OS-FLV-DISABLED:disabled".into(), json!(false));
        m.insert("vcpus".into(), json!(f.vcpus));
        m.insert("os-flavor-access:is_public".into(), json!(true));
        m.insert("rxtx_factor".into(), json!(1.0));
    }
    m.insert(
        "links".into(),
        json!([
            {"rel": "self", "href": format!("{}/flavors/{}", call.link_prefix(true), f.id)},
            {"rel": "bookmark", "href": format!("{}/flavors/{}", call.link_prefix(false), f.id)}
        ]),
    );
    if call.version.at_least(2, 55) {
        m.insert("description".into(), Value::Null);
    }
    if detail && call.version.at_least(2, 61) {
        m.insert("extra_specs".into(), json!({}));
    }
    Value::Object(m)
}

fn addresses(state: &State, server: &Server) -> Value {
    let mut out = Map::new();
    for port in state.ports.iter().filter(|p| p.device_id == server.id) {
        let name = state
            .network(&port.network_id)
            .map(|n| n.name.clone())
            .unwrap_or_default();
        let mut entries: Vec<Value> = port
            .fixed_ips
            .iter()
            .map(|f| {
                json!({"version": if f.ip.is_ipv4() { 4 } else { 6 }, "addr": f.ip.to_string(),
                       "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": port.mac_address})
            })
            .collect();
        for fip in state
            .floating_ips
            .iter()
            .filter(|f| f.port_id.as_deref() == Some(port.id.as_str()))
        {
            entries.push(json!({"version": 4, "addr": fip.floating_ip.to_string(),
                "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": port.mac_address}));
        }
        match out.get_mut(&name) {
            Some(Value::Array(list)) => list.extend(entries),
            _ => {
                out.insert(name, Value::Array(entries));
            }
        }
    }
    Value::Object(out)
}

pub fn server_summary(call: &NCall, s: &Server) -> Value {
    json!({"id": s.id, "name": s.name, "links": server_links(call, &s.id)})
}

pub fn server_detail(call: &NCall, state: &State, s: &Server, show: bool) -> Value {
    let v = call.version;
    let admin = call.ctx.is_admin();
    let mut m = Map::new();
    m.insert("accessIPv4".into(), json!(""));
    m.insert("accessIPv6".into(), json!(""));
    m.insert("addresses".into(), addresses(state, s));
    m.insert("created".into(), json!(clock::seconds(s.created_at)));
    let flavor = state.flavors.iter().find(|f| f.id == s.flavor_id);
    if v.at_least(2, 47) {
        m.insert(
            "flavor".into(),
            match flavor {
                Some(f) => json!({"vcpus": f.vcpus, "ram": f.ram, "disk": f.disk, "ephemeral": 0,
                                  "swap": 0, "original_name": f.name, "extra_specs": {}}),
                None => json!({}),
            },
        );
    } else {
        m.insert(
            "flavor".into(),
            json!({"id": s.flavor_id, "links": [{"rel": "bookmark",
                "href": format!("{}/flavors/{}", call.link_prefix(false), s.flavor_id)}]}),
        );
    }
    m.insert("hostId".into(), json!(host_id(&s.project_id)));
    m.insert("id".into(), json!(s.id));
    m.insert(
        "image".into(),
        json!({"id": s.image_id, "links": [{"rel": "bookmark",
            "href": format!("{}/images/{}", call.link_prefix(false), s.image_id)}]}),
    );
    m.insert("links".into(), server_links(call, &s.id));
    m.insert("metadata".into(), json!({}));
    m.insert("name".into(), json!(s.name));
    m.insert("status".into(), json!(s.vm_state.status()));
    m.insert("tenant_id".into(), json!(s.project_id));
    m.insert("user_id".into(), json!(s.user_id));
    m.insert("updated".into(), json!(clock::seconds(s.updated_at)));
    m.insert("OS-DCF:diskConfig".into(), json!("MANUAL"));
    // Nova's show: the fault of an ERROR (or DELETED) server, then progress.
    if let Some(f) = &s.fault {
        m.insert(
            "fault".into(),
            json!({"code": f.code, "created": clock::seconds(f.created), "message": f.message}),
        );
    }
    if matches!(s.vm_state, VmState::Building | VmState::Active) {
        m.insert("progress".into(), json!(0));
    }
    m.insert("OS-EXT-AZ:availability_zone".into(), json!("nova"));
    m.insert("config_drive".into(), json!(""));
    m.insert("key_name".into(), json!(s.key_name));
    m.insert(
        "OS-SRV-USG:launched_at".into(),
        json!(s.launched_at.map(clock::micros_naive)),
    );
    m.insert("OS-SRV-USG:terminated_at".into(), Value::Null);
    if admin {
        m.insert("OS-EXT-SRV-ATTR:host".into(), json!(COMPUTE_HOST));
        m.insert(
            "OS-EXT-SRV-ATTR:instance_name".into(),
            json!(format!("instance-{}", &s.id[..8.min(s.id.len())])),
        );
        m.insert(
            "OS-EXT-SRV-ATTR:hypervisor_hostname".into(),
            json!(COMPUTE_HOST),
        );
    }
    m.insert("security_groups".into(), json!([{"name": "default"}]));
    m.insert("OS-EXT-STS:task_state".into(), json!(s.task_state));
    m.insert("OS-EXT-STS:vm_state".into(), json!(s.vm_state.as_str()));
    m.insert(
        "OS-EXT-STS:power_state".into(),
        json!(s.vm_state.power_state()),
    );
    m.insert("os-extended-volumes:volumes_attached".into(), json!([]));
    if v.at_least(2, 9) {
        m.insert("locked".into(), json!(s.locked));
    }
    if v.at_least(2, 19) {
        m.insert("description".into(), json!(s.description));
    }
    if v.at_least(2, 26) {
        m.insert("tags".into(), json!([]));
    }
    if v.at_least(2, 63) {
        m.insert("trusted_image_certificates".into(), Value::Null);
    }
    if show && v.at_least(2, 71) {
        m.insert("server_groups".into(), json!([]));
    }
    if v.at_least(2, 73) {
        m.insert("locked_reason".into(), json!(s.locked_reason));
    }
    if v.at_least(2, 90) {
        m.insert("OS-EXT-SRV-ATTR:hostname".into(), json!(s.name));
    }
    if v.at_least(2, 96) {
        m.insert("pinned_availability_zone".into(), Value::Null);
    }
    if v.at_least(2, 100) {
        m.insert("scheduler_hints".into(), json!({}));
    }
    Value::Object(m)
}

pub fn attachment(call: &NCall, port: &Port) -> Value {
    let mut m = Map::new();
    m.insert("net_id".into(), json!(port.network_id));
    m.insert("port_id".into(), json!(port.id));
    m.insert("mac_addr".into(), json!(port.mac_address));
    m.insert("port_state".into(), json!(port.status()));
    m.insert("fixed_ips".into(), fixed_ips_value(port, true));
    if call.version.at_least(2, 70) {
        m.insert("tag".into(), json!(port.nova_tag));
    }
    Value::Object(m)
}
