//! Who may do what, checked against GitLab's policies (app/policies/project_policy.rb,
//! app/services/ci/play_build_service.rb): public pipelines for guests of a private project.

use serde_json::json;

use crate::support::*;

/// app/policies/project_policy.rb: `rule { public_builds }.policy { enable :read_build }`
/// (newest GitLab: `rule { ~public_builds }` prevents `_read_public_build`, which enables
/// `read_build`). Nothing limits it to public projects: a guest of a private project with
/// public pipelines on reads its jobs and logs; with them off, 403.
#[tokio::test]
async fn guests_of_a_private_project_read_jobs_when_pipelines_are_public() {
    let public = small_with(|value| value["projects"][0]["public_builds"] = json!(true)).await;
    let guest = client(&public, "guest-token");
    let job = guest
        .get_job()
        .id("acme/app")
        .job_id(100)
        .send()
        .await
        .expect("a guest reads a job of acme/app");
    assert_eq!(job.id, 100);
    let jobs = guest
        .list_project_jobs()
        .id("acme/app")
        .send()
        .await
        .expect("and lists them");
    assert!(ids(&jobs).contains(&100), "{:?}", ids(&jobs));
    // Reading is all: acting still needs a developer.
    let (status, body) = error_of(guest.retry_job().id("acme/app").job_id(101).send().await);
    assert_eq!((status, message(&body)), (403, "403 Forbidden"));

    let private = small_with(|value| value["projects"][0]["public_builds"] = json!(false)).await;
    let (status, body) = error_of(
        client(&private, "guest-token")
            .get_job()
            .id("acme/app")
            .job_id(100)
            .send()
            .await,
    );
    assert_eq!((status, message(&body)), (403, "403 Forbidden"));
}
