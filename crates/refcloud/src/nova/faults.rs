//! Nova's fault envelopes (docs/CONTRACT.md §3.1), the microversion headers every `Resource` response carries,
//! and the webob pages served outside it (route misses, 413).

use axum::http::StatusCode;
use serde_json::{Map, Value};

use crate::http::{to_json, webob_page, JsonStyle, Reply};
use crate::nova::microversion::Version;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {message}")]
pub struct NovaError {
    pub status: StatusCode,
    pub message: String,
}

pub type NovaResult<T> = Result<T, NovaError>;

impl NovaError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        NovaError {
            status,
            message: message.into(),
        }
    }

    fn name(&self) -> &'static str {
        match self.status.as_u16() {
            400 => "badRequest",
            401 => "unauthorized",
            403 => "forbidden",
            404 => "itemNotFound",
            405 => "badMethod",
            409 => "conflictingRequest",
            413 | 429 => "overLimit",
            415 => "badMediaType",
            501 => "notImplemented",
            503 => "serviceUnavailable",
            _ => "computeFault",
        }
    }

    /// Faults carry `charset=UTF-8`; successes do not.
    pub fn into_reply(self) -> Reply {
        let mut inner = Map::new();
        inner.insert("code".into(), Value::from(self.status.as_u16()));
        inner.insert("message".into(), Value::String(self.message.clone()));
        let mut outer = Map::new();
        outer.insert(self.name().into(), Value::Object(inner));
        Reply::new(self.status)
            .header("content-type", "application/json; charset=UTF-8")
            .with_body(to_json(&Value::Object(outer), JsonStyle::Python))
    }
}

pub fn bad_request(message: impl Into<String>) -> NovaError {
    NovaError::new(StatusCode::BAD_REQUEST, message)
}

/// The 400 of Nova's JSON-schema validation: "Invalid input for field/attribute F.
/// Value: V. REASON", the value as Python's `str()` shows it.
pub fn schema_error(field: &str, value: &Value, reason: &str) -> NovaError {
    bad_request(format!(
        "Invalid input for field/attribute {field}. Value: {}. {reason}",
        crate::http::python_str(value)
    ))
}

/// jsonschema's `additionalProperties` reason for `names` (in the order given):
/// "Additional properties are not allowed ('a', 'b' were unexpected)".
pub fn additional_properties<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{}'", n.as_ref())).collect();
    let verb = if quoted.len() == 1 { "was" } else { "were" };
    format!(
        "Additional properties are not allowed ({} {verb} unexpected)",
        quoted.join(", ")
    )
}

/// The query schema's 400 for a `limit` that is not a whole number.
pub fn limit_not_digits(value: &str) -> NovaError {
    bad_request(format!(
        "Invalid input for query parameters limit. Value: {value}. '{value}' does not match '^[0-9]*$'"
    ))
}

pub fn not_found(message: impl Into<String>) -> NovaError {
    NovaError::new(StatusCode::NOT_FOUND, message)
}

pub fn conflict(message: impl Into<String>) -> NovaError {
    NovaError::new(StatusCode::CONFLICT, message)
}

pub fn instance_not_found(id: &str) -> NovaError {
    not_found(format!("Instance {id} could not be found."))
}

pub fn policy(rule: &str) -> NovaError {
    NovaError::new(
        StatusCode::FORBIDDEN,
        format!("Policy doesn't allow {rule} to be performed."),
    )
}

pub fn locked(id: &str) -> NovaError {
    conflict(format!("Instance {id} is locked"))
}

pub fn invalid_state(action: &str, id: &str, attr: &str, state: &str) -> NovaError {
    conflict(format!(
        "Cannot '{action}' instance {id} while it is in {attr} {state}"
    ))
}

pub fn malformed_body() -> NovaError {
    bad_request("Malformed request body")
}

pub fn with_version_headers(reply: Reply, version: Version) -> Reply {
    reply
        .header("openstack-api-version", format!("compute {version}"))
        .header("x-openstack-nova-api-version", version.to_string())
        .header("vary", "OpenStack-API-Version")
        .header("vary", "X-OpenStack-Nova-API-Version")
}

pub fn with_request_ids(reply: Reply, request_id: &str) -> Reply {
    reply
        .header("x-openstack-request-id", request_id)
        .header("x-compute-request-id", request_id)
}

/// A route miss: webob's 404, not a Nova fault, and without version headers (docs/CONTRACT.md §3.2).
pub fn route_miss(accept: Option<&str>) -> Reply {
    webob_page(
        StatusCode::NOT_FOUND,
        "Not Found",
        "The resource could not be found.",
        accept,
    )
}

/// oslo.middleware sizelimit's 413. Its explanation really contains an unformatted `%s` [obs].
pub fn too_large(accept: Option<&str>) -> Reply {
    webob_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request Entity Too Large",
        "Request is too large. Larger than max_request_body_size (%s).",
        accept,
    )
    .header("connection", "close")
}
