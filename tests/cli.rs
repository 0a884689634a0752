//! The binary as a user runs it: exit codes, messages, options.
mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use support::{repo, text, workspace};

fn run(dir: &Path, args: &[&str]) -> Output {
    support::stackconform(dir, args)
}

fn edit(path: &Path, from: &str, to: &str) {
    let s = fs::read_to_string(path).unwrap();
    assert!(s.contains(from), "{} has no {from:?}", path.display());
    fs::write(path, s.replacen(from, to, 1)).unwrap();
}

const BY_SUBNET: &str = "cases/network/remove_router_interface/200-by-subnet.yaml";
const BY_SUBNET_TRIAL: &str = "network.remove_router_interface::200-by-subnet";

#[test]
fn the_catalogue_passes_on_the_reference_cloud() {
    let dir = workspace();
    let out = run(dir.path(), &[]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("test result: ok."), "{shown}");
    assert!(shown.contains(" 0 failed"), "{shown}");
}

#[test]
fn a_wrong_expected_status_fails_and_names_it() {
    let dir = workspace();
    edit(
        &dir.path().join(BY_SUBNET),
        "  status: 200",
        "  status: 201",
    );
    let out = run(dir.path(), &["--exact", BY_SUBNET_TRIAL]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(101), "{shown}");
    assert!(
        shown.contains("status: expected 201, observed 200"),
        "{shown}"
    );
    assert!(
        shown.contains("test result: FAILED. 0 passed; 1 failed"),
        "{shown}"
    );
}

#[test]
fn a_missing_field_fails_and_names_it() {
    let dir = workspace();
    edit(
        &dir.path()
            .join("snapshots/network.remove_router_interface.200.snap"),
        "\"required\": [",
        "\"required\": [\n    \"router_name\",",
    );
    let out = run(dir.path(), &["--exact", BY_SUBNET_TRIAL]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(101), "{shown}");
    assert!(
        shown.contains("/router_name: required field is missing"),
        "{shown}"
    );
}

#[test]
fn a_wrong_type_fails_and_names_it() {
    let dir = workspace();
    edit(
        &dir.path()
            .join("snapshots/network.remove_router_interface.200.snap"),
        "\"network_id\": {\n      \"type\": \"string\"",
        "\"network_id\": {\n      \"type\": \"integer\"",
    );
    let out = run(dir.path(), &["--exact", BY_SUBNET_TRIAL]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(101), "{shown}");
    assert!(
        shown.contains("/network_id: expected type integer, observed \""),
        "{shown}"
    );
}

#[test]
fn a_wrong_body_value_fails_and_names_path_expected_and_observed() {
    let dir = workspace();
    edit(
        &dir.path().join(BY_SUBNET),
        "/port_id: \"${iface.port_id}\"",
        "/port_id: {type: integer}",
    );
    let out = run(dir.path(), &["--exact", BY_SUBNET_TRIAL]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(101), "{shown}");
    assert!(
        shown.contains("body /port_id: expected a value of type integer, observed \""),
        "{shown}"
    );
}

#[test]
fn a_missing_snapshot_fails_on_ci_without_writing() {
    let dir = workspace();
    fs::remove_file(
        dir.path()
            .join("snapshots/network.remove_router_interface.200.snap"),
    )
    .unwrap();
    let out = run(dir.path(), &["--exact", BY_SUBNET_TRIAL]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(101), "{shown}");
    assert!(shown.contains("no snapshot"), "{shown}");
    assert!(!dir
        .path()
        .join("snapshots/network.remove_router_interface.200.snap.new")
        .exists());
}

#[test]
fn a_malformed_case_file_exits_2_before_running_anything() {
    let dir = workspace();
    edit(&dir.path().join(BY_SUBNET), "method: PUT", "method: PUTT");
    let out = run(dir.path(), &[]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(shown.contains("200-by-subnet.yaml:"), "{shown}");
    assert!(shown.contains("unknown variant `PUTT`"), "{shown}");
    assert!(!shown.contains("test result"), "{shown}");
}

#[test]
fn list_names_every_case_without_a_target() {
    let dir = workspace();
    let out = run(dir.path(), &["--list"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("compute.detach_interface::202-user-port: test"),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("{BY_SUBNET_TRIAL}: test")),
        "{shown}"
    );
}

#[test]
fn a_filter_selects_cases_like_cargo_test() {
    let dir = workspace();
    let out = run(dir.path(), &["detach_interface::40"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("compute.detach_interface::404-unknown-server"),
        "{shown}"
    );
    assert!(!shown.contains("remove_router_interface"), "{shown}");
}

#[test]
fn cases_folder_from_the_environment() {
    let dir = workspace();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .current_dir(elsewhere.path())
        .env("CI", "true")
        .env("STACKCONFORM_CASES", dir.path().join("cases"))
        .args(["--exact", BY_SUBNET_TRIAL])
        .output()
        .unwrap();
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("1 passed"), "{shown}");
}

#[test]
fn a_missing_cases_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no cases folder"), "{}", text(&out));
}

#[test]
fn schema_prints_the_published_json_schema() {
    let dir = tempfile::tempdir().unwrap();
    for (kind, title, file) in [
        ("case", "CaseDoc", "case.schema.json"),
        ("fixtures", "FixtureDoc", "fixtures.schema.json"),
        ("operation", "OperationDoc", "operation.schema.json"),
    ] {
        let out = run(dir.path(), &["schema", kind]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(printed["title"], title);
        let published = fs::read(repo().join("docs/schema").join(file)).unwrap();
        assert_eq!(
            out.stdout, published,
            "docs/schema/{file} differs from `schema {kind}`"
        );
    }
    let out = run(dir.path(), &["schema", "nonsense"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
