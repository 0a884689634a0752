//! One request as one of the target's identities, for the sweep.
use std::time::Duration;

use serde_json::Value;

use super::SweepError;
use crate::case::{Method, Role, Service};
use crate::http::{send, HttpRequest};
use crate::target::Target;

pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// Sends `method path` to `service` as `role`; the body, if any, is JSON.
pub async fn call(
    target: &Target,
    role: Role,
    service: Service,
    method: Method,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> Result<Answer, SweepError> {
    let (identity, root) = target.endpoint(role, service)?;
    let mut headers = identity.base_headers();
    let body = match body {
        Some(v) => {
            headers.push(("Content-Type".into(), "application/json".into()));
            Some(v.to_string().into_bytes())
        }
        None => None,
    };
    let req = HttpRequest {
        method: method.as_str().into(),
        url: format!("{root}{path}"),
        headers,
        body,
    };
    let resp = send(&identity.client, &req, timeout, 16 << 20)
        .await
        .map_err(|source| SweepError::Transport {
            method: method.as_str(),
            url: req.url.clone(),
            source,
        })?;
    let body = resp.json().cloned().unwrap_or(Value::Null);
    Ok(Answer {
        status: resp.status,
        body,
    })
}
