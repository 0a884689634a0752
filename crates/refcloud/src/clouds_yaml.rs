//! An openstacksdk `clouds.yaml` for the seeded identities.

use std::collections::BTreeMap;

use crate::identities::SeededIdentity;

/// YAML double-quoted scalar: passwords and names are generated, but quoting keeps any of them valid.
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Each cloud also carries the `stackconform:` map with the facts a run needs (image and
/// flavor ids...), which a client could not discover otherwise: the cloud has no image service.
pub fn render(
    auth_url: &str,
    region: &str,
    identities: &[SeededIdentity],
    facts: &BTreeMap<String, String>,
) -> String {
    let mut out = String::from("clouds:\n");
    for id in identities {
        out.push_str(&format!(
            "  {cloud}:\n    auth_type: password\n    auth:\n      auth_url: {auth_url}\n      username: {user}\n      password: {pw}\n      project_name: {project}\n      user_domain_name: {domain}\n      project_domain_name: {domain}\n    region_name: {region}\n    interface: public\n    identity_api_version: 3\n",
            cloud = id.cloud,
            auth_url = quoted(auth_url),
            user = quoted(&id.username),
            pw = quoted(&id.password),
            project = quoted(&id.project_name),
            domain = quoted(&id.domain),
            region = quoted(region),
        ));
        out.push_str("    stackconform:\n      facts:\n");
        for (k, v) in facts {
            out.push_str(&format!("        {k}: {}\n", quoted(v)));
        }
    }
    out
}
