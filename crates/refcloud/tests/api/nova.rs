//! Nova rules of docs/CONTRACT.md §1.2, §2.1, §3, §4 and §5.5 against the reference cloud.

use std::time::Duration;

use crate::common::{s, Harness, Resp};
use refcloud::Role;
use reqwest::Method;
use serde_json::{json, Value};

const RANDOM: &str = "6a1f9d0e-2b3c-4d5e-8f90-1a2b3c4d5e6f";

async fn nova(
    h: &Harness,
    role: Role,
    method: Method,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let url = h.nova(path);
    h.send(method, &url, Some(h.token(role)), body, headers)
        .await
}

async fn server(h: &Harness) -> String {
    let body = json!({"server": {"name": "s1", "imageRef": h.fact("image_id"), "flavorRef": h.fact("flavor_id"),
        "networks": [{"uuid": h.fact("network_id")}]}});
    let r = nova(
        h,
        Role::Owner,
        Method::POST,
        "servers",
        Some(body),
        &[("OpenStack-API-Version", "compute 2.37")],
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let id = s(&r.json()["server"]["id"]);
    assert!(r
        .header("location")
        .expect("location")
        .ends_with(&format!("/compute/v2.1/servers/{id}")));
    wait_status(h, &id, "ACTIVE").await;
    id
}

async fn wait_status(h: &Harness, id: &str, status: &str) {
    for _ in 0..100 {
        let r = nova(
            h,
            Role::Owner,
            Method::GET,
            &format!("servers/{id}"),
            None,
            &[],
        )
        .await;
        if r.json()["server"]["status"] == status {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("server {id} never became {status}");
}

async fn user_port(h: &Harness) -> String {
    let p = h
        .create(
            Role::Owner,
            "ports",
            "port",
            json!({"network_id": h.fact("network_id")}),
        )
        .await;
    s(&p["id"])
}

async fn attach_port(h: &Harness, server: &str, port: &str) -> Resp {
    nova(
        h,
        Role::Owner,
        Method::POST,
        &format!("servers/{server}/os-interface"),
        Some(json!({"interfaceAttachment": {"port_id": port}})),
        &[],
    )
    .await
}

fn fault(r: &Resp) -> (u16, Value) {
    (r.status, r.json())
}

async fn action(h: &Harness, role: Role, server: &str, request_id: &str, version: &str) -> Value {
    let r = nova(
        h,
        role,
        Method::GET,
        &format!("servers/{server}/os-instance-actions/{request_id}"),
        None,
        &[("OpenStack-API-Version", version)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["instanceAction"].clone()
}

async fn wait_action_done(h: &Harness, server: &str, request_id: &str) -> Value {
    for _ in 0..100 {
        let a = action(h, Role::Owner, server, request_id, "compute 2.51").await;
        if !a["events"][0]["result"].is_null() {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("action {request_id} never finished");
}

#[tokio::test]
async fn detach_is_asynchronous_and_recorded() {
    let h = Harness::start().await;
    let sid = server(&h).await;
    let port = user_port(&h).await;
    let r = attach_port(&h, &sid, &port).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let att = r.json()["interfaceAttachment"].clone();
    let mut keys: Vec<&str> = att
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["fixed_ips", "mac_addr", "net_id", "port_id", "port_state"]
    );
    assert_eq!(att["port_state"], "ACTIVE");

    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &format!("servers/{sid}/os-interface/{port}"),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(r.text, "");
    assert_eq!(
        r.header("openstack-api-version").as_deref(),
        Some("compute 2.1")
    );
    assert_eq!(
        r.header("x-openstack-nova-api-version").as_deref(),
        Some("2.1")
    );
    assert_eq!(
        r.header_all("vary"),
        ["OpenStack-API-Version", "X-OpenStack-Nova-API-Version"]
    );
    let rid = r.header("x-openstack-request-id").expect("rid");
    assert_eq!(r.header("x-compute-request-id"), Some(rid.clone()));
    // Not yet applied.
    let p = h
        .n(Role::Owner, Method::GET, &format!("ports/{port}"), None)
        .await;
    assert_eq!(p.json()["port"]["device_id"], sid.as_str());
    let a = wait_action_done(&h, &sid, &rid).await;
    assert_eq!(a["action"], "detach_interface");
    assert_eq!(a["message"], Value::Null);
    assert_eq!(a["events"][0]["event"], "compute_detach_interface");
    assert_eq!(a["events"][0]["result"], "Success");
    let p = h
        .n(Role::Owner, Method::GET, &format!("ports/{port}"), None)
        .await
        .json();
    assert_eq!(
        (
            p["port"]["device_id"].clone(),
            p["port"]["device_owner"].clone()
        ),
        (json!(""), json!(""))
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::GET,
        &format!("servers/{sid}/os-interface/{port}"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        fault(&r),
        (
            404,
            json!({"itemNotFound": {"code": 404,
        "message": format!("Instance {sid} does not have a port with id {port}")}})
        )
    );

    // Detaching it again is still 202, and fails in the action only.
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &format!("servers/{sid}/os-interface/{port}"),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 202);
    let rid = r.header("x-openstack-request-id").expect("rid");
    let a = wait_action_done(&h, &sid, &rid).await;
    // Regression (seen on real Nova 34): the event's result is written before the action's
    // message, so a client that stops polling at the event sees `message: null`.
    assert_eq!(
        (a["message"].clone(), a["events"][0]["result"].clone()),
        (json!(null), json!("Error"))
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let a = action(&h, Role::Owner, &sid, &rid, "compute 2.51").await;
    assert_eq!(
        (a["message"].clone(), a["events"][0]["result"].clone()),
        (json!("Error"), json!("Error"))
    );
    // Below 2.51 a non-admin sees no events key; an admin does.
    let a = action(&h, Role::Owner, &sid, &rid, "compute 2.1").await;
    assert!(a.get("events").is_none());
    let a = action(&h, Role::Admin, &sid, &rid, "compute 2.1").await;
    assert!(a["events"][0].get("traceback").is_some());
    let r = nova(
        &h,
        Role::Owner,
        Method::GET,
        &format!("servers/{sid}/os-instance-actions/req-nope"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        fault(&r),
        (
            404,
            json!({"itemNotFound": {"code": 404, "message": "Action req-nope not found"}})
        )
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::GET,
        &format!("servers/{sid}/os-instance-actions"),
        None,
        &[],
    )
    .await;
    assert_eq!(r.json()["instanceActions"][0]["request_id"], rid.as_str());

    // Random and non-UUID ports: 202 as well.
    for p in [RANDOM, "not-a-port"] {
        let r = nova(
            &h,
            Role::Owner,
            Method::DELETE,
            &format!("servers/{sid}/os-interface/{p}"),
            None,
            &[],
        )
        .await;
        assert_eq!(r.status, 202, "{p}");
    }
    h.shutdown().await;
}

#[tokio::test]
async fn nova_created_port_is_deleted_on_detach() {
    let h = Harness::start().await;
    let sid = server(&h).await;
    let r = nova(
        &h,
        Role::Owner,
        Method::POST,
        &format!("servers/{sid}/os-interface"),
        Some(json!({"interfaceAttachment": {"net_id": h.fact("network_id")}})),
        &[("OpenStack-API-Version", "compute 2.70")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["interfaceAttachment"]["tag"], Value::Null);
    let port = s(&r.json()["interfaceAttachment"]["port_id"]);
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &format!("servers/{sid}/os-interface/{port}"),
        None,
        &[],
    )
    .await;
    let rid = r.header("x-openstack-request-id").expect("rid");
    wait_action_done(&h, &sid, &rid).await;
    assert_eq!(
        h.n(Role::Owner, Method::GET, &format!("ports/{port}"), None)
            .await
            .status,
        404
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::GET,
        &format!("servers/{sid}/os-interface/{port}"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        r.json()["itemNotFound"]["message"],
        format!("Port id {port} could not be found.")
    );
    h.shutdown().await;
}

#[tokio::test]
async fn detach_error_codes_and_precedence() {
    let h = Harness::start().await;
    let sid = server(&h).await;
    let path = format!("servers/{sid}/os-interface/{RANDOM}");
    let owner_project = h
        .cloud
        .identity(Role::Owner)
        .expect("owner")
        .project_id
        .clone();
    let other_project = h
        .cloud
        .identity(Role::Other)
        .expect("other")
        .project_id
        .clone();

    // 401 without version headers, with both request ids.
    let r = h
        .send(Method::DELETE, &h.nova(&path), None, None, &[])
        .await;
    assert_eq!(r.status, 401);
    assert!(r.header("openstack-api-version").is_none());
    assert!(r.header("x-compute-request-id").is_some());
    // 404 server, non-UUID server, other project; admin passes.
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &format!("servers/{RANDOM}/os-interface/{RANDOM}"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        fault(&r),
        (
            404,
            json!({"itemNotFound": {"code": 404, "message": format!("Instance {RANDOM} could not be found.")}})
        )
    );
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json; charset=UTF-8")
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &format!("servers/abc/os-interface/{RANDOM}"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        r.json()["itemNotFound"]["message"],
        "Instance abc could not be found."
    );
    let r = nova(&h, Role::Other, Method::DELETE, &path, None, &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        nova(&h, Role::Admin, Method::DELETE, &path, None, &[])
            .await
            .status,
        202
    );
    // 403 reader.
    let r = nova(&h, Role::Reader, Method::DELETE, &path, None, &[]).await;
    assert_eq!(
        fault(&r),
        (
            403,
            json!({"forbidden": {"code": 403,
        "message": "Policy doesn't allow os_compute_api:os-attach-interfaces:delete to be performed."}})
        )
    );
    // 400/406 microversions.
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &path,
        None,
        &[("OpenStack-API-Version", "compute foo")],
    )
    .await;
    assert_eq!(
        fault(&r),
        (
            400,
            json!({"badRequest": {"code": 400,
        "message": "API Version String foo is of invalid format. Must be of format MajorNum.MinorNum."}})
        )
    );
    assert!(r.header("openstack-api-version").is_none());
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &format!("servers/{RANDOM}/os-interface/x"),
        None,
        &[("OpenStack-API-Version", "compute 9.99")],
    )
    .await;
    assert_eq!(
        fault(&r),
        (
            406,
            json!({"computeFault": {"code": 406,
        "message": "Version 9.99 is not supported by the API. Minimum is 2.1 and maximum is 2.104."}})
        )
    );
    assert_eq!(
        r.header("openstack-api-version").as_deref(),
        Some("compute 9.99")
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &path,
        None,
        &[("OpenStack-API-Version", "compute latest")],
    )
    .await;
    assert_eq!(
        r.header("openstack-api-version").as_deref(),
        Some("compute 2.104")
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &path,
        None,
        &[("X-OpenStack-Nova-API-Version", "2.60")],
    )
    .await;
    assert_eq!(
        r.header("x-openstack-nova-api-version").as_deref(),
        Some("2.60")
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &path,
        None,
        &[
            ("X-OpenStack-Nova-API-Version", "2.60"),
            ("OpenStack-API-Version", "compute 2.70"),
        ],
    )
    .await;
    assert_eq!(
        r.header("x-openstack-nova-api-version").as_deref(),
        Some("2.70")
    );
    // 415 even on DELETE and before the lookup; empty and text/plain count as absent.
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &format!("servers/{RANDOM}/os-interface/x"),
        None,
        &[("Content-Type", "application/xml")],
    )
    .await;
    assert_eq!(
        fault(&r),
        (
            415,
            json!({"badMediaType": {"code": 415, "message": "Unsupported Content-Type"}})
        )
    );
    let r = h
        .raw(
            Method::DELETE,
            &h.nova(&path),
            Some(Role::Owner),
            "not json",
            &[("Content-Type", "text/plain")],
        )
        .await;
    assert_eq!(r.status, 202);
    // URL project segment.
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &format!("{other_project}/{path}"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        fault(&r),
        (
            400,
            json!({"badRequest": {"code": 400, "message": format!(
        "Malformed request URL: URL's project_id '{other_project}' doesn't match Context's project_id '{owner_project}'")}})
        )
    );
    assert_eq!(
        nova(
            &h,
            Role::Owner,
            Method::DELETE,
            &format!("{owner_project}/{path}"),
            None,
            &[]
        )
        .await
        .status,
        202
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::DELETE,
        &format!("not-a-project/{path}"),
        None,
        &[],
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(r.header("openstack-api-version").is_none());
    // 413 before auth.
    let big = "x".repeat(114_689);
    let r = h
        .raw(
            Method::DELETE,
            &h.nova(&path),
            None,
            &big,
            &[("Accept", "")],
        )
        .await;
    assert_eq!(r.status, 413);
    assert!(
        r.text.starts_with("413 Request Entity Too Large"),
        "{}",
        r.text
    );
    assert!(r.header("x-compute-request-id").is_some());
    let exact = "x".repeat(114_688);
    assert_eq!(
        h.raw(
            Method::DELETE,
            &h.nova(&path),
            Some(Role::Owner),
            &exact,
            &[]
        )
        .await
        .status,
        202
    );

    // Lock: 409 for the owner, 403 for the reader (policy first), 202 for the admin.
    let action_path = format!("servers/{sid}/action");
    let act = |b: Value| nova(&h, Role::Owner, Method::POST, &action_path, Some(b), &[]);
    assert_eq!(act(json!({"lock": null})).await.status, 202);
    let r = nova(&h, Role::Owner, Method::DELETE, &path, None, &[]).await;
    assert_eq!(
        fault(&r),
        (
            409,
            json!({"conflictingRequest": {"code": 409, "message": format!("Instance {sid} is locked")}})
        )
    );
    assert_eq!(
        nova(&h, Role::Reader, Method::DELETE, &path, None, &[])
            .await
            .status,
        403
    );
    assert_eq!(
        nova(&h, Role::Admin, Method::DELETE, &path, None, &[])
            .await
            .status,
        202
    );
    let r = attach_port(&h, &sid, RANDOM).await;
    assert_eq!(r.status, 409);
    assert_eq!(act(json!({"unlock": null})).await.status, 202);
    // Suspended: 409 for everyone, admin included; paused passes.
    assert_eq!(act(json!({"suspend": null})).await.status, 202);
    wait_status(&h, &sid, "SUSPENDED").await;
    let r = nova(&h, Role::Admin, Method::DELETE, &path, None, &[]).await;
    assert_eq!(
        fault(&r),
        (
            409,
            json!({"conflictingRequest": {"code": 409,
        "message": format!("Cannot 'detach_interface' instance {sid} while it is in vm_state suspended")}})
        )
    );
    assert_eq!(act(json!({"resume": null})).await.status, 202);
    wait_status(&h, &sid, "ACTIVE").await;
    assert_eq!(act(json!({"pause": null})).await.status, 202);
    wait_status(&h, &sid, "PAUSED").await;
    assert_eq!(
        nova(&h, Role::Owner, Method::DELETE, &path, None, &[])
            .await
            .status,
        202
    );
    let r = act(json!({"frobnicate": null})).await;
    assert_eq!(
        r.json()["badRequest"]["message"],
        "There is no such action: frobnicate"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn route_misses_are_webob_pages() {
    let h = Harness::start().await;
    let sid = server(&h).await;
    let item = h.nova(&format!("servers/{sid}/os-interface/{RANDOM}"));
    let collection = h.nova(&format!("servers/{sid}/os-interface"));
    for (method, url) in [
        (Method::PUT, &item),
        (Method::POST, &item),
        (Method::PATCH, &item),
        (Method::DELETE, &collection),
    ] {
        // reqwest sends `Accept: */*` unless told otherwise; an empty Accept behaves like none.
        let r = h
            .raw(
                method.clone(),
                url,
                Some(Role::Owner),
                "",
                &[("Accept", "")],
            )
            .await;
        assert_eq!(r.status, 404, "{method}");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("text/plain; charset=UTF-8")
        );
        assert_eq!(
            r.text,
            "404 Not Found\n\nThe resource could not be found.\n\n   "
        );
        assert!(r.header("openstack-api-version").is_none() && r.header("vary").is_none());
        assert!(r.header("x-openstack-request-id").is_some());
    }
    let r = h
        .raw(
            Method::PUT,
            &item,
            Some(Role::Owner),
            "",
            &[("Accept", "*/*")],
        )
        .await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/html; charset=UTF-8")
    );
    assert_eq!(r.text.len(), 154);
    let r = h
        .raw(
            Method::PUT,
            &item,
            Some(Role::Owner),
            "",
            &[("Accept", "application/json")],
        )
        .await;
    assert_eq!(
        r.json(),
        json!({"message": "The resource could not be found.<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"})
    );
    // Without a token the 401 comes first.
    assert_eq!(h.raw(Method::PUT, &item, None, "", &[]).await.status, 401);
    // Version documents need no token.
    let r = h
        .send(
            Method::GET,
            &format!("{}/compute/", h.cloud.base_url()),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(r.json()["versions"][1]["version"], "2.104");
    assert!(r.header("x-openstack-request-id").is_none());
    let r = h
        .send(
            Method::GET,
            &format!("{}/compute/v2.1", h.cloud.base_url()),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(r.json()["version"]["min_version"], "2.1");
    assert_eq!(
        r.header("openstack-api-version").as_deref(),
        Some("compute 2.1")
    );
    h.shutdown().await;
}

#[tokio::test]
async fn attach_errors_and_server_lifecycle() {
    let h = Harness::start().await;
    let sid = server(&h).await;
    let r = attach_port(&h, &sid, RANDOM).await;
    assert_eq!(
        fault(&r),
        (
            404,
            json!({"itemNotFound": {"code": 404, "message": format!("Port id {RANDOM} could not be found.")}})
        )
    );
    let port = user_port(&h).await;
    assert_eq!(attach_port(&h, &sid, &port).await.status, 200);
    let sid2 = server(&h).await;
    let r = attach_port(&h, &sid2, &port).await;
    assert_eq!(
        fault(&r),
        (
            409,
            json!({"conflictingRequest": {"code": 409, "message": format!("Port {port} is still in use.")}})
        )
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::POST,
        &format!("servers/{sid}/os-interface"),
        Some(json!({"interfaceAttachment": {"port_id": port, "net_id": h.fact("network_id")}})),
        &[],
    )
    .await;
    assert_eq!(
        r.json()["badRequest"]["message"],
        "Must not input both network_id and port_id"
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::POST,
        &format!("servers/{sid}/os-interface"),
        Some(json!({"interfaceAttachment": {"port_id": port, "tag": "x"}})),
        &[],
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(s(&r.json()["badRequest"]["message"])
        .ends_with("Additional properties are not allowed ('tag' was unexpected)"));
    let r = nova(
        &h,
        Role::Reader,
        Method::POST,
        &format!("servers/{sid}/os-interface"),
        Some(json!({"interfaceAttachment": {"port_id": port}})),
        &[],
    )
    .await;
    assert_eq!(
        r.json()["forbidden"]["message"],
        "Policy doesn't allow os_compute_api:os-attach-interfaces:create to be performed."
    );
    let list = nova(
        &h,
        Role::Owner,
        Method::GET,
        &format!("servers/{sid}/os-interface"),
        None,
        &[],
    )
    .await
    .json();
    assert_eq!(
        list["interfaceAttachments"].as_array().map(Vec::len),
        Some(2)
    );
    // Server body shape across microversions.
    let r = nova(
        &h,
        Role::Owner,
        Method::GET,
        &format!("servers/{sid}"),
        None,
        &[],
    )
    .await
    .json();
    assert!(r["server"].get("locked").is_none());
    assert_eq!(r["server"]["OS-EXT-STS:vm_state"], "active");
    let r = nova(
        &h,
        Role::Owner,
        Method::GET,
        &format!("servers/{sid}"),
        None,
        &[("OpenStack-API-Version", "compute latest")],
    )
    .await
    .json();
    assert_eq!(r["server"]["locked"], false);
    assert!(r["server"]["flavor"].get("original_name").is_some());
    // Delete: Nova's port goes, the user port is unbound.
    let nova_port = s(&list["interfaceAttachments"]
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["port_id"] != port.as_str())
        .expect("nova port")["port_id"]);
    assert_eq!(
        nova(
            &h,
            Role::Owner,
            Method::DELETE,
            &format!("servers/{sid}"),
            None,
            &[]
        )
        .await
        .status,
        204
    );
    assert_eq!(
        nova(
            &h,
            Role::Owner,
            Method::GET,
            &format!("servers/{sid}"),
            None,
            &[]
        )
        .await
        .status,
        404
    );
    assert_eq!(
        h.n(
            Role::Owner,
            Method::GET,
            &format!("ports/{nova_port}"),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        h.n(Role::Owner, Method::GET, &format!("ports/{port}"), None)
            .await
            .json()["port"]["device_id"],
        ""
    );
    // Create errors.
    let r = nova(
        &h,
        Role::Owner,
        Method::POST,
        "servers",
        Some(json!({"server": {"name": "x", "imageRef": RANDOM, "flavorRef": "1"}})),
        &[],
    )
    .await;
    assert_eq!(
        r.json()["badRequest"]["message"],
        "Can not find requested image"
    );
    let r = nova(
        &h,
        Role::Owner,
        Method::POST,
        "servers",
        Some(json!({"server": {"name": "x", "imageRef": h.fact("image_id"), "flavorRef": "99"}})),
        &[],
    )
    .await;
    assert_eq!(
        r.json()["badRequest"]["message"],
        "Invalid flavorRef provided."
    );
    let r = nova(&h, Role::Reader, Method::POST, "servers", Some(json!({"server": {"name": "x", "imageRef": h.fact("image_id"), "flavorRef": "1", "networks": "none"}})), &[("OpenStack-API-Version", "compute 2.37")]).await;
    assert_eq!(r.status, 403);
    h.shutdown().await;
}
