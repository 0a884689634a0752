//! What the binary's tests share: private copies of the catalogue, output capture, and
//! `stackconform serve` in a child process, used through the clouds.yaml it writes.
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A private copy of the catalogue and snapshots, so a test can break one case.
pub fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("cases"), &dir.path().join("cases"));
    copy_tree(&repo().join("snapshots"), &dir.path().join("snapshots"));
    dir
}

/// Every case file under `dir/cases`, whatever the operation: fixtures and operation
/// tables are not cases. A new operation needs no change here.
pub fn case_files(dir: &std::path::Path) -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().unwrap() != "fixtures" {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|x| x == "yaml")
                && path.file_stem().unwrap() != "operation"
            {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&dir.join("cases"), &mut out);
    out.sort();
    out
}

/// How many cases the repository's catalogue holds.
pub fn case_count() -> usize {
    case_files(&repo()).len()
}

/// The binary in `dir`, as CI runs it: insta writes nothing, and no OpenStack
/// configuration of the machine leaks in.
pub fn stackconform(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .current_dir(dir)
        .env("CI", "true")
        .env_remove("OS_CLOUD")
        .env_remove("OS_CLIENT_CONFIG_FILE")
        .args(args)
        .output()
        .unwrap()
}

/// stdout then stderr, as a person would read them.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The four identities `serve` writes, as `run` flags.
pub const IDENTITIES: [&str; 8] = [
    "--cloud",
    "reference",
    "--alt-cloud",
    "reference-alt",
    "--reader-cloud",
    "reference-reader",
    "--admin-cloud",
    "reference-admin",
];

/// A running `serve`; SIGTERM on drop if the test did not stop it.
pub struct Served {
    pub child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    pub clouds_yaml: PathBuf,
    dir: tempfile::TempDir,
}

impl Served {
    pub fn start() -> Served {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let clouds_yaml = dir.path().join("clouds.yaml");
        let mut child = Command::new(env!("CARGO_BIN_EXE_stackconform"))
            .args(["serve", "--listen", "127.0.0.1:0", "--clouds-yaml"])
            .arg(&clouds_yaml)
            .args(extra)
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
            dir,
        };
        served.wait_for("READY clouds.yaml");
        served
    }

    pub fn wait_for(&self, prefix: &str) -> String {
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

    pub fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
    }

    /// The binary in `cwd` against this cloud, as CI runs it, its ledgers in `ledgers`.
    pub fn command(&self, cwd: &std::path::Path, ledgers: &std::path::Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackconform"));
        cmd.current_dir(cwd)
            .env("CI", "true")
            .env("OS_CLIENT_CONFIG_FILE", &self.clouds_yaml)
            .env_remove("OS_CLOUD")
            .env("STACKCONFORM_LEDGER_DIR", ledgers);
        cmd
    }

    /// `stackconform run ARGS` on the repository's catalogue.
    pub fn run(&self, args: &[&str]) -> (Option<i32>, String) {
        let out = self
            .command(&repo(), &self.dir.path().join("ledgers"))
            .arg("run")
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), text(&out))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.terminate();
        let _ = self.child.wait();
    }
}

pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else if TRACKED.iter().any(|e| name.ends_with(e)) {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The kinds of file the repository tracks under `cases/` and `snapshots/`. A stray
/// `.snap.new` or editor file in the checkout must not change what a test sees.
const TRACKED: [&str; 4] = [".yaml", ".yml", ".json", ".snap"];

/// A password token for the `reference` cloud, fetched with curl as a user would.
pub fn token(clouds_yaml: &std::path::Path) -> String {
    token_for(clouds_yaml, "reference")
}

/// A password token for one of the clouds in the written clouds.yaml.
pub fn token_for(clouds_yaml: &std::path::Path, cloud: &str) -> String {
    let doc: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(clouds_yaml).unwrap()).unwrap();
    let auth = &doc["clouds"][cloud]["auth"];
    let body = serde_json::json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": auth["username"], "password": auth["password"],
            "domain": {"name": auth["user_domain_name"]}}}},
        "scope": {"project": {"name": auth["project_name"],
            "domain": {"name": auth["project_domain_name"]}}}}});
    let out = Command::new("curl")
        .args([
            "-si",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
        ])
        .arg(body.to_string())
        .arg(format!(
            "{}/auth/tokens",
            auth["auth_url"].as_str().unwrap()
        ))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("x-subject-token: ")
                .or_else(|| l.strip_prefix("X-Subject-Token: "))
        })
        .map(|t| t.trim().to_string())
        .expect("a token")
}

/// The name prefix of everything a run creates.
pub const PREFIX: &str = "stackconform-";

pub fn base_url(served: &Served) -> String {
    let doc: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&served.clouds_yaml).unwrap()).unwrap();
    let auth_url = doc["clouds"]["reference"]["auth"]["auth_url"]
        .as_str()
        .unwrap()
        .to_string();
    auth_url.trim_end_matches("/identity/v3").to_string()
}

pub fn get(url: &str, token: &str) -> serde_json::Value {
    let out = Command::new("curl")
        .args(["-s", "-H", &format!("X-Auth-Token: {token}"), url])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{url}: {e}"))
}

pub fn post(url: &str, token: &str, body: serde_json::Value) -> serde_json::Value {
    let out = Command::new("curl")
        .args(["-s", "-X", "POST", "-H", &format!("X-Auth-Token: {token}")])
        .args(["-H", "Content-Type: application/json", "--data-binary"])
        .arg(body.to_string())
        .arg(url)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// Waits until a run has created something on the cloud (a run caught halfway).
pub fn until_created(served: &Served) {
    let started = Instant::now();
    while leftovers(served).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run created nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every resource on the cloud whose name (a floating IP: description) has the prefix.
pub fn leftovers(served: &Served) -> Vec<String> {
    let base = base_url(served);
    let token = token_for(&served.clouds_yaml, "reference-admin");
    let mut found = Vec::new();
    for (path, coll, field) in [
        ("/networking/v2.0/networks", "networks", "name"),
        ("/networking/v2.0/subnets", "subnets", "name"),
        ("/networking/v2.0/ports", "ports", "name"),
        ("/networking/v2.0/routers", "routers", "name"),
        ("/networking/v2.0/floatingips", "floatingips", "description"),
        (
            "/compute/v2.1/servers/detail?all_tenants=1",
            "servers",
            "name",
        ),
    ] {
        let body = get(&format!("{base}{path}"), &token);
        for item in body[coll]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {body}"))
        {
            let name = item[field].as_str().unwrap_or("");
            if name.starts_with(PREFIX) {
                found.push(format!("{coll}: {name}"));
            }
        }
    }
    found
}
