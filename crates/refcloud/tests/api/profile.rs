//! Latency profiles (`--reference-profile`): the cloud answers in the profile's time and
//! finishes a server delete later, as a compute host does (docs/CONTRACT.md §5.6).
use std::time::{Duration, Instant};

use crate::common::{fast_config, Harness};
use refcloud::{CloudConfig, Profile, Role};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_deleted_server_stays_deleting_until_the_delay_has_passed() {
    let h = Harness::start_with(CloudConfig {
        server_delete_delay: Duration::from_millis(400),
        ..fast_config()
    })
    .await;
    let id = h.boot("p").await;
    h.until_active(&id).await;
    let url = h.nova(&format!("servers/{id}"));
    let r = h
        .send(Method::DELETE, &url, Some(h.token(Role::Owner)), None, &[])
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let deleted = Instant::now();
    let r = h
        .send(Method::GET, &url, Some(h.token(Role::Owner)), None, &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json()["server"]["OS-EXT-STS:task_state"],
        "deleting",
        "{}",
        r.text
    );
    loop {
        let r = h
            .send(Method::GET, &url, Some(h.token(Role::Owner)), None, &[])
            .await;
        if r.status == 404 {
            break;
        }
        assert!(
            deleted.elapsed() < Duration::from_secs(5),
            "never gone: {}",
            r.text
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        deleted.elapsed() >= Duration::from_millis(350),
        "{:?}",
        deleted.elapsed()
    );
    h.shutdown().await;
}

#[tokio::test]
async fn the_realistic_profile_answers_in_its_figures() {
    let timings = Profile::Realistic.timings();
    let h = Harness::start_with(CloudConfig {
        // The answer times of the realistic profile; the after-work delays stay short.
        profile: Profile::Realistic,
        ..fast_config()
    })
    .await;
    // A Neutron router create: 120 ms in the profile.
    let started = Instant::now();
    let r = h
        .n(
            Role::Owner,
            Method::POST,
            "routers",
            Some(json!({"router": {"name": "p"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let took = started.elapsed();
    let want = timings.time_of(refcloud::Op::NeutronCreateRouter);
    assert_eq!(want, Duration::from_millis(120));
    assert!(took >= want, "{took:?} < {want:?}");
    // A Neutron show costs less than a create here, as on a deployment.
    let id = r.json()["router"]["id"].as_str().unwrap().to_string();
    let started = Instant::now();
    let r = h
        .n(Role::Owner, Method::GET, &format!("routers/{id}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let show = started.elapsed();
    assert!(
        show >= Duration::from_millis(75) && show < took + Duration::from_millis(500),
        "{show:?}"
    );
    h.shutdown().await;
}

#[test]
fn every_figure_of_the_realistic_profile_names_its_source() {
    let t = Profile::Realistic.timings();
    assert!(t.requests.len() >= 15);
    for (op, f) in &t.requests {
        assert!(!f.source.is_empty() && !f.what.is_empty(), "{op:?}");
        assert!(f.time > Duration::ZERO, "{op:?}");
    }
    for f in [
        &t.server_build,
        &t.server_schedule,
        &t.server_delete,
        &t.detach,
        &t.action,
        &t.router_port_up,
    ] {
        assert!(
            !f.source.is_empty() && f.time >= Duration::from_secs(1),
            "{f:?}"
        );
    }
    assert_eq!("realistic".parse::<Profile>(), Ok(Profile::Realistic));
    assert!("slow"
        .parse::<Profile>()
        .unwrap_err()
        .contains("loopback and realistic"));
}
