//! Turning a request spec into bytes on the wire.
use std::sync::Arc;

use crate::case::{RequestSpec, Role};
use crate::http::{send, with_retries, HttpRequest, HttpResponse, TransportError};
use crate::report::Phase;
use crate::template::{render_str, render_value, Lookup, Splice};

use super::context::RunContext;

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}

pub fn render(
    ctx: &RunContext,
    spec: &RequestSpec,
    scope: &dyn Lookup,
) -> Result<HttpRequest, String> {
    let (identity, root) = ctx
        .target
        .endpoint(spec.identity.unwrap_or(Role::Owner), spec.service)
        .map_err(|e| e.to_string())?;
    let path = render_str(&spec.path.value, scope, Splice::Plain).map_err(|e| e.to_string())?;
    // A case may override or remove (empty value) these below.
    let mut headers = identity.base_headers();
    let body = if let Some(v) = &spec.body {
        let v = render_value(v, scope).map_err(|e| e.to_string())?;
        Some(serde_json::to_vec(&v).map_err(|e| e.to_string())?)
    } else if let Some(raw) = &spec.raw_body {
        Some(
            render_str(raw, scope, Splice::Plain)
                .map_err(|e| e.to_string())?
                .into_bytes(),
        )
    } else {
        spec.filler_body_bytes.map(|n| vec![b' '; n])
    };
    if body.is_some() {
        set_header(&mut headers, "Content-Type", "application/json".into());
    }
    if let Some(mv) = &spec.microversion {
        set_header(
            &mut headers,
            "OpenStack-API-Version",
            format!("compute {mv}"),
        );
    }
    for (k, v) in &spec.headers {
        let v = render_str(v, scope, Splice::Plain).map_err(|e| e.to_string())?;
        if v.is_empty() {
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
        } else {
            set_header(&mut headers, k, v);
        }
    }
    Ok(HttpRequest {
        method: spec.method.as_str().to_string(),
        url: format!("{root}{path}"),
        headers,
        body,
    })
}

/// A teardown request rendered for the ledger: no URL or token, which a later sweep gets
/// afresh from its own identities.
pub fn render_removal(
    step: &crate::case::Step,
    poll: Option<std::time::Duration>,
    scope: &dyn Lookup,
) -> Result<crate::ledger::Removal, String> {
    let spec = &step.request;
    let status = step.expect.status.value;
    let mut until_body = std::collections::BTreeMap::new();
    for (path, matcher) in &step.expect.body {
        let rendered = render_value(&matcher.value, scope).map_err(|e| e.to_string())?;
        until_body.insert(path.clone(), rendered);
    }
    let path = render_str(&spec.path.value, scope, Splice::Plain).map_err(|e| e.to_string())?;
    let mut headers = std::collections::BTreeMap::new();
    for (k, v) in &spec.headers {
        headers.insert(
            k.clone(),
            render_str(v, scope, Splice::Plain).map_err(|e| e.to_string())?,
        );
    }
    let body = match &spec.body {
        Some(v) => Some(render_value(v, scope).map_err(|e| e.to_string())?),
        None => None,
    };
    Ok(crate::ledger::Removal {
        identity: spec.identity.unwrap_or(Role::Owner),
        service: spec.service,
        method: spec.method,
        path,
        headers,
        body,
        status,
        poll_seconds: poll.map(|d| d.as_secs_f64()),
        until_body,
    })
}

/// Sends a rendered request with the identity's client; a transport failure is an error
/// that shows the request.
pub async fn exchange(
    ctx: &RunContext,
    spec: &RequestSpec,
    scope: &dyn Lookup,
    phase: Phase,
    step: &str,
) -> Result<(Arc<HttpRequest>, HttpResponse), String> {
    // Shared with the case's record, which keeps the last request for a failure message.
    let req = Arc::new(render(ctx, spec, scope)?);
    // Only setup and teardown are retried: the request under test and the follow-up
    // checks must show the target as it is.
    let retries = match phase {
        Phase::Setup | Phase::Teardown => ctx.settings.retries,
        Phase::Test | Phase::FollowUp => 0,
    };
    match with_retries(retries, step, || send_once(ctx, spec, &req, phase, step)).await {
        Ok(resp) => Ok((req, resp)),
        Err(e) => Err(format!("{e}\n{req}")),
    }
}

async fn send_once(
    ctx: &RunContext,
    spec: &RequestSpec,
    req: &Arc<HttpRequest>,
    phase: Phase,
    step: &str,
) -> Result<HttpResponse, TransportError> {
    let role = spec.identity.unwrap_or(Role::Owner);
    let client = &ctx.target.identities[&role].client;
    let result = send(
        client,
        req,
        ctx.settings.request_timeout,
        ctx.settings.max_body_bytes,
    )
    .await;
    // Looked up only when something prints it: this is every request's path.
    let trial = || super::record::current_trial().unwrap_or_default();
    match &result {
        Ok(resp) => {
            tracing::debug!(trial = %trial(), step, method = %req.method, url = %req.url, status = resp.status, elapsed_ms = resp.elapsed.as_millis() as u64, "exchange");
            if ctx.settings.verbose {
                eprintln!("[{}] {step}\n{req}{resp}", trial());
            }
            super::record::exchange(phase, step, req, Ok(resp));
        }
        Err(e) => {
            tracing::debug!(trial = %trial(), step, method = %req.method, url = %req.url, error = %e, "exchange failed");
            if ctx.settings.verbose {
                eprintln!("[{}] {step}\n{req}! {e}", trial());
            }
            super::record::exchange(phase, step, req, Err(e.to_string()));
        }
    }
    result
}
