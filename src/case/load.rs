//! Finding and parsing case, fixture and operation files, and compiling them together.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::compile;
use super::error::{LoadError, LoadErrors};
use super::model::{CaseDoc, FixtureDoc, OperationDoc};
use super::operation::{self, Operation};
use super::plan::{Catalogue, Fixture};

/// A fixture file is any file below a folder named `fixtures`.
fn is_fixture_file(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .any(|c| c.as_os_str() == "fixtures")
}

// A load error carries its source line and snippet; it is made once per bad file, so
// boxing it would save nothing worth the indirection.
#[allow(clippy::result_large_err)]
fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| LoadError::new(dir, (0, 0), "", format!("cannot read the directory: {e}")))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

/// Parses one document; JSON is read by the same parser, as YAML's subset.
// A load error carries its source line and snippet; it is made once per bad file, so
// boxing it would save nothing worth the indirection.
#[allow(clippy::result_large_err)]
pub fn parse<T: DeserializeOwned>(path: &Path, source: &str) -> Result<T, LoadError> {
    if source.trim().is_empty() {
        return Err(LoadError::new(path, (1, 1), "", "the file is empty"));
    }
    serde_saphyr::from_str::<T>(source).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let name = path.display().to_string();
        let message = e.without_snippet().to_string();
        let mut err = LoadError::new(path, (line, column), "", in_plain_words(&message));
        let rendered = e.render_with_options(serde_saphyr::render_options! {
            source_name: Some(name.as_str()),
        });
        err.rendered = Some(in_plain_words(&rendered));
        err
    })
}

/// The parser's words for a wrong type, in the words of someone writing a case file.
const PLAIN_WORDS: &[(&str, &str)] = &[
    (
        "invalid u16",
        "not a whole number from 0 to 65535 (a status is written like 404)",
    ),
    ("invalid u32", "not a whole number from 0 to 4294967295"),
    ("invalid u64", "not a whole number of 0 or more"),
    (
        "expected string scalar",
        "expected one text value here (quote it if it starts with [ { * & ! | > % @ or `)",
    ),
];

fn in_plain_words(message: &str) -> String {
    PLAIN_WORDS
        .iter()
        .fold(message.to_string(), |m, (from, to)| m.replace(from, to))
}

/// Loads every case and fixture below `dir` and checks them together.
pub fn load_catalogue(dir: &Path) -> Result<Catalogue, LoadErrors> {
    let mut files = Vec::new();
    collect_files(dir, &mut files).map_err(|e| LoadErrors(vec![e]))?;
    let sources = files.into_iter().map(|path| {
        let text = std::fs::read_to_string(&path);
        (path, text)
    });
    load_files(dir, sources)
}

/// Loads a catalogue from files already in memory, `(path, text)` with paths below
/// `root` (a file below a `fixtures` folder is a fixture file), exactly as
/// [`load_catalogue`] would from disk. For tools and fuzzing that have no folder.
pub fn load_catalogue_from_sources(
    root: &Path,
    sources: Vec<(PathBuf, String)>,
) -> Result<Catalogue, LoadErrors> {
    load_files(root, sources.into_iter().map(|(p, t)| (p, Ok(t))))
}

fn load_files(
    dir: &Path,
    files: impl IntoIterator<Item = (PathBuf, std::io::Result<String>)>,
) -> Result<Catalogue, LoadErrors> {
    let mut errors = Vec::new();
    let mut fixtures = BTreeMap::new();
    let mut case_files = Vec::new();
    let mut operations: BTreeMap<String, Operation> = BTreeMap::new();
    for (path, source) in files {
        let source = match source {
            Ok(s) => s,
            Err(e) => {
                errors.push(LoadError::new(
                    &path,
                    (0, 0),
                    "",
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        if is_fixture_file(dir, &path) {
            match parse::<FixtureDoc>(&path, &source) {
                Ok(doc) => {
                    for (name, def) in doc.fixtures {
                        let at = (def.referenced.line(), def.referenced.column());
                        if let Some(prev) = fixtures.get(&name) {
                            let prev: &Fixture = prev;
                            errors.push(
                                LoadError::new(
                                    &path,
                                    at,
                                    format!("fixtures.{name}"),
                                    "fixture defined twice",
                                )
                                .hint(format!("also defined in {}", prev.file.display()))
                                .with_source(&source),
                            );
                            continue;
                        }
                        let (fixture, mut problems) =
                            compile::fixture(name.clone(), def.value, &path, &source);
                        errors.append(&mut problems);
                        fixtures.insert(name, fixture);
                    }
                }
                Err(e) => errors.push(e),
            }
        } else if operation::is_operation_file(&path) {
            match parse::<OperationDoc>(&path, &source)
                .map_err(|e| vec![e])
                .and_then(|doc| operation::check(&path, &source, doc))
            {
                Ok(op) => {
                    let name = op.doc.operation.value.clone();
                    if let Some(prev) = operations.get(&name) {
                        let at = (
                            op.doc.operation.referenced.line(),
                            op.doc.operation.referenced.column(),
                        );
                        errors.push(
                            LoadError::new(
                                &path,
                                at,
                                "operation",
                                format!("operation {name} has two tables"),
                            )
                            .hint(format!("also in {}", prev.file.display()))
                            .with_source(&source),
                        );
                    } else {
                        operations.insert(name, op);
                    }
                }
                Err(mut e) => errors.append(&mut e),
            }
        } else {
            case_files.push((path, source));
        }
    }
    compile::sweep_links(&fixtures, &mut errors);
    // Case files are most of the work (YAML with spans) and independent of each other once
    // the fixtures and tables are known: parsed and compiled on every core, in file order.
    let compiled = par_map(case_files, |(path, source)| {
        let doc = parse::<CaseDoc>(&path, &source).map_err(|e| vec![e])?;
        if let Some(e) = folder_mismatch(&path, &source, &doc, &operations) {
            return Err(vec![e]);
        }
        compile::case(&path, &source, doc, &fixtures)
    });
    let mut cases = Vec::new();
    for result in compiled {
        match result {
            Ok(case) => cases.push(case),
            Err(mut e) => errors.append(&mut e),
        }
    }
    compile::unique(&cases, &mut errors);
    if errors.is_empty() {
        Ok(Catalogue {
            cases,
            fixtures,
            operations,
        })
    } else {
        Err(LoadErrors(errors))
    }
}

/// `f` over `items` on up to every core, results in the items' order.
fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 16 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(chunk).collect());
    }
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| s.spawn(move || c.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// A case's `operation:` must be that of its folder's status table, when the folder has
/// one: a case copied into the wrong folder would otherwise count for the other
/// operation in `coverage` and in the README's matrix.
fn folder_mismatch(
    path: &Path,
    source: &str,
    doc: &CaseDoc,
    operations: &BTreeMap<String, Operation>,
) -> Option<LoadError> {
    let folder = path.parent()?;
    let table = operations
        .values()
        .find(|op| op.file.parent() == Some(folder))?;
    let theirs = &table.doc.operation.value;
    let ours = &doc.operation;
    (ours.value != *theirs).then(|| {
        LoadError::new(
            path,
            (ours.referenced.line(), ours.referenced.column()),
            "operation",
            format!(
                "the case says operation {}, but its folder's table ({}) is {theirs}",
                ours.value,
                table.file.display()
            ),
        )
        .hint(format!(
            "write `operation: {theirs}`, or move the file to the folder of {}",
            ours.value
        ))
        .with_source(source)
    })
}
