//! The binary as a user runs it: exit codes, messages, options.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::{repo, text, workspace};

fn run(dir: &Path, args: &[&str]) -> Output {
    crate::support::stackconform(dir, args)
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
    let out = run(dir.path(), &["--cases", "nowhere"]);
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

/// Trial names in the order the output shows them (`test NAME ... ok`).
fn shown_order(shown: &str) -> Vec<String> {
    shown
        .lines()
        .filter_map(|l| l.strip_prefix("test "))
        .filter_map(|l| l.split_once(" ... "))
        .map(|(name, _)| name)
        .map(|n| n.trim().to_string())
        .collect()
}

/// Cases run as tasks, many at once, and finish in any order; the output must still follow
/// the catalogue, as `--list` shows it, so two runs' logs compare line by line.
#[test]
fn outcomes_are_printed_in_catalogue_order_whatever_finishes_first() {
    let dir = workspace();
    let listed: Vec<String> = text(&run(dir.path(), &["--list"]))
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect();
    assert!(listed.len() > 40, "{listed:?}");
    let out = run(dir.path(), &["--format", "pretty", "--test-threads", "16"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert_eq!(shown_order(&shown), listed, "{shown}");
}

#[test]
fn rust_test_threads_is_read_and_checked() {
    let dir = workspace();
    let out = Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .current_dir(dir.path())
        .env("CI", "true")
        .env("RUST_TEST_THREADS", "1")
        .arg("detach_interface::40")
        .output()
        .unwrap();
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown
            .lines()
            .any(|l| l.contains("::404-unknown-server ") && l.ends_with("... ok")),
        "{shown}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .current_dir(dir.path())
        .env("RUST_TEST_THREADS", "zero")
        .output()
        .unwrap();
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(shown.contains("RUST_TEST_THREADS=\"zero\""), "{shown}");
    assert!(!shown.contains("test result"), "nothing may run: {shown}");
}

/// libtest decides what runs (`--skip`, `--exact`); a case it leaves out must not be sent
/// at all, not run and then hidden.
#[test]
fn skipped_and_unmatched_cases_send_nothing() {
    let dir = workspace();
    let report = dir.path().join("report.json");
    let out = run(
        dir.path(),
        &[
            "--skip",
            "compute.",
            "--skip",
            "network.remove_router_interface::4",
            "--skip",
            "network.add_router_interface::",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&report).unwrap()).unwrap();
    let trials: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["trial"].as_str().unwrap())
        .collect();
    assert!(!trials.is_empty(), "{shown}");
    for t in &trials {
        assert!(
            t.starts_with("network.remove_router_interface::") && !t.contains("::4"),
            "{t} ran: {trials:?}"
        );
    }
    let filtered = shown
        .split(" filtered out")
        .next()
        .and_then(|s| s.rsplit("; ").next())
        .unwrap_or_default();
    let all = text(&run(dir.path(), &["--list"]))
        .lines()
        .filter(|l| l.ends_with(": test"))
        .count();
    assert_eq!(filtered.trim(), (all - trials.len()).to_string(), "{shown}");
}

/// `profile` lists a profile's figures with their sources, and `--critical-path` the
/// catalogue's longest chain under it: the boot, its wait for ACTIVE and the teardown.
#[test]
fn profile_prints_the_figures_and_the_catalogues_critical_path() {
    let dir = workspace();
    let out = run(dir.path(), &["profile", "realistic"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("answer keystone_token"), "{shown}");
    assert!(shown.contains("then server_build"), "{shown}");
    assert!(shown.contains("performance-docs"), "{shown}");

    let out = run(
        dir.path(),
        &["profile", "realistic", "--critical-path", "--json"],
    );
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    let cp: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let total = cp["critical_path_ms"].as_u64().unwrap();
    let longest = cp["longest"].as_str().unwrap();
    assert!(longest.starts_with("compute.detach_interface::"), "{cp}");
    // A boot waits for ACTIVE (8 s) and a delete for the server to go (1.5 s).
    assert!(total > 9_500, "{cp}");
    let steps: u64 = cp["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ms"].as_u64().unwrap())
        .sum();
    assert_eq!(steps, total, "{cp}");
    assert_eq!(
        cp["cases"].as_object().unwrap().len(),
        crate::support::case_count(),
        "{cp}"
    );

    let out = run(dir.path(), &["profile", "slow"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("the profiles are loopback and realistic"),
        "{shown}"
    );
}

/// Under the realistic profile the cloud answers as a deployment does: a case takes at
/// least its chain of answer times, and still passes.
#[test]
fn reference_profile_realistic_slows_the_cloud_to_a_deployments_pace() {
    let dir = workspace();
    let args = [
        "--reference-profile",
        "realistic",
        "--report",
        "r.json",
        "--exact",
        BY_SUBNET_TRIAL,
    ];
    let out = run(dir.path(), &args);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let case = &report["cases"][0];
    // network 0.3 + subnet 0.5 + router 0.12 + add 0.9 + remove 1.1 s, at the least.
    assert!(case["duration_ms"].as_f64().unwrap() > 2_900.0, "{case}");
    // The same from the environment, as every setting is.
    let started = std::time::Instant::now();
    let env = Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .current_dir(dir.path())
        .env("CI", "true")
        .env_remove("OS_CLOUD")
        .env_remove("OS_CLIENT_CONFIG_FILE")
        .env("STACKCONFORM_REFERENCE_PROFILE", "realistic")
        .args(["--exact", BY_SUBNET_TRIAL])
        .output()
        .unwrap();
    assert_eq!(env.status.code(), Some(0), "{}", text(&env));
    assert!(
        started.elapsed().as_millis() > 2_900,
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn version_prints_the_package_version() {
    let dir = workspace();
    for flag in ["--version", "-V"] {
        let out = run(dir.path(), &[flag]);
        let shown = text(&out);
        assert_eq!(out.status.code(), Some(0), "{shown}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("stackconform {}", env!("CARGO_PKG_VERSION"))
        );
    }
}

/// The scripts come from the same definition as parsing: they name the subcommands and
/// the run's flags.
#[test]
fn completions_are_written_for_each_shell() {
    let dir = workspace();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(dir.path(), &["completions", shell]);
        let script = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out));
        for word in ["sweep", "serve", "reference-profile", "test-threads"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let out = run(dir.path(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// `--fail-fast`: the first failure stops the run from starting more cases; those are
/// failed as not run, and the exit is 101 (a failure), not 130 (an interruption).
#[test]
fn fail_fast_starts_no_case_after_the_first_failure() {
    let dir = workspace();
    // Two of the four cases fail. Whichever order they start in, one at a time, the first
    // failure leaves at least one case unstarted.
    let planted = ["404-unknown-server", "404-server-not-uuid"];
    for stem in planted {
        let file = dir
            .path()
            .join(format!("cases/compute/detach_interface/{stem}.yaml"));
        edit(&file, "  status: 404\n", "  status: 409\n");
    }
    let args = [
        "--fail-fast",
        "--test-threads",
        "1",
        "compute.detach_interface::404-",
    ];
    let out = run(dir.path(), &args);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(101), "{shown}");
    let stopper = planted
        .iter()
        .find(|stem| {
            shown.contains(&format!(
                "stopped: --fail-fast after compute.detach_interface::{stem} failed"
            ))
        })
        .unwrap_or_else(|| panic!("no --fail-fast stop: {shown}"));
    let not_run = shown
        .matches("not run: the run was interrupted by --fail-fast")
        .count();
    assert!(not_run >= 1, "{shown}");
    assert!(
        shown.contains(&format!("{not_run} of 4 selected cases were not run")),
        "{shown}"
    );
    // Only the stopper failed for what it checked; nothing ran after it.
    assert_eq!(
        shown.matches("status: expected 409, observed 404").count(),
        1,
        "{stopper}: {shown}"
    );
    // Without it, every case runs.
    let out = run(
        dir.path(),
        &["--test-threads", "1", "compute.detach_interface::404-"],
    );
    let shown = text(&out);
    assert!(shown.contains("2 passed; 2 failed"), "{shown}");
}
