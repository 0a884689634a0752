//! Neutron rules of docs/CONTRACT.md §1.3 and §5 against the reference cloud: every status code and body of
//! remove_router_interface, its order of evaluation, and the setup calls it depends on.

use crate::common::{neutron_error, s, Harness};
use refcloud::Role;
use reqwest::Method;
use serde_json::{json, Value};

const RANDOM: &str = "0b1c7ca3-8f6d-4e32-9a4f-6c1d2e3f4a5b";

struct Topology {
    net1: String,
    sub1: String,
    router: String,
}

async fn base(h: &Harness) -> Topology {
    let (net1, sub1) = h.network_with_subnet("net1", "10.0.0.0/24").await;
    let router = h.router("r1").await;
    Topology { net1, sub1, router }
}

async fn remove(h: &Harness, role: Role, router: &str, body: Option<Value>) -> crate::common::Resp {
    h.n(
        role,
        Method::PUT,
        &format!("routers/{router}/remove_router_interface"),
        body,
    )
    .await
}

async fn add(h: &Harness, router: &str, body: Value) -> crate::common::Resp {
    h.n(
        Role::Owner,
        Method::PUT,
        &format!("routers/{router}/add_router_interface"),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn setup_recipe_shapes() {
    let h = Harness::start().await;
    let net = h
        .create(Role::Owner, "networks", "network", json!({"name": "net1"}))
        .await;
    for key in [
        "id",
        "tenant_id",
        "project_id",
        "router:external",
        "subnets",
        "revision_number",
        "created_at",
        "tags",
    ] {
        assert!(net.get(key).is_some(), "network lacks {key}");
    }
    let sub = h
        .create(
            Role::Owner,
            "subnets",
            "subnet",
            json!({"network_id": net["id"], "cidr": "10.0.0.0/24", "ip_version": 4}),
        )
        .await;
    assert_eq!(sub["gateway_ip"], "10.0.0.1");
    assert_eq!(
        sub["allocation_pools"],
        json!([{"start": "10.0.0.2", "end": "10.0.0.254"}])
    );
    let router = h
        .create(Role::Owner, "routers", "router", json!({"name": "r1"}))
        .await;
    assert_eq!(router["external_gateway_info"], Value::Null);
    assert_eq!(router["routes"], json!([]));
    let r = add(&h, &s(&router["id"]), json!({"subnet_id": sub["id"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let info = r.json();
    assert_eq!(info["subnet_ids"], json!([sub["id"]]));
    assert!(info.get("project_id").is_some() && info.get("tenant_id").is_none());
    // The router port owns the gateway IP.
    let ports = h
        .n(
            Role::Owner,
            Method::GET,
            &format!("ports?device_id={}", s(&router["id"])),
            None,
        )
        .await;
    let ports = ports.json()["ports"].clone();
    assert_eq!(ports.as_array().map(Vec::len), Some(1));
    assert_eq!(ports[0]["device_owner"], "network:router_interface");
    assert_eq!(ports[0]["fixed_ips"][0]["ip_address"], "10.0.0.1");
    // Body formatting (docs/CONTRACT.md §7 (item 1)).
    let r = h
        .n(
            Role::Owner,
            Method::GET,
            &format!("networks/{}", s(&net["id"])),
            None,
        )
        .await;
    assert!(r.text.starts_with("{\"network\":{\"id\":"), "{}", r.text);
    let r = h
        .n(
            Role::Owner,
            Method::GET,
            &format!("routers/{}", s(&router["id"])),
            None,
        )
        .await;
    assert!(r.text.starts_with("{\"router\": {\"id\": "), "{}", r.text);
    assert!(r
        .header("x-openstack-request-id")
        .expect("rid")
        .starts_with("req-"));
    // Add-side 400s.
    let r = add(&h, &s(&router["id"]), json!({"subnet_id": sub["id"]})).await;
    assert_eq!(
        neutron_error(&r).1,
        format!(
            "Bad router request: Router already has a port on subnet {}.",
            s(&sub["id"])
        )
    );
    let r = add(
        &h,
        &s(&router["id"]),
        json!({"subnet_id": sub["id"], "port_id": RANDOM}),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        neutron_error(&r).1,
        "Bad router request: Cannot specify both subnet-id and port-id."
    );
    // A bound port cannot be added: PortInUse.
    let p = h
        .create(
            Role::Owner,
            "ports",
            "port",
            json!({"network_id": net["id"], "device_id": "x"}),
        )
        .await;
    let r = add(&h, &s(&router["id"]), json!({"port_id": p["id"]})).await;
    assert_eq!(r.status, 409);
    assert_eq!(neutron_error(&r).0, "PortInUse");
    h.shutdown().await;
}

#[tokio::test]
async fn remove_by_subnet_and_by_port() {
    let h = Harness::start().await;
    let t = base(&h).await;
    assert_eq!(
        add(&h, &t.router, json!({"subnet_id": t.sub1}))
            .await
            .status,
        200
    );
    let r = remove(
        &h,
        Role::Owner,
        &t.router,
        Some(json!({"subnet_id": t.sub1})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let body = r.json();
    assert_eq!(body["id"], t.router.as_str());
    assert_eq!(body["network_id"], t.net1.as_str());
    assert_eq!(body["subnet_id"], t.sub1.as_str());
    let port = s(&body["port_id"]);
    assert_eq!(
        h.n(Role::Owner, Method::GET, &format!("ports/{port}"), None)
            .await
            .status,
        404
    );
    // Repeating: RouterInterfaceNotFoundForSubnet.
    let r = remove(
        &h,
        Role::Owner,
        &t.router,
        Some(json!({"subnet_id": t.sub1})),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        neutron_error(&r),
        (
            "RouterInterfaceNotFoundForSubnet".into(),
            format!("Router {} has no interface on subnet {}", t.router, t.sub1)
        )
    );

    // By port: a user-created port is deleted too.
    let p = h
        .create(Role::Owner, "ports", "port", json!({"network_id": t.net1}))
        .await;
    let pid = s(&p["id"]);
    assert_eq!(
        add(&h, &t.router, json!({"port_id": pid})).await.status,
        200
    );
    let r = remove(&h, Role::Owner, &t.router, Some(json!({"port_id": pid}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["subnet_ids"], json!([t.sub1]));
    assert_eq!(
        h.n(Role::Owner, Method::GET, &format!("ports/{pid}"), None)
            .await
            .status,
        404
    );
    let r = remove(&h, Role::Owner, &t.router, Some(json!({"port_id": pid}))).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        neutron_error(&r),
        (
            "RouterInterfaceNotFound".into(),
            format!(
                "Router {} does not have an interface with id {pid}",
                t.router
            )
        )
    );
    // `.json` suffix and trailing slash are accepted.
    let r = h
        .n(
            Role::Owner,
            Method::PUT,
            &format!("routers/{}/remove_router_interface.json", t.router),
            Some(json!({"subnet_id": RANDOM})),
        )
        .await;
    assert_eq!(neutron_error(&r).0, "SubnetNotFound");
    h.shutdown().await;
}

#[tokio::test]
async fn body_errors_and_precedence() {
    let h = Harness::start().await;
    let t = base(&h).await;
    let url = h.net(&format!("routers/{}/remove_router_interface", t.router));
    let either = (
        "BadRequest".to_string(),
        "Bad router request: Either subnet_id or port_id must be specified.".to_string(),
    );
    for body in ["{}", "{\"foo\": 1}"] {
        let r = h.raw(Method::PUT, &url, Some(Role::Owner), body, &[]).await;
        assert_eq!(
            (r.status, neutron_error(&r)),
            (400, either.clone()),
            "{body}"
        );
    }
    // Upstream answers 500 here (known bug); the reference answers the 400 of `{}` (see interfaces.rs).
    for body in ["", "null", "[]", "\"x\"", "5"] {
        let r = h.raw(Method::PUT, &url, Some(Role::Owner), body, &[]).await;
        assert_eq!(
            (r.status, neutron_error(&r)),
            (400, either.clone()),
            "{body:?}"
        );
    }
    for (value, shown) in [
        (json!("nope"), "nope"),
        (json!(5), "5"),
        (Value::Null, "None"),
    ] {
        let r = remove(
            &h,
            Role::Owner,
            &t.router,
            Some(json!({"subnet_id": value})),
        )
        .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            neutron_error(&r).1,
            format!("Bad router request: '{shown}' is not a valid UUID.")
        );
    }
    let r = h
        .raw(Method::PUT, &url, Some(Role::Owner), "not-json", &[])
        .await;
    assert_eq!(
        (r.status, neutron_error(&r)),
        (
            400,
            (
                "MalformedRequestBody".into(),
                "Malformed request body: Cannot understand JSON.".into()
            )
        )
    );
    // JSON parsing comes before the router lookup.
    let missing = h.net(&format!("routers/{RANDOM}/remove_router_interface"));
    let r = h
        .raw(Method::PUT, &missing, Some(Role::Owner), "not-json", &[])
        .await;
    assert_eq!(neutron_error(&r).0, "MalformedRequestBody");
    // The router lookup comes before the body: `{}` to a missing router is 404.
    let r = h
        .raw(Method::PUT, &missing, Some(Role::Owner), "{}", &[])
        .await;
    assert_eq!(
        (r.status, neutron_error(&r)),
        (
            404,
            (
                "RouterNotFound".into(),
                format!("Router {RANDOM} could not be found")
            )
        )
    );
    let r = h
        .raw(
            Method::PUT,
            &h.net("routers/not-a-uuid/remove_router_interface"),
            Some(Role::Owner),
            "{}",
            &[],
        )
        .await;
    assert_eq!(neutron_error(&r).1, "Router not-a-uuid could not be found");
    // Another project's router: 404 whatever the body; the admin passes the lookup.
    let r = remove(&h, Role::Other, &t.router, Some(json!({}))).await;
    assert_eq!(neutron_error(&r).0, "RouterNotFound");
    let r = remove(
        &h,
        Role::Admin,
        &t.router,
        Some(json!({"subnet_id": t.sub1})),
    )
    .await;
    assert_eq!(neutron_error(&r).0, "RouterInterfaceNotFoundForSubnet");
    // Reader: 403 after the lookup and before the body.
    let r = remove(&h, Role::Reader, &t.router, None).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        neutron_error(&r),
        ("PolicyNotAuthorized".into(), "(((rule:remove_router_interface and rule:remove_router_interface:ha) and rule:remove_router_interface:flavor_id) and rule:remove_router_interface:distributed) is disallowed by policy".into())
    );
    let r = remove(&h, Role::Reader, RANDOM, None).await;
    assert_eq!(r.status, 404);
    // Unknown subnet.
    let r = remove(
        &h,
        Role::Owner,
        &t.router,
        Some(json!({"subnet_id": RANDOM})),
    )
    .await;
    assert_eq!(
        (r.status, neutron_error(&r)),
        (
            404,
            (
                "SubnetNotFound".into(),
                format!("Subnet {RANDOM} could not be found.")
            )
        )
    );
    // Port that is not an interface of this router: 404 before any mismatch.
    let r = remove(
        &h,
        Role::Owner,
        &t.router,
        Some(json!({"port_id": RANDOM, "subnet_id": t.sub1})),
    )
    .await;
    assert_eq!(neutron_error(&r).0, "RouterInterfaceNotFound");
    h.shutdown().await;
}

#[tokio::test]
async fn routing_auth_and_methods() {
    let h = Harness::start().await;
    let t = base(&h).await;
    let url = h.net(&format!("routers/{}/remove_router_interface", t.router));
    let r = h.raw(Method::PUT, &url, None, "{}", &[]).await;
    assert_eq!(r.status, 401);
    assert!(r
        .header("www-authenticate")
        .expect("www")
        .starts_with("Keystone uri=\""));
    let r = h
        .raw(Method::PUT, &url, None, "{}", &[("X-Auth-Token", "bogus")])
        .await;
    assert_eq!(r.status, 401);
    for method in [Method::GET, Method::POST, Method::PATCH, Method::DELETE] {
        let r = h
            .raw(method.clone(), &url, Some(Role::Owner), "", &[])
            .await;
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(neutron_error(&r).0, "HTTPMethodNotAllowed");
        assert_eq!(r.header("allow").is_some(), method == Method::GET);
    }
    let r = h
        .raw(
            Method::GET,
            &h.net(&format!("routers/{RANDOM}/remove_router_interface")),
            Some(Role::Owner),
            "",
            &[],
        )
        .await;
    assert_eq!(r.status, 405);
    let r = h
        .raw(
            Method::PUT,
            &h.net(&format!("routers/{}/frobnicate", t.router)),
            Some(Role::Owner),
            "{}",
            &[],
        )
        .await;
    assert_eq!(
        (r.status, neutron_error(&r)),
        (
            404,
            (
                "HTTPNotFound".into(),
                "The resource could not be found.".into()
            )
        )
    );
    // Content-Type and Accept are ignored.
    let r = h
        .raw(
            Method::PUT,
            &url,
            Some(Role::Owner),
            "{}",
            &[
                ("Content-Type", "application/xml"),
                ("Accept", "application/xml"),
            ],
        )
        .await;
    assert_eq!(r.status, 400);
    // Version document without a token and without request id.
    let r = h
        .send(
            Method::GET,
            &format!("{}/networking/", h.cloud.base_url()),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-openstack-request-id").is_none());
    let r = h.n(Role::Owner, Method::GET, "extensions", None).await;
    let aliases: Vec<String> = r.json()["extensions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| s(&e["alias"]))
        .collect();
    // `subnet-external-network` is the extension behind a subnet's `router:external`
    // (Tempest checks that a field comes with the extension that defines it).
    for alias in [
        "router",
        "extraroute",
        "extraroute-atomic",
        "external-net",
        "subnet-external-network",
        "rbac-policies",
        "quotas",
        "quota_details",
    ] {
        assert!(aliases.iter().any(|a| a == alias), "{alias}");
    }
    h.shutdown().await;
}

#[tokio::test]
async fn mismatch_routes_and_multiprefix() {
    let h = Harness::start().await;
    let t = base(&h).await;
    // §5.2: port of net2 attached by port, removed with S1 -> 400 SubnetMismatchForPort.
    let (net2, sub2) = h.network_with_subnet("net2", "10.0.1.0/24").await;
    let p2 = h
        .create(Role::Owner, "ports", "port", json!({"network_id": net2}))
        .await;
    let p2 = s(&p2["id"]);
    assert_eq!(add(&h, &t.router, json!({"port_id": p2})).await.status, 200);
    let r = remove(
        &h,
        Role::Owner,
        &t.router,
        Some(json!({"subnet_id": t.sub1, "port_id": p2})),
    )
    .await;
    assert_eq!(
        (r.status, neutron_error(&r)),
        (
            400,
            (
                "SubnetMismatchForPort".into(),
                format!(
                    "Subnet on port {p2} does not match the requested subnet {}.",
                    t.sub1
                )
            )
        )
    );
    // Both keys matching: 200, whole port deleted.
    let r = remove(
        &h,
        Role::Owner,
        &t.router,
        Some(json!({"subnet_id": sub2, "port_id": p2})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // §5.3: a route through S1 blocks its removal.
    assert_eq!(
        add(&h, &t.router, json!({"subnet_id": t.sub1}))
            .await
            .status,
        200
    );
    let routes =
        json!({"router": {"routes": [{"destination": "192.168.9.0/24", "nexthop": "10.0.0.5"}]}});
    let r = h
        .n(
            Role::Owner,
            Method::PUT,
            &format!("routers/{}", t.router),
            Some(routes),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["router"]["routes"][0]["nexthop"], "10.0.0.5");
    let bad =
        json!({"router": {"routes": [{"destination": "192.168.9.0/24", "nexthop": "10.9.9.9"}]}});
    let r = h
        .n(
            Role::Owner,
            Method::PUT,
            &format!("routers/{}", t.router),
            Some(bad),
        )
        .await;
    assert_eq!(neutron_error(&r).0, "InvalidRoutes");
    let r = remove(
        &h,
        Role::Owner,
        &t.router,
        Some(json!({"subnet_id": t.sub1})),
    )
    .await;
    assert_eq!(
        (r.status, neutron_error(&r)),
        (409, ("RouterInterfaceInUseByRoute".into(), format!("Router interface for subnet {} on router {} cannot be deleted, as it is required by one or more routes.", t.sub1, t.router)))
    );
    // Router delete while interfaces remain.
    let r = h
        .n(
            Role::Owner,
            Method::DELETE,
            &format!("routers/{}", t.router),
            None,
        )
        .await;
    assert_eq!(
        (r.status, neutron_error(&r).0.as_str()),
        (409, "RouterInUse")
    );
    let r = h
        .n(
            Role::Owner,
            Method::PUT,
            &format!("routers/{}", t.router),
            Some(json!({"router": {"routes": null}})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        remove(
            &h,
            Role::Owner,
            &t.router,
            Some(json!({"subnet_id": t.sub1}))
        )
        .await
        .status,
        200
    );

    // IPv6 multi-prefix: two subnets share one router port; by subnet only that IP goes.
    let net6 = h
        .create(Role::Owner, "networks", "network", json!({"name": "v6"}))
        .await;
    let mut v6 = Vec::new();
    for cidr in ["fd00:1::/64", "fd00:2::/64"] {
        let sub = h
            .create(
                Role::Owner,
                "subnets",
                "subnet",
                json!({"network_id": net6["id"], "cidr": cidr,
            "ip_version": 6, "ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"}),
            )
            .await;
        v6.push(s(&sub["id"]));
        assert_eq!(
            add(&h, &t.router, json!({"subnet_id": sub["id"]}))
                .await
                .status,
            200
        );
    }
    let ports = h
        .n(
            Role::Owner,
            Method::GET,
            &format!("ports?device_id={}", t.router),
            None,
        )
        .await
        .json();
    assert_eq!(ports["ports"].as_array().map(Vec::len), Some(1));
    let port = s(&ports["ports"][0]["id"]);
    let r = remove(
        &h,
        Role::Owner,
        &t.router,
        Some(json!({"subnet_id": v6[0]})),
    )
    .await;
    assert_eq!(r.status, 200);
    let kept = h
        .n(Role::Owner, Method::GET, &format!("ports/{port}"), None)
        .await;
    assert_eq!(kept.status, 200);
    assert_eq!(
        kept.json()["port"]["fixed_ips"].as_array().map(Vec::len),
        Some(1)
    );
    h.shutdown().await;
}

#[tokio::test]
async fn floating_ip_blocks_removal() {
    let h = Harness::start().await;
    let t = base(&h).await;
    let r = h
        .n(
            Role::Owner,
            Method::POST,
            "networks",
            Some(json!({"network": {"name": "ext", "router:external": true}})),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        neutron_error(&r).1,
        "(rule:create_network and rule:create_network:router:external) is disallowed by policy"
    );
    let ext = h
        .create(
            Role::Admin,
            "networks",
            "network",
            json!({"name": "ext", "router:external": true}),
        )
        .await;
    let ext_id = s(&ext["id"]);
    h.create(Role::Admin, "subnets", "subnet", json!({"network_id": ext_id, "cidr": "172.24.4.0/24", "ip_version": 4, "enable_dhcp": false})).await;
    let listed = h
        .n(
            Role::Owner,
            Method::GET,
            "networks?router:external=true",
            None,
        )
        .await
        .json();
    assert_eq!(listed["networks"].as_array().map(Vec::len), Some(1));
    let r = h
        .n(
            Role::Owner,
            Method::PUT,
            &format!("routers/{}", t.router),
            Some(json!({"router": {"external_gateway_info": {"network_id": ext_id}}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json()["router"]["external_gateway_info"]["network_id"],
        ext_id.as_str()
    );
    assert_eq!(
        add(&h, &t.router, json!({"subnet_id": t.sub1}))
            .await
            .status,
        200
    );
    let p = h
        .create(Role::Owner, "ports", "port", json!({"network_id": t.net1}))
        .await;
    let fip = h
        .create(
            Role::Owner,
            "floatingips",
            "floatingip",
            json!({"floating_network_id": ext_id, "port_id": p["id"]}),
        )
        .await;
    assert_eq!(fip["router_id"], t.router.as_str());
    let r = remove(
        &h,
        Role::Owner,
        &t.router,
        Some(json!({"subnet_id": t.sub1})),
    )
    .await;
    assert_eq!(
        (r.status, neutron_error(&r)),
        (409, ("RouterInterfaceInUseByFloatingIP".into(), format!("Router interface for subnet {} on router {} cannot be deleted, as it is required by one or more floating IPs.", t.sub1, t.router)))
    );
    // Teardown in LIFO order leaves only the seeded resources.
    let fip_id = s(&fip["id"]);
    assert_eq!(
        h.n(
            Role::Owner,
            Method::DELETE,
            &format!("floatingips/{fip_id}"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        remove(
            &h,
            Role::Owner,
            &t.router,
            Some(json!({"subnet_id": t.sub1}))
        )
        .await
        .status,
        200
    );
    let r = h
        .n(
            Role::Owner,
            Method::PUT,
            &format!("routers/{}", t.router),
            Some(json!({"router": {"external_gateway_info": {}}})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        h.n(
            Role::Owner,
            Method::DELETE,
            &format!("routers/{}", t.router),
            None
        )
        .await
        .status,
        204
    );
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
    assert_eq!(
        h.n(
            Role::Owner,
            Method::DELETE,
            &format!("networks/{}", t.net1),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        h.n(
            Role::Admin,
            Method::DELETE,
            &format!("networks/{ext_id}"),
            None
        )
        .await
        .status,
        204
    );
    let inv = h.cloud.inventory();
    assert_eq!(
        (
            inv.networks.len(),
            inv.subnets.len(),
            inv.ports.len(),
            inv.routers.len(),
            inv.floating_ips.len()
        ),
        (1, 1, 0, 0, 0)
    );
    h.shutdown().await;
}

#[tokio::test]
async fn isolation_policy_and_if_match() {
    let h = Harness::start().await;
    let t = base(&h).await;
    assert_eq!(
        h.n(
            Role::Other,
            Method::GET,
            &format!("networks/{}", t.net1),
            None
        )
        .await
        .status,
        404
    );
    let list = h.n(Role::Other, Method::GET, "networks", None).await.json();
    assert_eq!(list["networks"], json!([]));
    let r = h
        .n(
            Role::Reader,
            Method::POST,
            "networks",
            Some(json!({"network": {"name": "x"}})),
        )
        .await;
    assert_eq!(
        (r.status, neutron_error(&r).1.as_str()),
        (403, "rule:create_network is disallowed by policy")
    );
    assert_eq!(
        h.n(
            Role::Reader,
            Method::GET,
            &format!("networks/{}", t.net1),
            None
        )
        .await
        .status,
        200
    );
    let all = h.n(Role::Admin, Method::GET, "routers", None).await.json();
    assert_eq!(all["routers"].as_array().map(Vec::len), Some(1));
    // fields= and filters.
    let r = h
        .n(
            Role::Owner,
            Method::GET,
            "networks?name=net1&fields=id&fields=name",
            None,
        )
        .await
        .json();
    assert_eq!(r["networks"], json!([{"id": t.net1, "name": "net1"}]));
    // If-Match: stale 412 (at the first write, so the interface must exist), malformed
    // 400, other forms ignored.
    let r = add(&h, &t.router, json!({"subnet_id": t.sub1})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let url = h.net(&format!("routers/{}/remove_router_interface", t.router));
    let body = json!({"subnet_id": t.sub1}).to_string();
    let r = h
        .raw(
            Method::PUT,
            &url,
            Some(Role::Owner),
            &body,
            &[("If-Match", "revision_number=999")],
        )
        .await;
    assert_eq!(r.status, 412);
    assert_eq!(neutron_error(&r).0, "RevisionNumberConstraintFailed");
    let r = h
        .raw(
            Method::PUT,
            &url,
            Some(Role::Owner),
            &body,
            &[("If-Match", "revision_number=abc")],
        )
        .await;
    assert_eq!(r.status, 400);
    let r = h
        .raw(
            Method::PUT,
            &url,
            Some(Role::Owner),
            &body,
            &[("If-Match", "garbage")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    h.shutdown().await;
}

#[tokio::test]
async fn owner_key_profile_switches_interface_info() {
    let h = Harness::start_with(refcloud::CloudConfig {
        owner_key: refcloud::OwnerKey::TenantId,
        ..crate::common::fast_config()
    })
    .await;
    let t = base(&h).await;
    let r = add(&h, &t.router, json!({"subnet_id": t.sub1})).await;
    assert!(r.json().get("tenant_id").is_some() && r.json().get("project_id").is_none());
    let r = remove(
        &h,
        Role::Owner,
        &t.router,
        Some(json!({"subnet_id": t.sub1})),
    )
    .await;
    let owner = h
        .cloud
        .identity(Role::Owner)
        .expect("owner")
        .project_id
        .clone();
    assert_eq!(r.json()["tenant_id"], owner.as_str());
    assert!(r.json().get("project_id").is_none());
    h.shutdown().await;
}

/// Policy delete_port: a compute port is Nova's; a member gets 403, an admin may [obs].
#[tokio::test]
async fn a_member_may_not_delete_a_compute_port() {
    let h = Harness::start().await;
    let (net, _) = h.network_with_subnet("n", "10.0.0.0/24").await;
    let attrs = json!({"network_id": net, "device_id": "vm", "device_owner": "compute:nova"});
    let port = h.create(Role::Owner, "ports", "port", attrs).await;
    let path = format!("ports/{}", s(&port["id"]));
    let r = h.n(Role::Owner, Method::DELETE, &path, None).await;
    assert_eq!(
        (r.status, neutron_error(&r).1.as_str()),
        (403, "rule:delete_port is disallowed by policy")
    );
    assert_eq!(
        h.n(Role::Admin, Method::DELETE, &path, None).await.status,
        204
    );
    h.shutdown().await;
}

/// `delete_subnet`: a SLAAC subnet is in use only while a router interface holds an
/// address on it; other ports lose their address on it, and the delete is 204 [obs].
#[tokio::test]
async fn a_slaac_subnet_with_auto_addressed_ports_is_deleted() {
    let h = Harness::start().await;
    let net = h
        .create(Role::Owner, "networks", "network", json!({"name": "n"}))
        .await;
    let slaac = h
        .create(
            Role::Owner,
            "subnets",
            "subnet",
            json!({"network_id": net["id"], "cidr": "fd00:5::/64", "ip_version": 6,
                   "ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"}),
        )
        .await;
    let port = h
        .create(
            Role::Owner,
            "ports",
            "port",
            json!({"network_id": net["id"], "fixed_ips": [{"subnet_id": slaac["id"]}]}),
        )
        .await;
    let router = h.router("r").await;
    let path = format!("routers/{router}/add_router_interface");
    let body = json!({"subnet_id": slaac["id"]});
    assert_eq!(
        h.n(Role::Owner, Method::PUT, &path, Some(body.clone()))
            .await
            .status,
        200
    );
    let subnet = format!("subnets/{}", s(&slaac["id"]));
    let r = h.n(Role::Owner, Method::DELETE, &subnet, None).await;
    assert_eq!(
        (r.status, neutron_error(&r).0.as_str()),
        (409, "SubnetInUse")
    );
    let path = format!("routers/{router}/remove_router_interface");
    assert_eq!(
        h.n(Role::Owner, Method::PUT, &path, Some(body))
            .await
            .status,
        200
    );
    assert_eq!(
        h.n(Role::Owner, Method::DELETE, &subnet, None).await.status,
        204
    );
    let shown = h
        .n(
            Role::Owner,
            Method::GET,
            &format!("ports/{}", s(&port["id"])),
            None,
        )
        .await
        .json();
    assert_eq!(shown["port"]["fixed_ips"], json!([]));
    h.shutdown().await;
}
