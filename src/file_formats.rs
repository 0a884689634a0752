//! The published JSON Schemas of the files stackconform reads (cases, fixtures, operation
//! tables) and writes (the JSON report), generated from the Rust types so that they cannot
//! drift from what the loader accepts or the run writes.
use serde_json::Value;

use crate::case::{CaseDoc, FixtureDoc, OperationDoc};
use crate::report::RunReport;

/// Which kind of file a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileKind {
    /// A case file (`cases/<service>/<operation>/*.yaml`).
    Case,
    /// A fixture file (`cases/fixtures/*.yaml`).
    Fixtures,
    /// An operation's status-code table (`cases/<service>/<operation>/operation.yaml`).
    Operation,
    /// The JSON report of a run (`--report FILE`).
    Report,
}

impl FileKind {
    pub const ALL: [FileKind; 4] = [
        FileKind::Case,
        FileKind::Fixtures,
        FileKind::Operation,
        FileKind::Report,
    ];

    /// The file name the schema is published under in `docs/schema/`.
    pub fn file_name(self) -> &'static str {
        match self {
            FileKind::Case => "case.schema.json",
            FileKind::Fixtures => "fixtures.schema.json",
            FileKind::Operation => "operation.schema.json",
            FileKind::Report => "report.schema.json",
        }
    }
}

/// The JSON Schema (draft 2020-12) of one kind of file.
pub fn json_schema(kind: FileKind) -> Value {
    let schema = match kind {
        FileKind::Case => schemars::schema_for!(CaseDoc),
        FileKind::Fixtures => schemars::schema_for!(FixtureDoc),
        FileKind::Operation => schemars::schema_for!(OperationDoc),
        FileKind::Report => schemars::schema_for!(RunReport),
    };
    schema.to_value()
}

/// The schema as published: pretty JSON with a trailing newline.
pub fn json_schema_text(kind: FileKind) -> String {
    let mut text =
        serde_json::to_string_pretty(&json_schema(kind)).expect("a Value always serialises");
    text.push('\n');
    text
}
