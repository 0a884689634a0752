//! Judging a response: status, headers, body fields.
mod expect;
mod matcher;
mod path;
mod regex_cache;

pub use expect::{check_body, check_response, ResponseChecks};
pub use matcher::{JsonType, Matcher, MatcherSpec, MATCHER_KEYS};
pub use path::{select, validate as validate_path, Selected};
