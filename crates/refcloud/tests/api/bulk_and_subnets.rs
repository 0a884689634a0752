//! Neutron behaviours Tempest's network tests use (issue #16's table): bulk create, subnet
//! host routes and the subnet update fields. Every body here was observed on real Neutron
//! 29 (`targets/neutron`) side by side with the reference cloud first.
use crate::common::{neutron_error, s, Harness};
use refcloud::Role;
use reqwest::Method;
use serde_json::{json, Value};

async fn names(h: &Harness) -> Vec<String> {
    let r = h.n(Role::Owner, Method::GET, "networks", None).await;
    r.json()["networks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| s(&n["name"]))
        .collect()
}

#[tokio::test]
async fn bulk_create_answers_the_list_and_is_all_or_nothing() {
    let h = Harness::start().await;
    let body = json!({"networks": [{"name": "b1"}, {"network": {"name": "b2"}}]});
    let r = h.n(Role::Owner, Method::POST, "networks", Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let created = r.json()["networks"].as_array().unwrap().clone();
    let got: Vec<String> = created.iter().map(|n| s(&n["name"])).collect();
    assert_eq!(
        got,
        ["b1", "b2"],
        "an item may be wrapped in the singular key"
    );
    assert_eq!(created[0]["status"], "ACTIVE");

    // The second item fails: its error is the answer, and the first is not created.
    let body = json!({"networks": [{"name": "c1"}, {"name": "c2", "admin_state_up": "x"}]});
    let r = h.n(Role::Owner, Method::POST, "networks", Some(body)).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        neutron_error(&r),
        (
            "InvalidInput".into(),
            "Invalid input for operation: 'x' cannot be converted to boolean.".into()
        )
    );
    assert!(!names(&h).await.contains(&"c1".to_string()));

    // A subnet that fails in the plugin (overlap with the first of the bulk) undoes it.
    let net = h
        .create(Role::Owner, "networks", "network", json!({"name": "o"}))
        .await;
    let body = json!({"subnets": [
        {"network_id": net["id"], "cidr": "10.9.0.0/24", "ip_version": 4},
        {"network_id": net["id"], "cidr": "10.9.0.0/25", "ip_version": 4}]});
    let r = h.n(Role::Owner, Method::POST, "subnets", Some(body)).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(
        neutron_error(&r).1.contains("overlaps with another subnet"),
        "{}",
        r.text
    );
    let r = h
        .n(
            Role::Owner,
            Method::GET,
            &format!("subnets?network_id={}", s(&net["id"])),
            None,
        )
        .await;
    assert_eq!(r.json()["subnets"], json!([]));

    // Ports too.
    let body = json!({"ports": [{"network_id": net["id"], "name": "p1"}, {"network_id": net["id"], "name": "p2"}]});
    let r = h.n(Role::Owner, Method::POST, "ports", Some(body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["ports"].as_array().unwrap().len(), 2);
    h.shutdown().await;
}

#[tokio::test]
async fn bulk_bodies_neutron_cannot_read_get_its_messages() {
    let h = Harness::start().await;
    for (body, message) in [
        (json!({"networks": []}), "Resources required"),
        (json!({"networks": {}}), "Resources required"),
        (json!({"networks": null}), "Resources required"),
        (json!({"networks": 5}), "Body contains invalid data"),
        (json!({"networks": true}), "Body contains invalid data"),
        (json!({"networks": [5]}), "Body contains invalid data"),
        (
            json!({"networks": "x"}),
            "Object 'network' contains invalid data",
        ),
        (
            json!({"networks": ["ab"]}),
            "Object 'network' contains invalid data",
        ),
        (
            json!({"networks": {"name": "x"}}),
            "Object 'network' contains invalid data",
        ),
        (
            json!({"networks": [{"name": "z", "bogus": 1}]}),
            "Unrecognized attribute(s) 'bogus'",
        ),
    ] {
        let r = h
            .n(Role::Owner, Method::POST, "networks", Some(body.clone()))
            .await;
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(
            neutron_error(&r),
            ("HTTPBadRequest".into(), message.into()),
            "{body}"
        );
    }
    assert!(names(&h).await.iter().all(|n| n != "z"));
    h.shutdown().await;
}

#[tokio::test]
async fn booleans_convert_as_neutron_lib_does() {
    let h = Harness::start().await;
    for (value, up) in [(json!(1), true), (json!("0"), false), (json!("TRUE"), true)] {
        let n = h
            .create(
                Role::Owner,
                "networks",
                "network",
                json!({"name": "b", "admin_state_up": value}),
            )
            .await;
        assert_eq!(n["admin_state_up"], up, "{value}");
    }
    for (value, shown) in [(json!(2), "2"), (json!(null), "None")] {
        let body = json!({"network": {"name": "b", "admin_state_up": value}});
        let r = h.n(Role::Owner, Method::POST, "networks", Some(body)).await;
        assert_eq!(r.status, 400, "{}", r.text);
        let want =
            format!("Invalid input for operation: '{shown}' cannot be converted to boolean.");
        assert_eq!(neutron_error(&r), ("InvalidInput".into(), want));
    }
    h.shutdown().await;
}

async fn put_subnet(h: &Harness, id: &str, attrs: Value) -> crate::common::Resp {
    h.n(
        Role::Owner,
        Method::PUT,
        &format!("subnets/{id}"),
        Some(json!({"subnet": attrs})),
    )
    .await
}

#[tokio::test]
async fn host_routes_are_stored_returned_and_checked() {
    let h = Harness::start().await;
    let net = h
        .create(Role::Owner, "networks", "network", json!({"name": "hr"}))
        .await;
    let routes = json!([{"destination": "10.30.0.0/24", "nexthop": "10.20.0.5"}]);
    let sub = h
        .create(
            Role::Owner,
            "subnets",
            "subnet",
            json!({"network_id": net["id"], "cidr": "10.20.0.0/24", "ip_version": 4, "host_routes": routes}),
        )
        .await;
    assert_eq!(sub["host_routes"], routes);
    assert_eq!(sub["revision_number"], 0);
    let id = s(&sub["id"]);
    let two = json!([{"destination": "10.31.0.0/24", "nexthop": "10.20.0.6"},
                     {"destination": "10.32.0.0/24", "nexthop": "10.20.0.7"}]);
    let r = put_subnet(&h, &id, json!({"host_routes": two})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["subnet"]["host_routes"], two);
    // Host routes are a table of their own: the subnet's revision stays.
    assert_eq!(r.json()["subnet"]["revision_number"], 0);
    let r = h
        .n(Role::Owner, Method::GET, &format!("subnets/{id}"), None)
        .await;
    assert_eq!(r.json()["subnet"]["host_routes"], two);

    let reason = |r: &crate::common::Resp| neutron_error(r).1;
    for (routes, want) in [
        (json!("x"), "Invalid input for host_routes. Reason: Invalid data format for hostroute: 'x'."),
        (json!([{"destination": "10.33.0.0/24"}]), "Invalid input for host_routes. Reason: Validation of dictionary's keys failed. Expected keys: {'destination', 'nexthop'} Provided keys: {'destination'}."),
        (json!([{"destination": "10.33.0.0/24", "nexthop": "bad"}]), "Invalid input for host_routes. Reason: 'bad' is not a valid IP address."),
        (json!([{"destination": "10.35.0.1/24", "nexthop": "10.20.0.9"}]), "Invalid input for host_routes. Reason: '10.35.0.1/24' is not a valid CIDR."),
        (json!([{"destination": "10.34.0.0/24", "nexthop": "10.20.0.9"}, {"destination": "10.34.0.0/24", "nexthop": "10.20.0.9"}]),
         "Invalid input for host_routes. Reason: Duplicate hostroute '{'destination': '10.34.0.0/24', 'nexthop': '10.20.0.9'}'."),
        (json!([{"destination": "2001:db8::/64", "nexthop": "10.20.0.9"}]), "Invalid input for operation: destination '2001:db8::/64' does not match the ip_version '4'."),
        (json!([{"destination": "10.30.0.0/24", "nexthop": "2001:db8::1"}]), "Invalid input for operation: nexthop '2001:db8::1' does not match the ip_version '4'."),
    ] {
        let r = put_subnet(&h, &id, json!({"host_routes": routes})).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(reason(&r), want);
    }
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"destination": format!("10.36.{i}.0/24"), "nexthop": "10.20.0.9"}))
        .collect();
    let r = put_subnet(&h, &id, json!({"host_routes": many})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        neutron_error(&r),
        ("HostRoutesExhausted".into(), format!("Unable to complete operation for {id}. The number of host routes exceeds the limit 20."))
    );
    h.shutdown().await;
}

#[tokio::test]
async fn a_subnets_gateway_can_be_changed_cleared_and_put_outside_it() {
    let h = Harness::start().await;
    let (_, id) = h.network_with_subnet("gw", "10.20.0.0/24").await;
    let r = put_subnet(&h, &id, json!({"gateway_ip": null})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["subnet"]["gateway_ip"], Value::Null);
    assert_eq!(r.json()["subnet"]["revision_number"], 1);
    // The pools stay as they were.
    assert_eq!(
        r.json()["subnet"]["allocation_pools"],
        json!([{"start": "10.20.0.2", "end": "10.20.0.254"}])
    );
    let r = put_subnet(&h, &id, json!({"gateway_ip": "10.99.0.1"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["subnet"]["gateway_ip"], "10.99.0.1");
    let r = put_subnet(&h, &id, json!({"gateway_ip": "10.20.0.254"})).await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(
        neutron_error(&r),
        (
            "GatewayConflictWithAllocationPools".into(),
            "Gateway ip 10.20.0.254 conflicts with allocation pool 10.20.0.2-10.20.0.254.".into()
        )
    );
    let r = put_subnet(&h, &id, json!({"gateway_ip": "bad"})).await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(
        neutron_error(&r).1,
        "Invalid input for gateway_ip. Reason: 'bad' is not a valid IP address."
    );
    // Writing a value again changes nothing, revision included.
    let r = put_subnet(&h, &id, json!({"gateway_ip": "10.20.0.1"})).await;
    assert_eq!(r.json()["subnet"]["revision_number"], 3, "{}", r.text);
    let r = put_subnet(&h, &id, json!({"gateway_ip": "10.20.0.1"})).await;
    assert_eq!(r.json()["subnet"]["revision_number"], 3, "{}", r.text);
    // A gateway outside the CIDR is taken on create too.
    let net = h
        .create(Role::Owner, "networks", "network", json!({"name": "gw2"}))
        .await;
    let sub = h
        .create(
            Role::Owner,
            "subnets",
            "subnet",
            json!({"network_id": net["id"], "cidr": "10.21.0.0/24", "ip_version": 4, "gateway_ip": "10.99.0.1"}),
        )
        .await;
    assert_eq!(sub["gateway_ip"], "10.99.0.1");
    h.shutdown().await;
}
