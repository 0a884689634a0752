//! Many parallel requests leave a consistent state: no port left bound, no duplicate addresses, no leaks.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{s, Harness};
use futures_util::future::join_all;
use refcloud::Role;
use reqwest::Method;
use serde_json::{json, Value};

fn no_duplicate_ips(ports: &Value) {
    let mut seen = HashSet::new();
    for p in ports.as_array().expect("ports") {
        for ip in p["fixed_ips"].as_array().expect("fixed_ips") {
            let key = (s(&ip["subnet_id"]), s(&ip["ip_address"]));
            assert!(seen.insert(key.clone()), "duplicate address {key:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_router_interface_cycles() {
    let h = Arc::new(Harness::start().await);
    let router = h.router("shared").await;
    let before = h.cloud.inventory();
    let tasks = (0..50).map(|i| {
        let h = Arc::clone(&h);
        let router = router.clone();
        async move {
            let (net, sub) = h
                .network_with_subnet(&format!("n{i}"), &format!("10.{i}.0.0/24"))
                .await;
            let path = format!("routers/{router}/add_router_interface");
            let r = h
                .n(
                    Role::Owner,
                    Method::PUT,
                    &path,
                    Some(json!({"subnet_id": sub})),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            let path = format!("routers/{router}/remove_router_interface");
            let r = h
                .n(
                    Role::Owner,
                    Method::PUT,
                    &path,
                    Some(json!({"subnet_id": sub})),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            assert_eq!(
                h.n(
                    Role::Owner,
                    Method::DELETE,
                    &format!("networks/{net}"),
                    None
                )
                .await
                .status,
                204
            );
        }
    });
    // Parallel port creation on one subnet races for addresses.
    let net = h.fact("network_id");
    let ports = (0..50).map(|_| {
        let h = Arc::clone(&h);
        let net = net.clone();
        async move {
            h.create(Role::Owner, "ports", "port", json!({"network_id": net}))
                .await
        }
    });
    let (_, created) = tokio::join!(join_all(tasks), join_all(ports));
    let all = h.n(Role::Admin, Method::GET, "ports", None).await.json();
    no_duplicate_ips(&all["ports"]);
    let on_router = h
        .n(
            Role::Owner,
            Method::GET,
            &format!("ports?device_id={router}"),
            None,
        )
        .await
        .json();
    assert_eq!(on_router["ports"], json!([]));
    for p in &created {
        assert_eq!(
            h.n(
                Role::Owner,
                Method::DELETE,
                &format!("ports/{}", s(&p["id"])),
                None
            )
            .await
            .status,
            204
        );
    }
    assert_eq!(h.cloud.inventory(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_attach_detach_cycles() {
    let h = Arc::new(Harness::start().await);
    let mut servers = Vec::new();
    for i in 0..5 {
        servers.push(h.boot(&format!("s{i}")).await);
    }
    for id in &servers {
        h.until_active(id).await;
    }
    let net = h.fact("network_id");
    let tasks = (0..50).map(|i| {
        let h = Arc::clone(&h);
        let server = servers[i % servers.len()].clone();
        let net = net.clone();
        async move {
            let port = s(&h
                .create(Role::Owner, "ports", "port", json!({"network_id": net}))
                .await["id"]);
            let r = h
                .send(
                    Method::POST,
                    &h.nova(&format!("servers/{server}/os-interface")),
                    Some(h.token(Role::Owner)),
                    Some(json!({"interfaceAttachment": {"port_id": port}})),
                    &[],
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
            let r = h
                .send(
                    Method::DELETE,
                    &h.nova(&format!("servers/{server}/os-interface/{port}")),
                    Some(h.token(Role::Owner)),
                    None,
                    &[],
                )
                .await;
            assert_eq!(r.status, 202);
            let rid = r.header("x-openstack-request-id").expect("rid");
            loop {
                let a = h
                    .send(
                        Method::GET,
                        &h.nova(&format!("servers/{server}/os-instance-actions/{rid}")),
                        Some(h.token(Role::Owner)),
                        None,
                        &[("OpenStack-API-Version", "compute 2.51")],
                    )
                    .await
                    .json();
                if let Some(result) = a["instanceAction"]["events"][0]["result"].as_str() {
                    assert_eq!(result, "Success");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            port
        }
    });
    let ports = join_all(tasks).await;
    let all = h.n(Role::Owner, Method::GET, "ports", None).await.json();
    no_duplicate_ips(&all["ports"]);
    for p in all["ports"].as_array().expect("ports") {
        assert_eq!(p["device_id"], "", "port {} left bound", p["id"]);
    }
    for id in &servers {
        let list = h
            .send(
                Method::GET,
                &h.nova(&format!("servers/{id}/os-interface")),
                Some(h.token(Role::Owner)),
                None,
                &[],
            )
            .await;
        assert_eq!(list.json()["interfaceAttachments"], json!([]));
    }
    assert_eq!(ports.iter().collect::<HashSet<_>>().len(), 50);
}

#[tokio::test]
async fn shutdown_stops_pending_work_and_the_listener() {
    let h = Harness::start().await;
    let url = h.nova("servers");
    let body = json!({"server": {"name": "s", "imageRef": h.fact("image_id"), "flavorRef": "1"}});
    assert_eq!(
        h.send(
            Method::POST,
            &url,
            Some(h.token(Role::Owner)),
            Some(body),
            &[]
        )
        .await
        .status,
        202
    );
    let started = Instant::now();
    let Harness { cloud, http, .. } = h;
    cloud.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(http.get(&url).send().await.is_err(), "listener still open");
}
