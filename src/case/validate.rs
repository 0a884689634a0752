//! Checks that go beyond the grammar: ids, references, variables, matchers.
//! Everything a run would trip over is found here, before anything is sent.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::error::LoadError;
use super::load::{Case, Fixture, IdentityId, Needs};
use super::model::{Capture, CaseDoc, Expect, FixtureDef, Poll, RequestSpec, Role, Step};
use crate::check::{validate_path, MatcherSpec};
use crate::template;

/// Names a case cannot give a fixture alias, because variables already use them.
const RESERVED: &[&str] = &[
    "owner", "other", "reader", "admin", "none", "target", "run", "uuid", "name",
];

static OPERATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]+\.[a-z][a-z0-9_]*$").expect("regex"));
static IDENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9_]*$").expect("regex"));
static SCHEMA_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9_.-]*$").expect("regex"));

type At = (u64, u64);

pub(super) fn is_operation_name(s: &str) -> bool {
    OPERATION.is_match(s)
}

fn at<T>(s: &Spanned<T>) -> At {
    (s.referenced.line(), s.referenced.column())
}

/// Parses "2.51" into (2, 51).
pub fn parse_microversion(s: &str) -> Option<(u32, u32)> {
    let (major, minor) = s.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// A duration that is not one, in a case file or on the command line.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid duration {text:?}: {source} (e.g. 500ms, 30s, 2m)")]
pub struct BadDuration {
    text: String,
    #[source]
    source: humantime::DurationError,
}

pub fn parse_duration(s: &str) -> Result<Duration, BadDuration> {
    humantime::parse_duration(s).map_err(|source| BadDuration {
        text: s.to_string(),
        source,
    })
}

struct Checker<'a> {
    file: &'a Path,
    source: &'a str,
    errors: Vec<LoadError>,
    needs: Needs,
    /// Variables defined so far, in the order the case runs.
    known: BTreeSet<String>,
}

impl<'a> Checker<'a> {
    fn new(file: &'a Path, source: &'a str) -> Self {
        Self {
            file,
            source,
            errors: Vec::new(),
            needs: Needs::default(),
            known: BTreeSet::new(),
        }
    }

    fn error(
        &mut self,
        at: At,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut LoadError {
        let e = LoadError::new(self.file, at, field, message).with_source(self.source);
        self.errors.push(e);
        self.errors.last_mut().expect("just pushed")
    }

    /// Checks variable references and records what they need from the target.
    fn refs(&mut self, refs: Result<Vec<String>, template::TemplateError>, at: At, field: &str) {
        let refs = match refs {
            Ok(r) => r,
            Err(e) => {
                self.error(at, field, e.to_string())
                    .set_hint("write `$${` for a literal `${`");
                return;
            }
        };
        for name in refs {
            if let Some(fact) = name.strip_prefix("target.") {
                self.needs.facts.insert(fact.to_string());
                continue;
            }
            if name.starts_with("uuid.") || self.known.contains(&name) {
                continue;
            }
            if matches!(name.as_str(), "run.id" | "run.prefix" | "name") {
                continue;
            }
            if let Some((role, attr)) = name.split_once('.') {
                if let Some(r) = Role::ALL.iter().find(|r| r.as_str() == role) {
                    if let (Some(id), false) = (IdentityId::parse(attr), *r == Role::None) {
                        self.needs.roles.insert(*r);
                        self.needs.identity_ids.insert((*r, id));
                        continue;
                    }
                }
            }
            let prefix = name.split('.').next().unwrap_or_default().to_string();
            let same_prefix: Vec<&String> = self
                .known
                .iter()
                .filter(|k| k.starts_with(&format!("{prefix}.")))
                .collect();
            let hint = if same_prefix.is_empty() {
                "defined variables: captures of earlier steps (`${key}`), fixture values (`${alias.key}`), `${owner.project_id}`, `${target.<fact>}`, `${uuid.<label>}`, `${name}`, `${run.id}`".to_string()
            } else {
                format!(
                    "`{prefix}` provides: {}",
                    same_prefix
                        .iter()
                        .map(|s| format!("${{{s}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            self.error(at, field, format!("unknown variable `${{{name}}}`"))
                .set_hint(hint);
        }
    }

    fn value_refs(&mut self, v: &Value, at: At, field: &str) {
        let mut out = Vec::new();
        let r = template::value_references(v, &mut out).map(|_| out);
        self.refs(r, at, field);
    }

    fn request(&mut self, r: &RequestSpec, field: &str) {
        let at = at(&r.path);
        self.needs.roles.insert(r.identity.unwrap_or(Role::Owner));
        self.needs.services.insert(r.service);
        if !r.path.value.starts_with('/') {
            self.error(at, format!("{field}.path"), "the path must start with `/`")
                .set_hint("paths include the API version: /v2.1/servers/..., /v2.0/routers/...");
        }
        self.refs(
            template::references(&r.path.value),
            at,
            &format!("{field}.path"),
        );
        for (k, v) in &r.headers {
            if reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_err() {
                self.error(
                    at,
                    format!("{field}.headers"),
                    format!("invalid header name {k:?}"),
                );
            }
            self.refs(template::references(v), at, &format!("{field}.headers.{k}"));
        }
        let bodies = [
            r.body.is_some(),
            r.raw_body.is_some(),
            r.filler_body_bytes.is_some(),
        ];
        if bodies.iter().filter(|b| **b).count() > 1 {
            self.error(
                at,
                field,
                "give at most one of body, raw_body and filler_body_bytes",
            );
        }
        if let Some(body) = &r.body {
            self.value_refs(body, at, &format!("{field}.body"));
        }
        if let Some(raw) = &r.raw_body {
            self.refs(template::references(raw), at, &format!("{field}.raw_body"));
        }
        if let Some(mv) = &r.microversion {
            if mv != "latest" && parse_microversion(mv).is_none() {
                self.error(at, format!("{field}.microversion"), format!("invalid microversion {mv:?}"))
                    .set_hint("write X.Y (e.g. 2.51) or latest; to send a malformed version, set the OpenStack-API-Version header yourself");
            }
        }
    }

    fn matchers(&mut self, map: &BTreeMap<String, Spanned<Value>>, field: &str, body: bool) {
        for (key, spec) in map {
            let at = at(spec);
            let name = format!("{field}.{key}");
            if body {
                if let Err(e) = validate_path(key) {
                    self.error(at, &name, e);
                }
            }
            match MatcherSpec::parse(&spec.value) {
                Ok(m) => {
                    let mut refs = Vec::new();
                    let r = m.references(&mut refs).map(|_| refs);
                    self.refs(r, at, &name);
                }
                Err(e) => {
                    self.error(at, &name, e);
                }
            }
        }
    }

    fn expect(&mut self, e: &Expect, field: &str, main: bool) {
        let at = at(&e.status);
        if !(100..=599).contains(&e.status.value) {
            self.error(
                at,
                format!("{field}.status"),
                format!("{} is not an HTTP status", e.status.value),
            );
        }
        self.matchers(&e.headers, &format!("{field}.headers"), false);
        self.matchers(&e.body, &format!("{field}.body"), true);
        if let Some(schema) = &e.schema {
            if !SCHEMA_NAME.is_match(&schema.value) {
                self.error(super::validate::at(schema), format!("{field}.schema"), format!("invalid schema name {:?}", schema.value))
                    .set_hint("lower-case letters, digits, `.`, `_` and `-`, e.g. network.remove_router_interface.404-router");
            }
        }
        if e.empty_body && (e.schema.is_some() || !e.body.is_empty()) {
            self.error(at, field, "empty_body excludes schema and body checks");
        }
        if main && !e.empty_body && e.schema.is_none() {
            self.error(
                at,
                field,
                "the response under test needs a schema snapshot or `empty_body: true`",
            )
            .set_hint("add `schema: <operation>.<status>-<situation>`; the first run records it");
        }
    }

    fn capture(&mut self, captures: &BTreeMap<String, Capture>, at: At, field: &str, prefix: &str) {
        for (key, c) in captures {
            let name = format!("{field}.{key}");
            if !IDENT.is_match(key) {
                self.error(at, &name, "capture names are lower-case identifiers");
            }
            match (&c.header, &c.body) {
                (Some(_), None) => {}
                (None, Some(p)) => {
                    if let Err(e) = validate_path(p) {
                        self.error(at, &name, e);
                    }
                }
                _ => {
                    self.error(
                        at,
                        &name,
                        "a capture takes exactly one of `header` or `body`",
                    );
                }
            }
            self.known.insert(format!("{prefix}{key}"));
        }
    }

    fn poll(&mut self, p: &Poll, at: At, field: &str) {
        if let Some(t) = &p.timeout {
            if let Err(e) = parse_duration(&t.value) {
                self.error(
                    super::validate::at(t),
                    format!("{field}.poll.timeout"),
                    e.to_string(),
                );
            }
        }
        if let Some(u) = &p.until {
            self.matchers(&u.headers, &format!("{field}.poll.until.headers"), false);
            self.matchers(&u.body, &format!("{field}.poll.until.body"), true);
            if u.status.is_none() && u.headers.is_empty() && u.body.is_empty() {
                self.error(
                    at,
                    format!("{field}.poll.until"),
                    "`until` needs at least one check",
                );
            }
        }
    }

    fn step(&mut self, s: &Step, field: &str, capture_prefix: &str) {
        self.request(&s.request, &format!("{field}.request"));
        self.expect(&s.expect, &format!("{field}.expect"), false);
        let at = at(&s.request.path);
        if let Some(p) = &s.poll {
            self.poll(p, at, field);
        }
        self.capture(&s.capture, at, &format!("{field}.capture"), capture_prefix);
    }
}

fn merge(into: &mut Needs, from: Needs) {
    into.roles.extend(from.roles);
    into.identity_ids.extend(from.identity_ids);
    into.services.extend(from.services);
    into.extensions.extend(from.extensions);
    into.facts.extend(from.facts);
    into.microversion = into.microversion.max(from.microversion);
    into.reference_cloud |= from.reference_cloud;
}

pub(super) fn case(
    file: &Path,
    source: &str,
    doc: CaseDoc,
    fixtures: &BTreeMap<String, Fixture>,
) -> Result<Case, Vec<LoadError>> {
    let mut c = Checker::new(file, source);
    let id_at = at(&doc.id);
    match uuid::Uuid::parse_str(&doc.id.value) {
        // A random (version 4) UUID: hand-made ids collide in their short forms.
        Ok(u)
            if u.hyphenated().to_string() == doc.id.value
                && u.get_version_num() == 4
                && u.get_variant() == uuid::Variant::RFC4122 => {}
        _ => {
            c.error(
                id_at,
                "id",
                format!(
                    "{:?} is not a lower-case hyphenated UUID (random, version 4)",
                    doc.id.value
                ),
            )
            .set_hint(format!(
                "for a new case, for example: id: {}",
                uuid::Uuid::new_v4()
            ));
        }
    }
    if !OPERATION.is_match(&doc.operation.value) {
        c.error(
            at(&doc.operation),
            "operation",
            format!("{:?} is not `<service>.<operation>`", doc.operation.value),
        )
        .set_hint("e.g. compute.detach_interface or network.remove_router_interface");
    }
    if let Some(mv) = &doc.requires.microversion {
        match parse_microversion(&mv.value) {
            Some(v) => c.needs.microversion = Some(v),
            None => {
                c.error(
                    at(mv),
                    "requires.microversion",
                    format!("invalid microversion {:?}", mv.value),
                )
                .set_hint("write X.Y, e.g. 2.51");
            }
        }
    }
    c.needs
        .extensions
        .extend(doc.requires.extensions.iter().cloned());
    c.needs.reference_cloud = doc.requires.reference_cloud;

    let mut aliases = BTreeSet::new();
    for (i, use_) in doc.fixtures.iter().enumerate() {
        let field = format!("fixtures[{i}]");
        let use_at = at(use_);
        let u = &use_.value;
        if !IDENT.is_match(&u.name) || RESERVED.contains(&u.name.as_str()) {
            c.error(
                use_at,
                format!("{field}.name"),
                format!("{:?} cannot name a fixture", u.name),
            )
            .set_hint(format!(
                "use a lower-case identifier other than {}",
                RESERVED.join(", ")
            ));
        }
        if !aliases.insert(u.name.clone()) {
            c.error(
                use_at,
                format!("{field}.name"),
                format!("fixture name {:?} is used twice in this case", u.name),
            );
        }
        for v in u.with.values() {
            c.value_refs(v, use_at, &format!("{field}.with"));
        }
        let Some(fixture) = fixtures.get(&u.fixture) else {
            let known: Vec<&String> = fixtures.keys().collect();
            c.error(
                use_at,
                format!("{field}.use"),
                format!("no fixture named {:?}", u.fixture),
            )
            .set_hint(format!(
                "fixtures under cases/fixtures/: {}",
                known
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        };
        for key in u.with.keys() {
            if !fixture.def.params.contains_key(key) {
                let params: Vec<&String> = fixture.def.params.keys().collect();
                c.error(
                    use_at,
                    format!("{field}.with.{key}"),
                    format!("fixture {:?} has no parameter {key:?}", u.fixture),
                )
                .set_hint(format!("its parameters: {params:?}"));
            }
        }
        for (key, default) in &fixture.def.params {
            if default.is_none() && !u.with.contains_key(key) {
                c.error(
                    use_at,
                    format!("{field}.with"),
                    format!("fixture {:?} needs parameter {key:?}", u.fixture),
                );
            }
        }
        merge(&mut c.needs, fixture.needs.clone());
        let alias = &u.name;
        for key in fixture.def.params.keys().chain(&fixture.captures) {
            c.known.insert(format!("{alias}.{key}"));
        }
        c.known.insert(format!("{alias}.name"));
    }

    c.request(&doc.request, "request");
    c.expect(&doc.expect, "expect", true);
    let req_at = at(&doc.request.path);
    c.capture(&doc.capture, req_at, "capture", "");
    for (i, step) in doc.then.iter().enumerate() {
        c.step(step, &format!("then[{i}]"), "");
    }

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("case")
        .to_string();
    Ok(Case {
        trial_name: format!("{}::{stem}", doc.operation.value),
        file: file.to_path_buf(),
        needs: c.needs,
        doc: std::sync::Arc::new(doc),
    })
}

/// Checks a fixture definition and works out, in the same walk over its steps, what it
/// needs from the target and what it captures. The fixture is returned even with
/// errors, so that cases using it do not also report it as unknown.
pub(super) fn fixture(
    name: String,
    def: FixtureDef,
    file: &Path,
    source: &str,
) -> (Fixture, Vec<LoadError>) {
    let mut c = Checker::new(file, source);
    let field = format!("fixtures.{name}");
    if def.setup.is_empty() {
        let at = find_line(source, &format!("{name}:"));
        c.error(
            at,
            format!("{field}.setup"),
            "a fixture needs at least one setup step",
        );
    }
    c.known.extend(def.params.keys().cloned());
    for (i, s) in def.setup.iter().enumerate() {
        c.step(s, &format!("{field}.setup[{i}]"), "");
    }
    let captures: BTreeSet<String> = def
        .setup
        .iter()
        .flat_map(|s| s.capture.keys().cloned())
        .collect();
    c.known.extend(captures.iter().cloned());
    for (i, s) in def.teardown.iter().enumerate() {
        c.step(s, &format!("{field}.teardown[{i}]"), "");
    }
    c.needs
        .extensions
        .extend(def.requires.extensions.iter().cloned());
    c.needs.reference_cloud |= def.requires.reference_cloud;
    let fixture = Fixture {
        name,
        def,
        file: file.to_path_buf(),
        needs: c.needs,
        captures,
    };
    (fixture, c.errors)
}

fn find_line(source: &str, needle: &str) -> At {
    source
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|col| (i as u64 + 1, col as u64 + 1)))
        .unwrap_or((1, 1))
}

/// Ids and trial names are unique across the catalogue.
pub(super) fn unique(cases: &[Case], errors: &mut Vec<LoadError>) {
    let mut ids: BTreeMap<&str, &Case> = BTreeMap::new();
    let mut names: BTreeMap<&str, &Case> = BTreeMap::new();
    // The source is only needed for the snippet of an error; read it then.
    let source = |case: &Case| std::fs::read_to_string(&case.file).unwrap_or_default();
    for case in cases {
        if let Some(prev) = ids.insert(&case.doc.id.value, case) {
            errors.push(
                LoadError::new(
                    &case.file,
                    at(&case.doc.id),
                    "id",
                    format!(
                        "id {} is also used by {}",
                        case.doc.id.value,
                        prev.file.display()
                    ),
                )
                .hint(format!(
                    "ids must be unique; for a new case: {}",
                    uuid::Uuid::new_v4()
                ))
                .with_source(&source(case)),
            );
        }
        if let Some(prev) = names.insert(&case.trial_name, case) {
            errors.push(
                LoadError::new(
                    &case.file,
                    at(&case.doc.operation),
                    "operation",
                    format!(
                        "trial name {} is also used by {}",
                        case.trial_name,
                        prev.file.display()
                    ),
                )
                .hint("two cases of one operation need different file names")
                .with_source(&source(case)),
            );
        }
    }
}
