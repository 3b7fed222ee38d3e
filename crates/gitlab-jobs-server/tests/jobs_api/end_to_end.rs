//! Every response variant of every operation, through the generated client and the wire.
//!
//! Each section starts its own server (fresh fake state) and records in a [`Coverage`]
//! table which variants it reached; the test ends by checking the table against the
//! variants of `src/generated.rs`, so a new variant fails here until a section reaches it.

use bytes::Bytes;
use futures::TryStreamExt as _;
use gitlab_jobs_client::{ByteStream, Error, ResponseValue};
use gitlab_jobs_server::types::{self, JobStatus};
use gitlab_jobs_server::*;
use reqwest::header::HeaderMap;
use serde_json::json;

use crate::coverage::Coverage;
use crate::fake::{
    self, EXPIRED, EXPIRED_CHALLENGE, GUEST, MAINTAINER, OBJECT_STORE, error, message,
};
use crate::{Auth, Server};

const MAINT: Auth = Auth::PrivateToken(MAINTAINER);
const EXPIRED_BEARER: Auth = Auth::Bearer(EXPIRED);
const GUEST_TOKEN: Auth = Auth::PrivateToken(GUEST);
const BROKEN_TOKEN: Auth = Auth::PrivateToken(fake::BROKEN);

type Sent<T> = Result<ResponseValue<T>, Error<types::Error>>;

/// The error answer of a call: its headers and body, after checking its status.
#[track_caller]
fn refused<T>(result: Sent<T>, status: u16) -> (HeaderMap, types::Error) {
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

/// The `Location` of a 302 (the typed client declares no 3xx, so it arrives unexpected).
#[track_caller]
fn redirected<T>(result: Sent<T>) -> String {
    match result {
        Err(Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status().as_u16(), 302);
            text(response.headers(), "location").expect("a Location header")
        }
        Ok(response) => panic!("expected 302, got {}", response.status()),
        Err(other) => panic!("expected 302, got {other}"),
    }
}

#[track_caller]
fn success<T>(result: Sent<T>, status: u16) -> ResponseValue<T> {
    match result {
        Ok(response) => {
            assert_eq!(response.status().as_u16(), status);
            response
        }
        Err(other) => panic!("expected {status}, got {other}"),
    }
}

fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|value| value.to_str().expect("a text header").to_string())
}

fn number(headers: &HeaderMap, name: &str) -> Option<i64> {
    text(headers, name).map(|value| value.parse().expect("a numeric header"))
}

async fn bytes_of(response: ResponseValue<ByteStream>) -> Bytes {
    let chunks: Vec<Bytes> = response
        .into_inner()
        .into_inner()
        .try_collect()
        .await
        .expect("a body");
    chunks.concat().into()
}

fn ids(jobs: &[types::Job]) -> Vec<i64> {
    jobs.iter().map(|job| job.id).collect()
}

/// The refusals every project route shares: a negative job id (400 from the fake), an
/// expired OAuth token (401 with a challenge), a guest (403) and an unknown job (404).
macro_rules! common_refusals {
    ($server:expr, $coverage:expr, $op:literal, $unauthorized:ident, |$client:ident, $job:ident| $call:expr) => {{
        let server: &Server = $server;
        {
            let $client = server.client(MAINT);
            let $job: i64 = -1;
            let (_, body) = refused($call, 400);
            assert_eq!(body, error("job_id is invalid"));
            $coverage.reached(server, $op, "BadRequest", 400);
        }
        {
            let $client = server.client(EXPIRED_BEARER);
            let $job: i64 = 1;
            let (headers, body) = refused($call, 401);
            assert_eq!(body, fake::expired_body());
            assert_eq!(
                $unauthorized {
                    www_authenticate: text(&headers, "www-authenticate")
                },
                $unauthorized {
                    www_authenticate: Some(EXPIRED_CHALLENGE.to_string())
                }
            );
            $coverage.reached(server, $op, "Unauthorized", 401);
        }
        {
            let $client = server.client(BROKEN_TOKEN);
            let $job: i64 = 1;
            let (_, body) = refused($call, 500);
            assert_eq!(body, message("500 Internal Server Error"));
            $coverage.reached(server, $op, "InternalServerError", 500);
        }
        {
            let $client = server.client(GUEST_TOKEN);
            let $job: i64 = 1;
            let (_, body) = refused($call, 403);
            assert_eq!(body, message("403 Forbidden"));
            $coverage.reached(server, $op, "Forbidden", 403);
        }
        {
            let $client = server.client(MAINT);
            let $job: i64 = 999;
            let (_, body) = refused($call, 404);
            assert_eq!(body, message("404 Not found"));
            $coverage.reached(server, $op, "NotFound", 404);
        }
    }};
}

#[tokio::test]
async fn every_variant_of_every_operation_over_the_wire() {
    let mut coverage = Coverage::new();
    list_project_jobs(&mut coverage).await;
    list_pipeline_jobs(&mut coverage).await;
    list_pipeline_bridges(&mut coverage).await;
    list_pipeline_trigger_jobs(&mut coverage).await;
    current_job(&mut coverage).await;
    allowed_agents(&mut coverage).await;
    get_job(&mut coverage).await;
    trace(&mut coverage).await;
    cancel(&mut coverage).await;
    retry(&mut coverage).await;
    erase(&mut coverage).await;
    play(&mut coverage).await;
    artifacts(&mut coverage).await;
    delete_artifacts(&mut coverage).await;
    download_by_ref(&mut coverage).await;
    artifact_file(&mut coverage).await;
    keep(&mut coverage).await;
    artifact_file_by_ref(&mut coverage).await;
    coverage.assert_complete();
    assert_eq!(coverage.count(), (18, 114));
}

fn list_headers(headers: &HeaderMap) -> ListProjectJobsOkHeaders {
    ListProjectJobsOkHeaders {
        x_page: number(headers, "x-page"),
        x_per_page: number(headers, "x-per-page"),
        x_next_page: text(headers, "x-next-page"),
        x_prev_page: text(headers, "x-prev-page"),
        link: text(headers, "link"),
    }
}

async fn list_project_jobs(coverage: &mut Coverage) {
    let server = Server::start().await;
    let api = server.api();
    let client = server.client(MAINT);

    // Offset pagination, uncounted: no X-Total, no rel="last".
    let page = success(
        client
            .list_project_jobs()
            .id("1")
            .per_page(3)
            .page(1)
            .send()
            .await,
        200,
    );
    assert_eq!(
        list_headers(page.headers()),
        ListProjectJobsOkHeaders {
            x_page: Some(1),
            x_per_page: Some(3),
            x_next_page: Some("2".into()),
            x_prev_page: Some(String::new()),
            link: Some(format!(
                "<{api}/projects/1/jobs?id=1&page=2&per_page=3>; rel=\"next\", \
                 <{api}/projects/1/jobs?id=1&page=1&per_page=3>; rel=\"first\""
            )),
        }
    );
    assert!(page.headers().get("x-total").is_none());
    assert_eq!(ids(&page), [12, 9, 8]);
    assert_eq!(page.into_inner()[0], server.fake.job(12));
    coverage.reached(&server, "list_project_jobs", "Ok", 200);

    let last = success(
        client
            .list_project_jobs()
            .id("1")
            .per_page(3)
            .page(3)
            .send()
            .await,
        200,
    );
    assert_eq!(ids(&last), [2, 1]);
    assert_eq!(
        list_headers(last.headers()).x_next_page.as_deref(),
        Some("")
    );
    assert_eq!(
        list_headers(last.headers()).x_prev_page.as_deref(),
        Some("2")
    );

    // scope[] filters.
    let failed = success(
        client
            .list_project_jobs()
            .id("group/project")
            .scope(vec![JobStatus::Failed])
            .send()
            .await,
        200,
    );
    assert_eq!(ids(&failed), [8, 2]);
    assert!(
        failed
            .iter()
            .all(|job| job.failure_reason == Some(types::FailureReason::ScriptFailure))
    );
    assert_eq!(
        server
            .fake
            .last("list_project_jobs")
            .expect("a call")
            .param("id"),
        Some("group/project")
    );

    // Keyset pagination: only a rel="next" Link, with a cursor, while more pages exist.
    let first = success(
        client
            .list_project_jobs()
            .id("1")
            .pagination(types::ListProjectJobsPagination::Keyset)
            .order_by("id")
            .sort("desc")
            .per_page(5)
            .send()
            .await,
        200,
    );
    assert_eq!(ids(&first), [12, 9, 8, 5, 4]);
    assert_eq!(
        list_headers(first.headers()),
        ListProjectJobsOkHeaders {
            link: Some(format!(
                "<{api}/projects/1/jobs?cursor=4&id=1&order_by=id&page=1&pagination=keyset&per_page=5&sort=desc>; rel=\"next\""
            )),
            ..Default::default()
        }
    );
    let second = success(
        client
            .list_project_jobs()
            .id("1")
            .pagination(types::ListProjectJobsPagination::Keyset)
            .per_page(5)
            .cursor("4")
            .send()
            .await,
        200,
    );
    assert_eq!(ids(&second), [3, 2, 1]);
    assert_eq!(
        list_headers(second.headers()),
        ListProjectJobsOkHeaders::default()
    );

    let (_, body) = refused(
        client
            .list_project_jobs()
            .id("1")
            .pagination(types::ListProjectJobsPagination::Keyset)
            .cursor("not-a-cursor")
            .send()
            .await,
        400,
    );
    assert_eq!(body, message("400 Bad request - Invalid cursor"));
    coverage.reached(&server, "list_project_jobs", "BadRequest", 400);

    let (_, body) = refused(
        server
            .client(BROKEN_TOKEN)
            .list_project_jobs()
            .id("1")
            .send()
            .await,
        500,
    );
    assert_eq!(body, message("500 Internal Server Error"));
    coverage.reached(&server, "list_project_jobs", "InternalServerError", 500);
    let (headers, body) = refused(
        server
            .client(EXPIRED_BEARER)
            .list_project_jobs()
            .id("1")
            .send()
            .await,
        401,
    );
    assert_eq!(body, fake::expired_body());
    assert_eq!(
        ListProjectJobsUnauthorizedHeaders {
            www_authenticate: text(&headers, "www-authenticate")
        },
        ListProjectJobsUnauthorizedHeaders {
            www_authenticate: Some(EXPIRED_CHALLENGE.into())
        }
    );
    coverage.reached(&server, "list_project_jobs", "Unauthorized", 401);

    let (_, body) = refused(
        server
            .client(GUEST_TOKEN)
            .list_project_jobs()
            .id("1")
            .send()
            .await,
        403,
    );
    assert_eq!(body, message("403 Forbidden"));
    coverage.reached(&server, "list_project_jobs", "Forbidden", 403);

    let (_, body) = refused(client.list_project_jobs().id("999").send().await, 404);
    assert_eq!(body, message("404 Project Not Found"));
    coverage.reached(&server, "list_project_jobs", "NotFound", 404);

    let (_, body) = refused(
        client
            .list_project_jobs()
            .id("1")
            .pagination(types::ListProjectJobsPagination::Keyset)
            .sort("asc")
            .send()
            .await,
        405,
    );
    assert_eq!(
        body,
        error("Keyset pagination is not yet available for this type of request")
    );
    coverage.reached(&server, "list_project_jobs", "MethodNotAllowed", 405);

    let (headers, body) = refused(
        server
            .client(Auth::PrivateToken(fake::RATE_LIMITED))
            .list_project_jobs()
            .id("1")
            .send()
            .await,
        429,
    );
    assert_eq!(body, fake::rate_limited_body());
    assert_eq!(
        ListProjectJobsTooManyRequestsHeaders {
            retry_after: number(&headers, "retry-after")
        },
        ListProjectJobsTooManyRequestsHeaders {
            retry_after: Some(fake::RETRY_AFTER)
        }
    );
    coverage.reached(&server, "list_project_jobs", "TooManyRequests", 429);
}

fn pipeline_headers(headers: &HeaderMap) -> ListPipelineJobsOkHeaders {
    ListPipelineJobsOkHeaders {
        x_page: number(headers, "x-page"),
        x_per_page: number(headers, "x-per-page"),
        x_next_page: text(headers, "x-next-page"),
        x_prev_page: text(headers, "x-prev-page"),
        x_total: number(headers, "x-total"),
        x_total_pages: number(headers, "x-total-pages"),
        link: text(headers, "link"),
    }
}

async fn list_pipeline_jobs(coverage: &mut Coverage) {
    let server = Server::start().await;
    let api = server.api();
    // Anonymous access to a public project, counted pagination.
    let anonymous = server.client(Auth::None);
    let page = success(
        anonymous
            .list_pipeline_jobs()
            .id("group/project")
            .pipeline_id(10)
            .page(2)
            .per_page(2)
            .send()
            .await,
        200,
    );
    let url = format!("{api}/projects/group%2Fproject/pipelines/10/jobs");
    let params = "id=group%2Fproject&include_retried=false";
    assert_eq!(
        pipeline_headers(page.headers()),
        ListPipelineJobsOkHeaders {
            x_page: Some(2),
            x_per_page: Some(2),
            x_next_page: Some("3".into()),
            x_prev_page: Some("1".into()),
            x_total: Some(5),
            x_total_pages: Some(3),
            link: Some(format!(
                "<{url}?{params}&page=1&per_page=2&pipeline_id=10>; rel=\"prev\", \
                 <{url}?{params}&page=3&per_page=2&pipeline_id=10>; rel=\"next\", \
                 <{url}?{params}&page=1&per_page=2&pipeline_id=10>; rel=\"first\", \
                 <{url}?{params}&page=3&per_page=2&pipeline_id=10>; rel=\"last\""
            )),
        }
    );
    assert_eq!(ids(&page), [3, 2]);
    assert_eq!(page.into_inner()[1], server.fake.job(2));
    let call = server.fake.last("list_pipeline_jobs").expect("a call");
    assert_eq!(call.credentials, Credentials::Anonymous);
    assert_eq!(call.param("id"), Some("group/project"));
    coverage.reached(&server, "list_pipeline_jobs", "Ok", 200);

    // Retried jobs only on request.
    let client = server.client(MAINT);
    let all = success(
        client
            .list_pipeline_jobs()
            .id("1")
            .pipeline_id(10)
            .include_retried(true)
            .send()
            .await,
        200,
    );
    assert_eq!(ids(&all), [8, 5, 4, 3, 2, 1]);
    assert_eq!(number(all.headers(), "x-total"), Some(6));
    let manual = success(
        client
            .list_pipeline_jobs()
            .id("1")
            .pipeline_id(10)
            .scope(vec![JobStatus::Manual])
            .send()
            .await,
        200,
    );
    assert_eq!(ids(&manual), [4]);

    let (_, body) = refused(
        client
            .list_pipeline_jobs()
            .id("1")
            .pipeline_id(-10)
            .send()
            .await,
        400,
    );
    assert_eq!(body, error("pipeline_id is invalid"));
    coverage.reached(&server, "list_pipeline_jobs", "BadRequest", 400);

    let (_, body) = refused(
        server
            .client(BROKEN_TOKEN)
            .list_pipeline_jobs()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        500,
    );
    assert_eq!(body, message("500 Internal Server Error"));
    coverage.reached(&server, "list_pipeline_jobs", "InternalServerError", 500);
    let (headers, body) = refused(
        server
            .client(EXPIRED_BEARER)
            .list_pipeline_jobs()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        401,
    );
    assert_eq!(body, fake::expired_body());
    assert_eq!(
        ListPipelineJobsUnauthorizedHeaders {
            www_authenticate: text(&headers, "www-authenticate")
        },
        ListPipelineJobsUnauthorizedHeaders {
            www_authenticate: Some(EXPIRED_CHALLENGE.into())
        }
    );
    coverage.reached(&server, "list_pipeline_jobs", "Unauthorized", 401);

    let (_, body) = refused(
        server
            .client(GUEST_TOKEN)
            .list_pipeline_jobs()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        403,
    );
    assert_eq!(body, message("403 Forbidden"));
    coverage.reached(&server, "list_pipeline_jobs", "Forbidden", 403);

    let (_, body) = refused(
        client
            .list_pipeline_jobs()
            .id("1")
            .pipeline_id(30)
            .send()
            .await,
        404,
    );
    assert_eq!(body, message("404 Not found"));
    // A private project is invisible to anonymous callers.
    let (_, body) = refused(
        anonymous
            .list_pipeline_jobs()
            .id("2")
            .pipeline_id(30)
            .send()
            .await,
        404,
    );
    assert_eq!(body, message("404 Project Not Found"));
    coverage.reached(&server, "list_pipeline_jobs", "NotFound", 404);
}

async fn list_pipeline_bridges(coverage: &mut Coverage) {
    let server = Server::start().await;
    let api = server.api();
    let client = server.client(MAINT);
    let bridges = success(
        client
            .list_pipeline_bridges()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        200,
    );
    let url = format!("{api}/projects/1/pipelines/10/bridges");
    assert_eq!(
        ListPipelineBridgesOkHeaders {
            x_page: number(bridges.headers(), "x-page"),
            x_per_page: number(bridges.headers(), "x-per-page"),
            x_next_page: text(bridges.headers(), "x-next-page"),
            x_prev_page: text(bridges.headers(), "x-prev-page"),
            x_total: number(bridges.headers(), "x-total"),
            x_total_pages: number(bridges.headers(), "x-total-pages"),
            link: text(bridges.headers(), "link"),
        },
        ListPipelineBridgesOkHeaders {
            x_page: Some(1),
            x_per_page: Some(20),
            x_next_page: Some(String::new()),
            x_prev_page: Some(String::new()),
            x_total: Some(2),
            x_total_pages: Some(1),
            link: Some(format!(
                "<{url}?id=1&page=1&per_page=20&pipeline_id=10>; rel=\"first\", <{url}?id=1&page=1&per_page=20&pipeline_id=10>; rel=\"last\""
            )),
        }
    );
    let bridges = bridges.into_inner();
    assert_eq!(bridges, vec![server.fake.bridge(7), server.fake.bridge(6)]);
    assert_eq!(
        bridges[1].downstream_pipeline.as_ref().map(|p| p.id),
        Some(40)
    );
    assert_eq!(bridges[0].downstream_pipeline, None);
    coverage.reached(&server, "list_pipeline_bridges", "Ok", 200);

    let manual = success(
        client
            .list_pipeline_bridges()
            .id("1")
            .pipeline_id(10)
            .scope(vec![JobStatus::Manual, JobStatus::Canceled])
            .send()
            .await,
        200,
    );
    assert_eq!(
        manual.iter().map(|bridge| bridge.id).collect::<Vec<_>>(),
        [7]
    );

    let (_, body) = refused(
        client
            .list_pipeline_bridges()
            .id("1")
            .pipeline_id(0)
            .send()
            .await,
        400,
    );
    assert_eq!(body, error("pipeline_id is invalid"));
    coverage.reached(&server, "list_pipeline_bridges", "BadRequest", 400);

    let (_, body) = refused(
        server
            .client(BROKEN_TOKEN)
            .list_pipeline_bridges()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        500,
    );
    assert_eq!(body, message("500 Internal Server Error"));
    coverage.reached(&server, "list_pipeline_bridges", "InternalServerError", 500);
    let (headers, body) = refused(
        server
            .client(EXPIRED_BEARER)
            .list_pipeline_bridges()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        401,
    );
    assert_eq!(body, fake::expired_body());
    assert_eq!(
        ListPipelineBridgesUnauthorizedHeaders {
            www_authenticate: text(&headers, "www-authenticate")
        },
        ListPipelineBridgesUnauthorizedHeaders {
            www_authenticate: Some(EXPIRED_CHALLENGE.into())
        }
    );
    coverage.reached(&server, "list_pipeline_bridges", "Unauthorized", 401);

    let (_, body) = refused(
        server
            .client(GUEST_TOKEN)
            .list_pipeline_bridges()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        403,
    );
    assert_eq!(body, message("403 Forbidden"));
    coverage.reached(&server, "list_pipeline_bridges", "Forbidden", 403);

    let (_, body) = refused(
        client
            .list_pipeline_bridges()
            .id("1")
            .pipeline_id(99)
            .send()
            .await,
        404,
    );
    assert_eq!(body, message("404 Not found"));
    coverage.reached(&server, "list_pipeline_bridges", "NotFound", 404);
}

/// The successor of …/bridges (GitLab 19.2): the same answers under its own route.
async fn list_pipeline_trigger_jobs(coverage: &mut Coverage) {
    const OP: &str = "list_pipeline_trigger_jobs";
    let server = Server::start().await;
    let api = server.api();
    let client = server.client(MAINT);
    let trigger_jobs = success(
        client
            .list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        200,
    );
    // Grape's `params.merge(page:, per_page:)`: the path parameters too.
    let url = format!(
        "{api}/projects/1/pipelines/10/trigger_jobs?id=1&page=1&per_page=20&pipeline_id=10"
    );
    assert_eq!(
        text(trigger_jobs.headers(), "link"),
        Some(format!("<{url}>; rel=\"first\", <{url}>; rel=\"last\""))
    );
    assert_eq!(number(trigger_jobs.headers(), "x-total"), Some(2));
    assert_eq!(
        trigger_jobs.into_inner(),
        vec![server.fake.bridge(7), server.fake.bridge(6)]
    );
    coverage.reached(&server, OP, "Ok", 200);

    let (_, body) = refused(
        client
            .list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(0)
            .send()
            .await,
        400,
    );
    assert_eq!(body, error("pipeline_id is invalid"));
    coverage.reached(&server, OP, "BadRequest", 400);

    let (_, body) = refused(
        server
            .client(BROKEN_TOKEN)
            .list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        500,
    );
    assert_eq!(body, message("500 Internal Server Error"));
    coverage.reached(&server, OP, "InternalServerError", 500);

    let (headers, body) = refused(
        server
            .client(EXPIRED_BEARER)
            .list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        401,
    );
    assert_eq!(body, fake::expired_body());
    assert_eq!(
        text(&headers, "www-authenticate"),
        Some(EXPIRED_CHALLENGE.into())
    );
    coverage.reached(&server, OP, "Unauthorized", 401);

    let (_, body) = refused(
        server
            .client(GUEST_TOKEN)
            .list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(10)
            .send()
            .await,
        403,
    );
    assert_eq!(body, message("403 Forbidden"));
    coverage.reached(&server, OP, "Forbidden", 403);

    let (_, body) = refused(
        client
            .list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(99)
            .send()
            .await,
        404,
    );
    assert_eq!(body, message("404 Not found"));
    coverage.reached(&server, OP, "NotFound", 404);
}

async fn current_job(coverage: &mut Coverage) {
    let server = Server::start().await;
    let job = success(
        server
            .client(Auth::JobToken(fake::RUNNING_JOB_TOKEN))
            .get_current_job()
            .send()
            .await,
        200,
    )
    .into_inner();
    assert_eq!(job, server.fake.job(3));
    assert_eq!(job.status, JobStatus::Running);
    assert_eq!(
        server
            .fake
            .last("get_current_job")
            .expect("a call")
            .credentials,
        Credentials::JobToken(fake::RUNNING_JOB_TOKEN.into())
    );
    coverage.reached(&server, "get_current_job", "Ok", 200);

    // A job token as a Bearer token works too.
    let job = success(
        server
            .client(Auth::Bearer(fake::RUNNING_JOB_TOKEN))
            .get_current_job()
            .send()
            .await,
        200,
    );
    assert_eq!(job.id, 3);

    // The token of a finished job is no longer valid: 401 without a challenge.
    let (headers, body) = refused(
        server
            .client(Auth::JobToken(fake::FINISHED_JOB_TOKEN))
            .get_current_job()
            .send()
            .await,
        401,
    );
    assert_eq!(body, message("401 Unauthorized"));
    assert_eq!(
        GetCurrentJobUnauthorizedHeaders {
            www_authenticate: text(&headers, "www-authenticate")
        },
        GetCurrentJobUnauthorizedHeaders::default()
    );
    coverage.reached(&server, "get_current_job", "Unauthorized", 401);
    let (_, body) = refused(
        server.client(BROKEN_TOKEN).get_current_job().send().await,
        500,
    );
    assert_eq!(body, message("500 Internal Server Error"));
    coverage.reached(&server, "get_current_job", "InternalServerError", 500);

    let (_, body) = refused(
        server
            .client(Auth::Bearer(fake::NARROW_SCOPE))
            .get_current_job()
            .send()
            .await,
        403,
    );
    assert_eq!(body, fake::insufficient_scope_body());
    coverage.reached(&server, "get_current_job", "Forbidden", 403);

    // A personal access token is a valid credential but not a job token.
    let (_, body) = refused(
        server
            .client(Auth::Bearer(MAINTAINER))
            .get_current_job()
            .send()
            .await,
        404,
    );
    assert_eq!(body, message("404 Job Not Found"));
    coverage.reached(&server, "get_current_job", "NotFound", 404);
}

async fn allowed_agents(coverage: &mut Coverage) {
    let server = Server::start().await;
    let agents = success(
        server
            .client(Auth::JobToken(fake::RUNNING_JOB_TOKEN))
            .get_current_job_allowed_agents()
            .send()
            .await,
        200,
    )
    .into_inner();
    assert_eq!(agents.job.id, 3);
    assert_eq!(agents.pipeline.id, 10);
    let types::AllowedAgentsProject::Compact(project) = &agents.project else {
        panic!("not the current project shape: {:?}", agents.project);
    };
    assert_eq!(project.id, 1);
    assert_eq!(project.groups.len(), 1);
    let types::AllowedAgentsUser::Compact(user) = &agents.user else {
        panic!("not the current user shape: {:?}", agents.user);
    };
    assert_eq!(user.username, "root");
    assert_eq!(user.roles_in_project, ["maintainer"]);
    assert_eq!(agents.allowed_agents.len(), 1);
    assert_eq!(agents.allowed_agents[0].config_project.id, 1);
    assert_eq!(
        agents.allowed_agents[0]
            .configuration
            .get("default_namespace"),
        Some(&json!("production"))
    );
    let environment = agents.environment.expect("job 3 deploys to an environment");
    assert_eq!(
        (environment.tier.as_str(), environment.slug.as_str()),
        ("production", "production")
    );
    coverage.reached(&server, "get_current_job_allowed_agents", "Ok", 200);

    let (_, body) = refused(
        server
            .client(BROKEN_TOKEN)
            .get_current_job_allowed_agents()
            .send()
            .await,
        500,
    );
    assert_eq!(body, message("500 Internal Server Error"));
    coverage.reached(
        &server,
        "get_current_job_allowed_agents",
        "InternalServerError",
        500,
    );
    let (headers, body) = refused(
        server
            .client(EXPIRED_BEARER)
            .get_current_job_allowed_agents()
            .send()
            .await,
        401,
    );
    assert_eq!(body, fake::expired_body());
    assert_eq!(
        GetCurrentJobAllowedAgentsUnauthorizedHeaders {
            www_authenticate: text(&headers, "www-authenticate")
        },
        GetCurrentJobAllowedAgentsUnauthorizedHeaders {
            www_authenticate: Some(EXPIRED_CHALLENGE.into())
        }
    );
    coverage.reached(
        &server,
        "get_current_job_allowed_agents",
        "Unauthorized",
        401,
    );

    let (_, body) = refused(
        server
            .client(Auth::Bearer(fake::NARROW_SCOPE))
            .get_current_job_allowed_agents()
            .send()
            .await,
        403,
    );
    assert_eq!(body.error.as_deref(), Some("insufficient_scope"));
    assert_eq!(body.scope.as_deref(), Some("api read_api"));
    coverage.reached(&server, "get_current_job_allowed_agents", "Forbidden", 403);

    let (_, body) = refused(
        server
            .client(Auth::Bearer(MAINTAINER))
            .get_current_job_allowed_agents()
            .send()
            .await,
        404,
    );
    assert_eq!(body, message("404 Job Not Found"));
    coverage.reached(&server, "get_current_job_allowed_agents", "NotFound", 404);
}

async fn get_job(coverage: &mut Coverage) {
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

    common_refusals!(
        &server,
        coverage,
        "get_job",
        GetJobUnauthorizedHeaders,
        |client, job| client.get_job().id("1").job_id(job).send().await
    );
    // Builds only: a bridge id is not a job here.
    let (_, body) = refused(client.get_job().id("1").job_id(6).send().await, 404);
    assert_eq!(body, message("404 Not found"));
    let (_, body) = refused(client.get_job().id("nope").job_id(1).send().await, 404);
    assert_eq!(body, message("404 Project Not Found"));
}

async fn trace(coverage: &mut Coverage) {
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

    common_refusals!(
        &server,
        coverage,
        "get_job_trace",
        GetJobTraceUnauthorizedHeaders,
        |client, job| client.get_job_trace().id("1").job_id(job).send().await
    );
}

async fn cancel(coverage: &mut Coverage) {
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

    common_refusals!(
        &server,
        coverage,
        "cancel_job",
        CancelJobUnauthorizedHeaders,
        |client, job| client.cancel_job().id("1").job_id(job).send().await
    );
}

async fn retry(coverage: &mut Coverage) {
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

    common_refusals!(
        &server,
        coverage,
        "retry_job",
        RetryJobUnauthorizedHeaders,
        |client, job| client.retry_job().id("1").job_id(job).send().await
    );
}

async fn erase(coverage: &mut Coverage) {
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

    common_refusals!(
        &server,
        coverage,
        "erase_job",
        EraseJobUnauthorizedHeaders,
        |client, job| client.erase_job().id("1").job_id(job).send().await
    );
}

async fn play(coverage: &mut Coverage) {
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

    common_refusals!(
        &server,
        coverage,
        "play_job",
        PlayJobUnauthorizedHeaders,
        |client, job| client.play_job().id("1").job_id(job).send().await
    );
}

async fn artifacts(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let response = success(
        client.get_job_artifacts().id("1").job_id(1).send().await,
        200,
    );
    assert_eq!(
        GetJobArtifactsOkHeaders {
            content_disposition: text(response.headers(), "content-disposition"),
            e_tag: text(response.headers(), "etag"),
        },
        GetJobArtifactsOkHeaders {
            content_disposition: Some("attachment; filename=\"artifacts.zip\"".into()),
            e_tag: Some(fake::ARCHIVE_ETAG.into()),
        }
    );
    assert_eq!(
        text(response.headers(), "content-type").as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(bytes_of(response).await, fake::archive_bytes(1));
    coverage.reached(&server, "get_job_artifacts", "Ok", 200);

    // Anonymous on the public project, and a job token.
    let anonymous = success(
        server
            .client(Auth::None)
            .get_job_artifacts()
            .id("1")
            .job_id(1)
            .send()
            .await,
        200,
    );
    assert_eq!(bytes_of(anonymous).await, fake::archive_bytes(1));
    assert_eq!(
        server
            .fake
            .last("get_job_artifacts")
            .expect("a call")
            .credentials,
        Credentials::Anonymous
    );
    let by_token = server.client(Auth::JobToken(fake::RUNNING_JOB_TOKEN));
    success(
        by_token.get_job_artifacts().id("1").job_id(1).send().await,
        200,
    );

    let location = redirected(
        server
            .client_without_redirects(MAINT)
            .get_job_artifacts()
            .id("1")
            .job_id(5)
            .send()
            .await,
    );
    assert_eq!(
        GetJobArtifactsFoundHeaders { location },
        GetJobArtifactsFoundHeaders {
            location: format!("{OBJECT_STORE}/artifacts/5/artifacts.zip?X-Amz-Signature=fake")
        }
    );
    coverage.reached(&server, "get_job_artifacts", "Found", 302);

    common_refusals!(
        &server,
        coverage,
        "get_job_artifacts",
        GetJobArtifactsUnauthorizedHeaders,
        |client, job| client.get_job_artifacts().id("1").job_id(job).send().await
    );
    let (_, body) = refused(
        client.get_job_artifacts().id("1").job_id(2).send().await,
        404,
    );
    assert_eq!(body, message("404 Not Found"));
}

async fn delete_artifacts(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let deleted = success(
        client.delete_job_artifacts().id("1").job_id(1).send().await,
        204,
    );
    // No body, so no content type either.
    assert_eq!(text(deleted.headers(), "content-type"), None);
    coverage.reached(&server, "delete_job_artifacts", "NoContent", 204);
    let (_, body) = refused(
        client.get_job_artifacts().id("1").job_id(1).send().await,
        404,
    );
    assert_eq!(body, message("404 Not Found"));

    let (_, body) = refused(
        client
            .delete_job_artifacts()
            .id("group/busy")
            .job_id(20)
            .send()
            .await,
        409,
    );
    assert_eq!(
        body,
        message(
            "Action temporarily disabled. The project this pipeline belongs to is undergoing stats refresh."
        )
    );
    coverage.reached(&server, "delete_job_artifacts", "Conflict", 409);

    common_refusals!(
        &server,
        coverage,
        "delete_job_artifacts",
        DeleteJobArtifactsUnauthorizedHeaders,
        |client, job| client
            .delete_job_artifacts()
            .id("1")
            .job_id(job)
            .send()
            .await
    );
}

async fn download_by_ref(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let response = success(
        client
            .download_artifacts_by_ref()
            .id("1")
            .ref_name("main")
            .job("build")
            .send()
            .await,
        200,
    );
    assert_eq!(
        DownloadArtifactsByRefOkHeaders {
            content_disposition: text(response.headers(), "content-disposition"),
            e_tag: text(response.headers(), "etag"),
        },
        DownloadArtifactsByRefOkHeaders {
            content_disposition: Some("attachment; filename=\"artifacts.zip\"".into()),
            e_tag: Some(fake::ARCHIVE_ETAG.into()),
        }
    );
    assert_eq!(bytes_of(response).await, fake::archive_bytes(1));
    coverage.reached(&server, "download_artifacts_by_ref", "Ok", 200);

    // `docs` only succeeded in an older pipeline of main.
    let (_, body) = refused(
        client
            .download_artifacts_by_ref()
            .id("1")
            .ref_name("main")
            .job("docs")
            .send()
            .await,
        404,
    );
    assert_eq!(body, message("404 Not found"));
    coverage.reached(&server, "download_artifacts_by_ref", "NotFound", 404);
    let older = success(
        client
            .download_artifacts_by_ref()
            .id("1")
            .ref_name("main")
            .job("docs")
            .search_recent_successful_pipelines(true)
            .send()
            .await,
        200,
    );
    assert_eq!(bytes_of(older).await, fake::archive_bytes(12));

    // A ref with a slash, artifacts in object storage.
    let location = redirected(
        server
            .client_without_redirects(MAINT)
            .download_artifacts_by_ref()
            .id("1")
            .ref_name("feature/x")
            .job("build")
            .send()
            .await,
    );
    assert_eq!(
        DownloadArtifactsByRefFoundHeaders { location },
        DownloadArtifactsByRefFoundHeaders {
            location: format!("{OBJECT_STORE}/artifacts/9/artifacts.zip?X-Amz-Signature=fake")
        }
    );
    assert_eq!(
        server
            .fake
            .last("download_artifacts_by_ref")
            .expect("a call")
            .param("ref_name"),
        Some("feature/x")
    );
    coverage.reached(&server, "download_artifacts_by_ref", "Found", 302);

    let (_, body) = refused(
        client
            .download_artifacts_by_ref()
            .id("1")
            .ref_name("main")
            .job("")
            .send()
            .await,
        400,
    );
    assert_eq!(body, error("job is empty"));
    coverage.reached(&server, "download_artifacts_by_ref", "BadRequest", 400);

    let (_, body) = refused(
        server
            .client(BROKEN_TOKEN)
            .download_artifacts_by_ref()
            .id("1")
            .ref_name("main")
            .job("build")
            .send()
            .await,
        500,
    );
    assert_eq!(body, message("500 Internal Server Error"));
    coverage.reached(
        &server,
        "download_artifacts_by_ref",
        "InternalServerError",
        500,
    );
    let (headers, body) = refused(
        server
            .client(EXPIRED_BEARER)
            .download_artifacts_by_ref()
            .id("1")
            .ref_name("main")
            .job("build")
            .send()
            .await,
        401,
    );
    assert_eq!(body, fake::expired_body());
    assert_eq!(
        DownloadArtifactsByRefUnauthorizedHeaders {
            www_authenticate: text(&headers, "www-authenticate")
        },
        DownloadArtifactsByRefUnauthorizedHeaders {
            www_authenticate: Some(EXPIRED_CHALLENGE.into())
        }
    );
    coverage.reached(&server, "download_artifacts_by_ref", "Unauthorized", 401);

    let (_, body) = refused(
        server
            .client(GUEST_TOKEN)
            .download_artifacts_by_ref()
            .id("1")
            .ref_name("main")
            .job("build")
            .send()
            .await,
        403,
    );
    assert_eq!(body, message("403 Forbidden"));
    coverage.reached(&server, "download_artifacts_by_ref", "Forbidden", 403);
}

async fn artifact_file(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let response = success(
        client
            .get_job_artifact_file()
            .id("1")
            .job_id(1)
            .artifact_path("a/b/c.txt")
            .send()
            .await,
        200,
    );
    assert_eq!(
        GetJobArtifactFileOkHeaders {
            content_disposition: text(response.headers(), "content-disposition")
        },
        GetJobArtifactFileOkHeaders {
            content_disposition: Some("attachment; filename=\"c.txt\"".into())
        }
    );
    assert_eq!(bytes_of(response).await, "hello from c\n");
    assert_eq!(
        server
            .fake
            .last("get_job_artifact_file")
            .expect("a call")
            .param("artifact_path"),
        Some("a/b/c.txt")
    );
    coverage.reached(&server, "get_job_artifact_file", "Ok", 200);

    let location = redirected(
        server
            .client_without_redirects(MAINT)
            .get_job_artifact_file()
            .id("1")
            .job_id(5)
            .artifact_path("dist/app.tar.gz")
            .send()
            .await,
    );
    assert_eq!(
        GetJobArtifactFileFoundHeaders { location },
        GetJobArtifactFileFoundHeaders {
            location: format!("{OBJECT_STORE}/artifacts/5/dist/app.tar.gz?X-Amz-Signature=fake")
        }
    );
    coverage.reached(&server, "get_job_artifact_file", "Found", 302);

    common_refusals!(
        &server,
        coverage,
        "get_job_artifact_file",
        GetJobArtifactFileUnauthorizedHeaders,
        |client, job| client
            .get_job_artifact_file()
            .id("1")
            .job_id(job)
            .artifact_path("a/b/c.txt")
            .send()
            .await
    );
    let (_, body) = refused(
        client
            .get_job_artifact_file()
            .id("1")
            .job_id(1)
            .artifact_path("../../etc/passwd")
            .send()
            .await,
        400,
    );
    assert_eq!(body, message("400 Bad request"));
    let (_, body) = refused(
        client
            .get_job_artifact_file()
            .id("1")
            .job_id(1)
            .artifact_path("a/b/missing.txt")
            .send()
            .await,
        404,
    );
    assert_eq!(body, message("404 Not Found"));
}

async fn keep(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    assert!(server.fake.job(1).artifacts_expire_at.is_some());
    let job = success(
        client.keep_job_artifacts().id("1").job_id(1).send().await,
        200,
    )
    .into_inner();
    assert_eq!(job.id, 1);
    assert_eq!(job.artifacts_expire_at, None);
    assert_eq!(job, server.fake.job(1));
    coverage.reached(&server, "keep_job_artifacts", "Ok", 200);

    common_refusals!(
        &server,
        coverage,
        "keep_job_artifacts",
        KeepJobArtifactsUnauthorizedHeaders,
        |client, job| client.keep_job_artifacts().id("1").job_id(job).send().await
    );
    // A job without artifacts.
    let (_, body) = refused(
        client.keep_job_artifacts().id("1").job_id(2).send().await,
        404,
    );
    assert_eq!(body, message("404 Not found"));
}

async fn artifact_file_by_ref(coverage: &mut Coverage) {
    let server = Server::start().await;
    let client = server.client(MAINT);
    let response = success(
        client
            .get_artifact_file_by_ref()
            .id("1")
            .ref_name("main")
            .artifact_path("a/b/c.txt")
            .job("build")
            .send()
            .await,
        200,
    );
    assert_eq!(
        GetArtifactFileByRefOkHeaders {
            content_disposition: text(response.headers(), "content-disposition")
        },
        GetArtifactFileByRefOkHeaders {
            content_disposition: Some("attachment; filename=\"c.txt\"".into())
        }
    );
    assert_eq!(bytes_of(response).await, "hello from c\n");
    coverage.reached(&server, "get_artifact_file_by_ref", "Ok", 200);

    let location = redirected(
        server
            .client_without_redirects(MAINT)
            .get_artifact_file_by_ref()
            .id("1")
            .ref_name("feature/x")
            .artifact_path("a/b/c.txt")
            .job("build")
            .send()
            .await,
    );
    assert_eq!(
        GetArtifactFileByRefFoundHeaders { location },
        GetArtifactFileByRefFoundHeaders {
            location: format!("{OBJECT_STORE}/artifacts/9/a/b/c.txt?X-Amz-Signature=fake")
        }
    );
    let call = server
        .fake
        .last("get_artifact_file_by_ref")
        .expect("a call");
    assert_eq!(call.param("ref_name"), Some("feature/x"));
    assert_eq!(call.param("artifact_path"), Some("a/b/c.txt"));
    coverage.reached(&server, "get_artifact_file_by_ref", "Found", 302);

    let (_, body) = refused(
        client
            .get_artifact_file_by_ref()
            .id("1")
            .ref_name("main")
            .artifact_path("../secret")
            .job("build")
            .send()
            .await,
        400,
    );
    assert_eq!(body, message("400 Bad request"));
    coverage.reached(&server, "get_artifact_file_by_ref", "BadRequest", 400);

    let (_, body) = refused(
        server
            .client(BROKEN_TOKEN)
            .get_artifact_file_by_ref()
            .id("1")
            .ref_name("main")
            .artifact_path("a/b/c.txt")
            .job("build")
            .send()
            .await,
        500,
    );
    assert_eq!(body, message("500 Internal Server Error"));
    coverage.reached(
        &server,
        "get_artifact_file_by_ref",
        "InternalServerError",
        500,
    );
    let (headers, body) = refused(
        server
            .client(EXPIRED_BEARER)
            .get_artifact_file_by_ref()
            .id("1")
            .ref_name("main")
            .artifact_path("a/b/c.txt")
            .job("build")
            .send()
            .await,
        401,
    );
    assert_eq!(body, fake::expired_body());
    assert_eq!(
        GetArtifactFileByRefUnauthorizedHeaders {
            www_authenticate: text(&headers, "www-authenticate")
        },
        GetArtifactFileByRefUnauthorizedHeaders {
            www_authenticate: Some(EXPIRED_CHALLENGE.into())
        }
    );
    coverage.reached(&server, "get_artifact_file_by_ref", "Unauthorized", 401);

    let (_, body) = refused(
        server
            .client(GUEST_TOKEN)
            .get_artifact_file_by_ref()
            .id("1")
            .ref_name("main")
            .artifact_path("a/b/c.txt")
            .job("build")
            .send()
            .await,
        403,
    );
    assert_eq!(body, message("403 Forbidden"));
    coverage.reached(&server, "get_artifact_file_by_ref", "Forbidden", 403);

    let (_, body) = refused(
        client
            .get_artifact_file_by_ref()
            .id("1")
            .ref_name("main")
            .artifact_path("a/b/c.txt")
            .job("nope")
            .send()
            .await,
        404,
    );
    assert_eq!(body, message("404 Not found"));
    coverage.reached(&server, "get_artifact_file_by_ref", "NotFound", 404);
}
