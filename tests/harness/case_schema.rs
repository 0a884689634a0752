//! The published JSON Schema of the case format (docs/schema/) is current, accepts every
//! file of the catalogue and rejects structurally broken ones.
use std::path::{Path, PathBuf};

use stackconform::file_formats::{json_schema, json_schema_text, FileKind};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

fn as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn published_schemas_are_current() {
    for kind in FileKind::ALL {
        let path = root().join("docs/schema").join(kind.file_name());
        let published = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            published == json_schema_text(kind),
            "{} is stale; regenerate it with `cargo run -- schema {} > {}`",
            path.display(),
            format!("{kind:?}").to_lowercase(),
            path.display()
        );
    }
}

#[test]
fn every_catalogue_file_satisfies_the_schema() {
    let mut files = Vec::new();
    yaml_files(&root().join("cases"), &mut files);
    assert!(files.len() > 30, "catalogue not found: {files:?}");
    let case = jsonschema::validator_for(&json_schema(FileKind::Case)).unwrap();
    let fixtures = jsonschema::validator_for(&json_schema(FileKind::Fixtures)).unwrap();
    let operation = jsonschema::validator_for(&json_schema(FileKind::Operation)).unwrap();
    for file in files {
        let doc = as_json(&file);
        let validator = if file.parent().unwrap().ends_with("fixtures") {
            &fixtures
        } else if file.file_stem().unwrap() == "operation" {
            &operation
        } else {
            &case
        };
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
    }
}

#[test]
fn structurally_broken_files_fail_the_schema() {
    let case = jsonschema::validator_for(&json_schema(FileKind::Case)).unwrap();
    for name in [
        "02-unknown-top-key",
        "03-unknown-request-key",
        "04-missing-request",
        "05-bad-method",
        "06-bad-identity",
        "07-status-not-a-number",
        "08-status-out-of-range",
    ] {
        let doc = as_json(&root().join("tests/malformed").join(format!("{name}.yaml")));
        assert!(
            !case.is_valid(&doc),
            "{name} should not satisfy the case schema"
        );
    }
}

/// Comments cite the contract as `docs/CONTRACT.md §N.M`; each cited section must be a
/// heading there, so a reader can follow the citation.
#[test]
fn every_cited_contract_section_exists() {
    let contract = std::fs::read_to_string(root().join("docs/CONTRACT.md")).unwrap();
    let headings: std::collections::BTreeSet<String> = contract
        .lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| l.trim_start_matches('#').split_whitespace().next())
        .map(|n| n.trim_end_matches('.').to_string())
        .collect();
    let cite = regex::Regex::new(r"§([0-9]+(?:\.[0-9]+)?)").unwrap();
    let mut missing = Vec::new();
    let mut cited = 0;
    for dir in ["src", "crates", "tests", "cases"] {
        let mut stack = vec![root().join(dir)];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                for c in cite.captures_iter(&text) {
                    cited += 1;
                    if !headings.contains(&c[1]) {
                        missing.push(format!("{}: §{}", path.display(), &c[1]));
                    }
                }
            }
        }
    }
    assert!(cited > 20, "only {cited} citations found");
    assert!(
        missing.is_empty(),
        "cited but not in docs/CONTRACT.md: {missing:#?}"
    );
}
