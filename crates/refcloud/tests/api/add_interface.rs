//! add_router_interface where real Neutron 29 differs from a naive emulator: the order of
//! its checks, the IPv6 and ownership rules of `_add_interface_by_subnet` and
//! `_validate_router_port_info`, and the answer's fields (docs/CONTRACT.md §1.5). Each
//! behaviour was observed on `targets/neutron` first.

use crate::common::{neutron_error, s, Harness, Resp};
use refcloud::Role;
use reqwest::Method;
use serde_json::{json, Value};

async fn put(h: &Harness, path: &str, body: Value) -> Resp {
    h.n(Role::Owner, Method::PUT, path, Some(body)).await
}

async fn add_as(h: &Harness, role: Role, router: &str, body: Value) -> Resp {
    let path = format!("routers/{router}/add_router_interface");
    h.n(role, Method::PUT, &path, Some(body)).await
}

async fn subnet(h: &Harness, role: Role, attrs: Value) -> Value {
    h.create(role, "subnets", "subnet", attrs).await
}

async fn port(h: &Harness, network: &str, fixed_ips: Value) -> Value {
    let attrs = json!({"network_id": network, "fixed_ips": fixed_ips});
    h.create(Role::Owner, "ports", "port", attrs).await
}

/// A network `shared` with everyone and its subnet 10.2.0.0/24 (pool .10 to .100), both
/// of the other project, made by an admin (only an admin may share).
async fn shared_network_of_other(h: &Harness) -> (Value, Value) {
    let other_project = h.project(Role::Other);
    let attrs = json!({"name": "shared", "shared": true, "project_id": other_project});
    let net = h.create(Role::Admin, "networks", "network", attrs).await;
    let sub = subnet(
        h,
        Role::Admin,
        json!({"network_id": net["id"], "cidr": "10.2.0.0/24", "ip_version": 4,
               "project_id": other_project,
               "allocation_pools": [{"start": "10.2.0.10", "end": "10.2.0.100"}]}),
    )
    .await;
    (net, sub)
}

async fn delete(h: &Harness, path: &str) {
    let r = h.n(Role::Owner, Method::DELETE, path, None).await;
    assert_eq!(r.status, 204, "{path}: {}", r.text);
}

fn bad_router_request(r: &Resp) -> String {
    assert_eq!(r.status, 400, "{}", r.text);
    let (kind, message) = neutron_error(r);
    assert_eq!(kind, "BadRequest");
    message
}

async fn add_with_etag(h: &Harness, router: &str, body: &str, etag: &str) -> Resp {
    let url = h.net(&format!("routers/{router}/add_router_interface"));
    let headers = [("If-Match", etag), ("Content-Type", "application/json")];
    h.raw(Method::PUT, &url, Some(Role::Owner), body, &headers)
        .await
}

#[tokio::test]
async fn if_match_format_comes_first_and_the_revision_at_the_first_write() {
    let h = Harness::start().await;
    let (net, sub) = h.network_with_subnet("n", "10.0.0.0/24").await;
    let router = h.router("r").await;
    // A malformed revision is refused before the router is looked up.
    let r = add_with_etag(&h, "missing", "{}", "revision_number=abc").await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(neutron_error(&r).1.starts_with("Bad if-match request"));
    // A stale one loses to the body's own error, which comes before any write.
    let r = add_with_etag(&h, &router, "{}", "revision_number=999").await;
    assert!(bad_router_request(&r).contains("Either subnet_id or port_id"));
    // At the first write it is a 412, and no port was created.
    let body = json!({"subnet_id": sub}).to_string();
    let r = add_with_etag(&h, &router, &body, "revision_number=999").await;
    assert_eq!(r.status, 412, "{}", r.text);
    let path = format!("ports?network_id={net}");
    let ports = h.n(Role::Owner, Method::GET, &path, None).await.json();
    assert_eq!(ports["ports"], json!([]));
    h.shutdown().await;
}

#[tokio::test]
async fn a_format_suffix_other_than_json_is_glued_onto_the_router_id() {
    let h = Harness::start().await;
    let (_, sub) = h.network_with_subnet("n", "10.0.0.0/24").await;
    let router = h.router("r").await;
    let path = format!("routers/{router}/add_router_interface.xml");
    let r = put(&h, &path, json!({"subnet_id": sub})).await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert_eq!(
        neutron_error(&r),
        (
            "RouterNotFound".to_string(),
            format!("Router {router}.xml could not be found")
        )
    );
    let path = format!("routers/{router}/add_router_interface.json");
    let r = put(&h, &path, json!({"subnet_id": sub})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    h.shutdown().await;
}

#[tokio::test]
async fn another_projects_subnet_is_refused_even_on_a_shared_network_but_not_for_an_admin() {
    let h = Harness::start().await;
    let (_, sub) = shared_network_of_other(&h).await;
    let router = h.router("r").await;
    let r = add_as(&h, Role::Owner, &router, json!({"subnet_id": sub["id"]})).await;
    assert_eq!(
        bad_router_request(&r),
        format!(
            "Bad router request: Cannot add interface to router because subnet {} is not owned by project making the request.",
            s(&sub["id"])
        )
    );
    // An admin may; the new port is the router's project's, not the subnet's.
    let r = add_as(&h, Role::Admin, &router, json!({"subnet_id": sub["id"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let port = h
        .n(
            Role::Admin,
            Method::GET,
            &format!("ports/{}", s(&r.json()["port_id"])),
            None,
        )
        .await
        .json();
    assert_eq!(port["port"]["project_id"], json!(h.project(Role::Owner)));
    assert_eq!(r.json()["project_id"], json!(h.project(Role::Owner)));
    h.shutdown().await;
}

#[tokio::test]
async fn ipv6_rules_external_ra_one_port_per_network_and_dual_stack_multiprefix() {
    let h = Harness::start().await;
    let (net, v4) = h.network_with_subnet("n", "10.0.0.0/24").await;
    let router = h.router("r").await;
    let v6 = |cidr: &'static str, ra: Option<&'static str>| {
        let mut attrs = json!({"network_id": net, "cidr": cidr, "ip_version": 6,
                               "ipv6_address_mode": "slaac"});
        if let Some(ra) = ra {
            attrs["ipv6_ra_mode"] = json!(ra);
        }
        subnet(&h, Role::Owner, attrs)
    };
    let external_ra = v6("fd00:8::/64", None).await;
    let r = add_as(
        &h,
        Role::Owner,
        &router,
        json!({"subnet_id": external_ra["id"]}),
    )
    .await;
    assert_eq!(
        bad_router_request(&r),
        format!(
            "Bad router request: IPv6 subnet {} configured to receive RAs from an external router cannot be added to Neutron Router..",
            s(&external_ra["id"])
        )
    );
    delete(&h, &format!("subnets/{}", s(&external_ra["id"]))).await;

    // A dual-stack port taken by port: the answer's subnet_id is the last of its subnets.
    let a = v6("fd00:1::/64", Some("slaac")).await;
    let dual = port(
        &h,
        &net,
        json!([{"subnet_id": v4, "ip_address": "10.0.0.50"}, {"subnet_id": a["id"]}]),
    )
    .await;
    let r = add_as(&h, Role::Owner, &router, json!({"port_id": dual["id"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let info = r.json();
    assert_eq!(info["subnet_ids"], json!([v4, s(&a["id"])]));
    assert_eq!(info["subnet_id"], a["id"]);

    // A second IPv6 port of the same network is refused.
    let b = v6("fd00:2::/64", Some("slaac")).await;
    let second = port(&h, &net, json!([{"subnet_id": b["id"]}])).await;
    let r = add_as(&h, Role::Owner, &router, json!({"port_id": second["id"]})).await;
    assert_eq!(
        bad_router_request(&r),
        format!(
            "Bad router request: Router already contains IPv6 port {} belonging to network id {net}. Only one IPv6 port from the same network subnet can be connected to a router..",
            s(&dual["id"])
        )
    );
    // By subnet, a further prefix joins the dual-stack port instead of making a port.
    delete(&h, &format!("ports/{}", s(&second["id"]))).await;
    let r = add_as(&h, Role::Owner, &router, json!({"subnet_id": b["id"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["port_id"], dual["id"]);
    let ports = h
        .n(
            Role::Owner,
            Method::GET,
            &format!("ports?device_id={router}"),
            None,
        )
        .await
        .json();
    assert_eq!(ports["ports"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        ports["ports"][0]["fixed_ips"].as_array().map(Vec::len),
        Some(3)
    );
    h.shutdown().await;
}

#[tokio::test]
async fn a_port_outside_the_pool_of_a_subnet_the_caller_does_not_own_is_refused() {
    let h = Harness::start().await;
    let (net, sub) = shared_network_of_other(&h).await;
    let attrs = |ip: &str| {
        json!({"network_id": net["id"], "project_id": h.project(Role::Owner),
               "fixed_ips": [{"subnet_id": sub["id"], "ip_address": ip}]})
    };
    let outside = h
        .create(Role::Admin, "ports", "port", attrs("10.2.0.200"))
        .await;
    let inside = h
        .create(Role::Admin, "ports", "port", attrs("10.2.0.20"))
        .await;
    let router = h.router("r").await;
    let r = add_as(&h, Role::Owner, &router, json!({"port_id": outside["id"]})).await;
    assert_eq!(
        bad_router_request(&r),
        format!(
            "Bad router request: Cannot add interface to router because specified port {} has an IP address out of the allocation pool of subnet {}, which is not owned by the project making the request.",
            s(&outside["id"]),
            s(&sub["id"])
        )
    );
    let r = add_as(&h, Role::Owner, &router, json!({"port_id": inside["id"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    h.shutdown().await;
}

#[tokio::test]
async fn an_rbac_share_makes_another_projects_subnet_attachable_and_is_held_while_used() {
    let h = Harness::start().await;
    let owner = h.project(Role::Owner);
    let net = h
        .create(
            Role::Other,
            "networks",
            "network",
            json!({"name": "theirs"}),
        )
        .await;
    let sub = subnet(
        &h,
        Role::Other,
        json!({"network_id": net["id"], "cidr": "10.1.0.0/24", "ip_version": 4}),
    )
    .await;
    let router = h.router("r").await;
    let r = add_as(&h, Role::Owner, &router, json!({"subnet_id": sub["id"]})).await;
    assert_eq!(r.status, 404, "not visible before the share: {}", r.text);

    let bad = json!({"object_type": "network", "object_id": net["id"],
                     "action": "access_as_shared", "target_tenant": "x"});
    let r = h
        .n(
            Role::Other,
            Method::POST,
            "rbac-policies",
            Some(json!({"rbac_policy": bad})),
        )
        .await;
    assert_eq!(
        neutron_error(&r).1,
        "Invalid input for operation: 'x' is not a valid target project ID; expected a UUID or '*'."
    );
    let share = json!({"object_type": "network", "object_id": net["id"],
                       "action": "access_as_shared", "target_tenant": owner});
    let policy = h
        .create(Role::Other, "rbac-policies", "rbac_policy", share)
        .await;
    let seen = h
        .n(
            Role::Owner,
            Method::GET,
            &format!("networks/{}", s(&net["id"])),
            None,
        )
        .await
        .json();
    assert_eq!(seen["network"]["shared"], json!(true));
    let listed = h
        .n(Role::Owner, Method::GET, "rbac-policies", None)
        .await
        .json();
    assert_eq!(
        listed["rbac_policies"],
        json!([]),
        "only the creator sees a policy"
    );

    let r = add_as(&h, Role::Owner, &router, json!({"subnet_id": sub["id"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["project_id"], json!(owner));
    let path = format!("rbac-policies/{}", s(&policy["id"]));
    let r = h.n(Role::Other, Method::DELETE, &path, None).await;
    assert_eq!(
        (r.status, neutron_error(&r).0.as_str()),
        (409, "RbacPolicyInUse")
    );

    let remove = format!("routers/{router}/remove_router_interface");
    let r = put(&h, &remove, json!({"subnet_id": sub["id"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        h.n(Role::Other, Method::DELETE, &path, None).await.status,
        204
    );
    let r = h.n(Role::Other, Method::DELETE, &path, None).await;
    assert_eq!(
        (r.status, neutron_error(&r).0.as_str()),
        (404, "RbacPolicyNotFound")
    );
    h.shutdown().await;
}

/// Tempest's router tests wait for the interface port to be ACTIVE before they remove
/// it; with ML2/OVS or OVN it is within seconds. Here it is after `router_port_up_delay`.
#[tokio::test]
async fn a_router_interface_port_comes_up_after_the_configured_delay() {
    let config = refcloud::CloudConfig {
        router_port_up_delay: std::time::Duration::from_millis(300),
        ..crate::common::fast_config()
    };
    let h = Harness::start_with(config).await;
    let (_, sub) = h.network_with_subnet("n", "10.0.0.0/24").await;
    let router = h.router("r").await;
    let r = add_as(&h, Role::Owner, &router, json!({"subnet_id": sub})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let path = format!("ports/{}", s(&r.json()["port_id"]));
    assert_eq!(port_status(&h, &path).await, "DOWN");
    let started = std::time::Instant::now();
    while port_status(&h, &path).await != "ACTIVE" {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "never ACTIVE"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    h.shutdown().await;
}

async fn port_status(h: &Harness, path: &str) -> String {
    s(&h.n(Role::Owner, Method::GET, path, None).await.json()["port"]["status"])
}
