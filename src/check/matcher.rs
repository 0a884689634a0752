//! Matchers for header values and body fields.
//!
//! In a case file a plain value means equality; a one-key map selects another
//! matcher: `{regex: ...}`, `{type: string}`, `{absent: true}`, `{present: true}`,
//! `{one_of: [...]}`, `{set: [...]}`, `{contains: v}`, `{not_contains: v}`,
//! `{length: n}`, `{not_equals: v}`, `{equals: v}` (for a literal map).
use std::fmt;
use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

use crate::template::{self, Lookup, Splice, Template, TemplateError, ValueTemplate};

pub const MATCHER_KEYS: &[&str] = &[
    "equals",
    "not_equals",
    "regex",
    "type",
    "absent",
    "present",
    "one_of",
    "set",
    "contains",
    "not_contains",
    "length",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Null,
    Array,
    Object,
}

impl JsonType {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => Self::String,
            "number" => Self::Number,
            "integer" => Self::Integer,
            "boolean" => Self::Boolean,
            "null" => Self::Null,
            "array" => Self::Array,
            "object" => Self::Object,
            _ => return None,
        })
    }

    pub fn of(v: &Value) -> &'static str {
        match v {
            Value::String(_) => "string",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::Bool(_) => "boolean",
            Value::Null => "null",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    fn accepts(self, v: &Value) -> bool {
        match self {
            Self::String => v.is_string(),
            Self::Number => v.is_number(),
            Self::Integer => v.is_i64() || v.is_u64(),
            Self::Boolean => v.is_boolean(),
            Self::Null => v.is_null(),
            Self::Array => v.is_array(),
            Self::Object => v.is_object(),
        }
    }
}

impl fmt::Display for JsonType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Integer => "integer",
            Self::Boolean => "boolean",
            Self::Null => "null",
            Self::Array => "array",
            Self::Object => "object",
        })
    }
}

/// A matcher as written, parsed at load; its values may still refer to variables.
#[derive(Debug, Clone, PartialEq)]
pub enum MatcherSpec {
    Equals(ValueTemplate),
    NotEquals(ValueTemplate),
    Regex(Template),
    Type(JsonType),
    Absent,
    Present,
    OneOf(Vec<ValueTemplate>),
    Set(Vec<ValueTemplate>),
    Contains(ValueTemplate),
    NotContains(ValueTemplate),
    Length(usize),
}

/// A matcher in a case file that is not one.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MatcherError {
    #[error("a matcher map must have exactly one key, one of: {keys} (write {{equals: {{...}}}} to compare with a map)", keys = MATCHER_KEYS.join(", "))]
    NotOneKey,
    #[error("unknown matcher `{0}`; expected one of: {keys}", keys = MATCHER_KEYS.join(", "))]
    Unknown(String),
    #[error("`{matcher}` takes {takes}")]
    Argument {
        matcher: &'static str,
        takes: &'static str,
    },
    #[error("invalid regex: {0}")]
    Regex(#[from] regex::Error),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

impl MatcherSpec {
    /// Reads a matcher from its case-file form; the error says what was expected.
    pub fn parse(v: &Value) -> Result<Self, MatcherError> {
        let Value::Object(map) = v else {
            return Ok(Self::Equals(ValueTemplate::parse(v)?));
        };
        if map.len() != 1 {
            return Err(MatcherError::NotOneKey);
        }
        let (key, arg) = map.iter().next().expect("one entry");
        let argument = |matcher, takes| MatcherError::Argument { matcher, takes };
        let want_true = |name| match arg {
            Value::Bool(true) => Ok(()),
            _ => Err(argument(name, "`true`")),
        };
        let list = |name| match arg {
            Value::Array(items) => items
                .iter()
                .map(|i| ValueTemplate::parse(i).map_err(MatcherError::from))
                .collect(),
            _ => Err(argument(name, "a list")),
        };
        let value = || ValueTemplate::parse(arg);
        Ok(match key.as_str() {
            "equals" => Self::Equals(value()?),
            "not_equals" => Self::NotEquals(value()?),
            "regex" => match arg {
                Value::String(s) => {
                    let template = Template::parse(s)?;
                    // Variables are spliced in escaped, so the syntax is checked with a stand-in.
                    compiled(&template.render(&template::Placeholder, Splice::Regex)?)?;
                    Self::Regex(template)
                }
                _ => return Err(argument("regex", "a string")),
            },
            "type" => match arg.as_str().and_then(JsonType::parse) {
                Some(t) => Self::Type(t),
                None => {
                    return Err(argument(
                        "type",
                        "one of string, number, integer, boolean, null, array, object",
                    ))
                }
            },
            "absent" => {
                want_true("absent")?;
                Self::Absent
            }
            "present" => {
                want_true("present")?;
                Self::Present
            }
            "one_of" => Self::OneOf(list("one_of")?),
            "set" => Self::Set(list("set")?),
            "contains" => Self::Contains(value()?),
            "not_contains" => Self::NotContains(value()?),
            "length" => match arg.as_u64() {
                Some(n) => Self::Length(n as usize),
                None => return Err(argument("length", "a non-negative integer")),
            },
            other => return Err(MatcherError::Unknown(other.to_string())),
        })
    }

    /// Every variable the matcher refers to.
    pub fn variables(&self, out: &mut Vec<String>) {
        match self {
            Self::Equals(v) | Self::NotEquals(v) | Self::Contains(v) | Self::NotContains(v) => {
                v.variables(out)
            }
            Self::OneOf(vs) | Self::Set(vs) => vs.iter().for_each(|v| v.variables(out)),
            Self::Regex(t) => out.extend(t.variables().map(str::to_string)),
            Self::Type(_) | Self::Absent | Self::Present | Self::Length(_) => {}
        }
    }

    pub fn render(&self, scope: &dyn Lookup) -> Result<Matcher, MatcherError> {
        let values = |vs: &[ValueTemplate]| {
            vs.iter()
                .map(|v| v.render(scope))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(match self {
            Self::Equals(v) => Matcher::Equals(v.render(scope)?),
            Self::NotEquals(v) => Matcher::NotEquals(v.render(scope)?),
            Self::Regex(t) => {
                let pattern = t.render(scope, Splice::Regex)?;
                // A fixed pattern is one of the catalogue's few; one with a case's values
                // in it is its own, and not kept.
                Matcher::Regex(if t.variables().next().is_none() {
                    compiled(&pattern)?
                } else {
                    Arc::new(Regex::new(&pattern)?)
                })
            }
            Self::Type(t) => Matcher::Type(*t),
            Self::Absent => Matcher::Absent,
            Self::Present => Matcher::Present,
            Self::OneOf(vs) => Matcher::OneOf(values(vs)?),
            Self::Set(vs) => Matcher::Set(values(vs)?),
            Self::Contains(v) => Matcher::Contains(v.render(scope)?),
            Self::NotContains(v) => Matcher::NotContains(v.render(scope)?),
            Self::Length(n) => Matcher::Length(*n),
        })
    }
}

/// Each fixed pattern compiled once for the process: 10,000 cases checking the same
/// request-id header share one regex (about 5 KB each) instead of compiling their own
/// (docs/performance.md, measurement 3). Bounded by the catalogue's distinct patterns.
fn compiled(pattern: &str) -> Result<Arc<Regex>, regex::Error> {
    static CACHE: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, Arc<Regex>>>,
    > = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = map.get(pattern) {
        return Ok(Arc::clone(r));
    }
    let r = Arc::new(Regex::new(pattern)?);
    map.insert(pattern.to_string(), Arc::clone(&r));
    Ok(r)
}

/// A matcher compiled at load: ready when it refers to no variable (its regex compiled
/// once for the whole run), otherwise rendered with each case's variables.
#[derive(Debug, Clone)]
pub enum Check {
    Ready(Matcher),
    PerCase(MatcherSpec),
}

impl Check {
    pub fn compile(spec: MatcherSpec) -> Result<Self, MatcherError> {
        let mut vars = Vec::new();
        spec.variables(&mut vars);
        Ok(if vars.is_empty() {
            Self::Ready(spec.render(&template::Placeholder)?)
        } else {
            Self::PerCase(spec)
        })
    }

    pub fn parse(v: &Value) -> Result<Self, MatcherError> {
        Self::compile(MatcherSpec::parse(v)?)
    }

    pub fn matcher(
        &self,
        scope: &dyn Lookup,
    ) -> Result<std::borrow::Cow<'_, Matcher>, MatcherError> {
        match self {
            Self::Ready(m) => Ok(std::borrow::Cow::Borrowed(m)),
            Self::PerCase(spec) => spec.render(scope).map(std::borrow::Cow::Owned),
        }
    }
}

/// How an observed value differs from what a matcher expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, observed {observed}")]
pub struct Mismatch {
    pub expected: String,
    pub observed: String,
}

/// A matcher ready to run.
#[derive(Debug, Clone)]
pub enum Matcher {
    Equals(Value),
    NotEquals(Value),
    Regex(Arc<Regex>),
    Type(JsonType),
    Absent,
    Present,
    OneOf(Vec<Value>),
    Set(Vec<Value>),
    Contains(Value),
    NotContains(Value),
    Length(usize),
}

fn show(v: Option<&Value>) -> String {
    match v {
        None => "absent".into(),
        Some(v) => {
            let s = v.to_string();
            if s.len() > 200 {
                format!("{}… ({} bytes)", &s[..s.floor_char_boundary(200)], s.len())
            } else {
                s
            }
        }
    }
}

/// Numbers compare by value, so `5` equals `5.0`.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn as_multiset(v: &[Value]) -> Vec<String> {
    let mut keys: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    keys.sort();
    keys
}

impl Matcher {
    /// `Ok(())` when the observed value matches; otherwise "expected …, observed …".
    pub fn check(&self, observed: Option<&Value>) -> Result<(), Mismatch> {
        let fail = |expected: String| {
            Err(Mismatch {
                expected,
                observed: show(observed),
            })
        };
        match (self, observed) {
            (Self::Absent, None) => Ok(()),
            (Self::Absent, Some(_)) => fail("absent".into()),
            (Self::Present, Some(_)) => Ok(()),
            (_, None) => fail(self.describe()),
            (Self::Equals(want), Some(got)) if same(want, got) => Ok(()),
            (Self::NotEquals(want), Some(got)) if !same(want, got) => Ok(()),
            (Self::Regex(re), Some(Value::String(s))) if re.is_match(s) => Ok(()),
            (Self::Type(t), Some(got)) if t.accepts(got) => Ok(()),
            (Self::OneOf(options), Some(got)) if options.iter().any(|o| same(o, got)) => Ok(()),
            (Self::Set(want), Some(Value::Array(got))) if as_multiset(want) == as_multiset(got) => {
                Ok(())
            }
            (Self::Contains(want), Some(Value::Array(got)))
                if got.iter().any(|g| same(g, want)) =>
            {
                Ok(())
            }
            (Self::Contains(Value::String(want)), Some(Value::String(got)))
                if got.contains(want.as_str()) =>
            {
                Ok(())
            }
            (Self::NotContains(want), Some(Value::Array(got)))
                if !got.iter().any(|g| same(g, want)) =>
            {
                Ok(())
            }
            (Self::NotContains(Value::String(want)), Some(Value::String(got)))
                if !got.contains(want.as_str()) =>
            {
                Ok(())
            }
            (Self::Length(n), Some(Value::Array(got))) if got.len() == *n => Ok(()),
            (Self::Length(n), Some(Value::String(got))) if got.chars().count() == *n => Ok(()),
            (Self::Length(n), Some(Value::Object(got))) if got.len() == *n => Ok(()),
            _ => fail(self.describe()),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Equals(v) => show(Some(v)),
            Self::NotEquals(v) => format!("anything but {}", show(Some(v))),
            Self::Regex(re) => format!("a string matching /{re}/"),
            Self::Type(t) => format!("a value of type {t}"),
            Self::Absent => "absent".into(),
            Self::Present => "present".into(),
            Self::OneOf(vs) => format!("one of {}", show(Some(&Value::Array(vs.clone())))),
            Self::Set(vs) => format!(
                "an array with exactly these elements in any order: {}",
                show(Some(&Value::Array(vs.clone())))
            ),
            Self::Contains(v) => format!("something containing {}", show(Some(v))),
            Self::NotContains(v) => format!("something not containing {}", show(Some(v))),
            Self::Length(n) => format!("length {n}"),
        }
    }
}

#[cfg(test)]
mod tests {

    /// Regression (docs/performance.md, measurement 3): every case compiled its own copy of
    /// the same fixed regex, 295 MB to load 10,000 cases.
    #[test]
    fn cases_with_the_same_fixed_regex_share_one_compiled_copy() {
        let spec = serde_json::json!({"regex": "^req-[0-9a-f-]{36}$"});
        let (Check::Ready(Matcher::Regex(a)), Check::Ready(Matcher::Regex(b))) =
            (Check::parse(&spec).unwrap(), Check::parse(&spec).unwrap())
        else {
            panic!("a fixed regex is ready at load");
        };
        assert!(Arc::ptr_eq(&a, &b));
        let other = serde_json::json!({"regex": "^other$"});
        let Check::Ready(Matcher::Regex(c)) = Check::parse(&other).unwrap() else {
            panic!("ready");
        };
        assert!(!Arc::ptr_eq(&a, &c));
    }

    use super::*;
    use crate::template::Scope;
    use serde_json::json;

    fn m(v: Value) -> Matcher {
        MatcherSpec::parse(&v)
            .unwrap()
            .render(&Scope::new())
            .unwrap()
    }

    #[test]
    fn plain_value_is_equality() {
        assert!(m(json!("a")).check(Some(&json!("a"))).is_ok());
        let err = m(json!("a")).check(Some(&json!("b"))).unwrap_err();
        assert_eq!(err.to_string(), r#"expected "a", observed "b""#);
        assert_eq!(
            m(json!(5)).check(None).unwrap_err().to_string(),
            "expected 5, observed absent"
        );
    }

    #[test]
    fn each_matcher_can_fail() {
        let cases = [
            (json!({"regex": "^req-"}), json!("req-1"), json!("x")),
            (json!({"type": "string"}), json!("s"), json!(1)),
            (json!({"type": "integer"}), json!(1), json!(1.5)),
            (json!({"one_of": [1, 2]}), json!(2), json!(3)),
            (json!({"set": ["a", "b"]}), json!(["b", "a"]), json!(["a"])),
            (json!({"contains": "a"}), json!(["a", "b"]), json!(["b"])),
            (json!({"not_contains": "a"}), json!(["b"]), json!(["a"])),
            (json!({"length": 2}), json!([1, 2]), json!([1])),
            (json!({"not_equals": ""}), json!("x"), json!("")),
            (
                json!({"equals": {"a": 1}}),
                json!({"a": 1}),
                json!({"a": 2}),
            ),
        ];
        for (spec, good, bad) in cases {
            let matcher = m(spec.clone());
            assert!(
                matcher.check(Some(&good)).is_ok(),
                "{spec} should accept {good}"
            );
            assert!(
                matcher.check(Some(&bad)).is_err(),
                "{spec} should reject {bad}"
            );
        }
        assert!(m(json!({"absent": true})).check(None).is_ok());
        assert!(m(json!({"absent": true}))
            .check(Some(&json!(null)))
            .is_err());
        assert!(m(json!({"present": true})).check(None).is_err());
    }

    #[test]
    fn bad_specs_are_rejected_with_reasons() {
        for (spec, msg) in [
            (json!({"regx": "a"}), "unknown matcher `regx`"),
            (json!({"regex": "("}), "invalid regex"),
            (json!({"type": "str"}), "`type` takes one of"),
            (json!({"absent": false}), "`absent` takes `true`"),
            (json!({"a": 1, "b": 2}), "exactly one key"),
            (json!({"length": -1}), "non-negative"),
        ] {
            let err = MatcherSpec::parse(&spec).unwrap_err().to_string();
            assert!(err.contains(msg), "{spec}: {err}");
        }
    }

    #[test]
    fn a_matcher_without_variables_is_compiled_once_at_load() {
        let check = Check::parse(&json!({"regex": "^req-"})).unwrap();
        let Check::Ready(Matcher::Regex(re)) = &check else {
            panic!("{check:?}")
        };
        let again = check.matcher(&Scope::new()).unwrap();
        let Matcher::Regex(same) = again.as_ref() else {
            panic!()
        };
        assert!(Arc::ptr_eq(re, same));
        let per_case = Check::parse(&json!({"regex": "^${r.id}$"})).unwrap();
        assert!(matches!(per_case, Check::PerCase(_)));
    }

    #[test]
    fn regex_with_variables_matches_them_literally() {
        let mut s = Scope::new();
        s.set("r.id", json!("a.b"));
        let matcher = MatcherSpec::parse(&json!({"regex": "^Router ${r.id}$"}))
            .unwrap()
            .render(&s)
            .unwrap();
        assert!(matcher.check(Some(&json!("Router a.b"))).is_ok());
        assert!(matcher.check(Some(&json!("Router axb"))).is_err());
    }
}
