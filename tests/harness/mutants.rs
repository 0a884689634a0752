//! `stackconform mutants`: the whole catalogue catches every mutant of the reference cloud, and a
//! catalogue without a mutant's only catcher lets it survive.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mutants(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .arg("mutants")
        .args(args)
        .current_dir(repo())
        .output()
        .expect("stackconform runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn names() -> Vec<String> {
    let out = mutants(&["--list"]);
    assert_eq!(out.status.code(), Some(0));
    stdout(&out)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

/// The table row of `mutant`: its columns are separated by two spaces or more.
fn row<'a>(table: &'a str, mutant: &str) -> Vec<&'a str> {
    let line = table
        .lines()
        .find(|l| l.split_whitespace().next() == Some(mutant))
        .unwrap_or_else(|| panic!("no row for {mutant} in\n{table}"));
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_catalogue_catches_every_mutant() {
    let names = names();
    assert!(names.len() >= 25, "only {} mutants", names.len());
    let out = mutants(&[]);
    let table = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{table}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in &names {
        let cells = row(&table, name);
        assert_eq!(cells.last(), Some(&"caught"), "{name}: {cells:?}");
    }
    // The weakened-catalogue test below relies on this case being the only catcher.
    assert_eq!(
        row(&table, "nova-suspended-ignored")[2],
        "compute.detach_interface::409-suspended"
    );
}

#[test]
fn a_mutant_survives_without_its_only_catcher() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("cases"), &dir.path().join("cases"));
    copy_dir(&repo().join("snapshots"), &dir.path().join("snapshots"));
    std::fs::remove_file(
        dir.path()
            .join("cases/compute/detach_interface/409-suspended.yaml"),
    )
    .unwrap();
    let cases = dir.path().join("cases");
    let out = mutants(&[
        "--cases",
        cases.to_str().unwrap(),
        "--mutant",
        "nova-suspended-ignored",
        "--mutant",
        "nova-lock-ignored",
    ]);
    let table = stdout(&out);
    assert_eq!(out.status.code(), Some(101), "{table}");
    assert_eq!(
        row(&table, "nova-suspended-ignored").last(),
        Some(&"SURVIVED")
    );
    assert_eq!(row(&table, "nova-lock-ignored").last(), Some(&"caught"));
    assert!(
        table.contains("survived: nova-suspended-ignored"),
        "{table}"
    );
}

#[test]
fn a_missing_catalogue_is_a_usage_error() {
    let out = mutants(&["--cases", "/nonexistent/cases"]);
    assert_eq!(out.status.code(), Some(2));
}

fn stackconform(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(repo())
        .output()
        .expect("stackconform runs")
}

#[test]
fn run_with_a_reference_mutant_shows_its_failure() {
    let out = stackconform(
        &["run", "--exact", "compute.detach_interface::409-locked"],
        &[("STACKCONFORM_REFERENCE_MUTANT", "nova-lock-ignored")],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(101), "{text}");
    assert!(text.contains("409-locked ... FAILED"), "{text}");
    assert!(
        text.contains("status: expected 409, observed 202"),
        "{text}"
    );
}

#[test]
fn a_bad_fault_spec_is_a_usage_error() {
    let out = stackconform(&["run", "--reference-faults", "rate=0.5"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("seed"));
}
