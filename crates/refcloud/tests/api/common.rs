//! Helpers shared by the reference-cloud integration tests: a started cloud, tokens per identity and a
//! small HTTP wrapper that keeps status, headers and body together.

use std::collections::HashMap;
use std::time::Duration;

use refcloud::{start, CloudConfig, Role, RunningCloud};
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::{json, Value};

pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }
}

pub struct Harness {
    pub cloud: RunningCloud,
    pub http: reqwest::Client,
    pub tokens: HashMap<Role, String>,
}

pub fn fast_config() -> CloudConfig {
    CloudConfig {
        server_build_delay: Duration::from_millis(20),
        detach_delay: Duration::from_millis(150),
        action_delay: Duration::from_millis(20),
        ..CloudConfig::default()
    }
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(fast_config()).await
    }

    pub async fn start_with(config: CloudConfig) -> Harness {
        let cloud = start(config).await.expect("cloud starts");
        let http = reqwest::Client::new();
        let mut h = Harness {
            cloud,
            http,
            tokens: HashMap::new(),
        };
        for role in Role::ALL {
            let token = h.password_token(role).await;
            h.tokens.insert(role, token);
        }
        h
    }

    pub async fn password_token(&self, role: Role) -> String {
        let id = self
            .cloud
            .identities()
            .iter()
            .find(|i| i.role == role)
            .expect("identity")
            .clone();
        let body = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": id.username, "domain": {"name": "Default"}, "password": id.password}}},
            "scope": {"project": {"name": id.project_name, "domain": {"id": "default"}}}}});
        let r = self
            .send(
                Method::POST,
                &format!("{}/auth/tokens", self.cloud.auth_url()),
                None,
                Some(body),
                &[],
            )
            .await;
        assert_eq!(r.status, 201, "token for {role:?}: {}", r.text);
        r.header("x-subject-token").expect("X-Subject-Token")
    }

    pub fn token(&self, role: Role) -> &str {
        &self.tokens[&role]
    }

    pub fn project(&self, role: Role) -> String {
        let identity = self.cloud.identity(role).expect("seeded identity");
        identity.project_id.clone()
    }

    pub fn cloud_user(&self, role: Role) -> String {
        self.cloud
            .identity(role)
            .expect("seeded identity")
            .user_id
            .clone()
    }

    pub fn fact(&self, key: &str) -> String {
        self.cloud.facts()[key].clone()
    }

    pub fn net(&self, path: &str) -> String {
        format!("{}/networking/v2.0/{path}", self.cloud.base_url())
    }

    pub fn nova(&self, path: &str) -> String {
        format!("{}/compute/v2.1/{path}", self.cloud.base_url())
    }

    pub async fn send(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.header("X-Auth-Token", t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        Resp {
            status,
            headers,
            text,
        }
    }

    pub async fn raw(
        &self,
        method: Method,
        url: &str,
        role: Option<Role>,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.http.request(method, url).body(body.to_string());
        if let Some(r) = role {
            req = req.header("X-Auth-Token", self.token(r));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        Resp {
            status,
            headers,
            text,
        }
    }

    /// Neutron call as a seeded identity.
    pub async fn n(&self, role: Role, method: Method, path: &str, body: Option<Value>) -> Resp {
        let url = self.net(path);
        self.send(method, &url, Some(self.token(role)), body, &[])
            .await
    }

    pub async fn create(
        &self,
        role: Role,
        collection: &str,
        resource: &str,
        attrs: Value,
    ) -> Value {
        let r = self
            .n(
                role,
                Method::POST,
                collection,
                Some(json!({ resource: attrs })),
            )
            .await;
        assert_eq!(r.status, 201, "create {resource}: {}", r.text);
        r.json()[resource].clone()
    }

    /// net + subnet (cidr) of the owner; returns (network_id, subnet_id).
    pub async fn network_with_subnet(&self, name: &str, cidr: &str) -> (String, String) {
        let net = self
            .create(Role::Owner, "networks", "network", json!({"name": name}))
            .await;
        let version = if cidr.contains(':') { 6 } else { 4 };
        let sub = self
            .create(
                Role::Owner,
                "subnets",
                "subnet",
                json!({"network_id": net["id"], "cidr": cidr, "ip_version": version}),
            )
            .await;
        (s(&net["id"]), s(&sub["id"]))
    }

    pub async fn router(&self, name: &str) -> String {
        let r = self
            .create(Role::Owner, "routers", "router", json!({"name": name}))
            .await;
        s(&r["id"])
    }

    /// Boots a server without networks as the owner; its id.
    pub async fn boot(&self, name: &str) -> String {
        let body = json!({"server": {"name": name, "imageRef": self.fact("image_id"),
            "flavorRef": self.fact("flavor_id"), "networks": "none"}});
        let r = self
            .send(
                Method::POST,
                &self.nova("servers"),
                Some(self.token(Role::Owner)),
                Some(body),
                &[("OpenStack-API-Version", "compute 2.37")],
            )
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
        s(&r.json()["server"]["id"])
    }

    /// Waits (up to 5 s) until the server is ACTIVE.
    pub async fn until_active(&self, id: &str) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            let r = self
                .send(
                    Method::GET,
                    &self.nova(&format!("servers/{id}")),
                    Some(self.token(Role::Owner)),
                    None,
                    &[],
                )
                .await;
            if r.json()["server"]["status"] == "ACTIVE" {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "server {id} not ACTIVE: {}",
                r.text
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub async fn shutdown(self) {
        self.cloud.shutdown().await;
    }
}

pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

pub fn neutron_error(r: &Resp) -> (String, String) {
    let v = r.json();
    (
        s(&v["NeutronError"]["type"]),
        s(&v["NeutronError"]["message"]),
    )
}
