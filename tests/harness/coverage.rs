//! `stackconform coverage`: the matrix, its gaps and the README's copy.

use std::fs;
use std::path::Path;

use crate::support::{copy_tree, repo};

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("cases"), &dir.path().join("cases"));
    fs::copy(repo().join("README.md"), dir.path().join("README.md")).unwrap();
    dir
}

fn coverage(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["coverage"];
    all.extend_from_slice(args);
    let out = crate::support::stackconform(dir, &all);
    (out.status.code(), crate::support::text(&out))
}

const NOVA: &str = "cases/compute/detach_interface";

#[test]
fn the_catalogue_has_no_gap_and_the_readme_matrix_is_current() {
    let (code, text) = coverage(&repo(), &["--readme", "README.md", "--check"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = coverage(&repo(), &[]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("| 405 | old | no | — | **no case**: never served"),
        "{text}"
    );
    assert!(text.contains("0 gaps."), "{text}");
}

#[test]
fn a_code_without_case_or_reason_is_a_gap() {
    let dir = workspace();
    fs::remove_file(dir.path().join(NOVA).join("413-body-too-large.yaml")).unwrap();
    let (code, text) = coverage(dir.path(), &[]);
    assert_eq!(code, Some(101), "{text}");
    assert!(
        text.contains("- 413: no case provokes it and no `no_case` reason says why"),
        "{text}"
    );
}

#[test]
fn a_case_whose_code_the_table_lacks_is_a_gap() {
    let dir = workspace();
    let table = dir.path().join(NOVA).join("operation.yaml");
    let text = fs::read_to_string(&table).unwrap();
    fs::write(
        &table,
        text.replace("  - status: 406\n    served: true\n", ""),
    )
    .unwrap();
    let (code, text) = coverage(dir.path(), &[]);
    assert_eq!(code, Some(101), "{text}");
    assert!(
        text.contains("- 406: provoked by 406-microversion-out-of-range but missing from the operation's table"),
        "{text}"
    );
}

#[test]
fn a_stale_readme_matrix_fails_the_check_and_is_regenerated() {
    let dir = workspace();
    let readme = dir.path().join("README.md");
    let text = fs::read_to_string(&readme).unwrap();
    fs::write(
        &readme,
        text.replace("| 413 | — | yes |", "| 413 | old | yes |"),
    )
    .unwrap();
    let (code, out) = coverage(dir.path(), &["--readme", "README.md", "--check"]);
    assert_eq!(code, Some(101), "{out}");
    assert!(out.contains("the coverage matrix is stale"), "{out}");
    let (code, out) = coverage(dir.path(), &["--readme", "README.md"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(fs::read_to_string(&readme).unwrap(), text);
}

#[test]
fn an_unknown_document_key_is_a_located_error() {
    let dir = workspace();
    let table = dir.path().join(NOVA).join("operation.yaml");
    let text = fs::read_to_string(&table).unwrap();
    fs::write(
        &table,
        text.replacen("documented: [old]", "documented: [olde]", 1),
    )
    .unwrap();
    let (code, out) = coverage(dir.path(), &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("codes[1].documented: no document \"olde\""),
        "{out}"
    );
    assert!(out.contains("operation.yaml:"), "{out}");
    assert!(out.contains("documents: current, old"), "{out}");
}
