//! Quotas as Neutron 29 and Nova 34 enforce and report them (docs/CONTRACT.md §9): each
//! body here was observed on `targets/` first.

use crate::common::{fast_config, neutron_error, s, Harness, Resp};
use refcloud::{CloudConfig, Role};
use reqwest::Method;
use serde_json::{json, Value};

fn with_quotas(spec: &str) -> CloudConfig {
    CloudConfig {
        quotas: spec.parse().unwrap(),
        ..fast_config()
    }
}

async fn nova_at(
    h: &Harness,
    role: Role,
    method: Method,
    path: &str,
    version: &str,
    body: Option<Value>,
) -> Resp {
    let url = h.nova(path);
    let header = format!("compute {version}");
    h.send(
        method,
        &url,
        Some(h.token(role)),
        body,
        &[("OpenStack-API-Version", &header)],
    )
    .await
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test]
async fn neutron_refuses_the_create_over_quota_and_reports_limits_and_use() {
    let h = Harness::start_with(with_quotas("router=2")).await;
    let project = h.project(Role::Owner);
    for name in ["r1", "r2"] {
        h.router(name).await;
    }
    let r = h
        .n(
            Role::Owner,
            Method::POST,
            "routers",
            Some(json!({"router": {"name": "r3"}})),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert_eq!(
        r.text,
        r#"{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: ['router'].", "detail": ""}}"#
    );

    let shown = h
        .n(
            Role::Reader,
            Method::GET,
            &format!("quotas/{project}"),
            None,
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    let quota = &shown.json()["quota"];
    assert_eq!(
        keys(quota),
        [
            "network",
            "subnet",
            "subnetpool",
            "port",
            "router_route",
            "router",
            "floatingip",
            "rbac_policy",
            "security_group",
            "security_group_rule"
        ]
    );
    assert_eq!(
        (quota["router"].clone(), quota["network"].clone()),
        (json!(2), json!(100))
    );
    let details = h
        .n(
            Role::Owner,
            Method::GET,
            &format!("quotas/{project}/details"),
            None,
        )
        .await
        .json();
    assert_eq!(
        details["quota"]["router"],
        json!({"limit": 2, "used": 2, "reserved": 0})
    );
    let other = h
        .n(Role::Other, Method::GET, &format!("quotas/{project}"), None)
        .await;
    assert_eq!(
        (other.status, neutron_error(&other).1.as_str()),
        (403, "rule:get_quota is disallowed by policy")
    );
    let mine = h
        .n(Role::Owner, Method::GET, "quotas/project", None)
        .await
        .json();
    assert_eq!(mine, json!({"project": {"project_id": project}}));
    h.shutdown().await;
}

#[tokio::test]
async fn neutron_quota_updates_are_an_admins_and_checked_against_use() {
    let h = Harness::start().await;
    let project = h.project(Role::Owner);
    let path = format!("quotas/{project}");
    let put = |body: Value| {
        let path = path.clone();
        let h = &h;
        async move {
            h.n(
                Role::Admin,
                Method::PUT,
                &path,
                Some(json!({"quota": body})),
            )
            .await
        }
    };
    let r = h
        .n(
            Role::Owner,
            Method::PUT,
            &path,
            Some(json!({"quota": {"router": 2}})),
        )
        .await;
    assert_eq!(
        neutron_error(&r).1,
        "rule:update_quota is disallowed by policy"
    );
    assert_eq!(
        neutron_error(&put(json!({"router": "x"})).await).1,
        "Invalid input for operation: 'x' is not an integer."
    );
    assert_eq!(
        neutron_error(&put(json!({"router": -5})).await).1,
        "Invalid input for router. Reason: '-5' is too small - must be at least '-1'."
    );
    assert_eq!(
        neutron_error(&put(json!({"bogus": 1})).await).1,
        "Unrecognized attribute(s) 'bogus'"
    );
    h.router("r1").await;
    h.router("r2").await;
    assert_eq!(
        neutron_error(&put(json!({"router": 1})).await).1,
        "Quota limit 1 for router must be greater than or equal to already used 2"
    );
    let r = put(json!({"router": 2})).await;
    assert_eq!(
        (r.status, r.json()["quota"]["router"].clone()),
        (200, json!(2))
    );
    let listed = h.n(Role::Admin, Method::GET, "quotas", None).await.json();
    assert_eq!(listed["quotas"][0]["project_id"], json!(project));
    assert_eq!(
        h.n(Role::Admin, Method::DELETE, &path, None).await.status,
        204
    );
    let again = h.n(Role::Admin, Method::DELETE, &path, None).await;
    assert_eq!(
        (again.status, neutron_error(&again)),
        (
            404,
            (
                "TenantQuotaNotFound".into(),
                format!("Quota for project {project} could not be found.")
            )
        )
    );
    h.shutdown().await;
}

async fn boot(h: &Harness, name: &str) -> Resp {
    let body = json!({"server": {"name": name, "imageRef": h.fact("image_id"),
                                 "flavorRef": h.fact("flavor_id"), "networks": "none"}});
    nova_at(h, Role::Owner, Method::POST, "servers", "2.37", Some(body)).await
}

#[tokio::test]
async fn nova_refuses_the_boot_over_quota_and_reports_limits_and_use() {
    let h = Harness::start_with(with_quotas("instances=1")).await;
    let project = h.project(Role::Owner);
    assert_eq!(boot(&h, "one").await.status, 202);
    let r = boot(&h, "two").await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"forbidden": {"code": 403, "message": "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances"}})
    );
    let latest = nova_at(
        &h,
        Role::Owner,
        Method::GET,
        &format!("os-quota-sets/{project}"),
        "2.104",
        None,
    )
    .await;
    assert_eq!(
        keys(&latest.json()["quota_set"]),
        [
            "id",
            "cores",
            "instances",
            "key_pairs",
            "metadata_items",
            "ram",
            "server_group_members",
            "server_groups"
        ]
    );
    let old = nova_at(
        &h,
        Role::Owner,
        Method::GET,
        &format!("os-quota-sets/{project}"),
        "2.1",
        None,
    )
    .await;
    assert_eq!(keys(&old.json()["quota_set"]).len(), 15);
    let detail = nova_at(
        &h,
        Role::Owner,
        Method::GET,
        &format!("os-quota-sets/{project}/detail"),
        "2.104",
        None,
    )
    .await;
    assert_eq!(
        detail.json()["quota_set"]["instances"],
        json!({"limit": 1, "in_use": 1, "reserved": 0})
    );
    let limits = nova_at(&h, Role::Owner, Method::GET, "limits", "2.104", None)
        .await
        .json();
    assert_eq!(
        keys(&limits["limits"]["absolute"]),
        [
            "maxTotalCores",
            "maxTotalInstances",
            "maxTotalKeypairs",
            "maxServerMeta",
            "maxTotalRAMSize",
            "maxServerGroups",
            "maxServerGroupMembers",
            "totalRAMUsed",
            "totalCoresUsed",
            "totalInstancesUsed",
            "totalServerGroupsUsed"
        ]
    );
    assert_eq!(limits["limits"]["absolute"]["totalInstancesUsed"], json!(1));
    assert_eq!(limits["limits"]["rate"], json!([]));
    let other = nova_at(
        &h,
        Role::Other,
        Method::GET,
        &format!("os-quota-sets/{project}"),
        "2.104",
        None,
    )
    .await;
    assert_eq!(
        other.json()["forbidden"]["message"],
        json!("Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.")
    );
    h.shutdown().await;
}

#[tokio::test]
async fn nova_quota_updates_are_an_admins_and_checked_like_its_schema() {
    let h = Harness::start().await;
    let project = h.project(Role::Owner);
    let path = format!("os-quota-sets/{project}");
    let put = |role: Role, body: Value| {
        let (h, path) = (&h, path.clone());
        async move {
            nova_at(
                h,
                role,
                Method::PUT,
                &path,
                "2.104",
                Some(json!({"quota_set": body})),
            )
            .await
        }
    };
    let message = |r: &Resp| s(&r.json()["badRequest"]["message"]);
    let r = put(Role::Owner, json!({"instances": 3})).await;
    assert_eq!(
        r.json()["forbidden"]["message"],
        json!("Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.")
    );
    assert_eq!(
        message(&put(Role::Admin, json!({"bogus": 3})).await),
        "Invalid input for field/attribute quota_set. Value: {'bogus': 3}. Additional properties are not allowed ('bogus' was unexpected)"
    );
    assert_eq!(
        message(&put(Role::Admin, json!({"instances": "x"})).await),
        "Invalid input for field/attribute instances. Value: x. 'x' does not match '^-?[0-9]+$'"
    );
    assert_eq!(
        message(&put(Role::Admin, json!({"instances": -2})).await),
        "Invalid input for field/attribute instances. Value: -2. -2 is less than the minimum of -1"
    );
    assert_eq!(boot(&h, "one").await.status, 202);
    assert_eq!(boot(&h, "two").await.status, 202);
    assert_eq!(
        message(&put(Role::Admin, json!({"instances": 1})).await),
        "Quota limit 1 for instances must be greater than or equal to already used and reserved 2."
    );
    let r = put(Role::Admin, json!({"instances": 3})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.json()["quota_set"].get("id").is_none(),
        "an update's answer has no id"
    );
    assert_eq!(r.json()["quota_set"]["instances"], json!(3));
    let r = nova_at(&h, Role::Admin, Method::DELETE, &path, "2.104", None).await;
    assert_eq!((r.status, r.text.as_str()), (202, ""));
    let shown = nova_at(&h, Role::Owner, Method::GET, &path, "2.104", None).await;
    assert_eq!(shown.json()["quota_set"]["instances"], json!(10));
    h.shutdown().await;
}

/// Nova counts only instances that exist in a cell: a boot is a build request until the
/// conductor creates its instance and rechecks the quota (`_recheck_quota`). Two boots
/// accepted within that window both get 202; the later one then fails the recheck and
/// ends in ERROR with the quota fault, and counts until it is deleted.
#[tokio::test]
async fn a_boot_accepted_before_the_conductor_counted_the_other_fails_the_recheck() {
    let h = Harness::start_with(CloudConfig {
        server_schedule_delay: std::time::Duration::from_millis(300),
        ..with_quotas("instances=1")
    })
    .await;
    let project = h.project(Role::Owner);
    let one = boot(&h, "one").await;
    let two = boot(&h, "two").await;
    assert_eq!((one.status, two.status), (202, 202), "{}", two.text);
    let id = |r: &Resp| s(&r.json()["server"]["id"]);
    h.until_active(&id(&one)).await;
    let path = format!("servers/{}", id(&two));
    let mut refused = nova_at(&h, Role::Owner, Method::GET, &path, "2.37", None).await;
    for _ in 0..50 {
        if refused.json()["server"]["status"] != json!("BUILD") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        refused = nova_at(&h, Role::Owner, Method::GET, &path, "2.37", None).await;
    }
    let server = &refused.json()["server"];
    assert_eq!(server["status"], json!("ERROR"), "{}", refused.text);
    assert_eq!(server["OS-EXT-STS:vm_state"], json!("error"));
    assert_eq!(server["OS-EXT-STS:task_state"], Value::Null);
    assert_eq!(server["fault"]["code"], json!(413));
    assert_eq!(
        server["fault"]["message"],
        json!("Quota exceeded for instances: Requested 1, but already used 1 of 1 instances")
    );
    assert!(server["fault"]["created"].is_string(), "{}", refused.text);
    // The refused instance exists, so it is counted until deleted.
    let detail = format!("os-quota-sets/{project}/detail");
    let in_use = |r: Resp| r.json()["quota_set"]["instances"]["in_use"].clone();
    let usage = nova_at(&h, Role::Owner, Method::GET, &detail, "2.104", None).await;
    assert_eq!(in_use(usage), json!(2));
    let deleted = nova_at(
        &h,
        Role::Owner,
        Method::DELETE,
        &format!("servers/{}", id(&two)),
        "2.37",
        None,
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let usage = nova_at(&h, Role::Owner, Method::GET, &detail, "2.104", None).await;
    assert_eq!(in_use(usage), json!(1));
    // With the project full, the API refuses at once, as before.
    assert_eq!(boot(&h, "three").await.status, 403);
    h.shutdown().await;
}
