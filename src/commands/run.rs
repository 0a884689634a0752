use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use crate::case::Role;
use crate::cli::{ProgressMode, RunArgs};
use crate::error::{Error, EXIT_FAILED, EXIT_INTERRUPTED};
use crate::ledger::Ledger;
use crate::report::{junit_xml, summarize, Resources, RunReport, TargetReport, FORMAT_VERSION};
use crate::runner::{trials, Deviations, RunContext, Settings, Stop};
use crate::schema::{Mode, SnapshotStore};
use crate::target::{connect_clouds, start_embedded, Connect, Target};

use super::catalogue;

/// Trials run in parallel by default; they wait on the network, not on the CPU.
pub(super) const DEFAULT_TEST_THREADS: usize = 16;

/// How many cases run at once: `--test-threads`, else `RUST_TEST_THREADS` (which
/// libtest-mimic does not read itself), else 16.
fn jobs(test: &libtest_mimic::Arguments) -> Result<usize, Error> {
    if let Some(n) = test.test_threads {
        return Ok(n);
    }
    match std::env::var("RUST_TEST_THREADS") {
        Ok(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(Error::Config(format!(
                "RUST_TEST_THREADS={v:?}: expected a whole number of at least 1"
            ))),
        },
        Err(_) => Ok(DEFAULT_TEST_THREADS),
    }
}

/// Runs the catalogue; returns the process exit code.
pub fn run(mut args: RunArgs) -> Result<i32, Error> {
    let stop = Arc::new(Stop::default());
    // The relay makes stdout a pipe; keep colour for a person at a terminal.
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || std::env::var("TERM").is_ok_and(|t| t == "dumb");
    if args.test.color.is_none() && terminal && !no_color {
        args.test.color = Some(libtest_mimic::ColorSetting::Always);
    }
    let progress = Arc::new(crate::runner::Progress::default());
    let status_line = match args.progress {
        ProgressMode::Always => true,
        ProgressMode::Never => false,
        ProgressMode::Auto => terminal && std::env::var("TERM").map_or(true, |t| t != "dumb"),
    } && !args.verbose
        // Terse and JSON output are not lines a status line can sit under.
        && matches!(args.test.format, None | Some(libtest_mimic::FormatSetting::Pretty));
    #[cfg(unix)]
    let relay = match super::output::install(stop.clone(), status_line.then(|| progress.clone())) {
        Ok(relay) => Some(relay),
        Err(e) => {
            tracing::warn!("cannot relay standard output ({e}); a closed stdout will end the run");
            None
        }
    };
    let result = run_with(args, stop, progress);
    #[cfg(unix)]
    if let Some(relay) = relay {
        relay.finish();
    }
    result
}

fn run_with(
    args: RunArgs,
    stop: Arc<Stop>,
    progress: Arc<crate::runner::Progress>,
) -> Result<i32, Error> {
    let connect = Connect {
        timeout: args.request_timeout,
        insecure: args.clouds.insecure,
        retries: args.retries,
        clients: Default::default(),
    };
    if !args.test.list {
        connect.clients.prewarm(args.clouds.insecure);
    }
    let catalogue::Opened {
        catalogue,
        snapshots,
        name: catalogue_name,
    } = catalogue::open(&args.catalogue)?;
    let cases = match &args.partition {
        Some(p) => p.select(&catalogue.cases),
        None => catalogue.cases.clone(),
    };
    let deviations = match &args.deviations {
        Some(path) => Deviations::load(path)?,
        None => Deviations::default(),
    };
    let test = &args.test;
    if test.list {
        return Ok(if trials::list(test, &cases).has_failed() {
            EXIT_FAILED
        } else {
            0
        });
    }
    if trials::selected(test, &cases, args.fail_on_skip) == 0 {
        return Err(Error::NoCases(empty_selection(
            &args,
            catalogue.cases.len(),
        )));
    }
    let jobs = jobs(test)?;
    let rt = super::runtime()?;

    let started = (Instant::now(), SystemTime::now());
    // A run against a deliberately broken reference cloud must not propose its shapes.
    let store = if args.reference.deliberately_broken() && args.clouds.names().is_none() {
        SnapshotStore::read_only(snapshots)
    } else {
        SnapshotStore::new(snapshots)
    };
    // The selected cases' schemas are compiled on another thread while the logins and
    // discovery wait for the target: with a few cases, compiling them was a fifth of the
    // run, on its critical path.
    let schemas: std::collections::BTreeSet<&str> = cases
        .iter()
        .filter(|c| trials::is_selected(test, c, args.fail_on_skip))
        .flat_map(|c| {
            let plan = &c.plan;
            std::iter::once(&plan.under_test)
                .chain(plan.then.iter())
                .filter_map(|s| s.schema.as_deref())
        })
        .collect();
    let mut target = std::thread::scope(|scope| {
        let compiling = scope.spawn(|| {
            for name in &schemas {
                let _ = store.load(name);
            }
        });
        let target = match args.clouds.names() {
            Some(names) => rt.block_on(connect_clouds(&names, &connect)),
            None => rt.block_on(start_embedded(args.reference.cloud_config(), &connect)),
        };
        // Only a head start: a schema that cannot compile fails its cases when they use it.
        let _ = compiling.join();
        target
    })?;
    target.facts.extend(args.facts.iter().cloned());
    let schema_mode = args.schema_mode.unwrap_or(if target.is_reference() {
        Mode::Strict
    } else {
        Mode::Contract
    });
    let quotas = {
        // Only the quotas of the selected cases this target can run: a compute-only cloud
        // has no Neutron quota to read, and a shared fixture no selected case uses takes
        // no room.
        let selected: Vec<&crate::case::Case> = cases
            .iter()
            .filter(|c| trials::is_selected(test, c, args.fail_on_skip))
            .filter(|c| target.skip_reason(&c.needs).is_none())
            .collect();
        rt.block_on(crate::runner::quota::Quotas::read(
            &target,
            &catalogue.fixtures,
            &selected,
            &args.quota.0,
            args.request_timeout,
        ))
    };
    let run_id = catalogue::run_id();
    let ledger = open_ledger(&args, &target, &run_id)?;
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
            verbose: args.verbose,
            retries: args.retries,
            poll_timeout_cap: None,
            fail_on_skip: args.fail_on_skip,
            fail_fast: args.fail_fast,
            quota_wait: args.quota_wait,
        },
        snapshots: store,
        run_id,
        notes: Mutex::new(Vec::new()),
        deviations,
        reports: Mutex::new(Vec::new()),
        stop: stop.clone(),
        shared: Default::default(),
        after_setup: None,
        quotas: Arc::new(quotas),
        tally: Default::default(),
        sharing: Default::default(),
        progress: progress.clone(),
        ledger,
    });
    let signals = {
        let _guard = rt.enter();
        super::signals::Signals::install()
    };
    rt.spawn(super::signals::stop_on_signal(
        signals,
        ctx.stop.clone(),
        ctx.ledger_hint(),
    ));
    let conclusion = trials::run(test, ctx.clone(), cases.into(), rt.handle(), jobs);
    rt.block_on(ctx.sharing.tear_down_rest(&ctx));

    let mut notes = std::mem::take(&mut *ctx.notes.lock().unwrap_or_else(|e| e.into_inner()));
    notes.extend(ctx.quotas.summary());
    notes.extend(ctx.tally.notes());
    if !notes.is_empty() {
        println!("notes:");
        for n in notes {
            println!("  {n}");
        }
    }
    let interrupted = stop.reason().map(String::from);
    if let Some(reason) = &interrupted {
        let not_run = not_run(&ctx);
        let what = if stop.was_fail_fast() {
            "stopped"
        } else {
            "interrupted"
        };
        let line = format!(
            "{what}: {reason} stopped the run; {not_run} of {} selected cases were not run (counted as failed above)",
            conclusion.num_passed + conclusion.num_failed + conclusion.num_ignored
        );
        println!("{line}");
        let _ = writeln!(std::io::stderr(), "stackconform: {line}");
    }
    let mut report = run_report(&ctx, &args, started, catalogue_name);
    report.interrupted = interrupted.clone();
    write_reports(&report, &args, &ctx.catalogue)?;
    report_leftovers(&ctx, &args);
    if let Ok(ctx) = Arc::try_unwrap(ctx) {
        if let Some(cloud) = ctx.target.cloud {
            rt.block_on(cloud.shutdown());
        }
    }
    Ok(if interrupted.is_some() && !stop.was_fail_fast() {
        EXIT_INTERRUPTED
    } else if conclusion.has_failed() {
        EXIT_FAILED
    } else {
        0
    })
}

/// Real clouds get a ledger; the embedded cloud's resources end with the process.
fn open_ledger(args: &RunArgs, target: &Target, run_id: &str) -> Result<Option<Ledger>, Error> {
    if target.is_reference() {
        return Ok(None);
    }
    let dir = args
        .ledger_dir
        .clone()
        .unwrap_or_else(crate::ledger::default_dir);
    let ledger = Ledger::create(&dir, run_id).map_err(|e| Error::Config(e.to_string()))?;
    eprintln!(
        "stackconform: run {run_id}; resources are named stackconform-{run_id}-* and written down in {}",
        ledger.path().display()
    );
    Ok(Some(ledger))
}

/// Says what teardown could not remove and how to sweep it; the ledger is kept for that.
fn report_leftovers(ctx: &RunContext, args: &RunArgs) {
    let Some(ledger) = &ctx.ledger else { return };
    match ledger.finish() {
        Ok(left) if left.is_empty() => {}
        Ok(left) => {
            eprintln!(
                "stackconform: {} resource(s) could not be torn down; they are in {}",
                left.len(),
                ledger.path().display()
            );
            for event in &left {
                if let crate::ledger::Event::Created {
                    case,
                    alias,
                    fixture,
                    ..
                } = event
                {
                    eprintln!("  {case}: {alias} ({fixture})");
                }
            }
            eprintln!(
                "remove them with: stackconform sweep --cloud {} --ledger {}",
                args.clouds.cloud.as_deref().unwrap_or("<cloud>"),
                ledger.path().display()
            );
        }
        Err(e) => eprintln!("stackconform: {e}"),
    }
}

fn run_report(
    ctx: &RunContext,
    args: &RunArgs,
    started: (Instant, SystemTime),
    catalogue: String,
) -> RunReport {
    let mut cases = std::mem::take(&mut *ctx.reports.lock().unwrap_or_else(|e| e.into_inner()));
    cases.sort_by(|a, b| a.trial.cmp(&b.trial));
    let target = &ctx.target;
    let endpoints = target
        .identities
        .get(&Role::Owner)
        .map(|i| {
            i.endpoints
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    RunReport {
        format_version: FORMAT_VERSION,
        tool: format!("stackconform {}", env!("CARGO_PKG_VERSION")),
        run_id: ctx.run_id.clone(),
        started_at: humantime::format_rfc3339_millis(started.1).to_string(),
        duration_ms: started.0.elapsed().as_secs_f64() * 1000.0,
        catalogue: Some(catalogue),
        target: TargetReport {
            name: target.name.clone(),
            reference_cloud: target.is_reference(),
            schema_mode: ctx.settings.schema_mode.to_string(),
            identities: target.identities.keys().map(|r| r.to_string()).collect(),
            endpoints,
            network_extensions: target
                .capabilities
                .network_extensions
                .as_ref()
                .ok()
                .map(|e| e.iter().cloned().collect()),
            compute_max_microversion: target
                .capabilities
                .compute_max_microversion
                .as_ref()
                .ok()
                .map(|(a, b)| format!("{a}.{b}")),
        },
        partition: args.partition.map(|p| p.to_string()),
        interrupted: None,
        summary: summarize(&cases),
        resources: Resources {
            quotas: ctx.quotas.report(),
            ..ctx.tally.resources()
        },
        cases,
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn write_reports(
    report: &RunReport,
    args: &RunArgs,
    catalogue: &crate::case::Catalogue,
) -> Result<(), Error> {
    if let Some(path) = &args.html {
        let page = crate::report::run_page(report, &crate::coverage::matrix(catalogue));
        write_file(path, &page)?;
    }
    if let Some(path) = &args.report {
        let text = serde_json::to_string_pretty(report)
            .map_err(|e| Error::Config(format!("cannot serialise the report: {e}")))?;
        write_file(path, &text)?;
    }
    if let Some(path) = &args.junit {
        let xml = junit_xml(report).map_err(|e| Error::Config(format!("JUnit: {e}")))?;
        write_file(path, &xml)?;
    }
    Ok(())
}

/// Cases the stop left unstarted: their failure says "not run".
fn not_run(ctx: &RunContext) -> usize {
    let reports = ctx.reports.lock().unwrap_or_else(|e| e.into_inner());
    reports
        .iter()
        .filter(|r| {
            r.failure
                .as_deref()
                .is_some_and(|f| f.starts_with(trials::NOT_RUN))
        })
        .count()
}

/// Says why nothing was selected, naming the filter, and what the user may have meant.
fn empty_selection(args: &RunArgs, total: usize) -> String {
    let test = &args.test;
    let mut what = Vec::new();
    if let Some(filter) = &test.filter {
        what.push(format!(
            "the filter `{filter}`{}",
            if test.exact { " (--exact)" } else { "" }
        ));
    }
    for skip in &test.skip {
        what.push(format!("--skip `{skip}`"));
    }
    if let Some(p) = &args.partition {
        what.push(format!("--partition {p}"));
    }
    if test.ignored {
        what.push("--ignored".into());
    }
    let what = if what.is_empty() {
        "the selection".to_string()
    } else {
        what.join(" with ")
    };
    let mut message = format!(
        "no case selected: {what} leaves none of the catalogue's {total} cases to run, so nothing would be checked (`stackconform --list` lists them)"
    );
    if let Some(name) = test
        .filter
        .as_deref()
        .and_then(crate::cli::similar_subcommand)
    {
        message.push_str(&format!(
            "\n  did you mean `{name}`? (`stackconform {name}` runs the subcommand; a word that is not one is a case filter)"
        ));
    }
    message
}
