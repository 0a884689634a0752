//! `/v2.0/rbac-policies`, reduced to what sharing a network with a project needs:
//! `access_as_shared` on a network (docs/CONTRACT.md §1.5, row 9). The bodies and
//! errors are those of Neutron 29 [obs].

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::http::Reply;
use crate::ids::is_uuid_like;
use crate::neutron::errors::{bad_request, conflict, http_bad_request, not_found, NResult};
use crate::neutron::networks;
use crate::neutron::policy::require_write;
use crate::neutron::request::{check_attrs, list, no_content, one, show, Call};
use crate::state::{RbacPolicy, State};

const ATTRS: &[&str] = &[
    "object_type",
    "object_id",
    "action",
    "target_tenant",
    "project_id",
    "tenant_id",
];

fn view(p: &RbacPolicy) -> Value {
    json!({"id": p.id, "project_id": p.project_id, "tenant_id": p.project_id,
           "action": "access_as_shared", "object_id": p.object_id,
           "target_tenant": p.target_tenant, "object_type": "network"})
}

fn not_found_error(id: &str) -> crate::neutron::errors::NeutronError {
    not_found(
        "RbacPolicyNotFound",
        format!("RBAC policy of type unknown with ID {id} not found"),
    )
}

/// A policy is seen by its creator's project only, even by the project it targets [obs].
fn find<'a>(call: &Call, state: &'a State, id: &str) -> NResult<&'a RbacPolicy> {
    state
        .rbac_policies
        .iter()
        .find(|p| p.id == id && call.ctx.sees(&p.project_id))
        .ok_or_else(|| not_found_error(id))
}

pub fn list_rbac_policies(call: &Call, state: &State) -> NResult<Reply> {
    let items = state
        .rbac_policies
        .iter()
        .filter(|p| call.ctx.sees(&p.project_id))
        .map(view)
        .collect();
    Ok(list(call, "rbac_policy", items))
}

pub fn show_rbac_policy(call: &Call, state: &State, id: &str) -> NResult<Reply> {
    Ok(show(call, "rbac_policy", view(find(call, state, id)?)))
}

fn required(attrs: &Map<String, Value>, key: &str) -> NResult<String> {
    match attrs.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(bad_request(
            "InvalidInput",
            format!("Invalid input for {key}. Reason: '{other}' is not a valid string."),
        )),
        None => Err(http_bad_request(format!(
            "Failed to parse request. Required attribute '{key}' not specified"
        ))),
    }
}

pub fn create_rbac_policy(call: &Call, state: &mut State) -> NResult<Reply> {
    let attrs = call.resource_body("rbac_policy")?;
    check_attrs(attrs, ATTRS)?;
    let object_type = required(attrs, "object_type")?;
    let object_id = required(attrs, "object_id")?;
    let action = required(attrs, "action")?;
    let target = required(attrs, "target_tenant")?;
    if object_type != "network" || action != "access_as_shared" {
        return Err(bad_request(
            "InvalidInput",
            "Invalid input for operation: the reference cloud shares networks only (object_type network, action access_as_shared).",
        ));
    }
    // The target is checked before the object [obs].
    if target != "*" && !is_uuid_like(&target) {
        return Err(bad_request(
            "InvalidInput",
            format!("Invalid input for operation: '{target}' is not a valid target project ID; expected a UUID or '*'."),
        ));
    }
    let project_id = call.create_project(attrs, "create_rbac_policy")?;
    let network = networks::find(call, state, &object_id)?;
    require_write(&call.ctx, &network.project_id.clone(), "create_rbac_policy")?;
    crate::neutron::quotas::reserve(call, state, "rbac_policy", &project_id)?;
    let policy = RbacPolicy {
        id: call.app.ids.uuid(),
        project_id,
        object_id: object_id.clone(),
        target_tenant: target,
    };
    let body = view(&policy);
    state.rbac_policies.push(policy);
    if let Some(n) = state.networks.iter_mut().find(|n| n.id == object_id) {
        n.revision += 1;
        n.updated_at = call.now;
    }
    Ok(one(StatusCode::CREATED, "rbac_policy", body))
}

pub fn delete_rbac_policy(call: &Call, state: &mut State, id: &str) -> NResult<Reply> {
    let policy = find(call, state, id)?.clone();
    require_write(&call.ctx, &policy.project_id, "delete_rbac_policy")?;
    // The ML2 callback refuses while the target project still has ports on the network.
    let in_use = state.ports.iter().any(|p| {
        p.network_id == policy.object_id
            && (p.project_id == policy.target_tenant || policy.target_tenant == "*")
            && state
                .network(&policy.object_id)
                .is_some_and(|n| n.project_id != p.project_id)
    });
    if in_use {
        return Err(conflict(
            "RbacPolicyInUse",
            format!(
                "RBAC policy on object {o} cannot be removed because other objects depend on it.\nDetails: Callback neutron.plugins.ml2.plugin.NeutronDbPluginV2.validate_network_rbac_policy_change failed with \"Unable to reconfigure sharing settings for network {o}. Multiple projects are using it.\"",
                o = policy.object_id
            ),
        ));
    }
    state.rbac_policies.retain(|p| p.id != id);
    Ok(no_content())
}
