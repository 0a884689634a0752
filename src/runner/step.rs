//! One step: render, send, poll until ready, check, capture.
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::case::{CaptureFrom, StepPlan};
use crate::check::{check_response, select, Problem};
use crate::http::{HttpRequest, HttpResponse};
use crate::template::{Layered, Lookup, Scope};

use super::context::RunContext;
use super::failure::{CaptureError, StepError, StepErrorKind};
use super::record::CaseLog;
use super::request::exchange;
use super::schema_check;

pub use crate::report::Phase;

/// Runs `step`, reading variables from `vars` then `parent`, capturing into `vars`.
pub async fn run_step(
    ctx: &RunContext,
    step: &StepPlan,
    title: &str,
    vars: &mut Scope,
    parent: &dyn Lookup,
    phase: Phase,
    log: &mut CaseLog,
) -> Result<(), StepError> {
    let (req, resp) = send_until_ready(ctx, step, title, vars, parent, phase, log).await?;
    let lookup = Layered {
        local: vars,
        parent,
    };
    if phase == Phase::Teardown && resp.status == 404 {
        return Ok(());
    }
    judge(ctx, step, title, &req, &resp, &lookup, log)?;
    take_captures(step, &resp, vars).map_err(|error| capture_failed(step, title, error, req, resp))
}

/// Checks a response against a step's expectation, schema included.
pub fn judge(
    ctx: &RunContext,
    step: &StepPlan,
    title: &str,
    req: &Arc<HttpRequest>,
    resp: &HttpResponse,
    lookup: &dyn Lookup,
    log: &mut CaseLog,
) -> Result<(), StepError> {
    let mut problems = check_response(&step.expect, resp, lookup);
    if problems.is_empty() {
        if let Some(schema) = &step.schema {
            if let Err(e) = schema_check::check(ctx, schema, resp, title, log) {
                problems.extend(e.into_iter().map(Problem::Other));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StepError::new(
            title,
            &step.at,
            StepErrorKind::Unexpected {
                problems,
                request: Arc::clone(req),
                response: Box::new(resp.clone()),
            },
        ))
    }
}

async fn send_until_ready(
    ctx: &RunContext,
    step: &StepPlan,
    title: &str,
    vars: &Scope,
    parent: &dyn Lookup,
    phase: Phase,
    log: &mut CaseLog,
) -> Result<(Arc<HttpRequest>, HttpResponse), StepError> {
    let lookup = Layered {
        local: vars,
        parent,
    };
    let Some(poll) = &step.poll else {
        if phase == Phase::Setup {
            return exchange_within_quota(ctx, step, &lookup, title, log).await;
        }
        return exchange(ctx, step, &lookup, phase, title, log).await;
    };
    let timeout = poll.timeout.unwrap_or(ctx.settings.poll_timeout);
    let timeout = ctx
        .settings
        .poll_timeout_cap
        .map_or(timeout, |cap| timeout.min(cap));
    let started = Instant::now();
    let mut pause = ctx.settings.poll_interval;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        let (req, resp) = exchange(ctx, step, &lookup, phase, title, log)
            .await
            .map_err(|mut e| {
                e.attempt = Some(attempts);
                e
            })?;
        let problems = check_response(&poll.until, &resp, &lookup);
        if problems.is_empty() {
            return Ok((req, resp));
        }
        if started.elapsed() + pause > timeout {
            return Err(StepError::new(
                title,
                &step.at,
                StepErrorKind::NotReady {
                    attempts,
                    waited: started.elapsed(),
                    timeout,
                    problems,
                    request: req,
                    response: Box::new(resp),
                },
            ));
        }
        tokio::time::sleep(pause).await;
        pause = next_pause(
            pause,
            started.elapsed(),
            ctx.settings.poll_interval,
            ctx.settings.poll_max_interval,
        );
    }
}

/// A setup request the target refuses over quota is sent again, with pauses growing to
/// 2 s, for up to `--quota-wait`: on a shared cloud another job's resources may be freed.
/// The run's own cases never get there (admission by quota, `quota.rs`); what waited is
/// said after the summary, and what never got room fails as the target answered.
async fn exchange_within_quota(
    ctx: &RunContext,
    step: &StepPlan,
    lookup: &dyn Lookup,
    title: &str,
    log: &mut CaseLog,
) -> Result<(Arc<HttpRequest>, HttpResponse), StepError> {
    let started = Instant::now();
    // The same backoff as a repeat after a 503 (`http::with_retries`).
    let mut pause = crate::http::FIRST_RETRY_PAUSE;
    let mut refused = 0u32;
    loop {
        let (req, resp) = exchange(ctx, step, lookup, Phase::Setup, title, log).await?;
        let Some(what) = over_quota(&resp) else {
            if refused > 0 {
                ctx.note(format!(
                    "{}: {title} waited {:.1?} for quota",
                    log.trial,
                    started.elapsed()
                ));
                ctx.tally
                    .waited_for_quota(&log.trial, title, started.elapsed(), true);
            }
            ctx.tally.exchanged(&req, &resp);
            return Ok((req, resp));
        };
        if started.elapsed() + pause > ctx.settings.quota_wait {
            ctx.note(format!(
                "{}: {title} was still over quota after {:.1?} ({what})",
                log.trial,
                started.elapsed()
            ));
            ctx.tally
                .waited_for_quota(&log.trial, title, started.elapsed(), false);
            return Ok((req, resp));
        }
        refused += 1;
        tokio::time::sleep(pause).await;
        pause = crate::http::next_retry_pause(pause);
    }
}

/// Whether an answer says the project is over quota: Neutron's 409 OverQuota, Nova's 403
/// "Quota exceeded for ...", or the 413 overLimit of older Nova and of Cinder.
pub fn over_quota(resp: &HttpResponse) -> Option<String> {
    let body = resp.json().ok()?;
    let text = |pointer: &str| body.pointer(pointer).and_then(Value::as_str);
    match resp.status {
        409 if text("/NeutronError/type") == Some("OverQuota") => {
            text("/NeutronError/message").map(str::to_string)
        }
        403 => text("/forbidden/message")
            .filter(|m| m.starts_with("Quota exceeded"))
            .map(str::to_string),
        413 => text("/overLimit/message").map(str::to_string),
        _ => None,
    }
}

/// Whether an answer shows a boot the target accepted and then refused over quota: a
/// server in ERROR whose fault says "Quota exceeded ..." (Nova's conductor rechecks the
/// quota once the instance exists; see `fixture_setup`).
pub fn refused_over_quota(resp: &HttpResponse) -> Option<String> {
    let body = resp.json().ok()?;
    if body.pointer("/server/status").and_then(Value::as_str) != Some("ERROR") {
        return None;
    }
    body.pointer("/server/fault/message")
        .and_then(Value::as_str)
        .filter(|m| m.starts_with("Quota exceeded"))
        .map(str::to_string)
}

/// For this long a poll's pauses stay at most `FAST_PAUSE`: an emulator or the reference
/// cloud finishes within it, and its completions are then noticed within ~40 ms
/// (docs/performance.md, measurement 4).
const FAST_FOR: Duration = Duration::from_secs(1);
const FAST_PAUSE: Duration = Duration::from_millis(40);

/// The pause after `pause`, `waited` into the poll: half as long again, at least 1 ms
/// more, at most `max`; and during the first `FAST_FOR`, at most `FAST_PAUSE` (or the
/// first pause, if that is longer).
///
/// Growing by half rather than doubling bounds how late a completion is noticed at about
/// half the time waited so far (doubling: up to all of it). Alone, that still let a
/// completion at 350 ms be noticed ~150 ms late. The fast first second costs a real cloud,
/// whose detach or boot takes seconds, about 20 more polls per wait; after it the pauses
/// grow to `max` as before. The 1 ms floor keeps a zero or tiny `--poll-interval` from
/// polling in a tight loop.
fn next_pause(pause: Duration, waited: Duration, first: Duration, max: Duration) -> Duration {
    let grown = (pause + (pause / 2).max(Duration::from_millis(1))).min(max);
    if waited < FAST_FOR {
        grown.min(FAST_PAUSE.max(first))
    } else {
        grown
    }
}

/// A capture that failed, with the exchange it was taken from.
pub fn capture_failed(
    step: &StepPlan,
    title: &str,
    error: CaptureError,
    request: Arc<HttpRequest>,
    response: HttpResponse,
) -> StepError {
    StepError::new(
        title,
        &step.at,
        StepErrorKind::Capture {
            error,
            request,
            response: Box::new(response),
        },
    )
}

/// Takes a step's captures from its response into `vars`.
pub fn take_captures(
    step: &StepPlan,
    resp: &HttpResponse,
    vars: &mut Scope,
) -> Result<(), CaptureError> {
    if step.captures.is_empty() {
        return Ok(());
    }
    let doc = if step
        .captures
        .iter()
        .any(|(_, from)| matches!(from, CaptureFrom::Body(_)))
    {
        Some(resp.json()?)
    } else {
        None
    };
    for (key, from) in &step.captures {
        let value = match from {
            CaptureFrom::Header(h) => {
                resp.header(h)
                    .map(Value::String)
                    .ok_or_else(|| CaptureError::NoHeader {
                        key: key.clone(),
                        header: h.clone(),
                    })?
            }
            CaptureFrom::Body(path) => {
                let doc = doc.expect("parsed above");
                select(doc, path)
                    .value()
                    .ok_or_else(|| CaptureError::Nothing {
                        key: key.clone(),
                        path: path.clone(),
                    })?
            }
        };
        vars.set(key.clone(), value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: Duration = Duration::from_millis(10);
    const MAX: Duration = Duration::from_secs(1);

    /// When the polls are sent, from the first, if each takes no time.
    fn schedule(first: Duration, max: Duration, until: Duration) -> Vec<Duration> {
        let (mut at, mut pause, mut out) = (Duration::ZERO, first, Vec::new());
        while at <= until {
            out.push(at);
            at += pause;
            pause = next_pause(pause, at, first, max);
        }
        out.push(at);
        out
    }

    /// How late the first poll at or after `done` is.
    fn noticed_after(done: Duration) -> Duration {
        let polls = schedule(FIRST, MAX, done);
        *polls.iter().find(|t| **t >= done).unwrap() - done
    }

    #[test]
    fn the_defaults_notice_a_completion_in_the_first_second_within_50ms() {
        // 100 ms: the reference cloud's detach; 350 ms: its failed action's message.
        for ms in [5, 100, 250, 350, 600, 999] {
            let late = noticed_after(Duration::from_millis(ms));
            assert!(late < Duration::from_millis(50), "{ms} ms: {late:?} late");
        }
    }

    #[test]
    fn after_the_first_second_the_pause_grows_to_the_maximum_and_stays_there() {
        let late = noticed_after(Duration::from_millis(20_000));
        assert!(late > Duration::from_millis(100), "{late:?}");
        let polls = schedule(FIRST, MAX, Duration::from_secs(60));
        let gaps: Vec<Duration> = polls.windows(2).map(|w| w[1] - w[0]).collect();
        assert_eq!(*gaps.last().unwrap(), MAX);
        assert!(gaps.windows(2).all(|g| g[1] >= g[0]), "{gaps:?}");
    }

    /// What the fast first second costs a real cloud: a minute's wait stays under 100 polls.
    #[test]
    fn a_long_wait_costs_a_bounded_number_of_polls() {
        let polls = schedule(FIRST, MAX, Duration::from_secs(60));
        assert!(polls.len() < 100, "{} polls", polls.len());
    }

    #[test]
    fn a_first_pause_longer_than_the_fast_pause_is_kept() {
        let slow = Duration::from_millis(500);
        assert!(next_pause(slow, Duration::ZERO, slow, MAX) >= slow);
    }

    #[test]
    fn a_zero_interval_still_grows() {
        let next = next_pause(Duration::ZERO, Duration::ZERO, Duration::ZERO, MAX);
        assert_eq!(next, Duration::from_millis(1));
        assert!(next_pause(next, Duration::ZERO, Duration::ZERO, MAX) > next);
    }
}
