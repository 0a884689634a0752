//! Keystone behaviour of the reference cloud: discovery, auth methods, validation, expiry, request ids.

use std::time::Duration;

use crate::common::{fast_config, s, Harness};
use refcloud::{CloudConfig, Role};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn discovery_documents() {
    let h = Harness::start().await;
    let base = h.cloud.base_url();
    let r = h
        .send(Method::GET, &format!("{base}/identity"), None, None, &[])
        .await;
    assert_eq!(r.status, 300);
    assert_eq!(r.json()["versions"]["values"][0]["id"], "v3.14");
    let r = h
        .send(Method::GET, &h.cloud.auth_url(), None, None, &[])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["version"]["links"][0]["href"],
        format!("{base}/identity/v3/")
    );
    let r = h
        .send(Method::GET, &format!("{base}/nowhere"), None, None, &[])
        .await;
    assert_eq!(r.status, 404);
    h.shutdown().await;
}

#[tokio::test]
async fn password_token_has_catalog_and_roles() {
    let h = Harness::start().await;
    let owner = h.cloud.identity(Role::Owner).cloned().expect("owner");
    // By ids instead of names.
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": owner.user_id, "password": owner.password}}},
        "scope": {"project": {"id": owner.project_id}}}});
    let r = h
        .send(
            Method::POST,
            &format!("{}/auth/tokens", h.cloud.auth_url()),
            None,
            Some(body),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.json()["token"].clone();
    for key in [
        "methods",
        "user",
        "project",
        "roles",
        "catalog",
        "expires_at",
        "issued_at",
        "audit_ids",
        "is_domain",
    ] {
        assert!(token.get(key).is_some(), "token lacks {key}");
    }
    let types: Vec<String> = token["catalog"]
        .as_array()
        .expect("catalog")
        .iter()
        .map(|e| s(&e["type"]))
        .collect();
    assert_eq!(types, ["identity", "network", "compute", "image"]);
    let compute = &token["catalog"][2]["endpoints"];
    assert_eq!(compute[0]["interface"], "public");
    assert_eq!(compute[1]["interface"], "internal");
    assert_eq!(
        compute[0]["url"],
        format!("{}/compute/v2.1", h.cloud.base_url())
    );
    assert_eq!(compute[0]["region_id"], "RegionOne");
    let mut roles: Vec<String> = token["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .map(|r| s(&r["name"]))
        .collect();
    roles.sort();
    assert_eq!(roles, ["member", "reader"]);

    // Validation with X-Subject-Token.
    let subject = r.header("x-subject-token").expect("subject");
    let v = h
        .send(
            Method::GET,
            &format!("{}/auth/tokens", h.cloud.auth_url()),
            Some(h.token(Role::Reader)),
            None,
            &[("X-Subject-Token", &subject)],
        )
        .await;
    assert_eq!(v.status, 200);
    assert_eq!(v.json()["token"]["project"]["id"], owner.project_id);
    let v = h
        .send(
            Method::GET,
            &format!("{}/auth/tokens", h.cloud.auth_url()),
            Some(h.token(Role::Reader)),
            None,
            &[("X-Subject-Token", "nope")],
        )
        .await;
    assert_eq!(v.status, 404);
    h.shutdown().await;
}

#[tokio::test]
async fn bad_password_is_401_with_www_authenticate() {
    let h = Harness::start().await;
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "owner", "domain": {"name": "Default"}, "password": "wrong"}}}}});
    let r = h
        .send(
            Method::POST,
            &format!("{}/auth/tokens", h.cloud.auth_url()),
            None,
            Some(body),
            &[],
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], 401);
    assert!(r
        .header("www-authenticate")
        .expect("header")
        .starts_with("Keystone uri=\""));
    assert!(r
        .header("x-openstack-request-id")
        .expect("rid")
        .starts_with("req-"));
    h.shutdown().await;
}

#[tokio::test]
async fn token_method_rescopes_and_keeps_expiry() {
    let h = Harness::start().await;
    let owner = h.cloud.identity(Role::Owner).cloned().expect("owner");
    let body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": h.token(Role::Owner)}},
        "scope": {"project": {"id": owner.project_id}}}});
    let r = h
        .send(
            Method::POST,
            &format!("{}/auth/tokens", h.cloud.auth_url()),
            None,
            Some(body),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.json()["token"]["methods"]
        .as_array()
        .expect("methods")
        .contains(&json!("token")));
    // Another project than the user's is refused.
    let other = h.cloud.identity(Role::Other).cloned().expect("other");
    let body = json!({"auth": {"identity": {"methods": ["token"], "token": {"id": h.token(Role::Owner)}},
        "scope": {"project": {"id": other.project_id}}}});
    let r = h
        .send(
            Method::POST,
            &format!("{}/auth/tokens", h.cloud.auth_url()),
            None,
            Some(body),
            &[],
        )
        .await;
    assert_eq!(r.status, 401);
    h.shutdown().await;
}

#[tokio::test]
async fn application_credentials() {
    let h = Harness::start().await;
    let owner = h.cloud.identity(Role::Owner).cloned().expect("owner");
    let url = format!(
        "{}/users/{}/application_credentials",
        h.cloud.auth_url(),
        owner.user_id
    );
    let r = h
        .send(
            Method::POST,
            &url,
            Some(h.token(Role::Owner)),
            Some(json!({"application_credential": {"name": "ci"}})),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let cred = r.json()["application_credential"].clone();
    let (id, secret) = (s(&cred["id"]), s(&cred["secret"]));
    assert!(!secret.is_empty());
    assert_eq!(h.cloud.inventory().application_credentials.len(), 1);

    // Another user's URL is forbidden.
    let other = h.cloud.identity(Role::Other).cloned().expect("other");
    let r = h
        .send(
            Method::POST,
            &format!(
                "{}/users/{}/application_credentials",
                h.cloud.auth_url(),
                other.user_id
            ),
            Some(h.token(Role::Owner)),
            Some(json!({"application_credential": {"name": "x"}})),
            &[],
        )
        .await;
    assert_eq!(r.status, 403);

    let tokens = format!("{}/auth/tokens", h.cloud.auth_url());
    // By id + secret.
    let r = h
        .send(
            Method::POST,
            &tokens,
            None,
            Some(
                json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"id": id, "secret": secret}}}}),
            ),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json()["token"]["project"]["id"], owner.project_id);
    assert_eq!(r.json()["token"]["application_credential"]["id"], id);
    let app_token = r.header("x-subject-token").expect("token");
    let r = h
        .send(Method::GET, &h.net("networks"), Some(&app_token), None, &[])
        .await;
    assert_eq!(r.status, 200);
    // By name + user.
    let r = h
        .send(
            Method::POST,
            &tokens,
            None,
            Some(
                json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"name": "ci", "secret": secret,
                "user": {"name": "owner", "domain": {"id": "default"}}}}}}),
            ),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A scope is refused.
    let r = h
        .send(
            Method::POST,
            &tokens,
            None,
            Some(
                json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"id": id, "secret": secret}},
            "scope": {"project": {"id": owner.project_id}}}}),
            ),
            &[],
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(s(&r.json()["error"]["message"])
        .contains("Application credentials cannot request a scope."));
    // Wrong secret.
    let r = h
        .send(
            Method::POST,
            &tokens,
            None,
            Some(
                json!({"auth": {"identity": {"methods": ["application_credential"],
            "application_credential": {"id": id, "secret": "nope"}}}}),
            ),
            &[],
        )
        .await;
    assert_eq!(r.status, 401);
    // Deleting revokes its tokens.
    let r = h
        .send(
            Method::DELETE,
            &format!("{url}/{id}"),
            Some(h.token(Role::Owner)),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    let r = h
        .send(Method::GET, &h.net("networks"), Some(&app_token), None, &[])
        .await;
    assert_eq!(r.status, 401);
    h.shutdown().await;
}

#[tokio::test]
async fn expired_tokens_are_401_at_the_services() {
    let h = Harness::start_with(CloudConfig {
        token_ttl: Duration::from_millis(300),
        ..fast_config()
    })
    .await;
    let token = h.token(Role::Owner).to_string();
    let r = h
        .send(Method::GET, &h.net("networks"), Some(&token), None, &[])
        .await;
    assert_eq!(r.status, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    for url in [h.net("networks"), h.nova("servers")] {
        let r = h.send(Method::GET, &url, Some(&token), None, &[]).await;
        assert_eq!(r.status, 401, "{url}");
        assert_eq!(
            r.json(),
            json!({"error": {"code": 401, "title": "Unauthorized",
                "message": "The request you have made requires authentication."}})
        );
        assert!(r.header("www-authenticate").is_some());
    }
    h.shutdown().await;
}

#[tokio::test]
async fn clouds_yaml_and_facts() {
    let h = Harness::start_with(CloudConfig {
        seed: Some(7),
        ..fast_config()
    })
    .await;
    let yaml = h.cloud.clouds_yaml();
    for cloud in [
        "reference:",
        "reference-alt:",
        "reference-reader:",
        "reference-admin:",
    ] {
        assert!(yaml.contains(cloud), "{yaml}");
    }
    assert!(yaml.contains("identity_api_version: 3"));
    let facts = h.cloud.facts();
    for key in ["image_id", "flavor_id", "network_id", "region"] {
        assert!(facts.contains_key(key), "{key}");
    }
    let project_ids: Vec<&str> = h
        .cloud
        .identities()
        .iter()
        .map(|i| i.project_id.as_str())
        .collect();
    assert!(project_ids
        .iter()
        .all(|p| p.len() == 32 && p.bytes().all(|b| b.is_ascii_hexdigit())));
    // A seed makes identities repeatable.
    let again = refcloud::start(CloudConfig {
        seed: Some(7),
        ..fast_config()
    })
    .await
    .expect("start");
    assert_eq!(again.identities(), h.cloud.identities());
    again.shutdown().await;
    h.shutdown().await;
}

/// Regression: a 401 for a scope Keystone cannot find came without `WWW-Authenticate`.
#[tokio::test]
async fn unknown_scope_is_401_with_www_authenticate() {
    let h = Harness::start().await;
    let owner = h.cloud.identity(Role::Owner).cloned().expect("owner");
    let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": owner.user_id, "password": owner.password}}},
        "scope": {"project": {"name": "no-such-project", "domain": {"name": "Default"}}}}});
    let r = h
        .send(
            Method::POST,
            &format!("{}/auth/tokens", h.cloud.auth_url()),
            None,
            Some(body),
            &[],
        )
        .await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert!(r
        .header("www-authenticate")
        .expect("header")
        .starts_with("Keystone uri=\""));
    h.shutdown().await;
}

/// `GET /v3/auth/catalog` (Tempest's identity `test_catalog`): the catalog of the caller's
/// own project-scoped token; an unscoped token gets 403 (keystone/api/auth.py).
#[tokio::test]
async fn auth_catalog_is_the_tokens_catalog_and_needs_a_project_scope() {
    let h = Harness::start().await;
    let url = format!("{}/auth/catalog", h.cloud.auth_url());
    let token = h.token(Role::Owner).to_string();
    let r = h.send(Method::GET, &url, Some(&token), None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let validated = h
        .send(
            Method::GET,
            &format!("{}/auth/tokens", h.cloud.auth_url()),
            Some(&token),
            None,
            &[("X-Subject-Token", &token)],
        )
        .await
        .json();
    assert_eq!(r.json()["catalog"], validated["token"]["catalog"]);
    assert_eq!(r.json()["links"], json!({"self": url}));

    let owner = h.cloud.identity(Role::Owner).cloned().expect("owner");
    let unscoped = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": owner.user_id, "password": owner.password}}}}});
    let issued = h
        .send(
            Method::POST,
            &format!("{}/auth/tokens", h.cloud.auth_url()),
            None,
            Some(unscoped),
            &[],
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.text);
    let unscoped_token = issued.header("x-subject-token").unwrap();
    let r = h
        .send(Method::GET, &url, Some(&unscoped_token), None, &[])
        .await;
    assert_eq!(
        (r.status, r.json()["error"]["message"].clone()),
        (
            403,
            json!("A project-scoped token is required to produce a service catalog.")
        )
    );
    assert_eq!(h.send(Method::GET, &url, None, None, &[]).await.status, 401);
    h.shutdown().await;
}
