//! Nova at `/compute`, with the order of evaluation of docs/CONTRACT.md §1.2: sizelimit 413 (in `server.rs`),
//! authtoken 401, routing 404 (webob), microversion 400/406, Content-Type 415, URL project 400, then the
//! controller's lookup, policy, lock and state checks.

use std::sync::Arc;
use std::time::SystemTime;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::app::App;
use crate::auth;
use crate::http::{media_type, JsonStyle, Reply, Req};
use crate::mutants::Mutant;
use crate::nova::call::NCall;
use crate::nova::faults::{
    bad_request, malformed_body, route_miss, with_request_ids, with_version_headers, NovaError,
    NovaResult,
};
use crate::nova::microversion::{self, Version, VersionError, MAX, MIN};
use crate::nova::{actions, images, instance_actions, interfaces, keypairs, quotas, servers};

enum Route<'a> {
    Servers,
    ServersDetail,
    Server(&'a str),
    ServerAction(&'a str),
    Interfaces(&'a str),
    Interface(&'a str, &'a str),
    InstanceActions(&'a str),
    InstanceAction(&'a str, &'a str),
    Flavors,
    FlavorsDetail,
    Flavor(&'a str),
    QuotaSet(&'a str, Option<&'a str>),
    Keypairs,
    Keypair(&'a str),
    Images,
    ImagesDetail,
    Image(&'a str),
    Limits,
}

fn is_project_segment(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-')
}

/// Routes mapper: the optional project segment (`[0-9a-f-]+`), then the resource path and method.
fn route<'a>(method: &Method, segments: &[&'a str]) -> Option<(Option<&'a str>, Route<'a>)> {
    let (project, rest) = match segments.split_first() {
        Some((first, rest)) if is_project_segment(first) => (Some(*first), rest),
        _ => (None, segments),
    };
    let m = method.clone();
    let r = match (rest, m) {
        (["servers"], Method::GET) => Route::Servers,
        (["servers"], Method::POST) => Route::Servers,
        (["servers", "detail"], Method::GET) => Route::ServersDetail,
        (["servers", id], Method::GET | Method::PUT | Method::DELETE) => Route::Server(id),
        (["servers", id, "action"], Method::POST) => Route::ServerAction(id),
        (["servers", id, "os-interface"], Method::GET | Method::POST) => Route::Interfaces(id),
        (["servers", id, "os-interface", port], Method::GET | Method::DELETE) => {
            Route::Interface(id, port)
        }
        (["servers", id, "os-instance-actions"], Method::GET) => Route::InstanceActions(id),
        (["servers", id, "os-instance-actions", req], Method::GET) => {
            Route::InstanceAction(id, req)
        }
        (["flavors"], Method::GET) => Route::Flavors,
        (["flavors", "detail"], Method::GET) => Route::FlavorsDetail,
        (["flavors", id], Method::GET) => Route::Flavor(id),
        (["os-quota-sets", id], Method::GET | Method::PUT | Method::DELETE) => {
            Route::QuotaSet(id, None)
        }
        (["os-quota-sets", id, view @ ("detail" | "defaults")], Method::GET) => {
            Route::QuotaSet(id, Some(view))
        }
        (["limits"], Method::GET) => Route::Limits,
        (["os-keypairs"], Method::GET | Method::POST) => Route::Keypairs,
        (["images"], Method::GET) => Route::Images,
        (["images", "detail"], Method::GET) => Route::ImagesDetail,
        (["images", id], Method::GET) => Route::Image(id),
        (["os-keypairs", name], Method::GET | Method::DELETE) => Route::Keypair(name),
        _ => return None,
    };
    Some((project, r))
}

pub fn handle(app: &Arc<App>, req: &Req) -> Reply {
    let rest = req.path.strip_prefix("/compute").unwrap_or("");
    let accept = req.header("accept");
    if rest.is_empty() || rest == "/" {
        // The version list: no token, no request ids, no version headers [obs].
        return versions(app);
    }
    let reply = match rest {
        "/v2.1" | "/v2.1/" => {
            let version = negotiate(req).unwrap_or(MIN);
            with_version_headers(version_doc(app), version)
        }
        "/v2" | "/v2/" => legacy_version_doc(app),
        _ => match rest.strip_prefix("/v2.1/") {
            Some(api) => api_call(app, req, api),
            None => route_miss(accept),
        },
    };
    with_request_ids(reply, &req.request_id)
}

fn versions(app: &App) -> Reply {
    Reply::json(
        StatusCode::OK,
        &json!({"versions": [
            {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
             "updated": "2025-07-04T12:00:00Z",
             "links": [{"rel": "self", "href": format!("{}/compute/v2/", app.base_url)}]},
            {"id": "v2.1", "status": "CURRENT", "version": MAX.to_string(), "min_version": MIN.to_string(),
             "updated": "2013-07-23T11:33:21Z",
             "links": [{"rel": "self", "href": format!("{}/compute/v2.1/", app.base_url)}]}
        ]}),
        JsonStyle::Python,
    )
}

fn version_doc(app: &App) -> Reply {
    Reply::json(
        StatusCode::OK,
        &json!({"version": {"id": "v2.1", "status": "CURRENT", "version": MAX.to_string(),
            "min_version": MIN.to_string(), "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": format!("{}/compute/v2.1/", app.base_url)},
                      {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
            "media-types": [{"base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1"}]}}),
        JsonStyle::Python,
    )
}

fn legacy_version_doc(app: &App) -> Reply {
    Reply::json(
        StatusCode::OK,
        &json!({"version": {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
            "updated": "2025-07-04T12:00:00Z",
            "links": [{"rel": "self", "href": format!("{}/compute/v2/", app.base_url)},
                      {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}],
            "media-types": [{"base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2"}]}}),
        JsonStyle::Python,
    )
}

fn negotiate(req: &Req) -> Result<Version, VersionError> {
    let requested = microversion::requested(
        req.header("openstack-api-version"),
        req.header("x-openstack-nova-api-version"),
    );
    microversion::negotiate(requested.as_deref())
}

fn api_call(app: &Arc<App>, req: &Req, api: &str) -> Reply {
    let accept = req.header("accept");
    let now = SystemTime::now();
    // A key pair to generate takes tens of milliseconds: made before the cloud's state is
    // locked, so that other requests do not wait for it (unused if the create fails).
    let new_key = keypairs::wants_generation(req, api).then(keypairs::generate);
    let mut state = app.lock();
    let ctx = match auth::authenticate(app, &state, req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let segments: Vec<&str> = api.split('/').filter(|s| !s.is_empty()).collect();
    let Some((url_project, route)) = route(&req.method, &segments) else {
        return route_miss(accept);
    };
    let version = match negotiate(req) {
        Ok(v) => v,
        Err(VersionError::Malformed(_)) if app.mutant(Mutant::NovaBadMicroversionAccepted) => MIN,
        Err(VersionError::Malformed(text)) => {
            return bad_request(format!(
                "API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum."
            ))
            .into_reply();
        }
        Err(VersionError::OutOfRange(v)) => {
            let fault = NovaError::new(
                StatusCode::NOT_ACCEPTABLE,
                format!("Version {v} is not supported by the API. Minimum is {MIN} and maximum is {MAX}."),
            );
            return with_version_headers(fault.into_reply(), v);
        }
    };
    let result = (|| -> NovaResult<Reply> {
        // webob treats an empty Content-Type and text/plain as absent; anything else non-JSON is 415,
        // whatever the method.
        let content_type = req
            .header("content-type")
            .filter(|_| !app.mutant(Mutant::NovaContentTypeIgnored));
        if let Some(ct) = content_type {
            let mt = media_type(ct);
            if !mt.is_empty()
                && mt != "text/plain"
                && mt != "application/json"
                && mt != "application/vnd.openstack.compute+json"
            {
                return Err(NovaError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported Content-Type",
                ));
            }
        }
        // Only POST and PUT bodies are read; a DELETE body is ignored even when it is not JSON.
        let body = if matches!(req.method, Method::POST | Method::PUT)
            && !req.body.iter().all(u8::is_ascii_whitespace)
        {
            Some(serde_json::from_slice::<Value>(&req.body).map_err(|_| malformed_body())?)
        } else {
            None
        };
        let call = NCall {
            app,
            req,
            ctx: ctx.clone(),
            version,
            url_project: url_project.map(str::to_owned),
            body,
            now,
            new_key,
        };
        if matches!(route, Route::ServerAction(_)) {
            actions::validate(&call)?;
        }
        if let Some(p) = url_project {
            if Some(p) != ctx.project_id.as_deref()
                && !app.mutant(Mutant::NovaProjectMismatchIgnored)
            {
                return Err(bad_request(format!(
                    "Malformed request URL: URL's project_id '{p}' doesn't match Context's project_id '{}'",
                    ctx.project()
                )));
            }
        }
        match route {
            Route::Servers if req.method == Method::POST => servers::create(&call, &mut state),
            Route::Servers => servers::list(&call, &state, false),
            Route::ServersDetail => servers::list(&call, &state, true),
            Route::Server(id) => match req.method {
                Method::PUT => servers::update(&call, &mut state, id),
                Method::DELETE => servers::delete(&call, &mut state, id),
                _ => servers::show(&call, &state, id),
            },
            Route::ServerAction(id) => actions::perform(&call, &mut state, id),
            Route::Interfaces(id) if req.method == Method::POST => {
                interfaces::attach(&call, &mut state, id)
            }
            Route::Interfaces(id) => interfaces::list(&call, &state, id),
            Route::Interface(id, port) if req.method == Method::DELETE => {
                interfaces::detach(&call, &mut state, id, port)
            }
            Route::Interface(id, port) => interfaces::show(&call, &state, id, port),
            Route::InstanceActions(id) => instance_actions::list(&call, &state, id),
            Route::InstanceAction(id, rid) => instance_actions::show(&call, &state, id, rid),
            Route::Flavors => servers::flavors(&call, &state, false),
            Route::FlavorsDetail => servers::flavors(&call, &state, true),
            Route::Flavor(id) => servers::flavor(&call, &state, id),
            Route::QuotaSet(id, view) => match req.method {
                Method::PUT => quotas::update(&call, &mut state, id),
                Method::DELETE => quotas::delete(&call, &mut state, id),
                _ => quotas::show(&call, &state, id, view),
            },
            Route::Limits => quotas::limits(&call, &state),
            Route::Images | Route::ImagesDetail | Route::Image(_) if !images::served(&call) => Err(
                crate::nova::faults::not_found("The resource could not be found."),
            ),
            Route::Images => images::list(&call, &state, false),
            Route::ImagesDetail => images::list(&call, &state, true),
            Route::Image(id) => images::show(&call, &state, id),
            Route::Keypairs if req.method == Method::POST => keypairs::create(&call, &mut state),
            Route::Keypairs => keypairs::list(&call, &state),
            Route::Keypair(name) if req.method == Method::DELETE => {
                keypairs::delete(&call, &mut state, &path_segment(name))
            }
            Route::Keypair(name) => keypairs::show(&call, &state, &path_segment(name)),
        }
    })();
    drop(state);
    let reply = result.unwrap_or_else(|e| e.into_reply());
    with_version_headers(reply, version)
}

/// A path segment, percent-decoded; unlike a query value, `+` is a plus.
fn path_segment(s: &str) -> String {
    crate::http::percent_decode(&s.replace('+', "%2B"))
}

/// The sizelimit 413, answered before authentication.
pub fn too_large(req_id: &str, accept: Option<&str>) -> Reply {
    with_request_ids(crate::nova::faults::too_large(accept), req_id)
}
