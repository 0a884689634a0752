//! Comparing a response body with its stored schema snapshot.
use crate::http::HttpResponse;
use crate::schema::{infer, SnapshotOutcome};

use super::context::RunContext;
use super::record::CaseLog;

fn where_it_went(outcome: &SnapshotOutcome) -> String {
    match outcome {
        SnapshotOutcome::PendingReview(p) => format!(
            "the observed shape was written to {}; review it with `stackconform review --snapshots {}` or `cargo insta review` (or rerun with INSTA_UPDATE=always)",
            p.display(),
            p.parent().unwrap_or(std::path::Path::new(".")).display()
        ),
        SnapshotOutcome::Written(p) => format!("the snapshot {} was rewritten (INSTA_UPDATE)", p.display()),
        SnapshotOutcome::NotWritten => {
            "nothing was written (CI, or INSTA_UPDATE=no); run locally to record it".into()
        }
        SnapshotOutcome::BuiltIn => "the built-in catalogue is read-only; `stackconform catalogue export DIR` writes it out, and a run with `--cases DIR/cases` records and proposes snapshots in DIR/snapshots".into(),
        SnapshotOutcome::Unchanged => "the proposal equals the stored snapshot".into(),
    }
}

fn description(context: &str) -> String {
    format!("response schema: {context}")
}

/// `Ok(())` when the body satisfies the schema named `name` in the run's mode. The outcome
/// is recorded for the reports either way.
pub fn check(
    ctx: &RunContext,
    name: &str,
    resp: &HttpResponse,
    context: &str,
    log: &mut CaseLog,
) -> Result<(), Vec<String>> {
    let mut allowed = Allowed::default();
    let note = |n: String| ctx.note(format!("{}: {n}", log.trial));
    let result = compare(ctx, name, resp, context, &mut allowed, &note);
    let outcome = match &result {
        Ok(true) => "matched",
        Ok(false) => "recorded",
        Err(_) if ctx.snapshots.path(name).exists() => "mismatched",
        Err(_) => "missing",
    };
    log.schema(
        context,
        crate::report::SchemaReport {
            name: name.to_string(),
            outcome: outcome.to_string(),
            errors: result.as_ref().err().cloned().unwrap_or_default(),
            extra_fields: allowed.extras,
            off_pattern: allowed.off_pattern,
        },
    );
    result.map(|_| ())
}

/// What contract mode let through that strict mode would fail, for the report.
#[derive(Default)]
struct Allowed {
    extras: Vec<String>,
    off_pattern: Vec<String>,
}

/// `Ok(true)` when the stored schema matched, `Ok(false)` when none was stored and the
/// observed shape was recorded as the first version.
fn compare(
    ctx: &RunContext,
    name: &str,
    resp: &HttpResponse,
    context: &str,
    allowed: &mut Allowed,
    note: &dyn Fn(String),
) -> Result<bool, Vec<String>> {
    let store = &ctx.snapshots;
    let body = resp
        .json()
        .map_err(|e| vec![format!("schema {name}: {e}")])?;
    let stored = store
        .load(name)
        .map_err(|e| vec![format!("schema {name}: {e}")])?;
    let Some(schema) = stored else {
        return match store.propose(name, &infer(body), &description(context)) {
            SnapshotOutcome::Written(p) => {
                note(format!(
                    "{context}: recorded new schema snapshot {}",
                    p.display()
                ));
                Ok(false)
            }
            outcome => Err(vec![format!(
                "schema {name}: no snapshot {} yet; {}",
                store.path(name).display(),
                where_it_went(&outcome)
            )]),
        };
    };
    let verdict = schema
        .check(body, ctx.settings.schema_mode)
        .map_err(|e| vec![format!("schema {name}: {e}")])?;
    for extra in &verdict.extras {
        note(format!(
            "{context}: schema {name}: extra field allowed in contract mode: {extra}"
        ));
    }
    for off in &verdict.off_pattern {
        note(format!(
            "{context}: schema {name}: value outside the pattern allowed in contract mode: {off}"
        ));
    }
    allowed.extras.extend(verdict.extras);
    allowed.off_pattern.extend(verdict.off_pattern);
    if verdict.errors.is_empty() {
        return Ok(true);
    }
    // Inferring is only worth it when there is something to propose.
    let proposal = crate::schema::widen(&schema.value, &infer(body));
    let outcome = store.propose(name, &proposal, &description(context));
    let mut problems: Vec<String> = verdict
        .errors
        .iter()
        .map(|e| format!("schema {name} ({} mode): {e}", ctx.settings.schema_mode))
        .collect();
    problems.push(format!("schema {name}: {}", where_it_went(&outcome)));
    Err(problems)
}
