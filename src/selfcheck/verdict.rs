//! Whether a mutant was caught, judged against the unmutated cloud's outcome.
use refcloud::Mutant;

use super::sweep::{CaseResult, CloudRun, Outcome};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Catch {
    /// The case failed.
    Failed(String),
    /// The case ran against the unmutated cloud but could not run against this one (e.g. a service
    /// missing from the catalog): the run reports it as skipped with the reason.
    NotRun { case: String, reason: String },
    /// The harness could not use the target at all (log-in, discovery).
    Unusable(String),
}

impl Catch {
    pub fn label(&self) -> String {
        match self {
            Catch::Failed(case) => case.clone(),
            Catch::NotRun { case, .. } => format!("{case} (not run)"),
            Catch::Unusable(_) => "(the target is unusable)".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Verdict {
    pub mutant: Mutant,
    pub catches: Vec<Catch>,
}

impl Verdict {
    pub fn judge(mutant: Mutant, baseline: &Outcome, run: &CloudRun) -> Verdict {
        let catches = match run {
            CloudRun::Unusable(error) => vec![Catch::Unusable(error.clone())],
            CloudRun::Ran(outcome) => outcome
                .results
                .iter()
                .filter_map(|(case, result)| match result {
                    CaseResult::Failed(_) => Some(Catch::Failed(case.clone())),
                    CaseResult::Skipped(reason)
                        if baseline.results.get(case) == Some(&CaseResult::Passed) =>
                    {
                        Some(Catch::NotRun {
                            case: case.clone(),
                            reason: reason.clone(),
                        })
                    }
                    _ => None,
                })
                .collect(),
        };
        Verdict { mutant, catches }
    }

    pub fn caught(&self) -> bool {
        !self.catches.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(rows: &[(&str, CaseResult)]) -> Outcome {
        Outcome {
            results: rows
                .iter()
                .map(|(n, r)| (n.to_string(), r.clone()))
                .collect(),
        }
    }

    #[test]
    fn failures_and_new_skips_catch_old_skips_do_not() {
        let baseline = outcome(&[
            ("a", CaseResult::Passed),
            ("b", CaseResult::Passed),
            ("c", CaseResult::Skipped("no admin".into())),
        ]);
        let same = CloudRun::Ran(baseline.clone());
        assert!(!Verdict::judge(Mutant::NovaDetach204, &baseline, &same).caught());
        let failed = CloudRun::Ran(outcome(&[
            ("a", CaseResult::Failed("x".into())),
            ("b", CaseResult::Skipped("no compute".into())),
            ("c", CaseResult::Skipped("no admin".into())),
        ]));
        let v = Verdict::judge(Mutant::NovaDetach204, &baseline, &failed);
        assert_eq!(
            v.catches,
            vec![
                Catch::Failed("a".into()),
                Catch::NotRun {
                    case: "b".into(),
                    reason: "no compute".into()
                }
            ]
        );
        let unusable = CloudRun::Unusable("cannot log in".into());
        assert!(Verdict::judge(Mutant::NovaDetach204, &baseline, &unusable).caught());
    }
}
