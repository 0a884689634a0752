//! What an operation needs beyond the runner is data under `cases/`: a case undoes what
//! its request under test creates with `cleanup:`, and `sweep --prefix` looks for the
//! kinds of resources the fixtures' `sweep:` sections name, and nothing else. Each test
//! edits a copy of the catalogue and runs the binary against `stackconform serve`.

use std::path::Path;

use crate::support::{
    base_url, leftovers, post, text, token, workspace, Served, IDENTITIES, PREFIX,
};

/// A request under test that creates something: an interface, by subnet.
const ADD_CASE: &str = r#"id: 1863e604-2d9f-4890-8ac3-02fc33ce5376
name: adding an interface by subnet, undone by the case's cleanup
operation: network.add_router_interface
fixtures:
  - {name: net, use: network}
  - {name: sub, use: subnet, with: {network_id: "${net.id}"}}
  - {name: router, use: router}
request:
  service: network
  method: PUT
  path: /v2.0/routers/${router.id}/add_router_interface
  body: {subnet_id: "${sub.id}"}
expect:
  status: 200
  body: {/subnet_id: "${sub.id}", /id: "${router.id}"}
  schema: network.remove_router_interface.200
capture: {port_id: {body: /port_id}}
cleanup:
  - request:
      service: network
      method: PUT
      path: /v2.0/routers/${router.id}/remove_router_interface
      body: {port_id: "${port_id}"}
    expect: {status: 200, body: {/port_id: "${port_id}"}}
"#;

const CASE_FILE: &str = "cases/network/add_router_interface/200-by-subnet.yaml";

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let t = std::fs::read_to_string(&path).unwrap();
    assert!(t.contains(from), "{file} has no {from:?}");
    std::fs::write(&path, t.replacen(from, to, 1)).unwrap();
}

fn stackconform(served: &Served, dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(IDENTITIES);
    let out = served
        .command(dir, &dir.join("ledgers"))
        .args(&all)
        .output()
        .unwrap();
    (out.status.code(), text(&out))
}

fn run_add_case(served: &Served, dir: &Path) -> (Option<i32>, String) {
    let case = "network.add_router_interface::200-by-subnet";
    stackconform(served, dir, &["run", "--exact", case])
}

#[test]
fn a_case_cleanup_undoes_what_its_request_under_test_created() {
    let served = Served::start();
    let dir = workspace();
    write(dir.path(), CASE_FILE, ADD_CASE);
    let (code, out) = run_add_case(&served, dir.path());
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("1 passed"), "{out}");
    assert_eq!(leftovers(&served), Vec::<String>::new(), "{out}");
}

#[test]
fn a_case_cleanup_runs_after_an_unexpected_success() {
    let served = Served::start();
    let dir = workspace();
    // The target answers 200 where the case expects 409: the interface exists all the same.
    write(
        dir.path(),
        CASE_FILE,
        &ADD_CASE.replacen("  status: 200\n", "  status: 409\n", 1),
    );
    let (code, out) = run_add_case(&served, dir.path());
    assert_eq!(code, Some(101), "{out}");
    assert!(out.contains("status: expected 409, observed 200"), "{out}");
    assert!(
        out.contains("cleanup step 1: PUT"),
        "the cleanup did not run: {out}"
    );
    assert!(!out.contains("teardown also failed"), "{out}");
    assert_eq!(leftovers(&served), Vec::<String>::new(), "{out}");
}

/// Without the cleanup the interface outlives the case: its fixtures cannot be torn down,
/// and only `sweep --prefix` gets rid of it, through the `of:` link of the fixture
/// `router_interface_port`: the interface port has no name to find it by.
#[test]
fn without_cleanup_the_interface_is_left_and_sweep_finds_it_through_its_router() {
    let served = Served::start();
    let dir = workspace();
    let without = &ADD_CASE[..ADD_CASE.find("cleanup:").unwrap()];
    write(dir.path(), CASE_FILE, without);
    let (code, out) = run_add_case(&served, dir.path());
    assert_eq!(code, Some(101), "{out}");
    assert!(out.contains("teardown failed"), "{out}");
    assert!(!leftovers(&served).is_empty(), "{out}");

    let (code, out) = stackconform(&served, dir.path(), &["sweep", "--prefix", PREFIX]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("router_interface_port"), "{out}");
    assert_eq!(leftovers(&served), Vec::<String>::new(), "{out}");
}

/// The kinds a prefix sweep knows are the fixtures' `sweep:` sections: take one away and
/// the sweep no longer finds that kind (and says what it could not remove).
#[test]
fn sweep_by_prefix_looks_only_for_what_the_fixtures_declare() {
    let served = Served::start();
    let dir = workspace();
    let without = &ADD_CASE[..ADD_CASE.find("cleanup:").unwrap()];
    write(dir.path(), CASE_FILE, without);
    let (code, out) = run_add_case(&served, dir.path());
    assert_eq!(code, Some(101), "{out}");
    let block = "    sweep:\n      list: {service: network, path: /v2.0/ports}\n      items: /ports\n      of: {fixture: router, at: /device_id}\n";
    let fixtures = "cases/fixtures/network.yaml";
    let source = std::fs::read_to_string(dir.path().join(fixtures)).unwrap();
    let start = source.find(block).expect("the interface's sweep section");
    let end = start + source[start..].find("vars:").unwrap();
    let end = end + source[end..].find('\n').unwrap() + 1;
    edit(dir.path(), fixtures, &source[start..end], "");

    let (code, out) = stackconform(&served, dir.path(), &["sweep", "--prefix", PREFIX]);
    assert_eq!(code, Some(101), "{out}");
    assert!(out.contains("could not remove"), "{out}");
    assert!(out.contains("409"), "{out}");
    assert!(!leftovers(&served).is_empty(), "{out}");
}

/// `--list` after one edit of the catalogue: a load error, exit 2; what it says.
fn load_error(file: &str, from: &str, to: &str) -> String {
    let dir = workspace();
    edit(dir.path(), file, from, to);
    let out = crate::support::stackconform(dir.path(), &["--list"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(2), "{said}");
    said
}

#[test]
fn a_sweep_section_that_misses_a_teardown_variable_names_file_line_and_field() {
    let said = load_error(
        "cases/fixtures/network.yaml",
        "vars: {id: /id}",
        "vars: {ident: /id}",
    );
    assert!(said.contains("fixtures.network.sweep.vars"), "{said}");
    assert!(said.contains("${id}"), "{said}");
    assert!(said.contains("network.yaml:"), "{said}");
}

#[test]
fn a_sweep_link_to_a_fixture_without_sweep_is_a_load_error() {
    let said = load_error(
        "cases/fixtures/network.yaml",
        "of: {fixture: router, at: /device_id}",
        "of: {fixture: extra_routes, at: /device_id}",
    );
    assert!(said.contains("sweep.of.fixture"), "{said}");
    assert!(said.contains("no fixture named \"extra_routes\""), "{said}");
}

#[test]
fn cleanup_cannot_be_a_fixture_name() {
    let said = load_error(
        "cases/network/remove_router_interface/200-by-subnet.yaml",
        "{name: router, use: router}",
        "{name: cleanup, use: router}",
    );
    assert!(said.contains("\"cleanup\" cannot name a fixture"), "{said}");
}

/// A service is any type the target's catalog (or an `<type>_endpoint_override`) offers,
/// not one of a fixed list: here `volume` is pointed at the reference cloud's Neutron.
#[test]
fn a_case_can_name_any_service_type_the_target_offers() {
    let served = Served::start();
    let dir = workspace();
    write(
        dir.path(),
        "cases/volume/delete_network/204.yaml",
        r#"id: 24c28106-80ad-4266-8d97-1c1b7be9f562
name: a network deleted through a service named by its catalog type
operation: volume.delete_network
fixtures:
  - {name: net, use: network}
request: {service: volume, method: DELETE, path: "/v2.0/networks/${net.id}"}
expect: {status: 204, empty_body: true}
then:
  - request: {service: network, method: GET, path: "/v2.0/networks/${net.id}"}
    expect: {status: 404}
"#,
    );
    let args = ["run", "volume.delete_network::", "--fail-on-skip"];
    let (code, out) = stackconform(&served, dir.path(), &args);
    assert_ne!(code, Some(0), "{out}");
    assert!(
        out.contains("needs the volume service, which this target does not offer"),
        "{out}"
    );

    let clouds = std::fs::read_to_string(&served.clouds_yaml).unwrap();
    let mut doc: serde_json::Value = serde_saphyr::from_str(&clouds).unwrap();
    let neutron = format!("{}/networking", base_url(&served));
    doc["clouds"]["reference"]["volume_endpoint_override"] = neutron.into();
    std::fs::write(&served.clouds_yaml, doc.to_string()).unwrap();
    let (code, out) = stackconform(&served, dir.path(), &args);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("1 passed"), "{out}");
}

#[test]
fn a_service_that_is_not_a_catalog_type_is_a_load_error() {
    let said = load_error(
        "cases/network/remove_router_interface/200-by-subnet.yaml",
        "  service: network\n",
        "  service: Neutron v2\n",
    );
    assert!(said.contains("request.service"), "{said}");
    assert!(
        said.contains("\"Neutron v2\" is not a service type"),
        "{said}"
    );
}

/// A listing the target cannot answer now is a question the sweep could not answer: it
/// fails, naming the listing, instead of reporting a clean project.
#[test]
fn a_sweep_whose_listing_fails_says_so_and_fails() {
    let served = Served::start_with(&[
        "--reference-faults",
        "seed=1,rate=1,kinds=503,path=/v2.0/routers$",
    ]);
    let dir = workspace();
    let (code, out) = stackconform(&served, dir.path(), &["sweep", "--prefix", PREFIX]);
    assert_eq!(code, Some(101), "{out}");
    assert!(
        out.contains("GET /v2.0/routers as owner (fixture router) answered 503"),
        "{out}"
    );
}

/// A listing the target does not serve at all (404) holds no leftovers: a compute-only
/// cloud has no routers to sweep. Regression: real Nova 34's network service.
#[test]
fn a_sweep_listing_the_target_does_not_serve_finds_nothing_there() {
    let served = Served::start();
    let dir = workspace();
    edit(
        dir.path(),
        "cases/fixtures/network.yaml",
        "list: {service: network, path: /v2.0/floatingips}",
        "list: {service: network, path: /v2.0/no-such-listing}",
    );
    let (code, out) = stackconform(&served, dir.path(), &["sweep", "--prefix", PREFIX]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 failed"), "{out}");
}

/// Found on real Neutron 29: a member may not delete a compute port (policy delete_port),
/// so a prefix sweep as the port's own project left it behind although an admin was given.
#[test]
fn sweep_by_prefix_removes_as_the_admin_what_the_owner_may_not() {
    let served = Served::start();
    let dir = workspace();
    let (base, owner) = (base_url(&served), token(&served.clouds_yaml));
    let net = post(
        &format!("{base}/networking/v2.0/networks"),
        &owner,
        serde_json::json!({"network": {"name": format!("{PREFIX}0badc0de-net")}}),
    );
    let port = serde_json::json!({"port": {"name": format!("{PREFIX}0badc0de-port"),
        "network_id": net["network"]["id"], "device_id": "vm", "device_owner": "compute:nova"}});
    post(&format!("{base}/networking/v2.0/ports"), &owner, port);

    let owner_only = served
        .command(dir.path(), &dir.path().join("ledgers"))
        .args(["sweep", "--prefix", PREFIX, "--cloud", "reference"])
        .output()
        .unwrap();
    let out = text(&owner_only);
    assert_ne!(owner_only.status.code(), Some(0), "{out}");
    assert!(
        out.contains("rule:delete_port is disallowed by policy"),
        "{out}"
    );
    assert_eq!(leftovers(&served).len(), 2, "{out}");

    let (code, out) = stackconform(&served, dir.path(), &["sweep", "--prefix", PREFIX]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(leftovers(&served), Vec::<String>::new(), "{out}");
}
