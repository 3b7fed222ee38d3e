//! `retry`, `cancel`, `play` and `erase`: what they print, their JSON, and GitLab's refusals.

use gitlab_jobs_reference::demo::tokens;

use crate::support::{demo, run, run_as};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_prints_the_new_job_and_a_second_retry_is_refused() {
    let server = demo().await;
    let first = run(&server, &["retry", "8"]).await;
    first.expect_code(0);
    let new_id: i64 = first
        .stdout
        .strip_prefix("Retried job 8 as job ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output: {}", first.stdout));
    assert!(new_id > 8);
    assert!(
        first.stdout.trim_end().ends_with(&format!(
            "(pending) {}/acme/backend/-/jobs/{new_id}",
            server.base_url()
        )),
        "{}",
        first.stdout
    );

    let again = run(&server, &["retry", "8"]).await;
    again.expect_code(3);
    assert!(
        again
            .stderr
            .contains("403 Forbidden; GitLab said: 403 Forbidden - Job is not retryable"),
        "{}",
        again.stderr
    );

    // The new job, as JSON.
    let json = run(&server, &["--json", "retry", &new_id.to_string()]).await;
    json.expect_code(3); // pending: not retryable either
    let shown = run(&server, &["--json", "show", &new_id.to_string()]).await;
    let job: serde_json::Value = serde_json::from_str(&shown.stdout).expect("json");
    assert_eq!(
        (&job["name"], &job["status"]),
        (&"rspec".into(), &"pending".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_and_force() {
    let server = demo().await;
    let canceled = run(&server, &["cancel", "13"]).await;
    canceled.expect_code(0);
    assert_eq!(canceled.stdout, "Job 13 is canceled\n");
    // GitLab answers the cancel of a finished job with the job, unchanged (201).
    let again = run(&server, &["--json", "cancel", "13"]).await;
    again.expect_code(0);
    let job: serde_json::Value = serde_json::from_str(&again.stdout).expect("json");
    assert_eq!(
        (&job["id"], &job["status"]),
        (&13.into(), &"canceled".into())
    );
    // `force` only ends a `canceling` job (`force_cancel`); a pending one stays pending.
    let forced = run(&server, &["cancel", "14", "--force"]).await;
    forced.expect_code(0);
    assert_eq!(forced.stdout, "Job 14 is pending\n");
    // Developers may cancel but not force.
    let developer = run_as(&server, tokens::DEVELOPER, &["cancel", "14", "--force"]).await;
    developer.expect_code(3);
    assert!(
        developer.stderr.contains("403 Forbidden"),
        "{}",
        developer.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_with_variables() {
    let server = demo().await;
    let played = run(
        &server,
        &[
            "play",
            "6",
            "--var",
            "DEPLOY_ENV=production",
            "--var",
            "DRY_RUN=",
        ],
    )
    .await;
    played.expect_code(0);
    assert!(
        played.stdout.starts_with("Job 6 is pending "),
        "{}",
        played.stdout
    );
    let bad = run(&server, &["play", "6", "--var", "=x"]).await;
    bad.expect_code(2);
    assert!(bad.stderr.contains("KEY=VALUE"), "{}", bad.stderr);
    // A job that is not manual cannot be played.
    let refused = run(&server, &["play", "13"]).await;
    refused.expect_code(3);
}

/// `--input NAME=VALUE` sends the job's CI inputs (`job_inputs`): the demo's job 8 defines
/// `parallel` (1, 2 or 4) and job 6 `target_env` (staging or production).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_and_play_with_inputs() {
    let server = demo().await;
    let refused = run(&server, &["retry", "8", "--input", "parallel=3"]).await;
    refused.expect_code(3);
    assert!(
        refused.stderr.contains(
            "`parallel` input: `3` cannot be used because it is not in the list of the allowed options"
        ),
        "{}",
        refused.stderr
    );
    let retried = run(&server, &["retry", "8", "--input", "parallel=4"]).await;
    retried.expect_code(0);
    assert!(
        retried.stdout.starts_with("Retried job 8 as job "),
        "{}",
        retried.stdout
    );
    let refused = run(&server, &["play", "6", "--input", "target_env=qa"]).await;
    refused.expect_code(3);
    assert!(
        refused
            .stderr
            .contains("`target_env` input: `qa` cannot be used"),
        "{}",
        refused.stderr
    );
    let played = run(&server, &["play", "6", "--input", "target_env=production"]).await;
    played.expect_code(0);
    assert!(
        played.stdout.starts_with("Job 6 is pending "),
        "{}",
        played.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erase_removes_the_log_and_reporters_are_refused_with_a_hint() {
    let server = demo().await;
    let refused = run_as(&server, tokens::REPORTER, &["erase", "7"]).await;
    refused.expect_code(3);
    assert!(
        refused.stderr.contains("403 Forbidden")
            && refused
                .stderr
                .contains("hint: the token's user may lack the role"),
        "{}",
        refused.stderr
    );

    let erased = run(&server, &["erase", "7"]).await;
    erased.expect_code(0);
    assert_eq!(
        erased.stdout,
        "Erased the log and artifacts of job 7 (success)\n"
    );
    let log = run(&server, &["trace", "7"]).await;
    log.expect_code(0);
    assert_eq!(log.stdout, "");
}
