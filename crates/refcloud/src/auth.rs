//! What keystonemiddleware does in front of Nova and Neutron: turn `X-Auth-Token` into a request context,
//! or answer its 401 (docs/CONTRACT.md §3.3).

use std::time::SystemTime;

use axum::http::StatusCode;
use serde_json::json;

use crate::app::App;
use crate::http::{JsonStyle, Reply, Req};
use crate::state::State;

#[derive(Debug, Clone)]
pub struct Context {
    pub user_id: String,
    pub project_id: Option<String>,
    pub roles: Vec<String>,
}

impl Context {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    pub fn is_admin(&self) -> bool {
        self.has_role("admin")
    }

    /// New-default policies: `project_member_or_admin` / `ADMIN_OR_PROJECT_MEMBER`.
    pub fn can_write(&self) -> bool {
        self.is_admin() || self.has_role("member")
    }

    /// `project_reader_or_admin`.
    pub fn can_read(&self) -> bool {
        self.can_write() || self.has_role("reader")
    }

    pub fn project(&self) -> &str {
        self.project_id.as_deref().unwrap_or("")
    }

    /// Project-scoped visibility: admins see every project.
    pub fn sees(&self, project_id: &str) -> bool {
        self.is_admin() || self.project_id.as_deref() == Some(project_id)
    }
}

pub fn www_authenticate(app: &App) -> String {
    format!("Keystone uri=\"{}/identity\"", app.base_url)
}

/// keystonemiddleware's rejection: same body for a missing, unknown or expired token.
pub fn unauthorized(app: &App) -> Reply {
    Reply::json(
        StatusCode::UNAUTHORIZED,
        &json!({"error": {"code": 401, "title": "Unauthorized",
            "message": "The request you have made requires authentication."}}),
        JsonStyle::Python,
    )
    .header("www-authenticate", www_authenticate(app))
}

pub fn context_for(state: &State, token_id: &str, now: SystemTime) -> Option<Context> {
    let token = state.tokens.get(token_id)?;
    if token.expires_at <= now {
        return None;
    }
    Some(Context {
        user_id: token.user_id.clone(),
        project_id: token.project_id.clone(),
        roles: token.roles.clone(),
    })
}

/// Validates the request's token against a state the caller already holds locked.
pub fn authenticate(app: &App, state: &State, req: &Req) -> Result<Context, Reply> {
    req.header("x-auth-token")
        .and_then(|t| context_for(state, t.trim(), SystemTime::now()))
        .ok_or_else(|| unauthorized(app))
}
