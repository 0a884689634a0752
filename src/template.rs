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

/// Knows no variable: the parent of a case's own scope, and what a sweep renders with
/// (ledger removals have their variables filled in already; listings take none).
pub struct NoVariables;

impl Lookup for NoVariables {
    fn lookup(&self, _name: &str) -> Option<Value> {
        None
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
    // The local scope's shared variables count (a case's follow-up checks see
    // `${owner.project_id}`), and a `${uuid.*}` the parent does not know is the local
    // scope's own, so a follow-up check sees the request under test's uuids.
    fn lookup(&self, name: &str) -> Option<Value> {
        self.local
            .get(name)
            .cloned()
            .or_else(|| self.parent.lookup(name))
            .or_else(|| self.local.lookup(name))
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

/// A string with `${...}` references, parsed once when its case file is loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Var(String),
}

impl Template {
    pub fn parse(s: &str) -> Result<Self, TemplateError> {
        let pieces = parse(s)?
            .into_iter()
            .map(|p| match p {
                Part::Text(t) => Piece::Text(t.into_owned()),
                Part::Var(v) => Piece::Var(v.to_string()),
            })
            .collect();
        Ok(Self { pieces })
    }

    /// The variables it refers to, in order.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// The text with every reference replaced by `x`: what kind of path it is, without
    /// a scope (`/v2.1/servers/${id}` is `/v2.1/servers/x`).
    pub fn shape(&self) -> String {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.as_str(),
                Piece::Var(_) => "x",
            })
            .collect()
    }

    /// The variable it consists of, when it is exactly one `${x}`.
    fn sole_variable(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [Piece::Var(v)] => Some(v),
            _ => None,
        }
    }

    pub fn render(&self, scope: &dyn Lookup, splice: Splice) -> Result<String, TemplateError> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(name) => {
                    let v = scope
                        .lookup(name)
                        .ok_or_else(|| TemplateError::Unknown(name.clone()))?;
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
}

/// A JSON value with `${...}` in its strings and keys, parsed once at load. Parts without
/// any reference are kept as they are and cloned, not walked, when rendered.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueTemplate {
    Fixed(Value),
    /// A string that is exactly one `${x}`: it takes the variable's JSON value.
    Var(String),
    Text(Template),
    Array(Vec<ValueTemplate>),
    Object(Vec<(Template, ValueTemplate)>),
}

impl ValueTemplate {
    pub fn parse(v: &Value) -> Result<Self, TemplateError> {
        let mut refs = Vec::new();
        Self::walk(v, &mut refs)
    }

    fn walk(v: &Value, refs: &mut Vec<String>) -> Result<Self, TemplateError> {
        let before = refs.len();
        let compiled = match v {
            Value::String(s) => {
                let t = Template::parse(s)?;
                refs.extend(t.variables().map(str::to_string));
                match t.sole_variable() {
                    Some(name) => Self::Var(name.to_string()),
                    None => Self::Text(t),
                }
            }
            Value::Array(items) => Self::Array(
                items
                    .iter()
                    .map(|i| Self::walk(i, refs))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut fields = Vec::with_capacity(map.len());
                for (k, item) in map {
                    let key = Template::parse(k)?;
                    refs.extend(key.variables().map(str::to_string));
                    fields.push((key, Self::walk(item, refs)?));
                }
                Self::Object(fields)
            }
            other => Self::Fixed(other.clone()),
        };
        Ok(if refs.len() == before {
            Self::Fixed(v.clone())
        } else {
            compiled
        })
    }

    /// Every variable it refers to.
    pub fn variables(&self, out: &mut Vec<String>) {
        match self {
            Self::Fixed(_) => {}
            Self::Var(v) => out.push(v.clone()),
            Self::Text(t) => out.extend(t.variables().map(str::to_string)),
            Self::Array(items) => items.iter().for_each(|i| i.variables(out)),
            Self::Object(fields) => {
                for (k, v) in fields {
                    out.extend(k.variables().map(str::to_string));
                    v.variables(out);
                }
            }
        }
    }

    /// The value, when it refers to no variable.
    pub fn fixed(&self) -> Option<&Value> {
        match self {
            Self::Fixed(v) => Some(v),
            _ => None,
        }
    }

    pub fn render(&self, scope: &dyn Lookup) -> Result<Value, TemplateError> {
        Ok(match self {
            Self::Fixed(v) => v.clone(),
            Self::Var(name) => scope
                .lookup(name)
                .ok_or_else(|| TemplateError::Unknown(name.clone()))?,
            Self::Text(t) => Value::String(t.render(scope, Splice::Plain)?),
            Self::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| i.render(scope))
                    .collect::<Result<_, _>>()?,
            ),
            Self::Object(fields) => {
                let mut out = serde_json::Map::with_capacity(fields.len());
                for (k, v) in fields {
                    out.insert(k.render(scope, Splice::Plain)?, v.render(scope)?);
                }
                Value::Object(out)
            }
        })
    }
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

    fn render_value(v: &Value, s: &Scope) -> Result<Value, TemplateError> {
        ValueTemplate::parse(v)?.render(s)
    }

    fn render_str(t: &str, s: &Scope, splice: Splice) -> Result<String, TemplateError> {
        Template::parse(t)?.render(s, splice)
    }

    fn references(t: &str) -> Result<Vec<String>, TemplateError> {
        Ok(Template::parse(t)?
            .variables()
            .map(str::to_string)
            .collect())
    }

    // Found by the add_router_interface catalogue: a follow-up check that compared a
    // port's project with `${owner.project_id}` failed with "unknown variable".
    #[test]
    fn a_follow_up_check_sees_shared_variables_and_the_cases_uuids() {
        let mut shared = Scope::new();
        shared.set("owner.project_id", json!("p1"));
        let case = Scope::over(Arc::new(shared));
        let port = case.lookup("uuid.port").unwrap();
        let then = Layered {
            local: &case,
            parent: &NoVariables,
        };
        assert_eq!(then.lookup("owner.project_id"), Some(json!("p1")));
        assert_eq!(then.lookup("uuid.port"), Some(port));
        assert_eq!(then.lookup("nothing"), None);
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
        assert_eq!(
            render_value(&json!({"${n}": ["${net.id}", 1]}), &s).unwrap(),
            json!({"5": ["abc", 1]})
        );
    }

    #[test]
    fn a_value_without_references_is_kept_whole() {
        let v = json!({"a": [1, "b", {"c": "$5"}]});
        assert_eq!(
            ValueTemplate::parse(&v).unwrap(),
            ValueTemplate::Fixed(v.clone())
        );
        let mut refs = Vec::new();
        ValueTemplate::parse(&json!({"a": ["${x}", "k ${y.z}"]}))
            .unwrap()
            .variables(&mut refs);
        assert_eq!(refs, ["x", "y.z"]);
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
