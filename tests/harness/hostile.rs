//! The harness against targets that break HTTP: each run must end as one failed case
//! (exit 101, not a crash, not a configuration error), say why in words a user can act
//! on, finish near its timeouts, and keep its memory bounded whatever the server sends.

use std::time::Duration;

use crate::hostile_common::child::{run, Run};
use crate::hostile_common::server::{Misbehaviour, Server};
use crate::hostile_common::tree::{Tree, TRIAL};

/// Every exchange, discovery included, gives up after this.
const REQUEST_TIMEOUT: &str = "1s";
/// Far above what a run should take, so reaching it shows up as a hang.
const CASE_TIMEOUT: &str = "20s";
/// Discovery and the case each wait at most one request timeout; the rest is slack
/// for starting a debug binary on a busy 2-core machine.
const SLOW_BOUND: Duration = Duration::from_secs(8);
/// A failure that needs no timeout.
const FAST_BOUND: Duration = Duration::from_secs(5);
const CAP: &str = "65536";
/// A debug build peaks near 30 MiB here; reading a body past the cap took over 500 MiB.
const MEMORY_BOUND: u64 = 100 * 1024 * 1024;

fn run_against(url: &str, extra: &[&str]) -> Run {
    let tree = Tree::new(url);
    let mut args = vec![
        "--request-timeout",
        REQUEST_TIMEOUT,
        "--case-timeout",
        CASE_TIMEOUT,
        "--max-body-bytes",
        CAP,
        "--exact",
        TRIAL,
    ];
    args.extend_from_slice(extra);
    let r = run(&tree, &args);
    eprintln!(
        "exit {:?} after {:?}, peak RSS {} KiB:\n{}",
        r.code,
        r.elapsed,
        r.peak_rss_bytes / 1024,
        r.output
    );
    r
}

/// One failed case whose report contains `reason`, within `bound`.
fn assert_failed_with(r: &Run, reason: &str, bound: Duration) {
    let out = &r.output;
    assert_eq!(r.code, Some(101), "{out}");
    assert!(!out.contains("panicked"), "{out}");
    assert!(
        out.contains("test result: FAILED. 0 passed; 1 failed"),
        "{out}"
    );
    assert!(out.contains(reason), "expected {reason:?} in:\n{out}");
    assert!(r.elapsed < bound, "took {:?} (bound {bound:?})", r.elapsed);
}

fn assert_memory_bounded(r: &Run) {
    assert!(
        r.peak_rss_bytes < MEMORY_BOUND,
        "peak RSS {} MiB",
        r.peak_rss_bytes >> 20
    );
}

#[test]
fn a_body_that_is_not_json_fails_naming_it() {
    let server = Server::start(Misbehaviour::NotJson);
    let r = run_against(&server.url("http"), &[]);
    assert_failed_with(&r, "body is not JSON", FAST_BOUND);
}

#[test]
fn a_body_over_the_cap_with_content_length_fails_fast_in_bounded_memory() {
    let server = Server::start(Misbehaviour::HugeWithLength);
    let r = run_against(&server.url("http"), &[]);
    assert_failed_with(
        &r,
        "response body larger than the cap of 65536 bytes",
        FAST_BOUND,
    );
    assert_memory_bounded(&r);
}

#[test]
fn an_endless_chunked_body_fails_fast_in_bounded_memory() {
    let server = Server::start(Misbehaviour::EndlessChunked);
    let r = run_against(&server.url("http"), &[]);
    assert_failed_with(
        &r,
        "response body larger than the cap of 65536 bytes",
        FAST_BOUND,
    );
    assert_memory_bounded(&r);
}

#[test]
fn a_response_that_never_ends_fails_at_the_request_timeout() {
    let server = Server::start(Misbehaviour::Trickle);
    let r = run_against(&server.url("http"), &[]);
    assert_failed_with(
        &r,
        "response incomplete after 1s (request timeout): status 200, ",
        SLOW_BOUND,
    );
    assert_memory_bounded(&r);
}

#[test]
fn a_server_that_never_answers_fails_at_the_request_timeout() {
    let server = Server::start(Misbehaviour::Silent);
    let r = run_against(&server.url("http"), &[]);
    assert_failed_with(&r, "no response within 1s (request timeout)", SLOW_BOUND);
}

/// The run stops before any case, naming what discovery met (exit 3, the target could not
/// be used), within `bound`.
fn assert_unusable_with(r: &Run, reason: &str, bound: Duration) {
    let out = &r.output;
    assert_eq!(r.code, Some(3), "{out}");
    assert!(!out.contains("panicked"), "{out}");
    assert!(!out.contains("test result"), "{out}");
    assert!(
        out.contains("could not read the network extension list"),
        "{out}"
    );
    assert!(out.contains(reason), "expected {reason:?} in:\n{out}");
    assert!(r.elapsed < bound, "took {:?} (bound {bound:?})", r.elapsed);
}

/// Bug: whatever discovery met (no answer, HTML, a redirect) became "the target does not
/// list its extensions", every case that needs one was skipped, and the run passed.
#[test]
fn a_hostile_discovery_fails_the_run_naming_what_it_met() {
    for (behaviour, reason, bound) in [
        (Misbehaviour::NotJson, "body is not JSON", FAST_BOUND),
        (Misbehaviour::RedirectToSelf, "answered 302", FAST_BOUND),
        (
            Misbehaviour::CloseMidHeaders,
            "connection closed before message completed",
            FAST_BOUND,
        ),
        (
            Misbehaviour::Silent,
            "no response within 1s (request timeout)",
            SLOW_BOUND,
        ),
    ] {
        let server = Server::start_everywhere(behaviour);
        let r = run_against(&server.url("http"), &[]);
        assert_unusable_with(&r, reason, bound);
    }
}

#[test]
fn https_to_a_plain_http_port_fails_naming_tls() {
    // TLS fails on every connection: discovery meets it first.
    let server = Server::start(Misbehaviour::PlainHttp);
    let r = run_against(&server.url("https"), &[]);
    assert_unusable_with(&r, "TLS handshake failed: ", FAST_BOUND);
    assert!(
        r.output
            .contains("the server does not speak TLS there: is the endpoint plain http://?"),
        "{}",
        r.output
    );
}

#[test]
fn a_self_signed_certificate_fails_unless_insecure() {
    let server = Server::start_self_signed_tls();
    let r = run_against(&server.url("https"), &[]);
    assert_unusable_with(&r, "TLS handshake failed: ", FAST_BOUND);
    assert!(
        r.output.contains("invalid peer certificate: UnknownIssuer; the target's certificate is not trusted: give its CA with `cacert` in clouds.yaml, or run with --insecure"),
        "{}",
        r.output
    );
    let r = run_against(&server.url("https"), &["--insecure"]);
    assert_eq!(r.code, Some(0), "{}", r.output);
    assert!(
        r.output.contains("test result: ok. 1 passed"),
        "{}",
        r.output
    );
}

#[test]
fn a_redirect_to_itself_is_not_followed_and_fails_naming_the_302() {
    let server = Server::start(Misbehaviour::RedirectToSelf);
    let r = run_against(&server.url("http"), &[]);
    assert_failed_with(&r, "status: expected 200, observed 302", FAST_BOUND);
    assert!(
        r.output.contains("< location: /v2.0/networks/"),
        "{}",
        r.output
    );
}

#[test]
fn a_connection_closed_mid_headers_fails_naming_it() {
    let server = Server::start(Misbehaviour::CloseMidHeaders);
    let r = run_against(&server.url("http"), &[]);
    assert_failed_with(&r, "connection closed before message completed", FAST_BOUND);
    assert!(
        r.output
            .contains("the connection was closed or reset before an answer came"),
        "{}",
        r.output
    );
    assert!(!r.output.contains("request timeout"), "{}", r.output);
}

/// Bug: discovery read the extension list with `resp.json()`, no cap, until the request
/// timeout: over 500 MiB from a fast endless body before any case ran.
#[test]
fn discovery_reads_at_most_a_capped_body() {
    let server = Server::start_everywhere(Misbehaviour::EndlessDiscovery);
    let r = run_against(&server.url("http"), &[]);
    assert_unusable_with(&r, "response body larger than the cap", FAST_BOUND);
    assert_memory_bounded(&r);
}

/// A one-case tree whose cloud logs in with a password at `server`'s Keystone URL.
fn tree_logging_in_at(server: &Server) -> Tree {
    let tree = Tree::new(&server.url("http"));
    let clouds = format!(
        "clouds:\n  hostile:\n    auth_type: password\n    auth:\n      auth_url: {}/identity/v3\n      username: u\n      password: p\n      project_name: x\n      user_domain_name: Default\n      project_domain_name: Default\n",
        server.url("http")
    );
    std::fs::write(tree.clouds_yaml(), clouds).unwrap();
    tree
}

/// Bug: the Keystone login read the token response with `resp.json()`, no cap; an endless
/// body at the auth URL was buffered until the request timeout.
#[test]
fn the_keystone_login_reads_at_most_a_capped_body() {
    let server = Server::start(Misbehaviour::EndlessChunked);
    let tree = tree_logging_in_at(&server);
    let r = run(&tree, &["--request-timeout", "10s", "--exact", TRIAL]);
    assert_eq!(r.code, Some(3), "{}", r.output);
    assert!(
        r.output.contains("response body larger than the cap"),
        "{}",
        r.output
    );
    assert!(r.elapsed < FAST_BOUND, "took {:?}", r.elapsed);
    assert_memory_bounded(&r);
}

/// Bug: a token whose catalog could not be read became an empty catalog: every case was
/// skipped as "needs the network service, which this target does not offer", exit 0.
#[test]
fn a_token_without_a_catalog_fails_the_run() {
    let server = Server::start(Misbehaviour::TokenWithoutCatalog);
    let tree = tree_logging_in_at(&server);
    let r = run(&tree, &["--exact", TRIAL]);
    assert_eq!(r.code, Some(3), "{}", r.output);
    assert!(
        r.output.contains("the token has no catalog"),
        "{}",
        r.output
    );
}
