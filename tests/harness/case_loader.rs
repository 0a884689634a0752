//! The loader against a corpus of malformed case files: each must give its own
//! precise error, naming the file and a line, and nothing may be run.
use std::fs;
use std::path::{Path, PathBuf};

use stackconform::case::load_catalogue;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// A cases folder holding the real fixtures and one extra file.
fn catalogue_with(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("cases/fixtures"), &dir.path().join("fixtures"));
    fs::create_dir_all(dir.path().join("cases")).unwrap();
    fs::write(dir.path().join("cases").join(name), text).unwrap();
    dir
}

fn expected_error(path: &Path, text: &str) -> String {
    match text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# error: "))
    {
        Some(msg) => msg.to_string(),
        None => fs::read_to_string(path.with_extension("expect"))
            .unwrap()
            .trim()
            .to_string(),
    }
}

#[test]
fn every_malformed_case_file_gives_its_precise_error() {
    let corpus = repo().join("tests/malformed");
    let mut files: Vec<PathBuf> = fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the corpus has {} files", files.len());
    let location = regex::Regex::new(r":(\d+):(\d+)").unwrap();
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let text = fs::read_to_string(path).unwrap();
        let want = expected_error(path, &text);
        let dir = catalogue_with(name, &text);
        let err = match load_catalogue(dir.path()) {
            Ok(c) => panic!("{name}: loaded {} cases instead of failing", c.cases.len()),
            Err(e) => e,
        };
        let shown = err.to_string();
        assert_eq!(
            err.0.len(),
            1,
            "{name}: expected exactly one error, got:\n{shown}"
        );
        assert!(
            shown.contains(&want),
            "{name}: expected {want:?} in:\n{shown}"
        );
        let at = shown
            .find(name)
            .unwrap_or_else(|| panic!("{name}: the file is not named in:\n{shown}"));
        let caps = location
            .captures(&shown[at..])
            .unwrap_or_else(|| panic!("{name}: no line:column in:\n{shown}"));
        let line: usize = caps[1].parse().unwrap();
        assert!(line >= 1, "{name}: line {line} in:\n{shown}");
    }
}

#[test]
fn the_catalogue_loads_and_covers_both_operations() {
    let catalogue = load_catalogue(&repo().join("cases")).unwrap_or_else(|e| panic!("{e}"));
    let count = |op: &str| {
        catalogue
            .cases
            .iter()
            .filter(|c| c.doc.operation.value == op)
            .count()
    };
    assert!(count("compute.detach_interface") >= 15);
    assert!(count("network.remove_router_interface") >= 19);
}

#[test]
fn duplicate_ids_name_both_files() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("cases/fixtures"), &dir.path().join("fixtures"));
    let case = fs::read_to_string(
        repo().join("cases/network/remove_router_interface/404-router-missing.yaml"),
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("x")).unwrap();
    fs::write(dir.path().join("x/a.yaml"), &case).unwrap();
    fs::write(dir.path().join("x/b.yaml"), &case).unwrap();
    let shown = load_catalogue(dir.path()).unwrap_err().to_string();
    assert!(shown.contains("is also used by"), "{shown}");
    assert!(
        shown.contains("a.yaml") && shown.contains("b.yaml"),
        "{shown}"
    );
}

#[test]
fn a_fixture_without_setup_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("fixtures")).unwrap();
    fs::write(
        dir.path().join("fixtures/f.yaml"),
        "fixtures:\n  thing:\n    setup: []\n",
    )
    .unwrap();
    let shown = load_catalogue(dir.path()).unwrap_err().to_string();
    assert!(
        shown.contains("a fixture needs at least one setup step"),
        "{shown}"
    );
    assert!(shown.contains("f.yaml:2:"), "{shown}");
}

fn files_below(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_below(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            let text = fs::read_to_string(&path).unwrap();
            out.push((path, text));
        }
    }
}

/// The fuzzers load through `load_catalogue_from_sources`; it must be the same loader.
#[test]
fn the_catalogue_loads_the_same_from_memory_as_from_disk() {
    let root = repo().join("cases");
    let from_disk = load_catalogue(&root).unwrap();
    let mut sources = Vec::new();
    files_below(&root, &mut sources);
    let from_memory = stackconform::case::load_catalogue_from_sources(&root, sources).unwrap();
    let names = |c: &stackconform::case::Catalogue| -> Vec<String> {
        c.cases.iter().map(|c| c.trial_name.clone()).collect()
    };
    assert!(!from_disk.cases.is_empty());
    assert_eq!(names(&from_memory), names(&from_disk));
    assert_eq!(
        from_memory.fixtures.keys().collect::<Vec<_>>(),
        from_disk.fixtures.keys().collect::<Vec<_>>()
    );
    assert_eq!(
        from_memory.operations.keys().collect::<Vec<_>>(),
        from_disk.operations.keys().collect::<Vec<_>>()
    );
    // A broken file in memory is reported like one on disk: file, line, message.
    let broken = vec![(root.join("network/x/bad.yaml"), "id: [".to_string())];
    let err = stackconform::case::load_catalogue_from_sources(&root, broken)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.yaml"), "{err}");
}

/// A case copied into another operation's folder without changing its `operation:` would
/// count for the wrong status table; the loader names the file, the line and the fix.
#[test]
fn a_case_whose_operation_is_not_its_folders_is_refused() {
    let dir = crate::support::workspace();
    let file = dir
        .path()
        .join("cases/network/add_router_interface/405-get.yaml");
    let text = fs::read_to_string(&file).unwrap();
    let wrong = text.replacen(
        "operation: network.add_router_interface",
        "operation: network.remove_router_interface",
        1,
    );
    assert_ne!(text, wrong);
    fs::write(&file, wrong).unwrap();
    let err = load_catalogue(&dir.path().join("cases"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("405-get.yaml:"), "{err}");
    assert!(
        err.contains(
            "the case says operation network.remove_router_interface, but its folder's table"
        ),
        "{err}"
    );
    assert!(
        err.contains("write `operation: network.add_router_interface`"),
        "{err}"
    );
    // Outside an operation's folder (a generated catalogue) nothing is checked.
    let loose = crate::support::workspace();
    let gen = loose.path().join("cases/gen");
    fs::create_dir_all(&gen).unwrap();
    fs::copy(&file, gen.join("copy.yaml")).unwrap();
    fs::remove_file(
        loose
            .path()
            .join("cases/network/add_router_interface/405-get.yaml"),
    )
    .unwrap();
    let ok = load_catalogue(&loose.path().join("cases"));
    assert!(
        ok.is_ok(),
        "{}",
        ok.err().map(|e| e.to_string()).unwrap_or_default()
    );
}
