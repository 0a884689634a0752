//! `${...}` interpolation of captured values, identity attributes and target facts.
//!
//! A string that is exactly one `${x}` takes the variable's JSON value (so numbers
//! and nulls keep their type); anywhere else the value is spliced in as text.
//! `$${` stands for a literal `${`.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unclosed `${{` in {0:?}")]
    Unclosed(String),
    #[error("empty `${{}}` in {0:?}")]
    Empty(String),
    #[error("unknown variable `${{{0}}}`")]
    Unknown(String),
}

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    Text(std::borrow::Cow<'a, str>),
    Var(&'a str),
}

fn parse(s: &str) -> Result<Vec<Part<'_>>, TemplateError> {
    let mut parts = Vec::new();
    let mut rest = s;
    let mut text = String::new();
    while let Some(pos) = rest.find("${") {
        if rest[..pos].ends_with('$') {
            // `$${` escapes a literal `${`.
            text.push_str(&rest[..pos - 1]);
            text.push_str("${");
            rest = &rest[pos + 2..];
            continue;
        }
        text.push_str(&rest[..pos]);
        let after = &rest[pos + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| TemplateError::Unclosed(s.to_string()))?;
        let name = after[..end].trim();
        if name.is_empty() {
            return Err(TemplateError::Empty(s.to_string()));
        }
        if !text.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut text).into()));
        }
        parts.push(Part::Var(name));
        rest = &after[end + 1..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(text.into()));
    }
    Ok(parts)
}

/// The variable names a template refers to, for static checks at load time.
pub fn references(s: &str) -> Result<Vec<String>, TemplateError> {
    Ok(parse(s)?
        .into_iter()
        .filter_map(|p| match p {
            Part::Var(v) => Some(v.to_string()),
            Part::Text(_) => None,
        })
        .collect())
}

/// Every variable referenced anywhere inside a JSON value (keys and strings).
pub fn value_references(v: &Value, out: &mut Vec<String>) -> Result<(), TemplateError> {
    match v {
        Value::String(s) => out.extend(references(s)?),
        Value::Array(items) => {
            for item in items {
                value_references(item, out)?;
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                out.extend(references(k)?);
                value_references(item, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Where variables are looked up.
/// `Sync` so a case holding a lookup across an await can run as a task.
pub trait Lookup: Sync {
    fn lookup(&self, name: &str) -> Option<Value>;
}

/// Variables of one case: flat names such as `net.id`, `owner.project_id`, `target.image_id`.
#[derive(Debug, Default)]
pub struct Scope {
    vars: HashMap<String, Value>,
    /// Variables shared by every case of a run (identities, facts, the run's id), looked
    /// up after the case's own: built once, not once per case.
    shared: Option<Arc<Scope>>,
    /// `${uuid.<label>}`: a fresh random UUID per label, stable within the case.
    uuids: Mutex<HashMap<String, String>>,
}

impl Scope {
    pub fn new() -> Self {
        Self::default()
    }

    /// A scope of its own in front of `shared`.
    pub fn over(shared: Arc<Scope>) -> Self {
        Self {
            shared: Some(shared),
            ..Self::default()
        }
    }

    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.vars.insert(name.into(), value);
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.vars
            .get(name)
            .or_else(|| self.shared.as_ref()?.get(name))
    }

    /// The scope's own variables, not the shared ones.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.vars.iter()
    }
}

impl Lookup for Scope {
    fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.get(name) {
            return Some(v.clone());
        }
        let label = name.strip_prefix("uuid.")?;
        let mut uuids = self.uuids.lock().unwrap_or_else(|e| e.into_inner());
        let id = uuids
            .entry(label.to_string())
            .or_insert_with(|| uuid::Uuid::new_v4().to_string());
        Some(Value::String(id.clone()))
    }
}

/// Answers every lookup with a stand-in, to check a template's syntax at load time.
pub struct Placeholder;

impl Lookup for Placeholder {
    fn lookup(&self, _name: &str) -> Option<Value> {
        Some(Value::String("x".into()))
    }
}

/// A fixture's own variables (params, captures, `name`) in front of the case's.
pub struct Layered<'a> {
    pub local: &'a Scope,
    pub parent: &'a dyn Lookup,
}

impl Lookup for Layered<'_> {
    fn lookup(&self, name: &str) -> Option<Value> {
        self.local
            .vars
            .get(name)
            .cloned()
            .or_else(|| self.parent.lookup(name))
    }
}

/// How a spliced value is written into the surrounding text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Splice {
    Plain,
    /// Inside a regular expression: the value is matched literally.
    Regex,
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Renders a string template to text.
pub fn render_str(s: &str, scope: &dyn Lookup, splice: Splice) -> Result<String, TemplateError> {
    // Most strings of a case are plain text; they need no parse.
    if !s.contains('$') {
        return Ok(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    for part in parse(s)? {
        match part {
            Part::Text(t) => out.push_str(&t),
            Part::Var(name) => {
                let v = scope
                    .lookup(name)
                    .ok_or_else(|| TemplateError::Unknown(name.to_string()))?;
                let text = as_text(&v);
                match splice {
                    Splice::Plain => out.push_str(&text),
                    Splice::Regex => out.push_str(&regex::escape(&text)),
                }
            }
        }
    }
    Ok(out)
}

/// Renders every string in a JSON value; an exact `${x}` keeps the variable's type.
pub fn render_value(v: &Value, scope: &dyn Lookup) -> Result<Value, TemplateError> {
    Ok(match v {
        Value::String(s) if !s.contains('$') => Value::String(s.clone()),
        Value::String(s) => {
            let parts = parse(s)?;
            if let [Part::Var(name)] = parts.as_slice() {
                scope
                    .lookup(name)
                    .ok_or_else(|| TemplateError::Unknown(name.to_string()))?
            } else {
                Value::String(render_str(s, scope, Splice::Plain)?)
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| render_value(i, scope))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (k, item) in map {
                out.insert(
                    render_str(k, scope, Splice::Plain)?,
                    render_value(item, scope)?,
                );
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Scope {
        let mut s = Scope::new();
        s.set("net.id", json!("abc"));
        s.set("n", json!(5));
        s
    }

    #[test]
    fn exact_reference_keeps_type() {
        let s = scope();
        assert_eq!(render_value(&json!("${n}"), &s).unwrap(), json!(5));
        assert_eq!(render_value(&json!("x${n}"), &s).unwrap(), json!("x5"));
        assert_eq!(
            render_value(&json!({"network_id": "${net.id}"}), &s).unwrap(),
            json!({"network_id": "abc"})
        );
    }

    #[test]
    fn escapes_and_errors() {
        let s = scope();
        assert_eq!(render_str("$${x}", &s, Splice::Plain).unwrap(), "${x}");
        assert_eq!(
            render_str("${nope}", &s, Splice::Plain),
            Err(TemplateError::Unknown("nope".into()))
        );
        assert!(matches!(
            references("a ${b"),
            Err(TemplateError::Unclosed(_))
        ));
        assert!(matches!(references("${ }"), Err(TemplateError::Empty(_))));
    }

    #[test]
    fn regex_splice_is_literal() {
        let mut s = Scope::new();
        s.set("v", json!("a.b(c)"));
        assert_eq!(
            render_str("^${v}$", &s, Splice::Regex).unwrap(),
            r"^a\.b\(c\)$"
        );
    }

    #[test]
    fn uuid_labels_are_stable_within_a_scope() {
        let s = Scope::new();
        let a = s.lookup("uuid.a").unwrap();
        assert_eq!(s.lookup("uuid.a").unwrap(), a);
        assert_ne!(s.lookup("uuid.b").unwrap(), a);
    }
}
