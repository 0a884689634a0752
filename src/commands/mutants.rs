use std::io::Write;
use std::time::Instant;

use futures_util::stream::{self, StreamExt};

use crate::cli::MutantsArgs;
use crate::error::{Error, EXIT_FAILED};
use crate::selfcheck::{check_cloud, render_list, render_table, summary, CloudRun, Verdict};
use refcloud::{CloudConfig, Mutant};

use super::catalogue;

/// Runs the catalogue against the unmutated reference cloud, then against one cloud per mutant; exit 0
/// when every mutant is caught, 101 when one survived.
pub fn mutants(args: MutantsArgs) -> Result<i32, Error> {
    let say = |text: &str| -> Result<(), Error> {
        std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| Error::Config(format!("cannot write the report: {e}")))
    };
    if args.list {
        say(&render_list())?;
        return Ok(0);
    }
    let catalogue::Opened {
        catalogue,
        snapshots,
        ..
    } = catalogue::open(&args.catalogue)?;
    let mut selected: Vec<Mutant> = if args.mutants.is_empty() {
        Mutant::all().to_vec()
    } else {
        args.mutants.clone()
    };
    selected.sort();
    selected.dedup();
    let started = Instant::now();
    let rt = super::runtime()?;
    let (verdicts, cases) = rt.block_on(async {
        let baseline = match check_cloud(
            &catalogue,
            &snapshots,
            CloudConfig::default(),
            args.case_threads,
            catalogue::run_id(),
        )
        .await
        {
            CloudRun::Ran(outcome) => outcome,
            CloudRun::Unusable(e) => {
                return Err(Error::Target(format!(
                    "the unmutated reference cloud is unusable: {e}"
                )))
            }
        };
        let failing: Vec<&String> = baseline.failed().map(|(name, _)| name).collect();
        if let Some((name, report)) = baseline.failed().next() {
            return Err(Error::Config(format!(
                "the catalogue fails against the unmutated reference cloud, so it cannot judge mutants \
                 (failing: {}); first failure, {name}:\n{report}",
                failing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let total = selected.len();
        let mut done = 0usize;
        let baseline = &baseline;
        let snapshots = &snapshots;
        let catalogue = &catalogue;
        let mut verdicts: Vec<Verdict> = stream::iter(selected)
            .map(|mutant| async move {
                let config = CloudConfig {
                    mutant: Some(mutant),
                    ..CloudConfig::default()
                };
                let run = check_cloud(
                    catalogue,
                    snapshots,
                    config,
                    args.case_threads,
                    catalogue::run_id(),
                )
                .await;
                Verdict::judge(mutant, baseline, &run)
            })
            .buffer_unordered(args.clouds.max(1))
            .inspect(|v| {
                done += 1;
                eprintln!(
                    "[{done}/{total}] {}: {}",
                    v.mutant,
                    if v.caught() { "caught" } else { "SURVIVED" }
                );
            })
            .collect()
            .await;
        verdicts.sort_by_key(|v| v.mutant);
        Ok((verdicts, baseline.results.len()))
    })?;
    say(&render_table(&verdicts))?;
    say(&format!(
        "{}\n",
        summary(&verdicts, cases, started.elapsed())
    ))?;
    Ok(if verdicts.iter().all(Verdict::caught) {
        0
    } else {
        EXIT_FAILED
    })
}
