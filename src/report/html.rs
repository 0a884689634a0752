//! One self-contained HTML page of a run (`--html FILE`) or of a comparison of two runs
//! (`diff --html FILE`): no external scripts, styles or fonts, so it can be mailed or
//! attached to a CI job and opened anywhere.
//!
//! Written with maud: everything the target said (failure messages quote its bodies) is
//! escaped by construction, so a hostile cloud cannot put a script into the page.
use std::collections::BTreeMap;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::diff::Diff;
use super::model::{CaseReport, RunReport, Verdict};
use crate::coverage::OperationCoverage;

const VERDICTS: [Verdict; 4] = [
    Verdict::Failed,
    Verdict::KnownDeviation,
    Verdict::Skipped,
    Verdict::Passed,
];

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1f24;background:#fff}
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.4em 0 .4em}
table{border-collapse:collapse;margin:.3em 0}td,th{border:1px solid #d0d7de;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f6f8fa}code,pre{font:12px/1.35 ui-monospace,monospace}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap;margin:.3em 0}
.v{display:inline-block;border-radius:3px;padding:0 .4em;font-size:.85em;font-weight:600;color:#fff}
.v-passed{background:#1a7f37}.v-failed{background:#cf222e}.v-skipped{background:#6e7781}.v-known_deviation{background:#9a6700}
.banner{background:#ffebe9;border:1px solid #cf222e;padding:.5em;margin:.5em 0}
details{border:1px solid #d0d7de;border-radius:4px;margin:.25em 0;padding:.2em .5em}
details[open]{background:#fcfcfd}summary{cursor:pointer}
.filters label{margin-right:1em}.muted{color:#57606a}
"#;

/// Hides the cases (and coverage entries) of unticked verdicts. The ticks start from the
/// address's `#only=failed,skipped`, so a link can open the page filtered.
const SCRIPT: &str = r#"
(function(){
  var boxes=document.querySelectorAll('.filters input');
  function apply(){
    var shown={};boxes.forEach(function(b){shown[b.value]=b.checked;});
    document.querySelectorAll('[data-verdict]').forEach(function(e){e.hidden=!shown[e.dataset.verdict];});
    var n=document.querySelectorAll('details[data-verdict]:not([hidden])').length;
    document.getElementById('shown').textContent=n;
  }
  var m=/only=([a-z_,]+)/.exec(location.hash);
  if(m){var only=m[1].split(',');boxes.forEach(function(b){b.checked=only.indexOf(b.value)>=0;});}
  boxes.forEach(function(b){b.addEventListener('change',apply);});
  apply();
})();
"#;

fn page(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (body)
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
    .into_string()
}

fn badge(v: Verdict) -> Markup {
    html! { span class={ "v v-" (v.as_str()) } { (v.as_str().replace('_', " ")) } }
}

fn anchor(trial: &str) -> String {
    format!("case-{}", trial.replace("::", "-"))
}

fn filters(counts: &BTreeMap<Verdict, usize>, total: usize) -> Markup {
    html! {
        p class="filters" {
            "Show: "
            @for v in VERDICTS {
                label {
                    input type="checkbox" value=(v.as_str()) checked;
                    " " (badge(v)) " " (counts.get(&v).copied().unwrap_or(0))
                }
            }
            span class="muted" { span id="shown" { (total) } " of " (total) " cases shown" }
        }
    }
}

/// The page of one run: target and settings, the coverage matrix with this run's
/// verdicts, resources, and every case with its expectation, failure and exchanges.
pub fn run_page(report: &RunReport, coverage: &[OperationCoverage]) -> String {
    let by_trial: BTreeMap<&str, &CaseReport> =
        report.cases.iter().map(|c| (c.trial.as_str(), c)).collect();
    let t = &report.target;
    let s = &report.summary;
    let title = format!("stackconform: {} against {}", verdict_line(report), t.name);
    let body = html! {
        h1 { "stackconform report: " (t.name) }
        p {
            (verdict_line(report)) " · "
            (s.passed) " passed, " (s.failed) " failed, " (s.skipped) " skipped, "
            (s.known_deviations) " known deviations · "
            (format!("{:.1}", report.duration_ms / 1000.0)) " s"
        }
        @if let Some(why) = &report.interrupted {
            p class="banner" { "The run was stopped: " (why) ". Cases it never started count as failed (\"not run\")." }
        }
        h2 { "Target and settings" }
        table {
            tr { th { "target" } td { (t.name) @if t.reference_cloud { " (the embedded reference cloud)" } } }
            tr { th { "run id" } td { code { (report.run_id) } } }
            tr { th { "started" } td { (report.started_at) } }
            tr { th { "tool" } td { (report.tool) } }
            @if let Some(catalogue) = &report.catalogue {
                tr { th { "catalogue" } td { (catalogue) } }
            }
            tr { th { "schema mode" } td { (t.schema_mode) } }
            tr { th { "identities" } td { (t.identities.join(", ")) } }
            @for (service, url) in &t.endpoints {
                tr { th { "endpoint " (service) } td { code { (url) } } }
            }
            @if let Some(mv) = &t.compute_max_microversion {
                tr { th { "compute microversion" } td { "up to " (mv) } }
            }
            @if let Some(ext) = &t.network_extensions {
                tr { th { "network extensions" } td { (ext.len()) " listed" } }
            }
            @if let Some(p) = &report.partition {
                tr { th { "partition" } td { (p) } }
            }
        }
        h2 { "Coverage" }
        @for op in coverage.iter().filter(|op| !in_run(op, &by_trial)) {
            p class="muted" {
                code { (op.operation) } @if let Some(title) = &op.title { " · " (title) }
                ": none of its " (op.rows.iter().map(|r| r.cases.len()).sum::<usize>()) " cases ran"
            }
        }
        @for op in coverage.iter().filter(|op| in_run(op, &by_trial)) {
            h3 { code { (op.operation) } @if let Some(title) = &op.title { " · " (title) } }
            @if let Some(request) = &op.request { p { code { (request) } } }
            table {
                tr { th { "status" } th { "documented by" } th { "served" } th { "cases in this run" } }
                @for row in &op.rows {
                    tr {
                        td { (row.status) }
                        td { (row.documented.join(", ")) }
                        td {
                            @match row.served {
                                Some(true) => { "yes" }
                                Some(false) => { "no" }
                                None => { "?" }
                            }
                        }
                        td {
                            @for case in &row.cases {
                                @let trial = format!("{}::{}", op.operation, case.stem);
                                @match by_trial.get(trial.as_str()) {
                                    Some(c) => {
                                        span data-verdict=(c.verdict.as_str()) {
                                            a href={ "#" (anchor(&trial)) } { (case.stem) } " " (badge(c.verdict)) " "
                                        }
                                    }
                                    None => {
                                        span class="muted" { (case.stem) " (not in this run) " }
                                    }
                                }
                            }
                            @if let Some(why) = &row.no_case { span class="muted" { "no case: " (why) } }
                        }
                    }
                }
            }
        }
        @if !report.resources.is_empty() {
            h2 { "Resources" }
            @let r = &report.resources;
            p { "Created: " (r.created.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")) }
            @if !r.quotas.is_empty() {
                table {
                    tr { th { "project" } th { "quota" } th { "limit" } th { "used before" } th { "room" } th { "peak in flight" } }
                    @for q in &r.quotas {
                        tr {
                            td { code { (q.project_id) } } td { (q.resource) }
                            td { (opt(q.limit)) } td { (opt(q.used_before)) } td { (opt(q.room)) } td { (q.peak) }
                        }
                    }
                }
            }
        }
        h2 { "Cases" }
        (filters(&counts(report), report.cases.len()))
        @for c in &report.cases { (case(c)) }
    };
    page(&title, body)
}

/// Whether any case of `op` is in the run: the others get one line, not a table.
fn in_run(op: &OperationCoverage, by_trial: &BTreeMap<&str, &CaseReport>) -> bool {
    op.rows
        .iter()
        .flat_map(|r| &r.cases)
        .any(|c| by_trial.contains_key(format!("{}::{}", op.operation, c.stem).as_str()))
}

fn counts(report: &RunReport) -> BTreeMap<Verdict, usize> {
    let mut counts = BTreeMap::new();
    for c in &report.cases {
        *counts.entry(c.verdict).or_insert(0) += 1;
    }
    counts
}

fn capitalized(title: &str) -> String {
    let mut chars = title.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn opt(v: Option<impl std::fmt::Display>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

fn verdict_line(report: &RunReport) -> &'static str {
    if report.interrupted.is_some() {
        "INTERRUPTED"
    } else if report.summary.failed > 0 {
        "FAILED"
    } else {
        "ok"
    }
}

fn case(c: &CaseReport) -> Markup {
    let open = matches!(c.verdict, Verdict::Failed);
    html! {
        details id=(anchor(&c.trial)) data-verdict=(c.verdict.as_str()) open[open] {
            summary {
                (badge(c.verdict)) " " code { (c.trial) } " "
                span class="muted" {
                    "expects " (c.expected_status)
                    @if let Some(s) = c.observed_status { ", got " (s) } @else { ", no answer" }
                    " · " (format!("{:.0}", c.duration_ms)) " ms"
                }
            }
            p { (c.name) }
            p class="muted" { "file " code { (c.file) } " · id " code { (c.id) } }
            @if let Some(why) = &c.skip_reason { p { b { "Reason: " } (why) } }
            @if let Some(f) = &c.failure { pre { (f) } }
            @if let Some(schema) = &c.schema {
                p {
                    "Schema " code { (schema.name) } ": " (schema.outcome)
                    @if !schema.extra_fields.is_empty() {
                        " (fields the schema does not know: " (schema.extra_fields.join(", ")) ")"
                    }
                    @if !schema.off_pattern.is_empty() {
                        " (allowed in contract mode only: " (schema.off_pattern.join(", ")) ")"
                    }
                }
                @if !schema.errors.is_empty() { pre { (schema.errors.join("\n")) } }
            }
            @if !c.exchanges.is_empty() {
                table {
                    tr { th { "phase" } th { "step" } th { "request" } th { "status" } th { "ms" } }
                    @for e in &c.exchanges {
                        tr {
                            td { (format!("{:?}", e.phase).to_lowercase()) }
                            td { (e.step) }
                            td { code { (e.method) " " (e.url) } }
                            td { @if let Some(s) = e.status { (s) } @else { "no answer" @if let Some(err) = &e.error { ": " (err) } } }
                            td { (format!("{:.0}", e.elapsed_ms)) }
                        }
                    }
                }
            }
        }
    }
}

/// The page of `diff OLD NEW`: what changed, then the new run's cases that changed.
pub fn diff_page(diff: &Diff, old: &RunReport, new: &RunReport) -> String {
    let regression = diff.is_regression();
    let title = format!(
        "stackconform diff: {}",
        if regression {
            "REGRESSION"
        } else {
            "no regression"
        }
    );
    let rendered = diff.render();
    let body = html! {
        h1 { (title) }
        table {
            tr { th { "" } th { "run" } th { "target" } th { "started" } th { "passed / failed / skipped / deviations" } }
            @for (label, r) in [("old", old), ("new", new)] {
                tr {
                    th { (label) } td { code { (r.run_id) } } td { (r.target.name) } td { (r.started_at) }
                    td { (r.summary.passed) " / " (r.summary.failed) " / " (r.summary.skipped) " / " (r.summary.known_deviations) }
                }
            }
        }
        @if regression { p class="banner" { "Regression: something checked before fails, drifted or was not checked now." } }
        @for (title, items) in diff.sections() {
            @if !items.is_empty() {
                h2 { (capitalized(title)) " (" (items.len()) ")" }
                ul { @for i in &items { li { pre { (i) } } } }
            }
        }
        @if let Some(why) = &diff.interrupted { p class="banner" { "The new run was interrupted: " (why) } }
        h2 { "As text" }
        pre { (rendered) }
        h2 { "The new run's cases" }
        (filters(&counts(new), new.cases.len()))
        @for c in &new.cases { (case(c)) }
    };
    page(&title, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{ExchangeReport, Phase, Summary, TargetReport};

    fn report(failure: &str) -> RunReport {
        RunReport {
            format_version: 2,
            tool: "stackconform test".into(),
            run_id: "abcd1234".into(),
            started_at: "2026-12-07T00:00:00Z".into(),
            duration_ms: 1000.0,
            target: TargetReport {
                name: "cloud".into(),
                reference_cloud: false,
                schema_mode: "contract".into(),
                identities: vec!["owner".into()],
                endpoints: BTreeMap::new(),
                network_extensions: None,
                compute_max_microversion: None,
            },
            catalogue: None,
            partition: None,
            interrupted: None,
            summary: Summary {
                passed: 0,
                failed: 1,
                skipped: 0,
                known_deviations: 0,
            },
            resources: Default::default(),
            cases: vec![CaseReport {
                id: "id-1".into(),
                name: "a case".into(),
                operation: "network.x".into(),
                trial: "network.x::200".into(),
                file: "cases/network/x/200.yaml".into(),
                verdict: Verdict::Failed,
                skip_reason: None,
                expected_status: 200,
                observed_status: Some(500),
                duration_ms: 3.0,
                failure: Some(failure.into()),
                schema: None,
                observed_shape: BTreeMap::new(),
                exchanges: vec![ExchangeReport {
                    phase: Phase::Test,
                    step: "request under test".into(),
                    method: "PUT".into(),
                    url: "http://x/<script>".into(),
                    status: Some(500),
                    elapsed_ms: 2.0,
                    error: None,
                }],
            }],
        }
    }

    /// A hostile target's words are text on the page, never markup.
    #[test]
    fn what_the_target_said_is_escaped() {
        let page = run_page(&report("body: <script>alert(1)</script>"), &[]);
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("http://x/&lt;script&gt;"));
        // The page's own one inline script, and nothing loaded from elsewhere.
        assert_eq!(page.matches("<script").count(), 1);
        assert!(!page.contains("src=") && !page.contains("<link"));
    }
}
