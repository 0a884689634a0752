//! What a case did, gathered while it runs: every exchange, the status and shape of the
//! request under test, its schema check. It feeds the failure message (steps that ran, a
//! curl command), `--verbose` and the reports. Each case's steps are handed its log and
//! write to it; nothing is recorded behind the runner's back.
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::http::{HttpRequest, HttpResponse};
use crate::report::{ExchangeReport, Phase, SchemaReport};

#[derive(Debug, Default)]
pub struct CaseLog {
    /// The trial the log belongs to, in `--verbose` lines, debug events and notes.
    pub trial: String,
    pub exchanges: Vec<ExchangeReport>,
    pub observed_status: Option<u16>,
    pub observed_shape: BTreeMap<String, String>,
    /// Every schema check, by the step that made it.
    pub schemas: Vec<(String, SchemaReport)>,
    /// The last request sent outside teardown: the one a failure is about.
    pub last_request: Option<Arc<HttpRequest>>,
}

impl CaseLog {
    pub fn new(trial: &str) -> Self {
        Self {
            trial: trial.to_string(),
            ..Self::default()
        }
    }

    pub fn exchange(
        &mut self,
        phase: Phase,
        step: &str,
        req: &Arc<HttpRequest>,
        result: Result<&HttpResponse, &crate::http::TransportError>,
    ) {
        let (status, elapsed_ms, error) = match result {
            Ok(resp) => (Some(resp.status), resp.elapsed.as_secs_f64() * 1000.0, None),
            Err(e) => (None, 0.0, Some(e.to_string())),
        };
        self.exchanges.push(ExchangeReport {
            phase,
            step: step.to_string(),
            method: req.method.clone(),
            url: req.url.clone(),
            status,
            elapsed_ms,
            error,
        });
        if phase != Phase::Teardown {
            self.last_request = Some(Arc::clone(req));
        }
    }

    /// The request under test's response: its status and the shape of its body.
    pub fn response_under_test(&mut self, resp: &HttpResponse) {
        self.observed_status = Some(resp.status);
        self.observed_shape = resp.json().ok().map(shape).unwrap_or_default();
    }

    pub fn schema(&mut self, step: &str, report: SchemaReport) {
        self.schemas.push((step.to_string(), report));
    }
}

/// JSON pointer (with `*` for array elements) to JSON type, for every value in `v`.
pub fn shape(v: &Value) -> BTreeMap<String, String> {
    fn walk(v: &Value, path: String, out: &mut BTreeMap<String, String>) {
        let kind = match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(items) => {
                for item in items {
                    walk(item, format!("{path}/*"), out);
                }
                "array"
            }
            Value::Object(map) => {
                for (k, item) in map {
                    let key: std::borrow::Cow<str> = if k.contains(['~', '/']) {
                        k.replace('~', "~0").replace('/', "~1").into()
                    } else {
                        k.into()
                    };
                    walk(item, format!("{path}/{key}"), out);
                }
                "object"
            }
        };
        // Array elements of different types show as alternatives, e.g. `string|null`.
        let entry = out
            .entry(if path.is_empty() { "/".into() } else { path })
            .or_default();
        if !entry.split('|').any(|k| k == kind) {
            if !entry.is_empty() {
                entry.push('|');
            }
            entry.push_str(kind);
        }
    }
    let mut out = BTreeMap::new();
    walk(v, String::new(), &mut out);
    out
}

/// How a case ended, for its report.
pub struct Ending {
    pub verdict: crate::report::Verdict,
    pub skip_reason: Option<String>,
    pub failure: Option<String>,
    pub duration: std::time::Duration,
}

impl CaseLog {
    pub fn into_report(
        self,
        case: &crate::case::Case,
        ending: Ending,
    ) -> crate::report::CaseReport {
        let schema = self
            .schemas
            .into_iter()
            .find(|(step, _)| step == super::case::UNDER_TEST)
            .map(|(_, s)| s);
        crate::report::CaseReport {
            id: case.doc.id.value.clone(),
            name: case.doc.name.clone(),
            operation: case.doc.operation.value.clone(),
            trial: case.trial_name.clone(),
            file: case.file.display().to_string(),
            verdict: ending.verdict,
            skip_reason: ending.skip_reason,
            expected_status: case.doc.expect.status.value,
            observed_status: self.observed_status,
            duration_ms: ending.duration.as_secs_f64() * 1000.0,
            failure: ending.failure,
            schema,
            observed_shape: self.observed_shape,
            exchanges: self.exchanges,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shape_maps_pointers_to_types_with_array_elements_merged() {
        let s = shape(&json!({"id": "r", "subnet_ids": ["a", null], "n": 1, "a/b": {}}));
        let want: BTreeMap<String, String> = [
            ("/", "object"),
            ("/id", "string"),
            ("/subnet_ids", "array"),
            ("/subnet_ids/*", "string|null"),
            ("/n", "integer"),
            ("/a~1b", "object"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(s, want);
    }
}
