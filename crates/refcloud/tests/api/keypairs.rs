//! `/os-keypairs` (issue #16: Tempest's compute tests create one for each validation
//! server). Every body and status here was first observed on real Nova 34 (`targets/nova`),
//! the same requests side by side with the reference cloud (docs/CONTRACT.md §9.3).
use crate::common::{s, Harness, Resp};
use refcloud::Role;
use reqwest::Method;
use serde_json::{json, Value};

/// A key `ssh-keygen -t ed25519` made, and what `ssh-keygen -E md5 -l` says of it.
const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKH/4B7Ub+4d6v2dJJJuyyGWFzP27vxowPZwPpPFznNS comment";
const KEY_MD5: &str = "9f:28:c5:e6:39:45:ab:cc:1b:67:20:e2:f6:a1:fe:b2";

async fn kp(
    h: &Harness,
    role: Role,
    method: Method,
    path: &str,
    body: Option<Value>,
    mv: &str,
) -> Resp {
    let url = h.nova(path);
    let version = format!("compute {mv}");
    h.send(
        method,
        &url,
        Some(h.token(role)),
        body,
        &[("OpenStack-API-Version", &version)],
    )
    .await
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn message(r: &Resp, fault: &str) -> String {
    s(&r.json()[fault]["message"])
}

#[tokio::test]
async fn create_generates_an_rsa_key_and_answers_as_the_microversion_says() {
    let h = Harness::start().await;
    let r = kp(
        &h,
        Role::Owner,
        Method::POST,
        "os-keypairs",
        Some(json!({"keypair": {"name": "k1"}})),
        "2.1",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let k = &r.json()["keypair"];
    assert_eq!(
        keys(k),
        [
            "private_key",
            "name",
            "public_key",
            "fingerprint",
            "user_id"
        ]
    );
    assert!(s(&k["private_key"]).starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
    assert!(s(&k["public_key"]).starts_with("ssh-rsa AAAAB3NzaC1yc2E"));
    assert!(s(&k["public_key"]).ends_with(" Generated-by-Nova"));
    assert_eq!(s(&k["fingerprint"]).len(), 47);

    let r = kp(
        &h,
        Role::Owner,
        Method::POST,
        "os-keypairs",
        Some(json!({"keypair": {"name": "k2"}})),
        "2.2",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        keys(&r.json()["keypair"]),
        [
            "private_key",
            "type",
            "name",
            "public_key",
            "fingerprint",
            "user_id"
        ]
    );

    // From 2.92 nothing is generated: the public key is required.
    let r = kp(
        &h,
        Role::Owner,
        Method::POST,
        "os-keypairs",
        Some(json!({"keypair": {"name": "gen"}})),
        "2.92",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        message(&r, "badRequest"),
        "Invalid input for field/attribute keypair. Value: {'name': 'gen'}. 'public_key' is a required property"
    );
    let r = kp(
        &h,
        Role::Owner,
        Method::POST,
        "os-keypairs",
        Some(json!({"keypair": {"name": "k1"}})),
        "2.1",
    )
    .await;
    assert_eq!(
        (r.status, message(&r, "conflictingRequest")),
        (409, "Key pair 'k1' already exists.".into())
    );
    h.shutdown().await;
}

#[tokio::test]
async fn an_imported_key_gets_its_md5_fingerprint_and_a_bad_one_is_refused() {
    let h = Harness::start().await;
    let body = json!({"keypair": {"name": "mine", "public_key": KEY}});
    let r = kp(
        &h,
        Role::Owner,
        Method::POST,
        "os-keypairs",
        Some(body),
        "2.92",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let k = &r.json()["keypair"];
    assert_eq!(
        keys(k),
        ["type", "name", "public_key", "fingerprint", "user_id"]
    );
    assert_eq!(
        (s(&k["fingerprint"]), s(&k["public_key"])),
        (KEY_MD5.to_string(), KEY.to_string())
    );
    let body = json!({"keypair": {"name": "bad", "public_key": "ssh-rsa garbage"}});
    let r = kp(
        &h,
        Role::Owner,
        Method::POST,
        "os-keypairs",
        Some(body),
        "2.1",
    )
    .await;
    assert_eq!(
        (r.status, message(&r, "badRequest")),
        (
            400,
            "Keypair data is invalid: failed to generate fingerprint".into()
        )
    );
    h.shutdown().await;
}

#[tokio::test]
async fn names_and_bodies_are_validated_with_novas_messages() {
    let h = Harness::start().await;
    let cases: [(Value, &str, &str); 8] = [
        (json!({"keypair": {"name": "bad!"}}), "2.1", r"Invalid input for field/attribute name. Value: bad!. 'bad!' does not match '^[_\\- a-zA-Z0-9]+$'"),
        (json!({"keypair": {"name": "a.b"}}), "2.1", r"Invalid input for field/attribute name. Value: a.b. 'a.b' does not match '^[_\\- a-zA-Z0-9]+$'"),
        (json!({"keypair": {"name": " lead"}}), "2.1", "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace."),
        (json!({"keypair": {"name": ""}}), "2.1", "Invalid input for field/attribute name. Value: . '' should be non-empty"),
        (json!({"keypair": {"name": "x", "extra": 1}}), "2.1", "Invalid input for field/attribute keypair. Value: {'name': 'x', 'extra': 1}. Additional properties are not allowed ('extra' was unexpected)"),
        (json!({"kp": {}}), "2.1", "'keypair' is a required property"),
        (json!({"keypair": "x"}), "2.1", "Invalid input for field/attribute keypair. Value: x. 'x' is not of type 'object'"),
        (json!({"keypair": {"name": "t", "type": "foo"}}), "2.2", "Invalid input for field/attribute type. Value: foo. 'foo' is not one of ['ssh', 'x509']"),
    ];
    for (body, mv, expected) in cases {
        let r = kp(
            &h,
            Role::Owner,
            Method::POST,
            "os-keypairs",
            Some(body.clone()),
            mv,
        )
        .await;
        assert_eq!(
            (r.status, message(&r, "badRequest")),
            (400, expected.to_string()),
            "{body}"
        );
    }
    // 2.92 allows `@` and `.` in names.
    let body = json!({"keypair": {"name": "me@host.x", "public_key": KEY}});
    let r = kp(
        &h,
        Role::Owner,
        Method::POST,
        "os-keypairs",
        Some(body),
        "2.92",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    h.shutdown().await;
}

#[tokio::test]
async fn show_list_and_delete_are_per_user() {
    let h = Harness::start().await;
    for name in ["b", "a", "c"] {
        let body = json!({"keypair": {"name": name, "public_key": KEY}});
        let r = kp(
            &h,
            Role::Owner,
            Method::POST,
            "os-keypairs",
            Some(body),
            "2.1",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = kp(&h, Role::Owner, Method::GET, "os-keypairs/a", None, "2.2").await;
    assert_eq!(r.status, 200);
    let k = &r.json()["keypair"];
    assert_eq!(
        keys(k),
        [
            "name",
            "public_key",
            "fingerprint",
            "user_id",
            "created_at",
            "deleted",
            "deleted_at",
            "id",
            "updated_at",
            "type"
        ]
    );
    assert_eq!(
        (k["deleted"].clone(), k["updated_at"].clone()),
        (json!(false), Value::Null)
    );
    assert!(k["id"].is_i64());

    // Sorted by name; pages from 2.35, with a link to the next one when a page is full.
    let r = kp(
        &h,
        Role::Owner,
        Method::GET,
        "os-keypairs?limit=2",
        None,
        "2.35",
    )
    .await;
    let names: Vec<String> = r.json()["keypairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| s(&k["keypair"]["name"]))
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert!(s(&r.json()["keypairs_links"][0]["href"]).ends_with("/os-keypairs?limit=2&marker=b"));
    let r = kp(
        &h,
        Role::Owner,
        Method::GET,
        "os-keypairs?marker=zzz",
        None,
        "2.35",
    )
    .await;
    assert_eq!(
        (r.status, message(&r, "badRequest")),
        (400, "Marker zzz could not be found.".into())
    );
    let r = kp(
        &h,
        Role::Owner,
        Method::GET,
        "os-keypairs?limit=-1",
        None,
        "2.35",
    )
    .await;
    assert_eq!(
        message(&r, "badRequest"),
        "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'"
    );
    let r = kp(
        &h,
        Role::Owner,
        Method::GET,
        "os-keypairs?foo=1",
        None,
        "2.75",
    )
    .await;
    assert_eq!(
        message(&r, "badRequest"),
        "Additional properties are not allowed ('foo' was unexpected)"
    );

    // Another user sees none of them; only an admin may ask for another user's (2.10).
    let other = kp(&h, Role::Other, Method::GET, "os-keypairs/a", None, "2.1").await;
    assert_eq!(other.status, 404);
    assert!(message(&other, "itemNotFound").starts_with("Keypair a not found for user "));
    let owner = h.cloud_user(Role::Owner);
    let r = kp(
        &h,
        Role::Other,
        Method::GET,
        &format!("os-keypairs?user_id={owner}"),
        None,
        "2.10",
    )
    .await;
    assert_eq!(
        (r.status, message(&r, "forbidden")),
        (
            403,
            "Policy doesn't allow os_compute_api:os-keypairs:index to be performed.".into()
        )
    );
    let r = kp(
        &h,
        Role::Admin,
        Method::GET,
        &format!("os-keypairs?user_id={owner}"),
        None,
        "2.10",
    )
    .await;
    assert_eq!(
        r.json()["keypairs"].as_array().unwrap().len(),
        3,
        "{}",
        r.text
    );

    let r = kp(
        &h,
        Role::Owner,
        Method::DELETE,
        "os-keypairs/a",
        None,
        "2.1",
    )
    .await;
    assert_eq!((r.status, r.text.as_str()), (202, ""));
    let r = kp(
        &h,
        Role::Owner,
        Method::DELETE,
        "os-keypairs/b",
        None,
        "2.2",
    )
    .await;
    assert_eq!(r.status, 204);
    let r = kp(
        &h,
        Role::Owner,
        Method::DELETE,
        "os-keypairs/b",
        None,
        "2.2",
    )
    .await;
    assert_eq!(r.status, 404);
    // A reader manages its own key pairs (the policy is the user's, not a role's).
    let body = json!({"keypair": {"name": "r", "public_key": KEY}});
    let r = kp(
        &h,
        Role::Reader,
        Method::POST,
        "os-keypairs",
        Some(body),
        "2.1",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    h.shutdown().await;
}

#[tokio::test]
async fn a_boot_names_its_key_pair_and_an_unknown_one_is_refused() {
    let h = Harness::start().await;
    let body = json!({"keypair": {"name": "boot-key", "public_key": KEY}});
    let r = kp(
        &h,
        Role::Owner,
        Method::POST,
        "os-keypairs",
        Some(body),
        "2.1",
    )
    .await;
    assert_eq!(r.status, 200);
    let boot = |key: &str| {
        json!({"server": {"name": "s", "imageRef": h.fact("image_id"), "flavorRef": h.fact("flavor_id"),
            "networks": "none", "key_name": key}})
    };
    let r = kp(
        &h,
        Role::Owner,
        Method::POST,
        "servers",
        Some(boot("nope")),
        "2.37",
    )
    .await;
    assert_eq!(
        (r.status, message(&r, "badRequest")),
        (400, "Invalid key_name provided.".into())
    );
    let r = kp(
        &h,
        Role::Owner,
        Method::POST,
        "servers",
        Some(boot("boot-key")),
        "2.37",
    )
    .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let id = s(&r.json()["server"]["id"]);
    let r = kp(
        &h,
        Role::Owner,
        Method::GET,
        &format!("servers/{id}"),
        None,
        "2.37",
    )
    .await;
    assert_eq!(r.json()["server"]["key_name"], "boot-key");
    h.shutdown().await;
}
