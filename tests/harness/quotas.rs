//! Admission by quota (`src/runner/quota.rs`): the catalogue passes at any concurrency
//! against a cloud with tight quotas, a case that can never fit fails saying why, and a
//! setup refused over quota on a shared cloud waits for room.
use std::process::Command;
use std::time::Duration;

use crate::support::{
    base_url, case_count, leftovers, stackconform, text, token, workspace, Served, IDENTITIES,
};

#[test]
fn the_catalogue_passes_at_64_cases_at_once_under_the_default_quotas() {
    let dir = workspace();
    let out = stackconform(dir.path(), &["--test-threads", "64"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("quota router of project"), "{shown}");
    assert!(
        shown.contains("limit 10, 0 in use before the run"),
        "{shown}"
    );
}

#[test]
fn the_catalogue_passes_at_64_cases_at_once_against_tight_quotas() {
    let dir = workspace();
    let args = [
        "--test-threads",
        "64",
        "--reference-quota",
        "router=3,instances=2",
        "--report",
        "r.json",
    ];
    let out = stackconform(dir.path(), &args);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    // The report counts what was created and each quota's room and peak.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let resources = &report["resources"];
    assert!(
        resources["created"]["routers"].as_u64().unwrap() > 3,
        "{resources}"
    );
    assert!(
        resources["created"]["servers"].as_u64().unwrap() > 2,
        "{resources}"
    );
    let router = resources["quotas"]
        .as_array()
        .unwrap()
        .iter()
        // Two routers are set aside for the shared routers.
        .find(|q| q["resource"] == "router" && q["room"] == 1)
        .unwrap_or_else(|| panic!("{resources}"));
    assert_eq!(router["limit"], 3);
    assert_eq!(router["peak"], 1, "{router}");
    let all = format!("{} passed; 0 failed; 0 ignored", case_count());
    assert!(shown.contains(&all), "{shown}");
    // The owner's project is the one with the seeded network; each gate reports its peak.
    assert!(shown.contains("1 set aside for shared fixtures"), "{shown}");
    for (resource, room) in [("router", 1), ("instances", 1)] {
        let line = shown
            .lines()
            .find(|l| {
                l.contains(&format!("quota {resource} of project")) && l.contains("in flight")
            })
            .unwrap_or_else(|| panic!("no {resource} summary: {shown}"));
        let peak: u32 = line
            .split("at most ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        assert!(peak >= 1 && peak <= room, "{line}");
        assert!(line.ends_with(&format!("(room {room})")), "{line}");
    }
}

#[test]
fn a_case_that_needs_more_than_the_room_fails_naming_the_quota() {
    let dir = workspace();
    // The case takes 3 subnets at once; a limit of 2 can never admit it. (What others use
    // is not held against it: they may free it, and the run waits for that.)
    let case = "network.add_router_interface::200-ipv6-prefix-joins-dual-stack-port";
    let args = ["--reference-quota", "subnet=2", "--exact", case];
    let out = stackconform(dir.path(), &args);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(101), "{shown}");
    assert!(
        shown.contains("not run: the case takes 3 of quota subnet of project"),
        "{shown}"
    );
    assert!(shown.contains("there is room for 2"), "{shown}");
}

/// A cloud whose quota is smaller than the run believes (`--quota`, or another job of a
/// shared cloud using it): setups refused over quota are sent again until room is freed.
#[test]
fn a_setup_refused_over_quota_waits_for_room() {
    let served = Served::start_with(&["--reference-quota", "router=2"]);
    let dir = workspace();
    let out = served
        .command(dir.path(), &dir.path().join("ledgers"))
        .args(["run", "--quota", "router=6", "--test-threads", "8"])
        .args(["--report", "r.json"])
        .args(IDENTITIES)
        .arg("network.remove_router_interface::")
        .output()
        .unwrap();
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("quota router of project"), "{shown}");
    assert!(shown.contains("room 6 (--quota)"), "{shown}");
    assert!(shown.contains("for quota"), "no setup waited: {shown}");
    // The report says which setups waited, for how long, and that each got room.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let waits = report["resources"]["quota_waits"].as_array().unwrap();
    assert!(!waits.is_empty(), "{report}");
    for w in waits {
        assert_eq!(w["got_room"], true, "{w}");
        assert!(w["waited_ms"].as_f64().unwrap() > 0.0, "{w}");
        assert!(
            w["trial"]
                .as_str()
                .unwrap()
                .starts_with("network.remove_router_interface::"),
            "{w}"
        );
    }
}

/// Nova rechecks the quota once the conductor has created the instance, and its API counts
/// only instances that exist: a boot accepted while another job's boot was still a build
/// request ends in ERROR, "Quota exceeded for instances". That is a full project, not the
/// case's failure: the fixture's setup is undone (the ERROR server deleted), waited out
/// and started again, and the case passes once there is room.
#[test]
fn a_boot_accepted_then_refused_by_the_quota_recheck_is_undone_and_set_up_again() {
    // The run's boot must be accepted within the schedule delay after the other job's, so
    // the delay is far longer than the run takes to start, even on a loaded machine.
    let served = Served::start_with(&[
        "--reference-quota",
        "instances=1",
        "--reference-schedule-delay",
        "5s",
    ]);
    let delay = Duration::from_secs(5);
    let base = base_url(&served);
    let owner = token(&served.clouds_yaml);
    let doc: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&served.clouds_yaml).unwrap()).unwrap();
    let facts = &doc["clouds"]["reference"]["stackconform"]["facts"];
    // Another job's boot, accepted a moment before the run's: not counted for 5 s.
    let boot = serde_json::json!({"server": {"name": "another-job", "imageRef": facts["image_id"],
        "flavorRef": facts["flavor_id"], "networks": "none"}});
    let other = Command::new("curl")
        .args(["-s", "-X", "POST", "-H", &format!("X-Auth-Token: {owner}")])
        .args(["-H", "Content-Type: application/json"])
        .args(["-H", "OpenStack-API-Version: compute 2.37", "--data-binary"])
        .arg(boot.to_string())
        .arg(format!("{base}/compute/v2.1/servers"))
        .output()
        .unwrap();
    let accepted = std::time::Instant::now();
    let other: serde_json::Value = serde_json::from_slice(&other.stdout).unwrap();
    let other_id = other["server"]["id"].as_str().unwrap().to_string();
    let dir = workspace();
    let run = served
        .command(dir.path(), &dir.path().join("ledgers"))
        .args(["run", "--report", "r.json"])
        .args(IDENTITIES)
        .arg("compute.detach_interface::202-user-port")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The other job frees the room once the run's boot (accepted before `accepted + delay`)
    // has met the recheck (its conductor step, by `accepted + 2 * delay`). The ERROR server
    // itself is gone within milliseconds, deleted by the run: watching for it would race.
    let room_freed_at = accepted + 2 * delay + Duration::from_millis(500);
    std::thread::sleep(room_freed_at.saturating_duration_since(std::time::Instant::now()));
    let deleted = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "DELETE",
        ])
        .args(["-H", &format!("X-Auth-Token: {owner}")])
        .arg(format!("{base}/compute/v2.1/servers/{other_id}"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&deleted.stdout), "204");
    let out = run.wait_with_output().unwrap();
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("accepted, then refused over quota (Quota exceeded for instances: Requested 1, but already used 1 of 1 instances); undone"),
        "{shown}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    let waits = report["resources"]["quota_waits"].as_array().unwrap();
    assert!(
        waits.iter().any(|w| w["got_room"] == true
            && w["trial"] == "compute.detach_interface::202-user-port"
            && w["step"].as_str().unwrap().contains("setup step 1")),
        "{report}"
    );
    assert_eq!(report["summary"]["passed"], 1, "{report}");
    // Nothing is left: not the refused server, not the one set up after it.
    assert!(leftovers(&served).is_empty(), "{:?}", leftovers(&served));
}
