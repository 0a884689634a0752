//! A one-case catalogue and a clouds.yaml that points the harness at a test double.
use std::fs;
use std::path::{Path, PathBuf};

/// The only trial of the tree.
pub const TRIAL: &str = "network.show_network::200-shown";

/// A GET whose expectations need a JSON body: matchers and a schema snapshot.
const CASE: &str = r#"id: 5d0c1f9e-2f0a-4c43-9a53-1a3e1c0f7a01
name: a network is shown
operation: network.show_network
request:
  service: network
  method: GET
  path: /v2.0/networks/${uuid.net}
expect:
  status: 200
  body:
    /network/id: {type: string}
  schema: network.show_network.200
"#;

const SNAPSHOT: &str = r#"---
source: src/schema/snapshot.rs
description: "response schema: the request under test"
---
{
  "type": "object",
  "properties": {
    "network": {
      "type": "object",
      "properties": {"id": {"type": "string", "format": "uuid"}},
      "required": ["id"]
    }
  },
  "required": ["network"]
}
"#;

pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    /// Cases, snapshots and a clouds.yaml whose `hostile` cloud has no Keystone and
    /// sends network requests to `network_url`.
    pub fn new(network_url: &str) -> Tree {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(
            &root.join("cases/network/show_network/200-shown.yaml"),
            CASE,
        );
        write(
            &root.join("snapshots/network.show_network.200.snap"),
            SNAPSHOT,
        );
        let clouds = format!(
            "clouds:\n  hostile:\n    auth_type: none\n    network_endpoint_override: {network_url}\n    stackconform:\n      project_id: 0d9c3d1c5b7a4d2e8f6a1b3c5d7e9f01\n      user_id: 7e1f2a3b4c5d4e6f8a9b0c1d2e3f4a5b\n"
        );
        write(&root.join("clouds.yaml"), &clouds);
        Tree { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn clouds_yaml(&self) -> PathBuf {
        self.root().join("clouds.yaml")
    }
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}
