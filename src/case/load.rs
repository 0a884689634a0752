//! Finding and parsing case and fixture files.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::error::{LoadError, LoadErrors};
use super::model::{CaseDoc, FixtureDef, FixtureDoc, OperationDoc, Role, Service};
use super::operation::{self, Operation};
use super::validate;

/// A case ready to run, with what it needs from the target.
#[derive(Debug, Clone)]
pub struct Case {
    /// Shared, not copied: a run clones its case list (partitions, one trial per case),
    /// and a deep copy of every document tripled a large catalogue's memory.
    pub doc: Arc<CaseDoc>,
    pub file: PathBuf,
    /// The trial name: `<operation>::<file stem>`.
    pub trial_name: String,
    pub needs: Needs,
}

/// What a case needs from a target; a run that lacks any of it skips the case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    pub roles: BTreeSet<Role>,
    /// Identity attributes the case's variables use (`${owner.project_id}`): a cloud
    /// without Keystone must give them in its `stackconform:` map.
    pub identity_ids: BTreeSet<(Role, IdentityId)>,
    pub services: BTreeSet<Service>,
    pub extensions: BTreeSet<String>,
    pub facts: BTreeSet<String>,
    pub microversion: Option<(u32, u32)>,
    pub reference_cloud: bool,
}

/// An identity attribute a case can use as a variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum IdentityId {
    ProjectId,
    UserId,
}

impl IdentityId {
    pub fn parse(attr: &str) -> Option<IdentityId> {
        match attr {
            "project_id" => Some(IdentityId::ProjectId),
            "user_id" => Some(IdentityId::UserId),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IdentityId::ProjectId => "project_id",
            IdentityId::UserId => "user_id",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Fixture {
    pub name: String,
    pub def: FixtureDef,
    pub file: PathBuf,
    /// What every use of the fixture needs from the target.
    pub needs: Needs,
    /// The keys its setup captures (`${alias.<key>}` in a case).
    pub captures: BTreeSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub cases: Vec<Case>,
    pub fixtures: BTreeMap<String, Fixture>,
    /// Status-code tables by operation name.
    pub operations: BTreeMap<String, Operation>,
}

/// A fixture file is any file below a folder named `fixtures`.
fn is_fixture_file(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .any(|c| c.as_os_str() == "fixtures")
}

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
        let mut err = LoadError::new(path, (line, column), "", e.without_snippet().to_string());
        err.rendered = Some(e.render_with_options(serde_saphyr::render_options! {
            source_name: Some(name.as_str()),
        }));
        err
    })
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
    let mut case_docs = Vec::new();
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
                            validate::fixture(name.clone(), def.value, &path, &source);
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
            match parse::<CaseDoc>(&path, &source) {
                Ok(doc) => case_docs.push((path, source, doc)),
                Err(e) => errors.push(e),
            }
        }
    }
    let mut cases = Vec::new();
    for (path, source, doc) in case_docs {
        match validate::case(&path, &source, doc, &fixtures) {
            Ok(case) => cases.push(case),
            Err(mut e) => errors.append(&mut e),
        }
    }
    validate::unique(&cases, &mut errors);
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
