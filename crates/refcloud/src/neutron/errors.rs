//! Neutron's error envelope (docs/CONTRACT.md §3.4) and the exceptions the reference cloud raises.

use axum::http::StatusCode;
use serde_json::json;

use crate::http::{JsonStyle, Reply};

#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct NeutronError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
}

pub type NResult<T> = Result<T, NeutronError>;

impl NeutronError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        NeutronError {
            status,
            kind,
            message: message.into(),
        }
    }

    pub fn into_reply(self) -> Reply {
        Reply::json(
            self.status,
            &json!({"NeutronError": {"type": self.kind, "message": self.message, "detail": ""}}),
            JsonStyle::Python,
        )
    }
}

pub fn not_found(kind: &'static str, message: impl Into<String>) -> NeutronError {
    NeutronError::new(StatusCode::NOT_FOUND, kind, message)
}

pub fn bad_request(kind: &'static str, message: impl Into<String>) -> NeutronError {
    NeutronError::new(StatusCode::BAD_REQUEST, kind, message)
}

pub fn conflict(kind: &'static str, message: impl Into<String>) -> NeutronError {
    NeutronError::new(StatusCode::CONFLICT, kind, message)
}

/// `n_exc.BadRequest(resource=..., msg=...)`: "Bad <resource> request: <msg>."
pub fn bad_resource_request(resource: &str, msg: &str) -> NeutronError {
    bad_request("BadRequest", format!("Bad {resource} request: {msg}."))
}

/// Attribute validation failures of the API layer (`HTTPBadRequest`).
pub fn http_bad_request(message: impl Into<String>) -> NeutronError {
    bad_request("HTTPBadRequest", message)
}

pub fn invalid_input(message: impl AsRef<str>) -> NeutronError {
    bad_request(
        "InvalidInput",
        format!("Invalid input for operation: {}.", message.as_ref()),
    )
}

pub fn policy(action: &str) -> NeutronError {
    policy_expr(&format!("rule:{action}"))
}

/// oslo.policy names the whole failed check, e.g. `(rule:a and rule:a:b) is disallowed by policy`.
pub fn policy_expr(expr: &str) -> NeutronError {
    NeutronError::new(
        StatusCode::FORBIDDEN,
        "PolicyNotAuthorized",
        format!("{expr} is disallowed by policy"),
    )
}

pub fn method_not_allowed() -> NeutronError {
    NeutronError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "HTTPMethodNotAllowed",
        "The server could not comply with the request since it is either malformed or otherwise incorrect.",
    )
}

pub fn resource_not_found() -> NeutronError {
    not_found("HTTPNotFound", "The resource could not be found.")
}

pub fn malformed_body() -> NeutronError {
    bad_request(
        "MalformedRequestBody",
        "Malformed request body: Cannot understand JSON.",
    )
}

pub fn network_not_found(id: &str) -> NeutronError {
    not_found(
        "NetworkNotFound",
        format!("Network {id} could not be found."),
    )
}

pub fn subnet_not_found(id: &str) -> NeutronError {
    not_found("SubnetNotFound", format!("Subnet {id} could not be found."))
}

pub fn port_not_found(id: &str) -> NeutronError {
    not_found("PortNotFound", format!("Port {id} could not be found."))
}

/// neutron-lib's RouterNotFound message has no final period.
pub fn router_not_found(id: &str) -> NeutronError {
    not_found("RouterNotFound", format!("Router {id} could not be found"))
}

pub fn floatingip_not_found(id: &str) -> NeutronError {
    not_found(
        "FloatingIPNotFound",
        format!("Floating IP {id} could not be found"),
    )
}

pub fn ip_generation_failure(network_id: &str) -> NeutronError {
    conflict(
        "IpAddressGenerationFailure",
        format!("No more IP addresses available on network {network_id}."),
    )
}
