//! The JSON report of a run (`--report FILE`). Its JSON Schema is generated from these
//! types and published as `docs/schema/report.schema.json`; `FORMAT_VERSION` changes
//! whenever a field changes meaning or disappears (new optional fields do not bump it).
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// 2: `resources.created` counts by resource kind (it counted by fixture, now
/// `resources.setups`).
pub const FORMAT_VERSION: u32 = 2;

/// One run of the catalogue against one target.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunReport {
    /// Version of this format; see `FORMAT_VERSION`.
    pub format_version: u32,
    /// `stackconform <version>`.
    pub tool: String,
    /// The run id in every resource name (`stackconform-<run id>-`); for merged shards, the
    /// ids joined with `+`.
    pub run_id: String,
    /// RFC 3339 start time.
    pub started_at: String,
    /// Wall time of the whole run, milliseconds.
    pub duration_ms: f64,
    pub target: TargetReport,
    /// Which catalogue ran: a cases folder, or `the built-in catalogue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<String>,
    /// `hash:M/N` or `count:M/N` when the run was one shard; absent for a whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// Set when the run was stopped (a signal, its output failed, `--fail-fast`): what
    /// stopped it.
    /// The cases it never started are `failed` with a "not run" failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<String>,
    pub summary: Summary,
    /// What the run created, and how the projects' quotas held it back.
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    /// Every case the run selected, in trial-name order.
    pub cases: Vec<CaseReport>,
}

/// What the run created, by resource and by fixture, each quota it read, and every setup
/// that had to wait for quota.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// Resource kind (the collection a setup `POST` answered 2xx went to: `routers`,
    /// `servers`, `os-interface`...) to the number created.
    pub created: BTreeMap<String, u32>,
    /// Fixture name to the number of its setups that completed (a shared fixture counts
    /// once however many cases used it).
    #[serde(default)]
    pub setups: BTreeMap<String, u32>,
    pub quotas: Vec<QuotaReport>,
    /// Setup requests the target refused over quota and the run sent again (`--quota-wait`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quota_waits: Vec<QuotaWait>,
}

impl Resources {
    pub fn is_empty(&self) -> bool {
        self.created.is_empty()
            && self.setups.is_empty()
            && self.quotas.is_empty()
            && self.quota_waits.is_empty()
    }
}

/// One setup request that was refused over quota and sent again until it got room or
/// `--quota-wait` ran out.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuotaWait {
    pub trial: String,
    pub step: String,
    pub waited_ms: f64,
    /// false: still over quota when the wait ran out (the step then failed as answered).
    pub got_room: bool,
}

/// One project's quota of one resource, as the run found and used it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuotaReport {
    pub project_id: String,
    /// The quota's name in the service's API: `router`, `instances`.
    pub resource: String,
    /// The limit and the use before the run, when the quota API said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_before: Option<i64>,
    /// How many the run's cases could hold at once (from the API or `--quota`); absent
    /// when the quota held nothing back (unlimited, or not readable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<u32>,
    /// The most the run's cases held at once.
    pub peak: u32,
}

/// What the run talked to and what it found there.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetReport {
    /// `reference` for the embedded cloud, else the owner's clouds.yaml name.
    pub name: String,
    pub reference_cloud: bool,
    /// `contract` or `strict`.
    pub schema_mode: String,
    /// The identities the run had: owner, other, reader, admin, none.
    pub identities: Vec<String>,
    /// Service type to endpoint root, from the owner's catalog.
    pub endpoints: BTreeMap<String, String>,
    /// Neutron extension aliases, when the target lists them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_extensions: Option<Vec<String>>,
    /// Nova's highest microversion, when the target says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compute_max_microversion: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub known_deviations: usize,
}

#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Passed,
    Failed,
    /// Not run: the target lacks something the case needs (see `skip_reason`), or the case
    /// is marked `ignore`.
    Skipped,
    /// Failed as the target's deviations file says it does.
    KnownDeviation,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Skipped => "skipped",
            Verdict::KnownDeviation => "known_deviation",
        }
    }
}

/// One case of the run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseReport {
    /// The case's stable UUID: follow a case across renames by this.
    pub id: String,
    pub name: String,
    pub operation: String,
    /// The libtest trial name, `<operation>::<file stem>`.
    pub trial: String,
    pub file: String,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    /// The status the case expects of the request under test.
    pub expected_status: u16,
    /// The status the request under test got; absent when it was not sent or got no answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_status: Option<u16>,
    pub duration_ms: f64,
    /// The whole failure message (redacted), as the terminal shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// The schema check of the request under test, when the case names a schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaReport>,
    /// The shape of the body of the request under test: JSON pointer (`*` for array
    /// elements) to JSON type. `diff` compares it between runs to find schema drift.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub observed_shape: BTreeMap<String, String>,
    /// Every request the case made, in order.
    pub exchanges: Vec<ExchangeReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SchemaReport {
    pub name: String,
    /// `matched`, `mismatched`, `recorded` (first run wrote it) or `missing`.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Fields the schema does not know, allowed in contract mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extra_fields: Vec<String>,
    /// Strings outside the schema's pattern, allowed in contract mode.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub off_pattern: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Setup,
    Test,
    FollowUp,
    Teardown,
}

/// One HTTP exchange. Secrets are never recorded: no headers, no bodies.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExchangeReport {
    pub phase: Phase,
    /// Which step sent it, e.g. `fixture net (network), setup step 1`.
    pub step: String,
    pub method: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub elapsed_ms: f64,
    /// Transport failure (timeout, connection, body cap), when there was no response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl std::fmt::Display for ExchangeReport {
    /// `step: METHOD URL -> status (ms)`, as failures and JUnit logs list exchanges.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} {} -> ", self.step, self.method, self.url)?;
        match (self.status, &self.error) {
            (Some(s), _) => write!(f, "{s} ({:.0} ms)", self.elapsed_ms),
            (None, Some(err)) => write!(f, "no answer: {err}"),
            (None, None) => f.write_str("no answer"),
        }
    }
}

/// The first failed expectation of a failure message (its `  - ...` lines): it says more
/// than the case's name, for one-line summaries.
pub fn first_problem(failure: &str) -> Option<&str> {
    failure
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("- "))
        .map(str::trim_end)
}
