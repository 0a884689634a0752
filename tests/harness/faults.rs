//! Faults injected by the reference cloud (`serve --reference-faults`): on setup and
//! teardown they are absorbed by the safe retries, so the verdicts stay those of a clean
//! run and nothing is left behind; on the request under test they are reported as what
//! they are, never retried away.

use std::path::Path;
use std::process::Output;

use crate::support::{leftovers, text, workspace, Served, IDENTITIES};

fn run(served: &Served, dir: &Path, extra: &[&str]) -> (Output, serde_json::Value) {
    let report = dir.join("report.json");
    let out = served
        .command(dir, &dir.join("ledgers"))
        .arg("run")
        .args(IDENTITIES)
        .arg("--report")
        .arg(&report)
        .args(extra)
        .output()
        .unwrap();
    let report = serde_json::from_str(&std::fs::read_to_string(&report).unwrap_or_default())
        .unwrap_or_default();
    (out, report)
}

/// (trial, verdict) of every case.
fn verdicts(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["cases"]
        .as_array()
        .map(|cases| {
            cases
                .iter()
                .map(|c| {
                    (
                        c["trial"].as_str().unwrap().into(),
                        c["verdict"].as_str().unwrap().into(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Setup and teardown exchanges that met a fault (a 503 or no answer).
fn faults_met(report: &serde_json::Value) -> usize {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["exchanges"].as_array().unwrap())
        .filter(|e| {
            matches!(e["phase"].as_str(), Some("setup" | "teardown"))
                && (e["status"] == 503 || e["error"].is_string())
        })
        .count()
}

#[test]
fn setup_and_teardown_faults_keep_the_clean_verdicts_and_leave_nothing() {
    let clean = {
        let served = Served::start();
        let dir = workspace();
        let (out, report) = run(&served, dir.path(), &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        verdicts(&report)
    };
    // Faults hit every write except the operations under test (and the Keystone login),
    // which a fixture also uses; 503 and dropped connections happen before the cloud acts,
    // so repeating the request is safe.
    // Cases run in parallel, so which request meets a fault varies between runs even for one
    // seed; six retries make a fault that outlasts them (0.2^7 per request) negligible.
    for seed in [3, 17, 42] {
        let spec = format!(
            "seed={seed},rate=0.2,kinds=503+drop+latency,latency=20ms,only=POST|PUT|DELETE,except=/identity/|_router_interface|os-interface"
        );
        let served = Served::start_with(&["--reference-faults", &spec]);
        let dir = workspace();
        let (out, report) = run(&served, dir.path(), &["--retries", "6"]);
        assert_eq!(out.status.code(), Some(0), "seed {seed}: {}", text(&out));
        assert_eq!(verdicts(&report), clean, "seed {seed}");
        assert!(
            faults_met(&report) > 0,
            "seed {seed}: no fault was injected on setup or teardown"
        );
        assert_eq!(leftovers(&served), Vec::<String>::new(), "seed {seed}");
    }
}

#[test]
fn a_fault_on_the_request_under_test_is_reported_and_not_retried() {
    let served = Served::start_with(&[
        "--reference-faults",
        "seed=1,rate=1,kinds=503,only=PUT,path=remove_router_interface",
    ]);
    let dir = workspace();
    let (out, report) = run(
        &served,
        dir.path(),
        &[
            "--exact",
            "network.remove_router_interface::404-router-missing",
        ],
    );
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(101), "{shown}");
    assert!(
        shown.contains("status: expected 404, observed 503"),
        "{shown}"
    );
    let case = &report["cases"][0];
    assert_eq!(case["observed_status"], 503);
    let sent = case["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["phase"] == "test")
        .count();
    assert_eq!(sent, 1, "the request under test was retried: {case}");
}
