//! One Nova API call as the controllers see it, and the policy checks they share.

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::Value;

use crate::app::App;
use crate::auth::Context;
use crate::http::Req;
use crate::nova::faults::{instance_not_found, locked, policy, NovaResult};
use crate::nova::microversion::Version;
use crate::state::{Server, State};

pub struct NCall<'a> {
    pub app: &'a Arc<App>,
    pub req: &'a Req,
    pub ctx: Context,
    pub version: Version,
    /// The project segment when the URL had one (links then carry it too).
    pub url_project: Option<String>,
    pub body: Option<Value>,
    pub now: SystemTime,
    /// A key pair generated before the state was locked, for a create that asks for one.
    pub new_key: Option<Result<(String, String), String>>,
}

impl NCall<'_> {
    /// `http://host/compute` (+ `/<project>` when the request used one), for links.
    pub fn link_prefix(&self, versioned: bool) -> String {
        let mut out = format!("{}/compute", self.app.base_url);
        if versioned {
            out.push_str("/v2.1");
        }
        if let Some(p) = &self.url_project {
            out.push('/');
            out.push_str(p);
        }
        out
    }

    /// Non-admin lookups are project-scoped, so another project's server is simply not found.
    pub fn server<'s>(&self, state: &'s State, id: &str) -> NovaResult<&'s Server> {
        state
            .server(id)
            .filter(|s| self.ctx.sees(&s.project_id))
            .ok_or_else(|| instance_not_found(id))
    }

    /// `project_reader_or_admin` on the server's project.
    pub fn can_read(&self, server: &Server, rule: &str) -> NovaResult<()> {
        if self.ctx.is_admin() || (self.ctx.can_read() && self.ctx.project() == server.project_id) {
            Ok(())
        } else {
            Err(policy(rule))
        }
    }

    /// `project_member_or_admin` on the server's project.
    pub fn can_write(&self, server: &Server, rule: &str) -> NovaResult<()> {
        if self.ctx.is_admin()
            || (self.ctx.has_role("member") && self.ctx.project() == server.project_id)
        {
            Ok(())
        } else {
            Err(policy(rule))
        }
    }

    /// `check_instance_lock`: admins bypass the lock.
    pub fn check_lock(&self, server: &Server) -> NovaResult<()> {
        if server.locked && !self.ctx.is_admin() {
            Err(locked(&server.id))
        } else {
            Ok(())
        }
    }
}
