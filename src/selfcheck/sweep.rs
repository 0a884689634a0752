//! One sweep: start a reference cloud with a given config, run every case against it in process, stop it.
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use crate::case::Catalogue;
use crate::runner::{run_case, Deviations, RunContext, Settings};
use crate::schema::{Mode, SnapshotStore, Snapshots};
use crate::target::start_embedded;
use refcloud::CloudConfig;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseResult {
    Passed,
    Failed(String),
    /// The target could not run the case; the reason says what it lacked.
    Skipped(String),
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// By trial name.
    pub results: BTreeMap<String, CaseResult>,
}

impl Outcome {
    pub fn failed(&self) -> impl Iterator<Item = (&String, &String)> {
        self.results.iter().filter_map(|(name, r)| match r {
            CaseResult::Failed(report) => Some((name, report)),
            _ => None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum CloudRun {
    Ran(Outcome),
    /// The harness could not even log in or discover the target.
    Unusable(String),
}

/// The reference cloud finishes asynchronous work within a few hundred milliseconds, so a poll that
/// has not seen it after this long is looking at a deviation, not at a slow cloud.
const POLL_TIMEOUT_CAP: Duration = Duration::from_secs(3);

fn settings() -> Settings {
    Settings {
        request_timeout: Duration::from_secs(10),
        case_timeout: Duration::from_secs(30),
        poll_timeout: POLL_TIMEOUT_CAP,
        poll_interval: Duration::from_millis(10),
        poll_max_interval: Duration::from_millis(200),
        max_body_bytes: 16 * 1024 * 1024,
        // The reference cloud is an emulator: its shapes are checked exactly, as `run` does by default.
        schema_mode: Mode::Strict,
        poll_timeout_cap: Some(POLL_TIMEOUT_CAP),
        fail_on_skip: false,
        fail_fast: false,
        quota_wait: Duration::from_secs(5),
        verbose: false,
        // A mutant must show in the verdicts, not be papered over by a retry.
        retries: 0,
    }
}

/// Runs the catalogue's non-ignored cases, `case_threads` at a time, against a fresh reference cloud.
pub async fn check_cloud(
    catalogue: &Arc<Catalogue>,
    snapshots: &Snapshots,
    config: CloudConfig,
    case_threads: usize,
    run_id: String,
) -> CloudRun {
    let settings = settings();
    let connect = crate::target::Connect {
        timeout: settings.request_timeout,
        insecure: false,
        retries: settings.retries,
        clients: Default::default(),
    };
    let target = match start_embedded(config, &connect).await {
        Ok(t) => t,
        Err(e) => return CloudRun::Unusable(e.to_string()),
    };
    let mut ctx = RunContext {
        target,
        catalogue: catalogue.clone(),
        settings,
        snapshots: SnapshotStore::read_only(snapshots.clone()),
        run_id,
        notes: Mutex::new(Vec::new()),
        deviations: Deviations::default(),
        reports: Mutex::new(Vec::new()),
        stop: Default::default(),
        shared: Default::default(),
        after_setup: None,
        quotas: Default::default(),
        tally: Default::default(),
        sharing: Default::default(),
        progress: Default::default(),
        // The embedded cloud's resources end with it.
        ledger: None,
    };
    let results = {
        let ctx = &ctx;
        stream::iter(catalogue.cases.iter().filter(|c| c.doc.ignore.is_none()))
            .map(|case| async move {
                let result = match ctx.target.skip_reason(&case.needs) {
                    Some(reason) => CaseResult::Skipped(reason),
                    None => match run_case(ctx, case).await.0 {
                        Ok(()) => CaseResult::Passed,
                        Err(failure) => CaseResult::Failed(failure.to_string()),
                    },
                };
                (case.trial_name.clone(), result)
            })
            .buffer_unordered(case_threads.max(1))
            .collect::<BTreeMap<_, _>>()
            .await
    };
    // The identities' clients go first, so that the cloud has no idle connections to wait for.
    let cloud = ctx.target.cloud.take();
    drop(ctx);
    if let Some(cloud) = cloud {
        cloud.shutdown().await;
    }
    CloudRun::Ran(Outcome { results })
}
