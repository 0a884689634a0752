//! Instance actions: recording them (keyed by the request id of the call that started them, docs/CONTRACT.md
//! §4) and `GET /servers/{id}/os-instance-actions[/{request_id}]`.

use std::time::SystemTime;

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::clock;
use crate::http::{JsonStyle, Reply};
use crate::nova::call::NCall;
use crate::nova::faults::{not_found, NovaResult};
use crate::nova::views::host_id;
use crate::state::{ActionEvent, InstanceAction, State, COMPUTE_HOST};

pub fn record(state: &mut State, call: &NCall, server_id: &str, action: &str, event: Option<&str>) {
    let project_id = state
        .server(server_id)
        .map(|s| s.project_id.clone())
        .unwrap_or_default();
    state.actions.push(InstanceAction {
        instance_uuid: server_id.to_string(),
        request_id: call.req.request_id.clone(),
        action: action.to_string(),
        project_id,
        user_id: call.ctx.user_id.clone(),
        start_time: call.now,
        updated_at: call.now,
        message: None,
        events: event
            .map(|e| ActionEvent {
                event: e.to_string(),
                start_time: call.now,
                finish_time: None,
                result: None,
                details: None,
            })
            .into_iter()
            .collect(),
    });
}

/// Real Nova writes a failed action's `message` a moment after the event's `result` (two
/// database updates); seen on Nova 34 as `result: Error` with `message: null`. The lag here is
/// longer than Nova's so that a poll is likely to land inside it: a case that stops polling
/// at the event fails here, as it would now and then on a real cloud.
pub const ERROR_MESSAGE_LAG: std::time::Duration = std::time::Duration::from_millis(250);

/// Sets the `Error` message of a failed action (after `ERROR_MESSAGE_LAG`).
pub fn mark_failed(state: &mut State, request_id: &str, server_id: &str) {
    if let Some(action) = state
        .actions
        .iter_mut()
        .find(|a| a.request_id == request_id && a.instance_uuid == server_id)
    {
        action.message = Some("Error".into());
        action.updated_at = SystemTime::now();
        // bench/run.sh times the polls that notice this from these events.
        tracing::debug!(request_id, server_id, "instance action message written");
    }
}

/// Finishes the action's (single) event: `Success`, or `Error`, which also sets the action
/// message unless `lagging_message` (nova/db/main/api.py `action_event_finish`).
pub fn finish(state: &mut State, request_id: &str, server_id: &str, error: Option<String>) {
    finish_event(state, request_id, server_id, error, false)
}

pub fn finish_event(
    state: &mut State,
    request_id: &str,
    server_id: &str,
    error: Option<String>,
    lagging_message: bool,
) {
    let now = SystemTime::now();
    if let Some(action) = state
        .actions
        .iter_mut()
        .find(|a| a.request_id == request_id && a.instance_uuid == server_id)
    {
        action.updated_at = now;
        if error.is_some() && !lagging_message {
            action.message = Some("Error".into());
        }
        for event in action.events.iter_mut().filter(|e| e.result.is_none()) {
            event.finish_time = Some(now);
            event.result = Some(if error.is_some() { "Error" } else { "Success" });
            event.details = error.clone();
        }
        tracing::debug!(request_id, server_id, "instance action event finished");
    }
}

fn action_value(call: &NCall, a: &InstanceAction) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("action".into(), json!(a.action));
    m.insert("instance_uuid".into(), json!(a.instance_uuid));
    m.insert("request_id".into(), json!(a.request_id));
    m.insert("user_id".into(), json!(a.user_id));
    m.insert("project_id".into(), json!(a.project_id));
    m.insert(
        "start_time".into(),
        json!(clock::micros_naive(a.start_time)),
    );
    m.insert("message".into(), json!(a.message));
    if call.version.at_least(2, 58) {
        m.insert(
            "updated_at".into(),
            json!(clock::micros_naive(a.updated_at)),
        );
    }
    m
}

pub fn list(call: &NCall, state: &State, server_id: &str) -> NovaResult<Reply> {
    let server = call.server(state, server_id)?;
    call.can_read(server, "os_compute_api:os-instance-actions:list")?;
    let items: Vec<Value> = state
        .actions
        .iter()
        .rev()
        .filter(|a| a.instance_uuid == server_id)
        .map(|a| Value::Object(action_value(call, a)))
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        &json!({"instanceActions": items}),
        JsonStyle::Python,
    ))
}

pub fn show(call: &NCall, state: &State, server_id: &str, request_id: &str) -> NovaResult<Reply> {
    let server = call.server(state, server_id)?;
    call.can_read(server, "os_compute_api:os-instance-actions:show")?;
    let action = state
        .actions
        .iter()
        .find(|a| a.instance_uuid == server_id && a.request_id == request_id)
        .ok_or_else(|| not_found(format!("Action {request_id} not found")))?;
    let mut m = action_value(call, action);
    let admin = call.ctx.is_admin();
    // Below 2.51 only admins see events; non-admins get no `events` key at all [obs].
    if admin || call.version.at_least(2, 51) {
        let events: Vec<Value> = action
            .events
            .iter()
            .map(|e| {
                let mut ev = Map::new();
                ev.insert("event".into(), json!(e.event));
                ev.insert("start_time".into(), json!(clock::micros_naive(e.start_time)));
                ev.insert(
                    "finish_time".into(),
                    json!(e.finish_time.map(clock::micros_naive)),
                );
                ev.insert("result".into(), json!(e.result));
                if admin {
                    let traceback = e.details.as_ref().map(|d| {
                        format!("Traceback (most recent call last):\nnova.exception.PortNotFound: {d}\n")
                    });
                    ev.insert("traceback".into(), json!(traceback));
                }
                if call.version.at_least(2, 62) {
                    if admin {
                        ev.insert("host".into(), json!(COMPUTE_HOST));
                    }
                    ev.insert("hostId".into(), json!(host_id(&action.project_id)));
                }
                if admin && call.version.at_least(2, 84) {
                    ev.insert("details".into(), json!(e.details));
                }
                Value::Object(ev)
            })
            .collect();
        m.insert("events".into(), Value::Array(events));
    }
    Ok(Reply::json(
        StatusCode::OK,
        &json!({"instanceAction": Value::Object(m)}),
        JsonStyle::Python,
    ))
}
