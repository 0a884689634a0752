//! Neutron's default (new) policies, reduced to what the reference cloud serves: readers read, members and
//! admins write, non-admins see only their project plus shared and external networks.

use crate::auth::Context;
use crate::neutron::errors::{policy, policy_expr, NResult};
use crate::state::{FloatingIp, Network, Port, Router, State, Subnet};

pub fn network_visible(ctx: &Context, state: &State, n: &Network) -> bool {
    ctx.sees(&n.project_id) || n.external || is_shared_with(ctx, state, n)
}

/// Shared with everyone, or with the caller's project by an RBAC policy.
pub fn is_shared_with(ctx: &Context, state: &State, n: &Network) -> bool {
    n.shared || state.shared_by_rbac(&n.id, ctx.project())
}

pub fn subnet_visible(ctx: &Context, state: &State, s: &Subnet) -> bool {
    ctx.sees(&s.project_id)
        || state
            .network(&s.network_id)
            .is_some_and(|n| is_shared_with(ctx, state, n))
}

pub fn port_visible(ctx: &Context, state: &State, p: &Port) -> bool {
    // `rule:network_owner`: the owner of a network also sees the ports on it.
    ctx.sees(&p.project_id)
        || (!p.project_id.is_empty()
            && state
                .network(&p.network_id)
                .is_some_and(|n| ctx.sees(&n.project_id) && !n.external))
}

pub fn router_visible(ctx: &Context, r: &Router) -> bool {
    ctx.sees(&r.project_id)
}

pub fn floatingip_visible(ctx: &Context, f: &FloatingIp) -> bool {
    ctx.sees(&f.project_id)
}

/// A write by a member of the owning project or an admin; anyone else who can see the resource gets 403.
pub fn require_write(ctx: &Context, owner_project: &str, action: &str) -> NResult<()> {
    if ctx.is_admin() || (ctx.has_role("member") && ctx.project() == owner_project) {
        Ok(())
    } else {
        Err(policy(action))
    }
}

pub fn require_admin(ctx: &Context, action: &str) -> NResult<()> {
    if ctx.is_admin() {
        Ok(())
    } else {
        Err(policy(action))
    }
}

/// Router actions are checked together with the router's admin-only attributes, and oslo.policy reports
/// the whole conjunction [obs]: `(((rule:X and rule:X:ha) and rule:X:flavor_id) and rule:X:distributed)`.
pub fn require_router_write(ctx: &Context, owner_project: &str, action: &str) -> NResult<()> {
    require_write(ctx, owner_project, action).map_err(|_| {
        policy_expr(&format!(
            "(((rule:{action} and rule:{action}:ha) and rule:{action}:flavor_id) and rule:{action}:distributed)"
        ))
    })
}
