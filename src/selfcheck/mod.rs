//! Self-check: the catalogue against deliberately broken reference clouds (`stackconform mutants`).
mod sweep;
mod table;
mod verdict;

pub use sweep::{check_cloud, CaseResult, CloudRun, Outcome};
pub use table::{render_list, render_table, summary};
pub use verdict::{Catch, Verdict};
