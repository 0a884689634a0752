//! Teardown always runs, in reverse order of setup: after a passing case, a failed case, a
//! failed setup and a panic. Each test runs cases against its own reference cloud and compares
//! the cloud's inventory before and after, and the order of the teardown requests.
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::case::load_catalogue;
use crate::schema::{Mode, SnapshotStore, Snapshots};
use crate::target::start_embedded;
use refcloud::CloudConfig;

use super::case::run_case;
use super::context::{RunContext, Settings};
use super::deviations::Deviations;

/// A fixture alias with this prefix makes the runner panic right after its setup (test builds only).
const PANIC_PREFIX: &str = "panic_after_";

/// The fault the runs of these tests inject after each fixture's setup.
fn planted_panic(alias: &str) {
    if alias.starts_with(PANIC_PREFIX) {
        panic!("planted panic after fixture {alias}");
    }
}

const FIXTURES: &[&str] = &[
    "  - {name: net, use: network}",
    "  - {name: sub, use: subnet, with: {network_id: \"${net.id}\"}}",
    "  - {name: router, use: router}",
    "  - {name: iface, use: router_interface_subnet, with: {router_id: \"${router.id}\", subnet_id: \"${sub.id}\"}}",
];

/// A case on the network fixtures; `fixtures` replaces the default four, `status` is what it expects
/// of a remove_router_interface with no key (the real answer is 400).
fn case_file(id: u8, fixtures: &[&str], status: u16) -> String {
    format!(
        "id: 00000000-0000-4000-8000-0000000000{id:02x}\n\
         name: teardown probe {id}\n\
         operation: network.remove_router_interface\n\
         fixtures:\n{}\n\
         request:\n  service: network\n  method: PUT\n\
         \x20 path: /v2.0/routers/${{router.id}}/remove_router_interface\n  body: {{}}\n\
         expect:\n  status: {status}\n  schema: network.remove_router_interface.400-no-key\n",
        fixtures.join("\n")
    )
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    rt: tokio::runtime::Runtime,
    ctx: Arc<RunContext>,
    _dir: tempfile::TempDir,
}

fn setup(cases: &[(&str, String)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("fixtures")).unwrap();
    std::fs::copy(
        repo().join("cases/fixtures/network.yaml"),
        root.join("fixtures/network.yaml"),
    )
    .unwrap();
    for (name, text) in cases {
        std::fs::write(root.join(format!("{name}.yaml")), text).unwrap();
    }
    let catalogue = Arc::new(load_catalogue(root).unwrap_or_else(|e| panic!("{e}")));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let target = rt
        .block_on(start_embedded(
            CloudConfig::default(),
            &crate::target::Connect {
                timeout: Duration::from_secs(10),
                insecure: false,
                retries: 0,
                clients: Default::default(),
            },
        ))
        .unwrap();
    let ctx = Arc::new(RunContext {
        target,
        catalogue,
        settings: Settings {
            request_timeout: Duration::from_secs(10),
            case_timeout: Duration::from_secs(30),
            poll_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(5),
            poll_max_interval: Duration::from_millis(100),
            max_body_bytes: 1 << 20,
            schema_mode: Mode::Strict,
            verbose: false,
            retries: 0,
            poll_timeout_cap: None,
            fail_on_skip: false,
            fail_fast: false,
            quota_wait: Duration::from_secs(5),
        },
        snapshots: SnapshotStore::read_only(Snapshots::Folder(repo().join("snapshots"))),
        run_id: "teardown".into(),
        notes: Mutex::new(Vec::new()),
        deviations: Deviations::default(),
        reports: Mutex::new(Vec::new()),
        stop: Default::default(),
        shared: Default::default(),
        ledger: None,
        after_setup: Some(planted_panic),
        quotas: Default::default(),
        tally: Default::default(),
        sharing: Default::default(),
        progress: Default::default(),
    });
    Run { rt, ctx, _dir: dir }
}

impl Run {
    /// Runs the case from file `name` and checks that it left the cloud as it found it.
    fn run_and_check_clean(&self, name: &str) -> Result<(), String> {
        let cloud = self.ctx.target.cloud.as_ref().unwrap();
        let before = cloud.inventory();
        let case = self
            .ctx
            .catalogue
            .cases
            .iter()
            .find(|c| c.trial_name.ends_with(&format!("::{name}")) || c.trial_name == name)
            .unwrap_or_else(|| panic!("no case {name}"));
        let result = self
            .rt
            .block_on(run_case(&self.ctx, case))
            .0
            .map_err(|f| f.to_string());
        assert_eq!(
            cloud.inventory(),
            before,
            "case {name} left resources behind"
        );
        result
    }

    /// (method, path) of every request the cloud answered after index `from`.
    fn requests_since(&self, from: usize) -> Vec<(String, String, u16)> {
        let cloud = self.ctx.target.cloud.as_ref().unwrap();
        cloud.journal()[from..]
            .iter()
            .map(|e| (e.method.clone(), e.path.clone(), e.status))
            .collect()
    }
}

fn path_of(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[test]
fn teardown_runs_in_reverse_order_of_setup() {
    let run = setup(&[("order", case_file(1, FIXTURES, 400))]);
    let start = run.ctx.target.cloud.as_ref().unwrap().journal().len();
    run.run_and_check_clean("order").unwrap();
    let requests = run.requests_since(start);
    let under_test = requests
        .iter()
        .position(|(_, _, status)| *status == 400)
        .expect("the request under test");
    let teardown: Vec<String> = requests[under_test + 1..]
        .iter()
        .map(|(method, path, status)| {
            let kind = path_of(Path::new(path))
                .split('/')
                .filter(|s| !s.is_empty())
                .nth(2)
                .unwrap_or("")
                .to_string();
            let what = if path.ends_with("/remove_router_interface") {
                "remove_router_interface"
            } else {
                kind.as_str()
            };
            format!("{method} {what} {status}")
        })
        .collect();
    assert_eq!(
        teardown,
        [
            "PUT remove_router_interface 200",
            "DELETE routers 204",
            "DELETE subnets 204",
            "DELETE networks 204"
        ]
    );
}

#[test]
fn teardown_runs_after_a_failed_case() {
    let run = setup(&[("wrong-status", case_file(2, FIXTURES, 409))]);
    let err = run.run_and_check_clean("wrong-status").unwrap_err();
    assert!(err.contains("409") && err.contains("400"), "{err}");
    assert!(
        !err.contains("teardown also failed"),
        "teardown itself should pass: {err}"
    );
    assert!(
        err.contains("fixture net (network), teardown step 1: DELETE"),
        "the steps that ran: {err}"
    );
}

#[test]
fn teardown_runs_after_a_failed_setup() {
    let broken = [
        FIXTURES[0],
        FIXTURES[2],
        "  - {name: sub, use: subnet, with: {network_id: \"${net.id}\", cidr: not-a-cidr}}",
    ];
    let run = setup(&[("bad-setup", case_file(3, &broken, 400))]);
    let err = run.run_and_check_clean("bad-setup").unwrap_err();
    assert!(err.contains("fixture sub (subnet), setup step 1"), "{err}");
}

#[test]
fn teardown_runs_after_a_panic() {
    let panicking = [
        FIXTURES[0],
        FIXTURES[1],
        FIXTURES[2],
        "  - {name: panic_after_port, use: port, with: {network_id: \"${net.id}\"}}",
    ];
    let run = setup(&[("panics", case_file(4, &panicking, 400))]);
    let err = run.run_and_check_clean("panics").unwrap_err();
    assert!(
        err.contains("panicked: planted panic after fixture panic_after_port"),
        "{err}"
    );
}
