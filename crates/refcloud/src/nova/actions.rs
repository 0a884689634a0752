//! `POST /servers/{id}/action`: lock/unlock, suspend/resume, pause/unpause, stop/start, shelve/unshelve.

use std::sync::Arc;
use std::time::SystemTime;

use axum::http::StatusCode;
use serde_json::Value;

use crate::app::App;
use crate::http::Reply;
use crate::nova::call::NCall;
use crate::nova::faults::{bad_request, invalid_state, malformed_body, NovaResult};
use crate::nova::instance_actions;
use crate::state::{State, VmState};

/// A state-changing action: allowed source states, transient task state, target and its event.
struct Transition {
    api_name: &'static str,
    action: &'static str,
    rule: &'static str,
    from: &'static [VmState],
    task: &'static str,
    to: VmState,
    event: &'static str,
}

const TRANSITIONS: &[Transition] = &[
    Transition {
        api_name: "suspend",
        action: "suspend",
        rule: "os_compute_api:os-suspend-server:suspend",
        from: &[VmState::Active],
        task: "suspending",
        to: VmState::Suspended,
        event: "compute_suspend_instance",
    },
    Transition {
        api_name: "resume",
        action: "resume",
        rule: "os_compute_api:os-suspend-server:resume",
        from: &[VmState::Suspended],
        task: "resuming",
        to: VmState::Active,
        event: "compute_resume_instance",
    },
    Transition {
        api_name: "pause",
        action: "pause",
        rule: "os_compute_api:os-pause-server:pause",
        from: &[VmState::Active],
        task: "pausing",
        to: VmState::Paused,
        event: "compute_pause_instance",
    },
    Transition {
        api_name: "unpause",
        action: "unpause",
        rule: "os_compute_api:os-pause-server:unpause",
        from: &[VmState::Paused],
        task: "unpausing",
        to: VmState::Active,
        event: "compute_unpause_instance",
    },
    Transition {
        api_name: "os-stop",
        action: "stop",
        rule: "os_compute_api:servers:stop",
        from: &[VmState::Active, VmState::Paused, VmState::Suspended],
        task: "powering-off",
        to: VmState::Stopped,
        event: "compute_stop_instance",
    },
    Transition {
        api_name: "os-start",
        action: "start",
        rule: "os_compute_api:servers:start",
        from: &[VmState::Stopped],
        task: "powering-on",
        to: VmState::Active,
        event: "compute_start_instance",
    },
    Transition {
        api_name: "shelve",
        action: "shelve",
        rule: "os_compute_api:os-shelve:shelve",
        from: &[
            VmState::Active,
            VmState::Stopped,
            VmState::Paused,
            VmState::Suspended,
        ],
        task: "shelving",
        to: VmState::ShelvedOffloaded,
        event: "compute_shelve_instance",
    },
    Transition {
        api_name: "unshelve",
        action: "unshelve",
        rule: "os_compute_api:os-shelve:unshelve",
        from: &[VmState::ShelvedOffloaded],
        task: "unshelving",
        to: VmState::Active,
        event: "compute_unshelve_instance",
    },
];

/// The action name: the body must be an object with exactly one key (`Resource.get_method`).
fn action_of(call: &NCall) -> NovaResult<(String, Value)> {
    match &call.body {
        Some(Value::Object(map)) if map.len() == 1 => {
            let (k, v) = map.iter().next().ok_or_else(malformed_body)?;
            Ok((k.clone(), v.clone()))
        }
        _ => Err(malformed_body()),
    }
}

/// Validated before the server lookup, as the action method is chosen from the body first.
pub fn validate(call: &NCall) -> NovaResult<()> {
    let (name, _) = action_of(call)?;
    if name == "lock" || name == "unlock" || TRANSITIONS.iter().any(|t| t.api_name == name) {
        Ok(())
    } else {
        Err(bad_request(format!("There is no such action: {name}")))
    }
}

fn accepted() -> Reply {
    Reply::new(StatusCode::ACCEPTED).header("content-type", "application/json")
}

pub fn perform(call: &NCall, state: &mut State, id: &str) -> NovaResult<Reply> {
    let (name, args) = action_of(call)?;
    let server = call.server(state, id)?;
    let now = call.now;
    match name.as_str() {
        "lock" => {
            call.can_write(server, "os_compute_api:os-lock-server:lock")?;
            let reason = if call.version.at_least(2, 73) {
                args.get("locked_reason")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            } else {
                None
            };
            if let Some(s) = state.server_mut(id) {
                s.locked = true;
                s.locked_reason = reason;
                s.updated_at = now;
            }
            instance_actions::record(state, call, id, "lock", None);
            Ok(accepted())
        }
        "unlock" => {
            call.can_write(server, "os_compute_api:os-lock-server:unlock")?;
            if let Some(s) = state.server_mut(id) {
                s.locked = false;
                s.locked_reason = None;
                s.updated_at = now;
            }
            instance_actions::record(state, call, id, "unlock", None);
            Ok(accepted())
        }
        other => {
            let Some(t) = TRANSITIONS.iter().find(|t| t.api_name == other) else {
                return Err(bad_request(format!("There is no such action: {other}")));
            };
            call.can_write(server, t.rule)?;
            call.check_lock(server)?;
            if !t.from.contains(&server.vm_state) {
                return Err(invalid_state(
                    t.action,
                    id,
                    "vm_state",
                    server.vm_state.as_str(),
                ));
            }
            if let Some(task) = server.task_state {
                return Err(invalid_state(t.action, id, "task_state", task));
            }
            let generation = {
                let Some(s) = state.server_mut(id) else {
                    return Err(crate::nova::faults::instance_not_found(id));
                };
                s.task_state = Some(t.task);
                s.generation += 1;
                s.updated_at = now;
                s.generation
            };
            instance_actions::record(state, call, id, t.action, Some(t.event));
            complete_later(call.app, id, &call.req.request_id, generation, t.to);
            Ok(accepted())
        }
    }
}

fn complete_later(app: &Arc<App>, id: &str, request_id: &str, generation: u64, to: VmState) {
    let (id, request_id) = (id.to_string(), request_id.to_string());
    app.after(app.config.action_delay, move |state| {
        let now = SystemTime::now();
        let Some(s) = state.server_mut(&id) else {
            return;
        };
        if s.generation != generation {
            return;
        }
        s.vm_state = to;
        s.task_state = None;
        s.updated_at = now;
        if to == VmState::Active && s.launched_at.is_none() {
            s.launched_at = Some(now);
        }
        instance_actions::finish(state, &request_id, &id, None);
    });
}
