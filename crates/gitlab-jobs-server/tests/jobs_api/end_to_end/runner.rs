//! The runner side: POST /jobs/request, PATCH /jobs/:id/trace and PUT /jobs/:id.

use gitlab_jobs_client::{Error, ResponseValue};
use gitlab_jobs_server::responses::{
    AppendRunnerJobTraceAcceptedHeaders, RequestRunnerJobNoContentHeaders,
    UpdateRunnerJobForbiddenHeaders,
};
use gitlab_jobs_server::types::{self, JobStatus};
use reqwest::header::HeaderMap;
use serde_json::json;

use super::{MAINT, refused, success, text};
use crate::coverage::Coverage;
use crate::fake::{self, error, message};
use crate::{Auth, Server};

fn runner_request(token: &str) -> types::RunnerJobRequest {
    serde_json::from_value(json!({"token": token})).expect("a job request")
}

fn runner_update(token: &str, state: &str) -> types::RunnerJobUpdate {
    serde_json::from_value(json!({"token": token, "state": state})).expect("an update")
}

/// The success of `PUT /jobs/:id` (its own error schema).
#[track_caller]
fn update_success<T>(
    result: Result<ResponseValue<T>, Error<types::RunnerUpdateError>>,
) -> ResponseValue<T> {
    match result {
        Ok(response) => {
            assert_eq!(response.status().as_u16(), 200);
            response
        }
        Err(other) => panic!("expected 200, got {other}"),
    }
}

/// The error answer of `PUT /jobs/:id` (its own error schema).
#[track_caller]
fn update_refused<T>(
    result: Result<ResponseValue<T>, Error<types::RunnerUpdateError>>,
    status: u16,
) -> (HeaderMap, types::RunnerUpdateError) {
    match result {
        Err(Error::ErrorResponse(response)) => {
            assert_eq!(response.status().as_u16(), status);
            let headers = response.headers().clone();
            (headers, response.into_inner())
        }
        Ok(response) => panic!("expected {status}, got {}", response.status()),
        Err(other) => panic!("expected {status}, got {other}"),
    }
}

/// The runner side: a runner asks (204, then 201 once a build is pending), appends to the
/// log (202, 416, 400) and finishes the job (200), after which its token is refused (403 with
/// `Job-Status`).
pub(super) async fn runner_jobs(coverage: &mut Coverage) {
    let server = Server::start().await;
    let runner = server.client(Auth::None);

    // Nothing pending: 204, which the typed client does not expect.
    match runner
        .request_runner_job()
        .body(runner_request(fake::RUNNER_TOKEN))
        .send()
        .await
    {
        Err(Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status().as_u16(), 204);
            assert_eq!(
                RequestRunnerJobNoContentHeaders {
                    x_git_lab_last_update: text(response.headers(), "x-gitlab-last-update")
                        .expect("the queue marker"),
                },
                RequestRunnerJobNoContentHeaders {
                    x_git_lab_last_update: "queue-empty".into()
                }
            );
        }
        other => panic!("expected 204, got {other:?}"),
    }
    coverage.reached(&server, "request_runner_job", "NoContent", 204);

    success(
        server
            .client(MAINT)
            .play_job()
            .id("1")
            .job_id(4)
            .send()
            .await,
        200,
    );
    let job = success(
        runner
            .request_runner_job()
            .body(runner_request(fake::RUNNER_TOKEN))
            .send()
            .await,
        201,
    )
    .into_inner();
    assert_eq!((job.id, job.token.as_str()), (4, fake::STARTED_JOB_TOKEN));
    assert_eq!(job.steps[0].script, vec!["make"]);
    assert_eq!(server.fake.job(4).status, JobStatus::Running);
    coverage.reached(&server, "request_runner_job", "Created", 201);

    let (_, body) = refused(
        runner
            .request_runner_job()
            .body(runner_request(""))
            .send()
            .await,
        400,
    );
    assert_eq!(body, error("token is missing"));
    coverage.reached(&server, "request_runner_job", "BadRequest", 400);
    let (_, body) = refused(
        runner
            .request_runner_job()
            .body(runner_request("glrt-unknown"))
            .send()
            .await,
        403,
    );
    assert_eq!(body, message("403 Forbidden"));
    coverage.reached(&server, "request_runner_job", "Forbidden", 403);
    let (_, body) = refused(
        runner
            .request_runner_job()
            .body(runner_request(fake::BROKEN))
            .send()
            .await,
        500,
    );
    assert_eq!(body, message("500 Internal Server Error"));
    coverage.reached(&server, "request_runner_job", "InternalServerError", 500);

    // The log: with the token as a query parameter, then in JOB-TOKEN.
    let accepted = success(
        runner
            .append_runner_job_trace()
            .id(4)
            .token(fake::STARTED_JOB_TOKEN)
            .content_range("0-5")
            .body("$ make\n")
            .send()
            .await,
        202,
    );
    assert_eq!(
        AppendRunnerJobTraceAcceptedHeaders {
            job_status: text(accepted.headers(), "job-status"),
            range: text(accepted.headers(), "range").expect("Range"),
            x_git_lab_trace_update_interval: text(
                accepted.headers(),
                "x-gitlab-trace-update-interval"
            )
            .expect("the interval"),
        },
        AppendRunnerJobTraceAcceptedHeaders {
            job_status: Some("running".into()),
            range: "0-7".into(),
            x_git_lab_trace_update_interval: "60".into(),
        }
    );
    assert_eq!(accepted.into_inner().0, "60");
    coverage.reached(&server, "append_runner_job_trace", "Accepted", 202);
    let job_token = server.client(Auth::JobToken(fake::STARTED_JOB_TOKEN));
    let (headers, body) = refused(
        job_token
            .append_runner_job_trace()
            .id(4)
            .content_range("3-9")
            .body("again")
            .send()
            .await,
        416,
    );
    assert_eq!(body, message("416 Range Not Satisfiable"));
    assert_eq!(text(&headers, "range").as_deref(), Some("0-7"));
    coverage.reached(
        &server,
        "append_runner_job_trace",
        "RangeNotSatisfiable",
        416,
    );
    let (_, body) = refused(
        job_token
            .append_runner_job_trace()
            .id(4)
            .body("x")
            .send()
            .await,
        400,
    );
    assert_eq!(body, message("400 Missing header Content-Range"));
    coverage.reached(&server, "append_runner_job_trace", "BadRequest", 400);
    let (_, body) = refused(
        runner
            .append_runner_job_trace()
            .id(4)
            .token(fake::BROKEN)
            .content_range("7-8")
            .body("x")
            .send()
            .await,
        500,
    );
    assert_eq!(body, message("500 Internal Server Error"));
    coverage.reached(
        &server,
        "append_runner_job_trace",
        "InternalServerError",
        500,
    );

    // The state: a keep-alive, an unknown state, then success.
    let alive = update_success(
        runner
            .update_runner_job()
            .id(4)
            .body(runner_update(fake::STARTED_JOB_TOKEN, "running"))
            .send()
            .await,
    );
    assert_eq!(
        text(alive.headers(), "job-status").as_deref(),
        Some("running")
    );
    assert_eq!(alive.into_inner().0, "200");
    let (_, body) = update_refused(
        runner
            .update_runner_job()
            .id(4)
            .body(runner_update(fake::STARTED_JOB_TOKEN, "pending"))
            .send()
            .await,
        400,
    );
    assert_eq!(
        body,
        types::RunnerUpdateError::RunnerStatusCode(types::RunnerStatusCode("400".into()))
    );
    coverage.reached(&server, "update_runner_job", "BadRequest", 400);
    let (_, body) = update_refused(
        runner
            .update_runner_job()
            .id(4)
            .body(runner_update(fake::BROKEN, "success"))
            .send()
            .await,
        500,
    );
    assert_eq!(
        body,
        types::RunnerUpdateError::Error(message("500 Internal Server Error"))
    );
    coverage.reached(&server, "update_runner_job", "InternalServerError", 500);
    let done = update_success(
        runner
            .update_runner_job()
            .id(4)
            .body(runner_update(fake::STARTED_JOB_TOKEN, "success"))
            .send()
            .await,
    );
    assert_eq!(
        text(done.headers(), "job-status").as_deref(),
        Some("success")
    );
    coverage.reached(&server, "update_runner_job", "Ok", 200);
    assert_eq!(server.fake.job(4).status, JobStatus::Success);

    // Finished: both calls are refused with the job's status.
    let (headers, body) = update_refused(
        runner
            .update_runner_job()
            .id(4)
            .body(runner_update(fake::STARTED_JOB_TOKEN, "success"))
            .send()
            .await,
        403,
    );
    assert_eq!(
        body,
        types::RunnerUpdateError::Error(message("403 Forbidden - Job is not running"))
    );
    assert_eq!(
        UpdateRunnerJobForbiddenHeaders {
            job_status: text(&headers, "job-status")
        },
        UpdateRunnerJobForbiddenHeaders {
            job_status: Some("success".into())
        }
    );
    coverage.reached(&server, "update_runner_job", "Forbidden", 403);
    let (headers, body) = refused(
        job_token
            .append_runner_job_trace()
            .id(4)
            .content_range("7-8")
            .body("x")
            .send()
            .await,
        403,
    );
    assert_eq!(body, message("403 Forbidden - Job is not running"));
    assert_eq!(text(&headers, "job-status").as_deref(), Some("success"));
    coverage.reached(&server, "append_runner_job_trace", "Forbidden", 403);
}
