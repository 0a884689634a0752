//! Commands that work on JSON reports after the runs: `diff` and `merge`.
use std::path::Path;

use crate::cli::{DiffArgs, MergeArgs};
use crate::error::{Error, EXIT_FAILED};
use crate::report::{self, RunReport, SlowerThan};

fn read_report(path: &Path) -> Result<RunReport, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Config(format!(
            "{}:{}:{}: not a stackconform report: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub fn diff(args: DiffArgs) -> Result<i32, Error> {
    let old = read_report(&args.old)?;
    let new = read_report(&args.new)?;
    let d = report::diff(
        &old,
        &new,
        SlowerThan {
            ratio: args.slower_ratio,
            min_delta_ms: args.slower_min_ms,
        },
    );
    print!("{}", d.render());
    if let Some(path) = &args.html {
        write(path, &report::diff_page(&d, &old, &new))?;
    }
    Ok(if d.is_regression() { EXIT_FAILED } else { 0 })
}

pub fn merge(args: MergeArgs) -> Result<i32, Error> {
    let shards = args
        .reports
        .iter()
        .map(|p| read_report(p))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = report::merge(shards).map_err(|e| Error::Config(e.to_string()))?;
    let text = serde_json::to_string_pretty(&merged)
        .map_err(|e| Error::Config(format!("cannot serialise the report: {e}")))?;
    write(&args.output, &text)?;
    if let Some(path) = &args.junit {
        let xml = report::junit_xml(&merged).map_err(|e| Error::Config(format!("JUnit: {e}")))?;
        write(path, &xml)?;
    }
    let s = merged.summary;
    println!(
        "merged {} reports: {} cases, {} passed, {} failed, {} skipped, {} known deviations",
        args.reports.len(),
        merged.cases.len(),
        s.passed,
        s.failed,
        s.skipped,
        s.known_deviations
    );
    Ok(if s.failed > 0 { EXIT_FAILED } else { 0 })
}
