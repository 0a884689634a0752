use std::io::Write;

use serde_json::json;

use crate::cli::ProfileArgs;
use crate::critical_path::critical_path;
use crate::error::Error;

/// Prints a latency profile's figures, each with its source, or (`--critical-path`) the
/// catalogue's critical path under it: a table, or JSON for the bench (`bench/run.sh`).
pub fn profile(args: ProfileArgs) -> Result<i32, Error> {
    let timings = args.profile.timings();
    let text = if args.critical_path {
        let cases = super::catalogue::Cases::of(args.catalogue.cases.as_deref());
        let catalogue = cases.load()?;
        let path = critical_path(&catalogue, catalogue.cases.iter(), &timings);
        let totals = &path.totals;
        let Some(longest) = path.longest else {
            return Err(Error::Config(format!(
                "{}: no cases, so no critical path",
                cases.describe()
            )));
        };
        if args.json {
            let steps: Vec<_> = longest
                .steps
                .iter()
                .map(|(s, d)| json!({"step": s, "ms": d.as_millis() as u64}))
                .collect();
            let cases: serde_json::Map<_, _> = totals
                .iter()
                .map(|(t, d)| (t.clone(), json!(d.as_millis() as u64)))
                .collect();
            serde_json::to_string_pretty(&json!({
                "profile": timings.profile,
                "critical_path_ms": longest.total.as_millis() as u64,
                "work_ms": path.work.as_millis() as u64,
                "longest": longest.trial,
                "steps": steps,
                "cases": cases,
            }))
            .map_err(|e| Error::Config(format!("cannot render the critical path: {e}")))?
        } else {
            let mut rows = vec![format!(
                "critical path under the {} profile: {:.1} s, {} ({} cases)",
                timings.profile,
                longest.total.as_secs_f64(),
                longest.trial,
                totals.len()
            )];
            for (s, d) in &longest.steps {
                rows.push(format!("  {:>7} ms  {s}", d.as_millis()));
            }
            let jobs = super::run::DEFAULT_TEST_THREADS;
            rows.push(format!(
                "work of all cases, each shared fixture set up and torn down once: {:.1} s \
                 (N cases at once need about that / N: {:.1} s at {jobs}, the default)",
                path.work.as_secs_f64(),
                path.work.as_secs_f64() / jobs as f64
            ));
            rows.join("\n")
        }
    } else if args.json {
        serde_json::to_string_pretty(&timings)
            .map_err(|e| Error::Config(format!("cannot render the profile: {e}")))?
    } else {
        let mut rows = vec![format!("profile {}", timings.profile)];
        let mut row = |kind: &str, f: &refcloud::Figure| {
            rows.push(format!(
                "{kind:<32} {:>7} ms  {}  ({})",
                f.time.as_millis(),
                f.what,
                f.source
            ));
        };
        for (op, f) in &timings.requests {
            let name = serde_json::to_value(op).unwrap_or_default();
            row(&format!("answer {}", name.as_str().unwrap_or("?")), f);
        }
        row("then server_schedule", &timings.server_schedule);
        row("then server_build", &timings.server_build);
        row("then server_delete", &timings.server_delete);
        row("then detach", &timings.detach);
        row("then action", &timings.action);
        row("then router_port_up", &timings.router_port_up);
        rows.join("\n")
    };
    writeln!(std::io::stdout(), "{text}")
        .map_err(|e| Error::Config(format!("cannot write the profile: {e}")))?;
    Ok(0)
}
