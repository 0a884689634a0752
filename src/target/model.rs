use std::collections::{BTreeMap, BTreeSet};

use crate::case::{IdentityId, Needs, Role, Service};
use refcloud::RunningCloud;

/// One identity: its token, its project and the endpoints of its own catalog.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The clouds.yaml name it was logged in as, for messages.
    pub cloud: String,
    /// One client per identity, so connections are reused within it.
    pub client: reqwest::Client,
    pub token: Option<String>,
    pub project_id: Option<String>,
    pub user_id: Option<String>,
    /// Service roots (no version segment) by catalog type, from this identity's catalog
    /// and the cloud's `<type>_endpoint_override`s.
    pub endpoints: BTreeMap<Service, String>,
    /// Without Keystone and without overrides, `auth.endpoint` serves every service but
    /// identity (as keystoneauth has it).
    pub any_service: Option<String>,
}

impl Identity {
    /// The headers every request of this identity starts from: `Accept: application/json`
    /// (as keystoneauth sends) and its token, if it has one.
    pub fn base_headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
        if let Some(token) = &self.token {
            headers.push(("X-Auth-Token".to_string(), token.clone()));
        }
        headers
    }

    /// The `none` identity: no token, the owner's endpoints, a client of its own.
    pub fn anonymous(like: &Identity, client: reqwest::Client) -> Identity {
        Identity {
            cloud: like.cloud.clone(),
            client,
            token: None,
            project_id: None,
            user_id: None,
            endpoints: like.endpoints.clone(),
            any_service: like.any_service.clone(),
        }
    }

    /// The root of `service`'s endpoint, if this identity has one.
    pub fn root(&self, service: &Service) -> Option<&str> {
        self.endpoints.get(service).map(String::as_str).or_else(|| {
            (*service != Service::IDENTITY)
                .then_some(self.any_service.as_deref())
                .flatten()
        })
    }
}

/// What discovery found; `Err` holds what was observed instead (no such endpoint, a 404),
/// for the skip reason. What could not be found out is not here: it failed the run.
#[derive(Debug, Clone)]
pub struct Capabilities {
    /// Neutron extension aliases.
    pub network_extensions: Result<BTreeSet<String>, Lack>,
    /// Nova's highest microversion.
    pub compute_max_microversion: Result<(u32, u32), Lack>,
}

/// What the target was observed to lack, in words for a skip reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Lack(pub String);

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            network_extensions: Err(Lack("the target has no network endpoint".into())),
            compute_max_microversion: Err(Lack("the target has no compute endpoint".into())),
        }
    }
}

/// Why a request cannot be sent as an identity to a service.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EndpointError {
    #[error("this run has no {role} identity (give {flag})")]
    NoIdentity { role: Role, flag: &'static str },
    #[error("the {role} identity has no {service} endpoint")]
    NoEndpoint { role: Role, service: Service },
}

pub struct Target {
    pub name: String,
    pub identities: BTreeMap<Role, Identity>,
    pub facts: BTreeMap<String, String>,
    pub capabilities: Capabilities,
    /// The embedded reference cloud, kept alive for the run.
    pub cloud: Option<RunningCloud>,
}

impl Target {
    pub fn is_reference(&self) -> bool {
        self.cloud.is_some()
    }

    /// The identity acting as `role` and the root of its `service` endpoint: where every
    /// request of a case or a sweep starts.
    pub fn endpoint(
        &self,
        role: Role,
        service: &Service,
    ) -> Result<(&Identity, &str), EndpointError> {
        let identity = self
            .identities
            .get(&role)
            .ok_or(EndpointError::NoIdentity {
                role,
                flag: cloud_flag(role),
            })?;
        let root = identity
            .root(service)
            .ok_or_else(|| EndpointError::NoEndpoint {
                role,
                service: service.clone(),
            })?;
        Ok((identity, root))
    }

    /// Why this target cannot run a case with these needs, or `None` if it can.
    pub fn skip_reason(&self, needs: &Needs) -> Option<String> {
        for role in &needs.roles {
            if !self.identities.contains_key(role) {
                return Some(format!(
                    "needs the {role} identity; this run has none (give {})",
                    cloud_flag(*role)
                ));
            }
        }
        for (role, id) in &needs.identity_ids {
            let Some(identity) = self.identities.get(role) else {
                continue;
            };
            let known = match id {
                IdentityId::ProjectId => identity.project_id.is_some(),
                IdentityId::UserId => identity.user_id.is_some(),
            };
            if !known {
                let id = id.as_str();
                return Some(format!(
                    "needs the {role} identity's {id} (`${{{role}.{id}}}`), which cloud {:?} does not give: its log-in has no Keystone token to read it from, so add `stackconform: {{{id}: ...}}` to that cloud in clouds.yaml",
                    identity.cloud
                ));
            }
        }
        for service in &needs.services {
            let has = self.identities.values().any(|i| i.root(service).is_some());
            if !has {
                return Some(format!(
                    "needs the {service} service, which this target does not offer"
                ));
            }
        }
        if !needs.extensions.is_empty() {
            match &self.capabilities.network_extensions {
                Err(why) => {
                    return Some(format!(
                        "needs network extensions {:?}; {why}",
                        needs.extensions
                    ))
                }
                Ok(have) => {
                    let missing: Vec<&String> = needs.extensions.difference(have).collect();
                    if !missing.is_empty() {
                        return Some(format!(
                            "needs network extensions the target lacks: {missing:?}"
                        ));
                    }
                }
            }
        }
        let facts: Vec<&String> = needs
            .facts
            .iter()
            .filter(|f| !self.facts.contains_key(*f))
            .collect();
        if !facts.is_empty() {
            return Some(format!(
                "needs target facts {facts:?} (give them with --fact NAME=VALUE)"
            ));
        }
        if let Some((major, minor)) = needs.microversion {
            match &self.capabilities.compute_max_microversion {
                Ok(max) if *max >= (major, minor) => {}
                Ok((a, b)) => {
                    return Some(format!(
                    "needs compute microversion {major}.{minor}; the target's maximum is {a}.{b}"
                ))
                }
                Err(why) => {
                    return Some(format!("needs compute microversion {major}.{minor}; {why}"))
                }
            }
        }
        if needs.reference_cloud && !self.is_reference() {
            return Some("needs the reference cloud's fault injection".into());
        }
        None
    }
}

/// The flag that gives a run the identity acting as `role`.
fn cloud_flag(role: Role) -> &'static str {
    match role {
        Role::Other => "--alt-cloud",
        Role::Reader => "--reader-cloud",
        Role::Admin => "--admin-cloud",
        _ => "--cloud",
    }
}
