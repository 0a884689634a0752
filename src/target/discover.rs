//! Asking the target what it supports, so cases it cannot serve are skipped.
use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use super::model::{Capabilities, Identity};
use crate::case::parse_microversion;
use crate::case::Service;
use crate::http::{send, HttpRequest};

/// Discovery documents are small (Neutron's extension list is tens of KiB). A target
/// that sends more must not make discovery buffer all of it before any case runs.
const MAX_DISCOVERY_BODY_BYTES: usize = 1 << 20;

/// A GET through the harness's one exchange path: its timeout and its body cap.
async fn get_json(identity: &Identity, url: &str, timeout: Duration) -> Option<Value> {
    let req = HttpRequest {
        method: "GET".into(),
        url: url.to_string(),
        headers: identity.base_headers(),
        body: None,
    };
    let resp = send(&identity.client, &req, timeout, MAX_DISCOVERY_BODY_BYTES)
        .await
        .ok()?;
    if !(200..300).contains(&resp.status) {
        return None;
    }
    resp.json().ok().cloned()
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
