//! Cases as libtest-mimic trials, sharing one tokio runtime.
use std::sync::Arc;

use libtest_mimic::{Completion, Failed, Trial};
use tokio::runtime::Handle;

use super::case::run_case;
use super::context::RunContext;

/// One trial per case. Without a context (`--list`) trials only carry their names.
pub fn build_trials(
    ctx: Option<Arc<RunContext>>,
    cases: &[crate::case::Case],
    rt: &Handle,
) -> Vec<Trial> {
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
                if let Some(reason) = ctx.target.skip_reason(&case.needs) {
                    return Ok(Completion::ignored_with(reason));
                }
                let result = rt.block_on(run_case(&ctx, &case));
                match (result, ctx.deviations.reason(&case.doc.id.value)) {
                    (Ok(()), None) => Ok(Completion::Completed),
                    (Err(e), None) => Err(Failed::from(format!("{} ({})\n{e}", case.doc.name, case.doc.id.value))),
                    (Err(_), Some(reason)) => Ok(Completion::ignored_with(format!("known deviation: {reason}"))),
                    // Like a strict xfail: a fixed target must not keep its excuse.
                    (Ok(()), Some(reason)) => Err(Failed::from(format!(
                        "{} ({}) is recorded as a known deviation of this target ({reason}) but passed: remove it from the deviations file",
                        case.doc.name, case.doc.id.value
                    ))),
                }
            })
            .with_ignored_flag(ignored)
        })
        .collect()
}
