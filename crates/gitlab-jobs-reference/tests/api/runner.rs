//! The runner side through `TestServer::runner`: a job goes pending → running → finished with
//! its log growing, as a user sees it through the jobs API, with no timer involved.

use gitlab_jobs_client::types::JobStatus;
use gitlab_jobs_reference::Outcome;

use crate::support::{BACKEND, backend_job, client, demo, tokens};

#[tokio::test]
async fn a_driven_runner_moves_a_job_from_pending_to_success_with_a_growing_log() {
    let server = demo().await;
    let user = client(&server, tokens::MAINTAINER);
    let status = |id: i64| backend_job(&user, id);
    let log = |id: i64| {
        let user = user.clone();
        async move {
            user.job_trace(&gitlab_jobs_client::ProjectId::from(BACKEND), id)
                .await
                .expect("reads the log")
        }
    };
    assert_eq!(status(14).await.status, JobStatus::Pending);

    let runner = server.runner(tokens::RUNNER);
    let mut job = runner
        .request_job()
        .await
        .expect("asks")
        .expect("job 14 is pending");
    assert_eq!(job.id(), 14);
    assert!(job.token().starts_with("glcbt-"), "{}", job.token());
    let running = status(14).await;
    assert_eq!(running.status, JobStatus::Running);
    assert_eq!(running.runner.as_ref().map(|runner| runner.id), Some(1));
    assert!(running.started_at.is_some());

    job.append_trace("$ bundle exec rubocop --parallel\n")
        .await
        .expect("appends");
    assert_eq!(log(14).await, "$ bundle exec rubocop --parallel\n");
    job.append_trace("214 files inspected, no offenses detected\n")
        .await
        .expect("appends");
    assert_eq!(
        log(14).await,
        "$ bundle exec rubocop --parallel\n214 files inspected, no offenses detected\n"
    );
    job.finish(Outcome::Success).await.expect("finishes");
    let finished = status(14).await;
    assert_eq!(finished.status, JobStatus::Success);
    assert!(finished.finished_at.is_some() && finished.duration.is_some());

    // The next pending build, then nothing; the paused runner never gets one.
    let next = runner.request_job().await.expect("asks").expect("job 16");
    assert_eq!(next.id(), 16);
    next.finish(Outcome::Failed {
        reason: "script_failure".into(),
        exit_code: 1,
    })
    .await
    .expect("fails it");
    let failed = status(16).await;
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(
        failed
            .failure_reason
            .map(|reason| reason.to_string())
            .as_deref(),
        Some("script_failure")
    );
    assert!(runner.request_job().await.expect("asks").is_none());
    assert!(
        server
            .runner(tokens::PAUSED_RUNNER)
            .request_job()
            .await
            .expect("asks")
            .is_none()
    );
    let unknown = server.runner("glrt-nobody").request_job().await;
    assert!(
        unknown
            .as_ref()
            .is_err_and(|error| format!("{error:#}").contains("403")),
        "{unknown:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_finished_jobs_token_is_refused_with_its_status() {
    let server = demo().await;
    let runner = server.runner(tokens::RUNNER);
    let mut job = runner.request_job().await.expect("asks").expect("a job");
    job.append_trace("one\n").await.expect("appends");
    let token = job.token().to_owned();
    let id = job.id();
    job.finish(Outcome::Success).await.expect("finishes");
    let http = reqwest::Client::new();
    let answer = http
        .patch(format!(
            "{}/jobs/{id}/trace?token={token}",
            server.api_url()
        ))
        .header("Content-Range", "4-5")
        .body("two\n")
        .send()
        .await
        .expect("answers");
    assert_eq!(answer.status(), 403);
    assert_eq!(
        answer
            .headers()
            .get("job-status")
            .and_then(|value| value.to_str().ok()),
        Some("success")
    );
    assert_eq!(
        answer.text().await.expect("a body"),
        r#"{"message":"403 Forbidden - Job is not running"}"#
    );
    server.shutdown().await;
}
