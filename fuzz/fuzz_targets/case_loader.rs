//! Arbitrary bytes as a case file, a fixture file or an operation table, loaded and
//! validated with the real catalogue around them, and every error rendered. The
//! loader must answer with errors, never panic or hang.
//!
//! Input: the first byte picks the role of the rest (mod 3); seeds are the files of
//! `cases/` behind their role byte (`fuzz/seed.sh`).
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use stackconform::case::load_catalogue_from_sources;

const NETWORK_FIXTURES: &str = include_str!("../../cases/fixtures/network.yaml");
const COMPUTE_FIXTURES: &str = include_str!("../../cases/fixtures/compute.yaml");
/// Real cases that use the fixtures: a fuzzed fixture file is checked against them.
const NETWORK_CASE: &str =
    include_str!("../../cases/network/remove_router_interface/200-by-subnet.yaml");
const COMPUTE_CASE: &str = include_str!("../../cases/compute/detach_interface/202-user-port.yaml");

fn file(root: &Path, rel: &str, text: &str) -> (PathBuf, String) {
    (root.join(rel), text.to_string())
}

fuzz_target!(|data: &[u8]| {
    let Some((&role, rest)) = data.split_first() else {
        return;
    };
    // Files on disk that are not UTF-8 stop at read_to_string; keep exploring the parser.
    let text = String::from_utf8_lossy(rest).into_owned();
    let root = Path::new("/fuzz/cases");
    let sources = match role % 3 {
        0 => vec![
            file(root, "fixtures/network.yaml", NETWORK_FIXTURES),
            file(root, "fixtures/compute.yaml", COMPUTE_FIXTURES),
            file(root, "network/remove_router_interface/fuzzed.yaml", &text),
        ],
        1 => vec![
            file(root, "fixtures/fuzzed.yaml", &text),
            file(
                root,
                "network/remove_router_interface/200-by-subnet.yaml",
                NETWORK_CASE,
            ),
            file(
                root,
                "compute/detach_interface/202-user-port.yaml",
                COMPUTE_CASE,
            ),
        ],
        _ => vec![file(
            root,
            "network/remove_router_interface/operation.yaml",
            &text,
        )],
    };
    match load_catalogue_from_sources(root, sources) {
        Ok(catalogue) => {
            // What the runner reads of a loaded case must be there.
            for case in &catalogue.cases {
                assert!(!case.trial_name.is_empty());
            }
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "an Err with no error");
            // Rendering (snippets, carets) is part of the loading path users see.
            let _ = errors.to_string();
        }
    }
});
