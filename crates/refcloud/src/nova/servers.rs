//! `/servers` and `/flavors`.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::app::App;
use crate::http::{python_str, JsonStyle, Reply};
use crate::ids::is_canonical_uuid;
use crate::nova::call::NCall;
use crate::nova::faults::{bad_request, not_found, policy, schema_error, NovaResult};
use crate::nova::{instance_actions, ports, quotas, views};
use crate::state::{Server, ServerFault, State, VmState};

fn ok(value: Value) -> Reply {
    Reply::json(StatusCode::OK, &value, JsonStyle::Python)
}

pub fn list(call: &NCall, state: &State, detail: bool) -> NovaResult<Reply> {
    if !call.ctx.can_read() {
        return Err(policy(if detail {
            "os_compute_api:servers:detail"
        } else {
            "os_compute_api:servers:index"
        }));
    }
    let query = call.req.query_pairs();
    let all_tenants = call.ctx.is_admin()
        && query
            .iter()
            .any(|(k, v)| k == "all_tenants" && !matches!(v.as_str(), "0" | "false" | "False"));
    let name = query
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.clone());
    let status = query
        .iter()
        .find(|(k, _)| k == "status")
        .map(|(_, v)| v.to_ascii_uppercase());
    let items: Vec<Value> = state
        .servers
        .iter()
        .rev()
        .filter(|s| all_tenants || call.ctx.project_id.as_deref() == Some(s.project_id.as_str()))
        .filter(|s| name.as_ref().is_none_or(|n| s.name.contains(n.as_str())))
        .filter(|s| status.as_ref().is_none_or(|st| s.vm_state.status() == st))
        .map(|s| {
            if detail {
                views::server_detail(call, state, s, false)
            } else {
                views::server_summary(call, s)
            }
        })
        .collect();
    Ok(ok(json!({"servers": items})))
}

pub fn show(call: &NCall, state: &State, id: &str) -> NovaResult<Reply> {
    let server = call.server(state, id)?;
    call.can_read(server, "os_compute_api:servers:show")?;
    Ok(ok(
        json!({"server": views::server_detail(call, state, server, true)}),
    ))
}

enum Requested {
    Network(String, Option<IpAddr>),
    Port(String),
}

fn parse_networks(call: &NCall, server: &Value) -> NovaResult<Option<Vec<Requested>>> {
    let networks = server.get("networks");
    match networks {
        None if call.version.at_least(2, 37) => Err(schema_error(
            "server",
            server,
            "'networks' is a required property",
        )),
        None => Ok(None),
        Some(Value::String(s)) if s == "auto" && call.version.at_least(2, 37) => Ok(None),
        Some(Value::String(s)) if s == "none" && call.version.at_least(2, 37) => {
            Ok(Some(Vec::new()))
        }
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for item in items {
                if let Some(port) = item.get("port").filter(|v| !v.is_null()) {
                    let p = python_str(port);
                    if !is_canonical_uuid(&p) {
                        return Err(schema_error(
                            "port",
                            port,
                            &format!("'{p}' is not a 'uuid'"),
                        ));
                    }
                    out.push(Requested::Port(p));
                } else if let Some(uuid) = item.get("uuid") {
                    let n = python_str(uuid);
                    if !is_canonical_uuid(&n) {
                        return Err(bad_request(format!(
                            "Bad networks format: network uuid is not in proper format ({n})"
                        )));
                    }
                    let fixed = match item.get("fixed_ip") {
                        None | Some(Value::Null) => None,
                        Some(v) => Some(python_str(v).parse::<IpAddr>().map_err(|_| {
                            bad_request(format!("Invalid fixed IP address ({})", python_str(v)))
                        })?),
                    };
                    out.push(Requested::Network(n, fixed));
                } else {
                    return Err(schema_error(
                        "networks",
                        item,
                        "'uuid' is a required property",
                    ));
                }
            }
            Ok(Some(out))
        }
        Some(other) => Err(schema_error(
            "networks",
            other,
            "is not valid under any of the given schemas",
        )),
    }
}

pub fn create(call: &NCall, state: &mut State) -> NovaResult<Reply> {
    let body = call.body.clone().unwrap_or(Value::Null);
    let Some(server) = body.get("server").filter(|v| v.is_object()) else {
        return Err(schema_error("", &body, "'server' is a required property"));
    };
    let Some(name) = server
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
    else {
        return Err(schema_error(
            "server",
            server,
            "'name' is a required property",
        ));
    };
    let image_ref = server.get("imageRef").map(python_str).unwrap_or_default();
    let Some(flavor_ref) = server.get("flavorRef").map(python_str) else {
        return Err(schema_error(
            "server",
            server,
            "'flavorRef' is a required property",
        ));
    };
    let requested = parse_networks(call, server)?;
    if !call.ctx.can_write() {
        return Err(policy("os_compute_api:servers:create"));
    }
    // imageRef may be a full URL; Nova uses its last path segment.
    let image_id = image_ref.rsplit('/').next().unwrap_or("").to_string();
    if !state.images.iter().any(|i| i.id == image_id) {
        return Err(bad_request("Can not find requested image"));
    }
    let flavor_id = flavor_ref.rsplit('/').next().unwrap_or("").to_string();
    let Some(flavor) = state.flavors.iter().find(|f| f.id == flavor_id) else {
        return Err(bad_request("Invalid flavorRef provided."));
    };
    let key_name = match server.get("key_name") {
        None | Some(Value::Null) => None,
        Some(k) => {
            let name = python_str(k);
            if !crate::nova::keypairs::exists(state, &call.ctx.user_id, &name) {
                return Err(bad_request("Invalid key_name provided."));
            }
            Some(name)
        }
    };
    let wanted = [
        ("instances", 1),
        ("cores", i64::from(flavor.vcpus)),
        ("ram", i64::from(flavor.ram)),
    ];
    let requested = match requested {
        Some(r) => r,
        None => match ports::only_network(&call.ctx, state)? {
            Some(n) => vec![Requested::Network(n, None)],
            None => Vec::new(),
        },
    };
    for r in &requested {
        match r {
            Requested::Network(n, _) => ports::usable_network(&call.ctx, state, n, |id| {
                bad_request(format!("Network {id} could not be found."))
            })?,
            Requested::Port(p) => ports::bindable_port(&call.ctx, state, p, |id| {
                bad_request(format!("Port id {id} could not be found."))
            })?,
        }
    }
    let project_id = call.ctx.project().to_string();
    quotas::check_boot(call, state, &project_id, wanted)?;
    let description = if call.version.at_least(2, 19) {
        server
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned)
    } else {
        // Servers created below 2.19 show their name as description [obs].
        Some(name.to_string())
    };
    let id = call.app.ids.uuid();
    state.servers.push(Server {
        id: id.clone(),
        name: name.to_string(),
        project_id: project_id.clone(),
        user_id: call.ctx.user_id.clone(),
        image_id,
        flavor_id,
        vm_state: VmState::Building,
        task_state: Some("spawning"),
        locked: false,
        locked_reason: None,
        description,
        created_at: call.now,
        updated_at: call.now,
        launched_at: None,
        key_name,
        generation: 0,
        in_cell: false,
        fault: None,
    });
    let mut created = Vec::new();
    for r in requested {
        let result = match r {
            Requested::Network(n, ip) => {
                ports::create_bound(call, state, &n, &project_id, &id, ip, None)
                    .map(|p| created.push(p))
            }
            Requested::Port(p) => {
                ports::bind(state, &p, &id, None, call.now);
                Ok(())
            }
        };
        if let Err(e) = result {
            // Roll back: no half-built server stays behind.
            for p in &created {
                state.remove_port(p);
            }
            for p in state.ports.iter_mut().filter(|p| p.device_id == id) {
                p.device_id.clear();
                p.device_owner.clear();
                p.host_id.clear();
            }
            state.servers.retain(|s| s.id != id);
            return Err(e);
        }
    }
    instance_actions::record(
        state,
        call,
        &id,
        "create",
        Some("compute__do_build_and_run_instance"),
    );
    schedule_build(call.app, state, &id, &call.req.request_id, wanted);
    let admin_pass = call.app.ids.password()[..12].to_string();
    let self_link = format!("{}/servers/{id}", call.link_prefix(true));
    Ok(Reply::json(
        StatusCode::ACCEPTED,
        &json!({"server": {"id": id, "links": views::server_links(call, &id),
            "OS-DCF:diskConfig": "MANUAL", "security_groups": [{"name": "default"}],
            "adminPass": admin_pass}}),
        JsonStyle::Python,
    )
    .header("location", self_link))
}

/// What happens after the 202, as Nova's conductor and compute do it: after
/// `server_schedule_delay` the conductor creates the instance in its cell and rechecks the
/// quota, which two boots accepted at once can fail (the API counted neither: ERROR, with
/// the fault); at `server_build_delay` (or right after the conductor, if that is later)
/// the compute host has spawned it (ACTIVE). A zero `server_schedule_delay` creates the
/// instance before the 202, so that a loopback cloud counts every boot at once.
fn schedule_build(
    app: &Arc<App>,
    state: &mut State,
    server_id: &str,
    request_id: &str,
    wanted: [(&'static str, i64); 3],
) {
    let (id, request) = (server_id.to_string(), request_id.to_string());
    let schedule = app.config.server_schedule_delay;
    let spawn = app.config.server_build_delay.saturating_sub(schedule);
    let conductor = Arc::clone(app);
    let create_in_cell = move |state: &mut State| {
        let Some(s) = state.server_mut(&id) else {
            return;
        };
        if s.vm_state != VmState::Building || s.generation != 0 {
            return;
        }
        s.in_cell = true;
        let project = s.project_id.clone();
        if let Some(message) = quotas::recheck(&conductor.config.quotas, state, &project, wanted) {
            let now = std::time::SystemTime::now();
            if let Some(s) = state.server_mut(&id) {
                s.vm_state = VmState::Error;
                s.task_state = None;
                s.updated_at = now;
                s.generation += 1;
                s.fault = Some(ServerFault {
                    code: 413,
                    message: message.clone(),
                    created: now,
                });
            }
            instance_actions::finish(state, &request, &id, Some(message));
            return;
        }
        conductor.after(spawn, move |state| {
            let now = std::time::SystemTime::now();
            let Some(s) = state.server_mut(&id) else {
                return;
            };
            if s.vm_state != VmState::Building || s.generation != 0 {
                return;
            }
            s.vm_state = VmState::Active;
            s.task_state = None;
            s.launched_at = Some(now);
            s.updated_at = now;
            instance_actions::finish(state, &request, &id, None);
        });
    };
    if schedule.is_zero() {
        create_in_cell(state);
    } else {
        app.after(schedule, create_in_cell);
    }
}

pub fn update(call: &NCall, state: &mut State, id: &str) -> NovaResult<Reply> {
    let server = call.server(state, id)?;
    let body = call.body.clone().unwrap_or(Value::Null);
    let Some(attrs) = body.get("server").and_then(Value::as_object) else {
        return Err(schema_error("", &body, "'server' is a required property"));
    };
    call.can_write(server, "os_compute_api:servers:update")?;
    let name = attrs.get("name").and_then(Value::as_str).map(str::to_owned);
    let description = if call.version.at_least(2, 19) {
        attrs
            .get("description")
            .map(|d| d.as_str().map(str::to_owned))
    } else {
        None
    };
    let now = call.now;
    if let Some(s) = state.server_mut(id) {
        if let Some(n) = name {
            s.name = n;
        }
        if let Some(d) = description {
            s.description = d;
        }
        s.updated_at = now;
    }
    let server = call.server(state, id)?;
    Ok(ok(
        json!({"server": views::server_detail(call, state, server, true)}),
    ))
}

pub fn delete(call: &NCall, state: &mut State, id: &str) -> NovaResult<Reply> {
    let server = call.server(state, id)?;
    call.can_write(server, "os_compute_api:servers:delete")?;
    call.check_lock(server)?;
    let bound: Vec<String> = state
        .ports
        .iter()
        .filter(|p| p.device_id == id && p.device_owner.starts_with("compute:"))
        .map(|p| p.id.clone())
        .collect();
    let delay = call.app.config.server_delete_delay;
    if delay.is_zero() {
        remove(state, id, &bound, call.now);
        return Ok(Reply::new(StatusCode::NO_CONTENT));
    }
    // As the compute host does it: the server stays, `deleting`, until the hypervisor and
    // the network are done with it (docs/CONTRACT.md §5.6).
    if let Some(s) = state.server_mut(id) {
        s.task_state = Some("deleting");
        s.updated_at = call.now;
    }
    let id = id.to_string();
    call.app.after(delay, move |state| {
        remove(state, &id, &bound, std::time::SystemTime::now());
    });
    Ok(Reply::new(StatusCode::NO_CONTENT))
}

fn remove(state: &mut State, id: &str, bound: &[String], now: std::time::SystemTime) {
    for port in bound {
        ports::release(state, port, now);
    }
    state.servers.retain(|s| s.id != id);
    state.actions.retain(|a| a.instance_uuid != id);
}

pub fn flavors(call: &NCall, state: &State, detail: bool) -> NovaResult<Reply> {
    let items: Vec<Value> = state
        .flavors
        .iter()
        .map(|f| views::flavor_value(call, f, detail))
        .collect();
    Ok(ok(json!({"flavors": items})))
}

pub fn flavor(call: &NCall, state: &State, id: &str) -> NovaResult<Reply> {
    let f = state
        .flavors
        .iter()
        .find(|f| f.id == id)
        .ok_or_else(|| not_found(format!("Flavor {id} could not be found.")))?;
    Ok(ok(json!({"flavor": views::flavor_value(call, f, true)})))
}
