//! The job token's own job: GET /job and /job/allowed_agents.

use gitlab_jobs_server::Credentials;
use gitlab_jobs_server::responses::{
    GetCurrentJobAllowedAgentsUnauthorizedHeaders, GetCurrentJobUnauthorizedHeaders,
};
use gitlab_jobs_server::types::{self, JobStatus};
use serde_json::json;

use super::{BROKEN_TOKEN, EXPIRED_BEARER, refused, success, text};
use crate::coverage::Coverage;
use crate::fake::{self, EXPIRED_CHALLENGE, MAINTAINER, message};
use crate::{Auth, Server};

pub(super) async fn current_job(coverage: &mut Coverage) {
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

pub(super) async fn allowed_agents(coverage: &mut Coverage) {
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
