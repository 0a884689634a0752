//! From case files to the plan: every check that goes beyond the grammar (ids,
//! references, variables, matchers, durations) in the same walk that compiles them.
//! Everything a run would trip over is found here, before anything is sent.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::builtins::{self, Builtin};
use super::error::LoadError;
use super::model::{
    Capture, CaseDoc, Expect, FixtureDef, ListSpec, Method, Poll, QuotaDef, RequestSpec, Role,
    Step, SweepDef,
};
use super::plan::{
    BodyPlan, CaptureFrom, Case, CasePlan, Fixture, Needs, PollPlan, QuotaPlan, RequestPlan,
    Select, Source, StepPlan, SweepPlan, UsedFixture,
};
use crate::check::{validate_path, Check, Checks, FieldCheck, Matcher};
use crate::template::{Template, ValueTemplate};

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
    /// Every variable referred to since this was last emptied, built-ins included.
    used: BTreeSet<String>,
}

impl<'a> Checker<'a> {
    fn new(file: &'a Path, source: &'a str) -> Self {
        Self {
            file,
            source,
            errors: Vec::new(),
            needs: Needs::default(),
            known: BTreeSet::new(),
            used: BTreeSet::new(),
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

    fn source(&self, at: At) -> Source {
        Source {
            file: self.file.to_path_buf(),
            line: at.0,
        }
    }

    /// Parses a string template and checks its references.
    fn template(&mut self, s: &str, at: At, field: &str) -> Template {
        match Template::parse(s) {
            Ok(t) => {
                self.refs(t.variables().map(str::to_string).collect(), at, field);
                t
            }
            Err(e) => {
                self.error(at, field, e.to_string())
                    .set_hint("write `$${` for a literal `${`");
                Template::default()
            }
        }
    }

    /// Parses a JSON value's templates and checks their references.
    fn value_template(&mut self, v: &Value, at: At, field: &str) -> ValueTemplate {
        match ValueTemplate::parse(v) {
            Ok(t) => {
                let mut refs = Vec::new();
                t.variables(&mut refs);
                self.refs(refs, at, field);
                t
            }
            Err(e) => {
                self.error(at, field, e.to_string())
                    .set_hint("write `$${` for a literal `${`");
                ValueTemplate::Fixed(Value::Null)
            }
        }
    }

    /// Checks variable references and records what they need from the target.
    fn refs(&mut self, refs: Vec<String>, at: At, field: &str) {
        self.used.extend(refs.iter().cloned());
        for name in refs {
            if self.known.contains(&name) {
                continue;
            }
            match builtins::classify(&name) {
                Some(Builtin::Run) => continue,
                Some(Builtin::Fact(fact)) => {
                    self.needs.facts.insert(fact);
                    continue;
                }
                Some(Builtin::Identity(role, id)) => {
                    self.needs.roles.insert(role);
                    self.needs.identity_ids.insert((role, id));
                    continue;
                }
                None => {}
            }
            let prefix = name.split('.').next().unwrap_or_default().to_string();
            let same_prefix: Vec<&String> = self
                .known
                .iter()
                .filter(|k| k.starts_with(&format!("{prefix}.")))
                .collect();
            let hint = if same_prefix.is_empty() {
                builtins::HINT.to_string()
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

    fn request(&mut self, r: &RequestSpec, field: &str) -> RequestPlan {
        let at = at(&r.path);
        let identity = r.identity.unwrap_or(Role::Owner);
        self.needs.roles.insert(identity);
        self.needs.services.insert(r.service.clone());
        if !r.service.is_well_formed() {
            self.error(
                at,
                format!("{field}.service"),
                format!("{:?} is not a service type", r.service.as_str()),
            )
            .set_hint("a type from the Keystone catalog: compute, network, identity, block-storage, image...");
        }
        if !r.path.value.starts_with('/') {
            self.error(at, format!("{field}.path"), "the path must start with `/`")
                .set_hint("paths include the API version: /v2.1/servers/..., /v2.0/routers/...");
        }
        let path = self.template(&r.path.value, at, &format!("{field}.path"));
        let mut headers = Vec::new();
        for (k, v) in &r.headers {
            if reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_err() {
                self.error(
                    at,
                    format!("{field}.headers"),
                    format!("invalid header name {k:?}"),
                );
            }
            let value = self.template(v, at, &format!("{field}.headers.{k}"));
            headers.push((k.clone(), value));
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
        let body = if let Some(body) = &r.body {
            BodyPlan::Json(self.value_template(body, at, &format!("{field}.body")))
        } else if let Some(raw) = &r.raw_body {
            BodyPlan::Raw(self.template(raw, at, &format!("{field}.raw_body")))
        } else if let Some(n) = r.filler_body_bytes {
            BodyPlan::Filler(n)
        } else {
            BodyPlan::None
        };
        if let Some(mv) = &r.microversion {
            if mv != "latest" && parse_microversion(mv).is_none() {
                self.error(at, format!("{field}.microversion"), format!("invalid microversion {mv:?}"))
                    .set_hint("write X.Y (e.g. 2.51) or latest; to send a malformed version, set the OpenStack-API-Version header yourself");
            }
        }
        RequestPlan {
            identity,
            service: r.service.clone(),
            method: r.method,
            path,
            headers,
            body,
            microversion: r.microversion.clone(),
        }
    }

    fn matchers(
        &mut self,
        map: &BTreeMap<String, Spanned<Value>>,
        field: &str,
        body: bool,
    ) -> Vec<FieldCheck> {
        let mut checks = Vec::new();
        for (key, spec) in map {
            let at = at(spec);
            let name = format!("{field}.{key}");
            if body {
                if let Err(e) = validate_path(key) {
                    self.error(at, &name, e.to_string());
                }
            }
            let check = match Check::parse(&spec.value) {
                Ok(c) => {
                    if let Check::PerCase(m) = &c {
                        let mut refs = Vec::new();
                        m.variables(&mut refs);
                        self.refs(refs, at, &name);
                    }
                    c
                }
                Err(e) => {
                    self.error(at, &name, e.to_string());
                    Check::Ready(Matcher::Present)
                }
            };
            checks.push(FieldCheck {
                key: key.clone(),
                check,
                written: ValueTemplate::parse(&spec.value)
                    .unwrap_or(ValueTemplate::Fixed(Value::Null)),
                line: at.0,
            });
        }
        checks
    }

    /// The checks of an expectation and the schema it names.
    fn expect(&mut self, e: &Expect, field: &str, main: bool) -> (Checks, Option<String>) {
        let at = at(&e.status);
        if !(100..=599).contains(&e.status.value) {
            self.error(
                at,
                format!("{field}.status"),
                format!("{} is not an HTTP status", e.status.value),
            );
        }
        let checks = Checks {
            status: Some(e.status.value),
            headers: self.matchers(&e.headers, &format!("{field}.headers"), false),
            body: self.matchers(&e.body, &format!("{field}.body"), true),
            empty_body: e.empty_body,
        };
        if let Some(schema) = &e.schema {
            if !SCHEMA_NAME.is_match(&schema.value) {
                self.error(self::at(schema), format!("{field}.schema"), format!("invalid schema name {:?}", schema.value))
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
        (checks, e.schema.as_ref().map(|s| s.value.clone()))
    }

    fn capture(
        &mut self,
        captures: &BTreeMap<String, Capture>,
        at: At,
        field: &str,
        prefix: &str,
    ) -> Vec<(String, CaptureFrom)> {
        let mut out = Vec::new();
        for (key, c) in captures {
            let name = format!("{field}.{key}");
            if !IDENT.is_match(key) {
                self.error(at, &name, "capture names are lower-case identifiers");
            }
            match (&c.header, &c.body) {
                (Some(h), None) => out.push((key.clone(), CaptureFrom::Header(h.clone()))),
                (None, Some(p)) => {
                    if let Err(e) = validate_path(p) {
                        self.error(at, &name, e.to_string());
                    }
                    out.push((key.clone(), CaptureFrom::Body(p.clone())));
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
        out
    }

    /// `expect` is the step's own expectation: a poll without `until` waits for it.
    fn poll(&mut self, p: &Poll, expect: &Checks, at: At, field: &str) -> PollPlan {
        let timeout = p
            .timeout
            .as_ref()
            .and_then(|t| match parse_duration(&t.value) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.error(self::at(t), format!("{field}.poll.timeout"), e.to_string());
                    None
                }
            });
        let until = match &p.until {
            Some(u) => {
                if u.status.is_none() && u.headers.is_empty() && u.body.is_empty() {
                    self.error(
                        at,
                        format!("{field}.poll.until"),
                        "`until` needs at least one check",
                    );
                }
                Checks {
                    status: u.status,
                    headers: self.matchers(
                        &u.headers,
                        &format!("{field}.poll.until.headers"),
                        false,
                    ),
                    body: self.matchers(&u.body, &format!("{field}.poll.until.body"), true),
                    empty_body: false,
                }
            }
            None => expect.clone(),
        };
        PollPlan { until, timeout }
    }

    fn step(&mut self, s: &Step, field: &str, capture_prefix: &str) -> StepPlan {
        let request = self.request(&s.request, &format!("{field}.request"));
        let (expect, schema) = self.expect(&s.expect, &format!("{field}.expect"), false);
        let at = at(&s.request.path);
        let poll = s.poll.as_ref().map(|p| self.poll(p, &expect, at, field));
        let captures = self.capture(&s.capture, at, &format!("{field}.capture"), capture_prefix);
        StepPlan {
            name: s.name.clone(),
            at: self.source(at),
            request,
            expect,
            schema,
            captures,
            poll,
        }
    }
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
    let mut uses = Vec::new();
    for (i, use_) in doc.fixtures.iter().enumerate() {
        let field = format!("fixtures[{i}]");
        let use_at = at(use_);
        let u = &use_.value;
        if !IDENT.is_match(&u.name) || builtins::RESERVED.contains(&u.name.as_str()) {
            c.error(
                use_at,
                format!("{field}.name"),
                format!("{:?} cannot name a fixture", u.name),
            )
            .set_hint(format!(
                "use a lower-case identifier other than {}",
                builtins::RESERVED.join(", ")
            ));
        }
        if !aliases.insert(u.name.clone()) {
            c.error(
                use_at,
                format!("{field}.name"),
                format!("fixture name {:?} is used twice in this case", u.name),
            );
        }
        let with = u
            .with
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    c.value_template(v, use_at, &format!("{field}.with")),
                )
            })
            .collect();
        uses.push(UsedFixture {
            alias: u.name.clone(),
            fixture: u.fixture.clone(),
            with,
        });
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
            if !fixture.params.contains_key(key) {
                let params: Vec<&String> = fixture.params.keys().collect();
                c.error(
                    use_at,
                    format!("{field}.with.{key}"),
                    format!("fixture {:?} has no parameter {key:?}", u.fixture),
                )
                .set_hint(format!("its parameters: {params:?}"));
            }
        }
        for (key, default) in &fixture.params {
            if default.is_none() && !u.with.contains_key(key) {
                c.error(
                    use_at,
                    format!("{field}.with"),
                    format!("fixture {:?} needs parameter {key:?}", u.fixture),
                );
            }
        }
        c.needs.merge(fixture.needs.clone());
        let alias = &u.name;
        for key in fixture.params.keys().chain(&fixture.captures) {
            c.known.insert(format!("{alias}.{key}"));
        }
        c.known.insert(format!("{alias}.{}", builtins::NAME));
    }
    shared_uses_only_read(&mut c, &doc, fixtures);

    let request = c.request(&doc.request, "request");
    let (expect, schema) = c.expect(&doc.expect, "expect", true);
    let req_at = at(&doc.request.path);
    let captures = c.capture(&doc.capture, req_at, "capture", "");
    let under_test = StepPlan {
        name: None,
        at: c.source(req_at),
        request,
        expect,
        schema,
        captures,
        poll: None,
    };
    let then = doc
        .then
        .iter()
        .enumerate()
        .map(|(i, step)| c.step(step, &format!("then[{i}]"), ""))
        .collect();
    let cleanup = (!doc.cleanup.is_empty()).then(|| {
        let teardown: Vec<StepPlan> = doc
            .cleanup
            .iter()
            .enumerate()
            .map(|(i, step)| c.step(step, &format!("cleanup[{i}]"), ""))
            .collect();
        Fixture {
            name: builtins::CLEANUP.to_string(),
            file: file.to_path_buf(),
            params: BTreeMap::new(),
            setup: Vec::new().into(),
            teardown: teardown.into(),
            needs: Needs::default(),
            captures: BTreeSet::new(),
            sweep: None,
            quota: Vec::new().into(),
            share: None,
        }
    });

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
        plan: std::sync::Arc::new(CasePlan {
            fixtures: uses,
            under_test,
            then,
            cleanup,
        }),
        doc: std::sync::Arc::new(doc),
    })
}

/// A shared fixture is one instance for many cases: its `with:` takes literals, and the
/// case may not hand its values to another fixture (an attach, a lock), which would
/// change what the other cases read. Its `cleanup:` may name the shared fixture only
/// together with something of the case's own (remove *this case's* port from the shared
/// router): that undoes what a non-conforming target did and restores the fixture for the
/// others, where a step naming nothing else (remove the shared interface) would change it.
fn shared_uses_only_read(c: &mut Checker<'_>, doc: &CaseDoc, fixtures: &BTreeMap<String, Fixture>) {
    let text = |v: &Value| v.to_string();
    for (i, use_) in doc.fixtures.iter().enumerate() {
        let u = &use_.value;
        let Some(share) = fixtures.get(&u.fixture).and_then(|f| f.share) else {
            continue;
        };
        let use_at = at(use_);
        if u.with.values().any(|v| text(v).contains("${")) {
            c.error(
                use_at,
                format!("fixtures[{i}].with"),
                format!("fixture {:?} is shared (share: {share:?}): its `with:` takes literal values, not variables", u.fixture),
            );
        }
        let reference = format!("${{{}.", u.name);
        for (j, other) in doc.fixtures.iter().enumerate() {
            if j != i
                && other
                    .value
                    .with
                    .values()
                    .any(|v| text(v).contains(&reference))
            {
                c.error(
                    at(other),
                    format!("fixtures[{j}].with"),
                    format!(
                        "passes {reference}...}} of the shared fixture {:?} to {:?}, which would change it for every case that shares it",
                        u.fixture, other.value.fixture
                    ),
                )
                .set_hint("give the case a fixture of its own (one without `share:`)");
            }
        }
        let own: Vec<String> = doc
            .fixtures
            .iter()
            .filter(|o| {
                fixtures
                    .get(&o.value.fixture)
                    .is_none_or(|f| f.share.is_none())
            })
            .map(|o| format!("${{{}.", o.value.name))
            .collect();
        for (k, step) in doc.cleanup.iter().enumerate() {
            let r = &step.request;
            let mentions = |needle: &str| {
                r.path.value.contains(needle)
                    || r.body.as_ref().is_some_and(|b| text(b).contains(needle))
                    || r.headers.values().any(|h| h.contains(needle))
            };
            if mentions(&reference) && !own.iter().any(|o| mentions(o)) {
                c.error(
                    at(&r.path),
                    format!("cleanup[{k}]"),
                    format!("changes the shared fixture {:?} ({reference}...}}) and nothing of the case's own, which would change it for the other cases", u.fixture),
                )
                .set_hint("a cleanup may only undo, on a shared fixture, what involves one of the case's own fixtures; otherwise give the case a fixture of its own (one without `share:`)");
            }
        }
    }
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
    let setup: Vec<StepPlan> = def
        .setup
        .iter()
        .enumerate()
        .map(|(i, s)| c.step(s, &format!("{field}.setup[{i}]"), ""))
        .collect();
    let captures: BTreeSet<String> = def
        .setup
        .iter()
        .flat_map(|s| s.capture.keys().cloned())
        .collect();
    c.known.extend(captures.iter().cloned());
    c.used.clear();
    let teardown: Vec<StepPlan> = def
        .teardown
        .iter()
        .enumerate()
        .map(|(i, s)| c.step(s, &format!("{field}.teardown[{i}]"), ""))
        .collect();
    c.needs
        .extensions
        .extend(def.requires.extensions.iter().cloned());
    c.needs.reference_cloud |= def.requires.reference_cloud;
    let teardown_uses = std::mem::take(&mut c.used);
    let sweep = def
        .sweep
        .as_ref()
        .map(|s| std::sync::Arc::new(c.sweep(s, &teardown_uses, &format!("{field}.sweep"))));
    let identity = setup.first().map_or(Role::Owner, |s| s.request.identity);
    let quota: Vec<QuotaPlan> = def
        .quota
        .iter()
        .enumerate()
        .map(|(i, q)| c.quota(q, identity, &format!("{field}.quota[{i}]")))
        .collect();
    let fixture = Fixture {
        name,
        params: def.params,
        setup: setup.into(),
        teardown: teardown.into(),
        file: file.to_path_buf(),
        needs: c.needs,
        captures,
        sweep,
        quota: quota.into(),
        share: def.share,
    };
    (fixture, c.errors)
}

impl Checker<'_> {
    /// A GET a fixture sends outside its steps (a sweep's listing, a quota read), as the
    /// identity of whoever sends it.
    fn get(&mut self, l: &ListSpec, field: &str) -> RequestPlan {
        let spec = RequestSpec {
            identity: None,
            service: l.service.clone(),
            method: Method::Get,
            path: l.path.clone(),
            headers: BTreeMap::new(),
            body: None,
            raw_body: None,
            filler_body_bytes: None,
            microversion: l.microversion.clone(),
        };
        self.request(&spec, field)
    }

    /// One of a fixture's `quota:` entries: a GET whose only variable is `${project_id}`.
    fn quota(&mut self, q: &QuotaDef, identity: Role, field: &str) -> QuotaPlan {
        let at = at(&q.read.path);
        let known = std::mem::replace(&mut self.known, BTreeSet::from(["project_id".to_string()]));
        let read = self.get(&q.read, &format!("{field}.read"));
        self.known = known;
        for pointer in [&q.limit, &q.used] {
            if let Err(e) = validate_path(pointer) {
                self.error(at, field, format!("{pointer:?}: {e}"));
            }
        }
        QuotaPlan {
            at: self.source(at),
            resource: q.resource.clone(),
            identity,
            read,
            limit: q.limit.clone(),
            used: q.used.clone(),
        }
    }

    /// A fixture's `sweep:`. Its teardown must get every variable it uses from `vars`:
    /// a leftover has no setup to capture them.
    fn sweep(&mut self, s: &SweepDef, teardown_uses: &BTreeSet<String>, field: &str) -> SweepPlan {
        let at = at(&s.list.path);
        let known = std::mem::take(&mut self.known);
        let list = self.get(&s.list, &format!("{field}.list"));
        let only = self.matchers(&s.where_, &format!("{field}.where"), true);
        self.known = known;
        for pointer in std::iter::once(&s.items.value)
            .chain(s.prefix_in.iter())
            .chain(s.of.iter().map(|o| &o.at))
            .chain(s.vars.values())
        {
            if let Err(e) = validate_path(pointer) {
                self.error(at, field, format!("{pointer:?}: {e}"));
            }
        }
        let select = match (&s.of, &s.prefix_in) {
            (Some(_), Some(_)) => {
                self.error(at, field, "give `prefix_in` or `of`, not both");
                Select::Prefix(String::new())
            }
            (Some(of), None) => Select::Of {
                fixture: of.fixture.clone(),
                at: of.at.clone(),
            },
            (None, prefix) => Select::Prefix(prefix.clone().unwrap_or_else(|| "/name".into())),
        };
        let missing: Vec<String> = teardown_uses
            .iter()
            .filter(|v| !s.vars.contains_key(*v) && builtins::classify(v).is_none())
            .map(|v| format!("${{{v}}}"))
            .collect();
        if !missing.is_empty() {
            self.error(
                at,
                format!("{field}.vars"),
                format!(
                    "the teardown uses {}, which `vars` does not give",
                    missing.join(", ")
                ),
            )
            .set_hint("map each to a JSON pointer into the listed item, e.g. `{id: /id}`");
        }
        SweepPlan {
            at: self.source(at),
            list,
            items: s.items.value.clone(),
            select,
            only,
            vars: s.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        }
    }
}

/// A sweep `of:` names a fixture that is swept too, and the links form no cycle.
pub(super) fn sweep_links(fixtures: &BTreeMap<String, Fixture>, errors: &mut Vec<LoadError>) {
    for (name, f) in fixtures {
        let Some(sweep) = &f.sweep else { continue };
        let mut seen = BTreeSet::from([name.as_str()]);
        let mut link = sweep;
        while let Select::Of { fixture, .. } = &link.select {
            let problem = match fixtures.get(fixture).map(|f| &f.sweep) {
                None => Some(format!("no fixture named {fixture:?}")),
                Some(None) => Some(format!("fixture {fixture:?} has no `sweep:`")),
                Some(Some(_)) if !seen.insert(fixture) => {
                    Some(format!("the `of:` links loop back through {fixture:?}"))
                }
                Some(Some(next)) => {
                    link = next;
                    None
                }
            };
            if let Some(message) = problem {
                let source = std::fs::read_to_string(&sweep.at.file).unwrap_or_default();
                errors.push(
                    LoadError::new(
                        &sweep.at.file,
                        (sweep.at.line, 1),
                        format!("fixtures.{name}.sweep.of.fixture"),
                        message,
                    )
                    .hint("`of:` names another fixture whose leftovers are swept by prefix")
                    .with_source(&source),
                );
                break;
            }
        }
    }
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
