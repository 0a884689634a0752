//! One report from the reports of the shards of a partitioned run.
use super::model::{RunReport, Summary, Verdict};

/// Merges shard reports into one; fails if two shards ran the same case (overlapping
/// partitions) or the shards ran against different targets.
pub fn merge(mut shards: Vec<RunReport>) -> Result<RunReport, String> {
    if shards.is_empty() {
        return Err("no reports to merge".into());
    }
    shards.sort_by(|a, b| a.partition.cmp(&b.partition));
    let mut merged = shards[0].clone();
    merged.cases.clear();
    let mut ids = std::collections::BTreeSet::new();
    let mut run_ids = Vec::new();
    for shard in shards {
        if shard.target.name != merged.target.name {
            return Err(format!(
                "the shards ran against different targets: {} and {}",
                merged.target.name, shard.target.name
            ));
        }
        if shard.format_version != merged.format_version {
            return Err("the shards have different report format versions".into());
        }
        merged.duration_ms = merged.duration_ms.max(shard.duration_ms);
        merged.started_at = merged.started_at.min(shard.started_at.clone());
        run_ids.push(shard.run_id.clone());
        for case in shard.cases {
            if !ids.insert(case.id.clone()) {
                return Err(format!(
                    "case {} ({}) is in two shards",
                    case.trial, case.id
                ));
            }
            merged.cases.push(case);
        }
    }
    merged.cases.sort_by(|a, b| a.trial.cmp(&b.trial));
    merged.run_id = run_ids.join("+");
    merged.partition = None;
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
