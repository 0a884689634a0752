//! Which status codes of each operation the catalogue provokes, against the operation's
//! table of documented and served codes.
mod matrix;
mod readme;
mod render;

pub use matrix::{matrix, CaseRef, OperationCoverage, Row};
pub use readme::{splice, BEGIN, END};
pub use render::markdown;
