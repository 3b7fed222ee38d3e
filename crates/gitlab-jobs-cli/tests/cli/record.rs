//! `record --out FILE`: a fixture file the reference server loads, with the tokens printed.

use gitlab_jobs_reference::{Fixtures, TestServer};
use serde_json::Value;

use crate::support::{demo, run, run_as, run_with_env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_writes_fixtures_the_reference_server_replays() {
    let server = demo().await;
    let dir = std::env::temp_dir().join(format!("gitlab-jobs-cli-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let file = dir.join("jobs.json");
    let file_arg = file.display().to_string();
    let recorded = run(
        &server,
        &[
            "record",
            "--out",
            &file_arg,
            "--limit",
            "5",
            "--replay-token",
            "replay-secret",
        ],
    )
    .await;
    recorded.expect_code(0);
    assert!(
        recorded.stdout.starts_with("recorded "),
        "{}",
        recorded.stdout
    );
    assert!(
        recorded
            .stdout
            .contains("replay: gitlab-jobs-reference serve --fixtures"),
        "{}",
        recorded.stdout
    );
    assert!(
        recorded.stdout.contains("maintainer  replay-secret"),
        "{}",
        recorded.stdout
    );

    let text = std::fs::read_to_string(&file).expect("the fixture file");
    let fixtures: Value = serde_json::from_str(&text).expect("JSON");
    let plain_jobs = fixtures["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter(|j| j.get("downstream_pipeline").is_none())
        .count();
    assert_eq!(plain_jobs, 5, "--limit bounds the jobs");
    assert!(!dir.join(".jobs.json.partial").exists());

    let replay = TestServer::start(Fixtures::from_json(&text).expect("the file loads"))
        .await
        .expect("the replay server starts");
    // A finished job: a running one's duration grows with the clock on the source server.
    let newest = fixtures["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .find(|j| !j["finished_at"].is_null() && j.get("downstream_pipeline").is_none())
        .and_then(|j| j["id"].as_i64())
        .expect("a finished job")
        .to_string();
    let shown = run_as(&replay, "replay-secret", &["--json", "show", &newest]).await;
    shown.expect_code(0);
    let original = run(&server, &["--json", "show", &newest]).await;
    let strip = |s: &str, base: &str| s.replace(base, "HOST");
    assert_eq!(
        strip(
            &strip(&shown.stdout, &replay.base_url()),
            &server.base_url()
        ),
        strip(&original.stdout, &server.base_url())
    );

    // Without --replay-token one is generated; without a project nothing is recorded.
    let generated = run(&server, &["record", "--out", &file_arg, "--limit", "1"]).await;
    generated.expect_code(0);
    assert!(
        generated.stdout.contains("maintainer  replay-"),
        "{}",
        generated.stdout
    );
    let url = server.base_url();
    let no_project = run_with_env(
        &["--url", &url, "record", "--out", &file_arg],
        &[("GITLAB_TOKEN", "demo-alice-token")],
    )
    .await;
    no_project.expect_code(2);
    let _ = std::fs::remove_dir_all(dir);
}
