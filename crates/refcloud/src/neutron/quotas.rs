//! `/v2.0/quotas` (the `quotas` and `quota_details` extensions) and the OverQuota check of
//! every create, as Neutron 29 serves them [obs] (docs/CONTRACT.md §9.1).

use serde_json::{json, Map, Value};

use crate::http::{python_str, JsonStyle, Reply};
use crate::neutron::errors::{
    conflict, http_bad_request, invalid_input, not_found, policy, NResult,
};
use crate::neutron::request::{check_attrs, no_content, Call};
use crate::quota::{exceeds, forget_limits, has_own_limits, limit, NEUTRON_DEFAULTS};
use crate::state::State;

/// How many of `resource` the project holds, as the quota engine counts them: a router's
/// interface ports count as ports of the router's project; the default security group
/// counts once it exists.
pub fn used(state: &State, project: &str, resource: &str) -> i64 {
    let n = match resource {
        "network" => state
            .networks
            .iter()
            .filter(|n| n.project_id == project)
            .count(),
        "subnet" => state
            .subnets
            .iter()
            .filter(|s| s.project_id == project)
            .count(),
        "port" => state
            .ports
            .iter()
            .filter(|p| p.project_id == project)
            .count(),
        "router" => state
            .routers
            .iter()
            .filter(|r| r.project_id == project)
            .count(),
        "floatingip" => state
            .floating_ips
            .iter()
            .filter(|f| f.project_id == project)
            .count(),
        "rbac_policy" => state
            .rbac_policies
            .iter()
            .filter(|p| p.project_id == project)
            .count(),
        "security_group" => usize::from(state.default_security_groups.contains_key(project)),
        _ => 0,
    };
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The quota reservation of a create, after its validation and policy and before the
/// plugin: 409 OverQuota when one more would exceed the project's limit [obs].
pub fn reserve(call: &Call, state: &State, resource: &str, project: &str) -> NResult<()> {
    let limit = limit(&call.app.config.quotas, state, project, resource);
    if exceeds(limit, used(state, project, resource), 1) {
        return Err(conflict(
            "OverQuota",
            format!("Quota exceeded for resources: ['{resource}']."),
        ));
    }
    Ok(())
}

fn limits(call: &Call, state: &State, project: &str) -> Map<String, Value> {
    NEUTRON_DEFAULTS
        .iter()
        .map(|(name, _)| {
            let l = limit(&call.app.config.quotas, state, project, name);
            (name.to_string(), json!(l))
        })
        .collect()
}

fn reply(value: Value) -> Reply {
    Reply::json(axum::http::StatusCode::OK, &value, JsonStyle::Python)
}

/// get_quota: an admin, or anyone of the project itself (a reader too).
fn may_read(call: &Call, project: &str) -> NResult<()> {
    if call.ctx.is_admin() || call.ctx.project() == project {
        Ok(())
    } else {
        Err(policy("get_quota"))
    }
}

/// `GET /v2.0/quotas`: the projects whose limits an admin changed.
pub fn list(call: &Call, state: &State) -> NResult<Reply> {
    if !call.ctx.is_admin() {
        return Err(policy("get_quota"));
    }
    let mut projects: Vec<&str> = state.quota_limits.keys().map(|(p, _)| p.as_str()).collect();
    projects.dedup();
    let items: Vec<Value> = projects
        .into_iter()
        .filter(|p| has_own_limits(state, p, NEUTRON_DEFAULTS))
        .map(|p| {
            let mut m = limits(call, state, p);
            m.insert("project_id".into(), json!(p));
            m.insert("tenant_id".into(), json!(p));
            Value::Object(m)
        })
        .collect();
    Ok(reply(json!({ "quotas": items })))
}

/// `GET /v2.0/quotas/{project}`, `.../default` and `.../details`. Any project id is
/// answered, known or not [obs].
pub fn show(call: &Call, state: &State, project: &str, view: Option<&str>) -> NResult<Reply> {
    match project {
        // The caller's own project, under the name of either key.
        "tenant" | "project" if view.is_none() => {
            let key = format!("{project}_id");
            return Ok(reply(json!({ project: { key: call.ctx.project() } })));
        }
        _ => {}
    }
    may_read(call, project)?;
    let quota: Map<String, Value> = match view {
        None => limits(call, state, project),
        Some("default") => NEUTRON_DEFAULTS
            .iter()
            .map(|(n, _)| {
                (
                    n.to_string(),
                    json!(call.app.config.quotas.default_limit(n)),
                )
            })
            .collect(),
        Some(_) => NEUTRON_DEFAULTS
            .iter()
            .map(|(n, _)| {
                let l = limit(&call.app.config.quotas, state, project, n);
                let detail = json!({"limit": l, "used": used(state, project, n), "reserved": 0});
                (n.to_string(), detail)
            })
            .collect(),
    };
    Ok(reply(json!({ "quota": quota })))
}

/// `PUT /v2.0/quotas/{project}` (admin): every check passes before anything changes.
pub fn update(call: &Call, state: &mut State, project: &str) -> NResult<Reply> {
    if !call.ctx.is_admin() {
        return Err(policy("update_quota"));
    }
    let attrs = call.resource_body("quota")?;
    let names: Vec<&str> = NEUTRON_DEFAULTS.iter().map(|(n, _)| *n).collect();
    check_attrs(attrs, &names)?;
    let mut wanted = Vec::new();
    for (name, value) in attrs {
        if name == "project_id" || name == "tenant_id" {
            continue;
        }
        let text = python_str(value);
        let Ok(limit) = text.trim().parse::<i64>() else {
            return Err(invalid_input(format!("'{text}' is not an integer")));
        };
        if limit < -1 {
            return Err(http_bad_request(format!(
                "Invalid input for {name}. Reason: '{limit}' is too small - must be at least '-1'."
            )));
        }
        // quota-check-limit-default: a limit under what is already used is refused.
        let in_use = used(state, project, name);
        if limit >= 0 && limit < in_use {
            return Err(http_bad_request(format!(
                "Quota limit {limit} for {name} must be greater than or equal to already used {in_use}"
            )));
        }
        wanted.push((name.clone(), limit));
    }
    for (name, limit) in wanted {
        state
            .quota_limits
            .insert((project.to_string(), name), limit);
    }
    Ok(reply(json!({ "quota": limits(call, state, project) })))
}

/// `DELETE /v2.0/quotas/{project}` (admin): back to the defaults; 404 when nothing was set.
pub fn delete(call: &Call, state: &mut State, project: &str) -> NResult<Reply> {
    if !call.ctx.is_admin() {
        return Err(policy("delete_quota"));
    }
    if !has_own_limits(state, project, NEUTRON_DEFAULTS) {
        return Err(not_found(
            "TenantQuotaNotFound",
            format!("Quota for project {project} could not be found."),
        ));
    }
    forget_limits(state, project, NEUTRON_DEFAULTS);
    Ok(no_content())
}
