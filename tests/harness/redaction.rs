//! Secrets never leave the harness: a run with known passwords, a known token and a known
//! application-credential secret, verbose, with debug logs, a failing case, a new schema
//! snapshot, a report, a JUnit file and a ledger; then every byte it printed or wrote is
//! searched for those secrets and for anything shaped like a token.

use std::path::Path;
use std::process::Command;

use crate::support::{copy_tree, repo, token_for, Served};

fn post(url: &str, token: Option<&str>, body: &serde_json::Value) -> (String, serde_json::Value) {
    let mut cmd = Command::new("curl");
    cmd.args(["-si", "-X", "POST", "-H", "Content-Type: application/json"]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("X-Auth-Token: {t}")]);
    }
    let out = cmd
        .arg("--data-binary")
        .arg(body.to_string())
        .arg(url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (
        head.to_string(),
        serde_json::from_str(body).unwrap_or_default(),
    )
}

fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_secret_appears_in_any_output_or_file() {
    let served = Served::start();
    let doc: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&served.clouds_yaml).unwrap()).unwrap();
    let mut secrets: Vec<String> = doc["clouds"]
        .as_object()
        .unwrap()
        .values()
        .map(|c| c["auth"]["password"].as_str().unwrap().to_string())
        .collect();

    // A token handed to the harness, and an application credential of the owner.
    let owner = &doc["clouds"]["reference"]["auth"];
    let auth_url = owner["auth_url"].as_str().unwrap();
    let token = token_for(&served.clouds_yaml, "reference");
    let validated = Command::new("curl")
        .args([
            "-s",
            "-H",
            &format!("X-Auth-Token: {token}"),
            "-H",
            &format!("X-Subject-Token: {token}"),
        ])
        .arg(format!("{auth_url}/auth/tokens"))
        .output()
        .unwrap();
    let me: serde_json::Value = serde_json::from_slice(&validated.stdout).unwrap();
    let user_id = me["token"]["user"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (_, cred) = post(
        &format!("{auth_url}/users/{user_id}/application_credentials"),
        Some(&token),
        &serde_json::json!({"application_credential": {"name": "stackconform-redaction"}}),
    );
    let cred_id = cred["application_credential"]["id"]
        .as_str()
        .expect("an app credential")
        .to_string();
    let cred_secret = cred["application_credential"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    secrets.push(token.clone());
    secrets.push(cred_secret.clone());

    let dir = tempfile::tempdir().unwrap();
    let mut clouds = doc.clone();
    let base = doc["clouds"]["reference"].clone();
    let mut by_token = base.clone();
    by_token["auth_type"] = "token".into();
    by_token["auth"] = serde_json::json!({"auth_url": auth_url, "token": token,
        "project_id": me["token"]["project"]["id"]});
    let mut by_cred = base;
    by_cred["auth_type"] = "v3applicationcredential".into();
    by_cred["auth"] = serde_json::json!({"auth_url": auth_url,
        "application_credential_id": cred_id, "application_credential_secret": cred_secret});
    clouds["clouds"]["by-token"] = by_token;
    clouds["clouds"]["by-cred"] = by_cred;
    let clouds_yaml = dir.path().join("clouds.yaml");
    std::fs::write(&clouds_yaml, serde_json::to_string(&clouds).unwrap()).unwrap();

    let work = dir.path().join("work");
    copy_tree(&repo().join("cases"), &work.join("cases"));
    copy_tree(&repo().join("snapshots"), &work.join("snapshots"));
    // A failing case (its exchange is dumped) and a missing snapshot (a new one is written).
    let case = work.join("cases/network/remove_router_interface/200-by-subnet.yaml");
    let text = std::fs::read_to_string(&case).unwrap();
    std::fs::write(
        &case,
        text.replacen("  status: 200\n", "  status: 409\n", 1),
    )
    .unwrap();
    std::fs::remove_file(work.join("snapshots/network.remove_router_interface.405.snap")).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .current_dir(&work)
        .env_remove("CI")
        .env("INSTA_UPDATE", "new")
        .env("RUST_LOG", "debug")
        .env("OS_CLIENT_CONFIG_FILE", &clouds_yaml)
        .env("STACKCONFORM_LEDGER_DIR", work.join("ledgers"))
        .args([
            "run",
            "--cloud",
            "by-cred",
            "--alt-cloud",
            "by-token",
            "--reader-cloud",
            "reference-reader",
            "--admin-cloud",
            "reference-admin",
            "-v",
            "--report",
            "report.json",
            "--junit",
            "junit.xml",
        ])
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(101), "{printed}");
    assert!(
        printed.contains("X-Auth-Token: <redacted>"),
        "the verbose dump ran"
    );
    assert!(printed.contains("DEBUG"), "debug logs ran");

    let mut files = Vec::new();
    all_files(&work, &mut files);
    files.retain(|f| !f.starts_with(work.join("cases")));
    assert!(files.iter().any(|f| f.ends_with("report.json")));
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().ends_with(".snap.new")),
        "{files:?}"
    );
    let mut haystacks = vec![("output".to_string(), printed)];
    for f in files {
        haystacks.push((
            f.display().to_string(),
            String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned(),
        ));
    }
    // The reference cloud's tokens, whoever asked for them, look like this.
    let token_shape = regex::Regex::new("gAAAAA[0-9a-f]{16,}").unwrap();
    for (name, text) in &haystacks {
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "a secret appears in {name}");
        }
        assert!(
            token_shape.find(text).is_none(),
            "a token appears in {name}"
        );
    }
}
