//! Cases as libtest-mimic trials, run as tasks on the shared tokio runtime.
//!
//! libtest runs the trials one at a time on the calling thread, in catalogue order, and
//! prints each outcome; the cases themselves run ahead as tasks, at most `jobs` at a time,
//! and each trial only waits for its own case's outcome. So the output follows the
//! catalogue whatever finishes first, and `--test-threads 200` against a slow cloud costs
//! 200 tasks, not 200 threads. Which trials run is decided by libtest's own
//! `is_filtered_out` and `is_ignored`, so filtering, `--ignored` and `--exact` mean what
//! they always meant.
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt;
use libtest_mimic::{Arguments, Completion, Conclusion, Failed, Trial};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

use super::case::{panic_message, run_case};
use super::context::RunContext;
use super::record::{CaseLog, Ending};
use super::slots::Slots;
use crate::case::Case;
use crate::report::Verdict;

type Outcome = Result<Completion, Failed>;

/// How the failure of a case that an interrupted run never started begins.
pub const NOT_RUN: &str = "not run: ";

/// Lists the cases as trials (`--list`): nothing runs.
pub fn list(args: &Arguments, cases: &[Case]) -> Conclusion {
    let trials = cases
        .iter()
        .map(|case| trial(case, false, || Ok(Completion::Completed)))
        .collect();
    libtest_mimic::run(args, trials)
}

/// How many cases libtest would run with these arguments: neither filtered out nor
/// ignored. Zero means the run would check nothing.
pub fn selected(args: &Arguments, cases: &[Case], fail_on_skip: bool) -> usize {
    cases
        .iter()
        .filter(|case| is_selected(args, case, fail_on_skip))
        .count()
}

/// Whether libtest would run `case` with these arguments.
pub fn is_selected(args: &Arguments, case: &Case, fail_on_skip: bool) -> bool {
    let t = trial(case, fail_on_skip, || Ok(Completion::Completed));
    !args.is_filtered_out(&t) && !args.is_ignored(&t)
}

/// Runs the cases libtest selects, at most `jobs` at a time, and returns libtest's
/// conclusion.
pub fn run(
    args: &Arguments,
    ctx: Arc<RunContext>,
    cases: Arc<[Case]>,
    rt: &Handle,
    jobs: usize,
) -> Conclusion {
    let mut trials = Vec::with_capacity(cases.len());
    let mut selected = Vec::new();
    // Unless the user asked for ignored cases to run, a catalogue `ignore` is a skip.
    let fail_ignored = ctx.settings.fail_on_skip && !args.ignored && !args.include_ignored;
    // Those failed here count towards the progress too: they were recorded already.
    let mut failed_here = 0;
    for (i, case) in cases.iter().enumerate() {
        if let (true, Some(why)) = (fail_ignored, &case.doc.ignore) {
            let t = trial(case, true, || Ok(Completion::Completed));
            if !args.is_filtered_out(&t) {
                let reason = format!("ignored in the catalogue: {why}");
                let message = fail_on_skip_message(case, &reason);
                record(
                    &ctx,
                    case,
                    Instant::now(),
                    CaseLog::default(),
                    Verdict::Failed,
                    Some(reason),
                    Some(message.clone()),
                );
                trials.push(trial(case, true, move || Err(Failed::from(message))));
                failed_here += 1;
                continue;
            }
        }
        let (tx, rx) = oneshot::channel();
        let t = trial(case, ctx.settings.fail_on_skip, move || wait(rx));
        if !args.is_filtered_out(&t) && !args.is_ignored(&t) {
            selected.push((i, tx));
        }
        trials.push(t);
    }
    // The users of each shared fixture: the selected cases this target can run.
    ctx.sharing.plan(
        &ctx,
        selected
            .iter()
            .map(|(i, _)| &cases[*i])
            .filter(|c| ctx.target.skip_reason(&c.needs).is_none()),
    );
    ctx.progress.begin(selected.len() + failed_here);
    let progress = ctx.progress.clone();
    rt.spawn(schedule(ctx, cases, selected, jobs.max(1)));
    let serial = Arguments {
        test_threads: Some(1),
        ..args.clone()
    };
    let conclusion = libtest_mimic::run(&serial, trials);
    progress.end();
    conclusion
}

/// With `--fail-on-skip` a case the catalogue marks `ignore` is not left to libtest to
/// ignore: it runs as a trial that fails, saying why it would have been skipped.
fn trial(
    case: &Case,
    fail_on_skip: bool,
    runner: impl FnOnce() -> Outcome + Send + 'static,
) -> Trial {
    Trial::ignorable_test(case.trial_name.clone(), runner)
        .with_ignored_flag(case.doc.ignore.is_some() && !fail_on_skip)
}

/// A trial's side: its case's outcome, once the case's task has one. Bounded: every case
/// has its own deadline, and teardown's requests each have theirs.
fn wait(rx: oneshot::Receiver<Outcome>) -> Outcome {
    rx.blocking_recv().unwrap_or_else(|_| {
        Err(Failed::from(
            "the case's task ended without an outcome (the run is shutting down)",
        ))
    })
}

/// Starts the selected cases, longest first, keeping `jobs` of them running. Each waits
/// for its quotas before it takes a job slot, so a case held back by a quota does not keep
/// a case that needs none from running. "Longest" is the case's chain of requests under
/// the realistic profile, a shared fixture counted for its first user only
/// (`critical_path::start_costs`): a boot is slow on every real cloud, and a slow case
/// started last would finish alone after the others (measured in docs/performance.md,
/// measurement 5). A case that takes a quota with less room than there are jobs counts
/// longer by that much (`Quotas::scarcity`). Outcomes are still printed in catalogue order.
async fn schedule(
    ctx: Arc<RunContext>,
    cases: Arc<[Case]>,
    selected: Vec<(usize, oneshot::Sender<Outcome>)>,
    jobs: usize,
) {
    let slots = Slots::new(jobs);
    let timings = refcloud::Profile::Realistic.timings();
    let costs = crate::critical_path::start_costs(
        &ctx.catalogue,
        selected.iter().map(|(i, _)| &cases[*i]),
        &timings,
    );
    let mut selected: Vec<_> = selected
        .into_iter()
        .zip(costs)
        .map(|((i, tx), cost)| {
            let case = &cases[i];
            let scarcity = ctx
                .quotas
                .scarcity(&ctx.target, &ctx.catalogue.fixtures, case, jobs);
            (cost.mul_f64(scarcity), i, tx)
        })
        .collect();
    selected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (rank, (_, i, tx)) in selected.into_iter().enumerate() {
        let ctx = ctx.clone();
        let cases = cases.clone();
        let slots = slots.clone();
        tokio::spawn(async move {
            let case = &cases[i];
            let started = Instant::now();
            // A panic outside the case's own guard (in recording, say) must still give
            // the trial an outcome, as libtest's catch_unwind did for a trial thread.
            let outcome = match AssertUnwindSafe(run_trial(&ctx, case, &slots, rank))
                .catch_unwind()
                .await
            {
                Ok(outcome) => outcome,
                Err(panic) => {
                    let message = format!("test panicked: {}", panic_message(&panic));
                    record(
                        &ctx,
                        case,
                        started,
                        CaseLog::default(),
                        Verdict::Failed,
                        None,
                        Some(message.clone()),
                    );
                    Err(Failed::from(message))
                }
            };
            // Whatever the outcome (a panic too), this user of its shared fixtures is done.
            if ctx.target.skip_reason(&case.needs).is_none() {
                ctx.sharing.release(&ctx, case).await;
            }
            let _ = tx.send(outcome);
        });
    }
}

fn fail_on_skip_message(case: &Case, reason: &str) -> String {
    format!(
        "{} ({}) would be skipped ({reason}), and --fail-on-skip is set",
        case.doc.name, case.doc.id.value
    )
}

fn record(
    ctx: &RunContext,
    case: &Case,
    started: Instant,
    log: CaseLog,
    verdict: Verdict,
    skip_reason: Option<String>,
    failure: Option<String>,
) {
    // Here, while the case still holds its job slot: no other case starts after it failed.
    if verdict == Verdict::Failed && ctx.settings.fail_fast && !ctx.stop.requested() {
        ctx.stop.after_failure(&case.trial_name);
    }
    let ending = Ending {
        verdict,
        skip_reason,
        failure,
        duration: started.elapsed(),
    };
    ctx.record(log.into_report(case, ending));
}

async fn run_trial(ctx: &RunContext, case: &Case, slots: &Arc<Slots>, rank: usize) -> Outcome {
    let mut started = Instant::now();
    let record = |log, verdict, skip_reason, failure, started| {
        record(ctx, case, started, log, verdict, skip_reason, failure)
    };
    if let Some(outcome) = not_started(ctx, case, started) {
        return outcome;
    }
    if let Some(reason) = ctx.target.skip_reason(&case.needs) {
        if ctx.settings.fail_on_skip {
            let message = fail_on_skip_message(case, &reason);
            record(
                CaseLog::default(),
                Verdict::Failed,
                Some(reason),
                Some(message.clone()),
                started,
            );
            return Err(Failed::from(message));
        }
        record(
            CaseLog::default(),
            Verdict::Skipped,
            Some(reason.clone()),
            None,
            started,
        );
        return Ok(Completion::ignored_with(reason));
    }
    // Quotas first, then a job slot; both are held until the case's teardown is done.
    let _quota = match ctx
        .quotas
        .admit(&ctx.target, &ctx.catalogue.fixtures, case)
        .await
    {
        Ok(admission) => admission,
        Err(reason) => {
            let message = format!(
                "{} ({})\nnot run: {reason}",
                case.doc.name, case.doc.id.value
            );
            record(
                CaseLog::default(),
                Verdict::Failed,
                None,
                Some(message.clone()),
                started,
            );
            return Err(Failed::from(message));
        }
    };
    // A shared fixture another case is setting up is waited for outside a slot too.
    ctx.sharing.wait_for_setups(ctx, case).await;
    let Some(_slot) = slots.acquire(rank).await else {
        return Err(Failed::from("the run is shutting down"));
    };
    started = Instant::now();
    if let Some(outcome) = not_started(ctx, case, started) {
        return outcome;
    }
    ctx.progress.started(&case.trial_name);
    let (result, log) = run_case(ctx, case).await;
    let doc = &case.doc;
    match (result, ctx.deviations.reason(&doc.id.value)) {
        (Ok(()), None) => {
            record(log, Verdict::Passed, None, None, started);
            Ok(Completion::Completed)
        }
        (Err(e), None) => {
            let message = format!("{} ({})\n{e}", doc.name, doc.id.value);
            record(log, Verdict::Failed, None, Some(message.clone()), started);
            Err(Failed::from(message))
        }
        (Err(e), Some(reason)) => {
            let reason = format!("known deviation: {reason}");
            record(
                log,
                Verdict::KnownDeviation,
                Some(reason.clone()),
                Some(e.to_string()),
                started,
            );
            Ok(Completion::ignored_with(reason))
        }
        // Like a strict xfail: a fixed target must not keep its excuse.
        (Ok(()), Some(reason)) => {
            let message = format!(
                "{} ({}) is recorded as a known deviation of this target ({reason}) but passed: remove it from the deviations file",
                doc.name, doc.id.value
            );
            record(log, Verdict::Failed, None, Some(message.clone()), started);
            Err(Failed::from(message))
        }
    }
}

/// A case the run never started was not checked: that is never a pass, nor a skip that a
/// summary line could count as fine.
fn not_started(ctx: &RunContext, case: &Case, started: Instant) -> Option<Outcome> {
    if !ctx.stopping() {
        return None;
    }
    let message = format!(
        "{NOT_RUN}the run was interrupted by {} before this case started",
        ctx.stop.reason().unwrap_or("a stop request")
    );
    let failure = Some(message.clone());
    record(
        ctx,
        case,
        started,
        CaseLog::default(),
        Verdict::Failed,
        None,
        failure,
    );
    Some(Err(Failed::from(message)))
}
