//! Reports and everyday options, each through the binary: --report, --junit, diff,
//! --partition with merge, --verbose, and the curl command of a failure.

use std::fs;
use std::path::Path;

use crate::support::{case_files, repo, workspace};

fn stackconform(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = crate::support::stackconform(dir, args);
    (out.status.code(), crate::support::text(&out))
}

fn case_ids(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = case_files(dir)
        .iter()
        .filter_map(|path| {
            let text = fs::read_to_string(path).unwrap();
            let id = text.lines().find_map(|l| l.strip_prefix("id: "))?;
            Some(id.trim().to_string())
        })
        .collect();
    ids.sort();
    ids
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

const UNKNOWN_SERVER: &str = "cases/compute/detach_interface/404-unknown-server.yaml";

/// Plants a failure: the unknown-server case now expects 409 (the cloud says 404).
fn plant_failure(dir: &Path) {
    let path = dir.join(UNKNOWN_SERVER);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replacen("  status: 404\n", "  status: 409\n", 1),
    )
    .unwrap();
}

#[test]
fn report_matches_its_published_schema_and_lists_every_case() {
    let dir = workspace();
    let (code, text) = stackconform(dir.path(), &["--report", "r.json"]);
    assert_eq!(code, Some(0), "{text}");
    let report = json(&dir.path().join("r.json"));
    let schema = json(&repo().join("docs/schema/report.schema.json"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let mut ids: Vec<String> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, case_ids(dir.path()));
    assert_eq!(report["summary"]["passed"], ids.len());
    let by_subnet = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["trial"] == "network.remove_router_interface::200-by-subnet")
        .unwrap();
    assert_eq!(by_subnet["observed_status"], 200);
    assert_eq!(by_subnet["schema"]["outcome"], "matched");
    assert_eq!(by_subnet["observed_shape"]["/subnet_ids/*"], "string");
    let phases: Vec<&str> = by_subnet["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases.first(), Some(&"setup"));
    assert!(
        phases.contains(&"test") && phases.contains(&"follow_up"),
        "{phases:?}"
    );
    assert_eq!(phases.last(), Some(&"teardown"));
}

#[test]
fn junit_has_one_testcase_per_case_with_id_and_failure() {
    let dir = workspace();
    plant_failure(dir.path());
    let (code, text) = stackconform(dir.path(), &["--junit", "j.xml"]);
    assert_eq!(code, Some(101), "{text}");
    let xml = fs::read_to_string(dir.path().join("j.xml")).unwrap();
    let junit = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let cases: Vec<&quick_junit::TestCase> = junit
        .test_suites
        .iter()
        .flat_map(|s| s.test_cases.iter())
        .collect();
    assert_eq!(cases.len(), case_ids(dir.path()).len());
    let failed: Vec<_> = cases
        .iter()
        .filter(|c| matches!(c.status, quick_junit::TestCaseStatus::NonSuccess { .. }))
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].name.as_str(),
        "compute.detach_interface::404-unknown-server"
    );
    let props: Vec<(String, String)> = failed[0]
        .properties
        .iter()
        .map(|p| (p.name.to_string(), p.value.to_string()))
        .collect();
    assert!(
        props.contains(&("observed_status".into(), "404".into())),
        "{props:?}"
    );
    assert!(
        props.iter().any(|(k, v)| k == "id" && v.len() == 36),
        "{props:?}"
    );
    assert!(
        xml.contains("<failure message=\"status: expected 409, observed 404\""),
        "{xml}"
    );
}

#[test]
fn diff_flags_a_planted_regression_and_a_planted_schema_drift() {
    let dir = workspace();
    let (code, text) = stackconform(dir.path(), &["--report", "old.json"]);
    assert_eq!(code, Some(0), "{text}");
    plant_failure(dir.path());
    let (code, text) = stackconform(dir.path(), &["--report", "new.json"]);
    assert_eq!(code, Some(101), "{text}");
    let (code, text) = stackconform(dir.path(), &["diff", "old.json", "new.json"]);
    assert_eq!(code, Some(101), "{text}");
    assert!(text.contains("newly failing (1):"), "{text}");
    assert!(
        text.contains("compute.detach_interface::404-unknown-server")
            && text.contains("expected 409, observed 404"),
        "{text}"
    );

    // Drift: the router interface info gains `tags` and `subnet_ids` elements turn into numbers.
    let mut drifted = json(&dir.path().join("old.json"));
    for case in drifted["cases"].as_array_mut().unwrap() {
        if case["trial"] == "network.remove_router_interface::200-by-subnet" {
            let shape = case["observed_shape"].as_object_mut().unwrap();
            shape.insert("/tags".into(), "array".into());
            shape.insert("/subnet_ids/*".into(), "integer".into());
        }
    }
    fs::write(dir.path().join("drifted.json"), drifted.to_string()).unwrap();
    let (code, text) = stackconform(dir.path(), &["diff", "old.json", "drifted.json"]);
    assert_eq!(code, Some(101), "{text}");
    assert!(text.contains("schema drift (1):"), "{text}");
    assert!(text.contains("+ /tags: array (appeared)"), "{text}");
    assert!(
        text.contains("~ /subnet_ids/*: string -> integer (changed type)"),
        "{text}"
    );

    let (code, text) = stackconform(dir.path(), &["diff", "old.json", "old.json"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("diff: 0 newly failing, 0 schema drifts"),
        "{text}"
    );
}

#[test]
fn partitions_are_disjoint_and_merge_into_the_whole_run() {
    let dir = workspace();
    let mut seen = Vec::new();
    for shard in ["hash:1/3", "hash:2/3", "hash:3/3"] {
        let file = format!("{}.json", shard.replace([':', '/'], "-"));
        let (code, text) = stackconform(dir.path(), &["--partition", shard, "--report", &file]);
        assert_eq!(code, Some(0), "{text}");
        let report = json(&dir.path().join(&file));
        assert_eq!(report["partition"], shard);
        seen.extend(
            report["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string()),
        );
    }
    seen.sort();
    assert_eq!(
        seen,
        case_ids(dir.path()),
        "every case in exactly one shard"
    );
    let (code, text) = stackconform(
        dir.path(),
        &[
            "merge",
            "-o",
            "all.json",
            "hash-1-3.json",
            "hash-2-3.json",
            "hash-3-3.json",
        ],
    );
    assert_eq!(code, Some(0), "{text}");
    let all = json(&dir.path().join("all.json"));
    assert_eq!(all["cases"].as_array().unwrap().len(), seen.len());
    assert_eq!(all["summary"]["passed"], seen.len());
    // A shard given twice cannot be merged.
    let (code, text) = stackconform(
        dir.path(),
        &["merge", "-o", "x.json", "hash-1-3.json", "hash-1-3.json"],
    );
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("given twice"), "{text}");
    let (code, text) = stackconform(dir.path(), &["--partition", "hash:4/3"]);
    assert_eq!(code, Some(2), "{text}");
}

#[test]
fn verbose_prints_every_exchange_redacted() {
    let dir = workspace();
    let (code, text) = stackconform(
        dir.path(),
        &[
            "-v",
            "--exact",
            "network.remove_router_interface::200-by-subnet",
        ],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains(
            "[network.remove_router_interface::200-by-subnet] the request under test\n> PUT "
        ),
        "{text}"
    );
    assert!(text.contains("> X-Auth-Token: <redacted>"), "{text}");
    assert!(
        text.contains("fixture net (network), teardown step 1"),
        "{text}"
    );
}

/// A failure names the case file, the line of the step and the line of the failing
/// expectation, and lists the steps that ran (issue #14: errors carry file and line).
#[test]
fn a_failure_names_its_case_file_and_the_line_of_the_failing_expectation() {
    let dir = workspace();
    let path = dir.path().join(UNKNOWN_SERVER);
    let text = fs::read_to_string(&path).unwrap();
    // The body check of the request under test now expects another fault code.
    let planted = text.replacen("itemNotFound", "badRequest", 1);
    assert_ne!(planted, text, "the case no longer checks itemNotFound");
    fs::write(&path, &planted).unwrap();
    let line = planted
        .lines()
        .position(|l| l.contains("badRequest"))
        .unwrap()
        + 1;
    let request_line = planted
        .lines()
        .position(|l| l.trim_start().starts_with("path:"))
        .unwrap()
        + 1;
    let (code, out) = stackconform(dir.path(), &["404-unknown-server"]);
    assert_eq!(code, Some(101), "{out}");
    assert!(out.contains(&format!("(line {line})")), "{out}");
    assert!(
        out.contains(&format!(
            "(written at cases/compute/detach_interface/404-unknown-server.yaml:{request_line})"
        )),
        "{out}"
    );
    assert!(
        out.contains("case file: cases/compute/detach_interface/404-unknown-server.yaml"),
        "{out}"
    );
    assert!(out.contains("steps that ran:\n   1. "), "{out}");
}

/// Regression: a case that failed on a body field with the status it expected was listed
/// as "failed (expected 404, observed 404)", which says nothing.
#[test]
fn diff_names_what_failed_when_the_status_was_as_expected() {
    let dir = workspace();
    let (code, text) = stackconform(dir.path(), &["--report", "old.json", "compute."]);
    assert_eq!(code, Some(0), "{text}");
    let path = dir.path().join(UNKNOWN_SERVER);
    let case = fs::read_to_string(&path).unwrap();
    let planted = case.replacen("could not be found.", "was not found.", 1);
    assert_ne!(case, planted);
    fs::write(&path, planted).unwrap();
    let (code, text) = stackconform(dir.path(), &["--report", "new.json", "compute."]);
    assert_eq!(code, Some(101), "{text}");
    let (code, text) = stackconform(dir.path(), &["diff", "old.json", "new.json"]);
    assert_eq!(code, Some(101), "{text}");
    assert!(
        text.contains("failed with the expected status 404: "),
        "{text}"
    );
    assert!(text.contains("/itemNotFound/message"), "{text}");
    assert!(!text.contains("observed 404)"), "{text}");
}

/// The owner id is "a string" to Neutron (32 hex digits only with Keystone's ids): a
/// value outside a schema's pattern fails in strict mode and is a note, recorded in the
/// report, in contract mode. Here the stored pattern wants 40 hex digits, so every
/// genuine owner id of the reference cloud is outside it.
#[test]
fn a_value_outside_the_schema_pattern_fails_strict_mode_and_is_a_note_in_contract_mode() {
    let dir = workspace();
    let snap = dir
        .path()
        .join("snapshots/network.remove_router_interface.200.snap");
    let text = fs::read_to_string(&snap).unwrap();
    assert!(text.contains("^[0-9a-f]{32}$"));
    fs::write(&snap, text.replace("^[0-9a-f]{32}$", "^[0-9a-f]{40}$")).unwrap();
    let case = "network.remove_router_interface::200-by-subnet";
    let (code, shown) = stackconform(
        dir.path(),
        &[
            "--exact",
            case,
            "--schema-mode",
            "strict",
            "--report",
            "strict.json",
        ],
    );
    assert_eq!(code, Some(101), "{shown}");
    assert!(
        shown.contains("expected a string matching ^[0-9a-f]{40}$"),
        "{shown}"
    );
    let (code, shown) = stackconform(
        dir.path(),
        &[
            "--exact",
            case,
            "--schema-mode",
            "contract",
            "--report",
            "contract.json",
        ],
    );
    assert_eq!(code, Some(0), "{shown}");
    assert!(
        shown.contains("value outside the pattern allowed in contract mode"),
        "{shown}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("contract.json")).unwrap())
            .unwrap();
    let schema = &report["cases"][0]["schema"];
    assert_eq!(schema["outcome"], "matched", "{report}");
    assert!(
        schema["off_pattern"][0]
            .as_str()
            .unwrap()
            .contains("expected a string matching ^[0-9a-f]{40}$"),
        "{report}"
    );
}
