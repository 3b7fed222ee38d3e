//! The operations that change jobs: cancel, retry, play, erase, keep.

use gitlab_jobs_client::types::{self, JobOrBridge, JobStatus};
use gitlab_jobs_reference::TestServer;

use crate::support::*;

#[tokio::test]
async fn cancel_cancels_a_pending_job_and_leaves_a_finished_one() {
    let server = demo().await;
    let client = client(&server, tokens::DEVELOPER);
    let response = client
        .cancel_job()
        .id(BACKEND)
        .job_id(14)
        .send()
        .await
        .expect("cancels");
    assert_eq!(response.status(), 201);
    let job = response.into_inner();
    assert_eq!((job.id, job.status), (14, JobStatus::Canceled));
    assert!(job.finished_at.is_some());
    let read = client
        .get_job()
        .id(BACKEND)
        .job_id(14)
        .send()
        .await
        .expect("reads")
        .into_inner();
    assert_eq!(read.status, JobStatus::Canceled);
    // GitLab fires the event without checking `cancelable?`: 201, unchanged.
    let finished = client
        .cancel_job()
        .id(BACKEND)
        .job_id(1)
        .send()
        .await
        .expect("answers");
    assert_eq!(finished.status(), 201);
    assert_eq!(finished.into_inner().status, JobStatus::Success);
}

#[tokio::test]
async fn retry_creates_a_new_job_and_hides_the_old_one() {
    let server = demo().await;
    let client = client(&server, tokens::DEVELOPER);
    let response = client
        .retry_job()
        .id(BACKEND)
        .job_id(8)
        .send()
        .await
        .expect("retries");
    assert_eq!(response.status(), 201);
    let new = response.into_inner();
    assert!(new.id > 21, "a new id: {}", new.id);
    assert_eq!(
        (new.name.as_str(), new.status),
        ("rspec", JobStatus::Pending)
    );
    assert_eq!(new.user.as_ref().map(|u| u.username.as_str()), Some("bob"));
    let pipeline = client
        .list_pipeline_jobs()
        .id(BACKEND)
        .pipeline_id(2)
        .send()
        .await
        .expect("lists")
        .into_inner();
    let listed = ids(&pipeline);
    assert!(listed.contains(&new.id), "{listed:?}");
    assert!(!listed.contains(&8), "the old job is hidden: {listed:?}");
    // The old one keeps its status, and cannot be retried twice.
    let old = client
        .get_job()
        .id(BACKEND)
        .job_id(8)
        .send()
        .await
        .expect("reads")
        .into_inner();
    assert_eq!(old.status, JobStatus::Failed);
    let (status, body) = error_of(client.retry_job().id(BACKEND).job_id(8).send().await);
    assert_eq!(
        (status, message(&body)),
        (403, "403 Forbidden - Job is not retryable")
    );
}

/// `present response[:job], with: Entities::Ci::Job` (lib/api/ci/jobs.rb) for bridges too,
/// through `Ci::Bridge`'s stand-ins (app/models/ci/bridge.rb): no runner, no artifacts,
/// `tag_list` from `tags` = `[:bridge]`, and no `downstream_pipeline`.
#[tokio::test]
async fn retrying_a_bridge_answers_the_job_entity() {
    let server = demo().await;
    let response = reqwest::Client::new()
        .post(format!("{}/projects/1/jobs/4/retry", server.api_url()))
        .header("PRIVATE-TOKEN", tokens::MAINTAINER)
        .send()
        .await
        .expect("retries the bridge");
    assert_eq!(response.status(), 201);
    let retried: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(retried["name"], "trigger-docs");
    assert_ne!(retried["id"], 4);
    assert_eq!(retried["runner"], serde_json::Value::Null);
    assert_eq!(retried["artifacts"], serde_json::json!([]));
    assert_eq!(retried["artifacts_expire_at"], serde_json::Value::Null);
    assert_eq!(retried["tag_list"], serde_json::json!(["bridge"]));
    assert_eq!(retried["archived"], false);
    let keys = retried.as_object().expect("an object");
    assert!(!keys.contains_key("downstream_pipeline"), "{keys:?}");
    assert!(!keys.contains_key("artifacts_file"), "{keys:?}");
}

#[tokio::test]
async fn play_enqueues_the_manual_job_as_the_caller() {
    let server = demo().await;
    let client = client(&server, tokens::MAINTAINER);
    let body = types::PlayJobRequest {
        job_variables_attributes: vec![types::JobVariableAttribute {
            key: "CONFIRM".into(),
            value: "yes".into(),
            variable_type: types::JobVariableAttributeVariableType::EnvVar,
        }],
        ..types::PlayJobRequest::default()
    };
    let response = client
        .play_job()
        .id(BACKEND)
        .job_id(6)
        .body(body)
        .send()
        .await
        .expect("plays");
    assert_eq!(response.status(), 200);
    let JobOrBridge::Job(job) = response.into_inner() else {
        panic!("a build is played as a Job")
    };
    assert_eq!((job.id, job.status), (6, JobStatus::Pending));
    assert_eq!(
        job.user.as_ref().map(|u| u.username.as_str()),
        Some("alice")
    );
    // A pending job is not playable.
    let (status, body) = error_of(client.play_job().id(BACKEND).job_id(6).send().await);
    assert_eq!(
        (status, message(&body)),
        (400, "400 Bad request - Unplayable Job")
    );
}

/// GitLab (Grape on Rack) reads play's variables from a form-encoded body and from the query
/// string as well as from JSON; python-gitlab and curl `-d` send forms.
#[tokio::test]
async fn play_takes_variables_from_a_form_or_the_query_string() {
    // The stores block (PostgreSQL's client runs a runtime of its own).
    let variables = |server: &TestServer| {
        let store = server.store();
        async move {
            let job = tokio::task::spawn_blocking(move || store.job(1, 6))
                .await
                .expect("the store task")
                .expect("the store")
                .expect("job 6");
            job.job
                .variables
                .into_iter()
                .map(|variable| (variable.key, variable.value))
                .collect::<Vec<(String, String)>>()
        }
    };
    let http = reqwest::Client::new();
    let play = |server: &TestServer, query: &str| {
        http.post(format!(
            "{}/projects/1/jobs/6/play{query}",
            server.api_url()
        ))
        .header("PRIVATE-TOKEN", tokens::MAINTAINER)
    };

    let server = demo().await;
    let response = play(&server, "")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            "job_variables_attributes[][key]=CONFIRM&job_variables_attributes[][value]=yes+please",
        )
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), 200);
    assert_eq!(
        variables(&server).await,
        [("CONFIRM".into(), "yes please".into())]
    );

    let server = demo().await;
    let response = play(
        &server,
        "?job_variables_attributes[][key]=FROM&job_variables_attributes[][value]=query",
    )
    .send()
    .await
    .expect("an answer");
    assert_eq!(response.status(), 200);
    assert_eq!(variables(&server).await, [("FROM".into(), "query".into())]);
}

#[tokio::test]
async fn erase_removes_the_log_and_the_artifacts() {
    let server = demo().await;
    let client = client(&server, tokens::MAINTAINER);
    let response = client
        .erase_job()
        .id(BACKEND)
        .job_id(1)
        .send()
        .await
        .expect("erases");
    assert_eq!(response.status(), 201);
    let job = response.into_inner();
    assert!(job.erased_at.is_some());
    assert!(job.artifacts_file.is_none());
    assert_eq!(client.job_trace(BACKEND, 1).await.expect("the log"), "");
    let (status, _) = error_of(
        client
            .get_job_artifacts()
            .id(BACKEND)
            .job_id(1)
            .send()
            .await,
    );
    assert_eq!(status, 404);
    let (status, body) = error_of(client.erase_job().id(BACKEND).job_id(1).send().await);
    assert_eq!(
        (status, message(&body)),
        (403, "403 Forbidden - Job is not erasable!")
    );
}

#[tokio::test]
async fn keep_clears_the_expiry() {
    let server = demo().await;
    let client = client(&server, tokens::DEVELOPER);
    let before = client
        .get_job()
        .id(BACKEND)
        .job_id(1)
        .send()
        .await
        .expect("reads")
        .into_inner();
    assert!(before.artifacts_expire_at.is_some());
    let response = client
        .keep_job_artifacts()
        .id(BACKEND)
        .job_id(1)
        .send()
        .await
        .expect("keeps");
    assert_eq!(response.status(), 200);
    let kept = response.into_inner();
    assert_eq!((kept.id, kept.artifacts_expire_at), (1, None));
    // Nothing to keep on a job without artifacts.
    let (status, _) = error_of(
        client
            .keep_job_artifacts()
            .id(BACKEND)
            .job_id(14)
            .send()
            .await,
    );
    assert_eq!(status, 404);
}
