//! Judging one response against compiled checks: status, headers, body fields.
use std::fmt;

use serde_json::Value;

use super::matcher::{Check, Matcher, MatcherError, Mismatch};
use super::path::select;
use crate::http::{HttpResponse, NotJson};
use crate::template::{Lookup, ValueTemplate};

/// One header or body field and the matcher it must satisfy.
#[derive(Debug, Clone)]
pub struct FieldCheck {
    /// A header name, or a JSON pointer into the body.
    pub key: String,
    pub check: Check,
    /// The matcher as written, for the ledger, which replays it in a later process.
    pub written: ValueTemplate,
    /// Where it is written in its case or fixture file.
    pub line: u64,
}

/// The parts of an expectation that look at one response (the schema is judged apart).
#[derive(Debug, Clone, Default)]
pub struct Checks {
    pub status: Option<u16>,
    pub headers: Vec<FieldCheck>,
    pub body: Vec<FieldCheck>,
    pub empty_body: bool,
}

/// One way a response differs from its checks.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Problem {
    #[error("status: expected {expected}, observed {observed}")]
    Status { expected: u16, observed: u16 },
    #[error("header {name}: {mismatch}{}", at(*.line))]
    Header {
        name: String,
        mismatch: Mismatch,
        line: u64,
    },
    #[error("body {}: {mismatch}{}", shown(path), at(*.line))]
    Body {
        path: String,
        mismatch: Mismatch,
        line: u64,
    },
    #[error("body: expected no body, observed {0} bytes")]
    NotEmpty(usize),
    #[error("body: {0}")]
    NotJson(#[from] NotJson),
    /// A per-case matcher whose variables did not render.
    #[error("{what}: {error}{}", at(*.line))]
    Matcher {
        what: String,
        error: MatcherError,
        line: u64,
    },
    /// Judged by another part of the harness (the schema check).
    #[error("{0}")]
    Other(String),
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// ` (line N)`, naming where in the case file the failing expectation is written.
fn at(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" (line {line})")
    }
}

impl fmt::Display for FieldCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.key)
    }
}

/// Every way a JSON body differs from its field checks.
pub fn check_body(doc: &Value, checks: &[FieldCheck], scope: &dyn Lookup) -> Vec<Problem> {
    let mut problems = Vec::new();
    for c in checks {
        let m = match c.check.matcher(scope) {
            Ok(m) => m,
            Err(error) => {
                problems.push(Problem::Matcher {
                    what: format!("body {}", shown(&c.key)),
                    error,
                    line: c.line,
                });
                continue;
            }
        };
        if let Err(mismatch) = m.check(select(doc, &c.key).value().as_ref()) {
            problems.push(Problem::Body {
                path: c.key.clone(),
                mismatch,
                line: c.line,
            });
        }
    }
    problems
}

/// Every way the response differs from the checks; empty when it matches.
pub fn check_response(checks: &Checks, resp: &HttpResponse, scope: &dyn Lookup) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(expected) = checks.status {
        if resp.status != expected {
            problems.push(Problem::Status {
                expected,
                observed: resp.status,
            });
        }
    }
    for c in &checks.headers {
        let m = match c.check.matcher(scope) {
            Ok(m) => m,
            Err(error) => {
                problems.push(Problem::Matcher {
                    what: format!("header {}", c.key),
                    error,
                    line: c.line,
                });
                continue;
            }
        };
        let observed = resp.header(&c.key).map(|v| match m.as_ref() {
            // Multi-valued fields (Vary) compare element-wise, however a proxy merged them.
            Matcher::Set(_) | Matcher::Contains(_) | Matcher::NotContains(_) => Value::Array(
                v.split(',')
                    .map(|s| Value::String(s.trim().to_string()))
                    .collect(),
            ),
            _ => Value::String(v),
        });
        if let Err(mismatch) = m.check(observed.as_ref()) {
            problems.push(Problem::Header {
                name: c.key.clone(),
                mismatch,
                line: c.line,
            });
        }
    }
    if checks.empty_body && resp.has_body() {
        problems.push(Problem::NotEmpty(resp.body.len()));
    }
    if !checks.body.is_empty() {
        match resp.json() {
            Err(e) => problems.push(Problem::NotJson(e)),
            Ok(doc) => problems.extend(check_body(doc, &checks.body, scope)),
        }
    }
    problems
}
