//! Shared fixtures (`share: run`): one instance for the cases that only read it, set up by
//! the first and torn down after the last; the loader refuses a case that would change it.
use crate::support::{leftovers, stackconform, text, workspace, Served, IDENTITIES};

/// The compute cases that only read their server share one. Seven boots is the floor: the
/// shared server, the locked and the suspended one (a lock or a suspend is a change), and
/// one for each of the four detaches that succeed.
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
    let resources = &report["resources"];
    assert_eq!(resources["setups"]["shared_server"], 1, "{resources}");
    assert_eq!(resources["created"]["servers"], 7, "{resources}");
    assert!(shown.contains("created (by resource): "), "{shown}");
    assert!(shown.contains(" servers 7"), "{shown}");
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

/// A cleanup may undo on a shared fixture what involves the case's own (its port on the
/// shared router), as the catalogue's add cases do; one that names nothing of its own
/// would change the fixture for the other cases.
#[test]
fn a_cleanup_may_touch_a_shared_fixture_only_with_something_of_its_own() {
    let dir = workspace();
    let file = dir
        .path()
        .join("cases/network/remove_router_interface/405-delete.yaml");
    let before = std::fs::read_to_string(&file).unwrap();
    assert!(
        before.contains("use: shared_router_with_interface"),
        "{before}"
    );
    assert!(!before.contains("cleanup:"), "{before}");
    std::fs::write(
        &file,
        format!(
            "{before}cleanup:\n  - request: {{service: network, method: PUT, path: \"/v2.0/routers/${{router.id}}/remove_router_interface\", body: {{subnet_id: \"${{router.subnet_id}}\"}}}}\n    expect: {{status: 200}}\n"
        ),
    )
    .unwrap();
    let out = stackconform(dir.path(), &["--list"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(shown.contains("405-delete.yaml"), "{shown}");
    assert!(
        shown.contains("changes the shared fixture \"shared_router_with_interface\""),
        "{shown}"
    );
    // The catalogue's own cleanups on the shared router name the case's port or subnet.
    let add = dir
        .path()
        .join("cases/network/add_router_interface/400-both-keys.yaml");
    let add = std::fs::read_to_string(add).unwrap();
    assert!(
        add.contains("use: shared_router}") && add.contains("cleanup:"),
        "{add}"
    );
}
