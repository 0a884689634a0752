//! Command-line interface: one definition per flag drives parsing and `--help`.
//! Every run setting can also come from an environment variable.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::schema::Mode;
use refcloud::{CloudConfig, FaultPlan, Mutant, Profile, QuotaOverrides};

fn duration(s: &str) -> Result<Duration, crate::case::BadDuration> {
    crate::case::parse_duration(s)
}

/// A `--fact` that is not `NAME=VALUE`.
#[derive(Debug, thiserror::Error)]
#[error("expected NAME=VALUE, got {0:?}")]
pub struct BadFact(String);

fn fact(s: &str) -> Result<(String, String), BadFact> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| BadFact(s.to_string()))
}

fn mutant(s: &str) -> Result<Mutant, refcloud::UnknownMutant> {
    s.parse()
}

fn fault_plan(s: &str) -> Result<FaultPlan, refcloud::FaultSpecError> {
    s.parse()
}

fn quotas(s: &str) -> Result<QuotaOverrides, refcloud::QuotaSpecError> {
    s.parse()
}

/// `--quota`: resource name to room.
#[derive(Debug, Clone, Default)]
pub struct QuotaRoom(pub std::collections::BTreeMap<String, u32>);

fn quota_room(s: &str) -> Result<QuotaRoom, String> {
    let mut room = std::collections::BTreeMap::new();
    for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, n) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{pair}` is not `resource=N`"))?;
        let n: u32 = n
            .trim()
            .parse()
            .map_err(|_| format!("the room of `{name}` must be a whole number, not `{n}`"))?;
        room.insert(name.trim().to_string(), n);
    }
    Ok(QuotaRoom(room))
}

#[derive(Debug, Parser)]
#[command(
    name = "stackconform",
    version,
    about = "Checks that an OpenStack endpoint honours the API contract.",
    long_about = "Checks that an OpenStack endpoint honours the API contract.\n\n\
        Without a subcommand, runs the case catalogue (like `stackconform run`). \
        Without --cloud, runs it against the embedded reference cloud.\n\n\
        Exit codes: 0 every selected case passed or was skipped with a reason; \
        101 a case failed (with --fail-on-skip, also a skip); \
        2 usage, configuration or case-file error (nothing ran); \
        3 log-in or discovery of the target failed after retries (nothing ran); \
        4 the filters or the partition selected no case (nothing ran); \
        130 interrupted by a signal or a failed stdout (cases not started count as failed).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// The command line as the binary parses it and as `completions` describes it: the
/// derive's, with our help template (libtest-mimic's flattened arguments bring their own)
/// and `--version` back (they turn it off).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
        .help_template("{about-with-newline}\n{usage-heading} {usage}\n\n{all-args}{after-help}")
        .disable_version_flag(false)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the catalogue (the default).
    Run(Box<RunArgs>),
    /// Serve the reference cloud until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// Run the catalogue against each deliberately broken reference cloud; every mutant must be caught.
    Mutants(MutantsArgs),
    /// Print which status codes of each operation the cases provoke, and the gaps.
    Coverage(CoverageArgs),
    /// Print the JSON Schema of a file format (case, fixtures, operation, report); published in docs/schema/.
    Schema(SchemaArgs),
    /// What changed between two JSON reports; exit 101 on a regression (a newly failing
    /// case or schema drift).
    Diff(DiffArgs),
    /// Merge the JSON reports of the shards of a partitioned run into one.
    Merge(MergeArgs),
    /// Remove what earlier runs left on a target: from their ledgers, or by name prefix.
    Sweep(SweepArgs),
    /// Print a reference cloud latency profile's figures and where each was measured.
    Profile(ProfileArgs),
    /// The built-in catalogue: `catalogue export DIR` writes its cases and snapshots out for editing.
    Catalogue(CatalogueCommand),
    /// Accept or reject the proposed snapshot changes (`<name>.snap.new`), as `cargo insta review` does.
    Review(ReviewArgs),
    /// Print a shell completion script: `stackconform completions bash > /etc/bash_completion.d/stackconform`.
    Completions(CompletionsArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args, Clone)]
pub struct CatalogueCommand {
    #[command(subcommand)]
    pub action: CatalogueAction,
}

#[derive(Debug, Subcommand, Clone)]
pub enum CatalogueAction {
    /// Write the built-in cases to DIR/cases and its snapshots to DIR/snapshots.
    Export(ExportArgs),
}

#[derive(Debug, Args, Clone)]
pub struct ExportArgs {
    /// The folder to write into (created if missing).
    pub dir: PathBuf,
    /// Replace files that are already there.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args, Clone)]
pub struct ReviewArgs {
    /// Folder of schema snapshots; default: `snapshots` in the working directory.
    #[arg(long, env = "STACKCONFORM_SNAPSHOTS", default_value = "snapshots")]
    pub snapshots: PathBuf,
    /// Accept every proposal without asking.
    #[arg(long, conflicts_with = "reject")]
    pub accept: bool,
    /// Reject (delete) every proposal without asking.
    #[arg(long)]
    pub reject: bool,
    /// Only list the proposals, with what each changes; change nothing.
    #[arg(long, conflicts_with_all = ["accept", "reject"])]
    pub list: bool,
}

#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args, Clone)]
pub struct ProfileArgs {
    /// `loopback` or `realistic`.
    #[arg(default_value = "realistic")]
    pub profile: Profile,
    /// Print JSON (times in milliseconds) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Print the catalogue's critical path under the profile instead: the longest chain of
    /// requests that must happen one after another, case by case, with its steps. No run
    /// against a cloud with this profile can take less.
    #[arg(long)]
    pub critical_path: bool,
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
}

/// Where the catalogue lives; shared by every command that runs it.
#[derive(Debug, Args, Clone)]
pub struct CatalogueArgs {
    /// Folder of case files (fixtures under its `fixtures/`); default: `cases` in the working
    /// directory if there is one, else the catalogue built into the binary.
    #[arg(long, env = "STACKCONFORM_CASES")]
    pub cases: Option<PathBuf>,
    /// Folder of schema snapshots; default: `snapshots` beside the cases folder (the built-in
    /// ones with the built-in catalogue).
    #[arg(long, env = "STACKCONFORM_SNAPSHOTS")]
    pub snapshots: Option<PathBuf>,
}

/// How the embedded reference cloud behaves; shared by `run` and `serve`.
#[derive(Debug, Args, Clone)]
pub struct ReferenceArgs {
    /// How long the reference cloud takes to answer and to finish a boot, delete, detach or
    /// action: `loopback` (at once; milliseconds) or `realistic` (a production deployment's
    /// measured figures; `stackconform profile realistic` lists them with their sources).
    #[arg(
        long,
        env = "STACKCONFORM_REFERENCE_PROFILE",
        default_value = "loopback"
    )]
    pub reference_profile: Profile,
    /// The reference cloud's asynchronous detach delay [default: the profile's, 100ms
    /// for loopback].
    #[arg(long, env = "STACKCONFORM_REFERENCE_DETACH_DELAY", value_parser = duration)]
    pub reference_detach_delay: Option<Duration>,
    /// How long after add_router_interface the interface port's status turns ACTIVE, as
    /// the L3 agent or OVN brings it up (Tempest waits for it) [default: the profile's,
    /// 200ms for loopback].
    #[arg(long, env = "STACKCONFORM_REFERENCE_PORT_UP_DELAY", value_parser = duration)]
    pub reference_port_up_delay: Option<Duration>,
    /// Run the reference cloud with one deliberate contract deviation, to see the failure it
    /// produces (names: `stackconform mutants --list`).
    #[arg(long, env = "STACKCONFORM_REFERENCE_MUTANT", value_parser = mutant)]
    pub reference_mutant: Option<Mutant>,
    /// Inject faults into the reference cloud's answers:
    /// `seed=N[,rate=P][,kinds=503+latency+drop+truncate][,latency=250ms][,only=POST|DELETE][,path=REGEX][,except=REGEX]`.
    /// The same seed and request order give the same faults.
    #[arg(long, env = "STACKCONFORM_REFERENCE_FAULTS", value_parser = fault_plan)]
    pub reference_faults: Option<FaultPlan>,
    /// Default quota limits of every project of the reference cloud, instead of Neutron's and
    /// Nova's own: `router=3,instances=2` (-1 is unlimited).
    #[arg(long, env = "STACKCONFORM_REFERENCE_QUOTA", value_parser = quotas, default_value = "")]
    pub reference_quota: QuotaOverrides,
    /// How long after accepting a boot the reference cloud's conductor creates the
    /// instance and rechecks the quota, as Nova does (default: the profile's). Boots
    /// accepted within it are not counted yet, so two at once can both be accepted and
    /// the later one end in ERROR, "Quota exceeded".
    #[arg(long, env = "STACKCONFORM_REFERENCE_SCHEDULE_DELAY", value_parser = duration)]
    pub reference_schedule_delay: Option<Duration>,
}

impl ReferenceArgs {
    /// A mutant or injected faults: the cloud is wrong on purpose, so what it answers must
    /// never become a snapshot.
    pub fn deliberately_broken(&self) -> bool {
        self.reference_mutant.is_some() || self.reference_faults.is_some()
    }

    pub fn cloud_config(&self) -> CloudConfig {
        let profiled = CloudConfig::profiled(self.reference_profile);
        CloudConfig {
            detach_delay: self.reference_detach_delay.unwrap_or(profiled.detach_delay),
            server_schedule_delay: self
                .reference_schedule_delay
                .unwrap_or(profiled.server_schedule_delay),
            router_port_up_delay: self
                .reference_port_up_delay
                .unwrap_or(profiled.router_port_up_delay),
            mutant: self.reference_mutant,
            faults: self.reference_faults.clone(),
            quotas: self.reference_quota.clone(),
            ..profiled
        }
    }
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
    /// contract: extra fields allowed (real clouds); strict: exact shape (emulators).
    /// Default: strict on the reference cloud, contract elsewhere.
    #[arg(long, env = "STACKCONFORM_SCHEMA_MODE")]
    pub schema_mode: Option<Mode>,
    /// Timeout of every HTTP request.
    #[arg(long, env = "STACKCONFORM_REQUEST_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub request_timeout: Duration,
    /// Deadline of a whole case (teardown has its own).
    #[arg(long, env = "STACKCONFORM_CASE_TIMEOUT", default_value = "180s", value_parser = duration)]
    pub case_timeout: Duration,
    /// How long a polling step waits for its condition unless the case says.
    #[arg(long, env = "STACKCONFORM_POLL_TIMEOUT", default_value = "60s", value_parser = duration)]
    pub poll_timeout: Duration,
    /// First pause between polls; each pause is half as long again, up to --poll-max-interval,
    /// and at most 40 ms during a poll's first second.
    #[arg(long, env = "STACKCONFORM_POLL_INTERVAL", default_value = "10ms", value_parser = duration)]
    pub poll_interval: Duration,
    /// The longest pause between two polls, which the pauses grow to after a poll's first
    /// second.
    #[arg(long, env = "STACKCONFORM_POLL_MAX_INTERVAL", default_value = "1s", value_parser = duration)]
    pub poll_max_interval: Duration,
    /// Responses with a larger body fail instead of being read.
    #[arg(long, env = "STACKCONFORM_MAX_BODY_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_body_bytes: usize,
    #[command(flatten)]
    pub clouds: CloudArgs,
    /// Known deviations of the target: cases expected to fail there (YAML).
    #[arg(long, env = "STACKCONFORM_DEVIATIONS")]
    pub deviations: Option<PathBuf>,
    /// A fact about the target, e.g. --fact image_id=<uuid> (repeatable).
    #[arg(long = "fact", value_parser = fact)]
    pub facts: Vec<(String, String)>,
    /// Where the ledger of created resources is written (real clouds only); default
    /// $XDG_STATE_HOME/stackconform/ledgers or ~/.local/state/stackconform/ledgers.
    #[arg(long, env = "STACKCONFORM_LEDGER_DIR")]
    pub ledger_dir: Option<PathBuf>,
    /// Write the JSON report of the run here (schema: docs/schema/report.schema.json).
    #[arg(long, env = "STACKCONFORM_REPORT")]
    pub report: Option<PathBuf>,
    /// Write a JUnit XML file here (one testcase per case).
    #[arg(long, env = "STACKCONFORM_JUNIT")]
    pub junit: Option<PathBuf>,
    /// Write the run as one self-contained HTML page here: target and settings, coverage,
    /// every case with its verdict, failure and exchanges (redacted), filterable by verdict.
    #[arg(long, env = "STACKCONFORM_HTML")]
    pub html: Option<PathBuf>,
    /// Run one shard of the catalogue: hash:M/N (stable per case) or count:M/N (balanced).
    #[arg(long, env = "STACKCONFORM_PARTITION")]
    pub partition: Option<crate::runner::Partition>,
    /// Setup and teardown requests are repeated up to this many times after a connection
    /// error or a 503, with backoff (100 ms doubling to 2 s). The request under test never is.
    #[arg(long, env = "STACKCONFORM_RETRIES", default_value_t = 3)]
    pub retries: u32,
    /// Fail every case that would be skipped (a missing identity, service, extension,
    /// fact or microversion, a catalogue `ignore`), except a recorded deviation: for
    /// certification runs, where what was not checked must not pass.
    #[arg(long, env = "STACKCONFORM_FAIL_ON_SKIP")]
    pub fail_on_skip: bool,
    /// Start no more cases once one has failed; those not started are reported as not run
    /// (failed), the running ones finish and tear down, and the run exits 101.
    #[arg(long, env = "STACKCONFORM_FAIL_FAST")]
    pub fail_fast: bool,
    /// The live status line while cases run (done/total, what is running and for how long):
    /// `auto` draws it when stdout is a terminal, `always` also into a pipe (\r-redrawn),
    /// `never` prints plain lines only.
    #[arg(
        long,
        env = "STACKCONFORM_PROGRESS",
        value_enum,
        default_value = "auto"
    )]
    pub progress: ProgressMode,
    /// The room of quotas the run cannot read (a quota API it is not allowed to see):
    /// `router=8,instances=4`, how many the cases may hold at once. Takes precedence over
    /// what a quota API says.
    #[arg(long, env = "STACKCONFORM_QUOTA", value_parser = quota_room, default_value = "")]
    pub quota: QuotaRoom,
    /// How long a setup request the target refuses over quota is sent again (room freed
    /// by another job of a shared cloud).
    #[arg(long, env = "STACKCONFORM_QUOTA_WAIT", default_value = "60s", value_parser = duration)]
    pub quota_wait: Duration,
    /// Print every exchange (redacted) as it happens, on stderr.
    #[arg(short = 'v', long, env = "STACKCONFORM_VERBOSE")]
    pub verbose: bool,
    #[command(flatten)]
    pub reference: ReferenceArgs,
    /// libtest's own options: filters, --list, --exact, --ignored, --format, --test-threads...
    #[command(flatten)]
    pub test: libtest_mimic::Arguments,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "STACKCONFORM_LISTEN", default_value = "127.0.0.1:5000")]
    pub listen: SocketAddr,
    /// Where to write a clouds.yaml for the four seeded identities.
    #[arg(long, env = "STACKCONFORM_CLOUDS_YAML")]
    pub clouds_yaml: Option<PathBuf>,
    #[command(flatten)]
    pub reference: ReferenceArgs,
}

#[derive(Debug, Args, Clone)]
pub struct MutantsArgs {
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
    /// Run only this mutant (repeatable); default: all of them.
    #[arg(long = "mutant", value_name = "NAME", value_parser = mutant)]
    pub mutants: Vec<Mutant>,
    /// Print the mutants with their descriptions and exit.
    #[arg(long)]
    pub list: bool,
    /// Cases run at once against one mutant.
    #[arg(long, env = "STACKCONFORM_MUTANTS_CASE_THREADS", default_value_t = 16)]
    pub case_threads: usize,
    /// Mutant clouds running at once.
    #[arg(long, env = "STACKCONFORM_MUTANTS_CLOUDS", default_value_t = 4)]
    pub clouds: usize,
}

#[derive(Debug, Args, Clone)]
pub struct SchemaArgs {
    /// Which file format.
    #[arg(value_enum, default_value = "case")]
    pub kind: crate::file_formats::FileKind,
}

#[derive(Debug, Args, Clone)]
pub struct CoverageArgs {
    /// Folder of case files and operation tables; default: `cases` in the working directory
    /// if there is one, else the built-in catalogue.
    #[arg(long, env = "STACKCONFORM_CASES")]
    pub cases: Option<PathBuf>,
    /// Write the matrix into this file, between its coverage markers, instead of printing it.
    #[arg(long, env = "STACKCONFORM_COVERAGE_README")]
    pub readme: Option<PathBuf>,
    /// With --readme: change nothing, exit 101 if the file's matrix is stale.
    #[arg(long, requires = "readme")]
    pub check: bool,
}

#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// The earlier report (e.g. last night's).
    pub old: PathBuf,
    /// The later report.
    pub new: PathBuf,
    /// A case is slower when it takes this many times as long...
    #[arg(long, env = "STACKCONFORM_SLOWER_RATIO", default_value_t = 2.0)]
    pub slower_ratio: f64,
    /// ...and at least this much longer (milliseconds), so jitter on fast cases is ignored.
    #[arg(long, env = "STACKCONFORM_SLOWER_MIN_MS", default_value_t = 250.0)]
    pub slower_min_ms: f64,
    /// Also write the comparison as one self-contained HTML page here.
    #[arg(long)]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct MergeArgs {
    /// The shards' reports.
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,
    /// Where to write the merged JSON report.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Also write the merged run as JUnit XML.
    #[arg(long)]
    pub junit: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct SweepArgs {
    /// The identities (--cloud is required); only their projects' resources are touched.
    #[command(flatten)]
    pub clouds: CloudArgs,
    /// Replay these ledger files (repeatable); default: every ledger in --ledger-dir.
    #[arg(long)]
    pub ledger: Vec<PathBuf>,
    /// Where runs wrote their ledgers; default $XDG_STATE_HOME/stackconform/ledgers or
    /// ~/.local/state/stackconform/ledgers.
    #[arg(long, env = "STACKCONFORM_LEDGER_DIR")]
    pub ledger_dir: Option<PathBuf>,
    /// Folder of case files: the `sweep:` of its fixtures says what to look for by prefix;
    /// default: `cases` in the working directory if there is one, else the built-in catalogue.
    #[arg(long, env = "STACKCONFORM_CASES")]
    pub cases: Option<PathBuf>,
    /// Instead of ledgers, find resources whose name starts with this prefix
    /// (`stackconform-` for every run, `stackconform-<run id>-` for one).
    #[arg(long, conflicts_with = "ledger")]
    pub prefix: Option<String>,
    /// List what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Timeout of every HTTP request.
    #[arg(long, env = "STACKCONFORM_REQUEST_TIMEOUT", default_value = "30s", value_parser = duration)]
    pub request_timeout: Duration,
    /// The whole sweep's deadline; each waiting step is bounded by the poll timeout its run
    /// recorded as well.
    #[arg(long, env = "STACKCONFORM_SWEEP_TIMEOUT", default_value = "10m", value_parser = duration)]
    pub timeout: Duration,
    /// Log-in and listing requests are repeated up to this many times after a connection
    /// error or a 503, with backoff.
    #[arg(long, env = "STACKCONFORM_RETRIES", default_value_t = 3)]
    pub retries: u32,
}

/// The identities of a run, by clouds.yaml name; shared by `run` and `sweep`.
#[derive(Debug, Args, Clone)]
pub struct CloudArgs {
    /// The cloud (clouds.yaml name) whose identity owns the resources: a project member.
    /// A run without it uses the embedded reference cloud; a sweep needs it.
    #[arg(long, env = "OS_CLOUD")]
    pub cloud: Option<String>,
    /// A member of another project (cross-project cases).
    #[arg(long, env = "STACKCONFORM_ALT_CLOUD")]
    pub alt_cloud: Option<String>,
    /// A reader-only user of the owning project (policy cases).
    #[arg(long, env = "STACKCONFORM_READER_CLOUD")]
    pub reader_cloud: Option<String>,
    /// An admin (lock bypass, external networks).
    #[arg(long, env = "STACKCONFORM_ADMIN_CLOUD")]
    pub admin_cloud: Option<String>,
    /// Do not verify TLS certificates.
    #[arg(long, env = "STACKCONFORM_INSECURE")]
    pub insecure: bool,
}

impl CloudArgs {
    /// The names, when an owner cloud is given.
    pub fn names(&self) -> Option<crate::target::CloudNames> {
        Some(crate::target::CloudNames {
            owner: self.cloud.clone()?,
            other: self.alt_cloud.clone(),
            reader: self.reader_cloud.clone(),
            admin: self.admin_cloud.clone(),
        })
    }
}

/// The subcommand a mistyped word most likely meant, as clap suggests for flags.
pub fn similar_subcommand(word: &str) -> Option<String> {
    use clap::CommandFactory;
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .map(|name| (strsim::jaro(word, &name), name))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}
