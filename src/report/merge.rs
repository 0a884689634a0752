//! One report from the reports of the shards of a partitioned run.
use super::model::{RunReport, Summary, Verdict};

/// Why shard reports cannot be merged into one report.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no reports to merge")]
    Nothing,
    #[error("the shards ran against different targets: {0} and {1}")]
    Targets(String, String),
    #[error("the shards have different report format versions")]
    FormatVersions,
    #[error("case {trial} ({id}) is in two shards")]
    Overlap { trial: String, id: String },
    #[error("run {0} is a whole run, not a shard: there is nothing to merge it with")]
    WholeRun(String),
    #[error("run {run}: {reason}")]
    BadPartition {
        run: String,
        reason: crate::runner::BadPartition,
    },
    #[error("the shards come from different partitions: {first} and {other} (run {run})")]
    Partitions {
        first: crate::runner::Partition,
        other: crate::runner::Partition,
        run: String,
    },
    #[error("shard {shard} is given twice (runs {} and {}); give each shard's report once", runs.0, runs.1)]
    Twice {
        shard: crate::runner::Partition,
        runs: (String, String),
    },
    #[error("the shards do not cover the partition: missing {missing} (run each with --partition and merge all {of} reports)")]
    Missing { missing: String, of: u64 },
}

/// Merges shard reports into one; fails unless the shards are exactly the shards of one
/// partition (none missing, none twice), or if two shards ran the same case or the shards
/// ran against different targets.
pub fn merge(mut shards: Vec<RunReport>) -> Result<RunReport, MergeError> {
    if shards.is_empty() {
        return Err(MergeError::Nothing);
    }
    check_cover(&shards)?;
    shards.sort_by(|a, b| a.partition.cmp(&b.partition));
    let mut merged = shards[0].clone();
    merged.cases.clear();
    merged.resources = Default::default();
    let mut ids = std::collections::BTreeSet::new();
    let mut run_ids = Vec::new();
    let mut shards_interrupted = Vec::new();
    for shard in shards {
        if let Some(why) = &shard.interrupted {
            shards_interrupted.push(format!("run {}: {why}", shard.run_id));
        }
        if shard.target.name != merged.target.name {
            return Err(MergeError::Targets(
                merged.target.name.clone(),
                shard.target.name.clone(),
            ));
        }
        if shard.format_version != merged.format_version {
            return Err(MergeError::FormatVersions);
        }
        merged.duration_ms = merged.duration_ms.max(shard.duration_ms);
        merged.started_at = merged.started_at.min(shard.started_at.clone());
        run_ids.push(shard.run_id.clone());
        // Shards ran side by side: their creations add up, and so do their peaks.
        for (kind, n) in &shard.resources.created {
            *merged.resources.created.entry(kind.clone()).or_default() += n;
        }
        for (fixture, n) in &shard.resources.setups {
            *merged.resources.setups.entry(fixture.clone()).or_default() += n;
        }
        merged
            .resources
            .quota_waits
            .extend(shard.resources.quota_waits.iter().cloned());
        merged
            .resources
            .quotas
            .extend(shard.resources.quotas.iter().cloned());
        for case in shard.cases {
            if !ids.insert(case.id.clone()) {
                return Err(MergeError::Overlap {
                    trial: case.trial.clone(),
                    id: case.id.clone(),
                });
            }
            merged.cases.push(case);
        }
    }
    merged.cases.sort_by(|a, b| a.trial.cmp(&b.trial));
    merged.run_id = run_ids.join("+");
    merged.partition = None;
    let interrupted: Vec<String> = shards_interrupted;
    merged.interrupted = (!interrupted.is_empty()).then(|| interrupted.join("; "));
    merged.summary = summarize(&merged.cases);
    Ok(merged)
}

pub fn summarize(cases: &[super::model::CaseReport]) -> Summary {
    let mut s = Summary::default();
    for c in cases {
        match c.verdict {
            Verdict::Passed => s.passed += 1,
            Verdict::Failed => s.failed += 1,
            Verdict::Skipped => s.skipped += 1,
            Verdict::KnownDeviation => s.known_deviations += 1,
        }
    }
    s
}

/// The shards must be those of one partition, each exactly once: a missing shard's cases
/// were never checked, and a merged report must not look whole without them.
fn check_cover(shards: &[RunReport]) -> Result<(), MergeError> {
    use crate::runner::Partition;
    let mut parts = Vec::new();
    for s in shards {
        match &s.partition {
            None if shards.len() == 1 => return Ok(()),
            None => return Err(MergeError::WholeRun(s.run_id.clone())),
            Some(p) => parts.push((
                p.parse::<Partition>()
                    .map_err(|reason| MergeError::BadPartition {
                        run: s.run_id.clone(),
                        reason,
                    })?,
                &s.run_id,
            )),
        }
    }
    let (first, _) = parts[0];
    let (kind, of) = first.kind_and_count();
    let mut seen: std::collections::BTreeMap<u64, &String> = Default::default();
    for (p, run) in &parts {
        if p.kind_and_count() != (kind, of) {
            return Err(MergeError::Partitions {
                first,
                other: *p,
                run: run.to_string(),
            });
        }
        if let Some(other) = seen.insert(p.shard(), run) {
            return Err(MergeError::Twice {
                shard: *p,
                runs: (other.to_string(), run.to_string()),
            });
        }
    }
    let missing: Vec<String> = (1..=of)
        .filter(|m| !seen.contains_key(m))
        .map(|m| format!("{kind}:{m}/{of}"))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing: missing.join(", "),
            of,
        });
    }
    Ok(())
}
