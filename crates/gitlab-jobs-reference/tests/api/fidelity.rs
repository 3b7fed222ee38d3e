//! Details where the server follows GitLab's current source rather than its documentation
//! (issue 10, part 3): each test names the GitLab file it pins.

use gitlab_jobs_client::types::FailureReason;
use gitlab_jobs_reference::TestServer;
use gitlab_jobs_reference::demo::demo_fixtures;

use crate::support::*;

/// The demo with some of its jobs changed.
async fn demo_with(change: impl FnOnce(&mut gitlab_jobs_reference::Fixtures)) -> TestServer {
    let mut fixtures = demo_fixtures();
    change(&mut fixtures);
    TestServer::start(fixtures)
        .await
        .expect("the server starts")
}

/// `unknown_failure: nil` in `Enums::Ci::CommitStatus.failure_reasons`
/// (`app/models/concerns/enums/ci/commit_status.rb`): a NULL reason reads as `unknown_failure`.
#[tokio::test]
async fn a_failed_job_without_a_stored_reason_shows_unknown_failure() {
    let server = demo_with(|fixtures| {
        let job = fixtures
            .jobs
            .iter_mut()
            .find(|job| job.id == 8)
            .expect("job 8");
        job.failure_reason = None;
    })
    .await;
    let job = client(&server, tokens::REPORTER)
        .get_job()
        .id(BACKEND)
        .job_id(8)
        .send()
        .await
        .expect("gets")
        .into_inner();
    assert_eq!(job.failure_reason, Some(FailureReason::UnknownFailure));
    let body = serde_json::to_value(&job).expect("serialises");
    assert_eq!(body["failure_reason"], "unknown_failure");
}

/// GET a path of the API as raw JSON, to see exactly which keys are on the wire.
async fn raw_json(server: &TestServer, token: &str, path: &str) -> serde_json::Value {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.api_url()))
        .header("PRIVATE-TOKEN", token)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.expect("JSON")
}

/// `Entities::User` as current GitLab presents it inside a job: `locked` from UserBasic
/// (`expose :access_locked?, as: :locked`, lib/api/entities/user_basic.rb); no `is_followed`
/// (needs `opts[:current_user]`, lib/api/entities/user.rb) nor `custom_attributes` (needs
/// `with_custom_attributes`), which lib/api/ci/jobs.rb never passes; no `bio_html` (no longer
/// exposed); `work_information` derived by `UsersHelper#work_information`.
#[tokio::test]
async fn a_jobs_user_has_the_keys_current_gitlab_sends() {
    let server = demo_with(|fixtures| {
        let bob = fixtures
            .users
            .iter_mut()
            .find(|user| user.username == "bob")
            .expect("bob");
        bob.job_title = Some("Release engineer".into());
        bob.organization = Some("ACME".into());
        bob.locked = true;
    })
    .await;
    let job = raw_json(&server, tokens::REPORTER, "/projects/acme%2Fbackend/jobs/8").await;
    let user = job["user"].as_object().expect("a user");
    assert_eq!(user["username"], "bob");
    assert_eq!(user["locked"], true);
    assert_eq!(user["work_information"], "Release engineer at ACME");
    for absent in ["is_followed", "custom_attributes", "bio_html"] {
        assert!(!user.contains_key(absent), "{absent} is not sent: {user:?}");
    }
    // Every other user: not locked, and the organization alone (the demo's job titles are blank).
    let jobs = raw_json(
        &server,
        tokens::REPORTER,
        "/projects/acme%2Fbackend/jobs?per_page=100",
    )
    .await;
    for job in jobs.as_array().expect("a list") {
        let Some(user) = job["user"].as_object() else {
            continue;
        };
        if user["username"] != "bob" {
            assert_eq!(user["locked"], false, "{user:?}");
            assert_eq!(user["work_information"], "ACME", "{user:?}");
        }
    }
}

/// The `Link` header of a raw GET.
async fn link_of(server: &TestServer, path_and_query: &str) -> String {
    let response = reqwest::Client::new()
        .get(format!("{}{path_and_query}", server.api_url()))
        .header("PRIVATE-TOKEN", tokens::REPORTER)
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200, "GET {path_and_query}");
    response
        .headers()
        .get("link")
        .expect("a Link header")
        .to_str()
        .expect("text")
        .to_string()
}

/// GitLab builds links from Grape's `params`: path parameters, declared defaults, coerced
/// values (a single `scope=` becomes the array `scope[]=`, `True` becomes `true`), every other
/// query parameter, sorted by Rails' `to_query`. Offset links carry the capped `per_page`
/// (`per_page: per_page`, the page's `limit_value`, in offset_header_builder.rb f61bb2a), keyset
/// links the requested one (`params.merge(cursor:)`, keyset/header_builder.rb).
#[tokio::test]
async fn links_are_built_from_grapes_params() {
    let server = demo().await;
    let api = server.api_url();
    let link = link_of(
        &server,
        "/projects/acme%2Fbackend/pipelines/1/jobs?scope=success&include_retried=True&per_page=1&private_token=x",
    )
    .await;
    let next = link.split(", ").next().expect("a first link");
    assert_eq!(
        next,
        format!(
            "<{api}/projects/acme%2Fbackend/pipelines/1/jobs?id=acme%2Fbackend&include_retried=true&page=2\
             &per_page=1&pipeline_id=1&private_token=x&scope%5B%5D=success>; rel=\"next\""
        )
    );

    let link = link_of(
        &server,
        "/projects/1/jobs?per_page=500&scope[]=failed&scope[]=success",
    )
    .await;
    assert_eq!(
        link,
        format!(
            "<{api}/projects/1/jobs?id=1&page=1&per_page=100&scope%5B%5D=failed&scope%5B%5D=success>; rel=\"first\""
        )
    );

    let link = link_of(&server, "/projects/1/jobs?pagination=keyset&per_page=2").await;
    let prefix = format!("<{api}/projects/1/jobs?cursor=");
    assert!(link.starts_with(&prefix), "{link}");
    assert!(
        link.ends_with("&id=1&page=1&pagination=keyset&per_page=2>; rel=\"next\""),
        "{link}"
    );
}
