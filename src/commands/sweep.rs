//! `stackconform sweep`: remove what earlier runs left on a target.
use crate::cli::SweepArgs;
use crate::error::{Error, EXIT_FAILED};
use crate::sweep::{sweep_by_prefix, sweep_ledger, Outcome};
use crate::target::{connect_clouds, Connect};

/// The prefix every resource of every run carries.
const RUN_PREFIX: &str = "stackconform-";

pub fn sweep(args: SweepArgs) -> Result<i32, Error> {
    let rt = super::runtime()?;
    let names = args.clouds.names().ok_or_else(|| {
        Error::Config(
            "sweep needs --cloud (or OS_CLOUD): the identity whose project is swept".into(),
        )
    })?;
    let connect = Connect {
        timeout: args.request_timeout,
        insecure: args.clouds.insecure,
        retries: args.retries,
        clients: Default::default(),
    };
    // Before logging in: a broken catalogue is the user's to fix, whatever the cloud says.
    let catalogue = super::catalogue::Cases::of(args.cases.as_deref()).load()?;
    let fixtures = &catalogue.fixtures;
    let target = rt.block_on(connect_clouds(&names, &connect))?;
    let ledger_dir = args
        .ledger_dir
        .clone()
        .unwrap_or_else(crate::ledger::default_dir);
    let mut all = Outcome::default();
    let work = async {
        if let Some(prefix) = &args.prefix {
            if !prefix.starts_with(RUN_PREFIX) {
                return Err(Error::Config(format!(
                    "--prefix must start with {RUN_PREFIX:?}, so that only the harness's resources are touched"
                )));
            }
            let live = live_runs(&ledger_dir).map_err(|e| Error::Config(e.to_string()))?;
            let o = sweep_by_prefix(
                &target,
                fixtures,
                prefix,
                &live,
                args.dry_run,
                args.request_timeout,
            )
            .await
            .map_err(|e| Error::Target(e.to_string()))?;
            all.absorb(o);
        } else {
            let files = if args.ledger.is_empty() {
                crate::ledger::files(&ledger_dir).map_err(|e| Error::Config(e.to_string()))?
            } else {
                args.ledger.clone()
            };
            for file in files {
                let o = sweep_ledger(&target, fixtures, &file, args.dry_run, args.request_timeout)
                    .await
                    .map_err(|e| Error::Target(e.to_string()))?;
                all.absorb(o);
            }
        }
        Ok(())
    };
    // Every wait inside is bounded on its own; this bounds their sum.
    match rt.block_on(async { tokio::time::timeout(args.timeout, work).await }) {
        Ok(result) => result?,
        Err(_) => all.failed.push(format!(
            "the sweep ran out of its --timeout ({}); what is listed above was done, the rest was not tried",
            humantime::format_duration(args.timeout)
        )),
    }
    for (title, items) in [
        ("removed", &all.removed),
        ("would remove (dry run)", &all.would_remove),
        ("left alone", &all.skipped),
        ("could not remove", &all.failed),
    ] {
        if !items.is_empty() {
            println!("{title} ({}):", items.len());
            for i in items {
                println!("  {i}");
            }
        }
    }
    println!(
        "sweep: {} removed, {} to remove, {} left alone, {} failed",
        all.removed.len(),
        all.would_remove.len(),
        all.skipped.len(),
        all.failed.len()
    );
    Ok(if all.failed.is_empty() {
        0
    } else {
        EXIT_FAILED
    })
}

/// The runs whose ledger in `dir` is locked: they are still going.
fn live_runs(
    dir: &std::path::Path,
) -> Result<std::collections::BTreeSet<String>, crate::ledger::LedgerError> {
    let mut live = std::collections::BTreeSet::new();
    for path in crate::ledger::files(dir)? {
        if let crate::ledger::Claim::Live = crate::ledger::Ledger::claim(&path)? {
            if let Some(run) = crate::ledger::Ledger::run_id_of(&path) {
                live.insert(run.to_string());
            }
        }
    }
    Ok(live)
}
