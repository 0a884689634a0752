//! Nothing a run creates outlives it: after a normal run, a run with failing cases, a run
//! interrupted with SIGINT halfway, and a run killed with SIGKILL followed by `sweep`, the
//! target (`stackconform serve`) holds no resource named with the run prefix. Leftovers are
//! counted through the public APIs as the admin, independently of the harness.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{leftovers, text, until_created, workspace, Served, IDENTITIES, PREFIX};

/// A served cloud whose detaches take long enough for a run to be caught halfway.
fn slow_cloud() -> Served {
    Served::start_with(&["--reference-detach-delay", "1500ms"])
}

fn command(served: &Served, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = served.command(dir, &dir.join("ledgers"));
    cmd.args(args);
    cmd
}

fn ledger_files(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("ledgers"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Starts a run, waits until a few cases have finished, and returns it.
fn run_halfway(served: &Served, dir: &Path) -> Child {
    let mut args = vec!["run"];
    args.extend(IDENTITIES);
    args.extend(["--test-threads", "8"]);
    let child = command(served, dir, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Halfway: once the run has created something (the Nova cases then wait 1.5 s on each
    // detach), whatever the machine's load.
    until_created(served);
    std::thread::sleep(Duration::from_millis(200));
    child
}

fn signal(child: &Child, sig: &str) {
    Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
}

fn wait(mut child: Child, limit: Duration) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        assert!(
            started.elapsed() < limit,
            "the run did not end within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_normal_run_leaves_nothing_and_removes_its_ledger() {
    let served = slow_cloud();
    let dir = workspace();
    let mut args = vec!["run"];
    args.extend(IDENTITIES);
    let out = command(&served, dir.path(), &args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("written down in"), "{}", text(&out));
    assert_eq!(leftovers(&served), Vec::<String>::new());
    assert_eq!(ledger_files(dir.path()), 0, "a clean run keeps no ledger");
}

#[test]
fn a_run_with_failing_cases_leaves_nothing() {
    let served = slow_cloud();
    let dir = workspace();
    // Fail after all fixtures exist: the request under test and a follow-up check.
    for (file, from, to) in [
        (
            "cases/network/remove_router_interface/200-by-subnet.yaml",
            "  status: 200\n",
            "  status: 409\n",
        ),
        (
            "cases/compute/detach_interface/409-locked.yaml",
            "  status: 409\n",
            "  status: 202\n",
        ),
        (
            "cases/compute/detach_interface/202-user-port.yaml",
            "port_id: {not_contains:",
            "port_id: {contains:",
        ),
    ] {
        let path = dir.path().join(file);
        let t = std::fs::read_to_string(&path).unwrap();
        assert!(t.contains(from), "{file}");
        std::fs::write(&path, t.replacen(from, to, 1)).unwrap();
    }
    let mut args = vec!["run"];
    args.extend(IDENTITIES);
    let out = command(&served, dir.path(), &args).output().unwrap();
    assert_eq!(out.status.code(), Some(101), "{}", text(&out));
    assert!(text(&out).contains("3 failed"), "{}", text(&out));
    assert_eq!(leftovers(&served), Vec::<String>::new());
}

#[test]
fn a_run_interrupted_with_sigint_tears_down_and_exits_130() {
    let served = slow_cloud();
    let dir = workspace();
    let child = run_halfway(&served, dir.path());
    signal(&child, "-INT");
    assert_eq!(wait(child, Duration::from_secs(60)), Some(130));
    assert_eq!(leftovers(&served), Vec::<String>::new());
}

#[test]
fn a_run_killed_with_sigkill_is_cleaned_by_sweep_from_its_ledger() {
    let served = slow_cloud();
    let dir = workspace();
    let child = run_halfway(&served, dir.path());
    signal(&child, "-KILL");
    wait(child, Duration::from_secs(10));
    assert!(
        !leftovers(&served).is_empty(),
        "a killed run should have left something to sweep"
    );
    assert_eq!(ledger_files(dir.path()), 1);

    let mut args = vec!["sweep", "--dry-run"];
    args.extend(IDENTITIES);
    let out = command(&served, dir.path(), &args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("would remove (dry run)"),
        "{}",
        text(&out)
    );
    assert!(
        !leftovers(&served).is_empty(),
        "--dry-run removed something"
    );

    args.remove(1);
    let out = command(&served, dir.path(), &args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(leftovers(&served), Vec::<String>::new(), "{}", text(&out));
    assert_eq!(
        ledger_files(dir.path()),
        0,
        "a fully swept ledger is removed"
    );
}

#[test]
fn a_run_killed_without_ledger_is_cleaned_by_prefix() {
    let served = slow_cloud();
    let dir = workspace();
    let child = run_halfway(&served, dir.path());
    signal(&child, "-KILL");
    wait(child, Duration::from_secs(10));
    std::fs::remove_dir_all(dir.path().join("ledgers")).unwrap();
    assert!(!leftovers(&served).is_empty());
    let mut args = vec!["sweep", "--prefix", PREFIX];
    args.extend(IDENTITIES);
    let out = command(&served, dir.path(), &args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(leftovers(&served), Vec::<String>::new(), "{}", text(&out));
    // A prefix that is not the harness's is refused.
    let mut args = vec!["sweep", "--prefix", "prod-"];
    args.extend(IDENTITIES);
    let out = command(&served, dir.path(), &args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// Regression: an auth_url that is not Keystone's read "refused the credentials: 404 ",
/// naming neither what answered nor what to fix.
#[test]
fn a_wrong_auth_url_names_the_status_the_url_and_the_fix() {
    let served = Served::start();
    let dir = workspace();
    let yaml = std::fs::read_to_string(&served.clouds_yaml).unwrap();
    assert!(yaml.contains("/identity/v3"), "{yaml}");
    let wrong = dir.path().join("wrong.yaml");
    std::fs::write(&wrong, yaml.replace("/identity/v3", "/keystone/v3")).unwrap();
    let out = served
        .command(dir.path(), &dir.path().join("ledgers"))
        .env("OS_CLIENT_CONFIG_FILE", &wrong)
        .args(["run", "--cloud", "reference", "network."])
        .output()
        .unwrap();
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(3), "{shown}");
    assert!(
        shown.contains("/keystone/v3/auth/tokens answered 404 to the log-in"),
        "{shown}"
    );
    assert!(shown.contains("no Keystone v3 here"), "{shown}");
    assert!(
        shown.contains("The resource could not be found."),
        "{shown}"
    );
}
