//! The auth matrix basics: who gets 401, 403 and 404.

use crate::support::*;

#[tokio::test]
async fn no_token_is_401_even_on_a_public_project() {
    let server = demo().await;
    // jobs.rb has `before { authenticate! }`.
    let (status, body) = error_of(
        anonymous(&server)
            .list_project_jobs()
            .id(WEBSITE)
            .send()
            .await,
    );
    assert_eq!((status, message(&body)), (401, "401 Unauthorized"));
    let (status, _) = error_of(
        client(&server, "no-such-token")
            .get_job()
            .id(BACKEND)
            .job_id(1)
            .send()
            .await,
    );
    assert_eq!(status, 401);
    // pipelines.rb only authenticates non-GETs: public pipelines are readable anonymously.
    let jobs = anonymous(&server)
        .list_pipeline_jobs()
        .id(WEBSITE)
        .pipeline_id(7)
        .send()
        .await
        .expect("a public pipeline")
        .into_inner();
    assert_eq!(ids(&jobs), [20, 19]);
}

#[tokio::test]
async fn expired_tokens_get_an_oauth_error_with_www_authenticate() {
    let server = demo().await;
    let result = client(&server, tokens::EXPIRED)
        .get_job()
        .id(BACKEND)
        .job_id(1)
        .send()
        .await;
    let Err(gitlab_jobs_client::Error::ErrorResponse(response)) = result else {
        panic!("expected an error response: {result:?}")
    };
    assert_eq!(response.status(), 401);
    let challenge = header(&response, "www-authenticate").expect("WWW-Authenticate");
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    let body = response.into_inner();
    assert_eq!(body.error.as_deref(), Some("invalid_token"));
    assert_eq!(
        body.error_description.as_deref(),
        Some("Token is expired. You can either do re-authorization or token refresh.")
    );
}

#[tokio::test]
async fn invisible_projects_are_404() {
    let server = demo().await;
    for (token, project) in [
        (tokens::OUTSIDER, BACKEND),
        (tokens::DEVELOPER, "acme/infra"),
        (tokens::DEVELOPER, "no/such-project"),
    ] {
        let (status, body) = error_of(
            client(&server, token)
                .list_project_jobs()
                .id(project)
                .send()
                .await,
        );
        assert_eq!(
            (status, message(&body)),
            (404, "404 Project Not Found"),
            "{token} on {project}"
        );
    }
}

#[tokio::test]
async fn reporters_read_but_may_not_act_and_guests_may_not_read() {
    let server = demo().await;
    let reporter = client(&server, tokens::REPORTER);
    reporter
        .get_job()
        .id(BACKEND)
        .job_id(8)
        .send()
        .await
        .expect("a reporter reads");
    let (status, body) = error_of(reporter.retry_job().id(BACKEND).job_id(8).send().await);
    assert_eq!((status, message(&body)), (403, "403 Forbidden"));
    let (status, _) = error_of(reporter.cancel_job().id(BACKEND).job_id(14).send().await);
    assert_eq!(status, 403);
    let (status, _) = error_of(reporter.play_job().id(BACKEND).job_id(6).send().await);
    assert_eq!(status, 403);
    let (status, _) = error_of(
        reporter
            .delete_job_artifacts()
            .id(BACKEND)
            .job_id(2)
            .send()
            .await,
    );
    assert_eq!(status, 403);
    let (status, body) = error_of(
        client(&server, tokens::GUEST)
            .list_project_jobs()
            .id(BACKEND)
            .send()
            .await,
    );
    assert_eq!((status, message(&body)), (403, "403 Forbidden"));
}

#[tokio::test]
async fn job_tokens_reach_lists_and_downloads_of_their_project_only() {
    let server = demo().await;
    let runner = job_client(&server, tokens::RUNNING_JOB);
    let jobs = runner
        .list_project_jobs()
        .id(BACKEND)
        .per_page(1)
        .send()
        .await
        .expect("a job token lists")
        .into_inner();
    assert_eq!(ids(&jobs), [18]);
    // Single-job routes ignore job tokens: the request counts as anonymous.
    let (status, _) = error_of(runner.get_job().id(BACKEND).job_id(1).send().await);
    assert_eq!(status, 401);
    let (status, _) = error_of(runner.list_project_jobs().id(WEBSITE).send().await);
    assert_eq!(status, 404);
}
