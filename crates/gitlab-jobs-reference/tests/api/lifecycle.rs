//! `TestServer` itself: fixtures, the shared store, shutdown and drop, a file database.

use std::time::Duration;

use gitlab_jobs_client::types::JobStatus;
use gitlab_jobs_reference::{Fixtures, TestServer, open_store};

use crate::support::*;

fn small_fixtures() -> Fixtures {
    Fixtures::from_json(include_str!("../../testdata/small.json")).expect("the small fixture")
}

/// Whether something still accepts connections at `base_url`.
async fn reachable(base_url: &str) -> bool {
    let address = base_url.trim_start_matches("http://");
    tokio::net::TcpStream::connect(address).await.is_ok()
}

#[tokio::test]
async fn start_serves_the_given_fixtures() {
    let fixtures = small_fixtures();
    let token = fixtures.tokens[0].token.clone();
    let project = fixtures.projects[0].id;
    let server = TestServer::start(fixtures).await.expect("starts");
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(server.api_url(), format!("{}/api/v4", server.base_url()));
    let jobs = client(&server, &token)
        .list_project_jobs()
        .id(project.to_string())
        .send()
        .await
        .expect("lists")
        .into_inner();
    assert!(!jobs.is_empty());
    assert!(!server.store().is_empty().expect("reads"));
}

#[tokio::test]
async fn the_store_sees_what_the_api_changed() {
    let server = demo().await;
    client(&server, tokens::DEVELOPER)
        .cancel_job()
        .id(BACKEND)
        .job_id(14)
        .send()
        .await
        .expect("cancels");
    let job = server.store().job(1, 14).expect("reads").expect("the job");
    assert_eq!(job.job.status.as_str(), "canceled");
}

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let server = demo().await;
    let base_url = server.base_url();
    assert!(reachable(&base_url).await);
    server.shutdown().await;
    assert!(!reachable(&base_url).await, "stopped by shutdown");

    let server = demo().await;
    let base_url = server.base_url();
    drop(server);
    // The abort takes effect when the runtime next polls the server's task.
    let mut stopped = false;
    for _ in 0..100 {
        if !reachable(&base_url).await {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(stopped, "stopped by drop");
}

#[tokio::test]
async fn a_file_database_keeps_what_was_committed() {
    let scratch = ScratchDatabase::new("lifecycle");
    let database = scratch.url();
    let server =
        TestServer::start_with_database(&database, gitlab_jobs_reference::demo::demo_fixtures())
            .await
            .expect("starts on a file");
    let played = client(&server, tokens::MAINTAINER)
        .play_job()
        .id(BACKEND)
        .job_id(6)
        .send()
        .await
        .expect("plays");
    assert_eq!(played.status(), 200);
    server.shutdown().await;

    let store = open_store(&database).expect("reopens");
    let job = store.job(1, 6).expect("reads").expect("the job");
    assert_eq!(job.job.status.as_str(), "pending");
    drop(store);

    // And a server started on it again (no fixtures) serves it.
    let server = TestServer::start_with_database(&database, Fixtures::default())
        .await
        .expect("starts again");
    let job = client(&server, tokens::MAINTAINER)
        .get_job()
        .id(BACKEND)
        .job_id(6)
        .send()
        .await
        .expect("reads")
        .into_inner();
    assert_eq!(job.status, JobStatus::Pending);
    server.shutdown().await;
}

/// On a database file the server reads the data version with its probe and answers kept
/// GET job and list answers on its async threads: a token revoked or a member removed behind
/// its back (through the store, as another instance would) is refused at the next request.
#[tokio::test]
async fn kept_answers_on_a_file_database_follow_changes_at_once() {
    let scratch = ScratchDatabase::new("kept");
    let database = scratch.url();
    let server =
        TestServer::start_with_database(&database, gitlab_jobs_reference::demo::demo_fixtures())
            .await
            .expect("starts on a file");
    let get = |token: &'static str| {
        let client = client(&server, token);
        async move { client.get_job().id(BACKEND).job_id(1).send().await }
    };
    let list = |token: &'static str| {
        let client = client(&server, token);
        async move { client.list_project_jobs().id(BACKEND).send().await }
    };
    for _ in 0..3 {
        assert_eq!(get(tokens::MAINTAINER).await.expect("reads").id, 1);
        assert!(!list(tokens::REPORTER).await.expect("lists").is_empty());
    }

    let store = server.store();
    store
        .revoke_personal_access_token(tokens::MAINTAINER)
        .expect("revokes");
    let (status, body) = error_of(get(tokens::MAINTAINER).await);
    assert_eq!(
        (status, body.error.as_deref()),
        (401, Some("invalid_token"))
    );

    let reporter = store
        .personal_access_token(tokens::REPORTER)
        .expect("reads")
        .expect("the reporter's token")
        .user
        .id;
    store.remove_member(1, reporter).expect("removes");
    let (status, body) = error_of(list(tokens::REPORTER).await);
    assert_eq!((status, message(&body)), (404, "404 Project Not Found"));

    server.shutdown().await;
}
