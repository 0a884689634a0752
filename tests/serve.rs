//! `stackconform serve`: the reference cloud as a standalone target, used through the
//! clouds.yaml it writes (password auth through its Keystone), as any client would.
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A running `serve`; SIGTERM on drop if the test did not stop it.
struct Served {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    clouds_yaml: PathBuf,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start() -> Served {
        let dir = tempfile::tempdir().unwrap();
        let clouds_yaml = dir.path().join("clouds.yaml");
        let mut child = Command::new(env!("CARGO_BIN_EXE_stackconform"))
            .args(["serve", "--listen", "127.0.0.1:0", "--clouds-yaml"])
            .arg(&clouds_yaml)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let served = Served {
            child,
            lines,
            clouds_yaml,
            _dir: dir,
        };
        served.wait_for("READY clouds.yaml");
        served
    }

    fn wait_for(&self, prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(_) => {}
                Err(e) => panic!("serve never printed {prefix:?}: {e}"),
            }
        }
    }

    fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
    }

    fn run(&self, args: &[&str]) -> (Option<i32>, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_stackconform"))
            .current_dir(repo())
            .env("CI", "true")
            .env("OS_CLIENT_CONFIG_FILE", &self.clouds_yaml)
            .env_remove("OS_CLOUD")
            .arg("run")
            .args(args)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.terminate();
        let _ = self.child.wait();
    }
}

fn count(text: &str, what: &str) -> usize {
    text.lines()
        .find(|l| l.starts_with("test result:"))
        .and_then(|l| {
            l.split("; ")
                .find_map(|p| p.trim_start_matches("test result: ok. ").strip_suffix(what))
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `{what}` count in:\n{text}"))
}

fn case_count() -> usize {
    let mut n = 0;
    for dir in [
        "cases/network/remove_router_interface",
        "cases/compute/detach_interface",
    ] {
        n += std::fs::read_dir(repo().join(dir))
            .unwrap()
            .filter(|e| {
                let p = e.as_ref().unwrap().path();
                p.extension().is_some_and(|x| x == "yaml") && p.file_stem().unwrap() != "operation"
            })
            .count();
    }
    n
}

#[test]
fn the_catalogue_passes_against_serve_with_all_four_identities() {
    let served = Served::start();
    let (code, text) = served.run(&[
        "--cloud",
        "reference",
        "--alt-cloud",
        "reference-alt",
        "--reader-cloud",
        "reference-reader",
        "--admin-cloud",
        "reference-admin",
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(count(&text, " passed"), case_count(), "{text}");
    assert_eq!(count(&text, " ignored"), 0, "{text}");
}

#[test]
fn without_the_extra_identities_their_cases_are_skipped_with_reasons() {
    let served = Served::start();
    let (code, text) = served.run(&["--cloud", "reference"]);
    assert_eq!(code, Some(0), "{text}");
    let skipped: Vec<&str> = text.lines().filter(|l| l.contains("... ignored")).collect();
    assert_eq!(skipped.len(), count(&text, " ignored"), "{text}");
    assert!(!skipped.is_empty(), "{text}");
    for line in &skipped {
        assert!(
            line.contains("(needs the other identity; this run has none (give --alt-cloud))")
                || line.contains(
                    "(needs the reader identity; this run has none (give --reader-cloud))"
                )
                || line
                    .contains("(needs the admin identity; this run has none (give --admin-cloud))"),
            "{line}"
        );
    }
    assert!(
        text.contains("403-reader") && text.contains("404-other-project"),
        "{text}"
    );
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let mut served = Served::start();
    served.terminate();
    served.wait_for("STOPPED");
    let status = served.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_written_clouds_yaml_names_four_clouds_and_the_facts() {
    let served = Served::start();
    let text = std::fs::read_to_string(&served.clouds_yaml).unwrap();
    for cloud in [
        "reference:",
        "reference-alt:",
        "reference-reader:",
        "reference-admin:",
    ] {
        assert!(
            text.contains(&format!("\n  {cloud}\n")),
            "{cloud} missing:\n{text}"
        );
    }
    assert!(text.contains("auth_type: password"), "{text}");
    assert!(text.contains("image_id: "), "{text}");
}
