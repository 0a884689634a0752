//! Body paths: JSON pointers where a `*` segment stands for every element.
use serde_json::Value;

/// What a path selects in a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Selected {
    Missing,
    One(Value),
    /// A path with `*`: the values found, in document order.
    Many(Vec<Value>),
}

impl Selected {
    /// The value a matcher sees: a wildcard selection is an array.
    pub fn value(&self) -> Option<Value> {
        match self {
            Selected::Missing => None,
            Selected::One(v) => Some(v.clone()),
            Selected::Many(vs) => Some(Value::Array(vs.clone())),
        }
    }
}

/// A body path that is not a JSON pointer.
#[derive(Debug, Clone, thiserror::Error)]
#[error("body path {0:?} must be a JSON pointer starting with `/` (e.g. /port/id)")]
pub struct BadPath(String);

/// Checks that a path is well formed: empty, or starting with `/`.
pub fn validate(path: &str) -> Result<(), BadPath> {
    if path.is_empty() || path.starts_with('/') {
        Ok(())
    } else {
        Err(BadPath(path.to_string()))
    }
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

pub fn select(root: &Value, path: &str) -> Selected {
    if path.is_empty() || path == "/" {
        return Selected::One(root.clone());
    }
    let segments: Vec<String> = path[1..].split('/').map(unescape).collect();
    let wildcard = segments.iter().any(|s| s == "*");
    let mut found = Vec::new();
    walk(root, &segments, &mut found);
    match (wildcard, found.len()) {
        (true, _) => Selected::Many(found),
        (false, 0) => Selected::Missing,
        (false, _) => Selected::One(found.swap_remove(0)),
    }
}

fn walk(v: &Value, segments: &[String], out: &mut Vec<Value>) {
    let Some((head, rest)) = segments.split_first() else {
        out.push(v.clone());
        return;
    };
    match (head.as_str(), v) {
        ("*", Value::Array(items)) => items.iter().for_each(|i| walk(i, rest, out)),
        ("*", Value::Object(map)) => map.values().for_each(|i| walk(i, rest, out)),
        (key, Value::Object(map)) => {
            if let Some(child) = map.get(key) {
                walk(child, rest, out);
            }
        }
        (index, Value::Array(items)) => {
            if let Some(child) = index.parse::<usize>().ok().and_then(|i| items.get(i)) {
                walk(child, rest, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_and_wildcards() {
        let doc = json!({"a": {"b": [{"id": 1}, {"id": 2}, {"x": 3}]}, "s/t": true});
        assert_eq!(select(&doc, "/a/b/1/id"), Selected::One(json!(2)));
        assert_eq!(
            select(&doc, "/a/b/*/id"),
            Selected::Many(vec![json!(1), json!(2)])
        );
        assert_eq!(select(&doc, "/a/c"), Selected::Missing);
        assert_eq!(select(&doc, "/s~1t"), Selected::One(json!(true)));
        assert_eq!(select(&doc, ""), Selected::One(doc.clone()));
        assert!(validate("a/b").is_err());
    }
}
