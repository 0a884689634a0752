//! JUnit XML (`--junit FILE`), as Jenkins, GitLab and Zuul read it: one testsuite per
//! operation, one testcase per case.
use std::collections::BTreeMap;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::model::{first_problem, CaseReport, RunReport, Verdict};

fn exchange_log(case: &CaseReport) -> String {
    case.exchanges.iter().map(|e| format!("{e}\n")).collect()
}

fn test_case(case: &CaseReport) -> TestCase {
    let status = match case.verdict {
        Verdict::Passed => TestCaseStatus::success(),
        Verdict::Failed => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let failure = case.failure.as_deref().unwrap_or("failed");
            let first = first_problem(failure)
                .or_else(|| failure.lines().next())
                .unwrap_or("");
            s.set_message(first);
            s.set_type("conformance");
            s.set_description(case.failure.clone().unwrap_or_default());
            s
        }
        Verdict::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(case.skip_reason.clone().unwrap_or_default());
            s
        }
        Verdict::KnownDeviation => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(case.skip_reason.clone().unwrap_or_default());
            s.set_type("known-deviation");
            s
        }
    };
    let mut tc = TestCase::new(case.trial.clone(), status);
    tc.set_classname(case.operation.clone());
    tc.set_time(Duration::from_secs_f64(case.duration_ms / 1000.0));
    tc.add_property(Property::new("id", case.id.clone()));
    tc.add_property(Property::new("name", case.name.clone()));
    tc.add_property(Property::new("verdict", case.verdict.as_str()));
    tc.add_property(Property::new(
        "expected_status",
        case.expected_status.to_string(),
    ));
    if let Some(s) = case.observed_status {
        tc.add_property(Property::new("observed_status", s.to_string()));
    }
    let log = exchange_log(case);
    if !log.is_empty() {
        tc.set_system_out(log);
    }
    tc
}

/// The report as JUnit XML.
pub fn junit_xml(report: &RunReport) -> Result<String, quick_junit::SerializeError> {
    let mut by_operation: BTreeMap<&str, Vec<&CaseReport>> = BTreeMap::new();
    for case in &report.cases {
        by_operation.entry(&case.operation).or_default().push(case);
    }
    let mut junit = Report::new(format!("stackconform {}", report.target.name));
    junit.set_time(Duration::from_secs_f64(report.duration_ms / 1000.0));
    for (operation, cases) in by_operation {
        let mut suite = TestSuite::new(operation);
        suite.add_property(Property::new("target", report.target.name.clone()));
        suite.add_property(Property::new("run_id", report.run_id.clone()));
        suite.add_property(Property::new(
            "schema_mode",
            report.target.schema_mode.clone(),
        ));
        suite.add_test_cases(cases.into_iter().map(test_case));
        junit.add_test_suite(suite);
    }
    junit.to_string()
}
