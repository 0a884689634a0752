//! The case-file format, as Rust types. Unknown keys are rejected everywhere so that
//! a typo fails loudly instead of silently weakening a check.
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_saphyr::Spanned;

/// One case file: one request under test, its fixtures and its expectations.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseDoc {
    /// Stable identity across renames (like Tempest's idempotent_id).
    #[schemars(with = "uuid::Uuid")]
    pub id: Spanned<String>,
    pub name: String,
    /// `<service>.<operation>`, e.g. `compute.detach_interface`.
    #[schemars(with = "String")]
    pub operation: Spanned<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// What the published documentation says where it differs from real services.
    #[serde(default)]
    pub documented: Option<Documented>,
    /// Capabilities the loader cannot infer from the requests themselves.
    #[serde(default)]
    pub requires: Requires,
    /// Not run unless `--ignored`/`--include-ignored` is given; the value is the reason.
    #[serde(default)]
    pub ignore: Option<String>,
    #[serde(default)]
    #[schemars(with = "Vec<FixtureUse>")]
    pub fixtures: Vec<Spanned<FixtureUse>>,
    pub request: RequestSpec,
    pub expect: Expect,
    #[serde(default)]
    pub capture: BTreeMap<String, Capture>,
    /// Follow-up checks of side effects, run after the request under test.
    #[serde(default)]
    pub then: Vec<Step>,
    /// Undoes what the request under test creates (an interface it adds, say). Runs when
    /// the case ends, before the fixtures' teardown, whenever the request was sent; 404
    /// counts as already gone, and a step whose variables were never captured is skipped.
    #[serde(default)]
    pub cleanup: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Documented {
    /// The status the documentation gives for this situation; `null` when it gives none.
    pub status: Option<u16>,
    /// Which document (e.g. "old Nova page", "current Nova api-ref", "Neutron api-ref").
    pub source: String,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requires {
    /// Neutron extension aliases (`router`, `extraroute`, `external-net`, ...).
    #[serde(default)]
    pub extensions: Vec<String>,
    /// Lowest compute microversion the case needs, e.g. "2.51".
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub microversion: Option<Spanned<String>>,
    /// Needs the reference cloud's fault injection or knobs.
    #[serde(default)]
    pub reference_cloud: bool,
}

/// `operation.yaml` beside an operation's cases: its status codes, as documented and as
/// really served. `stackconform coverage` matches it with the cases.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationDoc {
    /// `<service>.<operation>`, as the cases name it.
    #[schemars(with = "String")]
    pub operation: Spanned<String>,
    /// A human title, e.g. `Nova "Detach Interface"`.
    pub title: String,
    /// Method and path template, e.g. `PUT /v2.0/routers/{router_id}/remove_router_interface`.
    pub request: String,
    /// Short key to the document it stands for; `codes[].documented` refers to the keys.
    #[serde(default)]
    pub documents: BTreeMap<String, String>,
    #[schemars(with = "Vec<CodeRow>")]
    pub codes: Vec<Spanned<CodeRow>>,
}

/// One status code of an operation.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRow {
    #[schemars(range(min = 100, max = 599))]
    pub status: u16,
    /// Keys of `documents` that list this code.
    #[serde(default)]
    pub documented: Vec<String>,
    /// Whether real services answer it.
    pub served: bool,
    #[serde(default)]
    pub note: Option<String>,
    /// Why no case provokes this code (unreachable, environment only, an upstream bug
    /// recorded as a deviation). Without it, a code with no case is a coverage gap.
    #[serde(default)]
    pub no_case: Option<String>,
}

/// A file under `cases/fixtures/`: named, reusable resources.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixtureDoc {
    #[schemars(with = "BTreeMap<String, FixtureDef>")]
    pub fixtures: BTreeMap<String, Spanned<FixtureDef>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixtureDef {
    #[serde(default)]
    pub description: Option<String>,
    /// Parameters a use site passes with `with:`; a value here is the default.
    #[serde(default)]
    pub params: BTreeMap<String, Option<Value>>,
    #[serde(default)]
    pub requires: Requires,
    /// Create (and wait for readiness); captures become `${alias.key}` in the case.
    pub setup: Vec<Step>,
    /// Run in order when the case ends, whatever happened; 404 counts as already gone.
    #[serde(default)]
    pub teardown: Vec<Step>,
    /// How `stackconform sweep --prefix` finds what this fixture left behind; its teardown
    /// then undoes it. A fixture without it is not looked for.
    #[serde(default)]
    pub sweep: Option<SweepDef>,
    /// What one use takes from a project's quota, and where the run reads that quota: no
    /// more cases run at once than the quotas admit.
    #[serde(default)]
    pub quota: Vec<QuotaDef>,
    /// Cases that only read it share one instance: `run` (every case of the run with the
    /// same `with:`) or `operation` (those of one operation). Set up by its first user,
    /// torn down after its last. A case may not pass its values to another fixture or to
    /// its `cleanup:`, which would change what the other cases read.
    #[serde(default)]
    pub share: Option<Share>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Share {
    Run,
    Operation,
}

/// One quota a fixture uses one of (a router, an instance), charged to the project of the
/// identity of its first setup step.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaDef {
    /// The quota's name in the service's quota API: `router`, `instances`.
    pub resource: String,
    /// The request that reads the project's limit and use, as that identity; the path may
    /// use `${project_id}`.
    pub read: ListSpec,
    /// JSON pointer to the limit in the answer (-1 is unlimited).
    pub limit: String,
    /// JSON pointer to what the project already uses.
    pub used: String,
}

/// Finding a fixture's leftovers: list, select, and name the teardown's variables.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepDef {
    /// The listing to search, as every identity the sweep has.
    pub list: ListSpec,
    /// JSON pointer to the array of items in the listing, e.g. `/routers`.
    #[schemars(with = "String")]
    pub items: Spanned<String>,
    /// Pointer to the field that carries the run's name prefix; default `/name`.
    #[serde(default)]
    pub prefix_in: Option<String>,
    /// Instead of a prefix: the items whose field `at` holds the id of a leftover of
    /// `fixture` (the interfaces of a leftover router, say).
    #[serde(default)]
    pub of: Option<SweepOf>,
    /// Only the items that pass these checks: JSON pointer to matcher, as in `expect.body`.
    #[serde(default, rename = "where")]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub where_: BTreeMap<String, Spanned<Value>>,
    /// The teardown's variables, each a JSON pointer into the item: `{id: /id}`.
    pub vars: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSpec {
    pub service: Service,
    /// Path under the service's root, version included; a query string is allowed.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    #[serde(default)]
    pub microversion: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepOf {
    pub fixture: String,
    /// JSON pointer to the field that holds the other leftover's id.
    pub at: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixtureUse {
    /// The alias the case uses to refer to the captures (`${alias.id}`).
    pub name: String,
    /// The fixture definition's name.
    #[serde(rename = "use")]
    pub fixture: String,
    #[serde(default)]
    pub with: BTreeMap<String, Value>,
}

/// One HTTP exchange with its expectations: a fixture step or a follow-up check.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    #[serde(default)]
    pub name: Option<String>,
    pub request: RequestSpec,
    pub expect: Expect,
    #[serde(default)]
    pub capture: BTreeMap<String, Capture>,
    /// Repeat the request until `until` (or, without it, `expect`) holds.
    #[serde(default)]
    pub poll: Option<Poll>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Member of the project that owns the resources.
    Owner,
    /// Member of another project.
    Other,
    /// Reader-only in the owning project.
    Reader,
    Admin,
    /// No token at all.
    None,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Owner,
        Role::Other,
        Role::Reader,
        Role::Admin,
        Role::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Other => "other",
            Role::Reader => "reader",
            Role::Admin => "admin",
            Role::None => "none",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A service by its type in the Keystone catalog: `compute`, `network`, `identity`,
/// `block-storage`, `image`... Any type the target's catalog lists can be named.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct Service(#[schemars(with = "String")] Cow<'static, str>);

impl Service {
    /// Nova.
    pub const COMPUTE: Service = Service(Cow::Borrowed("compute"));
    /// Neutron.
    pub const NETWORK: Service = Service(Cow::Borrowed("network"));
    /// Keystone.
    pub const IDENTITY: Service = Service(Cow::Borrowed("identity"));

    pub fn new(service_type: impl Into<String>) -> Self {
        Service(Cow::Owned(service_type.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Catalog types are lower-case words joined by `-` (`block-storage`, `volumev3`).
    pub fn is_well_formed(&self) -> bool {
        let mut chars = self.0.chars();
        chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Patch,
    Head,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Head => "HEAD",
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// The identity whose token and catalog are used; default `owner`.
    #[serde(default, rename = "as")]
    pub identity: Option<Role>,
    pub service: Service,
    pub method: Method,
    /// Path under the service's root, version included: `/v2.1/servers/...`, `/v2.0/routers/...`.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Extra headers; an empty value removes a default header (e.g. `Accept: ""`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body (sent with `Content-Type: application/json`).
    #[serde(default)]
    pub body: Option<Value>,
    /// Exact body bytes, for malformed bodies (`not-json`, `null`).
    #[serde(default)]
    pub raw_body: Option<String>,
    /// A body of this many bytes of filler, for size limits.
    #[serde(default)]
    pub filler_body_bytes: Option<usize>,
    /// Compute microversion: sends `OpenStack-API-Version: compute <value>`.
    #[serde(default)]
    pub microversion: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[schemars(with = "u16", range(min = 100, max = 599))]
    pub status: Spanned<u16>,
    /// Header name (case-insensitive) to matcher.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub headers: BTreeMap<String, Spanned<Value>>,
    /// JSON pointer (with `*` for every array element) to matcher.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub body: BTreeMap<String, Spanned<Value>>,
    /// The response has no body (`Content-Length: 0` or nothing).
    #[serde(default)]
    pub empty_body: bool,
    /// Name of the schema snapshot under `snapshots/` the body must satisfy.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub schema: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Until {
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub headers: BTreeMap<String, Spanned<Value>>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub body: BTreeMap<String, Spanned<Value>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Poll {
    #[serde(default)]
    pub until: Option<Until>,
    /// How long to keep polling, e.g. "30s"; default from `--poll-timeout`.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub timeout: Option<Spanned<String>>,
}

/// Where a captured value comes from.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    #[serde(default)]
    pub header: Option<String>,
    /// JSON pointer into the response body.
    #[serde(default)]
    pub body: Option<String>,
}
