use std::collections::BTreeMap;

use crate::case::Catalogue;

/// A case that provokes a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRef {
    /// The case file's stem, which is also the end of its trial name.
    pub stem: String,
    pub id: String,
    /// The case is not run by default (`ignore:`).
    pub ignored: bool,
}

/// One status code of one operation.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub status: u16,
    /// Keys of the documents that list the code.
    pub documented: Vec<String>,
    /// `None` when the operation's table does not list the code.
    pub served: Option<bool>,
    pub cases: Vec<CaseRef>,
    pub notes: Vec<String>,
    pub no_case: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct OperationCoverage {
    pub operation: String,
    pub title: Option<String>,
    pub request: Option<String>,
    pub documents: BTreeMap<String, String>,
    pub rows: Vec<Row>,
    /// Each reason the operation is not fully covered; empty when it is.
    pub gaps: Vec<String>,
}

/// Matches every operation's code table with the cases that provoke each code.
pub fn matrix(catalogue: &Catalogue) -> Vec<OperationCoverage> {
    let mut ops: BTreeMap<String, (OperationCoverage, BTreeMap<u16, Row>)> = BTreeMap::new();
    for (name, op) in &catalogue.operations {
        let rows = op
            .doc
            .codes
            .iter()
            .map(|c| {
                let c = &c.value;
                let row = Row {
                    status: c.status,
                    documented: c.documented.clone(),
                    served: Some(c.served),
                    notes: c.note.iter().cloned().collect(),
                    no_case: c.no_case.clone(),
                    ..Row::default()
                };
                (c.status, row)
            })
            .collect();
        let cov = OperationCoverage {
            operation: name.clone(),
            title: Some(op.doc.title.clone()),
            request: Some(op.doc.request.clone()),
            documents: op.doc.documents.clone(),
            ..OperationCoverage::default()
        };
        ops.insert(name.clone(), (cov, rows));
    }
    let mut cases: Vec<_> = catalogue.cases.iter().collect();
    cases.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
    for case in cases {
        let name = &case.doc.operation.value;
        let (_, rows) = ops.entry(name.clone()).or_insert_with(|| {
            let cov = OperationCoverage {
                operation: name.clone(),
                ..OperationCoverage::default()
            };
            (cov, BTreeMap::new())
        });
        let status = case.doc.expect.status.value;
        let row = rows.entry(status).or_insert_with(|| Row {
            status,
            ..Row::default()
        });
        let stem = case
            .trial_name
            .rsplit("::")
            .next()
            .unwrap_or(&case.trial_name)
            .to_string();
        if let Some(doc) = &case.doc.documented {
            let says = match doc.status {
                Some(s) => format!("{} documents {s}", doc.source),
                None => format!("{} documents no code", doc.source),
            };
            let note = doc
                .note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            row.notes.push(format!("`{stem}`: {says}{note}"));
        }
        row.cases.push(CaseRef {
            stem,
            id: case.doc.id.value.clone(),
            ignored: case.doc.ignore.is_some(),
        });
    }
    ops.into_values()
        .map(|(mut cov, rows)| {
            if cov.title.is_none() {
                cov.gaps.push(format!(
                    "no operation.yaml lists the codes of {}",
                    cov.operation
                ));
            }
            for row in rows.values() {
                match (row.served, row.cases.is_empty(), &row.no_case) {
                    (None, _, _) => cov.gaps.push(format!(
                        "{}: provoked by {} but missing from the operation's table",
                        row.status,
                        row.cases
                            .iter()
                            .map(|c| c.stem.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    (Some(_), true, None) => cov.gaps.push(format!(
                        "{}: no case provokes it and no `no_case` reason says why",
                        row.status
                    )),
                    _ => {}
                }
            }
            cov.rows = rows.into_values().collect();
            cov
        })
        .collect()
}
