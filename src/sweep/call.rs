//! One request as one of the target's identities, for the sweep.
use std::collections::BTreeMap;
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

/// What to send: a ledger's removal or a listing, variables filled in.
pub struct Call<'a> {
    pub role: Role,
    pub service: Service,
    pub method: Method,
    pub path: &'a str,
    /// Besides the token and `Accept`; an empty value removes one of those.
    pub headers: &'a BTreeMap<String, String>,
    pub body: Option<&'a Value>,
}

/// Sends `c`; the body, if any, is JSON.
pub async fn call(target: &Target, c: &Call<'_>, timeout: Duration) -> Result<Answer, SweepError> {
    let (identity, root) = target.endpoint(c.role, &c.service)?;
    let mut headers = identity.base_headers();
    let body = match c.body {
        Some(v) => {
            headers.push(("Content-Type".into(), "application/json".into()));
            Some(v.to_string().into_bytes())
        }
        None => None,
    };
    for (k, v) in c.headers {
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
        if !v.is_empty() {
            headers.push((k.clone(), v.clone()));
        }
    }
    let req = HttpRequest {
        method: c.method.as_str().into(),
        url: format!("{root}{}", c.path),
        headers,
        body,
    };
    let resp = send(&identity.client, &req, timeout, 16 << 20)
        .await
        .map_err(|source| SweepError::Transport {
            method: c.method.as_str(),
            url: req.url.clone(),
            source,
        })?;
    let body = resp.json().cloned().unwrap_or(Value::Null);
    Ok(Answer {
        status: resp.status,
        body,
    })
}
