use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::cli::RunArgs;
use crate::error::{Error, EXIT_FAILED};
use crate::runner::{build_trials, Deviations, RunContext, Settings};
use crate::schema::{Mode, SnapshotStore};
use crate::target::{connect_clouds, start_embedded, CloudNames};

use super::catalogue;

/// Trials run in parallel by default; they wait on the network, not on the CPU.
const DEFAULT_TEST_THREADS: usize = 16;

/// insta reads its settings from the environment; set our defaults before any thread starts.
fn configure_insta(snapshots: &Path) {
    if std::env::var_os("INSTA_OUTPUT").is_none() {
        // Our own failure messages say what changed and where the proposal went.
        std::env::set_var("INSTA_OUTPUT", "none");
    }
    if std::env::var_os("INSTA_WORKSPACE_ROOT").is_none() {
        // An installed binary runs outside the cargo tree it was built in.
        let root = snapshots.parent().unwrap_or(Path::new("."));
        std::env::set_var("INSTA_WORKSPACE_ROOT", root);
    }
}

/// Runs the catalogue; returns the process exit code.
pub fn run(args: RunArgs) -> Result<i32, Error> {
    let catalogue = catalogue::load(&args.catalogue)?;
    let deviations = match &args.deviations {
        Some(path) => Deviations::load(path)?,
        None => Deviations::default(),
    };
    let snapshots = catalogue::snapshots_dir(&args.catalogue);
    configure_insta(&snapshots);
    let mut test = args.test.clone();
    if test.test_threads.is_none() && std::env::var_os("RUST_TEST_THREADS").is_none() {
        test.test_threads = Some(DEFAULT_TEST_THREADS);
    }
    let rt = super::runtime()?;
    if test.list {
        let trials = build_trials(None, &catalogue.cases, rt.handle());
        return Ok(if libtest_mimic::run(&test, trials).has_failed() {
            EXIT_FAILED
        } else {
            0
        });
    }

    let mut target = match &args.cloud {
        Some(owner) => {
            let names = CloudNames {
                owner: owner.clone(),
                other: args.alt_cloud.clone(),
                reader: args.reader_cloud.clone(),
                admin: args.admin_cloud.clone(),
            };
            rt.block_on(connect_clouds(&names, args.request_timeout, args.insecure))?
        }
        None => rt.block_on(start_embedded(
            args.reference.cloud_config(),
            args.request_timeout,
        ))?,
    };
    target.facts.extend(args.facts.iter().cloned());
    let schema_mode = args.schema_mode.unwrap_or(if target.is_reference() {
        Mode::Strict
    } else {
        Mode::Contract
    });
    let ctx = Arc::new(RunContext {
        target,
        catalogue: catalogue.clone(),
        settings: Settings {
            request_timeout: args.request_timeout,
            case_timeout: args.case_timeout,
            poll_timeout: args.poll_timeout,
            poll_interval: args.poll_interval,
            poll_max_interval: args.poll_max_interval,
            max_body_bytes: args.max_body_bytes,
            schema_mode,
            poll_timeout_cap: None,
        },
        snapshots: SnapshotStore::new(snapshots),
        run_id: catalogue::run_id(),
        notes: Mutex::new(Vec::new()),
        deviations,
    });
    let trials = build_trials(Some(ctx.clone()), &catalogue.cases, rt.handle());
    let conclusion = libtest_mimic::run(&test, trials);

    let notes = std::mem::take(&mut *ctx.notes.lock().unwrap_or_else(|e| e.into_inner()));
    if !notes.is_empty() {
        println!("notes:");
        for n in notes {
            println!("  {n}");
        }
    }
    if let Ok(ctx) = Arc::try_unwrap(ctx) {
        if let Some(cloud) = ctx.target.cloud {
            rt.block_on(cloud.shutdown());
        }
    }
    Ok(if conclusion.has_failed() {
        EXIT_FAILED
    } else {
        0
    })
}
