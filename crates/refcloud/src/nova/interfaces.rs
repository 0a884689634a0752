//! `/servers/{id}/os-interface`: list, show, attach (synchronous, 200) and detach (202, asynchronous;
//! docs/CONTRACT.md §1.2 and §4).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::SystemTime;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::app::App;
use crate::http::{python_repr, python_str, JsonStyle, Reply};
use crate::ids::is_canonical_uuid;
use crate::mutants::Mutant;
use crate::nova::call::NCall;
use crate::nova::faults::{
    additional_properties, bad_request, instance_not_found, invalid_state, not_found, NovaResult,
};
use crate::nova::{instance_actions, ports, views};
use crate::state::{Server, State, VmState};

fn ok(value: Value) -> Reply {
    Reply::json(StatusCode::OK, &value, JsonStyle::Python)
}

/// `check_instance_state(vm_state=[ACTIVE, PAUSED, STOPPED], task_state=[None])`.
fn check_state(server: &Server, action: &str) -> NovaResult<()> {
    if !matches!(
        server.vm_state,
        VmState::Active | VmState::Paused | VmState::Stopped
    ) {
        return Err(invalid_state(
            action,
            &server.id,
            "vm_state",
            server.vm_state.as_str(),
        ));
    }
    if let Some(task) = server.task_state {
        return Err(invalid_state(action, &server.id, "task_state", task));
    }
    Ok(())
}

pub fn list(call: &NCall, state: &State, server_id: &str) -> NovaResult<Reply> {
    let server = call.server(state, server_id)?;
    call.can_read(server, "os_compute_api:os-attach-interfaces:list")?;
    let items: Vec<Value> = state
        .ports
        .iter()
        .filter(|p| p.device_id == server_id)
        .map(|p| views::attachment(call, p))
        .collect();
    Ok(ok(json!({"interfaceAttachments": items})))
}

pub fn show(call: &NCall, state: &State, server_id: &str, port_id: &str) -> NovaResult<Reply> {
    let server = call.server(state, server_id)?;
    call.can_read(server, "os_compute_api:os-attach-interfaces:show")?;
    let port = state
        .port(port_id)
        .filter(|p| crate::neutron::policy::port_visible(&call.ctx, state, p))
        .ok_or_else(|| not_found(format!("Port id {port_id} could not be found.")))?;
    if port.device_id != server_id {
        return Err(not_found(format!(
            "Instance {server_id} does not have a port with id {port_id}"
        )));
    }
    Ok(ok(
        json!({"interfaceAttachment": views::attachment(call, port)}),
    ))
}

struct AttachRequest {
    net_id: Option<String>,
    port_id: Option<String>,
    fixed_ip: Option<String>,
    tag: Option<String>,
}

/// The JSON schema of `InterfaceAttachmentController.create` (checked before the server lookup).
fn parse_attach(call: &NCall) -> NovaResult<AttachRequest> {
    let mut req = AttachRequest {
        net_id: None,
        port_id: None,
        fixed_ip: None,
        tag: None,
    };
    let body = match &call.body {
        None => return Ok(req),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(bad_request(format!(
            "Invalid input for field/attribute request body. Value: {}. {} is not of type 'object'",
            python_str(other),
            python_repr(other)
        )))
        }
    };
    if let Some(extra) = body.keys().find(|k| *k != "interfaceAttachment") {
        return Err(bad_request(additional_properties(&[extra])));
    }
    let Some(att) = body.get("interfaceAttachment") else {
        return Ok(req);
    };
    let Some(map) = att.as_object() else {
        return Err(bad_request(format!(
            "Invalid input for field/attribute interfaceAttachment. Value: {}. {} is not of type 'object'",
            python_str(att),
            python_repr(att)
        )));
    };
    let allow_tag = call.version.at_least(2, 49);
    let unexpected: Vec<&String> = map
        .keys()
        .filter(|k| {
            !(matches!(k.as_str(), "net_id" | "port_id" | "fixed_ips")
                || (allow_tag && *k == "tag"))
        })
        .collect();
    if !unexpected.is_empty() {
        return Err(bad_request(format!(
            "Invalid input for field/attribute interfaceAttachment. Value: {}. {}",
            python_repr(att),
            additional_properties(&unexpected)
        )));
    }
    for key in ["net_id", "port_id"] {
        if let Some(v) = map.get(key) {
            let text = python_str(v);
            if !v.is_string() || !is_canonical_uuid(&text) {
                return Err(bad_request(format!(
                    "Invalid input for field/attribute {key}. Value: {text}. '{text}' is not a 'uuid'"
                )));
            }
            if key == "net_id" {
                req.net_id = Some(text);
            } else {
                req.port_id = Some(text);
            }
        }
    }
    if let Some(f) = map.get("fixed_ips") {
        let ip = f
            .as_array()
            .filter(|a| a.len() <= 1)
            .map(|a| a.first().and_then(|e| e.get("ip_address")).map(python_str));
        match ip {
            Some(ip) => req.fixed_ip = ip,
            None => {
                return Err(bad_request(format!(
                    "Invalid input for field/attribute fixed_ips. Value: {}. {} is too long",
                    python_str(f),
                    python_repr(f)
                )))
            }
        }
    }
    if let Some(t) = map.get("tag") {
        req.tag = Some(python_str(t));
    }
    Ok(req)
}

pub fn attach(call: &NCall, state: &mut State, server_id: &str) -> NovaResult<Reply> {
    let request = parse_attach(call)?;
    let server = call.server(state, server_id)?.clone();
    call.can_write(&server, "os_compute_api:os-attach-interfaces:create")?;
    if request.net_id.is_some() && request.port_id.is_some() {
        return Err(bad_request("Must not input both network_id and port_id"));
    }
    if request.fixed_ip.is_some() && request.net_id.is_none() {
        return Err(bad_request("Must input network_id when request IP address"));
    }
    call.check_lock(&server)?;
    check_state(&server, "attach_interface")?;
    let port_id = if let Some(port_id) = request.port_id {
        ports::bindable_port(&call.ctx, state, &port_id, |id| {
            not_found(format!("Port id {id} could not be found."))
        })?;
        ports::bind(state, &port_id, server_id, request.tag, call.now);
        port_id
    } else {
        let network_id = match request.net_id {
            Some(n) => n,
            None => ports::only_network(&call.ctx, state)
                .map_err(|e| bad_request(e.message))?
                .ok_or_else(|| {
                    bad_request(format!(
                        "No specific network was requested and none are available for project '{}'.",
                        server.project_id
                    ))
                })?,
        };
        ports::usable_network(&call.ctx, state, &network_id, |id| {
            not_found(format!("Network {id} could not be found."))
        })?;
        let ip = match request.fixed_ip {
            None => None,
            Some(text) => Some(
                text.parse::<IpAddr>()
                    .map_err(|_| bad_request(format!("Invalid fixed IP address ({text})")))?,
            ),
        };
        ports::create_bound(
            call,
            state,
            &network_id,
            &server.project_id,
            server_id,
            ip,
            request.tag,
        )?
    };
    instance_actions::record(
        state,
        call,
        server_id,
        "attach_interface",
        Some("compute_attach_interface"),
    );
    instance_actions::finish(state, &call.req.request_id, server_id, None);
    let port = state
        .port(&port_id)
        .ok_or_else(|| not_found(format!("Port id {port_id} could not be found.")))?;
    Ok(ok(
        json!({"interfaceAttachment": views::attachment(call, port)}),
    ))
}

/// Steps 7-13 of docs/CONTRACT.md §1.2: lookup, policy, lock (admin bypasses), state, then 202. The port id is
/// never checked here: an unattached or unknown port fails later, in the instance action only.
pub fn detach(
    call: &NCall,
    state: &mut State,
    server_id: &str,
    port_id: &str,
) -> NovaResult<Reply> {
    let mutant = |m: Mutant| call.app.mutant(m);
    let server = if mutant(Mutant::NovaOtherProjectServer) {
        state
            .server(server_id)
            .ok_or_else(|| instance_not_found(server_id))?
    } else {
        call.server(state, server_id)?
    };
    if !(mutant(Mutant::NovaOtherProjectServer) && call.ctx.can_write()) {
        call.can_write(server, "os_compute_api:os-attach-interfaces:delete")?;
    }
    if !mutant(Mutant::NovaLockIgnored) {
        call.check_lock(server)?;
    }
    if !mutant(Mutant::NovaSuspendedIgnored) {
        check_state(server, "detach_interface")?;
    }
    instance_actions::record(
        state,
        call,
        server_id,
        "detach_interface",
        Some("compute_detach_interface"),
    );
    complete_detach(call.app, server_id, port_id, &call.req.request_id);
    Ok(Reply::new(StatusCode::ACCEPTED).header("content-type", "application/json"))
}

fn complete_detach(app: &Arc<App>, server_id: &str, port_id: &str, request_id: &str) {
    let (server_id, port_id, request_id) = (
        server_id.to_string(),
        port_id.to_string(),
        request_id.to_string(),
    );
    if app.mutant(Mutant::NovaDetachNeverCompletes) {
        return;
    }
    let keep_bound = app.mutant(Mutant::NovaUserPortKeptBound);
    let keep_nova_port = app.mutant(Mutant::NovaPortNotDeleted);
    let error_as_success = app.mutant(Mutant::NovaDetachErrorAsSuccess);
    let every_port = app.mutant(Mutant::NovaDetachesEveryPort);
    let later = Arc::clone(app);
    app.after(app.config.detach_delay, move |state| {
        let attached = state.server(&server_id).is_some()
            && state
                .port(&port_id)
                .is_some_and(|p| p.device_id == server_id);
        let created_by_nova = state.port(&port_id).is_some_and(|p| p.created_by_nova);
        if attached && every_port {
            let all: Vec<String> = state
                .ports
                .iter()
                .filter(|p| p.device_id == server_id)
                .map(|p| p.id.clone())
                .collect();
            for id in all {
                ports::release(state, &id, SystemTime::now());
            }
            instance_actions::finish(state, &request_id, &server_id, None);
        } else if attached {
            match (created_by_nova, keep_bound, keep_nova_port) {
                (false, true, _) => {}
                (true, _, true) => ports::unbind(state, &port_id, SystemTime::now()),
                _ => ports::release(state, &port_id, SystemTime::now()),
            }
            instance_actions::finish(state, &request_id, &server_id, None);
        } else if error_as_success {
            instance_actions::finish(state, &request_id, &server_id, None);
        } else {
            instance_actions::finish_event(
                state,
                &request_id,
                &server_id,
                Some(format!("Port {port_id} is not attached")),
                true,
            );
            later.after(instance_actions::ERROR_MESSAGE_LAG, move |state| {
                instance_actions::mark_failed(state, &request_id, &server_id)
            });
        }
    });
}
