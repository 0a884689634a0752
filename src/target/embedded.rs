//! The default target: the reference cloud, started in this process on a loopback port.
use serde_json::Value;

use super::clouds::{target_from_clouds, CloudNames};
use super::model::Target;
use super::Connect;
use crate::error::Error;
use refcloud::{CloudConfig, Role};

/// Starts the reference cloud and logs its seeded identities in through the clouds.yaml
/// it writes, exactly as a real cloud's identities are (password auth via its Keystone).
pub async fn start_embedded(config: CloudConfig, c: &Connect) -> Result<Target, Error> {
    let cloud = refcloud::start(config)
        .await
        .map_err(|e| Error::Target(format!("cannot start the reference cloud: {e}")))?;
    let doc: Value = serde_saphyr::from_str(&cloud.clouds_yaml())
        .map_err(|e| Error::Target(format!("the reference cloud's clouds.yaml: {e}")))?;
    let name = |role: Role| {
        cloud
            .identity(role)
            .map(|i| i.cloud.clone())
            .ok_or_else(|| Error::Target(format!("the reference cloud seeded no {role:?}")))
    };
    let names = CloudNames {
        owner: name(Role::Owner)?,
        other: Some(name(Role::Other)?),
        reader: Some(name(Role::Reader)?),
        admin: Some(name(Role::Admin)?),
    };
    let mut target = target_from_clouds(&doc, "the reference cloud", &names, c).await?;
    target.name = "reference".into();
    target.facts = cloud.facts();
    target.cloud = Some(cloud);
    Ok(target)
}
