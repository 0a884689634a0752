//! Keystone v3 at `/identity`: version discovery, tokens (password, application_credential, token methods),
//! token validation and application credentials.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth;
use crate::clock;
use crate::http::{JsonStyle, Reply, Req};
use crate::seed::{DOMAIN_ID, DOMAIN_NAME, REGION};
use crate::state::{AppCredential, State, Token};

const API_VERSION: &str = "v3.14";
const API_UPDATED: &str = "2020-04-07T00:00:00Z";

pub fn handle(app: &Arc<App>, req: &Req) -> Reply {
    let mut reply = route(app, req);
    // Keystone adds WWW-Authenticate to every 401 it raises (docs/CONTRACT.md §3.5), whichever
    // check raised it: bad credentials, a scope it cannot find, an invalid subject token.
    if reply.status == StatusCode::UNAUTHORIZED && reply.header_value("www-authenticate").is_none()
    {
        reply = reply.header("www-authenticate", auth::www_authenticate(app));
    }
    reply.header("x-openstack-request-id", &req.request_id)
}

fn route(app: &Arc<App>, req: &Req) -> Reply {
    let rest = req.path.strip_prefix("/identity").unwrap_or("");
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (segments.as_slice(), &req.method) {
        ([], &Method::GET) => versions(app),
        (["v3"], &Method::GET) => version(app),
        (["v3", "auth", "tokens"], &Method::POST) => issue_token(app, req),
        (["v3", "auth", "tokens"], &Method::GET) => validate_token(app, req, true),
        (["v3", "auth", "tokens"], &Method::HEAD) => validate_token(app, req, false),
        (["v3", "auth", "tokens"], &Method::DELETE) => revoke_token(app, req),
        (["v3", "auth", "catalog"], &Method::GET) => auth_catalog(app, req),
        (["v3", "users", user_id, "application_credentials"], &Method::POST) => {
            create_app_cred(app, req, user_id)
        }
        (["v3", "users", user_id, "application_credentials"], &Method::GET) => {
            list_app_creds(app, req, user_id)
        }
        (["v3", "users", user_id, "application_credentials", id], &Method::GET) => {
            show_app_cred(app, req, user_id, id)
        }
        (["v3", "users", user_id, "application_credentials", id], &Method::DELETE) => {
            delete_app_cred(app, req, user_id, id)
        }
        ([] | ["v3"] | ["v3", "auth", "tokens"], _)
        | (["v3", "users", _, "application_credentials"], _)
        | (["v3", "users", _, "application_credentials", _], _) => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "The method is not allowed for the requested URL.",
        ),
        _ => error(
            StatusCode::NOT_FOUND,
            "Not Found",
            "The resource could not be found.",
        ),
    }
}

pub fn error(status: StatusCode, title: &str, message: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"code": status.as_u16(), "title": title, "message": message}}),
        JsonStyle::Python,
    )
}

fn unauthorized(app: &App) -> Reply {
    auth::unauthorized(app)
}

fn bad_request(message: &str) -> Reply {
    error(StatusCode::BAD_REQUEST, "Bad Request", message)
}

fn forbidden(action: &str) -> Reply {
    error(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!("You are not authorized to perform the requested action: {action}."),
    )
}

fn version_value(app: &App) -> Value {
    json!({
        "id": API_VERSION,
        "status": "stable",
        "updated": API_UPDATED,
        "links": [{"rel": "self", "href": format!("{}/identity/v3/", app.base_url)}],
        "media-types": [{"base": "application/json",
            "type": "application/vnd.openstack.identity-v3+json"}]
    })
}

fn versions(app: &App) -> Reply {
    // Keystone answers its root with 300 Multiple Choices; keystoneauth's discovery expects that.
    Reply::json(
        StatusCode::MULTIPLE_CHOICES,
        &json!({"versions": {"values": [version_value(app)]}}),
        JsonStyle::Python,
    )
}

fn version(app: &App) -> Reply {
    Reply::json(
        StatusCode::OK,
        &json!({"version": version_value(app)}),
        JsonStyle::Python,
    )
}

fn parse_body(req: &Req) -> Result<Value, Reply> {
    serde_json::from_slice::<Value>(&req.body)
        .map_err(|_| bad_request("Expecting to find valid JSON in request body."))
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(value, |v, key| v.get(*key))
        .and_then(Value::as_str)
}

/// Resolves a `{"id"}` or `{"name", "domain": {"id"|"name"}}` reference to a user id.
fn find_user(state: &State, user: &Value) -> Option<String> {
    if let Some(id) = str_at(user, &["id"]) {
        return state.user(id).map(|u| u.id.clone());
    }
    let name = str_at(user, &["name"])?;
    if !domain_matches(user.get("domain")) {
        return None;
    }
    state
        .users
        .iter()
        .find(|u| u.name == name)
        .map(|u| u.id.clone())
}

fn domain_matches(domain: Option<&Value>) -> bool {
    match domain {
        Some(d) => {
            str_at(d, &["id"]) == Some(DOMAIN_ID) || str_at(d, &["name"]) == Some(DOMAIN_NAME)
        }
        None => false,
    }
}

enum Scope {
    Unscoped,
    Project(String),
}

fn resolve_scope(state: &State, auth: &Value) -> Result<Scope, Reply> {
    let Some(scope) = auth.get("scope") else {
        return Ok(Scope::Unscoped);
    };
    let Some(project) = scope.get("project") else {
        return Err(bad_request(
            "The request you have made requires authentication.",
        ));
    };
    let found = match str_at(project, &["id"]) {
        Some(id) => state.project(id),
        None => {
            if !domain_matches(project.get("domain")) {
                return Err(bad_request("Expecting to find domain in project. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error."));
            }
            let name = str_at(project, &["name"]).unwrap_or("");
            state.projects.iter().find(|p| p.name == name)
        }
    };
    found.map(|p| Scope::Project(p.id.clone())).ok_or_else(|| {
        error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "The request you have made requires authentication.",
        )
    })
}

fn issue_token(app: &Arc<App>, req: &Req) -> Reply {
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(auth) = body.get("auth").filter(|a| a.is_object()) else {
        return bad_request("Invalid input for field 'auth': 'auth' is a required property");
    };
    let Some(identity) = auth.get("identity") else {
        return bad_request(
            "Invalid input for field 'identity': 'identity' is a required property",
        );
    };
    let methods: Vec<String> = identity
        .get("methods")
        .and_then(Value::as_array)
        .map(|m| {
            m.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if methods.is_empty() {
        return bad_request("Invalid input for field 'identity': 'methods' is a required property");
    }
    let now = SystemTime::now();
    let mut state = app.lock();
    state.purge_expired_tokens(now);
    let issued = if methods.iter().any(|m| m == "application_credential") {
        if auth.get("scope").is_some() {
            // keystone/auth/core.py: ApplicationCredentialAuthError is a ValidationError (400).
            return bad_request("Error authenticating with application credential: Application credentials cannot request a scope.");
        }
        app_cred_auth(app, &state, identity, now)
    } else if methods.iter().any(|m| m == "password") {
        password_auth(app, &state, auth, identity, now)
    } else if methods.iter().any(|m| m == "token") {
        token_auth(app, &state, auth, identity, now)
    } else {
        return unauthorized(app);
    };
    let token = match issued {
        Ok(t) => t,
        Err(r) => return r,
    };
    let nocatalog = req.query_pairs().iter().any(|(k, _)| k == "nocatalog");
    let value = token_value(app, &state, &token, !nocatalog);
    let id = token.id.clone();
    state.tokens.insert(id.clone(), token);
    Reply::json(StatusCode::CREATED, &value, JsonStyle::Python).header("x-subject-token", id)
}

fn roles_on(state: &State, user_id: &str, project_id: &str) -> Vec<String> {
    state
        .assignments
        .get(&(user_id.to_string(), project_id.to_string()))
        .cloned()
        .unwrap_or_default()
}

fn new_token(
    app: &App,
    user_id: String,
    scope: Scope,
    roles: Vec<String>,
    methods: Vec<String>,
    now: SystemTime,
    expires_at: SystemTime,
) -> Token {
    Token {
        id: app.ids.token(),
        user_id,
        project_id: match scope {
            Scope::Unscoped => None,
            Scope::Project(p) => Some(p),
        },
        roles,
        methods,
        issued_at: now,
        expires_at,
        audit_id: app.ids.hex32()[..22].to_string(),
        app_cred: None,
    }
}

fn password_auth(
    app: &App,
    state: &State,
    auth: &Value,
    identity: &Value,
    now: SystemTime,
) -> Result<Token, Reply> {
    let user = identity
        .get("password")
        .and_then(|p| p.get("user"))
        .ok_or_else(|| {
            bad_request("Invalid input for field 'password': 'user' is a required property")
        })?;
    let password = str_at(user, &["password"]).unwrap_or("");
    let user_id = find_user(state, user)
        .filter(|id| state.user(id).is_some_and(|u| u.password == password))
        .ok_or_else(|| unauthorized(app))?;
    scoped_token(
        app,
        state,
        auth,
        user_id,
        vec!["password".into()],
        now,
        None,
    )
}

fn scoped_token(
    app: &App,
    state: &State,
    auth: &Value,
    user_id: String,
    methods: Vec<String>,
    now: SystemTime,
    expires_at: Option<SystemTime>,
) -> Result<Token, Reply> {
    let scope = resolve_scope(state, auth)?;
    let roles = match &scope {
        Scope::Unscoped => Vec::new(),
        Scope::Project(p) => {
            let roles = roles_on(state, &user_id, p);
            if roles.is_empty() {
                return Err(unauthorized(app));
            }
            roles
        }
    };
    let expires = expires_at.unwrap_or(now + app.config.token_ttl);
    Ok(new_token(app, user_id, scope, roles, methods, now, expires))
}

fn token_auth(
    app: &App,
    state: &State,
    auth: &Value,
    identity: &Value,
    now: SystemTime,
) -> Result<Token, Reply> {
    let id = str_at(identity, &["token", "id"]).unwrap_or("");
    let original = state
        .tokens
        .get(id)
        .filter(|t| t.expires_at > now)
        .ok_or_else(|| unauthorized(app))?;
    if original.app_cred.is_some() {
        // Keystone refuses to rescope a token obtained with an application credential.
        return Err(unauthorized(app));
    }
    let mut methods = original.methods.clone();
    if !methods.iter().any(|m| m == "token") {
        methods.push("token".into());
    }
    // A rescoped token keeps the original expiry, as in Keystone.
    scoped_token(
        app,
        state,
        auth,
        original.user_id.clone(),
        methods,
        now,
        Some(original.expires_at),
    )
}

fn app_cred_auth(
    app: &App,
    state: &State,
    identity: &Value,
    now: SystemTime,
) -> Result<Token, Reply> {
    let Some(cred) = identity.get("application_credential") else {
        return Err(bad_request("Invalid input for field 'application_credential': 'application_credential' is a required property"));
    };
    let secret = str_at(cred, &["secret"]).unwrap_or("");
    let found = if let Some(id) = str_at(cred, &["id"]) {
        state.app_creds.iter().find(|c| c.id == id)
    } else {
        let name = str_at(cred, &["name"]).unwrap_or("");
        let user_id = cred.get("user").and_then(|u| find_user(state, u));
        state
            .app_creds
            .iter()
            .find(|c| c.name == name && Some(&c.user_id) == user_id.as_ref())
    };
    let cred = found
        .filter(|c| c.secret == secret)
        .filter(|c| c.expires_at.is_none_or(|e| e > now))
        .ok_or_else(|| unauthorized(app))?;
    let mut token = new_token(
        app,
        cred.user_id.clone(),
        Scope::Project(cred.project_id.clone()),
        cred.roles.clone(),
        vec!["application_credential".into()],
        now,
        cred.expires_at.map_or(now + app.config.token_ttl, |e| {
            e.min(now + app.config.token_ttl)
        }),
    );
    token.app_cred = Some(cred.id.clone());
    Ok(token)
}

fn domain_value() -> Value {
    json!({"id": DOMAIN_ID, "name": DOMAIN_NAME})
}

fn catalog(state: &State) -> Value {
    Value::Array(
        state
            .endpoints
            .iter()
            .map(|e| {
                json!({
                    "endpoints": [
                        {"id": e.endpoint_ids[0], "interface": "public", "region": REGION,
                         "region_id": REGION, "url": e.url},
                        {"id": e.endpoint_ids[1], "interface": "internal", "region": REGION,
                         "region_id": REGION, "url": e.url}
                    ],
                    "id": e.service_id,
                    "type": e.service_type,
                    "name": e.service_name
                })
            })
            .collect(),
    )
}

pub fn token_value(app: &App, state: &State, token: &Token, with_catalog: bool) -> Value {
    let user_name = state
        .user(&token.user_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let mut t = Map::new();
    t.insert("methods".into(), json!(token.methods));
    t.insert(
        "user".into(),
        json!({"domain": domain_value(), "id": token.user_id, "name": user_name,
               "password_expires_at": null}),
    );
    t.insert("audit_ids".into(), json!([token.audit_id]));
    t.insert(
        "expires_at".into(),
        json!(clock::micros_z(token.expires_at)),
    );
    t.insert("issued_at".into(), json!(clock::micros_z(token.issued_at)));
    if let Some(project_id) = &token.project_id {
        let name = state
            .project(project_id)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        t.insert(
            "project".into(),
            json!({"domain": domain_value(), "id": project_id, "name": name}),
        );
        t.insert("is_domain".into(), json!(false));
        t.insert(
            "roles".into(),
            Value::Array(
                token
                    .roles
                    .iter()
                    .map(|r| json!({"id": state.role_id(r), "name": r}))
                    .collect(),
            ),
        );
        if with_catalog {
            t.insert("catalog".into(), catalog(state));
        }
    }
    if let Some(cred_id) = &token.app_cred {
        if let Some(c) = state.app_creds.iter().find(|c| &c.id == cred_id) {
            t.insert(
                "application_credential".into(),
                json!({"id": c.id, "name": c.name, "restricted": !c.unrestricted}),
            );
        }
    }
    let _ = app;
    json!({"token": Value::Object(t)})
}

fn validate_token(app: &Arc<App>, req: &Req, with_body: bool) -> Reply {
    let state = app.lock();
    if let Err(r) = auth::authenticate(app, &state, req) {
        return r;
    }
    let subject = req.header("x-subject-token").unwrap_or("").trim();
    let now = SystemTime::now();
    let Some(token) = state.tokens.get(subject).filter(|t| t.expires_at > now) else {
        return error(
            StatusCode::NOT_FOUND,
            "Not Found",
            &format!("Could not find token: {subject}."),
        );
    };
    let nocatalog = req.query_pairs().iter().any(|(k, _)| k == "nocatalog");
    let value = token_value(app, &state, token, !nocatalog);
    let reply =
        Reply::json(StatusCode::OK, &value, JsonStyle::Python).header("x-subject-token", subject);
    if with_body {
        reply
    } else {
        reply.with_body(Vec::new())
    }
}

/// `GET /v3/auth/catalog`: the catalog of the request's own token, which must be
/// project-scoped (keystone/api/auth.py `AuthCatalogResource`).
fn auth_catalog(app: &Arc<App>, req: &Req) -> Reply {
    let state = app.lock();
    let ctx = match auth::authenticate(app, &state, req) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if ctx.project_id.is_none() {
        return error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "A project-scoped token is required to produce a service catalog.",
        );
    }
    let links = json!({"self": format!("{}/identity/v3/auth/catalog", app.base_url)});
    Reply::json(
        StatusCode::OK,
        &json!({"catalog": catalog(&state), "links": links}),
        JsonStyle::Python,
    )
}

fn revoke_token(app: &Arc<App>, req: &Req) -> Reply {
    let mut state = app.lock();
    if let Err(r) = auth::authenticate(app, &state, req) {
        return r;
    }
    let subject = req
        .header("x-subject-token")
        .unwrap_or("")
        .trim()
        .to_string();
    if state.tokens.remove(&subject).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            "Not Found",
            &format!("Could not find token: {subject}."),
        );
    }
    Reply::new(StatusCode::NO_CONTENT)
}

fn app_cred_value(app: &App, state: &State, c: &AppCredential, secret: bool) -> Value {
    let mut v = json!({
        "id": c.id,
        "name": c.name,
        "description": c.description,
        "expires_at": c.expires_at.map(clock::micros_z),
        "project_id": c.project_id,
        "roles": c.roles.iter().map(|r| json!({"id": state.role_id(r), "name": r, "domain_id": null})).collect::<Vec<_>>(),
        "unrestricted": c.unrestricted,
        "access_rules": [],
        "user_id": c.user_id,
        "system": null,
        "links": {"self": format!("{}/identity/v3/users/{}/application_credentials/{}", app.base_url, c.user_id, c.id)}
    });
    if secret {
        if let Some(map) = v.as_object_mut() {
            map.insert("secret".into(), json!(c.secret));
        }
    }
    v
}

/// Authenticates and checks that the token's user is the one in the URL (Keystone's owner rule).
fn app_cred_caller(
    app: &App,
    state: &State,
    req: &Req,
    user_id: &str,
    action: &str,
) -> Result<Option<String>, Reply> {
    let ctx = auth::authenticate(app, state, req)?;
    if ctx.user_id != user_id && !ctx.is_admin() {
        return Err(forbidden(action));
    }
    let token_id = req.header("x-auth-token").unwrap_or("").trim();
    Ok(state.tokens.get(token_id).and_then(|t| t.app_cred.clone()))
}

fn create_app_cred(app: &Arc<App>, req: &Req, user_id: &str) -> Reply {
    let mut state = app.lock();
    let via_cred = match app_cred_caller(
        app,
        &state,
        req,
        user_id,
        "identity:create_application_credential",
    ) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if let Some(cred_id) = via_cred {
        let unrestricted = state
            .app_creds
            .iter()
            .any(|c| c.id == cred_id && c.unrestricted);
        if !unrestricted {
            return forbidden("identity:create_application_credential");
        }
    }
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(spec) = body.get("application_credential").filter(|v| v.is_object()) else {
        return bad_request("Invalid input for field 'application_credential': 'application_credential' is a required property");
    };
    let Some(name) = spec
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return bad_request("Invalid input for field 'name': 'name' is a required property");
    };
    let token_id = req.header("x-auth-token").unwrap_or("").trim();
    let Some(project_id) = state
        .tokens
        .get(token_id)
        .and_then(|t| t.project_id.clone())
    else {
        return forbidden("identity:create_application_credential");
    };
    if state
        .app_creds
        .iter()
        .any(|c| c.user_id == user_id && c.name == name)
    {
        return error(
            StatusCode::CONFLICT,
            "Conflict",
            &format!("Conflict occurred attempting to store application_credential - Duplicate entry found with name {name}."),
        );
    }
    let held = roles_on(&state, user_id, &project_id);
    let roles: Vec<String> = match spec.get("roles").and_then(Value::as_array) {
        Some(requested) => {
            let mut roles = Vec::new();
            for r in requested {
                let name = r
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or_else(|| {
                        let id = r.get("id").and_then(Value::as_str)?;
                        state
                            .roles
                            .iter()
                            .find(|x| x.id == id)
                            .map(|x| x.name.clone())
                    });
                match name.filter(|n| held.contains(n)) {
                    Some(n) => roles.push(n),
                    None => {
                        return error(
                            StatusCode::NOT_FOUND,
                            "Not Found",
                            "Could not find role assignment with role, user and project.",
                        )
                    }
                }
            }
            roles
        }
        None => held,
    };
    let expires_at = match spec.get("expires_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => match humantime::parse_rfc3339_weak(s.trim_end_matches('Z')) {
            Ok(t) => Some(t),
            Err(_) => {
                return bad_request(&format!(
                    "Invalid input for field 'expires_at': '{s}' is not a 'date-time'"
                ))
            }
        },
        Some(_) => return bad_request("Invalid input for field 'expires_at'"),
    };
    let cred = AppCredential {
        id: app.ids.hex32(),
        name: name.to_string(),
        description: spec
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
        user_id: user_id.to_string(),
        project_id,
        secret: spec
            .get("secret")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{}{}", app.ids.password(), app.ids.password())),
        roles,
        unrestricted: spec
            .get("unrestricted")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        expires_at,
    };
    let value = json!({"application_credential": app_cred_value(app, &state, &cred, true)});
    state.app_creds.push(cred);
    Reply::json(StatusCode::CREATED, &value, JsonStyle::Python)
}

fn list_app_creds(app: &Arc<App>, req: &Req, user_id: &str) -> Reply {
    let state = app.lock();
    if let Err(r) = app_cred_caller(
        app,
        &state,
        req,
        user_id,
        "identity:list_application_credentials",
    ) {
        return r;
    }
    let items: Vec<Value> = state
        .app_creds
        .iter()
        .filter(|c| c.user_id == user_id)
        .map(|c| app_cred_value(app, &state, c, false))
        .collect();
    Reply::json(
        StatusCode::OK,
        &json!({"application_credentials": items, "links": {"self": format!("{}/identity/v3/users/{user_id}/application_credentials", app.base_url), "previous": null, "next": null}}),
        JsonStyle::Python,
    )
}

fn cred_not_found(id: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "Not Found",
        &format!("Could not find Application Credential: {id}."),
    )
}

fn show_app_cred(app: &Arc<App>, req: &Req, user_id: &str, id: &str) -> Reply {
    let state = app.lock();
    if let Err(r) = app_cred_caller(
        app,
        &state,
        req,
        user_id,
        "identity:get_application_credential",
    ) {
        return r;
    }
    match state
        .app_creds
        .iter()
        .find(|c| c.id == id && c.user_id == user_id)
    {
        Some(c) => Reply::json(
            StatusCode::OK,
            &json!({"application_credential": app_cred_value(app, &state, c, false)}),
            JsonStyle::Python,
        ),
        None => cred_not_found(id),
    }
}

fn delete_app_cred(app: &Arc<App>, req: &Req, user_id: &str, id: &str) -> Reply {
    let mut state = app.lock();
    if let Err(r) = app_cred_caller(
        app,
        &state,
        req,
        user_id,
        "identity:delete_application_credential",
    ) {
        return r;
    }
    let Some(index) = state
        .app_creds
        .iter()
        .position(|c| c.id == id && c.user_id == user_id)
    else {
        return cred_not_found(id);
    };
    state.app_creds.remove(index);
    // Deleting a credential revokes the tokens made with it.
    state
        .tokens
        .retain(|_, t| t.app_cred.as_deref() != Some(id));
    Reply::new(StatusCode::NO_CONTENT)
}

/// Issues a token directly (for `RunningCloud` helpers and tests that need one without HTTP).
pub fn issue_for(app: &App, user_id: &str, project_id: &str, ttl: Duration) -> Option<String> {
    let now = SystemTime::now();
    let mut state = app.lock();
    let roles = roles_on(&state, user_id, project_id);
    if roles.is_empty() {
        return None;
    }
    let token = new_token(
        app,
        user_id.to_string(),
        Scope::Project(project_id.to_string()),
        roles,
        vec!["password".into()],
        now,
        now + ttl,
    );
    let id = token.id.clone();
    state.tokens.insert(id.clone(), token);
    Some(id)
}
