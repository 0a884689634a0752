//! Judging a body against a stored schema.
//!
//! Both modes validate with `unevaluatedProperties: false` added to every object
//! schema that lists properties, so extra fields are always found; contract mode
//! reports them as notes, strict mode fails on them. A value outside a `pattern` is
//! the other thing only strict mode fails: the pattern records what one service
//! sends (Keystone's 32-hex owner ids), while the API only promises a non-empty
//! string (`fake_project_id` from a Neutron without Keystone, an id an admin typed).
use std::fmt;
use std::str::FromStr;

use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Required fields present with the right types; extra fields are reported, not failed.
    Contract,
    /// The shape must match exactly.
    Strict,
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "contract" => Ok(Self::Contract),
            "strict" => Ok(Self::Strict),
            other => Err(format!(
                "unknown schema mode {other:?}: expected contract or strict"
            )),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Contract => "contract",
            Self::Strict => "strict",
        })
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Each names the field path, what was expected and what was observed.
    pub errors: Vec<String>,
    /// Fields the schema does not list (failures in strict mode, notes in contract mode).
    pub extras: Vec<String>,
    /// Strings outside the schema's `pattern` (failures in strict mode, notes in contract mode).
    pub off_pattern: Vec<String>,
}

/// Adds `unevaluatedProperties: false` where a schema lists properties. Combinator
/// branches are left alone: there the parent's properties are not "evaluated".
fn close_objects(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if map.contains_key("properties") && !map.contains_key("unevaluatedProperties") {
        map.insert("unevaluatedProperties".into(), Value::Bool(false));
    }
    if let Some(Value::Object(props)) = map.get_mut("properties") {
        props.values_mut().for_each(close_objects);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = map.get_mut(key) {
            close_objects(child);
        }
    }
    for key in ["$defs", "definitions"] {
        if let Some(Value::Object(defs)) = map.get_mut(key) {
            defs.values_mut().for_each(close_objects);
        }
    }
    // Alternatives of a whole value (a field that is a string or null) are closed too.
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(options)) = map.get_mut(key) {
            for option in options {
                if option.get("type").is_some() {
                    close_objects(option);
                }
            }
        }
    }
}

fn shown(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 120 {
        format!("{}…", &s[..s.floor_char_boundary(120)])
    } else {
        s
    }
}

fn at(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

/// A stored schema that is not a valid JSON Schema; every use of it reports this.
#[derive(Debug, Clone, thiserror::Error)]
#[error("the stored schema is not a valid JSON Schema: {0}")]
pub struct InvalidSchema(String);

/// A stored schema, compiled once: every response that names it reuses the validator.
pub struct Schema {
    pub value: Value,
    /// `Err` when the stored schema is not a valid JSON Schema; each use reports it.
    validator: Result<jsonschema::Validator, InvalidSchema>,
}

impl Schema {
    pub fn new(value: Value) -> Self {
        let mut closed = value.clone();
        close_objects(&mut closed);
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&closed)
            .map_err(|e| InvalidSchema(e.to_string()));
        Self { value, validator }
    }

    /// Validates `body`. An invalid schema is an error of its own.
    pub fn check(&self, body: &Value, mode: Mode) -> Result<Verdict, InvalidSchema> {
        let validator = self.validator.as_ref().map_err(Clone::clone)?;
        Ok(verdict(validator, body, mode))
    }
}

/// Validates `body` against `schema`, compiling it for this one use.
pub fn validate(schema: &Value, body: &Value, mode: Mode) -> Result<Verdict, InvalidSchema> {
    Schema::new(schema.clone()).check(body, mode)
}

fn verdict(validator: &jsonschema::Validator, body: &Value, mode: Mode) -> Verdict {
    let mut verdict = Verdict::default();
    // Most bodies conform; `is_valid` stops at the first error and builds no reports,
    // where `iter_errors` allocates its way through every keyword.
    if validator.is_valid(body) {
        return verdict;
    }
    for error in validator.iter_errors(body) {
        let path = at(error.instance_path().as_str()).to_string();
        let observed = shown(error.instance());
        match error.kind() {
            ValidationErrorKind::UnevaluatedProperties { unexpected }
            | ValidationErrorKind::AdditionalProperties { unexpected } => {
                for field in unexpected {
                    let value = error
                        .instance()
                        .get(field)
                        .map(shown)
                        .unwrap_or_default();
                    let sep = if path == "/" { "" } else { "/" };
                    let msg = format!(
                        "{path}{sep}{field}: not in the schema, observed {value}"
                    );
                    match mode {
                        Mode::Strict => verdict.errors.push(msg),
                        Mode::Contract => verdict.extras.push(msg),
                    }
                }
            }
            ValidationErrorKind::Required { property } => {
                let sep = if path == "/" { "" } else { "/" };
                let name = property.as_str().map(String::from).unwrap_or(property.to_string());
                verdict
                    .errors
                    .push(format!("{path}{sep}{name}: required field is missing"));
            }
            ValidationErrorKind::Type { kind } => verdict.errors.push(format!(
                "{path}: expected type {}, observed {observed}",
                type_names(kind)
            )),
            ValidationErrorKind::Format { format } => verdict.errors.push(format!(
                "{path}: expected format {format}, observed {observed}"
            )),
            ValidationErrorKind::Pattern { pattern } => {
                let msg = format!("{path}: expected a string matching {pattern}, observed {observed}");
                match mode {
                    Mode::Strict => verdict.errors.push(msg),
                    Mode::Contract => verdict.off_pattern.push(msg),
                }
            }
            ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
                verdict.errors.push(format!(
                    "{path}: matches none of the schema's alternatives ({}), observed {observed}",
                    error.schema_path().as_str()
                ))
            }
            ValidationErrorKind::OneOfMultipleValid { .. } => verdict.errors.push(format!(
                "{path}: matches more than one of the schema's exclusive alternatives ({}), observed {observed}",
                error.schema_path().as_str()
            )),
            _ => verdict.errors.push(format!("{path}: {error}")),
        }
    }
    verdict.errors.sort();
    verdict.errors.dedup();
    verdict
}

fn type_names(kind: &jsonschema::error::TypeKind) -> String {
    match kind {
        jsonschema::error::TypeKind::Single(t) => t.to_string(),
        jsonschema::error::TypeKind::Multiple(ts) => {
            let names: Vec<String> = ts.iter().map(|t| t.to_string()).collect();
            names.join(" or ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::infer;
    use serde_json::json;

    fn interface_schema() -> Value {
        // Neutron's owner key differs by release: exactly one of the two.
        json!({
            "type": "object",
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                "subnet_ids": {"type": "array", "items": {"type": "string", "format": "uuid"}},
                "project_id": {"type": "string"},
                "tenant_id": {"type": "string"},
                "tags": {"type": "array"}
            },
            "required": ["id", "subnet_ids"],
            "oneOf": [{"required": ["project_id"]}, {"required": ["tenant_id"]}]
        })
    }

    const ID: &str = "6cb79c40-e827-43e4-aea3-b3a00ce7f13a";

    #[test]
    fn alternatives_and_optional_fields() {
        let s = interface_schema();
        for body in [
            json!({"id": ID, "subnet_ids": [ID], "project_id": "p"}),
            json!({"id": ID, "subnet_ids": [ID], "tenant_id": "p"}),
            json!({"id": ID, "subnet_ids": [ID], "tenant_id": "p", "tags": []}),
        ] {
            let v = validate(&s, &body, Mode::Strict).unwrap();
            assert!(v.errors.is_empty(), "{body}: {v:?}");
        }
        let both = json!({"id": ID, "subnet_ids": [ID], "tenant_id": "p", "project_id": "p"});
        let v = validate(&s, &both, Mode::Contract).unwrap();
        assert!(v.errors[0].contains("more than one"), "{v:?}");
        let neither = json!({"id": ID, "subnet_ids": [ID]});
        assert!(validate(&s, &neither, Mode::Contract).unwrap().errors[0].contains("none of"));
    }

    #[test]
    fn messages_name_path_expected_and_observed() {
        let s = interface_schema();
        let body = json!({"id": "nope", "subnet_ids": [5], "project_id": "p"});
        let v = validate(&s, &body, Mode::Contract).unwrap();
        assert!(
            v.errors
                .contains(&r#"/id: expected format uuid, observed "nope""#.to_string()),
            "{v:?}"
        );
        assert!(
            v.errors
                .contains(&"/subnet_ids/0: expected type string, observed 5".to_string()),
            "{v:?}"
        );
        let missing = json!({"subnet_ids": [], "project_id": "p"});
        let v = validate(&s, &missing, Mode::Contract).unwrap();
        assert_eq!(v.errors, vec!["/id: required field is missing".to_string()]);
    }

    #[test]
    fn extra_fields_fail_only_in_strict_mode() {
        let s = infer(&json!({"a": {"b": 1}}));
        let body = json!({"a": {"b": 1, "c": true}, "d": "x"});
        let contract = validate(&s, &body, Mode::Contract).unwrap();
        assert!(contract.errors.is_empty());
        assert_eq!(contract.extras.len(), 2, "{contract:?}");
        let strict = validate(&s, &body, Mode::Strict).unwrap();
        assert!(
            strict
                .errors
                .contains(&"/a/c: not in the schema, observed true".to_string()),
            "{strict:?}"
        );
        assert!(
            strict
                .errors
                .contains(&r#"/d: not in the schema, observed "x""#.to_string()),
            "{strict:?}"
        );
    }

    #[test]
    fn an_owner_id_outside_the_pattern_fails_only_in_strict_mode() {
        let s = json!({
            "type": "object",
            "properties": {"project_id": {"type": "string", "minLength": 1, "pattern": "^[0-9a-f]{32}$"}},
            "required": ["project_id"]
        });
        let body = json!({"project_id": "fake_project_id"});
        let contract = validate(&s, &body, Mode::Contract).unwrap();
        assert!(contract.errors.is_empty(), "{contract:?}");
        assert_eq!(
            contract.off_pattern,
            vec![r#"/project_id: expected a string matching ^[0-9a-f]{32}$, observed "fake_project_id""#.to_string()]
        );
        let strict = validate(&s, &body, Mode::Strict).unwrap();
        assert_eq!(strict.errors, contract.off_pattern);
        // An empty owner id is not a string the API promises, in either mode.
        let empty = validate(&s, &json!({"project_id": ""}), Mode::Contract).unwrap();
        assert!(
            empty.errors.iter().any(|e| e.starts_with("/project_id:")),
            "{empty:?}"
        );
    }

    #[test]
    fn a_body_validates_against_its_own_inferred_schema() {
        let body = json!({"interfaceAttachments": [{"port_id": ID, "fixed_ips": [{"ip_address": "10.0.0.3"}]}]});
        let v = validate(&infer(&body), &body, Mode::Strict).unwrap();
        assert_eq!(v, Verdict::default());
    }
}
