//! What a run leaves behind for people and machines: the JSON report, JUnit XML, the
//! difference between two runs, and the merge of sharded runs.
mod diff;
mod html;
mod junit;
mod merge;
mod model;

pub use diff::{diff, Diff, Drift, SlowerThan};
pub use html::{diff_page, run_page};
pub use junit::junit_xml;
pub use merge::{merge, summarize};
pub use model::*;
