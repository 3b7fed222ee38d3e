//! Artifact downloads and deletion.

use gitlab_jobs_client::types;
use gitlab_jobs_client::{Error, ResponseValue};
use gitlab_jobs_reference::TestServer;

use crate::support::*;

#[tokio::test]
async fn the_archive_downloads_as_an_attachment() {
    let server = demo().await;
    let client = client(&server, tokens::REPORTER);
    let response = client
        .get_job_artifacts()
        .id(BACKEND)
        .job_id(1)
        .send()
        .await
        .expect("downloads");
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-disposition"),
        Some("attachment; filename=\"artifacts.zip\"; filename*=UTF-8''artifacts.zip")
    );
    assert_eq!(
        header(&response, "content-type"),
        Some("application/octet-stream")
    );
    let archive = client.job_artifacts(BACKEND, 1).await.expect("the bytes");
    assert!(archive.starts_with(b"PK\x03\x04"), "a zip archive");
}

#[tokio::test]
async fn one_file_of_the_archive() {
    let server = demo().await;
    let client = client(&server, tokens::REPORTER);
    let file = client
        .download(
            client
                .get_job_artifact_file()
                .id(BACKEND)
                .job_id(1)
                .artifact_path("build-info.txt"),
        )
        .await
        .expect("the file");
    assert_eq!(&file[..], b"commit 2f4a1c9e\n");
    let (status, _) = error_of(
        client
            .get_job_artifact_file()
            .id(BACKEND)
            .job_id(1)
            .artifact_path("missing.txt")
            .send()
            .await,
    );
    assert_eq!(status, 404);
}

#[tokio::test]
async fn by_ref_downloads_work_anonymously_on_a_public_project() {
    let server = demo().await;
    let client = anonymous(&server);
    let archive = client
        .download(
            client
                .download_artifacts_by_ref()
                .id(WEBSITE)
                .ref_name("main")
                .job("pages"),
        )
        .await
        .expect("the archive of the latest successful `pages`");
    assert!(archive.starts_with(b"PK\x03\x04"));
    let page = client
        .download(
            client
                .get_artifact_file_by_ref()
                .id(WEBSITE)
                .ref_name("main")
                .artifact_path("public/index.html")
                .job("pages"),
        )
        .await
        .expect("one file");
    assert_eq!(&page[..], b"<html><h1>ACME</h1></html>");
    let (status, body) = error_of(
        client
            .download_artifacts_by_ref()
            .id(WEBSITE)
            .ref_name("no-such-branch")
            .job("pages")
            .send()
            .await,
    );
    assert_eq!((status, message(&body)), (404, "404 Not found"));
}

#[tokio::test]
async fn delete_answers_204_and_the_archive_is_gone() {
    let server = demo().await;
    let client = client(&server, tokens::MAINTAINER);
    let response = client
        .delete_job_artifacts()
        .id(BACKEND)
        .job_id(2)
        .send()
        .await
        .expect("deletes");
    assert_eq!(response.status(), 204);
    let (status, body) = error_of(
        client
            .get_job_artifacts()
            .id(BACKEND)
            .job_id(2)
            .send()
            .await,
    );
    assert_eq!((status, message(&body)), (404, "404 Not Found"));
    // The log stays (`Ci::JobArtifacts::DeleteService` keeps the trace).
    assert!(
        client
            .job_trace(BACKEND, 2)
            .await
            .expect("the log")
            .contains("412 examples")
    );
}

/// The archive, one file of it and the by-ref archive of job 140 (`package` on `release`,
/// artifacts expired in 2024) as a reporter of testdata/small.json sees them: statuses only.
async fn package_answers(server: &TestServer) -> [u16; 3] {
    let client = client(server, "reporter-token");
    let archive = client.get_job_artifacts().id("1").job_id(140).send().await;
    let file = client
        .get_job_artifact_file()
        .id("1")
        .job_id(140)
        .artifact_path("pkg.tar")
        .send()
        .await;
    let by_ref = client
        .download_artifacts_by_ref()
        .id("1")
        .ref_name("release")
        .job("package")
        .send()
        .await;
    [status(archive), status(file), status(by_ref)]
}

/// The status of an answer, documented error or not.
fn status<T>(result: Result<ResponseValue<T>, Error<types::Error>>) -> u16 {
    match result {
        Ok(response) => response.status().as_u16(),
        Err(error) => error_of::<T>(Err(error)).0,
    }
}

/// The `file_type`s of job 140's `artifacts` and whether it shows `artifacts_file`.
async fn package_entity(server: &TestServer) -> (Vec<String>, bool) {
    let job = client(server, "reporter-token")
        .get_job()
        .id("1")
        .job_id(140)
        .send()
        .await
        .expect("the job")
        .into_inner();
    let types = job.artifacts.iter().map(|a| a.file_type.clone()).collect();
    (types, job.artifacts_file.is_some())
}

/// Issue 10, part 3, item 5. Pipeline 14 is the only pipeline of `release`, so it is locked
/// (app/models/ci/pipeline.rb `locked`; nothing newer on the ref has unlocked it) and its
/// expired artifacts are kept: `available_artifacts?` (app/models/ci/build.rb) is true and the
/// archive still exists, while `artifacts?` (no `artifacts_file`, no keep) is false.
#[tokio::test]
async fn expired_artifacts_of_the_latest_pipeline_of_a_ref_stay_available() {
    let server = small_with(|_| {}).await;
    assert_eq!(package_answers(&server).await, [200, 200, 200]);
    let client = client(&server, "reporter-token");
    let file = client
        .download(
            client
                .get_job_artifact_file()
                .id("1")
                .job_id(140)
                .artifact_path("pkg.tar"),
        )
        .await
        .expect("the file");
    assert_eq!(&file[..], b"old");
    let (artifacts, shows_artifacts_file) = package_entity(&server).await;
    assert!(artifacts.contains(&"archive".to_owned()), "{artifacts:?}");
    assert!(!shows_artifacts_file, "artifacts? is false once expired");
    let (status, _) = error_of(
        self::client(&server, "maintainer-token")
            .keep_job_artifacts()
            .id("1")
            .job_id(140)
            .send()
            .await,
    );
    assert_eq!(status, 404, "keep needs `artifacts?`");
}

/// Issue 10, part 3, item 5. A newer pipeline of `release` that finished (failed here) unlocks
/// pipeline 14 (`Ci::Refs::UnlockPreviousPipelinesWorker`), and the expiry worker then destroys
/// its expired artifacts (`DestroyAllExpiredService`: `expired_before(...).artifact_unlocked`):
/// no download by id, file or ref, and the job no longer lists them.
#[tokio::test]
async fn expired_artifacts_of_an_unlocked_pipeline_are_gone() {
    let server = small_with(|fixture| {
        fixture["pipelines"]
            .as_array_mut()
            .expect("pipelines")
            .push(serde_json::json!({
                "id": 15, "project_id": 1, "sha": "cccccccccccccccccccccccccccccccccccccccc",
                "ref": "release", "status": "failed", "source": "push",
                "created_at": "2024-02-01T00:00:00Z"
            }));
    })
    .await;
    assert_eq!(package_answers(&server).await, [404, 404, 404]);
    let (artifacts, shows_artifacts_file) = package_entity(&server).await;
    assert!(
        artifacts.iter().all(|file_type| file_type == "trace"),
        "only the log may be left: {artifacts:?}"
    );
    assert!(!shows_artifacts_file);
}
