use serde::Deserialize;

use crate::case::Service;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Catalog(pub Vec<CatalogEntry>);

#[derive(Debug, Clone, Deserialize)]
pub struct CatalogEntry {
    #[serde(rename = "type")]
    pub service_type: String,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Endpoint {
    pub interface: String,
    #[serde(default)]
    pub region_id: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    pub url: String,
}

impl Catalog {
    /// Picks by service type, then interface, then region (as gophercloud and keystoneauth do).
    pub fn url(&self, service: &Service, interface: &str, region: Option<&str>) -> Option<String> {
        self.0
            .iter()
            .filter(|e| e.service_type == service.as_str())
            .flat_map(|e| &e.endpoints)
            .filter(|ep| ep.interface == interface)
            .find(|ep| {
                region.is_none_or(|r| {
                    ep.region_id.as_deref() == Some(r) || ep.region.as_deref() == Some(r)
                })
            })
            .map(|ep| ep.url.clone())
    }

    /// Every service type it lists, once.
    pub fn services(&self) -> std::collections::BTreeSet<Service> {
        self.0
            .iter()
            .map(|e| Service::new(e.service_type.clone()))
            .collect()
    }
}

fn is_version(segment: &str) -> bool {
    let Some(v) = segment.strip_prefix('v') else {
        return false;
    };
    let mut parts = v.splitn(2, '.');
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    parts.next().is_some_and(digits) && parts.next().is_none_or(digits)
}

/// The service root that case paths are appended to: the catalog URL without its version
/// segment (and a project segment after it, as compute's `/v2.1/<project id>` and
/// block-storage's `/v3/<project id>`), since case paths carry the version themselves
/// (`/v2.1/...`, `/v2.0/...`, `/v3/...`). Whatever the service type: a URL without a
/// version segment is the root as it is.
pub fn endpoint_root(url: &str) -> String {
    let url = url.trim_end_matches('/');
    let path_start = url
        .find("://")
        .and_then(|i| url[i + 3..].find('/').map(|j| i + 3 + j))
        .unwrap_or(url.len());
    let segments: Vec<(usize, &str)> = url[path_start..]
        .match_indices('/')
        .map(|(i, _)| path_start + i)
        .map(|i| (i, url[i + 1..].split('/').next().unwrap_or("")))
        .collect();
    let project = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    let cut = match segments.as_slice() {
        [.., (i, v)] if is_version(v) => Some(*i),
        [.., (i, v), (_, p)] if is_version(v) && project(p) => Some(*i),
        _ => None,
    };
    url[..cut.unwrap_or(url.len())].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_drop_versions_and_project_segments() {
        for (url, root) in [
            ("http://h:8774/v2.1", "http://h:8774"),
            (
                "http://h/compute/v2.1/6f70656e737461636b20342065766572",
                "http://h/compute",
            ),
            ("http://h:8774/v2/6f70656e-7374", "http://h:8774"),
            ("http://h:9696/", "http://h:9696"),
            ("http://h:9696", "http://h:9696"),
            ("http://h/networking/v2.0", "http://h/networking"),
            ("http://h/identity/v3/", "http://h/identity"),
            // Any service type: block-storage with its project, image without.
            ("http://h:8776/v3/0123abcd", "http://h:8776"),
            ("http://h/image", "http://h/image"),
            ("http://h:9292/v2", "http://h:9292"),
            // A segment that only looks like a version somewhere in the middle is kept.
            ("http://h/v2.1/proxy/compute", "http://h/v2.1/proxy/compute"),
            ("http://h/vnext", "http://h/vnext"),
        ] {
            assert_eq!(endpoint_root(url), root, "{url}");
        }
    }
}
