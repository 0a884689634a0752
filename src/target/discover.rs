//! Asking the target what it supports, so cases it cannot serve are skipped, with the
//! reason observed. What could not be found out (no answer, a 5xx, a refused token, a
//! document that is not one) fails the run instead: guessing would turn into silent skips.
use std::collections::BTreeSet;

use serde_json::Value;

use super::model::{Capabilities, Identity, Lack};
use super::Connect;
use crate::case::parse_microversion;
use crate::case::Service;
use crate::http::{send, with_retries, HttpRequest};

/// Discovery documents are small (Neutron's extension list is tens of KiB). A target
/// that sends more must not make discovery buffer all of it before any case runs.
const MAX_DISCOVERY_BODY_BYTES: usize = 1 << 20;

/// What discovery could not find out; it fails the run (exit 3).
#[derive(Debug, thiserror::Error)]
#[error("could not read {what}: GET {url} {problem}")]
pub struct DiscoveryError {
    what: &'static str,
    url: String,
    /// What came back instead: a transport failure, a status, a document that is not one.
    problem: String,
}

/// What one discovery GET found.
enum Answer {
    Document(Value),
    /// The endpoint answered 404: it does not serve that document (observed).
    NotServed(Lack),
}

/// A GET through the harness's one exchange path (its timeout and body cap), repeated
/// after a connection failure or a 503 like a setup request.
async fn get_json(
    identity: &Identity,
    url: &str,
    what: &'static str,
    c: &Connect,
) -> Result<Answer, DiscoveryError> {
    let fail = |problem: String| DiscoveryError {
        what,
        url: url.to_string(),
        problem,
    };
    let req = HttpRequest {
        method: "GET".into(),
        url: url.to_string(),
        headers: identity.base_headers(),
        body: None,
    };
    let attempts = c.retries + 1;
    let resp = with_retries(c.retries, what, || {
        send(&identity.client, &req, c.timeout, MAX_DISCOVERY_BODY_BYTES)
    })
    .await
    .map_err(|e| fail(format!("failed: {e} (after {attempts} attempts)")))?;
    match resp.status {
        200..=299 => resp
            .json()
            .cloned()
            .map(Answer::Document)
            .map_err(|e| fail(format!("answered {} with {e}", resp.status))),
        404 => Ok(Answer::NotServed(Lack(format!(
            "GET {url} answered 404: the endpoint does not serve {what}"
        )))),
        status => Err(fail(format!(
            "answered {status}{}: {}",
            if status == 503 {
                format!(" (after {attempts} attempts)")
            } else {
                String::new()
            },
            resp.body_snippet(200)
        ))),
    }
}

/// Lists Neutron's extensions and Nova's microversion range, as `identity` sees them.
/// Both documents are asked for at once.
pub async fn discover(identity: &Identity, c: &Connect) -> Result<Capabilities, DiscoveryError> {
    let (network, compute) =
        futures_util::future::join(network(identity, c), compute(identity, c)).await;
    Ok(Capabilities {
        network_extensions: network?,
        compute_max_microversion: compute?,
    })
}

type Found<T> = Result<T, Lack>;

async fn network(
    identity: &Identity,
    c: &Connect,
) -> Result<Found<BTreeSet<String>>, DiscoveryError> {
    let mut found = Capabilities::default().network_extensions;
    if let Some(root) = identity.root(&Service::NETWORK) {
        let what = "the network extension list";
        let url = format!("{root}/v2.0/extensions");
        found = match get_json(identity, &url, what, c).await? {
            Answer::NotServed(lack) => Err(lack),
            Answer::Document(d) => match d["extensions"].as_array() {
                Some(exts) => Ok(exts
                    .iter()
                    .filter_map(|e| e["alias"].as_str().map(String::from))
                    .collect::<BTreeSet<_>>()),
                None => {
                    return Err(DiscoveryError {
                        what,
                        url,
                        problem: "answered a document without an `extensions` list".into(),
                    })
                }
            },
        };
    }
    Ok(found)
}

async fn compute(identity: &Identity, c: &Connect) -> Result<Found<(u32, u32)>, DiscoveryError> {
    let mut found = Capabilities::default().compute_max_microversion;
    if let Some(root) = identity.root(&Service::COMPUTE) {
        let what = "the compute version document";
        let url = format!("{root}/v2.1/");
        let unreadable = |problem: String| DiscoveryError {
            what,
            url: url.clone(),
            problem,
        };
        found = match get_json(identity, &url, what, c).await? {
            Answer::NotServed(lack) => Err(lack),
            Answer::Document(d) => match d["version"]["version"].as_str() {
                // Nova before microversions (Kilo) reports an empty maximum.
                Some("") => Err(Lack(format!("GET {url} reports no microversions"))),
                Some(v) => Ok(parse_microversion(v).ok_or_else(|| {
                    unreadable(format!("answered version {v:?}, which is not MAJOR.MINOR"))
                })?),
                None => {
                    return Err(unreadable(
                        "answered a document without `version.version`".into(),
                    ))
                }
            },
        };
    }
    Ok(found)
}
