//! A first schema from an observed body: types, formats, every field required.
//! People then relax it (optional fields, alternatives) by editing the snapshot.
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Map, Value};

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$").expect("regex")
});
static HEX32: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[0-9a-f]{32}$").expect("regex"));
static REQUEST_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        .expect("regex")
});
static MAC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$").expect("regex"));
// `[0-9]`, not `\d`: Rust's `\d` is Unicode, so "٢٠٢٤-…" would match here and then
// fail the written pattern, whose `\d` the validator reads as ASCII (ECMA-262).
static DATE_TIME_TZ: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$")
        .expect("regex")
});
// Nova writes timestamps without a zone, which JSON Schema's date-time rejects.
static DATE_TIME_NAIVE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?$")
        .expect("regex")
});
/// The validator's own date-time check: the shape alone lets through month 99 or
/// second 60, which the recorded schema would then reject on the next run.
static DATE_TIME_FORMAT: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&json!({"type": "string", "format": "date-time"}))
        .expect("a static schema")
});

pub const HEX32_PATTERN: &str = r"^[0-9a-f]{32}$";
pub const REQUEST_ID_PATTERN: &str =
    r"^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
pub const MAC_PATTERN: &str = r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$";
pub const NAIVE_DATE_TIME_PATTERN: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$";

fn string_schema(s: &str) -> Value {
    if UUID.is_match(s) {
        json!({"type": "string", "format": "uuid"})
    } else if HEX32.is_match(s) {
        json!({"type": "string", "pattern": HEX32_PATTERN})
    } else if REQUEST_ID.is_match(s) {
        json!({"type": "string", "pattern": REQUEST_ID_PATTERN})
    } else if MAC.is_match(s) {
        json!({"type": "string", "pattern": MAC_PATTERN})
    } else if DATE_TIME_TZ.is_match(s) && DATE_TIME_FORMAT.is_valid(&json!(s)) {
        json!({"type": "string", "format": "date-time"})
    } else if DATE_TIME_NAIVE.is_match(s) {
        json!({"type": "string", "pattern": NAIVE_DATE_TIME_PATTERN})
    } else if s.parse::<Ipv4Addr>().is_ok() {
        json!({"type": "string", "format": "ipv4"})
    } else if s.contains(':') && s.parse::<Ipv6Addr>().is_ok() {
        json!({"type": "string", "format": "ipv6"})
    } else {
        json!({"type": "string"})
    }
}

/// Infers a JSON Schema (2020-12) from one observed value.
pub fn infer(v: &Value) -> Value {
    match v {
        Value::Null => json!({"type": "null"}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": "integer"}),
        Value::Number(_) => json!({"type": "number"}),
        Value::String(s) => string_schema(s),
        Value::Array(items) => {
            let mut schema = json!({"type": "array"});
            if let Some(merged) = items.iter().map(infer).reduce(merge) {
                schema["items"] = merged;
            }
            schema
        }
        Value::Object(map) => {
            let properties: Map<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), infer(v))).collect();
            let mut required: Vec<&String> = map.keys().collect();
            required.sort();
            json!({"type": "object", "properties": properties, "required": required})
        }
    }
}

/// Combines the schemas of two array elements: shared object fields stay required,
/// the others become optional; different types become alternatives.
fn merge(a: Value, b: Value) -> Value {
    if a == b {
        return a;
    }
    let (Some(pa), Some(pb)) = (a.get("properties"), b.get("properties")) else {
        let mut options: Vec<Value> = Vec::new();
        for s in [a, b] {
            match s.get("anyOf").and_then(Value::as_array) {
                Some(inner) => options.extend(inner.iter().cloned()),
                None => options.push(s),
            }
        }
        options.dedup();
        return json!({"anyOf": options});
    };
    let mut properties = pa.as_object().cloned().unwrap_or_default();
    for (k, vb) in pb.as_object().into_iter().flatten() {
        let merged = match properties.remove(k) {
            Some(va) => merge(va, vb.clone()),
            None => vb.clone(),
        };
        properties.insert(k.clone(), merged);
    }
    let names = |s: &Value| -> Vec<String> {
        s.get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let rb = names(&b);
    let required: Vec<String> = names(&a).into_iter().filter(|k| rb.contains(k)).collect();
    json!({"type": "object", "properties": properties, "required": required})
}

/// A proposal for a stored schema that a body no longer satisfies: what people wrote
/// (optional fields, alternatives, formats) stays; new fields are added as optional,
/// fields that disappeared stop being required, and a changed type is replaced.
pub fn widen(stored: &Value, observed: &Value) -> Value {
    let (Some(sp), Some(op)) = (
        stored.get("properties").and_then(Value::as_object),
        observed.get("properties").and_then(Value::as_object),
    ) else {
        return match (stored.get("type"), observed.get("type")) {
            (Some(a), Some(b)) if a != b => observed.clone(),
            _ => match (stored.get("items"), observed.get("items")) {
                (Some(si), Some(oi)) => {
                    let mut out = stored.clone();
                    out["items"] = widen(si, oi);
                    out
                }
                _ => stored.clone(),
            },
        };
    };
    let mut out = stored.clone();
    let mut properties = sp.clone();
    for (k, o) in op {
        let merged = match sp.get(k) {
            Some(s) => widen(s, o),
            None => o.clone(),
        };
        properties.insert(k.clone(), merged);
    }
    out["properties"] = Value::Object(properties);
    if let Some(Value::Array(required)) = out.get_mut("required") {
        required.retain(|k| k.as_str().is_some_and(|k| op.contains_key(k)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised() {
        let body = json!({
            "id": "6cb79c40-e827-43e4-aea3-b3a00ce7f13a",
            "project_id": "11111111111111111111111111111111",
            "mac": "fa:16:3e:4c:2c:30",
            "ip": "10.0.0.1", "ip6": "fd00::1",
            "at": "2026-01-01T00:00:00Z", "nova_at": "2018-04-25T01:26:29.565338",
            "n": 1, "f": 1.5, "b": true, "z": null, "s": "text"
        });
        let s = infer(&body);
        assert_eq!(s["properties"]["id"]["format"], "uuid");
        assert_eq!(s["properties"]["project_id"]["pattern"], HEX32_PATTERN);
        assert_eq!(s["properties"]["mac"]["pattern"], MAC_PATTERN);
        assert_eq!(s["properties"]["ip"]["format"], "ipv4");
        assert_eq!(s["properties"]["ip6"]["format"], "ipv6");
        assert_eq!(s["properties"]["at"]["format"], "date-time");
        assert_eq!(
            s["properties"]["nova_at"]["pattern"],
            NAIVE_DATE_TIME_PATTERN
        );
        assert_eq!(s["properties"]["n"]["type"], "integer");
        assert_eq!(s["properties"]["f"]["type"], "number");
        assert_eq!(s["properties"]["z"]["type"], "null");
        assert_eq!(s["required"].as_array().unwrap().len(), 12);
    }

    /// Bug (found by fuzz/ `schema`): a string shaped like a date-time but impossible
    /// (month 99, a leap second) or written with non-ASCII digits was recorded with a
    /// format or pattern the very same body then failed.
    #[test]
    fn inferred_date_times_accept_the_body_they_came_from() {
        use crate::schema::{validate, Mode};
        for s in [
            "2024-99-99T99:99:99Z",
            "2024-01-01T00:00:60Z",
            "\u{662}\u{660}\u{662}\u{664}-01-01T00:00:00",
            "\u{662}\u{660}\u{662}\u{664}-01-01T00:00:00Z",
        ] {
            let body = json!({ "at": s });
            let schema = infer(&body);
            assert_eq!(schema["properties"]["at"], json!({"type": "string"}), "{s}");
            let v = validate(&schema, &body, Mode::Strict).unwrap();
            assert!(v.errors.is_empty(), "{s}: {v:?}");
        }
        let real = infer(&json!("2026-01-01T00:00:00.5+02:00"));
        assert_eq!(real["format"], "date-time");
    }

    #[test]
    fn widening_keeps_hand_edits() {
        let stored = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
            "required": ["a", "b"], "oneOf": [{"required": ["a"]}]});
        let observed = infer(&json!({"a": 1, "c": true}));
        let w = widen(&stored, &observed);
        assert_eq!(w["properties"]["a"]["type"], "integer");
        assert_eq!(w["properties"]["c"]["type"], "boolean");
        assert_eq!(w["required"], json!(["a"]));
        assert_eq!(w["oneOf"], stored["oneOf"]);
    }

    #[test]
    fn array_elements_merge_into_optional_fields() {
        let s = infer(&json!([{"a": 1, "b": "x"}, {"a": 2}]));
        assert_eq!(s["items"]["required"], json!(["a"]));
        assert_eq!(s["items"]["properties"]["b"]["type"], "string");
        let mixed = infer(&json!([1, "x"]));
        assert_eq!(mixed["items"]["anyOf"].as_array().unwrap().len(), 2);
    }
}
