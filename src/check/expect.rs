use std::collections::BTreeMap;

use serde_json::Value;
use serde_saphyr::Spanned;

use super::matcher::{Matcher, MatcherSpec};
use super::path::select;
use crate::case::{Expect, Until};
use crate::http::HttpResponse;
use crate::template::Lookup;

/// The parts of an expectation that look at one response (the schema is judged apart).
pub struct ResponseChecks<'a> {
    pub status: Option<u16>,
    pub headers: &'a BTreeMap<String, Spanned<Value>>,
    pub body: &'a BTreeMap<String, Spanned<Value>>,
    pub empty_body: bool,
}

impl<'a> From<&'a Expect> for ResponseChecks<'a> {
    fn from(e: &'a Expect) -> Self {
        Self {
            status: Some(e.status.value),
            headers: &e.headers,
            body: &e.body,
            empty_body: e.empty_body,
        }
    }
}

impl<'a> From<&'a Until> for ResponseChecks<'a> {
    fn from(u: &'a Until) -> Self {
        Self {
            status: u.status,
            headers: &u.headers,
            body: &u.body,
            empty_body: false,
        }
    }
}

fn matcher(spec: &Value, scope: &dyn Lookup) -> Result<Matcher, String> {
    MatcherSpec::parse(spec)?.render(scope)
}

/// Every way a JSON body differs from `(pointer, matcher spec)` pairs, one line each.
pub fn check_body<'a>(
    doc: &Value,
    specs: impl IntoIterator<Item = (&'a str, &'a Value)>,
    scope: &dyn Lookup,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, spec) in specs {
        let observed = select(doc, path).value();
        let result = matcher(spec, scope).and_then(|m| m.check(observed.as_ref()));
        if let Err(e) = result {
            let shown = if path.is_empty() { "/" } else { path };
            problems.push(format!("body {shown}: {e}"));
        }
    }
    problems
}

/// Every way the response differs from the checks, one line each; empty when it matches.
pub fn check_response(
    checks: &ResponseChecks<'_>,
    resp: &HttpResponse,
    scope: &dyn Lookup,
) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(want) = checks.status {
        if resp.status != want {
            problems.push(format!("status: expected {want}, observed {}", resp.status));
        }
    }
    for (name, spec) in checks.headers {
        let m = match matcher(&spec.value, scope) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("header {name}: {e}"));
                continue;
            }
        };
        let observed = resp.header(name).map(|v| match m {
            // Multi-valued fields (Vary) compare element-wise, however a proxy merged them.
            Matcher::Set(_) | Matcher::Contains(_) | Matcher::NotContains(_) => Value::Array(
                v.split(',')
                    .map(|s| Value::String(s.trim().to_string()))
                    .collect(),
            ),
            _ => Value::String(v),
        });
        if let Err(e) = m.check(observed.as_ref()) {
            problems.push(format!("header {name}: {e}"));
        }
    }
    if checks.empty_body && resp.has_body() {
        problems.push(format!(
            "body: expected no body, observed {} bytes",
            resp.body.len()
        ));
    }
    if !checks.body.is_empty() {
        match resp.json() {
            Err(e) => problems.push(format!("body: {e}")),
            Ok(doc) => problems.extend(check_body(
                doc,
                checks.body.iter().map(|(p, s)| (p.as_str(), &s.value)),
                scope,
            )),
        }
    }
    problems
}
