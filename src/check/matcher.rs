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

use super::regex_cache;

use crate::template::{self, Lookup, Splice, TemplateError};

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

/// A matcher as written, before variables are rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum MatcherSpec {
    Equals(Value),
    NotEquals(Value),
    Regex(String),
    Type(JsonType),
    Absent,
    Present,
    OneOf(Vec<Value>),
    Set(Vec<Value>),
    Contains(Value),
    NotContains(Value),
    Length(usize),
}

impl MatcherSpec {
    /// Reads a matcher from its case-file form; the error says what was expected.
    pub fn parse(v: &Value) -> Result<Self, String> {
        let Value::Object(map) = v else {
            return Ok(Self::Equals(v.clone()));
        };
        // Joined only for a message: parsing runs for every check of every case.
        let keys = || MATCHER_KEYS.join(", ");
        if map.len() != 1 {
            return Err(format!(
                "a matcher map must have exactly one key, one of: {} (write {{equals: {{...}}}} to compare with a map)",
                keys()
            ));
        }
        let (key, arg) = map.iter().next().expect("one entry");
        let want_true = |name: &str| match arg {
            Value::Bool(true) => Ok(()),
            _ => Err(format!("`{name}` takes `true`")),
        };
        let list = |name: &str| match arg {
            Value::Array(items) => Ok(items.clone()),
            _ => Err(format!("`{name}` takes a list")),
        };
        Ok(match key.as_str() {
            "equals" => Self::Equals(arg.clone()),
            "not_equals" => Self::NotEquals(arg.clone()),
            "regex" => match arg {
                Value::String(s) => {
                    // Variables are rendered at run time; check the syntax with a stand-in.
                    let probe = template::render_str(s, &template::Placeholder, Splice::Regex)
                        .map_err(|e| e.to_string())?;
                    regex_cache::compile(&probe).map_err(|e| format!("invalid regex: {e}"))?;
                    Self::Regex(s.clone())
                }
                _ => return Err("`regex` takes a string".into()),
            },
            "type" => {
                match arg.as_str().and_then(JsonType::parse) {
                    Some(t) => Self::Type(t),
                    None => return Err(
                        "`type` takes one of string, number, integer, boolean, null, array, object"
                            .into(),
                    ),
                }
            }
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
            "contains" => Self::Contains(arg.clone()),
            "not_contains" => Self::NotContains(arg.clone()),
            "length" => match arg.as_u64() {
                Some(n) => Self::Length(n as usize),
                None => return Err("`length` takes a non-negative integer".into()),
            },
            other => {
                return Err(format!(
                    "unknown matcher `{other}`; expected one of: {}",
                    keys()
                ))
            }
        })
    }

    /// Every variable the matcher refers to.
    pub fn references(&self, out: &mut Vec<String>) -> Result<(), TemplateError> {
        match self {
            Self::Equals(v) | Self::NotEquals(v) | Self::Contains(v) | Self::NotContains(v) => {
                template::value_references(v, out)
            }
            Self::OneOf(vs) | Self::Set(vs) => {
                template::value_references(&Value::Array(vs.clone()), out)
            }
            Self::Regex(s) => {
                out.extend(template::references(s)?);
                Ok(())
            }
            Self::Type(_) | Self::Absent | Self::Present | Self::Length(_) => Ok(()),
        }
    }

    pub fn render(&self, scope: &dyn Lookup) -> Result<Matcher, String> {
        let value = |v: &Value| template::render_value(v, scope).map_err(|e| e.to_string());
        let values = |vs: &[Value]| vs.iter().map(value).collect::<Result<Vec<_>, _>>();
        Ok(match self {
            Self::Equals(v) => Matcher::Equals(value(v)?),
            Self::NotEquals(v) => Matcher::NotEquals(value(v)?),
            Self::Regex(s) => {
                let rendered =
                    template::render_str(s, scope, Splice::Regex).map_err(|e| e.to_string())?;
                Matcher::Regex(
                    regex_cache::compile(&rendered).map_err(|e| format!("invalid regex: {e}"))?,
                )
            }
            Self::Type(t) => Matcher::Type(*t),
            Self::Absent => Matcher::Absent,
            Self::Present => Matcher::Present,
            Self::OneOf(vs) => Matcher::OneOf(values(vs)?),
            Self::Set(vs) => Matcher::Set(values(vs)?),
            Self::Contains(v) => Matcher::Contains(value(v)?),
            Self::NotContains(v) => Matcher::NotContains(value(v)?),
            Self::Length(n) => Matcher::Length(*n),
        })
    }
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
    pub fn check(&self, observed: Option<&Value>) -> Result<(), String> {
        let fail =
            |expected: String| Err(format!("expected {expected}, observed {}", show(observed)));
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
        assert_eq!(err, r#"expected "a", observed "b""#);
        assert_eq!(
            m(json!(5)).check(None).unwrap_err(),
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
            let err = MatcherSpec::parse(&spec).unwrap_err();
            assert!(err.contains(msg), "{spec}: {err}");
        }
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
