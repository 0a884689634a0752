//! Turning a compiled request into bytes on the wire.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::case::{BodyPlan, RequestPlan, StepPlan};
use crate::http::{send, with_retries, HttpRequest, HttpResponse, TransportError};
use crate::ledger::Removal;
use crate::report::Phase;
use crate::template::{Lookup, Splice};

use super::context::RunContext;
use super::failure::{RenderError, StepError, StepErrorKind};
use super::record::CaseLog;

fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: String) {
    headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value));
}

fn render_body(body: &BodyPlan, scope: &dyn Lookup) -> Result<Option<Vec<u8>>, RenderError> {
    Ok(match body {
        BodyPlan::None => None,
        BodyPlan::Json(v) => Some(serde_json::to_vec(&v.render(scope)?)?),
        BodyPlan::Raw(t) => Some(t.render(scope, Splice::Plain)?.into_bytes()),
        BodyPlan::Filler(n) => Some(vec![b' '; *n]),
    })
}

pub fn render(
    ctx: &RunContext,
    spec: &RequestPlan,
    scope: &dyn Lookup,
) -> Result<HttpRequest, RenderError> {
    let (identity, root) = ctx.target.endpoint(spec.identity, &spec.service)?;
    let path = spec.path.render(scope, Splice::Plain)?;
    // A case may override or remove (empty value) these below.
    let mut headers = identity.base_headers();
    let body = render_body(&spec.body, scope)?;
    if body.is_some() {
        set_header(&mut headers, "Content-Type", "application/json".into());
    }
    if let Some((name, value)) = spec.microversion_header() {
        set_header(&mut headers, name, value);
    }
    for (k, v) in &spec.headers {
        let v = v.render(scope, Splice::Plain)?;
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
    step: &StepPlan,
    poll: Option<Duration>,
    scope: &dyn Lookup,
) -> Result<Removal, RenderError> {
    let spec = &step.request;
    let mut until_body = BTreeMap::new();
    for check in &step.expect.body {
        until_body.insert(check.key.clone(), check.written.render(scope)?);
    }
    let mut headers = BTreeMap::new();
    if let Some((name, value)) = spec.microversion_header() {
        headers.insert(name.to_string(), value);
    }
    for (k, v) in &spec.headers {
        headers.insert(k.clone(), v.render(scope, Splice::Plain)?);
    }
    let body = match &spec.body {
        BodyPlan::Json(v) => Some(v.render(scope)?),
        _ => None,
    };
    Ok(Removal {
        identity: spec.identity,
        service: spec.service.clone(),
        method: spec.method,
        path: spec.path.render(scope, Splice::Plain)?,
        headers,
        body,
        status: step.expect.status.unwrap_or(200),
        poll_seconds: poll.map(|d| d.as_secs_f64()),
        until_body,
    })
}

/// Sends a step's request with the identity's client; a transport failure is an error
/// that shows the request.
pub async fn exchange(
    ctx: &RunContext,
    step: &StepPlan,
    scope: &dyn Lookup,
    phase: Phase,
    title: &str,
    log: &mut CaseLog,
) -> Result<(Arc<HttpRequest>, HttpResponse), StepError> {
    // Shared with the case's record, which keeps the last request for a failure message.
    let req = Arc::new(
        render(ctx, &step.request, scope).map_err(|e| StepError::new(title, &step.at, e))?,
    );
    // Only setup and teardown are retried: the request under test and the follow-up
    // checks must show the target as it is.
    let retries = match phase {
        Phase::Setup | Phase::Teardown => ctx.settings.retries,
        Phase::Test | Phase::FollowUp => 0,
    };
    let role = step.request.identity;
    let trial = log.trial.clone();
    let result = {
        // Every attempt is logged; a mutex because the attempts' futures borrow the log.
        let log = std::sync::Mutex::new(&mut *log);
        with_retries(retries, title, || async {
            let result = send_once(ctx, role, &req, title, &trial).await;
            log.lock().unwrap_or_else(|e| e.into_inner()).exchange(
                phase,
                title,
                &req,
                result.as_ref(),
            );
            result
        })
        .await
    };
    match result {
        Ok(resp) => Ok((req, resp)),
        Err(error) => Err(StepError::new(
            title,
            &step.at,
            StepErrorKind::Transport {
                error,
                request: req,
            },
        )),
    }
}

async fn send_once(
    ctx: &RunContext,
    role: crate::case::Role,
    req: &HttpRequest,
    step: &str,
    trial: &str,
) -> Result<HttpResponse, TransportError> {
    let client = &ctx.target.identities[&role].client;
    let result = send(
        client,
        req,
        ctx.settings.request_timeout,
        ctx.settings.max_body_bytes,
    )
    .await;
    match &result {
        Ok(resp) => {
            tracing::debug!(trial, step, method = %req.method, url = %req.url, status = resp.status, elapsed_ms = resp.elapsed.as_millis() as u64, "exchange");
            if ctx.settings.verbose {
                eprintln!("[{trial}] {step}\n{req}{resp}");
            }
        }
        Err(e) => {
            tracing::debug!(trial, step, method = %req.method, url = %req.url, error = %e, "exchange failed");
            if ctx.settings.verbose {
                eprintln!("[{trial}] {step}\n{req}! {e}");
            }
        }
    }
    result
}
