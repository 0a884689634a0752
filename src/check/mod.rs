//! Judging a response: status, headers, body fields.
mod expect;
mod matcher;
mod path;

pub use expect::{check_body, check_response, Checks, FieldCheck, Problem};
pub use matcher::{Check, JsonType, Matcher, MatcherError, MatcherSpec, Mismatch, MATCHER_KEYS};
pub use path::{select, validate as validate_path, BadPath, Selected};
