//! Asking the target what it supports, so cases it cannot serve are skipped.
use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use super::model::{Capabilities, Identity};
use crate::case::parse_microversion;
use crate::case::Service;

async fn get_json(identity: &Identity, url: &str, timeout: Duration) -> Option<Value> {
    let mut req = identity
        .client
        .get(url)
        .timeout(timeout)
        .header("Accept", "application/json");
    if let Some(token) = &identity.token {
        req = req.header("X-Auth-Token", token);
    }
    let resp = req.send().await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    resp.json().await.ok()
}

/// Lists Neutron's extensions and Nova's microversion range, as `identity` sees them.
pub async fn discover(identity: &Identity, timeout: Duration) -> Capabilities {
    let mut caps = Capabilities::default();
    if let Some(root) = identity.endpoints.get(&Service::Network) {
        let doc = get_json(identity, &format!("{root}/v2.0/extensions"), timeout).await;
        caps.network_extensions = doc.and_then(|d| {
            d["extensions"].as_array().map(|exts| {
                exts.iter()
                    .filter_map(|e| e["alias"].as_str().map(String::from))
                    .collect::<BTreeSet<_>>()
            })
        });
    }
    if let Some(root) = identity.endpoints.get(&Service::Compute) {
        let doc = get_json(identity, &format!("{root}/v2.1/"), timeout).await;
        caps.compute_max_microversion = doc
            .as_ref()
            .and_then(|d| d["version"]["version"].as_str())
            .and_then(parse_microversion);
    }
    caps
}
