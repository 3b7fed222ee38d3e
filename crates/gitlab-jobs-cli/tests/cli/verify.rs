//! `verify`: clean against the reference server (terminal, --json, --junit), drift (exit 1)
//! against a document that no longer knows a status the server sends, exit 2 when nothing
//! can be checked.

use std::path::PathBuf;

use gitlab_jobs_reference::demo::tokens;
use serde_json::Value;

use crate::support::{demo, run, run_as};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gitlab-jobs-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_is_clean_against_the_reference_server() {
    let server = demo().await;
    let dir = scratch("verify-clean");
    let junit = dir.join("contract.xml");
    let junit_arg = junit.display().to_string();
    let text = run(&server, &["verify", "--junit", &junit_arg]).await;
    text.expect_code(0);
    assert!(text.stdout.contains("list_project_jobs"), "{}", text.stdout);
    assert!(
        text.stdout.contains("get_job_artifact_file"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("\nclean: 0 error(s), 0 warning(s)"),
        "{}",
        text.stdout
    );
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file is written");
    assert!(
        xml.contains("<testsuites name=\"gitlab-jobs verify\""),
        "{xml}"
    );
    assert!(xml.contains("failures=\"0\" errors=\"0\""), "{xml}");
    assert!(xml.contains("<testsuite name=\"get_job_trace\""), "{xml}");

    let json = run(&server, &["--json", "verify"]).await;
    json.expect_code(0);
    let report: Value = serde_json::from_str(json.stdout.trim()).expect("one JSON document");
    assert_eq!(report["summary"]["exit_code"], 0);
    assert!(
        report["summary"]["requests"].as_u64().unwrap_or(0) > 20,
        "{report}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_reports_drift_with_exit_code_1() {
    let server = demo().await;
    let dir = scratch("verify-drift");
    let document = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/gitlab-jobs.yaml"),
    )
    .expect("the workspace's document");
    let known = "      - success\n      - failed\n      - canceling\n";
    assert!(document.contains(known), "JobStatus lists failed");
    let spec = dir.join("no-failed.yaml");
    std::fs::write(
        &spec,
        document.replacen(known, "      - success\n      - canceling\n", 1),
    )
    .expect("write the altered document");
    let junit = dir.join("contract.xml");
    let (spec_arg, junit_arg) = (spec.display().to_string(), junit.display().to_string());
    let drift = run(
        &server,
        &["verify", "--spec", &spec_arg, "--junit", &junit_arg],
    )
    .await;
    drift.expect_code(1);
    assert!(
        drift
            .stdout
            .contains("error [unknown_enum_value] at `/status`"),
        "{}",
        drift.stdout
    );
    assert!(drift.stdout.contains("\nDRIFT: "), "{}", drift.stdout);
    let xml = std::fs::read_to_string(&junit).expect("the JUnit file is written");
    assert!(
        xml.contains("<failure type=\"unknown_enum_value\" message=\"/status: "),
        "{xml}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_that_cannot_run_exits_2() {
    let server = demo().await;
    let refused = run_as(&server, "not-a-token", &["verify"]).await;
    refused.expect_code(2);
    assert!(
        refused
            .stdout
            .contains("could not run: the PRIVATE-TOKEN credential was refused (401"),
        "{}",
        refused.stdout
    );
    let outsider = run_as(&server, tokens::OUTSIDER, &["verify"]).await;
    outsider.expect_code(2);
    assert!(
        outsider.stdout.contains("not found (404"),
        "{}",
        outsider.stdout
    );
}
