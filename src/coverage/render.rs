use std::fmt::Write;

use super::matrix::OperationCoverage;

/// Markdown cells cannot hold `|` or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The matrix as Markdown: one table per operation, then its gaps. Deterministic, so a
/// copy in the README can be checked for staleness.
pub fn markdown(ops: &[OperationCoverage]) -> String {
    let mut out = String::new();
    for op in ops {
        let title = op
            .title
            .as_deref()
            .map(|t| format!(": {t}"))
            .unwrap_or_default();
        let _ = writeln!(out, "### `{}`{}\n", op.operation, cell(&title));
        if let Some(request) = &op.request {
            let _ = writeln!(out, "`{request}`\n");
        }
        out.push_str("| code | documented in | served by real services | cases (id) | notes |\n");
        out.push_str("|---:|---|---|---|---|\n");
        for row in &op.rows {
            let documented = if row.documented.is_empty() {
                "—".to_string()
            } else {
                row.documented.join(", ")
            };
            let served = match row.served {
                Some(true) => "yes",
                Some(false) => "no",
                None => "?",
            };
            let cases = if row.cases.is_empty() {
                "—".to_string()
            } else {
                row.cases
                    .iter()
                    .map(|c| {
                        let ignored = if c.ignored { ", ignored" } else { "" };
                        format!("`{}` ({}{ignored})", c.stem, &c.id[..c.id.len().min(8)])
                    })
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            let mut notes: Vec<String> = row.notes.clone();
            if let Some(reason) = &row.no_case {
                notes.insert(0, format!("**no case**: {reason}"));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                row.status,
                cell(&documented),
                served,
                cell(&cases),
                cell(&notes.join("<br>"))
            );
        }
        if !op.documents.is_empty() {
            let docs: Vec<String> = op
                .documents
                .iter()
                .map(|(k, v)| format!("**{k}**: {}", cell(v)))
                .collect();
            let _ = writeln!(out, "\nDocuments: {}.", docs.join("; "));
        }
        if op.gaps.is_empty() {
            out.push_str("\nGaps: none.\n\n");
        } else {
            out.push_str("\nGaps:\n");
            for gap in &op.gaps {
                let _ = writeln!(out, "- {gap}");
            }
            out.push('\n');
        }
    }
    let cases: usize = ops
        .iter()
        .flat_map(|o| &o.rows)
        .map(|r| r.cases.len())
        .sum();
    let codes: usize = ops.iter().map(|o| o.rows.len()).sum();
    let gaps: usize = ops.iter().map(|o| o.gaps.len()).sum();
    let _ = writeln!(
        out,
        "{} operations, {codes} status codes, {cases} cases, {gaps} gaps.",
        ops.len()
    );
    out
}
