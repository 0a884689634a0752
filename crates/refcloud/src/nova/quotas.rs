//! `/os-quota-sets/{project}` (`/detail`, `/defaults`), `/limits` and the over-quota check
//! of a boot, as Nova 34 serves them with its database quota driver [obs]
//! (docs/CONTRACT.md §9.2). Which fields a response shows depends on the microversion.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::http::{python_repr, python_str, JsonStyle, Reply};
use crate::nova::call::NCall;
use crate::nova::faults::{
    additional_properties, bad_request, policy, schema_error, NovaError, NovaResult,
};
use crate::quota::{exceeds, forget_limits, limit, NOVA_DEFAULTS};
use crate::state::State;

/// Gone from quota sets at 2.36 (network quotas) and at 2.57 (personality files).
const NETWORK_QUOTAS: &[&str] = &[
    "fixed_ips",
    "floating_ips",
    "security_group_rules",
    "security_groups",
];
const FILE_QUOTAS: &[&str] = &[
    "injected_file_content_bytes",
    "injected_file_path_bytes",
    "injected_files",
];

fn shown(call: &NCall) -> Vec<&'static str> {
    NOVA_DEFAULTS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !(call.version.at_least(2, 36) && NETWORK_QUOTAS.contains(n)))
        .filter(|n| !(call.version.at_least(2, 57) && FILE_QUOTAS.contains(n)))
        .collect()
}

/// What a project uses: its servers and their flavors. Nothing else the reference cloud
/// serves (key pairs, server groups) counts against a quota.
pub fn used(state: &State, project: &str, resource: &str) -> i64 {
    // Nova counts the instances in the cell databases: a boot the API has accepted is a
    // build request until the conductor creates its instance, and is not counted.
    let servers = state
        .servers
        .iter()
        .filter(|s| s.project_id == project && s.in_cell);
    let flavor = |id: &str| state.flavors.iter().find(|f| f.id == id);
    let n: u64 = match resource {
        "instances" => servers.count() as u64,
        "cores" => servers
            .filter_map(|s| flavor(&s.flavor_id))
            .map(|f| u64::from(f.vcpus))
            .sum(),
        "ram" => servers
            .filter_map(|s| flavor(&s.flavor_id))
            .map(|f| u64::from(f.ram))
            .sum(),
        _ => 0,
    };
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The quota check of a boot of `count` servers of a flavor with `vcpus` and `ram`: 403
/// "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances" [obs].
pub fn check_boot(
    call: &NCall,
    state: &State,
    project: &str,
    wanted: [(&str, i64); 3],
) -> NovaResult<()> {
    for (resource, n) in wanted {
        let allowed = limit(&call.app.config.quotas, state, project, resource);
        let in_use = used(state, project, resource);
        if exceeds(allowed, in_use, n) {
            return Err(NovaError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "Quota exceeded for {resource}: Requested {n}, but already used {in_use} of {allowed} {resource}"
                ),
            ));
        }
    }
    Ok(())
}

/// The conductor's quota recheck (`ComputeTaskManager._recheck_quota`, with
/// `[quota] recheck_quota = True`, the default): once the instance exists in its cell, its
/// project must not be over any limit. `check_num_instances_quota` with a zero delta
/// raises `TooManyInstances`, whose message names every resource over its limit and, as
/// `get_over_quota_detail` computes it from a zero headroom, gives the limit as the usage:
/// "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances".
/// `quotas` is the limit source; `wanted` what the one boot requested.
pub fn recheck(
    quotas: &crate::quota::QuotaOverrides,
    state: &State,
    project: &str,
    wanted: [(&str, i64); 3],
) -> Option<String> {
    let over: Vec<(&str, i64, i64)> = wanted
        .iter()
        .filter_map(|&(resource, n)| {
            let allowed = limit(quotas, state, project, resource);
            (allowed >= 0 && used(state, project, resource) > allowed)
                .then_some((resource, n, allowed))
        })
        .collect();
    if over.is_empty() {
        return None;
    }
    let join =
        |f: &dyn Fn(&(&str, i64, i64)) -> String| over.iter().map(f).collect::<Vec<_>>().join(", ");
    let overs = join(&|o| o.0.to_string());
    Some(format!(
        "Quota exceeded for {overs}: Requested {}, but already used {} of {} {overs}",
        join(&|o| o.1.to_string()),
        join(&|o| o.2.to_string()),
        join(&|o| o.2.to_string()),
    ))
}

fn ok(status: StatusCode, value: &Value) -> Reply {
    Reply::json(status, value, JsonStyle::Python)
}

/// show and detail: an admin, or anyone of the project itself.
fn may_read(call: &NCall, project: &str, rule: &str) -> NovaResult<()> {
    if call.ctx.is_admin() || call.ctx.project() == project {
        Ok(())
    } else {
        Err(policy(&format!("os_compute_api:os-quota-sets:{rule}")))
    }
}

/// `GET /os-quota-sets/{project}[/detail|/defaults]`.
pub fn show(call: &NCall, state: &State, project: &str, view: Option<&str>) -> NovaResult<Reply> {
    match view {
        Some("defaults") => {}
        Some(_) => may_read(call, project, "detail")?,
        None => may_read(call, project, "show")?,
    }
    let quotas = &call.app.config.quotas;
    let mut set = Map::new();
    set.insert("id".into(), json!(project));
    for name in shown(call) {
        let value = match view {
            Some("defaults") => json!(quotas.default_limit(name)),
            Some(_) => json!({"limit": limit(quotas, state, project, name),
                              "in_use": used(state, project, name), "reserved": 0}),
            None => json!(limit(quotas, state, project, name)),
        };
        set.insert(name.into(), value);
    }
    Ok(ok(StatusCode::OK, &json!({ "quota_set": set })))
}

/// `PUT /os-quota-sets/{project}` (admin). Checked as Nova's JSON schema does, then
/// against what is in use; the answer has no `id` [obs].
pub fn update(call: &NCall, state: &mut State, project: &str) -> NovaResult<Reply> {
    if !call.ctx.is_admin() {
        return Err(policy("os_compute_api:os-quota-sets:update"));
    }
    let body = call.body.clone().unwrap_or(Value::Null);
    let Some(set) = body.get("quota_set").and_then(Value::as_object) else {
        return Err(schema_error(
            "",
            &body,
            "'quota_set' is a required property",
        ));
    };
    let names = shown(call);
    if let Some(extra) = set
        .keys()
        .find(|k| !names.contains(&k.as_str()) && *k != "force")
    {
        return Err(schema_error(
            "quota_set",
            &Value::Object(set.clone()),
            &additional_properties(&[extra]),
        ));
    }
    let mut wanted = Vec::new();
    for (name, value) in set.iter().filter(|(k, _)| *k != "force") {
        let text = python_str(value);
        let Ok(limit) = text.parse::<i64>() else {
            return Err(schema_error(
                name,
                value,
                &format!("{} does not match '^-?[0-9]+$'", python_repr(value)),
            ));
        };
        if limit < -1 {
            return Err(schema_error(
                name,
                value,
                &format!("{limit} is less than the minimum of -1"),
            ));
        }
        let in_use = used(state, project, name);
        if limit >= 0 && limit < in_use {
            return Err(bad_request(format!(
                "Quota limit {limit} for {name} must be greater than or equal to already used and reserved {in_use}."
            )));
        }
        wanted.push((name.clone(), limit));
    }
    for (name, limit) in wanted {
        state
            .quota_limits
            .insert((project.to_string(), name), limit);
    }
    let quotas = &call.app.config.quotas;
    let set: Map<String, Value> = names
        .iter()
        .map(|n| (n.to_string(), json!(limit(quotas, state, project, n))))
        .collect();
    Ok(ok(StatusCode::OK, &json!({ "quota_set": set })))
}

/// `DELETE /os-quota-sets/{project}` (admin): back to the defaults; 202 without a body.
pub fn delete(call: &NCall, state: &mut State, project: &str) -> NovaResult<Reply> {
    if !call.ctx.is_admin() {
        return Err(policy("os_compute_api:os-quota-sets:delete"));
    }
    forget_limits(state, project, NOVA_DEFAULTS);
    Ok(Reply::new(StatusCode::ACCEPTED))
}

/// `GET /limits`: the caller's project's limits and use, under Nova's older names.
pub fn limits(call: &NCall, state: &State) -> NovaResult<Reply> {
    let project = call.ctx.project();
    let quotas = &call.app.config.quotas;
    let l = |name: &str| json!(limit(quotas, state, project, name));
    let u = |name: &str| json!(used(state, project, name));
    let v = |major, minor| call.version.at_least(major, minor);
    // Nova's order [obs]; each entry is shown below the microversion that dropped it.
    let entries: Vec<(&str, Value, bool)> = vec![
        ("maxTotalCores", l("cores"), true),
        ("maxPersonality", l("injected_files"), !v(2, 57)),
        (
            "maxPersonalitySize",
            l("injected_file_content_bytes"),
            !v(2, 57),
        ),
        ("maxTotalInstances", l("instances"), true),
        ("maxTotalKeypairs", l("key_pairs"), true),
        ("maxServerMeta", l("metadata_items"), true),
        ("maxImageMeta", l("metadata_items"), !v(2, 39)),
        ("maxTotalRAMSize", l("ram"), true),
        ("maxServerGroups", l("server_groups"), true),
        ("maxServerGroupMembers", l("server_group_members"), true),
        ("maxTotalFloatingIps", l("floating_ips"), !v(2, 36)),
        ("maxSecurityGroups", l("security_groups"), !v(2, 36)),
        (
            "maxSecurityGroupRules",
            l("security_group_rules"),
            !v(2, 36),
        ),
        ("totalRAMUsed", u("ram"), true),
        ("totalCoresUsed", u("cores"), true),
        ("totalInstancesUsed", u("instances"), true),
        ("totalFloatingIpsUsed", json!(0), !v(2, 36)),
        ("totalSecurityGroupsUsed", json!(0), !v(2, 36)),
        ("totalServerGroupsUsed", json!(0), true),
    ];
    let absolute: Map<String, Value> = entries
        .into_iter()
        .filter(|(_, _, shown)| *shown)
        .map(|(k, value, _)| (k.to_string(), value))
        .collect();
    Ok(ok(
        StatusCode::OK,
        &json!({"limits": {"rate": [], "absolute": absolute}}),
    ))
}
