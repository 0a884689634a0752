//! Everyday use (issue #18): one binary anywhere (the built-in catalogue and its export),
//! the HTML page, the live status line, and `review` without cargo-insta.
use std::fs;
use std::path::Path;

use crate::support::{case_count, repo, stackconform, text, workspace};

const UNKNOWN_SERVER: &str = "cases/compute/detach_interface/404-unknown-server.yaml";

/// An installed binary run from a folder with no catalogue in it runs the built-in one,
/// and says so in its report.
#[test]
fn the_built_in_catalogue_runs_from_an_empty_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = stackconform(dir.path(), &["--list"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert_eq!(shown.matches(": test").count(), case_count(), "{shown}");
    let out = stackconform(
        dir.path(),
        &["--report", "r.json", "network.remove_router_interface::"],
    );
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains(" passed; 0 failed"), "{shown}");
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(report["catalogue"], "the built-in catalogue");
    let file = report["cases"][0]["file"].as_str().unwrap();
    assert!(file.starts_with("(built in)/cases/network/"), "{file}");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "the run wrote nothing but its report (no snapshots folder)"
    );
}

/// `catalogue export DIR` writes a catalogue that runs as it is, and refuses to overwrite.
#[test]
fn an_exported_catalogue_runs_and_a_second_export_overwrites_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = stackconform(dir.path(), &["catalogue", "export", "mine"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let exported = dir.path().join("mine");
    assert_eq!(
        crate::support::case_files(&exported).len(),
        case_count(),
        "every case exported"
    );
    // An edit to the exported copy is what runs: break one expectation.
    let path = exported.join(UNKNOWN_SERVER);
    let case = fs::read_to_string(&path).unwrap();
    fs::write(&path, case.replacen("itemNotFound", "badRequest", 1)).unwrap();
    let out = stackconform(
        dir.path(),
        &[
            "--cases",
            "mine/cases",
            "--exact",
            "compute.detach_interface::404-unknown-server",
        ],
    );
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(101), "{shown}");
    assert!(
        shown.contains("case file: mine/cases/compute/detach_interface/404-unknown-server.yaml"),
        "{shown}"
    );
    let out = stackconform(dir.path(), &["catalogue", "export", "mine"]);
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("nothing was written (--force replaces them)"),
        "{shown}"
    );
    assert!(fs::read_to_string(&path).unwrap().contains("badRequest"));
}

/// The page: every case with its verdict, the failure text, no external resource.
#[test]
fn the_html_page_shows_every_case_its_verdict_and_the_failure() {
    let dir = workspace();
    let path = dir.path().join(UNKNOWN_SERVER);
    let case = fs::read_to_string(&path).unwrap();
    fs::write(&path, case.replacen("itemNotFound", "badRequest", 1)).unwrap();
    let out = stackconform(
        dir.path(),
        &["--html", "page.html", "compute.detach_interface::"],
    );
    assert_eq!(out.status.code(), Some(101), "{}", text(&out));
    let page = fs::read_to_string(dir.path().join("page.html")).unwrap();
    let report_cases = crate::support::case_files(dir.path())
        .iter()
        .filter(|p| p.to_string_lossy().contains("detach_interface"))
        .count();
    assert_eq!(
        page.matches("<details id=\"case-compute.detach_interface-")
            .count(),
        report_cases,
        "one entry per case"
    );
    assert!(page.contains(
        "<details id=\"case-compute.detach_interface-404-unknown-server\" data-verdict=\"failed\" open>"
    ));
    assert!(
        page.contains("badRequest"),
        "the failing expectation is shown"
    );
    assert!(page.contains("Coverage") && page.contains("compute.detach_interface"));
    assert!(
        !page.contains("<link") && !page.contains(" src="),
        "self-contained"
    );
    assert!(!page.contains("X-Auth-Token: gAAAA"), "no token");
}

/// On a terminal (here forced into a pipe) a status line says what runs and for how
/// long, and is erased before each outcome line.
#[test]
fn the_status_line_shows_done_total_and_what_is_running() {
    let out = stackconform(
        &repo(),
        &[
            "--progress",
            "always",
            "--reference-profile",
            "realistic",
            "--exact",
            "network.remove_router_interface::200-by-subnet",
        ],
    );
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains(
            "\r\x1b[2K[0/1 done] 1 running: network.remove_router_interface::200-by-subnet "
        ),
        "{shown:?}"
    );
    assert!(shown.contains(" ... ok"), "{shown}");
    // Plain lines without it.
    let out = stackconform(
        &repo(),
        &["--exact", "network.remove_router_interface::200-by-subnet"],
    );
    assert!(!text(&out).contains('\x1b'), "{}", text(&out));
}

fn snapshot(dir: &Path, name: &str, body: &str) {
    fs::write(dir.join(name), format!("---\nsource: x\n---\n{body}\n")).unwrap();
}

/// `review` without cargo-insta: accept renames the proposal over the snapshot, reject
/// deletes it, `--list` changes nothing.
#[test]
fn review_accepts_and_rejects_proposals_as_answered() {
    let dir = tempfile::tempdir().unwrap();
    let snaps = dir.path().join("snapshots");
    fs::create_dir(&snaps).unwrap();
    snapshot(&snaps, "a.snap", "{\"type\": \"object\"}");
    snapshot(&snaps, "a.snap.new", "{\"type\": \"array\"}");
    snapshot(&snaps, "b.snap.new", "{\"type\": \"string\"}");
    let listed = stackconform(dir.path(), &["review", "--list"]);
    let shown = text(&listed);
    assert!(
        shown.contains("-   {\"type\": \"object\"}") || shown.contains("- {\"type\": \"object\"}"),
        "{shown}"
    );
    assert!(shown.contains("new snapshot:"), "{shown}");
    assert!(snaps.join("a.snap.new").exists() && snaps.join("b.snap.new").exists());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .current_dir(dir.path())
        .arg("review")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"a\nr\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("accepted 1, rejected 1, kept for later 0"),
        "{shown}"
    );
    assert!(fs::read_to_string(snaps.join("a.snap"))
        .unwrap()
        .contains("array"));
    assert!(!snaps.join("a.snap.new").exists());
    assert!(!snaps.join("b.snap.new").exists() && !snaps.join("b.snap").exists());
    let out = stackconform(dir.path(), &["review"]);
    assert!(
        text(&out).contains("no proposed snapshot changes"),
        "{}",
        text(&out)
    );
}

/// `review --accept` and `--reject` decide every proposal without asking.
#[test]
fn review_accept_and_reject_flags_decide_everything_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let snaps = dir.path().join("snapshots");
    fs::create_dir(&snaps).unwrap();
    snapshot(&snaps, "a.snap.new", "{}");
    let out = stackconform(dir.path(), &["review", "--accept"]);
    assert!(
        text(&out).contains("accepted 1, rejected 0"),
        "{}",
        text(&out)
    );
    assert!(snaps.join("a.snap").exists() && !snaps.join("a.snap.new").exists());
    snapshot(&snaps, "a.snap.new", "[]");
    let out = stackconform(dir.path(), &["review", "--reject"]);
    assert!(
        text(&out).contains("accepted 0, rejected 1"),
        "{}",
        text(&out)
    );
    assert!(fs::read_to_string(snaps.join("a.snap"))
        .unwrap()
        .contains("{}"));
    let out = stackconform(dir.path(), &["review", "--snapshots", "nowhere"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// `diff --html` writes the comparison as a page: the regression and the new run's cases.
#[test]
fn diff_writes_its_comparison_as_a_page() {
    let dir = workspace();
    let trial = "compute.detach_interface::404-unknown-server";
    let out = stackconform(dir.path(), &["--report", "old.json", "--exact", trial]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let path = dir.path().join(UNKNOWN_SERVER);
    let case = fs::read_to_string(&path).unwrap();
    fs::write(&path, case.replacen("itemNotFound", "badRequest", 1)).unwrap();
    let out = stackconform(dir.path(), &["--report", "new.json", "--exact", trial]);
    assert_eq!(out.status.code(), Some(101), "{}", text(&out));
    let out = stackconform(
        dir.path(),
        &["diff", "old.json", "new.json", "--html", "d.html"],
    );
    assert_eq!(out.status.code(), Some(101), "{}", text(&out));
    let page = fs::read_to_string(dir.path().join("d.html")).unwrap();
    assert!(
        page.contains("<title>stackconform diff: REGRESSION</title>"),
        "{page}"
    );
    assert!(page.contains("Newly failing (1)"), "{page}");
    assert!(page.contains("data-verdict=\"failed\" open"), "{page}");
}
