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
    pub fn url(&self, service: Service, interface: &str, region: Option<&str>) -> Option<String> {
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
}

/// The service root that case paths are appended to: the catalog URL without its
/// version (and, for compute, without the project segment), since case paths carry
/// the version themselves (`/v2.1/...`, `/v2.0/...`, `/v3/...`).
pub fn endpoint_root(service: Service, url: &str) -> String {
    let url = url.trim_end_matches('/');
    let cut =
        |suffixes: &[&str]| -> Option<usize> { suffixes.iter().filter_map(|s| url.rfind(s)).max() };
    let end = match service {
        Service::Compute => cut(&["/v2.1", "/v2"]).filter(|i| {
            // Only a version segment followed by nothing or a project id counts.
            let rest = &url[*i..];
            let after = rest.trim_start_matches("/v2.1").trim_start_matches("/v2");
            after.is_empty()
                || after[1..]
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == '-')
        }),
        Service::Network => url.ends_with("/v2.0").then(|| url.len() - 5),
        Service::Identity => url.ends_with("/v3").then(|| url.len() - 3),
    };
    url[..end.unwrap_or(url.len())].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_drop_versions_and_project_segments() {
        assert_eq!(
            endpoint_root(Service::Compute, "http://h:8774/v2.1"),
            "http://h:8774"
        );
        assert_eq!(
            endpoint_root(
                Service::Compute,
                "http://h/compute/v2.1/6f70656e737461636b20342065766572"
            ),
            "http://h/compute"
        );
        assert_eq!(
            endpoint_root(Service::Network, "http://h:9696/"),
            "http://h:9696"
        );
        assert_eq!(
            endpoint_root(Service::Network, "http://h/networking/v2.0"),
            "http://h/networking"
        );
        assert_eq!(
            endpoint_root(Service::Identity, "http://h/identity/v3/"),
            "http://h/identity"
        );
    }
}
