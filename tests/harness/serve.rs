//! `stackconform serve`: the reference cloud as a standalone target, used through the
//! clouds.yaml it writes (password auth through its Keystone), as any client would.

use std::process::Command;

use crate::support::{case_count, copy_tree, repo, token, Served, IDENTITIES};

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

#[test]
fn the_catalogue_passes_against_serve_with_all_four_identities() {
    let served = Served::start();
    let (code, text) = served.run(&IDENTITIES);
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
fn serve_stops_cleanly_on_sigterm_even_right_after_ready() {
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

#[test]
fn a_failure_prints_a_curl_command_that_reproduces_the_status() {
    let served = Served::start();
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo().join("cases"), &dir.path().join("cases"));
    copy_tree(&repo().join("snapshots"), &dir.path().join("snapshots"));
    let case = dir
        .path()
        .join("cases/compute/detach_interface/404-unknown-server.yaml");
    let text = std::fs::read_to_string(&case).unwrap();
    std::fs::write(
        &case,
        text.replacen("  status: 404\n", "  status: 409\n", 1),
    )
    .unwrap();
    let out = served
        .command(dir.path(), &dir.path().join("ledgers"))
        .args([
            "run",
            "--cloud",
            "reference",
            "--exact",
            "compute.detach_interface::404-unknown-server",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(101), "{text}");
    let curl = text
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("curl "))
        .map(|rest| format!("curl {rest}"))
        .unwrap_or_else(|| panic!("no curl command in:\n{text}"));
    assert!(curl.contains("\"X-Auth-Token: $OS_TOKEN\""), "{curl}");
    let replay = Command::new("bash")
        .args(["-c", &format!("{curl} -s -o /dev/null -w '%{{http_code}}'")])
        .env("OS_TOKEN", token(&served.clouds_yaml))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&replay.stdout), "404", "{curl}");
}

#[test]
fn plain_os_environment_variables_make_the_envvars_cloud() {
    let served = Served::start();
    let doc: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(&served.clouds_yaml).unwrap()).unwrap();
    let cloud = &doc["clouds"]["reference"];
    let auth = &cloud["auth"];
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stackconform"))
        .current_dir(repo())
        .env("CI", "true")
        .env("HOME", elsewhere.path())
        .env_remove("OS_CLIENT_CONFIG_FILE")
        .env_remove("OS_CLOUD")
        .env("OS_AUTH_URL", auth["auth_url"].as_str().unwrap())
        .env("OS_USERNAME", auth["username"].as_str().unwrap())
        .env("OS_PASSWORD", auth["password"].as_str().unwrap())
        .env("OS_PROJECT_NAME", auth["project_name"].as_str().unwrap())
        .env(
            "OS_USER_DOMAIN_NAME",
            auth["user_domain_name"].as_str().unwrap(),
        )
        .env(
            "OS_PROJECT_DOMAIN_NAME",
            auth["project_domain_name"].as_str().unwrap(),
        )
        .env("OS_REGION_NAME", cloud["region_name"].as_str().unwrap())
        .args([
            "run",
            "--cloud",
            "envvars",
            "--exact",
            "network.remove_router_interface::200-by-subnet",
        ])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}
