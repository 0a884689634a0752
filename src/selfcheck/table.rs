//! The report of `stackconform mutants`: one row per mutant, then a summary line.
use std::time::Duration;

use refcloud::Mutant;

use super::verdict::{Catch, Verdict};

/// Rows name at most this many catching cases; the rest are counted.
const SHOWN_CATCHERS: usize = 3;

fn catchers(v: &Verdict) -> String {
    if let [Catch::Unusable(error)] = v.catches.as_slice() {
        let first_line = error.lines().next().unwrap_or_default();
        return format!("(target unusable: {first_line})");
    }
    let mut shown: Vec<String> = v
        .catches
        .iter()
        .take(SHOWN_CATCHERS)
        .map(Catch::label)
        .collect();
    if v.catches.len() > SHOWN_CATCHERS {
        shown.push(format!("+{} more", v.catches.len() - SHOWN_CATCHERS));
    }
    if shown.is_empty() {
        "-".into()
    } else {
        shown.join(", ")
    }
}

fn columns(rows: &[[String; 4]]) -> String {
    let mut widths = [0usize; 3];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let line = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn render_table(verdicts: &[Verdict]) -> String {
    let mut rows = vec![[
        "mutant".to_string(),
        "description".to_string(),
        "caught by (failed cases)".to_string(),
        "verdict".to_string(),
    ]];
    for v in verdicts {
        rows.push([
            v.mutant.name().to_string(),
            v.mutant.description().to_string(),
            catchers(v),
            if v.caught() { "caught" } else { "SURVIVED" }.to_string(),
        ]);
    }
    columns(&rows)
}

pub fn summary(verdicts: &[Verdict], cases: usize, elapsed: Duration) -> String {
    let survived: Vec<&str> = verdicts
        .iter()
        .filter(|v| !v.caught())
        .map(|v| v.mutant.name())
        .collect();
    let mut line = format!(
        "mutants: {} run, {} caught, {} survived; {cases} cases against each; finished in {:.1}s",
        verdicts.len(),
        verdicts.len() - survived.len(),
        survived.len(),
        elapsed.as_secs_f64()
    );
    if !survived.is_empty() {
        line.push_str(&format!(
            "\nsurvived: {} (the catalogue misses these deviations: add or strengthen a case)",
            survived.join(", ")
        ));
    }
    line
}

pub fn render_list() -> String {
    let rows: Vec<[String; 4]> = Mutant::all()
        .iter()
        .map(|m| {
            [
                m.name().to_string(),
                m.description().to_string(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    columns(&rows)
}
