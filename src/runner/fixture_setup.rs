//! Setting up one fixture, a case's own or a shared one: its setup steps in order, each
//! written to the ledger before it is sent and after, and the whole setup started again
//! when the target refuses for lack of quota what it had already accepted.
//!
//! Nova checks the quota when it accepts a boot and again once the conductor has created
//! the instance (`[quota] recheck_quota`, on by default). The API counts only instances
//! that exist, so boots accepted at the same moment (two runs, another job, a sweep
//! elsewhere in the project) can all pass the first check; the recheck then puts the
//! later ones into ERROR with the fault "Quota exceeded for instances: ...". That is not
//! the case's failure but a full project: like a setup request refused over quota
//! (`step::over_quota`), it is waited out for up to `--quota-wait`, and reported.
use std::time::Instant;

use crate::template::{Lookup, Scope};

use super::case::{teardown_step, write_down_as, Written};
use super::context::RunContext;
use super::failure::{StepError, StepErrorKind};
use super::record::CaseLog;
use super::step::{refused_over_quota, run_step, Phase};

/// A copy of a fixture's own variables (its params, `name` and captures).
pub(super) fn copy(vars: &Scope) -> Scope {
    let mut out = Scope::new();
    for (k, v) in vars.iter() {
        out.set(k.clone(), v.clone());
    }
    out
}

/// Runs `w.fixture`'s setup with `vars` (its params and `name`). `title(i)` names step `i`
/// (from 1) for the log and the failure. `trial` is whose notes and quota waits these are.
pub(super) async fn set_up(
    ctx: &RunContext,
    w: &Written<'_>,
    vars: &mut Scope,
    parent: &dyn Lookup,
    title: &(dyn Fn(usize) -> String + Sync),
    trial: &str,
    log: &mut CaseLog,
) -> Result<(), StepError> {
    let fresh = copy(vars);
    let started = Instant::now();
    let mut pause = crate::http::FIRST_RETRY_PAUSE;
    let mut refusals = 0u32;
    'attempt: loop {
        for (i, step) in w.fixture.setup.iter().enumerate() {
            let title = title(i + 1);
            // Written before the step too: a run killed while the step is in flight (a
            // suspend sent, say) must still know how to undo it.
            write_down_as(ctx, w, vars, parent, false);
            let result = run_step(ctx, step, &title, vars, parent, Phase::Setup, log).await;
            // And after, even when the step failed: a create that timed out may have happened.
            write_down_as(ctx, w, vars, parent, result.is_ok());
            let Err(error) = result else { continue };
            let Some(why) = refused(&error) else {
                return Err(error);
            };
            if started.elapsed() + pause > ctx.settings.quota_wait {
                ctx.note(format!(
                    "{trial}: {title}: still refused over quota after {:.1?} ({why})",
                    started.elapsed()
                ));
                ctx.tally
                    .waited_for_quota(trial, &title, started.elapsed(), false);
                return Err(error);
            }
            // What the refused attempt made (an ERROR server) still counts against the
            // quota until it is deleted. If that fails, the case's teardown (and the
            // ledger) still know it, with these variables.
            for (j, undo) in w.fixture.teardown.iter().enumerate() {
                let undo_title = format!(
                    "{title}: undoing the attempt refused over quota, teardown step {}",
                    j + 1
                );
                if let Err(e) = teardown_step(ctx, undo, &undo_title, vars, parent, log).await {
                    ctx.note(format!("{trial}: {e}"));
                    return Err(error);
                }
            }
            refusals += 1;
            ctx.note(format!(
                "{trial}: {title}: accepted, then refused over quota ({why}); undone, setting up again in {pause:.1?}"
            ));
            *vars = copy(&fresh);
            tokio::time::sleep(pause).await;
            pause = crate::http::next_retry_pause(pause);
            continue 'attempt;
        }
        if refusals > 0 {
            let title = title(1);
            ctx.note(format!(
                "{trial}: {title}: set up after {refusals} refusal(s) over quota, {:.1?}",
                started.elapsed()
            ));
            ctx.tally
                .waited_for_quota(trial, &title, started.elapsed(), true);
        }
        return Ok(());
    }
}

/// The fault of a create the target accepted and then refused over quota, when `error` is
/// that.
fn refused(error: &StepError) -> Option<String> {
    match error.kind.as_ref() {
        StepErrorKind::Unexpected { response, .. } | StepErrorKind::NotReady { response, .. } => {
            refused_over_quota(response)
        }
        _ => None,
    }
}
