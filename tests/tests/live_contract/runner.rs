//! The runner side: `POST /jobs/request`, `PATCH /jobs/:id/trace` and `PUT /jobs/:id`, every
//! documented status but the 500s, as a runner and the demo's runner tokens meet them.

use anyhow::{Result, ensure};
use gitlab_jobs_client::types;
use gitlab_jobs_client::{Auth, Error};
use gitlab_jobs_contract_tests::wire::Request;
use gitlab_jobs_reference::demo::tokens;

use crate::FORBIDDEN;
use crate::harness::{Live, describe, error_text};

fn runner_request(token: &str) -> Result<types::RunnerJobRequest> {
    Ok(serde_json::from_value(serde_json::json!({
        "token": token,
        "info": {"name": "gitlab-runner", "version": "17.0.0", "executor": "shell"}
    }))?)
}

/// A runner through `POST /jobs/request`, `PATCH /jobs/:id/trace` and `PUT /jobs/:id`: the
/// paused runner gets nothing (204), the instance runner takes the oldest pending build (14),
/// appends to its log (202, 416, 400, 403) and finishes it (200); afterwards its token is
/// refused with the job's status.
pub(crate) async fn runner_side(live: &mut Live) -> Result<()> {
    const REQUEST: &str = "request_runner_job";
    const APPEND: &str = "append_runner_job_trace";
    const UPDATE: &str = "update_runner_job";
    let runner = live.anonymous();

    let paused = runner
        .request_runner_job()
        .body(runner_request(tokens::PAUSED_RUNNER)?)
        .send()
        .await;
    let exchange = live.one(REQUEST, 204)?;
    ensure!(
        matches!(&paused, Err(Error::UnexpectedResponse(response)) if response.status() == 204),
        "{REQUEST}: the typed client declares no 204: {}",
        describe(&paused.map(|_| ()).unwrap_err())
    );
    ensure!(
        exchange
            .header("x-gitlab-last-update")
            .is_some_and(|value| !value.is_empty()),
        "{REQUEST}: 204 without X-GitLab-Last-Update"
    );
    live.refused_with(
        REQUEST,
        FORBIDDEN,
        runner
            .request_runner_job()
            .body(runner_request("glrt-nobody")?)
            .send(),
    )
    .await?;
    let exchange = live
        .raw(
            REQUEST,
            400,
            Request::new("POST", "/api/v4/jobs/request").body("application/json", "{}"),
        )
        .await?;
    ensure!(
        exchange.json()?["error"] == "token is missing",
        "{REQUEST}: no token: {}",
        exchange.summary()
    );

    let (job, _) = live
        .ok(
            REQUEST,
            201,
            runner
                .request_runner_job()
                .body(runner_request(tokens::RUNNER)?)
                .send(),
        )
        .await?;
    let job = job.into_inner();
    ensure!(
        job.id == 14 && job.token.starts_with("glcbt-"),
        "{REQUEST}: got job {} with token {:?}",
        job.id,
        job.token
    );
    ensure!(
        job.steps.first().map(|step| step.script.clone())
            == Some(vec!["bundle exec rubocop --parallel".to_owned()]),
        "{REQUEST}: the fixture's script: {:?}",
        job.steps
    );
    let token = job.token.clone();

    let (accepted, exchange) = live
        .ok(
            APPEND,
            202,
            runner
                .append_runner_job_trace()
                .id(14)
                .token(token.as_str())
                .content_range("0-32")
                .body("$ bundle exec rubocop --parallel\n")
                .send(),
        )
        .await?;
    ensure!(accepted.into_inner().0 == "60", "{APPEND}: the interval");
    ensure!(
        exchange.header("range") == Some("0-33")
            && exchange.header("job-status") == Some("running"),
        "{APPEND}: {}",
        exchange.summary()
    );
    let job_token = live.client(Auth::JobToken(token.clone()));
    let (error, exchange) = live
        .refused(
            APPEND,
            416,
            job_token
                .append_runner_job_trace()
                .id(14)
                .content_range("5-9")
                .body("again")
                .send(),
        )
        .await?;
    ensure!(
        error_text(&error) == "416 Range Not Satisfiable"
            && exchange.header("range") == Some("0-33"),
        "{APPEND}: 416 {}",
        exchange.summary()
    );
    live.refused_with(
        APPEND,
        (400, "400 Missing header Content-Range"),
        job_token.append_runner_job_trace().id(14).body("x").send(),
    )
    .await?;
    live.refused_with(
        APPEND,
        FORBIDDEN,
        runner
            .append_runner_job_trace()
            .id(14)
            .token("glcbt-wrong")
            .content_range("33-34")
            .body("x")
            .send(),
    )
    .await?;

    let update = |state: &str| -> Result<types::RunnerJobUpdate> {
        Ok(serde_json::from_value(
            serde_json::json!({"token": token, "state": state, "exit_code": 0}),
        )?)
    };
    let (alive, _) = live
        .ok(
            UPDATE,
            200,
            runner
                .update_runner_job()
                .id(14)
                .body(update("running")?)
                .send(),
        )
        .await?;
    ensure!(alive.into_inner().0 == "200", "{UPDATE}: keep-alive body");
    let exchange = live
        .raw(
            UPDATE,
            400,
            Request::new("PUT", "/api/v4/jobs/14").body(
                "application/json",
                serde_json::json!({"token": token, "state": "paused"}).to_string(),
            ),
        )
        .await?;
    ensure!(
        exchange.json()? == "400",
        "{UPDATE}: unknown state: {}",
        exchange.summary()
    );
    let (done, exchange) = live
        .ok(
            UPDATE,
            200,
            runner
                .update_runner_job()
                .id(14)
                .body(update("success")?)
                .send(),
        )
        .await?;
    ensure!(
        done.into_inner().0 == "200" && exchange.header("job-status") == Some("success"),
        "{UPDATE}: {}",
        exchange.summary()
    );
    let exchange = live
        .raw(
            UPDATE,
            403,
            Request::new("PUT", "/api/v4/jobs/14").body(
                "application/json",
                serde_json::json!({"token": token, "state": "success"}).to_string(),
            ),
        )
        .await?;
    ensure!(
        exchange.json()?["message"] == "403 Forbidden - Job is not running"
            && exchange.header("job-status") == Some("success"),
        "{UPDATE}: after the end: {}",
        exchange.summary()
    );
    let (error, exchange) = live
        .refused(
            APPEND,
            403,
            job_token
                .append_runner_job_trace()
                .id(14)
                .content_range("33-34")
                .body("x")
                .send(),
        )
        .await?;
    ensure!(
        error_text(&error) == "403 Forbidden - Job is not running"
            && exchange.header("job-status") == Some("success"),
        "{APPEND}: after the end: {}",
        exchange.summary()
    );
    Ok(())
}
