//! Shared fixtures (`share: run`): one instance for the cases that only read it, set up by
//! the first and torn down after the last; the loader refuses a case that would change it.
use crate::support::{leftovers, stackconform, text, workspace, Served, IDENTITIES};

/// The nine compute cases that only read their server share one: one boot, not nine.
#[test]
fn readers_share_one_instance_which_the_last_tears_down() {
    let served = Served::start();
    let dir = workspace();
    let report = dir.path().join("r.json");
    let out = served
        .command(dir.path(), &dir.path().join("ledgers"))
        .arg("run")
        .args(IDENTITIES)
        .args([
            "--report",
            report.to_str().unwrap(),
            "compute.detach_interface::",
        ])
        .output()
        .unwrap();
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let created = &report["resources"]["created"];
    assert_eq!(created["shared_server"], 1, "{created}");
    assert!(created["server"].as_u64().unwrap() < 9, "{created}");
    assert_eq!(leftovers(&served), Vec::<String>::new(), "{shown}");
}

#[test]
fn a_failed_shared_setup_fails_every_user_with_its_reason() {
    let dir = workspace();
    let args = [
        "--reference-quota",
        "instances=0",
        "--quota-wait",
        "1s",
        "compute.detach_interface::40",
    ];
    let out = stackconform(dir.path(), &args);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(101), "{shown}");
    assert!(shown.contains("Quota exceeded for instances"), "{shown}");
    assert!(
        shown.contains("shared fixture server (shared_server)"),
        "{shown}"
    );
    assert!(
        shown.contains("its setup failed in compute.detach_interface::"),
        "{shown}"
    );
    assert!(!shown.contains(" passed; 0 failed"), "{shown}");
}

#[test]
fn the_loader_refuses_a_case_that_would_change_a_shared_fixture() {
    let dir = workspace();
    let file = dir
        .path()
        .join("cases/compute/detach_interface/409-locked.yaml");
    let text_before = std::fs::read_to_string(&file).unwrap();
    assert!(
        text_before.contains("{name: server, use: server}"),
        "{text_before}"
    );
    std::fs::write(
        &file,
        text_before.replace(
            "{name: server, use: server}",
            "{name: server, use: shared_server}",
        ),
    )
    .unwrap();
    let out = stackconform(dir.path(), &["--list"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(shown.contains("409-locked.yaml"), "{shown}");
    assert!(
        shown.contains("of the shared fixture \"shared_server\""),
        "{shown}"
    );
    assert!(
        shown.contains("which would change it for every case that shares it"),
        "{shown}"
    );
}
