//! One case from start to end: fixtures, the request under test, follow-ups, teardown.
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use serde_json::Value;

use crate::case::{Case, Fixture, Role};
use crate::template::{render_value, Lookup, Scope};

use super::context::RunContext;
use super::record::{CaseLog, CaseScope};
use super::request::exchange;
use super::step::{capture, judge, run_step, Phase};

/// Nothing to look up: the parent of the case's own scope.
struct Nothing;

impl Lookup for Nothing {
    fn lookup(&self, _name: &str) -> Option<Value> {
        None
    }
}

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
        "name",
        Value::String(format!("{}{}", ctx.resource_prefix(), slug(case))),
    );
    scope
}

/// The step title of the request under test, in messages and reports.
pub const UNDER_TEST: &str = "the request under test";

/// Runs one case; `Err` carries the whole failure report.
pub async fn run_case(ctx: &RunContext, case: &Case) -> Result<(), String> {
    run_case_logged(ctx, case).await.0
}

/// Runs one case and returns, with its verdict, the record of what it did.
pub async fn run_case_logged(ctx: &RunContext, case: &Case) -> (Result<(), String>, CaseLog) {
    let scope = CaseScope::new(case.trial_name.clone());
    let result = scope.run(guarded(ctx, case)).await;
    let log = scope.take();
    let result = result.map_err(|e| with_context(e, &log));
    (result, log)
}

/// A failure message with what a person needs to act on it: the steps that ran and a
/// command that sends the failing request again.
fn with_context(message: String, log: &CaseLog) -> String {
    let mut out = message;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("\nsteps that ran:\n");
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

async fn guarded(ctx: &RunContext, case: &Case) -> Result<(), String> {
    let mut state = CaseState {
        scope: case_scope(ctx, case),
        active: Vec::new(),
    };
    let deadline = ctx.settings.case_timeout;
    let body = AssertUnwindSafe(tokio::time::timeout(deadline, body(ctx, case, &mut state)));
    let outcome = match body.catch_unwind().await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(format!(
            "the case did not finish within its deadline of {deadline:?}"
        )),
        Err(panic) => Err(format!("the case panicked: {}", panic_message(&panic))),
    };
    let leftovers = teardown(ctx, case, &mut state).await;
    match (outcome, leftovers.is_empty()) {
        (Ok(()), true) => Ok(()),
        (Ok(()), false) => Err(format!("teardown failed:\n{}", leftovers.join("\n"))),
        (Err(e), true) => Err(e),
        (Err(e), false) => Err(format!(
            "{e}\n\nteardown also failed:\n{}",
            leftovers.join("\n")
        )),
    }
}

pub(super) fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

async fn body<'a>(
    ctx: &'a RunContext,
    case: &Case,
    state: &mut CaseState<'a>,
) -> Result<(), String> {
    for use_ in &case.doc.fixtures {
        let u = &use_.value;
        let fixture = ctx
            .catalogue
            .fixtures
            .get(&u.fixture)
            .ok_or_else(|| format!("no fixture {:?}", u.fixture))?;
        let mut vars = Scope::new();
        for (key, default) in &fixture.def.params {
            let value = match u.with.get(key) {
                Some(v) => {
                    render_value(v, &state.scope).map_err(|e| format!("fixture {}: {e}", u.name))?
                }
                None => default.clone().unwrap_or(Value::Null),
            };
            vars.set(key.clone(), value);
        }
        let name = format!(
            "{}-{}",
            state
                .scope
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(""),
            u.name
        );
        vars.set("name", Value::String(name));
        state.active.push(Active {
            alias: u.name.clone(),
            fixture,
            vars,
        });
        let active = state.active.last_mut().expect("just pushed");
        for (i, step) in fixture.def.setup.iter().enumerate() {
            let title = format!(
                "fixture {} ({}), setup step {}{}",
                u.name,
                u.fixture,
                i + 1,
                step.name
                    .as_deref()
                    .map(|n| format!(" `{n}`"))
                    .unwrap_or_default()
            );
            // Written before the step too: a run killed while the step is in flight (a
            // suspend sent, say) must still know how to undo it.
            write_down(ctx, case, active, &state.scope, false);
            let result = run_step(
                ctx,
                step,
                &title,
                &mut active.vars,
                &state.scope,
                Phase::Setup,
            )
            .await;
            // And after, even when the step failed: a create that timed out may have happened.
            write_down(ctx, case, active, &state.scope, result.is_ok());
            result?;
        }
        // A fixture's variables are its params, `name` and its captures: all exported.
        let exported: Vec<(String, Value)> = active
            .vars
            .iter()
            .map(|(k, v)| (format!("{}.{k}", u.name), v.clone()))
            .collect();
        for (k, v) in exported {
            state.scope.set(k, v);
        }
        #[cfg(test)]
        super::teardown_tests::planted_panic(&u.name);
    }

    let title = UNDER_TEST;
    let (req, resp) = exchange(ctx, &case.doc.request, &state.scope, Phase::Test, title)
        .await
        .map_err(|e| format!("{title}: {e}"))?;
    super::record::response_under_test(&resp);
    judge(ctx, &case.doc.expect, title, &req, &resp, &state.scope)?;
    capture(&case.doc.capture, &resp, &mut state.scope).map_err(|e| format!("{title}: {e}"))?;

    for (i, step) in case.doc.then.iter().enumerate() {
        let title = format!(
            "follow-up check {}{}",
            i + 1,
            step.name
                .as_deref()
                .map(|n| format!(" `{n}`"))
                .unwrap_or_default()
        );
        run_step(
            ctx,
            step,
            &title,
            &mut state.scope,
            &Nothing,
            Phase::FollowUp,
        )
        .await?;
    }
    Ok(())
}

/// How long a teardown step polls, if it does.
fn poll_of(ctx: &RunContext, step: &crate::case::Step) -> Option<std::time::Duration> {
    let poll = step.poll.as_ref()?;
    Some(
        poll.timeout
            .as_ref()
            .and_then(|t| crate::case::parse_duration(&t.value).ok())
            .unwrap_or(ctx.settings.poll_timeout),
    )
}

fn ledger_key(ctx: &RunContext, case: &Case, alias: &str) -> String {
    format!("{}/{}/{alias}", ctx.run_id, case.trial_name)
}

/// Records in the ledger how to remove what the fixture has created so far: the teardown
/// requests that can already be rendered.
/// `confirmed` is false while a setup step is in flight: what it does may not have happened.
fn write_down(ctx: &RunContext, case: &Case, active: &Active<'_>, scope: &Scope, confirmed: bool) {
    if ctx.ledger.is_none() {
        return;
    }
    let lookup = crate::template::Layered {
        local: &active.vars,
        parent: scope,
    };
    let removals: Vec<_> = active
        .fixture
        .def
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
        key: ledger_key(ctx, case, &active.alias),
        run_id: ctx.run_id.clone(),
        project_id,
        case: case.trial_name.clone(),
        fixture: active.fixture.name.clone(),
        alias: active.alias.clone(),
        confirmed,
        removals,
    });
}

/// Tears down in reverse order. A step that refers to a value setup never captured is
/// skipped: what it would delete was never created.
async fn teardown(ctx: &RunContext, case: &Case, state: &mut CaseState<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    while let Some(mut active) = state.active.pop() {
        let before = problems.len();
        ctx.ledger(&crate::ledger::Event::Removing {
            key: ledger_key(ctx, case, &active.alias),
        });
        for (i, step) in active.fixture.def.teardown.iter().enumerate() {
            let title = format!(
                "fixture {} ({}), teardown step {}",
                active.alias,
                active.fixture.name,
                i + 1
            );
            let renders = {
                let lookup = crate::template::Layered {
                    local: &active.vars,
                    parent: &state.scope,
                };
                super::request::render(ctx, &step.request, &lookup).is_ok()
            };
            if !renders {
                continue;
            }
            let run = run_step(
                ctx,
                step,
                &title,
                &mut active.vars,
                &state.scope,
                Phase::Teardown,
            );
            match tokio::time::timeout(ctx.settings.case_timeout, run).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => problems.push(e),
                Err(_) => problems.push(format!(
                    "{title}: no answer within {:?}",
                    ctx.settings.case_timeout
                )),
            }
        }
        if problems.len() == before {
            ctx.ledger(&crate::ledger::Event::Removed {
                key: ledger_key(ctx, case, &active.alias),
            });
        }
    }
    problems
}
