//! One case from start to end: fixtures, the request under test, follow-ups, teardown.
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use serde_json::Value;

use crate::case::{builtins, Case, Fixture, Role, StepPlan, UsedFixture};
use crate::template::{Layered, Lookup, NoVariables, Scope};

use super::context::RunContext;
use super::failure::{CaseError, CaseFailure, StepError, StepErrorKind};
use super::fixture_setup;
use super::record::CaseLog;
use super::request::exchange;
use super::step::{capture_failed, judge, run_step, take_captures, Phase};

/// A fixture whose setup has started: its teardown runs whatever happened next.
struct Active<'a> {
    alias: String,
    fixture: &'a Fixture,
    vars: Scope,
}

struct CaseState<'a> {
    scope: Scope,
    active: Vec<Active<'a>>,
}

fn slug(case: &Case) -> String {
    let stem = case.trial_name.rsplit("::").next().unwrap_or("case");
    stem.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(60)
        .collect()
}

fn case_scope(ctx: &RunContext, case: &Case) -> Scope {
    let mut scope = Scope::over(ctx.shared_scope());
    scope.set(
        builtins::NAME,
        Value::String(format!("{}{}", ctx.resource_prefix(), slug(case))),
    );
    scope
}

/// The step title of the request under test, in messages and reports.
pub const UNDER_TEST: &str = "the request under test";

/// Runs one case and returns, with its verdict, the record of what it did.
pub async fn run_case<'a>(
    ctx: &'a RunContext,
    case: &'a Case,
) -> (Result<(), CaseFailure>, CaseLog) {
    let mut log = CaseLog::new(&case.trial_name);
    let mut state = CaseState {
        scope: case_scope(ctx, case),
        active: Vec::new(),
    };
    let deadline = ctx.settings.case_timeout;
    let work = body(ctx, case, &mut state, &mut log);
    let outcome = match AssertUnwindSafe(tokio::time::timeout(deadline, work))
        .catch_unwind()
        .await
    {
        Ok(Ok(Ok(()))) => None,
        Ok(Ok(Err(e))) => Some(CaseError::Step(e)),
        Ok(Err(_)) => Some(CaseError::Deadline(deadline)),
        Err(panic) => Some(CaseError::Panicked(panic_message(&panic))),
    };
    let teardown = teardown(ctx, case, &mut state, &mut log).await;
    if outcome.is_none() && teardown.is_empty() {
        return (Ok(()), log);
    }
    let failure = CaseFailure {
        error: outcome,
        teardown,
        context: context(case, &log),
    };
    (Err(failure), log)
}

/// What a person needs to act on a failure: the case file, the steps that ran and a
/// command that sends the failing request again.
fn context(case: &Case, log: &CaseLog) -> String {
    let mut out = format!("\ncase file: {}\n", case.file.display());
    out.push_str("steps that ran:\n");
    if log.exchanges.is_empty() {
        out.push_str("  (none: nothing was sent)\n");
    }
    for (i, e) in log.exchanges.iter().enumerate() {
        out.push_str(&format!("  {:>2}. {e}\n", i + 1));
    }
    if let Some(req) = &log.last_request {
        out.push_str("\nreproduce the failing request (export OS_TOKEN first):\n  ");
        out.push_str(&crate::http::curl(req));
        out.push('\n');
    }
    out
}

pub(super) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

fn titled(base: String, step: &StepPlan) -> String {
    match &step.name {
        Some(n) => format!("{base} `{n}`"),
        None => base,
    }
}

async fn body<'a>(
    ctx: &'a RunContext,
    case: &'a Case,
    state: &mut CaseState<'a>,
    log: &mut CaseLog,
) -> Result<(), StepError> {
    let plan = &case.plan;
    for u in &plan.fixtures {
        let fixture = &ctx.catalogue.fixtures[&u.fixture];
        // A shared instance is another's to set up and tear down: only its values are the
        // case's.
        if let Some(shared) = ctx.sharing.acquire(ctx, case, u, fixture, log).await {
            for (k, v) in shared?.iter() {
                state.scope.set(format!("{}.{k}", u.alias), v.clone());
            }
            continue;
        }
        let mut vars = params(fixture, u, &state.scope)?;
        let name = format!(
            "{}-{}",
            state
                .scope
                .get(builtins::NAME)
                .and_then(Value::as_str)
                .unwrap_or(""),
            u.alias
        );
        vars.set(builtins::NAME, Value::String(name));
        state.active.push(Active {
            alias: u.alias.clone(),
            fixture,
            vars,
        });
        let active = state.active.last_mut().expect("just pushed");
        let written = Written {
            key: ledger_key(ctx, case, &active.alias),
            trial: &case.trial_name,
            fixture: active.fixture,
            alias: &active.alias,
        };
        let title = |i: usize| {
            titled(
                format!("fixture {} ({}), setup step {i}", u.alias, u.fixture),
                &fixture.setup[i - 1],
            )
        };
        let trial = log.trial.clone();
        fixture_setup::set_up(
            ctx,
            &written,
            &mut active.vars,
            &state.scope,
            &title,
            &trial,
            log,
        )
        .await?;
        ctx.tally.setup_done(&u.fixture);
        // A fixture's variables are its params, `name` and its captures: all exported.
        let exported: Vec<(String, Value)> = active
            .vars
            .iter()
            .map(|(k, v)| (format!("{}.{k}", u.alias), v.clone()))
            .collect();
        for (k, v) in exported {
            state.scope.set(k, v);
        }
        if let Some(fault) = ctx.after_setup {
            fault(&u.alias);
        }
    }

    let step = &plan.under_test;
    let title = UNDER_TEST;
    // The cleanup is armed before the request is sent: a request that times out may still
    // have created what it undoes.
    let cleanup = plan.cleanup.as_ref().map(|fixture| Active {
        alias: builtins::CLEANUP.to_string(),
        fixture,
        vars: Scope::new(),
    });
    if let Some(cleanup) = &cleanup {
        write_down(ctx, case, cleanup, &state.scope, false);
    }
    // Pushed before the request is sent, so teardown runs it whatever happens next.
    state.active.extend(cleanup);
    let (req, resp) = exchange(ctx, step, &state.scope, Phase::Test, title, log).await?;
    log.response_under_test(&resp);
    // Captured before judging, so that the cleanup can undo what an unexpected success
    // created; a capture that fails only matters once the response is as expected.
    let captured = take_captures(step, &resp, &mut state.scope);
    if plan.cleanup.is_some() {
        let cleanup = state.active.last().expect("pushed above");
        write_down(ctx, case, cleanup, &state.scope, true);
    }
    judge(ctx, step, title, &req, &resp, &state.scope, log)?;
    if let Err(error) = captured {
        return Err(capture_failed(step, title, error, req, resp));
    }

    for (i, step) in plan.then.iter().enumerate() {
        let title = titled(format!("follow-up check {}", i + 1), step);
        run_step(
            ctx,
            step,
            &title,
            &mut state.scope,
            &NoVariables,
            Phase::FollowUp,
            log,
        )
        .await?;
    }
    Ok(())
}

/// How long a teardown step polls, if it does.
fn poll_of(ctx: &RunContext, step: &StepPlan) -> Option<Duration> {
    let poll = step.poll.as_ref()?;
    Some(poll.timeout.unwrap_or(ctx.settings.poll_timeout))
}

fn ledger_key(ctx: &RunContext, case: &Case, alias: &str) -> String {
    format!("{}/{}/{alias}", ctx.run_id, case.trial_name)
}

/// Records in the ledger how to remove what the fixture has created so far: the teardown
/// requests that can already be rendered.
/// `confirmed` is false while a setup step is in flight: what it does may not have happened.
fn write_down(ctx: &RunContext, case: &Case, active: &Active<'_>, scope: &Scope, confirmed: bool) {
    let written = Written {
        key: ledger_key(ctx, case, &active.alias),
        trial: &case.trial_name,
        fixture: active.fixture,
        alias: &active.alias,
    };
    write_down_as(ctx, &written, &active.vars, scope, confirmed);
}

/// What the ledger says a set-up fixture belongs to.
pub(super) struct Written<'a> {
    pub key: String,
    pub trial: &'a str,
    pub fixture: &'a Fixture,
    pub alias: &'a str,
}

pub(super) fn write_down_as(
    ctx: &RunContext,
    w: &Written<'_>,
    vars: &Scope,
    scope: &dyn Lookup,
    confirmed: bool,
) {
    if ctx.ledger.is_none() {
        return;
    }
    let lookup = Layered {
        local: vars,
        parent: scope,
    };
    let removals: Vec<_> = w
        .fixture
        .teardown
        .iter()
        .filter_map(|s| super::request::render_removal(s, poll_of(ctx, s), &lookup).ok())
        .collect();
    if removals.is_empty() {
        return;
    }
    let project_id = ctx
        .target
        .identities
        .get(&Role::Owner)
        .and_then(|i| i.project_id.clone());
    ctx.ledger(&crate::ledger::Event::Created {
        key: w.key.clone(),
        run_id: ctx.run_id.clone(),
        project_id,
        case: w.trial.to_string(),
        fixture: w.fixture.name.clone(),
        alias: w.alias.to_string(),
        confirmed,
        removals,
    });
}

/// A fixture use's parameters: `with:` rendered against `scope`, or the defaults.
pub(super) fn params(
    fixture: &Fixture,
    u: &UsedFixture,
    scope: &dyn Lookup,
) -> Result<Scope, StepError> {
    let mut vars = Scope::new();
    for (key, default) in &fixture.params {
        let value = match u.with.get(key) {
            Some(v) => v.render(scope).map_err(|e| StepError {
                step: format!("fixture {}", u.alias),
                at: None,
                attempt: None,
                kind: Box::new(StepErrorKind::Render(e.into())),
            })?,
            None => default.clone().unwrap_or(Value::Null),
        };
        vars.set(key.clone(), value);
    }
    Ok(vars)
}

/// One teardown step, within the case deadline. A step that refers to a value setup
/// never captured is skipped: what it would delete was never created.
pub(super) async fn teardown_step(
    ctx: &RunContext,
    step: &StepPlan,
    title: &str,
    vars: &mut Scope,
    parent: &dyn Lookup,
    log: &mut CaseLog,
) -> Result<(), StepError> {
    let renders = {
        let lookup = Layered {
            local: vars,
            parent,
        };
        super::request::render(ctx, &step.request, &lookup).is_ok()
    };
    if !renders {
        return Ok(());
    }
    let run = run_step(ctx, step, title, vars, parent, Phase::Teardown, log);
    match tokio::time::timeout(ctx.settings.case_timeout, run).await {
        Ok(result) => result,
        Err(_) => Err(StepError::new(
            title,
            &step.at,
            StepErrorKind::Deadline(ctx.settings.case_timeout),
        )),
    }
}

/// Tears down in reverse order. A step that refers to a value setup never captured is
/// skipped: what it would delete was never created.
async fn teardown(
    ctx: &RunContext,
    case: &Case,
    state: &mut CaseState<'_>,
    log: &mut CaseLog,
) -> Vec<StepError> {
    let mut problems = Vec::new();
    while let Some(mut active) = state.active.pop() {
        let before = problems.len();
        ctx.ledger(&crate::ledger::Event::Removing {
            key: ledger_key(ctx, case, &active.alias),
        });
        for (i, step) in active.fixture.teardown.iter().enumerate() {
            // `cleanup` is reserved: no fixture alias takes it.
            let title = if active.alias == builtins::CLEANUP {
                format!("cleanup step {}", i + 1)
            } else {
                format!(
                    "fixture {} ({}), teardown step {}",
                    active.alias,
                    active.fixture.name,
                    i + 1
                )
            };
            let result =
                teardown_step(ctx, step, &title, &mut active.vars, &state.scope, log).await;
            problems.extend(result.err());
        }
        if problems.len() == before {
            ctx.ledger(&crate::ledger::Event::Removed {
                key: ledger_key(ctx, case, &active.alias),
            });
        }
    }
    problems
}
