//! Compiled `{regex: ...}` matchers, shared across cases and threads.
//!
//! A matcher is parsed and rendered again for every response it judges, and most
//! patterns are the same in every case (`^req-[0-9a-f-]{36}$`). Compiling each time was
//! the largest single cost of judging a response (see docs/performance.md). A shared
//! `Arc<Regex>` also keeps one lazy-DFA cache pool, which a `Regex::clone` would not.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use regex::Regex;

/// Patterns that render a per-case variable (`^${server.id}$`) are all different; past
/// this many entries new patterns are compiled without being kept, so memory stays bounded.
const CAPACITY: usize = 1024;

static CACHE: LazyLock<Mutex<HashMap<String, Arc<Regex>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The compiled form of `pattern`, from the cache when it was compiled before.
pub fn compile(pattern: &str) -> Result<Arc<Regex>, regex::Error> {
    if let Some(re) = CACHE.lock().unwrap_or_else(|e| e.into_inner()).get(pattern) {
        return Ok(re.clone());
    }
    // Compiled outside the lock: two threads may both compile a new pattern, which is
    // harmless, rather than every thread waiting on one compilation.
    let re = Arc::new(Regex::new(pattern)?);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() < CAPACITY {
        cache.insert(pattern.to_string(), re.clone());
    }
    Ok(re)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_pattern_is_compiled_once() {
        let a = compile("^cache-test-[0-9]+$").unwrap();
        let b = compile("^cache-test-[0-9]+$").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(a.is_match("cache-test-42"));
        assert!(!a.is_match("cache-test-x"));
    }

    #[test]
    fn an_invalid_pattern_is_an_error_every_time() {
        assert!(compile("([unclosed").is_err());
        assert!(compile("([unclosed").is_err());
    }
}
