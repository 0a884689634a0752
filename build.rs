//! Embeds the catalogue (`cases/`, `snapshots/`) in the binary, so `stackconform` installed
//! with `cargo install --path .` runs from any folder.
//!
//! A build script rather than `include_dir!`: cargo re-runs it when a file is added to or
//! removed from either folder (`rerun-if-changed` on a folder watches everything below it),
//! where a macro that expands to `include_bytes!` per file only notices edits to files it
//! already knew.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else if path
            .extension()
            .is_some_and(|x| ["yaml", "yml", "json", "snap"].iter().any(|e| x == *e))
        {
            out.push(path);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let mut code = String::new();
    for folder in ["cases", "snapshots"] {
        let root = manifest.join(folder);
        println!("cargo:rerun-if-changed={folder}");
        let mut found = Vec::new();
        files(&root, &mut found);
        writeln!(
            code,
            "pub static {}: &[(&str, &str)] = &[",
            folder.to_uppercase()
        )
        .unwrap();
        for path in found {
            let relative = path.strip_prefix(&root).expect("below its root");
            let relative = relative
                .components()
                .map(|c| c.as_os_str().to_str().expect("UTF-8 file names"))
                .collect::<Vec<_>>()
                .join("/");
            writeln!(
                code,
                "    ({relative:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .unwrap();
        }
        code.push_str("];\n");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out.join("catalogue.rs"), code).expect("write the embedded catalogue");
}
