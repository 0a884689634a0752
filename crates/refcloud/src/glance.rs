//! A minimal Glance at `/image`: the version document and the read side of images v2
//! (`GET /v2/images` with Glance's filters, sorting and paging, `GET /v2/images/{id}`), so
//! that clients resolve the image a server boots by name (`openstack server create
//! --image NAME`) and find it in the catalog (issue #16). Shapes, defaults and messages
//! are Glance's (glance/api/v2/images.py, glance/api/versions.py; docs/CONTRACT.md §9.4).
//! Nothing is written: no upload, no image data.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use crate::app::App;
use crate::auth;
use crate::clock;
use crate::http::{webob_page, JsonStyle, Reply, Req};
use crate::state::{Image, State};

/// `limit_param_default` and `api_limit_max` of glance-api.conf.
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 1000;

/// The sort keys Glance allows (`glance.api.v2.images.RequestDeserializer._available_sort_keys`).
const SORT_KEYS: &[&str] = &[
    "name",
    "status",
    "container_format",
    "disk_format",
    "size",
    "id",
    "created_at",
    "updated_at",
];

/// Versions as a Glance with an image cache and one store lists them: 2.18 current.
const VERSIONS: &[(&str, &str)] = &[
    ("2.18", "CURRENT"),
    ("2.17", "SUPPORTED"),
    ("2.16", "SUPPORTED"),
    ("2.15", "SUPPORTED"),
    ("2.14", "SUPPORTED"),
    ("2.9", "SUPPORTED"),
    ("2.7", "SUPPORTED"),
    ("2.6", "SUPPORTED"),
    ("2.5", "SUPPORTED"),
    ("2.4", "SUPPORTED"),
    ("2.3", "SUPPORTED"),
    ("2.2", "SUPPORTED"),
    ("2.1", "SUPPORTED"),
    ("2.0", "SUPPORTED"),
];

fn with_id(reply: Reply, req: &Req) -> Reply {
    reply.header("x-openstack-request-id", &req.request_id)
}

fn json_ok(status: StatusCode, body: &Value) -> Reply {
    Reply::json(status, body, JsonStyle::Python)
}

fn bad_request(req: &Req, explanation: &str) -> Reply {
    webob_page(
        StatusCode::BAD_REQUEST,
        "Bad Request",
        explanation,
        req.header("accept"),
    )
}

fn not_found(req: &Req, explanation: &str) -> Reply {
    webob_page(
        StatusCode::NOT_FOUND,
        "Not Found",
        explanation,
        req.header("accept"),
    )
}

/// `/image...`: the version document without a token (as Glance's version negotiation
/// answers it), everything else through keystonemiddleware.
pub fn handle(app: &Arc<App>, req: &Req) -> Reply {
    let rest = req.path.strip_prefix("/image").unwrap_or("");
    let reply = match rest {
        "" | "/" | "/versions" if req.method == Method::GET => {
            let status = if rest == "/versions" {
                StatusCode::OK
            } else {
                StatusCode::MULTIPLE_CHOICES
            };
            versions(app, status)
        }
        _ => serve(app, req, rest),
    };
    with_id(reply, req)
}

fn versions(app: &App, status: StatusCode) -> Reply {
    let href = format!("{}/image/v2/", app.base_url);
    let versions: Vec<Value> = VERSIONS
        .iter()
        .map(|(v, s)| json!({"id": format!("v{v}"), "status": s, "links": [{"rel": "self", "href": href}]}))
        .collect();
    json_ok(status, &json!({"versions": versions}))
}

fn serve(app: &Arc<App>, req: &Req, rest: &str) -> Reply {
    let state = app.lock();
    let ctx = match auth::authenticate(app, &state, req) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    let segments: Vec<&str> = rest.trim_matches('/').split('/').collect();
    match (segments.as_slice(), &req.method) {
        (["v2", "images"], &Method::GET) => list(req, &state, &ctx),
        (["v2", "images", id], &Method::GET) => match visible(&state, &ctx).find(|i| i.id == *id) {
            Some(image) => json_ok(StatusCode::OK, &view(image)),
            None => not_found(req, &format!("No image found with ID {id}")),
        },
        (["v2", "images"] | ["v2", "images", _], _) => webob_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method Not Allowed",
            "The method specified is not allowed for this resource.",
            req.header("accept"),
        ),
        _ => not_found(req, "The resource could not be found."),
    }
}

/// What a project may see: public and community images, and its own. A list shows
/// community images only when asked for (`visibility=community|all`), as Glance does.
pub fn visible<'s>(state: &'s State, ctx: &'s auth::Context) -> impl Iterator<Item = &'s Image> {
    state.images.iter().filter(move |i| {
        ctx.is_admin()
            || matches!(i.visibility, "public" | "community")
            || ctx.project_id.as_deref() == Some(i.owner.as_str())
    })
}

/// `_format_image`: Glance's order of keys.
pub fn view(i: &Image) -> Value {
    let mut m = Map::new();
    for (k, v) in &i.properties {
        m.insert(k.clone(), json!(v));
    }
    m.insert("name".into(), json!(i.name));
    m.insert("disk_format".into(), json!(i.disk_format));
    m.insert("container_format".into(), json!(i.container_format));
    m.insert("visibility".into(), json!(i.visibility));
    m.insert("size".into(), json!(i.size));
    m.insert("virtual_size".into(), json!(i.virtual_size));
    m.insert("status".into(), json!(i.status));
    m.insert("checksum".into(), json!(i.checksum));
    m.insert("protected".into(), json!(false));
    m.insert("min_ram".into(), json!(i.min_ram));
    m.insert("min_disk".into(), json!(i.min_disk));
    m.insert("owner".into(), json!(i.owner));
    m.insert("os_hidden".into(), json!(false));
    m.insert("os_hash_algo".into(), json!("sha512"));
    m.insert("os_hash_value".into(), json!(i.os_hash_value));
    m.insert("id".into(), json!(i.id));
    m.insert("created_at".into(), json!(clock::seconds(i.created_at)));
    m.insert("updated_at".into(), json!(clock::seconds(i.created_at)));
    m.insert("tags".into(), json!(i.tags));
    m.insert("self".into(), json!(format!("/v2/images/{}", i.id)));
    m.insert("file".into(), json!(format!("/v2/images/{}/file", i.id)));
    m.insert("schema".into(), json!("/v2/schemas/image"));
    Value::Object(m)
}

fn list(req: &Req, state: &State, ctx: &auth::Context) -> Reply {
    let params = req.query_pairs();
    let mut limit = DEFAULT_LIMIT;
    let mut marker = None;
    let (mut sort_keys, mut sort_dirs) = (Vec::new(), Vec::new());
    let bad_sort_key = |key: &str| {
        bad_request(
            req,
            &format!(
                "Invalid sort key: {key}. It must be one of the following: {}.",
                SORT_KEYS.join(", ")
            ),
        )
    };
    let mut filters: Vec<(String, String)> = Vec::new();
    for (k, v) in &params {
        match k.as_str() {
            "limit" => {
                let Ok(n) = v.parse::<i64>() else {
                    return bad_request(req, "limit param must be an integer");
                };
                if n < 0 {
                    return bad_request(req, "limit param must be positive");
                }
                limit = (n as usize).min(MAX_LIMIT);
            }
            "marker" => marker = Some(v.clone()),
            "sort_key" => {
                if !SORT_KEYS.contains(&v.as_str()) {
                    return bad_sort_key(v);
                }
                sort_keys.push(v.clone());
            }
            "sort_dir" => {
                if v != "asc" && v != "desc" {
                    return bad_request(req, &format!("Invalid sort direction: {v}"));
                }
                sort_dirs.push(v.clone());
            }
            "sort" => {
                for part in v.split(',') {
                    let (key, dir) = part.split_once(':').unwrap_or((part, "desc"));
                    if !SORT_KEYS.contains(&key) {
                        return bad_sort_key(key);
                    }
                    if dir != "asc" && dir != "desc" {
                        return bad_request(req, &format!("Invalid sort direction: {dir}"));
                    }
                    sort_keys.push(key.to_string());
                    sort_dirs.push(dir.to_string());
                }
            }
            "visibility" => {
                if !matches!(
                    v.as_str(),
                    "public" | "private" | "shared" | "community" | "all"
                ) {
                    return bad_request(req, &format!("Invalid visibility value: {v}"));
                }
                filters.push((k.clone(), v.clone()));
            }
            "os_hidden" | "protected" => {
                if v != "true" && v != "false" {
                    return bad_request(
                        req,
                        &format!("Invalid value '{v}' for '{k}' filter. Valid values are 'true' or 'false'."),
                    );
                }
                filters.push((k.clone(), v.clone()));
            }
            "changes-since" => {
                return bad_request(
                    req,
                    "The \"changes-since\" filter is no longer available on v2.",
                )
            }
            "member_status" => {}
            _ => filters.push((k.clone(), v.clone())),
        }
    }
    if sort_keys.is_empty() {
        sort_keys.push("created_at".into());
    }
    let community = filters
        .iter()
        .any(|(k, v)| k == "visibility" && (v == "community" || v == "all"));
    // Each image with its view, made once: filters, sorting and the answer read fields of it.
    let mut images: Vec<(&Image, Value)> = visible(state, ctx)
        .filter(|i| community || i.visibility != "community")
        .map(|i| (i, view(i)))
        .filter(|(i, shown)| {
            filters.iter().all(|(k, v)| match k.as_str() {
                "visibility" => v == "all" || i.visibility == v,
                "tag" => i.tags.iter().any(|t| t == v),
                "os_hidden" | "protected" => v == "false",
                "size_min" => v.parse::<u64>().is_ok_and(|n| i.size >= n),
                "size_max" => v.parse::<u64>().is_ok_and(|n| i.size <= n),
                "id" => v
                    .strip_prefix("in:")
                    .unwrap_or(v)
                    .split(',')
                    .any(|id| id == i.id),
                key => match shown.get(key) {
                    Some(Value::String(s)) => v
                        .strip_prefix("in:")
                        .map_or(s == v, |list| list.split(',').any(|x| x == s)),
                    None | Some(Value::Null) => false,
                    Some(other) => serde_json::from_str::<Value>(v).is_ok_and(|p| &p == other),
                },
            })
        })
        .collect();
    images.sort_by(|(a, a_shown), (b, b_shown)| {
        for (n, key) in sort_keys.iter().enumerate() {
            let dir = sort_dirs
                .get(n)
                .or(sort_dirs.last())
                .map_or("desc", String::as_str);
            let (x, y) = (&a_shown[key.as_str()], &b_shown[key.as_str()]);
            let order = match (x, y) {
                (Value::Number(p), Value::Number(q)) => p
                    .as_f64()
                    .partial_cmp(&q.as_f64())
                    .unwrap_or(std::cmp::Ordering::Equal),
                _ => x.to_string().cmp(&y.to_string()),
            };
            let order = if dir == "asc" { order } else { order.reverse() };
            if order.is_ne() {
                return order;
            }
        }
        // Glance adds `id` as the last sort key, in the first key's direction.
        let by_id = a.id.cmp(&b.id);
        if sort_dirs.first().is_some_and(|d| d == "asc") {
            by_id
        } else {
            by_id.reverse()
        }
    });
    if let Some(m) = &marker {
        let Some(at) = images.iter().position(|(i, _)| &i.id == m) else {
            return bad_request(req, &format!("No image found with ID {m}"));
        };
        images.drain(..=at);
    }
    let full_page = images.len() >= limit;
    images.truncate(limit);
    let last_id = images.last().map(|(i, _)| i.id.clone());
    let query: Vec<String> = params
        .iter()
        .filter(|(k, _)| k != "marker")
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    let mut body = Map::new();
    body.insert(
        "images".into(),
        Value::Array(images.into_iter().map(|(_, shown)| shown).collect()),
    );
    body.insert(
        "first".into(),
        json!(if query.is_empty() {
            "/v2/images".to_string()
        } else {
            format!("/v2/images?{}", query.join("&"))
        }),
    );
    body.insert("schema".into(), json!("/v2/schemas/images"));
    if let (true, Some(last)) = (full_page, last_id) {
        let mut next = query.clone();
        next.push(format!("marker={last}"));
        body.insert(
            "next".into(),
            json!(format!("/v2/images?{}", next.join("&"))),
        );
    }
    json_ok(StatusCode::OK, &Value::Object(body))
}

/// `urlencode` of Python for a query value: letters, digits and `_.-~` stay, a space is `+`.
fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
