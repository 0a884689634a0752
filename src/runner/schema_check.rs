//! Comparing a response body with its stored schema snapshot.
use crate::http::HttpResponse;
use crate::schema::{infer, validate, SnapshotOutcome};

use super::context::RunContext;

fn where_it_went(outcome: &SnapshotOutcome) -> String {
    match outcome {
        SnapshotOutcome::PendingReview(p) => format!(
            "the observed shape was written to {}; review it with `cargo insta review` (or rerun with INSTA_UPDATE=always)",
            p.display()
        ),
        SnapshotOutcome::Written(p) => format!("the snapshot {} was rewritten (INSTA_UPDATE)", p.display()),
        SnapshotOutcome::NotWritten => {
            "nothing was written (CI, or INSTA_UPDATE=no); run locally to record it".into()
        }
        SnapshotOutcome::Unchanged => "the proposal equals the stored snapshot".into(),
    }
}

/// `Ok(())` when the body satisfies the schema named `name` in the run's mode.
pub fn check(
    ctx: &RunContext,
    name: &str,
    resp: &HttpResponse,
    context: &str,
) -> Result<(), Vec<String>> {
    let store = &ctx.snapshots;
    let body = resp
        .json()
        .map_err(|e| vec![format!("schema {name}: {e}")])?;
    let observed = infer(&body);
    let description = format!("response schema: {context}");
    let stored = store
        .load(name)
        .map_err(|e| vec![format!("schema {name}: {e}")])?;
    let Some(schema) = stored else {
        return match store.propose(name, &observed, &description) {
            SnapshotOutcome::Written(p) => {
                ctx.note(format!(
                    "{context}: recorded new schema snapshot {}",
                    p.display()
                ));
                Ok(())
            }
            outcome => Err(vec![format!(
                "schema {name}: no snapshot {} yet; {}",
                store.path(name).display(),
                where_it_went(&outcome)
            )]),
        };
    };
    let verdict = validate(&schema, &body, ctx.settings.schema_mode)
        .map_err(|e| vec![format!("schema {name}: {e}")])?;
    for extra in &verdict.extras {
        ctx.note(format!(
            "{context}: schema {name}: extra field allowed in contract mode: {extra}"
        ));
    }
    if verdict.errors.is_empty() {
        return Ok(());
    }
    let proposal = crate::schema::widen(&schema, &observed);
    let outcome = store.propose(name, &proposal, &description);
    let mut problems: Vec<String> = verdict
        .errors
        .iter()
        .map(|e| format!("schema {name} ({} mode): {e}", ctx.settings.schema_mode))
        .collect();
    problems.push(format!("schema {name}: {}", where_it_went(&outcome)));
    Err(problems)
}
