//! `stackconform sweep`: remove what earlier runs left on a target.
use crate::cli::SweepArgs;
use crate::error::{Error, EXIT_FAILED};
use crate::sweep::{sweep_by_prefix, sweep_ledger, Outcome};
use crate::target::connect_clouds;

/// The prefix every resource of every run carries.
const RUN_PREFIX: &str = "stackconform-";

pub fn sweep(args: SweepArgs) -> Result<i32, Error> {
    let rt = super::runtime()?;
    let names = args.clouds.names().ok_or_else(|| {
        Error::Config(
            "sweep needs --cloud (or OS_CLOUD): the identity whose project is swept".into(),
        )
    })?;
    let target = rt.block_on(connect_clouds(
        &names,
        args.request_timeout,
        args.clouds.insecure,
    ))?;
    let mut all = Outcome::default();
    let mut absorb = |o: Outcome| {
        all.removed.extend(o.removed);
        all.would_remove.extend(o.would_remove);
        all.skipped.extend(o.skipped);
        all.failed.extend(o.failed);
    };
    if let Some(prefix) = &args.prefix {
        if !prefix.starts_with(RUN_PREFIX) {
            return Err(Error::Config(format!(
                "--prefix must start with {RUN_PREFIX:?}, so that only the harness's resources are touched"
            )));
        }
        absorb(
            rt.block_on(sweep_by_prefix(
                &target,
                prefix,
                args.dry_run,
                args.request_timeout,
            ))
            .map_err(Error::Target)?,
        );
    } else {
        let files = if args.ledger.is_empty() {
            let dir = args
                .ledger_dir
                .clone()
                .unwrap_or_else(crate::ledger::default_dir);
            crate::ledger::files(&dir).map_err(Error::Config)?
        } else {
            args.ledger.clone()
        };
        for file in files {
            absorb(
                rt.block_on(sweep_ledger(
                    &target,
                    &file,
                    args.dry_run,
                    args.request_timeout,
                ))
                .map_err(Error::Target)?,
            );
        }
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
