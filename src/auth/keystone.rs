use std::time::Duration;

use serde_json::{json, Value};

use super::catalog::Catalog;

/// How to ask Keystone for a project-scoped token.
#[derive(Debug, Clone)]
pub enum AuthMethod {
    Password {
        username: String,
        user_domain: String,
        password: String,
        project_name: Option<String>,
        project_id: Option<String>,
        project_domain: String,
    },
    ApplicationCredential {
        id: String,
        secret: String,
    },
    Token {
        token: String,
        project_id: String,
    },
}

#[derive(Debug, Clone)]
pub struct Token {
    /// The secret itself; never printed.
    pub id: String,
    pub project_id: Option<String>,
    pub user_id: Option<String>,
    pub catalog: Catalog,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("Keystone at {url} did not answer: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Keystone at {url} answered {status} to the log-in: {message}")]
    Refused {
        url: String,
        status: u16,
        message: String,
    },
    #[error("Keystone at {url} answered something unexpected: {reason}")]
    Malformed { url: String, reason: String },
}

fn request_body(method: &AuthMethod) -> Value {
    match method {
        AuthMethod::Password {
            username,
            user_domain,
            password,
            project_name,
            project_id,
            project_domain,
        } => {
            let project = match (project_id, project_name) {
                (Some(id), _) => json!({"id": id}),
                (None, name) => json!({"name": name, "domain": {"name": project_domain}}),
            };
            json!({"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": username, "domain": {"name": user_domain}, "password": password}}},
                "scope": {"project": project}}})
        }
        // Keystone refuses a scope with application credentials; they carry their own.
        AuthMethod::ApplicationCredential { id, secret } => json!({"auth": {"identity": {
            "methods": ["application_credential"],
            "application_credential": {"id": id, "secret": secret}}}}),
        AuthMethod::Token { token, project_id } => json!({"auth": {
            "identity": {"methods": ["token"], "token": {"id": token}},
            "scope": {"project": {"id": project_id}}}}),
    }
}

/// A token with a large catalog is a few hundred KiB; anything past this is not Keystone.
const MAX_TOKEN_BODY_BYTES: usize = 8 << 20;

/// `POST {auth_url}/v3/auth/tokens`; `auth_url` may or may not end in `/v3`. A
/// connection failure or a 503 is retried up to `retries` times, as setup is.
pub async fn authenticate(
    client: &reqwest::Client,
    auth_url: &str,
    method: &AuthMethod,
    timeout: Duration,
    retries: u32,
) -> Result<Token, AuthError> {
    let base = auth_url.trim_end_matches('/');
    let url = if base.ends_with("/v3") {
        format!("{base}/auth/tokens")
    } else {
        format!("{base}/v3/auth/tokens")
    };
    // Through the harness's one exchange path, so a hostile endpoint cannot make the login
    // buffer without bound. The request carries secrets: it is never displayed.
    let req = crate::http::HttpRequest {
        method: "POST".into(),
        url: url.clone(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Accept".into(), "application/json".into()),
        ],
        body: Some(request_body(method).to_string().into_bytes()),
    };
    let resp = crate::http::with_retries(retries, "Keystone log-in", || {
        crate::http::send(client, &req, timeout, MAX_TOKEN_BODY_BYTES)
    })
    .await
    .map_err(|e| AuthError::Unreachable {
        url: url.clone(),
        reason: format!("{e} (after {} attempts)", retries + 1),
    })?;
    let status = resp.status;
    let token = resp.header("x-subject-token");
    if status != 201 {
        // Keystone's own error, else what answered (a web server's 404 page, say).
        let keystone_says = resp
            .json()
            .ok()
            .and_then(|b| b["error"]["message"].as_str().map(String::from));
        let mut message = keystone_says.unwrap_or_else(|| resp.body_snippet(200));
        if status == 404 {
            message.push_str(" (no Keystone v3 here: auth_url must be Keystone's root or its /v3)");
        }
        return Err(AuthError::Refused {
            url,
            status,
            message,
        });
    }
    let body: &Value = resp.json().map_err(|e| AuthError::Malformed {
        url: url.clone(),
        reason: format!("{status} with {e}"),
    })?;
    let id = token.ok_or_else(|| AuthError::Malformed {
        url: url.clone(),
        reason: "no X-Subject-Token header".into(),
    })?;
    let t = &body["token"];
    // Which services the target offers comes from here: a catalog that cannot be read
    // must not turn into "the target offers no compute" and silent skips.
    let catalog = match t.get("catalog") {
        Some(c) => serde_json::from_value(c.clone()).map_err(|e| AuthError::Malformed {
            url: url.clone(),
            reason: format!("the token's catalog cannot be read: {e}"),
        })?,
        None => {
            return Err(AuthError::Malformed {
                url: url.clone(),
                reason: "the token has no catalog".into(),
            })
        }
    };
    Ok(Token {
        id,
        project_id: t["project"]["id"].as_str().map(String::from),
        user_id: t["user"]["id"].as_str().map(String::from),
        catalog,
    })
}
