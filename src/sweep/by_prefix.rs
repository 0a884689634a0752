//! Finding leftovers by their name prefix, for runs whose ledger is lost. Only resources
//! whose name (a floating IP: description) starts with the prefix, and only in the projects
//! of the identities given, are touched. Order matters: servers (which release their
//! ports), floating IPs, routers (routes, gateway and interfaces first), ports, subnets,
//! networks.
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::call::call;
use super::{Outcome, SweepError};
use crate::case::{Method, Role, Service};
use crate::target::Target;

/// How long deleted servers get to disappear before their networks are removed.
const SERVER_GONE_TIMEOUT: Duration = Duration::from_secs(120);

struct Found {
    role: Role,
    kind: &'static str,
    id: String,
    label: String,
    body: Value,
}

fn projects(target: &Target) -> BTreeSet<String> {
    target
        .identities
        .values()
        .filter_map(|i| i.project_id.clone())
        .collect()
}

fn str_field<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// One kind of resource and where to list it.
struct Listing {
    service: Service,
    path: &'static str,
    collection: &'static str,
    kind: &'static str,
    /// The field that carries the prefix.
    field: &'static str,
}

const LISTINGS: [Listing; 6] = [
    Listing {
        service: Service::Compute,
        path: "/v2.1/servers/detail",
        collection: "servers",
        kind: "server",
        field: "name",
    },
    Listing {
        service: Service::Network,
        path: "/v2.0/floatingips",
        collection: "floatingips",
        kind: "floating IP",
        field: "description",
    },
    Listing {
        service: Service::Network,
        path: "/v2.0/routers",
        collection: "routers",
        kind: "router",
        field: "name",
    },
    Listing {
        service: Service::Network,
        path: "/v2.0/ports",
        collection: "ports",
        kind: "port",
        field: "name",
    },
    Listing {
        service: Service::Network,
        path: "/v2.0/subnets",
        collection: "subnets",
        kind: "subnet",
        field: "name",
    },
    Listing {
        service: Service::Network,
        path: "/v2.0/networks",
        collection: "networks",
        kind: "network",
        field: "name",
    },
];

/// Lists the resources of one kind as every identity, keeping items of the given projects
/// whose name field starts with `prefix`; each item once.
async fn list(
    target: &Target,
    l: &Listing,
    prefix: &str,
    timeout: Duration,
) -> Result<Vec<Found>, SweepError> {
    let (service, path, collection, kind, field) =
        (l.service, l.path, l.collection, l.kind, l.field);
    let projects = projects(target);
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for role in [Role::Owner, Role::Other, Role::Reader, Role::Admin] {
        if !target.identities.contains_key(&role) {
            continue;
        }
        let a = call(target, role, service, Method::Get, path, None, timeout).await?;
        if a.status != 200 {
            continue;
        }
        for item in a.body[collection].as_array().cloned().unwrap_or_default() {
            let project = item
                .get("project_id")
                .or_else(|| item.get("tenant_id"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let id = str_field(&item, "id").to_string();
            if str_field(&item, field).starts_with(prefix)
                && projects.contains(project)
                && seen.insert(id.clone())
            {
                // Delete as an identity of the item's own project when there is one.
                let owner = target
                    .identities
                    .iter()
                    .find(|(r, i)| **r != Role::None && i.project_id.as_deref() == Some(project))
                    .map(|(r, _)| *r)
                    .unwrap_or(role);
                found.push(Found {
                    role: owner,
                    kind,
                    label: format!("{kind} {} ({id})", str_field(&item, field)),
                    id,
                    body: item,
                });
            }
        }
    }
    Ok(found)
}

async fn delete(
    target: &Target,
    f: &Found,
    service: Service,
    path: &str,
    t: Duration,
) -> Result<(), SweepError> {
    let a = call(target, f.role, service, Method::Delete, path, None, t).await?;
    match a.status {
        200..=299 | 404 => Ok(()),
        status => Err(SweepError::Refused {
            what: f.label.clone(),
            method: "DELETE",
            path: path.to_string(),
            status,
            body: a.body,
        }),
    }
}

/// Detaches what Neutron would refuse to delete a router with.
async fn empty_router(target: &Target, f: &Found, t: Duration) -> Result<(), SweepError> {
    let path = format!("/v2.0/routers/{}", f.id);
    let neutron = |method: Method, path: String, body: Option<Value>| async move {
        call(
            target,
            f.role,
            Service::Network,
            method,
            &path,
            body.as_ref(),
            t,
        )
        .await
    };
    if f.body["routes"].as_array().is_some_and(|r| !r.is_empty()) {
        let body = json!({"router": {"routes": []}});
        neutron(Method::Put, path.clone(), Some(body)).await?;
    }
    let ports = neutron(Method::Get, format!("/v2.0/ports?device_id={}", f.id), None).await?;
    for port in ports.body["ports"].as_array().cloned().unwrap_or_default() {
        if str_field(&port, "device_owner").starts_with("network:router_interface") {
            let body = json!({"port_id": str_field(&port, "id")});
            neutron(
                Method::Put,
                format!("{path}/remove_router_interface"),
                Some(body),
            )
            .await?;
        }
    }
    if f.body["external_gateway_info"].is_object() {
        let body = json!({"router": {"external_gateway_info": {}}});
        neutron(Method::Put, path, Some(body)).await?;
    }
    Ok(())
}

/// Removes every resource whose name has `prefix`, except those of `live_runs`: runs that
/// still hold their ledger's lock, whose resources are in use and theirs to tear down.
pub async fn sweep_by_prefix(
    target: &Target,
    prefix: &str,
    live_runs: &BTreeSet<String>,
    dry_run: bool,
    t: Duration,
) -> Result<Outcome, SweepError> {
    let mut outcome = Outcome::default();
    let mut plan: Vec<(Found, Service, String)> = Vec::new();
    for l in &LISTINGS {
        let offered = target
            .identities
            .values()
            .any(|i| i.endpoints.contains_key(&l.service));
        if !offered {
            continue;
        }
        for f in list(target, l, prefix, t).await? {
            let name = str_field(&f.body, l.field);
            if let Some(run) = live_runs
                .iter()
                .find(|run| name.starts_with(&format!("stackconform-{run}-")))
            {
                outcome.skipped.push(format!(
                    "{}: run {run} is still going (its ledger is locked)",
                    f.label
                ));
                continue;
            }
            let item = format!("{}/{}", l.path.trim_end_matches("/detail"), f.id);
            plan.push((f, l.service, item));
        }
    }
    if dry_run {
        outcome.would_remove = plan.into_iter().map(|(f, ..)| f.label).collect();
        return Ok(outcome);
    }
    let mut servers = Vec::new();
    for (f, service, path) in &plan {
        let result = async {
            if f.kind == "router" {
                empty_router(target, f, t).await?;
            }
            if f.kind == "server" && f.body["locked"].as_bool() != Some(false) {
                // Nova refuses to delete a locked server; unlocking an unlocked one is harmless.
                let action = format!("{path}/action");
                call(
                    target,
                    f.role,
                    Service::Compute,
                    Method::Post,
                    &action,
                    Some(&json!({"unlock": null})),
                    t,
                )
                .await?;
            }
            if f.kind == "floating IP" || (f.kind == "port" && !servers.is_empty()) {
                wait_gone(target, &servers, t).await;
                servers.clear();
            }
            delete(target, f, *service, path, t).await
        }
        .await;
        match result {
            Ok(()) => {
                if f.kind == "server" {
                    servers.push((f.role, path.clone()));
                }
                outcome.removed.push(f.label.clone());
            }
            Err(e) => outcome.failed.push(e.to_string()),
        }
    }
    wait_gone(target, &servers, t).await;
    Ok(outcome)
}

/// Servers are deleted asynchronously; their ports go with them.
async fn wait_gone(target: &Target, servers: &[(Role, String)], t: Duration) {
    let started = Instant::now();
    for (role, path) in servers {
        while started.elapsed() < SERVER_GONE_TIMEOUT {
            match call(target, *role, Service::Compute, Method::Get, path, None, t).await {
                Ok(a) if a.status == 404 => break,
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}
