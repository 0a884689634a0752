//! Fault injection in the reference cloud, observed with a plain HTTP client: each kind is visible on
//! the wire, only selected requests are eligible, and a seed replays the same faults.

use std::time::{Duration, Instant};

use crate::common::{fast_config, Harness};
use refcloud::{CloudConfig, FaultKind, FaultPlan, Role};

fn with_faults(spec: &str) -> CloudConfig {
    CloudConfig {
        faults: Some(spec.parse::<FaultPlan>().expect("valid spec")),
        ..fast_config()
    }
}

/// What a client sees of one request: a status and a complete body, or how it broke.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Answer(u16),
    NoAnswer,
    Truncated(u16),
}

async fn get(h: &Harness, url: &str) -> Seen {
    // A fresh client per request: a dropped or truncated answer must not poison the next one.
    let client = reqwest::Client::new();
    let resp = match client
        .get(url)
        .header("x-auth-token", h.token(Role::Owner))
        .send()
        .await
    {
        Ok(r) => r,
        Err(_) => return Seen::NoAnswer,
    };
    let status = resp.status().as_u16();
    match resp.bytes().await {
        Ok(_) => Seen::Answer(status),
        Err(_) => Seen::Truncated(status),
    }
}

async fn sequence(spec: &str, n: usize) -> (Vec<Seen>, Vec<(u64, FaultKind)>) {
    let h = Harness::start_with(with_faults(spec)).await;
    let url = h.net("networks");
    let mut seen = Vec::new();
    for _ in 0..n {
        seen.push(get(&h, &url).await);
    }
    let log = h
        .cloud
        .injected_faults()
        .into_iter()
        .map(|f| (f.index, f.kind))
        .collect();
    (seen, log)
}

#[tokio::test]
async fn the_same_seed_replays_the_same_faults() {
    let spec = "seed=11,rate=0.5,kinds=503+drop+truncate,path=^/networking/";
    let (a_seen, a_log) = sequence(spec, 24).await;
    let (b_seen, b_log) = sequence(spec, 24).await;
    assert_eq!(a_seen, b_seen);
    assert_eq!(a_log, b_log);
    assert!(
        a_seen.contains(&Seen::Answer(200)) && a_seen.iter().any(|s| *s != Seen::Answer(200)),
        "a rate of 0.5 over 24 requests should both fault and pass: {a_seen:?}"
    );
    let (_, other_log) = sequence(
        "seed=12,rate=0.5,kinds=503+drop+truncate,path=^/networking/",
        24,
    )
    .await;
    assert_ne!(a_log, other_log, "another seed should give other faults");
}

#[tokio::test]
async fn unavailable_answers_503_in_the_service_envelope_without_side_effects() {
    let h = Harness::start_with(with_faults(
        "seed=1,rate=1,kinds=503,path=^/(networking|compute)/v2",
    ))
    .await;
    let net = h
        .http
        .post(h.net("networks"))
        .header("x-auth-token", h.token(Role::Owner))
        .json(&serde_json::json!({"network": {"name": "never"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(net.status(), 503);
    assert!(net.headers().contains_key("x-openstack-request-id"));
    let body: serde_json::Value = net.json().await.unwrap();
    assert_eq!(body["NeutronError"]["type"], "ServiceUnavailable");
    let nova = h
        .http
        .get(h.nova("servers"))
        .header("x-auth-token", h.token(Role::Owner))
        .send()
        .await
        .unwrap();
    assert_eq!(nova.status(), 503);
    let body: serde_json::Value = nova.json().await.unwrap();
    assert_eq!(body["serviceUnavailable"]["code"], 503);
    assert!(
        h.cloud
            .inventory()
            .networks
            .iter()
            .all(|i| i.name != "never"),
        "a 503 must not have created the network"
    );
}

#[tokio::test]
async fn latency_delays_a_normal_answer() {
    let h = Harness::start_with(with_faults(
        "seed=1,rate=1,kinds=latency,latency=300ms,path=^/networking/",
    ))
    .await;
    let started = Instant::now();
    assert_eq!(get(&h, &h.net("networks")).await, Seen::Answer(200));
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_answer() {
    let h = Harness::start_with(with_faults("seed=1,rate=1,kinds=drop,path=^/networking/")).await;
    assert_eq!(get(&h, &h.net("networks")).await, Seen::NoAnswer);
    assert!(
        h.cloud
            .journal()
            .iter()
            .all(|e| !e.path.starts_with("/networking")),
        "a dropped request is never handled"
    );
}

#[tokio::test]
async fn truncate_declares_more_than_it_sends() {
    let h = Harness::start_with(with_faults(
        "seed=1,rate=1,kinds=truncate,path=^/networking/",
    ))
    .await;
    let resp = reqwest::Client::new()
        .get(h.net("networks"))
        .header("x-auth-token", h.token(Role::Owner))
        .send()
        .await
        .expect("the head arrives");
    assert_eq!(resp.status(), 200);
    let declared: usize = resp.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(declared > 0);
    assert!(resp.bytes().await.is_err(), "the body must end early");
}

#[tokio::test]
async fn only_selected_requests_are_eligible() {
    let h = Harness::start_with(with_faults(
        "seed=1,rate=1,kinds=503,only=DELETE,except=/ports/",
    ))
    .await;
    assert_eq!(get(&h, &h.net("networks")).await, Seen::Answer(200));
    let client = reqwest::Client::new();
    let delete = |path: &str| {
        client
            .delete(h.net(path))
            .header("x-auth-token", h.token(Role::Owner))
            .send()
    };
    assert_eq!(delete("networks/x").await.unwrap().status(), 503);
    assert_eq!(delete("ports/x").await.unwrap().status(), 404);
    assert_eq!(h.cloud.injected_faults().len(), 1);
}
