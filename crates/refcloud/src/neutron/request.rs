//! One Neutron API call as the resource handlers see it, and the attribute parsing they share.

use std::sync::Arc;
use std::time::SystemTime;

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::app::App;
use crate::auth::Context;
use crate::config::OwnerKey;
use crate::http::{python_str, JsonStyle, Reply, Req};
use crate::neutron::errors::{
    bad_request, http_bad_request, invalid_input, policy, NResult, NeutronError,
};
use crate::neutron::views;

pub struct Call<'a> {
    pub app: &'a Arc<App>,
    pub req: &'a Req,
    pub ctx: Context,
    /// The parsed JSON body; `None` when the request had no body at all.
    pub body: Option<Value>,
    pub key: OwnerKey,
    pub now: SystemTime,
    /// The revisions `If-Match: revision_number=N` asks for; see `check_if_match`.
    pub if_match: Vec<u64>,
}

/// The revisions an If-Match header asks for. A malformed number is 400 before the
/// resource is even looked up (neutron/api/api_common.py, called from
/// api/v2/resource.py); an etag without the `revision_number=` prefix is ignored [obs].
pub fn if_match_revisions(req: &Req) -> NResult<Vec<u64>> {
    let Some(value) = req.header("if-match") else {
        return Ok(Vec::new());
    };
    value
        .split(',')
        .filter_map(|item| item.trim().strip_prefix("revision_number="))
        .map(|number| {
            number.trim().parse().map_err(|_| {
                bad_request(
                    "BadRequest",
                    "Bad if-match request: Revision number etag must be in the format of revision_number=<int>.",
                )
            })
        })
        .collect()
}

impl Call<'_> {
    pub fn query(&self) -> Vec<(String, String)> {
        self.req.query_pairs()
    }

    /// `{"<resource>": {...}}` as Neutron's `prepare_request_body` demands it.
    pub fn resource_body(&self, resource: &str) -> NResult<&Map<String, Value>> {
        let body = match &self.body {
            None | Some(Value::Null) => return Err(http_bad_request("Resource body required")),
            Some(b) => b,
        };
        match body.get(resource) {
            Some(Value::Object(map)) => Ok(map),
            Some(_) => Err(http_bad_request(format!(
                "Invalid input for {resource}. Reason: The resource body must be a dict."
            ))),
            None => Err(http_bad_request(format!(
                "Unable to find '{resource}' in request body"
            ))),
        }
    }

    /// revision-if-match: `If-Match: revision_number=N` must name the current revision
    /// (412). Neutron compares at the first database write of the action, so a handler
    /// calls this where upstream first writes, after its own validation.
    pub fn check_if_match(&self, current: u64) -> NResult<()> {
        match self.if_match.iter().find(|wanted| **wanted != current) {
            Some(wanted) => Err(NeutronError::new(
                StatusCode::PRECONDITION_FAILED,
                "RevisionNumberConstraintFailed",
                format!("Constrained to {wanted}, but current revision is {current}"),
            )),
            None => Ok(()),
        }
    }

    pub fn require_reader(&self, action: &str) -> NResult<()> {
        if self.ctx.can_read() {
            Ok(())
        } else {
            Err(policy(action))
        }
    }

    /// Create policy: a member (or admin) may create in its own project; only an admin for another one.
    pub fn create_project(&self, attrs: &Map<String, Value>, action: &str) -> NResult<String> {
        let requested = attrs
            .get("project_id")
            .or_else(|| attrs.get("tenant_id"))
            .map(python_str);
        if !self.ctx.can_write() {
            return Err(policy(action));
        }
        match requested {
            Some(p) if p != self.ctx.project() && !self.ctx.is_admin() => Err(policy(action)),
            Some(p) => Ok(p),
            None => Ok(self.ctx.project().to_string()),
        }
    }
}

pub fn check_attrs(attrs: &Map<String, Value>, allowed: &[&str]) -> NResult<()> {
    let extra: Vec<&str> = attrs
        .keys()
        .map(String::as_str)
        .filter(|k| !allowed.contains(k) && *k != "project_id" && *k != "tenant_id")
        .collect();
    if extra.is_empty() {
        Ok(())
    } else {
        Err(http_bad_request(format!(
            "Unrecognized attribute(s) '{}'",
            extra.join(", ")
        )))
    }
}

pub fn opt_string(attrs: &Map<String, Value>, key: &str) -> NResult<Option<String>> {
    match attrs.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(http_bad_request(format!(
            "Invalid input for {key}. Reason: '{}' is not a valid string.",
            python_str(other)
        ))),
    }
}

/// neutron_lib's `convert_to_boolean`: a bool, `true`/`false`/`1`/`0` as text in any
/// case, or the integers 1 and 0. A conversion failure is InvalidInput "for operation",
/// not the validators' HTTPBadRequest "for <key>" (observed on Neutron 29).
pub fn opt_bool(attrs: &Map<String, Value>, key: &str) -> NResult<Option<bool>> {
    match attrs.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") || s == "1" => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") || s == "0" => Ok(Some(false)),
        Some(Value::Number(n)) if n.as_u64() == Some(1) => Ok(Some(true)),
        Some(Value::Number(n)) if n.as_u64() == Some(0) => Ok(Some(false)),
        Some(other) => Err(invalid_input(format!(
            "'{}' cannot be converted to boolean",
            python_str(other)
        ))),
    }
}

/// `network_id` and friends: required, UUID-like.
pub fn required_uuid(attrs: &Map<String, Value>, key: &str) -> NResult<String> {
    match attrs.get(key) {
        None => Err(http_bad_request(format!(
            "Failed to parse request. Required attribute '{key}' not specified"
        ))),
        Some(v) => {
            let s = python_str(v);
            if v.is_string() && crate::ids::is_uuid_like(&s) {
                Ok(s)
            } else {
                Err(http_bad_request(format!(
                    "Invalid input for {key}. Reason: '{s}' is not a valid UUID."
                )))
            }
        }
    }
}

/// Neutron serialises networks, subnets and ports compactly, routers and floating IPs Python-style.
pub fn style_for(resource: &str) -> JsonStyle {
    match resource {
        "network" | "subnet" | "port" => JsonStyle::Compact,
        _ => JsonStyle::Python,
    }
}

pub fn one(status: StatusCode, resource: &str, item: Value) -> Reply {
    let mut map = Map::new();
    map.insert(resource.to_string(), item);
    Reply::json(status, &Value::Object(map), style_for(resource))
}

pub fn show(call: &Call, resource: &str, item: Value) -> Reply {
    one(
        StatusCode::OK,
        resource,
        views::select_fields(item, &call.query()),
    )
}

pub fn list(call: &Call, resource: &str, items: Vec<Value>) -> Reply {
    let query = call.query();
    let items: Vec<Value> = items
        .into_iter()
        .filter(|i| views::matches_filters(i, &query))
        .map(|i| views::select_fields(i, &query))
        .collect();
    let mut map = Map::new();
    let plural = match resource.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{resource}s"),
    };
    map.insert(plural, Value::Array(items));
    Reply::json(StatusCode::OK, &Value::Object(map), style_for(resource))
}

pub fn no_content() -> Reply {
    Reply::new(StatusCode::NO_CONTENT)
}
