//! Neutron at `/networking`: authentication, routing and body parsing in the order of docs/CONTRACT.md §1.3
//! (authtoken 401 -> routing 405/404 -> JSON 400 -> the handler's lookup, policy and validation).

use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::App;
use crate::auth;
use crate::http::{JsonStyle, Reply, Req};
use crate::neutron::errors::{malformed_body, method_not_allowed, resource_not_found, NResult};
use crate::neutron::request::{self, Call};
use crate::neutron::{
    bulk, floatingips, interfaces, networks, ports, quotas, rbac, routers, subnets,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Networks,
    Subnets,
    Ports,
    Routers,
    FloatingIps,
    RbacPolicies,
    Quotas,
}

impl Kind {
    fn parse(segment: &str) -> Option<Kind> {
        match segment {
            "networks" => Some(Kind::Networks),
            "subnets" => Some(Kind::Subnets),
            "ports" => Some(Kind::Ports),
            "routers" => Some(Kind::Routers),
            "floatingips" => Some(Kind::FloatingIps),
            "rbac-policies" => Some(Kind::RbacPolicies),
            "quotas" => Some(Kind::Quotas),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RouterAction {
    AddInterface,
    RemoveInterface,
    AddExtraRoutes,
    RemoveExtraRoutes,
}

enum Target<'a> {
    Root,
    Extensions,
    Extension(&'a str),
    Collection(Kind),
    Item(Kind, &'a str),
    Action(Cow<'a, str>, RouterAction),
    /// `/quotas/{project}/details` and `/quotas/{project}/default`.
    QuotaView(&'a str, &'a str),
}

/// (alias, name, description) of the extensions the reference cloud implements.
const EXTENSIONS: &[(&str, &str, &str)] = &[
    ("router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway."),
    ("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router"),
    ("extraroute-atomic", "Atomically add/remove extra routes", "Edit extra routes of a router on server side by atomically adding/removing extra routes"),
    ("external-net", "Neutron external network", "Adds external network attribute to network resource."),
    // The `router:external` field of a subnet comes with it (neutron-lib
    // api/definitions/subnet_external_network.py).
    ("subnet-external-network", "Subnet belongs to an external network", "Informs if the subnet belongs to an external network"),
    ("binding", "Port Binding", "Expose port bindings of a virtual port to external application"),
    ("fip-port-details", "Floating IP Port Details Extension", "Add port_details attribute to Floating IP resource"),
    ("quotas", "Quota management support", "Expose functions for quotas management per project"),
    ("quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project"),
    ("rbac-policies", "RBAC Policies", "Allows creation and modification of policies that control project access to resources."),
    ("revision-if-match", "If-Match constraints based on revision_number", "Extension indicating that If-Match based on revision_number is supported."),
    ("project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled."),
    ("standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes"),
    ("standard-attr-revisions", "Resource revision numbers", "This extension will display the revision number of neutron resources."),
    ("standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes."),
];

pub fn handle(app: &Arc<App>, req: &Req) -> Reply {
    let rest = req.path.strip_prefix("/networking").unwrap_or("");
    if rest.is_empty() || rest == "/" {
        // The version document needs no token and carries no request id [obs].
        return if req.method == Method::GET || req.method == Method::HEAD {
            versions(app)
        } else {
            method_not_allowed().into_reply()
        };
    }
    let reply = serve(app, req, rest);
    reply.header("x-openstack-request-id", &req.request_id)
}

fn versions(app: &App) -> Reply {
    Reply::json(
        StatusCode::OK,
        &json!({"versions": [{"id": "v2.0", "status": "CURRENT",
            "links": [{"href": format!("{}/networking/v2.0/", app.base_url), "rel": "self"}]}]}),
        JsonStyle::Python,
    )
}

fn parse_target(rest: &str) -> Option<Target<'_>> {
    // `GET /v2.0` without the slash is not routed, `/v2.0/` is [obs].
    if rest == "/v2.0" {
        return None;
    }
    let mut segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    // The routes library takes any `.<format>` off the last segment. `json` is a format
    // Neutron serves; any other is glued back onto the resource id (api/v2/resource.py),
    // so `/routers/<id>/add_router_interface.xml` looks for router `<id>.xml` [obs].
    let unsplit = segments.last().copied();
    let mut glued = None;
    if let Some(last) = segments.last_mut() {
        if let Some((stem, format)) = last.rsplit_once('.') {
            if format != "json" {
                glued = Some(format);
            }
            *last = stem;
        }
    }
    let (first, rest) = segments.split_first()?;
    if *first != "v2.0" {
        return None;
    }
    match rest {
        [] => Some(Target::Root),
        ["extensions"] => Some(Target::Extensions),
        ["extensions", alias] => Some(Target::Extension(alias)),
        [collection] if glued.is_none() => Kind::parse(collection).map(Target::Collection),
        // An item's id is the whole segment, format and all.
        [collection, _] => Kind::parse(collection)
            .zip(unsplit)
            .map(|(k, id)| Target::Item(k, id)),
        ["quotas", project, view @ ("details" | "default")] if glued.is_none() => {
            Some(Target::QuotaView(project, view))
        }
        ["routers", id, action] => {
            let action = match *action {
                "add_router_interface" => RouterAction::AddInterface,
                "remove_router_interface" => RouterAction::RemoveInterface,
                "add_extraroutes" => RouterAction::AddExtraRoutes,
                "remove_extraroutes" => RouterAction::RemoveExtraRoutes,
                _ => return None,
            };
            let id = match glued {
                Some(format) => Cow::Owned(format!("{id}.{format}")),
                None => Cow::Borrowed(*id),
            };
            Some(Target::Action(id, action))
        }
        _ => None,
    }
}

fn serve(app: &Arc<App>, req: &Req, rest: &str) -> Reply {
    let now = SystemTime::now();
    let mut state = app.lock();
    let ctx = match auth::authenticate(app, &state, req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let Some(target) = parse_target(rest) else {
        return resource_not_found().into_reply();
    };
    let method = &req.method;
    let allowed = match &target {
        Target::Root | Target::Extensions | Target::Extension(_) => *method == Method::GET,
        Target::Collection(_) => *method == Method::GET || *method == Method::POST,
        Target::Item(..) => matches!(*method, Method::GET | Method::PUT | Method::DELETE),
        Target::Action(..) => *method == Method::PUT,
        Target::QuotaView(..) => *method == Method::GET,
    };
    if !allowed {
        let reply = method_not_allowed().into_reply();
        // Pecan's misleading Allow header on a GET of an action (docs/CONTRACT.md §1.3).
        return if matches!(target, Target::Action(..)) && *method == Method::GET {
            reply.header("allow", "DELETE, HEAD, PATCH, POST, PUT")
        } else {
            reply
        };
    }
    let body = if *method == Method::PUT || *method == Method::POST {
        if req.body.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            match serde_json::from_slice::<Value>(&req.body) {
                Ok(v) => Some(v),
                Err(_) => return malformed_body().into_reply(),
            }
        }
    } else {
        None
    };
    let if_match = if *method == Method::PUT || *method == Method::POST {
        match request::if_match_revisions(req) {
            Ok(revisions) => revisions,
            Err(e) => return e.into_reply(),
        }
    } else {
        Vec::new()
    };
    let call = Call {
        app,
        req,
        ctx,
        body,
        key: app.config.owner_key,
        now,
        if_match,
    };
    let result: NResult<Reply> = match (target, method.clone()) {
        (Target::Root, _) => Ok(root(app)),
        (Target::Extensions, _) => Ok(extensions()),
        (Target::Extension(alias), _) => extension(alias),
        (Target::Collection(kind), Method::GET) => match kind {
            Kind::Networks => networks::list_networks(&call, &state),
            Kind::Subnets => subnets::list_subnets(&call, &state),
            Kind::Ports => ports::list_ports(&call, &state),
            Kind::Routers => routers::list_routers(&call, &state),
            Kind::FloatingIps => floatingips::list_floatingips(&call, &state),
            Kind::RbacPolicies => rbac::list_rbac_policies(&call, &state),
            Kind::Quotas => quotas::list(&call, &state),
        },
        (Target::Collection(kind), _) => match kind {
            Kind::Networks => bulk::create(
                &call,
                &mut state,
                "network",
                "networks",
                networks::create_network,
            )
            .unwrap_or_else(|| networks::create_network(&call, &mut state)),
            Kind::Subnets => bulk::create(
                &call,
                &mut state,
                "subnet",
                "subnets",
                subnets::create_subnet,
            )
            .unwrap_or_else(|| subnets::create_subnet(&call, &mut state)),
            Kind::Ports => bulk::create(&call, &mut state, "port", "ports", ports::create_port)
                .unwrap_or_else(|| ports::create_port(&call, &mut state)),
            Kind::Routers => routers::create_router(&call, &mut state),
            Kind::FloatingIps => floatingips::create_floatingip(&call, &mut state),
            Kind::RbacPolicies => rbac::create_rbac_policy(&call, &mut state),
            Kind::Quotas => Err(method_not_allowed()),
        },
        (Target::Item(kind, id), Method::GET) => match kind {
            Kind::Networks => networks::show_network(&call, &state, id),
            Kind::Subnets => subnets::show_subnet(&call, &state, id),
            Kind::Ports => ports::show_port(&call, &state, id),
            Kind::Routers => routers::show_router(&call, &state, id),
            Kind::FloatingIps => floatingips::show_floatingip(&call, &state, id),
            Kind::RbacPolicies => rbac::show_rbac_policy(&call, &state, id),
            Kind::Quotas => quotas::show(&call, &state, id, None),
        },
        (Target::Item(kind, id), Method::PUT) => match kind {
            Kind::Networks => networks::update_network(&call, &mut state, id),
            Kind::Subnets => subnets::update_subnet(&call, &mut state, id),
            Kind::Ports => ports::update_port(&call, &mut state, id),
            Kind::Routers => routers::update_router(&call, &mut state, id),
            Kind::FloatingIps => floatingips::update_floatingip(&call, &mut state, id),
            Kind::RbacPolicies => Err(method_not_allowed()),
            Kind::Quotas => quotas::update(&call, &mut state, id),
        },
        (Target::Item(kind, id), _) => match kind {
            Kind::Networks => networks::delete_network(&call, &mut state, id),
            Kind::Subnets => subnets::delete_subnet(&call, &mut state, id),
            Kind::Ports => ports::delete_port(&call, &mut state, id),
            Kind::Routers => routers::delete_router(&call, &mut state, id),
            Kind::FloatingIps => floatingips::delete_floatingip(&call, &mut state, id),
            Kind::RbacPolicies => rbac::delete_rbac_policy(&call, &mut state, id),
            Kind::Quotas => quotas::delete(&call, &mut state, id),
        },
        (Target::QuotaView(project, view), _) => quotas::show(&call, &state, project, Some(view)),
        (Target::Action(id, action), _) => match action {
            RouterAction::AddInterface => interfaces::add_router_interface(&call, &mut state, &id),
            RouterAction::RemoveInterface => {
                interfaces::remove_router_interface(&call, &mut state, &id)
            }
            RouterAction::AddExtraRoutes => {
                routers::change_extraroutes(&call, &mut state, &id, true)
            }
            RouterAction::RemoveExtraRoutes => {
                routers::change_extraroutes(&call, &mut state, &id, false)
            }
        },
    };
    drop(state);
    result.unwrap_or_else(|e| e.into_reply())
}

fn root(app: &App) -> Reply {
    let resources: Vec<Value> = ["network", "subnet", "port", "router", "floatingip"]
        .iter()
        .map(|r| {
            json!({"name": r, "collection": format!("{r}s"),
                   "links": [{"href": format!("{}/networking/v2.0/{r}s", app.base_url), "rel": "self"}]})
        })
        .collect();
    Reply::json(
        StatusCode::OK,
        &json!({"resources": resources}),
        JsonStyle::Python,
    )
}

fn extension_value(alias: &str, name: &str, description: &str) -> Value {
    json!({"name": name, "alias": alias, "description": description,
           "updated": "2013-01-20T00:00:00-00:00", "links": []})
}

fn extensions() -> Reply {
    let items: Vec<Value> = EXTENSIONS
        .iter()
        .map(|(a, n, d)| extension_value(a, n, d))
        .collect();
    Reply::json(
        StatusCode::OK,
        &json!({"extensions": items}),
        JsonStyle::Python,
    )
}

fn extension(alias: &str) -> NResult<Reply> {
    EXTENSIONS
        .iter()
        .find(|(a, _, _)| *a == alias)
        .map(|(a, n, d)| {
            Reply::json(
                StatusCode::OK,
                &json!({"extension": extension_value(a, n, d)}),
                JsonStyle::Python,
            )
        })
        .ok_or_else(resource_not_found)
}
