//! One job, its log, and the actions on it: cancel, retry, erase and play.

use gitlab_jobs_server::responses::GetJobTraceOkHeaders;
use gitlab_jobs_server::types::{self, JobStatus};
use serde_json::json;

use super::{MAINT, assert_refusals, bytes_of, job_refusals, refused, success, text};
use crate::Server;
use crate::coverage::Coverage;
use crate::fake::{self, message};

pub(super) async fn get_job(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let job = success(client.get_job().id("1").job_id(1).send().await, 200).into_inner();
    assert_eq!(job, server.fake.job(1));
    assert_eq!(
        (job.id, job.name.as_str(), job.status),
        (1, "build", JobStatus::Success)
    );
    assert_eq!(job.pipeline.id, 10);
    assert_eq!(job.tag_list, ["docker", "linux"]);
    assert_eq!(
        job.artifacts_file
            .as_ref()
            .map(|file| file.filename.as_str()),
        Some("artifacts.zip")
    );
    assert_eq!(job.failure_reason, None);
    coverage.reached(&server, "get_job", "Ok", 200);

    let by_path = success(
        client.get_job().id("group/project").job_id(2).send().await,
        200,
    );
    assert_eq!(
        by_path.failure_reason,
        Some(types::FailureReason::ScriptFailure)
    );

    assert_refusals(
        &server,
        coverage,
        "get_job",
        job_refusals(),
        |client, job| async move { client.get_job().id("1").job_id(job).send().await },
    )
    .await;
    // Builds only: a bridge id is not a job here.
    let (_, body) = refused(client.get_job().id("1").job_id(6).send().await, 404);
    assert_eq!(body, message("404 Not found"));
    let (_, body) = refused(client.get_job().id("nope").job_id(1).send().await, 404);
    assert_eq!(body, message("404 Project Not Found"));
}

pub(super) async fn trace(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let response = success(client.get_job_trace().id("1").job_id(1).send().await, 200);
    assert_eq!(
        GetJobTraceOkHeaders {
            content_disposition: text(response.headers(), "content-disposition")
        },
        GetJobTraceOkHeaders {
            content_disposition: Some("infile; filename=\"1.log\"".into())
        }
    );
    assert_eq!(
        text(response.headers(), "content-type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(
        bytes_of(response).await,
        "Running with gitlab-runner\nJob succeeded\n"
    );
    coverage.reached(&server, "get_job_trace", "Ok", 200);

    // No log: still 200, with an empty body.
    let empty = success(client.get_job_trace().id("1").job_id(2).send().await, 200);
    assert_eq!(
        text(empty.headers(), "content-disposition").as_deref(),
        Some("infile; filename=\"2.log\"")
    );
    assert!(bytes_of(empty).await.is_empty());

    assert_refusals(
        &server,
        coverage,
        "get_job_trace",
        job_refusals(),
        |client, job| async move { client.get_job_trace().id("1").job_id(job).send().await },
    )
    .await;
}

pub(super) async fn cancel(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let job = success(client.cancel_job().id("1").job_id(3).send().await, 201).into_inner();
    assert_eq!((job.id, job.status), (3, JobStatus::Canceling));
    assert_eq!(
        server
            .fake
            .last("cancel_job")
            .expect("a call")
            .param("force"),
        Some("")
    );
    coverage.reached(&server, "cancel_job", "Created", 201);

    let forced = success(
        client
            .cancel_job()
            .id("1")
            .job_id(3)
            .force(true)
            .send()
            .await,
        201,
    );
    assert_eq!(forced.status, JobStatus::Canceled);
    assert_eq!(
        server
            .fake
            .last("cancel_job")
            .expect("a call")
            .param("force"),
        Some("true")
    );
    // A finished job is answered 201, unchanged.
    let finished = success(client.cancel_job().id("1").job_id(1).send().await, 201).into_inner();
    assert_eq!(finished, server.fake.job(1));
    assert_eq!(finished.status, JobStatus::Success);

    assert_refusals(
        &server,
        coverage,
        "cancel_job",
        job_refusals(),
        |client, job| async move { client.cancel_job().id("1").job_id(job).send().await },
    )
    .await;
}

pub(super) async fn retry(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let job = success(client.retry_job().id("1").job_id(2).send().await, 201).into_inner();
    assert_eq!(
        (job.id, job.name.as_str(), &job.status),
        (100, "rspec", &JobStatus::Pending)
    );
    assert_eq!(job, server.fake.job(100));
    coverage.reached(&server, "retry_job", "Created", 201);

    // A bridge is presented as a Job too.
    let bridge = success(client.retry_job().id("1").job_id(6).send().await, 201).into_inner();
    assert_eq!((bridge.id, bridge.status), (101, JobStatus::Pending));

    let mut inputs = serde_json::Map::new();
    inputs.insert("environment".into(), json!("staging"));
    let (_, body) = refused(
        client
            .retry_job()
            .id("1")
            .job_id(1)
            .body(types::RetryJobRequest { inputs })
            .send()
            .await,
        400,
    );
    assert_eq!(
        body,
        message("400 Bad request - Unknown input: environment")
    );
    coverage.reached(&server, "retry_job", "BadRequest", 400);

    // Already retried, or still running: not retryable.
    for job in [2, 3] {
        let (_, body) = refused(client.retry_job().id("1").job_id(job).send().await, 403);
        assert_eq!(body, message("403 Forbidden - Job is not retryable"));
    }
    coverage.reached(&server, "retry_job", "Forbidden", 403);

    assert_refusals(
        &server,
        coverage,
        "retry_job",
        job_refusals(),
        |client, job| async move { client.retry_job().id("1").job_id(job).send().await },
    )
    .await;
}

pub(super) async fn erase(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let job = success(client.erase_job().id("1").job_id(1).send().await, 201).into_inner();
    assert_eq!(job.id, 1);
    assert_eq!(job.erased_at, Some(fake::FINISHED.parse().expect("a time")));
    assert_eq!(job.artifacts_file, None);
    assert!(job.artifacts.is_empty());
    coverage.reached(&server, "erase_job", "Created", 201);
    // The log and the artifacts are gone.
    let log = success(client.get_job_trace().id("1").job_id(1).send().await, 200);
    assert!(bytes_of(log).await.is_empty());
    refused(
        client.get_job_artifacts().id("1").job_id(1).send().await,
        404,
    );

    let (_, body) = refused(client.erase_job().id("1").job_id(3).send().await, 403);
    assert_eq!(body, message("403 Forbidden - Job is not erasable!"));
    coverage.reached(&server, "erase_job", "Forbidden", 403);

    let (_, body) = refused(
        client.erase_job().id("group/busy").job_id(20).send().await,
        409,
    );
    assert_eq!(
        body,
        message(
            "Action temporarily disabled. The project this pipeline belongs to is undergoing stats refresh."
        )
    );
    coverage.reached(&server, "erase_job", "Conflict", 409);

    assert_refusals(
        &server,
        coverage,
        "erase_job",
        job_refusals(),
        |client, job| async move { client.erase_job().id("1").job_id(job).send().await },
    )
    .await;
}

pub(super) async fn play(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let body: types::PlayJobRequest = serde_json::from_value(json!({
        "job_variables_attributes": [{"key": "DEPLOY_ENV", "value": "staging"}]
    }))
    .expect("a play body");
    let played = success(
        client.play_job().id("1").job_id(4).body(body).send().await,
        200,
    )
    .into_inner();
    let types::JobOrBridge::Job(job) = played else {
        panic!("playing a build gives a build: {played:?}");
    };
    assert_eq!((job.id, job.status), (4, JobStatus::Pending));
    assert_eq!(job.user.as_ref().map(|user| user.id), Some(1));
    assert_eq!(
        server.fake.variables(4),
        [("DEPLOY_ENV".to_string(), "staging".to_string())]
    );
    coverage.reached(&server, "play_job", "Ok", 200);

    let played = success(client.play_job().id("1").job_id(7).send().await, 200).into_inner();
    let types::JobOrBridge::Bridge(bridge) = played else {
        panic!("playing a bridge gives a bridge: {played:?}");
    };
    assert_eq!(bridge, server.fake.bridge(7));
    assert_eq!(bridge.status, JobStatus::Pending);

    let (_, body) = refused(client.play_job().id("1").job_id(1).send().await, 400);
    assert_eq!(body, message("400 Bad request - Unplayable Job"));
    coverage.reached(&server, "play_job", "BadRequest", 400);

    assert_refusals(
        &server,
        coverage,
        "play_job",
        job_refusals(),
        |client, job| async move { client.play_job().id("1").job_id(job).send().await },
    )
    .await;
}
