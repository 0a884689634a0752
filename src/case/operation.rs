//! Operation files (`operation.yaml` beside an operation's cases): their checks.
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::error::LoadError;
use super::model::OperationDoc;

/// An operation's status-code table, checked.
#[derive(Debug, Clone)]
pub struct Operation {
    pub doc: OperationDoc,
    pub file: PathBuf,
}

/// The file name that marks an operation file.
pub const FILE_STEM: &str = "operation";

pub fn is_operation_file(path: &Path) -> bool {
    path.file_stem().is_some_and(|s| s == FILE_STEM)
}

pub(super) fn check(
    file: &Path,
    source: &str,
    doc: OperationDoc,
) -> Result<Operation, Vec<LoadError>> {
    let mut errors = Vec::new();
    let mut error = |at: (u64, u64), field: String, message: String, hint: String| {
        errors.push(
            LoadError::new(file, at, field, message)
                .hint(hint)
                .with_source(source),
        );
    };
    let op = &doc.operation;
    if !super::compile::is_operation_name(&op.value) {
        error(
            (op.referenced.line(), op.referenced.column()),
            "operation".into(),
            format!("{:?} is not `<service>.<operation>`", op.value),
            "e.g. compute.detach_interface or network.remove_router_interface".into(),
        );
    }
    let mut seen = BTreeSet::new();
    for (i, row) in doc.codes.iter().enumerate() {
        let at = (row.referenced.line(), row.referenced.column());
        let code = &row.value;
        if !(100..=599).contains(&code.status) {
            error(
                at,
                format!("codes[{i}].status"),
                format!("{} is not an HTTP status", code.status),
                "use 100..=599".into(),
            );
        }
        if !seen.insert(code.status) {
            error(
                at,
                format!("codes[{i}].status"),
                format!("status {} is listed twice", code.status),
                "one row per status; say the conditions in `note`".into(),
            );
        }
        for key in &code.documented {
            if !doc.documents.contains_key(key) {
                let known: Vec<&str> = doc.documents.keys().map(String::as_str).collect();
                error(
                    at,
                    format!("codes[{i}].documented"),
                    format!("no document {key:?}"),
                    format!("documents: {}", known.join(", ")),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(Operation {
            doc,
            file: file.to_path_buf(),
        })
    } else {
        Err(errors)
    }
}
