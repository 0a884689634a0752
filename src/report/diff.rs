//! What changed between two runs (`stackconform diff OLD NEW`), for a nightly job that must
//! say what broke since last night. Cases are matched by their stable id, so a renamed case
//! is still the same case.
use std::collections::BTreeMap;
use std::fmt::Write;

use super::model::{first_problem, CaseReport, RunReport, Verdict};

/// When a case counts as slower: both a ratio and an absolute floor, so that jitter on
/// fast cases is not reported.
#[derive(Debug, Clone, Copy)]
pub struct SlowerThan {
    pub ratio: f64,
    pub min_delta_ms: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    pub trial: String,
    pub id: String,
    /// (pointer, type) present now, absent before.
    pub appeared: Vec<(String, String)>,
    pub disappeared: Vec<(String, String)>,
    /// (pointer, old type, new type).
    pub changed: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// (trial, id, old verdict, what the new run says).
    pub newly_failing: Vec<(String, String, Verdict, String)>,
    pub newly_passing: Vec<(String, String, Verdict)>,
    pub newly_skipped: Vec<(String, String, String)>,
    pub schema_drift: Vec<Drift>,
    /// (trial, old ms, new ms).
    pub slower: Vec<(String, f64, f64)>,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// What stopped the new run, when it was interrupted.
    pub interrupted: Option<String>,
}

impl Diff {
    /// What a nightly job pages on: a newly failing case, a changed response shape, and
    /// anything checked last time that was not checked now (a new skip, a case no longer
    /// run, an interrupted run), since the tool never lets what it did not check pass.
    pub fn is_regression(&self) -> bool {
        !self.newly_failing.is_empty()
            || !self.schema_drift.is_empty()
            || !self.newly_skipped.is_empty()
            || !self.removed.is_empty()
            || self.interrupted.is_some()
    }

    /// What changed, section by section (title, items), in the order people read them;
    /// an item of several lines (a drift) indents its own. `render` and the HTML page
    /// (`diff --html`) both show these.
    pub fn sections(&self) -> Vec<(&'static str, Vec<String>)> {
        let drift = self
            .schema_drift
            .iter()
            .map(|d| {
                let mut item = format!("{} ({}):", d.trial, d.id);
                for (p, t) in &d.appeared {
                    item.push_str(&format!("\n    + {p}: {t} (appeared)"));
                }
                for (p, t) in &d.disappeared {
                    item.push_str(&format!("\n    - {p}: {t} (disappeared)"));
                }
                for (p, a, b) in &d.changed {
                    item.push_str(&format!("\n    ~ {p}: {a} -> {b} (changed type)"));
                }
                item
            })
            .collect();
        vec![
            (
                "newly failing",
                self.newly_failing
                    .iter()
                    .map(|(t, id, was, now)| format!("{t} ({id}): was {}, now {now}", was.as_str()))
                    .collect(),
            ),
            ("schema drift", drift),
            (
                "newly passing",
                self.newly_passing
                    .iter()
                    .map(|(t, id, was)| format!("{t} ({id}): was {}", was.as_str()))
                    .collect(),
            ),
            (
                "newly skipped",
                self.newly_skipped
                    .iter()
                    .map(|(t, id, why)| format!("{t} ({id}): {why}"))
                    .collect(),
            ),
            (
                "slower",
                self.slower
                    .iter()
                    .map(|(t, a, b)| format!("{t}: {a:.0} ms -> {b:.0} ms"))
                    .collect(),
            ),
            ("new cases", self.added.clone()),
            ("cases no longer run", self.removed.clone()),
        ]
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for (title, items) in self.sections() {
            if !items.is_empty() {
                let _ = writeln!(out, "{title} ({}):", items.len());
                for item in items {
                    let _ = writeln!(out, "  {item}");
                }
            }
        }
        if let Some(why) = &self.interrupted {
            let _ = writeln!(out, "the new run was interrupted: {why}");
        }
        let _ = writeln!(
            out,
            "diff: {} newly failing, {} schema drifts, {} newly passing, {} newly skipped, {} no longer run, {} slower{}",
            self.newly_failing.len(),
            self.schema_drift.len(),
            self.newly_passing.len(),
            self.newly_skipped.len(),
            self.removed.len(),
            self.slower.len(),
            if self.is_regression() { " - REGRESSION" } else { "" }
        );
        out
    }
}

fn now_says(c: &CaseReport) -> String {
    let observed = c
        .observed_status
        .map_or("no answer".to_string(), |s| s.to_string());
    let first = c
        .failure
        .as_deref()
        .and_then(first_problem)
        .map(|p| format!(": {p}"))
        .unwrap_or_default();
    // With the expected status, what failed is elsewhere (a field, a header, the schema):
    // "(expected 200, observed 200)" would say nothing.
    match c.observed_status {
        Some(s) if s == c.expected_status => format!("failed with the expected status {s}{first}"),
        _ => format!(
            "failed (expected {}, observed {observed}){first}",
            c.expected_status
        ),
    }
}

fn drift(old: &CaseReport, new: &CaseReport) -> Option<Drift> {
    // A different status has a different body by design; that shows as a failure instead.
    if old.observed_status != new.observed_status || old.observed_shape.is_empty() {
        return None;
    }
    let mut d = Drift {
        trial: new.trial.clone(),
        id: new.id.clone(),
        appeared: Vec::new(),
        disappeared: Vec::new(),
        changed: Vec::new(),
    };
    for (p, t) in &new.observed_shape {
        match old.observed_shape.get(p) {
            None => d.appeared.push((p.clone(), t.clone())),
            Some(o) if o != t => d.changed.push((p.clone(), o.clone(), t.clone())),
            _ => {}
        }
    }
    for (p, t) in &old.observed_shape {
        if !new.observed_shape.contains_key(p) {
            d.disappeared.push((p.clone(), t.clone()));
        }
    }
    (!d.appeared.is_empty() || !d.disappeared.is_empty() || !d.changed.is_empty()).then_some(d)
}

pub fn diff(old: &RunReport, new: &RunReport, slower: SlowerThan) -> Diff {
    let old_cases: BTreeMap<&str, &CaseReport> =
        old.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let new_ids: std::collections::BTreeSet<&str> =
        new.cases.iter().map(|c| c.id.as_str()).collect();
    let mut d = Diff {
        interrupted: new.interrupted.clone(),
        ..Diff::default()
    };
    for c in &new.cases {
        let Some(o) = old_cases.get(c.id.as_str()) else {
            d.added.push(format!("{} ({})", c.trial, c.id));
            continue;
        };
        let ok = |v: Verdict| matches!(v, Verdict::Passed | Verdict::KnownDeviation);
        match (o.verdict, c.verdict) {
            (a, Verdict::Failed) if a != Verdict::Failed => {
                d.newly_failing
                    .push((c.trial.clone(), c.id.clone(), a, now_says(c)))
            }
            (a, b) if !ok(a) && ok(b) => d.newly_passing.push((c.trial.clone(), c.id.clone(), a)),
            (a, Verdict::Skipped) if a != Verdict::Skipped => d.newly_skipped.push((
                c.trial.clone(),
                c.id.clone(),
                c.skip_reason.clone().unwrap_or_default(),
            )),
            _ => {}
        }
        if let Some(x) = drift(o, c) {
            d.schema_drift.push(x);
        }
        if c.duration_ms > o.duration_ms * slower.ratio
            && c.duration_ms - o.duration_ms > slower.min_delta_ms
        {
            d.slower
                .push((c.trial.clone(), o.duration_ms, c.duration_ms));
        }
    }
    for o in &old.cases {
        if !new_ids.contains(o.id.as_str()) {
            d.removed.push(format!("{} ({})", o.trial, o.id));
        }
    }
    d
}
