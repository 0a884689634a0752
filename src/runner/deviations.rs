//! Known deviations of a target: cases expected to fail there, each with its reason.
use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::case::LoadErrors;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviationsDoc {
    /// Which target this describes, e.g. "real Neutron 29.0.0".
    #[allow(dead_code)] // documents the file; not used by the run
    pub target: String,
    #[serde(default)]
    pub deviations: Vec<Deviation>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// The case id (stable across renames).
    pub case: String,
    /// The upstream reason, e.g. a bug and what the target answers instead.
    pub reason: String,
}

/// Case id to reason.
#[derive(Debug, Clone, Default)]
pub struct Deviations(pub BTreeMap<String, String>);

impl Deviations {
    pub fn load(path: &Path) -> Result<Self, LoadErrors> {
        let source = std::fs::read_to_string(path).map_err(|e| {
            LoadErrors(vec![crate::case::LoadError::new(
                path,
                (0, 0),
                "",
                format!("cannot read: {e}"),
            )])
        })?;
        let doc: DeviationsDoc =
            crate::case::parse_file(path, &source).map_err(|e| LoadErrors(vec![e]))?;
        Ok(Self(
            doc.deviations
                .into_iter()
                .map(|d| (d.case, d.reason))
                .collect(),
        ))
    }

    pub fn reason(&self, case_id: &str) -> Option<&str> {
        self.0.get(case_id).map(String::as_str)
    }
}
