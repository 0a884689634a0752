//! A run never reports success for what it did not check, and one run never harms another
//! (issue #13). Each test runs the binary, against `stackconform serve` where a target is
//! needed, and is named after the bug it pins; each failed on the main it was written on.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    base_url, case_count, leftovers, post, stackconform, text, token, until_created, workspace,
    Served, IDENTITIES, PREFIX,
};

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn served_run(served: &Served, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = served.command(dir, &dir.join("ledgers"));
    cmd.arg("run").args(IDENTITIES).args(args);
    cmd
}

fn wait(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("the process did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

// 1. Discovery

#[test]
fn a_503_from_the_extension_list_fails_the_run_instead_of_skipping_its_cases() {
    let dir = workspace();
    let out = stackconform(
        dir.path(),
        &[
            "--reference-faults",
            "seed=1,rate=1,kinds=503,path=/v2.0/extensions$",
        ],
    );
    let shown = text(&out);
    assert_eq!(code(&out), Some(3), "{shown}");
    assert!(
        shown.contains("could not read the network extension list")
            && shown.contains("/v2.0/extensions answered 503 (after 4 attempts)"),
        "{shown}"
    );
    assert!(!shown.contains("test result"), "{shown}");
}

#[test]
fn a_503_from_the_nova_version_document_fails_the_run() {
    let dir = workspace();
    let out = stackconform(
        dir.path(),
        &[
            "--reference-faults",
            "seed=1,rate=1,kinds=503,path=/compute/v2.1/$",
            "--retries",
            "1",
        ],
    );
    let shown = text(&out);
    assert_eq!(code(&out), Some(3), "{shown}");
    assert!(
        shown.contains("could not read the compute version document")
            && shown.contains("answered 503 (after 2 attempts)"),
        "{shown}"
    );
}

#[test]
fn discovery_retries_a_transient_503_like_setup() {
    // With seed 6 the first two extension-list requests get 503 and the third does not.
    let faults = "seed=6,rate=0.5,kinds=503,path=/v2.0/extensions$";
    let dir = workspace();
    let out = stackconform(dir.path(), &["--reference-faults", faults]);
    let shown = text(&out);
    assert_eq!(code(&out), Some(0), "{shown}");
    let all = format!("{} passed; 0 failed; 0 ignored", case_count());
    assert!(shown.contains(&all), "{shown}");
    let out = stackconform(
        dir.path(),
        &["--reference-faults", faults, "--retries", "1"],
    );
    assert_eq!(code(&out), Some(3), "{}", text(&out));
}

// 2. Selections that check nothing

#[test]
fn a_mistyped_subcommand_is_no_selection_and_gets_did_you_mean() {
    let dir = workspace();
    let out = stackconform(dir.path(), &["covrage"]);
    let shown = text(&out);
    assert_eq!(code(&out), Some(4), "{shown}");
    assert!(shown.contains("the filter `covrage`"), "{shown}");
    assert!(shown.contains("did you mean `coverage`?"), "{shown}");
    assert!(!shown.contains("test result"), "{shown}");
}

#[test]
fn a_filter_that_matches_nothing_exits_4_and_names_the_filter() {
    let dir = workspace();
    let out = stackconform(dir.path(), &["no-such-case"]);
    let shown = text(&out);
    assert_eq!(code(&out), Some(4), "{shown}");
    assert!(
        shown.contains("no case selected: the filter `no-such-case`"),
        "{shown}"
    );
    assert!(!shown.contains("did you mean"), "{shown}");
    // --skip that leaves nothing is the same.
    let out = stackconform(dir.path(), &["--skip", "::"]);
    assert_eq!(code(&out), Some(4), "{}", text(&out));
    assert!(text(&out).contains("--skip `::`"), "{}", text(&out));
    // Listing is not checking: an empty list is fine.
    let out = stackconform(dir.path(), &["--list", "no-such-case"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
}

// 3. Output errors

/// `| head -n 1`: reads the first line of the child's stdout, closes the pipe, and waits
/// (at most two minutes) for the child to end.
fn head_1(mut child: Child) -> Output {
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    wait(child, Duration::from_secs(120))
}

#[test]
fn a_closed_stdout_tears_down_writes_the_report_and_exits_130() {
    let served = Served::start_with(&["--reference-detach-delay", "300ms"]);
    let dir = workspace();
    let report = dir.path().join("report.json");
    let child = served_run(
        &served,
        dir.path(),
        &["--report", report.to_str().unwrap(), "--test-threads", "4"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let out = head_1(child);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), Some(130), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("standard output failed"), "{err}");
    assert_eq!(leftovers(&served), Vec::<String>::new(), "{err}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(
        report["interrupted"]
            .as_str()
            .is_some_and(|r| r.contains("standard output failed")),
        "{report}"
    );
}

/// Regression: with the status line on, the thread that redraws it often meets the
/// closed pipe first; it set its own flag and the run went on with its output discarded.
#[test]
fn a_closed_stdout_found_by_the_status_line_stops_the_run_too() {
    let dir = workspace();
    let child = Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .current_dir(dir.path())
        .env("CI", "true")
        .args([
            "--progress",
            "always",
            "--reference-profile",
            "realistic",
            "compute.",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = head_1(child);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), Some(130), "{err}");
    assert!(err.contains("standard output failed"), "{err}");
}

#[test]
fn a_full_disk_on_stdout_is_an_interruption_not_a_panic() {
    let dir = workspace();
    let out = Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .current_dir(dir.path())
        .env("CI", "true")
        .env_remove("OS_CLOUD")
        .env_remove("OS_CLIENT_CONFIG_FILE")
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), Some(130), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
}

// 4. Sweeps and concurrent runs

/// Starts a run against a slow cloud, sweeps with `sweep_args` once the run has created
/// something, and returns what the sweep said; asserts that the run still passes and
/// leaves nothing behind.
fn sweep_during_a_live_run(sweep_args: &[&str]) -> String {
    let served = Served::start_with(&["--reference-detach-delay", "1s"]);
    let dir = workspace();
    let run = served_run(&served, dir.path(), &["--test-threads", "4"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    until_created(&served);
    let sweep = served
        .command(dir.path(), &dir.path().join("ledgers"))
        .arg("sweep")
        .args(sweep_args)
        .args(IDENTITIES)
        .output()
        .unwrap();
    let shown = text(&sweep);
    assert_eq!(code(&sweep), Some(0), "{shown}");
    let out = wait(run, Duration::from_secs(120));
    assert_eq!(
        code(&out),
        Some(0),
        "the live run was harmed: {}",
        text(&out)
    );
    assert_eq!(leftovers(&served), Vec::<String>::new());
    shown
}

#[test]
fn a_sweep_leaves_the_ledger_of_a_live_run_alone() {
    let shown = sweep_during_a_live_run(&[]);
    assert!(shown.contains("run that is still going"), "{shown}");
    assert!(shown.contains("0 removed"), "{shown}");
}

#[test]
fn a_prefix_sweep_leaves_the_resources_of_a_live_run_alone() {
    let shown = sweep_during_a_live_run(&["--prefix", PREFIX]);
    assert!(shown.contains("is still going"), "{shown}");
}

#[test]
fn two_runs_against_the_same_project_at_once_both_pass() {
    let served = Served::start_with(&["--reference-detach-delay", "200ms"]);
    let dir = workspace();
    let spawn = || {
        served_run(&served, dir.path(), &[])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    for out in [
        wait(a, Duration::from_secs(120)),
        wait(b, Duration::from_secs(120)),
    ] {
        assert_eq!(code(&out), Some(0), "{}", text(&out));
    }
    assert_eq!(leftovers(&served), Vec::<String>::new());
}

#[test]
fn a_ledger_that_disappears_while_sweeping_is_nothing_to_do() {
    let served = Served::start();
    let dir = workspace();
    let gone = dir.path().join("ledgers/finished-run.jsonl");
    let out = served
        .command(dir.path(), &dir.path().join("ledgers"))
        .args(["sweep", "--ledger", gone.to_str().unwrap()])
        .args(IDENTITIES)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", text(&out));
}

#[test]
fn a_sweep_says_what_it_waits_for_and_is_bounded_by_its_timeout() {
    let served = Served::start();
    let dir = workspace();
    let ledgers = dir.path().join("ledgers");
    std::fs::create_dir_all(&ledgers).unwrap();
    // A waiting step that never comes true: the network list never answers 404.
    let event = serde_json::json!({
        "event": "created", "key": "k", "run_id": "deadbeef", "project_id": null,
        "case": "network.remove_router_interface::200-by-subnet", "fixture": "network",
        "alias": "net", "confirmed": true,
        "removals": [{"as": "owner", "service": "network", "method": "GET",
            "path": "/v2.0/networks", "status": 404, "poll_seconds": 600.0}]
    });
    std::fs::write(ledgers.join("deadbeef.jsonl"), format!("{event}\n")).unwrap();
    let started = Instant::now();
    let out = served
        .command(dir.path(), &ledgers)
        .args(["sweep", "--timeout", "2s"])
        .args(IDENTITIES)
        .output()
        .unwrap();
    let shown = text(&out);
    assert!(started.elapsed() < Duration::from_secs(30), "{shown}");
    assert_eq!(code(&out), Some(101), "{shown}");
    assert!(
        shown.contains("waiting up to 600s for GET /v2.0/networks to answer 404"),
        "{shown}"
    );
    assert!(shown.contains("ran out of its --timeout (2s)"), "{shown}");
}

// 5. Merging shards

#[test]
fn merge_refuses_shards_that_do_not_cover_the_partition() {
    let dir = workspace();
    let shard = |m: &str| {
        let report = format!("shard-{m}.json");
        let out = stackconform(
            dir.path(),
            &["--partition", &format!("hash:{m}/2"), "--report", &report],
        );
        assert_eq!(code(&out), Some(0), "{}", text(&out));
        report
    };
    let (one, two) = (shard("1"), shard("2"));
    let out = stackconform(dir.path(), &["merge", "-o", "all.json", &one]);
    assert_eq!(code(&out), Some(2), "{}", text(&out));
    assert!(text(&out).contains("missing hash:2/2"), "{}", text(&out));
    let out = stackconform(dir.path(), &["merge", "-o", "all.json", &one, &one, &two]);
    assert_eq!(code(&out), Some(2), "{}", text(&out));
    assert!(text(&out).contains("given twice"), "{}", text(&out));
    let out = stackconform(dir.path(), &["merge", "-o", "all.json", &one, &two]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let all = format!("{} cases", case_count());
    assert!(text(&out).contains(&all), "{}", text(&out));
}

// 6. Smaller, same family

#[test]
fn an_interrupted_runs_summary_says_interrupted() {
    let served = Served::start_with(&["--reference-detach-delay", "1500ms"]);
    let dir = workspace();
    let child = served_run(&served, dir.path(), &["--test-threads", "4"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    until_created(&served);
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = wait(child, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), Some(130), "{}", text(&out));
    assert!(!stdout.contains("test result: ok"), "{stdout}");
    assert!(stdout.contains("test result: FAILED"), "{stdout}");
    assert!(
        stdout.contains("interrupted: SIGINT stopped the run"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not run: the run was interrupted by SIGINT"),
        "{stdout}"
    );
    assert_eq!(leftovers(&served), Vec::<String>::new());
}

/// A clouds.yaml whose one cloud reaches `serve` without Keystone (a token and endpoint
/// overrides), as a deployment without Keystone is described, with no project id given.
fn cloud_without_project_id(served: &Served, dir: &Path) -> std::path::PathBuf {
    let base = base_url(served);
    let token = token(&served.clouds_yaml);
    let path = dir.join("noks.yaml");
    std::fs::write(
        &path,
        format!(
            "clouds:\n  noks:\n    auth_type: admin_token\n    auth:\n      token: {token}\n    compute_endpoint_override: {base}/compute/v2.1\n    network_endpoint_override: {base}/networking\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn a_case_needing_a_project_id_the_cloud_lacks_is_skipped_with_the_setting_named() {
    let served = Served::start();
    let dir = workspace();
    let clouds = cloud_without_project_id(&served, dir.path());
    let run = |extra: &[&str]| {
        served
            .command(dir.path(), &dir.path().join("ledgers"))
            .env("OS_CLIENT_CONFIG_FILE", &clouds)
            .args([
                "run",
                "--cloud",
                "noks",
                "--exact",
                "compute.detach_interface::202-user-port",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let shown = text(&out);
    assert_eq!(code(&out), Some(0), "{shown}");
    assert!(
        shown.contains("needs the owner identity's project_id")
            && shown.contains("`stackconform: {project_id: ...}`"),
        "{shown}"
    );
    assert!(!shown.contains("unknown variable"), "{shown}");
    let out = run(&["--fail-on-skip"]);
    assert_eq!(code(&out), Some(101), "{}", text(&out));
    assert!(
        text(&out).contains("--fail-on-skip is set"),
        "{}",
        text(&out)
    );
}

#[test]
fn fail_on_skip_fails_every_skip_but_not_a_recorded_deviation() {
    let served = Served::start();
    let dir = workspace();
    // Only the owner: the cases that need the other identities are skipped.
    let run = |envs: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = served.command(dir.path(), &dir.path().join("ledgers"));
        cmd.args(["run", "--cloud", "reference"]).args(extra);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = run(&[], &["403-reader"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(text(&out).contains("3 ignored"), "{}", text(&out));
    let out = run(&[], &["403-reader", "--fail-on-skip"]);
    assert_eq!(code(&out), Some(101), "{}", text(&out));
    assert!(text(&out).contains("3 failed"), "{}", text(&out));
    let out = run(&[("STACKCONFORM_FAIL_ON_SKIP", "true")], &["403-reader"]);
    assert_eq!(code(&out), Some(101), "{}", text(&out));

    // A known deviation stays a deviation: against a mutant that answers 409 for a
    // mismatch, the case that expects 400 is recorded as that target's deviation.
    std::fs::write(
        dir.path().join("deviations.yaml"),
        "target: the neutron-mismatch-409 mutant\ndeviations:\n  - case: 82a40667-2ce9-447c-8949-6379ce2d6654\n    reason: answers 409\n",
    )
    .unwrap();
    let case = "network.remove_router_interface::400-subnet-mismatch";
    let out = stackconform(
        dir.path(),
        &[
            "--reference-mutant",
            "neutron-mismatch-409",
            "--deviations",
            "deviations.yaml",
            "--fail-on-skip",
            "--exact",
            case,
        ],
    );
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    assert!(text(&out).contains("known deviation"), "{}", text(&out));
}

#[test]
fn mutant_and_fault_runs_write_no_snapshot_proposal() {
    let dir = workspace();
    let pending = |dir: &Path| {
        std::fs::read_dir(dir.join("snapshots"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".snap.new")
            })
            .count()
    };
    for args in [
        ["--reference-mutant", "neutron-extra-tags"],
        [
            "--reference-faults",
            "seed=1,rate=1,kinds=truncate,path=remove_router_interface",
        ],
    ] {
        // Outside CI, insta would write proposals; these runs must not.
        let out = Command::new(env!("CARGO_BIN_EXE_stackconform"))
            .current_dir(dir.path())
            .env_remove("CI")
            .env_remove("OS_CLOUD")
            .env_remove("OS_CLIENT_CONFIG_FILE")
            .args(args)
            .output()
            .unwrap();
        assert_eq!(code(&out), Some(101), "{}", text(&out));
        assert_eq!(pending(dir.path()), 0, "{args:?} proposed a snapshot");
    }
}

#[test]
fn diff_pages_on_a_new_skip_and_on_an_interrupted_run() {
    let dir = workspace();
    let out = stackconform(dir.path(), &["--report", "old.json"]);
    assert_eq!(code(&out), Some(0), "{}", text(&out));
    let mut new: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("old.json")).unwrap())
            .unwrap();
    new["cases"][0]["verdict"] = "skipped".into();
    new["cases"][0]["skip_reason"] = "needs network extensions [\"router\"]".into();
    std::fs::write(dir.path().join("skipped.json"), new.to_string()).unwrap();
    let out = stackconform(dir.path(), &["diff", "old.json", "skipped.json"]);
    assert_eq!(code(&out), Some(101), "{}", text(&out));
    assert!(text(&out).contains("1 newly skipped"), "{}", text(&out));
    new["cases"][0]["verdict"] = "passed".into();
    new["interrupted"] = "SIGINT".into();
    std::fs::write(dir.path().join("interrupted.json"), new.to_string()).unwrap();
    let out = stackconform(dir.path(), &["diff", "old.json", "interrupted.json"]);
    assert_eq!(code(&out), Some(101), "{}", text(&out));
    assert!(
        text(&out).contains("the new run was interrupted: SIGINT"),
        "{}",
        text(&out)
    );
}

/// Regression (CI, a run killed with SIGKILL): the ledger's network was refused with 409
/// NetworkInUse because a port whose create was in flight at the kill (so not in the ledger
/// with an id) still sat on it; the by-prefix pass then removed the port, but the sweep had
/// already counted the network as failed and exited 101. A refused removal is now tried
/// once more after the by-prefix pass.
#[test]
fn a_ledger_removal_refused_because_of_an_unrecorded_leftover_is_retried_after_it() {
    let served = Served::start();
    let dir = workspace();
    let ledgers = dir.path().join("ledgers");
    std::fs::create_dir_all(&ledgers).unwrap();
    let base = base_url(&served);
    let owner = token(&served.clouds_yaml);
    let net = post(
        &format!("{base}/networking/v2.0/networks"),
        &owner,
        serde_json::json!({"network": {"name": "stackconform-deadbee1-case-net"}}),
    );
    let net_id = net["network"]["id"].as_str().unwrap().to_string();
    let port = post(
        &format!("{base}/networking/v2.0/ports"),
        &owner,
        serde_json::json!({"port": {"name": "stackconform-deadbee1-case-port", "network_id": net_id}}),
    );
    assert!(port["port"]["id"].is_string(), "{port}");
    let event = serde_json::json!({
        "event": "created", "key": "k", "run_id": "deadbee1", "project_id": null,
        "case": "network.remove_router_interface::200-by-subnet", "fixture": "network",
        "alias": "net", "confirmed": true,
        "removals": [{"as": "owner", "service": "network", "method": "DELETE",
            "path": format!("/v2.0/networks/{net_id}"), "status": 204}]
    });
    std::fs::write(ledgers.join("deadbee1.jsonl"), format!("{event}\n")).unwrap();
    let out = served
        .command(dir.path(), &ledgers)
        .args(["sweep"])
        .args(IDENTITIES)
        .output()
        .unwrap();
    let shown = text(&out);
    assert_eq!(code(&out), Some(0), "{shown}");
    assert!(shown.contains("0 failed"), "{shown}");
    assert_eq!(leftovers(&served), Vec::<String>::new());
}
