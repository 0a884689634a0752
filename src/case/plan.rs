//! The compiled form of the catalogue: what the runner executes. Templates are parsed,
//! matchers compiled, durations read, and every step knows the file and line it came
//! from, so nothing is parsed again while a case runs.
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::model::{CaseDoc, Method, Role, Service, Share};
use super::operation::Operation;
use crate::check::{Checks, FieldCheck};
use crate::template::{Template, ValueTemplate};

/// A case ready to run, with what it needs from the target.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file as written: its id, name, tags and documentation notes, for reports and
    /// coverage. Shared, not copied: a run clones its case list (partitions, one trial per
    /// case), and a deep copy of every document tripled a large catalogue's memory.
    pub doc: Arc<CaseDoc>,
    /// What runs.
    pub plan: Arc<CasePlan>,
    pub file: PathBuf,
    /// The trial name: `<operation>::<file stem>`.
    pub trial_name: String,
    pub needs: Needs,
}

/// A case's fixtures, the request under test with its expectation, and the follow-ups.
#[derive(Debug)]
pub struct CasePlan {
    pub fixtures: Vec<UsedFixture>,
    pub under_test: StepPlan,
    pub then: Vec<StepPlan>,
    /// The case's `cleanup:`, as a fixture without setup: it is torn down first.
    pub cleanup: Option<Fixture>,
}

/// One fixture a case uses.
#[derive(Debug)]
pub struct UsedFixture {
    pub alias: String,
    pub fixture: String,
    pub with: BTreeMap<String, ValueTemplate>,
}

/// A fixture definition, compiled.
#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub file: PathBuf,
    /// Parameters a use site passes with `with:`; a value here is the default.
    pub params: BTreeMap<String, Option<Value>>,
    pub setup: Arc<[StepPlan]>,
    pub teardown: Arc<[StepPlan]>,
    /// What every use of the fixture needs from the target.
    pub needs: Needs,
    /// The keys its setup captures (`${alias.<key>}` in a case).
    pub captures: BTreeSet<String>,
    pub sweep: Option<Arc<SweepPlan>>,
    pub quota: Arc<[QuotaPlan]>,
    pub share: Option<Share>,
}

/// One quota a use of a fixture takes one of (see `model::QuotaDef`).
#[derive(Debug)]
pub struct QuotaPlan {
    pub at: Source,
    pub resource: String,
    /// Whose project is charged: the identity of the fixture's first setup step.
    pub identity: Role,
    pub read: RequestPlan,
    pub limit: String,
    pub used: String,
}

/// How `sweep --prefix` finds a fixture's leftovers (see `model::SweepDef`).
#[derive(Debug)]
pub struct SweepPlan {
    pub at: Source,
    pub list: RequestPlan,
    pub items: String,
    pub select: Select,
    pub only: Vec<FieldCheck>,
    pub vars: Vec<(String, String)>,
}

/// Which listed items are leftovers.
#[derive(Debug)]
pub enum Select {
    /// The field at this pointer starts with the prefix swept.
    Prefix(String),
    /// The field at `at` holds the id of a leftover of `fixture`.
    Of { fixture: String, at: String },
}

/// One exchange with its expectations: a fixture step, the request under test or a
/// follow-up check.
#[derive(Debug)]
pub struct StepPlan {
    pub name: Option<String>,
    /// Where the step is written: `file:line` of its request's path.
    pub at: Source,
    pub request: RequestPlan,
    pub expect: Checks,
    /// The schema snapshot the body must satisfy.
    pub schema: Option<String>,
    pub captures: Vec<(String, CaptureFrom)>,
    pub poll: Option<PollPlan>,
}

/// A place in a case or fixture file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: PathBuf,
    pub line: u64,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

#[derive(Debug)]
pub struct RequestPlan {
    pub identity: Role,
    pub service: Service,
    pub method: Method,
    pub path: Template,
    /// In file order; an empty value removes a default header.
    pub headers: Vec<(String, Template)>,
    pub body: BodyPlan,
    /// Sent as `OpenStack-API-Version: compute <value>`.
    pub microversion: Option<String>,
}

impl RequestPlan {
    /// The header a `microversion:` stands for: `OpenStack-API-Version: <type> <version>`.
    pub fn microversion_header(&self) -> Option<(&'static str, String)> {
        self.microversion
            .as_ref()
            .map(|mv| ("OpenStack-API-Version", format!("{} {mv}", self.service)))
    }

    /// The same, as the extra headers of a call that is not a step (a listing, a read).
    pub fn microversion_headers(&self) -> BTreeMap<String, String> {
        self.microversion_header()
            .map(|(k, v)| (k.to_string(), v))
            .into_iter()
            .collect()
    }
}

#[derive(Debug)]
pub enum BodyPlan {
    None,
    Json(ValueTemplate),
    Raw(Template),
    Filler(usize),
}

/// Repeat the request until `until` holds, for at most `timeout` (the run's poll timeout
/// when the file gives none).
#[derive(Debug)]
pub struct PollPlan {
    pub until: Checks,
    pub timeout: Option<Duration>,
}

#[derive(Debug)]
pub enum CaptureFrom {
    Header(String),
    /// A JSON pointer into the body.
    Body(String),
}

/// What a case needs from a target; a run that lacks any of it skips the case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    pub roles: BTreeSet<Role>,
    /// Identity attributes the case's variables use (`${owner.project_id}`): a cloud
    /// without Keystone must give them in its `stackconform:` map.
    pub identity_ids: BTreeSet<(Role, IdentityId)>,
    pub services: BTreeSet<Service>,
    pub extensions: BTreeSet<String>,
    pub facts: BTreeSet<String>,
    pub microversion: Option<(u32, u32)>,
    pub reference_cloud: bool,
}

impl Needs {
    pub fn merge(&mut self, from: Needs) {
        self.roles.extend(from.roles);
        self.identity_ids.extend(from.identity_ids);
        self.services.extend(from.services);
        self.extensions.extend(from.extensions);
        self.facts.extend(from.facts);
        self.microversion = self.microversion.max(from.microversion);
        self.reference_cloud |= from.reference_cloud;
    }
}

/// An identity attribute a case can use as a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IdentityId {
    ProjectId,
    UserId,
}

impl IdentityId {
    pub fn parse(attr: &str) -> Option<IdentityId> {
        match attr {
            "project_id" => Some(IdentityId::ProjectId),
            "user_id" => Some(IdentityId::UserId),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IdentityId::ProjectId => "project_id",
            IdentityId::UserId => "user_id",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub cases: Vec<Case>,
    pub fixtures: BTreeMap<String, Fixture>,
    /// Status-code tables by operation name.
    pub operations: BTreeMap<String, Operation>,
}
