//! The default target: the reference cloud, started in this process on a loopback port.
use std::collections::BTreeMap;
use std::time::Duration;

use super::discover::discover;
use super::model::{Identity, Target};
use crate::auth::{authenticate, endpoint_root, AuthMethod};
use crate::case::{Role, Service};
use crate::cloud::{self, CloudConfig};
use crate::error::Error;

fn role_of(r: cloud::Role) -> Role {
    match r {
        cloud::Role::Owner => Role::Owner,
        cloud::Role::Other => Role::Other,
        cloud::Role::Reader => Role::Reader,
        cloud::Role::Admin => Role::Admin,
    }
}

/// Starts the reference cloud and logs every seeded identity in through its Keystone,
/// the same way a real cloud is used.
pub async fn start_embedded(config: CloudConfig, timeout: Duration) -> Result<Target, Error> {
    let cloud = cloud::start(config)
        .await
        .map_err(|e| Error::Target(format!("cannot start the reference cloud: {e}")))?;
    let mut identities = BTreeMap::new();
    for seeded in cloud.identities() {
        let client = crate::runner::http_client(false, None)?;
        let method = AuthMethod::Password {
            username: seeded.username.clone(),
            user_domain: seeded.domain.clone(),
            password: seeded.password.clone(),
            project_name: Some(seeded.project_name.clone()),
            project_id: None,
            project_domain: seeded.domain.clone(),
        };
        let token = authenticate(&client, &cloud.auth_url(), &method, timeout)
            .await
            .map_err(|e| Error::Target(e.to_string()))?;
        let endpoints = [Service::Compute, Service::Network, Service::Identity]
            .into_iter()
            .filter_map(|s| {
                token
                    .catalog
                    .url(s, "public", None)
                    .map(|u| (s, endpoint_root(s, &u)))
            })
            .collect();
        identities.insert(
            role_of(seeded.role),
            Identity {
                client,
                token: Some(token.id),
                project_id: token.project_id,
                user_id: token.user_id,
                endpoints,
            },
        );
    }
    let owner = identities
        .get(&Role::Owner)
        .cloned()
        .ok_or_else(|| Error::Target("the reference cloud seeded no owner".into()))?;
    identities.insert(
        Role::None,
        Identity {
            client: crate::runner::http_client(false, None)?,
            token: None,
            project_id: None,
            user_id: None,
            endpoints: owner.endpoints.clone(),
        },
    );
    let capabilities = discover(&owner, timeout).await;
    Ok(Target {
        name: "reference".into(),
        facts: cloud.facts(),
        identities,
        capabilities,
        cloud: Some(cloud),
    })
}
