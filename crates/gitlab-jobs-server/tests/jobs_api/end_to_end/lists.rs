//! The four lists: project jobs (offset and keyset pagination, rate limiting) and the
//! pipeline's jobs, bridges and trigger jobs (counted pagination).

use gitlab_jobs_server::Credentials;
use gitlab_jobs_server::responses::{
    ListPipelineBridgesOkHeaders, ListPipelineJobsOkHeaders, ListProjectJobsOkHeaders,
    ListProjectJobsTooManyRequestsHeaders,
};
use gitlab_jobs_server::types::{self, JobStatus};
use reqwest::header::HeaderMap;

use super::{
    MAINT, assert_refusals, credential_refusals, ids, number, pipeline_refusals, refused, success,
    text,
};
use crate::coverage::Coverage;
use crate::fake::{self, error, message};
use crate::{Auth, Server};

fn list_headers(headers: &HeaderMap) -> ListProjectJobsOkHeaders {
    ListProjectJobsOkHeaders {
        x_page: number(headers, "x-page"),
        x_per_page: number(headers, "x-per-page"),
        x_next_page: text(headers, "x-next-page"),
        x_prev_page: text(headers, "x-prev-page"),
        link: text(headers, "link"),
    }
}

pub(super) async fn list_project_jobs(coverage: &mut Coverage) {
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

    assert_refusals(
        &server,
        coverage,
        "list_project_jobs",
        credential_refusals(),
        |client, ()| async move { client.list_project_jobs().id("1").send().await },
    )
    .await;

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

pub(super) async fn list_pipeline_jobs(coverage: &mut Coverage) {
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

    assert_refusals(
        &server,
        coverage,
        "list_pipeline_jobs",
        pipeline_refusals(-10, 30),
        |client, pipeline| async move {
            client
                .list_pipeline_jobs()
                .id("1")
                .pipeline_id(pipeline)
                .send()
                .await
        },
    )
    .await;
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

pub(super) async fn list_pipeline_bridges(coverage: &mut Coverage) {
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

    assert_refusals(
        &server,
        coverage,
        "list_pipeline_bridges",
        pipeline_refusals(0, 99),
        |client, pipeline| async move {
            client
                .list_pipeline_bridges()
                .id("1")
                .pipeline_id(pipeline)
                .send()
                .await
        },
    )
    .await;
}

/// The successor of …/bridges (GitLab 19.2): the same answers under its own route.
pub(super) async fn list_pipeline_trigger_jobs(coverage: &mut Coverage) {
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

    assert_refusals(
        &server,
        coverage,
        OP,
        pipeline_refusals(0, 99),
        |client, pipeline| async move {
            client
                .list_pipeline_trigger_jobs()
                .id("1")
                .pipeline_id(pipeline)
                .send()
                .await
        },
    )
    .await;
}
