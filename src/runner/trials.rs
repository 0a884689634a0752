//! Cases as libtest-mimic trials, sharing one tokio runtime.
use std::sync::Arc;
use std::time::Instant;

use libtest_mimic::{Completion, Failed, Trial};
use tokio::runtime::Handle;

use super::case::run_case_logged;
use super::context::RunContext;
use super::record::{CaseLog, Ending};
use crate::case::Case;
use crate::report::Verdict;

/// One trial per case. Without a context (`--list`) trials only carry their names.
pub fn build_trials(ctx: Option<Arc<RunContext>>, cases: &[Case], rt: &Handle) -> Vec<Trial> {
    cases
        .iter()
        .map(|case| {
            let case = case.clone();
            let ctx = ctx.clone();
            let rt = rt.clone();
            let ignored = case.doc.ignore.is_some();
            Trial::ignorable_test(case.trial_name.clone(), move || {
                let Some(ctx) = ctx else {
                    return Ok(Completion::Completed);
                };
                run_trial(&ctx, &case, &rt)
            })
            .with_ignored_flag(ignored)
        })
        .collect()
}

fn run_trial(ctx: &RunContext, case: &Case, rt: &Handle) -> Result<Completion, Failed> {
    let started = Instant::now();
    let record = |log: CaseLog, verdict, skip_reason: Option<String>, failure: Option<String>| {
        let ending = Ending {
            verdict,
            skip_reason,
            failure,
            duration: started.elapsed(),
        };
        ctx.record(log.into_report(case, ending));
    };
    let skip = ctx.target.skip_reason(&case.needs).or_else(|| {
        ctx.stopping()
            .then(|| "not started: the run was interrupted".to_string())
    });
    if let Some(reason) = skip {
        record(
            CaseLog::default(),
            Verdict::Skipped,
            Some(reason.clone()),
            None,
        );
        return Ok(Completion::ignored_with(reason));
    }
    let (result, log) = rt.block_on(run_case_logged(ctx, case));
    let doc = &case.doc;
    match (result, ctx.deviations.reason(&doc.id.value)) {
        (Ok(()), None) => {
            record(log, Verdict::Passed, None, None);
            Ok(Completion::Completed)
        }
        (Err(e), None) => {
            let message = format!("{} ({})\n{e}", doc.name, doc.id.value);
            record(log, Verdict::Failed, None, Some(message.clone()));
            Err(Failed::from(message))
        }
        (Err(e), Some(reason)) => {
            let reason = format!("known deviation: {reason}");
            record(log, Verdict::KnownDeviation, Some(reason.clone()), Some(e));
            Ok(Completion::ignored_with(reason))
        }
        // Like a strict xfail: a fixed target must not keep its excuse.
        (Ok(()), Some(reason)) => {
            let message = format!(
                "{} ({}) is recorded as a known deviation of this target ({reason}) but passed: remove it from the deviations file",
                doc.name, doc.id.value
            );
            record(log, Verdict::Failed, None, Some(message.clone()));
            Err(Failed::from(message))
        }
    }
}
