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

/// testdata/small.json with pipeline 10 (job 100 `compile`, archive with `README.md`) made
/// successful and `newer` successful pipelines of `main` without jobs after it and after
/// pipeline 13: `compile` is then only in the `newer + 2`-th newest successful pipeline.
async fn compile_behind(newer: i64) -> TestServer {
    small_with(|fixture| {
        let pipelines = fixture["pipelines"].as_array_mut().expect("pipelines");
        for pipeline in pipelines.iter_mut() {
            if pipeline["id"] == 10 {
                pipeline["status"] = serde_json::json!("success");
            }
        }
        for id in 1000..1000 + newer {
            pipelines.push(serde_json::json!({
                "id": id, "project_id": 1, "sha": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "ref": "main", "status": "success", "source": "push"
            }));
        }
    })
    .await
}

/// The statuses and bodies of both by-ref routes for `compile` on `main`, with
/// `search_recent_successful_pipelines` as given.
async fn compile_by_ref(
    server: &TestServer,
    search: Option<bool>,
) -> [Result<Vec<u8>, (u16, String)>; 2] {
    let client = client(server, "reporter-token");
    let mut archive = client
        .download_artifacts_by_ref()
        .id("1")
        .ref_name("main")
        .job("compile");
    let mut file = client
        .get_artifact_file_by_ref()
        .id("1")
        .ref_name("main")
        .artifact_path("README.md")
        .job("compile");
    if let Some(search) = search {
        archive = archive.search_recent_successful_pipelines(search);
        file = file.search_recent_successful_pipelines(search);
    }
    [
        outcome(client.download(archive).await),
        outcome(client.download(file).await),
    ]
}

/// The bytes of a download, or the status and message of its error.
fn outcome<B: AsRef<[u8]>>(
    result: Result<B, Error<types::Error>>,
) -> Result<Vec<u8>, (u16, String)> {
    match result {
        Ok(bytes) => Ok(bytes.as_ref().to_vec()),
        Err(Error::ErrorResponse(response)) => {
            let status = response.status().as_u16();
            Err((status, message(&response.into_inner()).to_owned()))
        }
        Err(other) => panic!("expected a documented answer, got {other:?}"),
    }
}

/// Issue 10, part 3, item 3 (lib/api/ci/job_artifacts.rb: both by-ref routes call
/// `Ci::Build.latest_with_artifacts_for_ref` when `search_recent_successful_pipelines` is
/// true, else `latest_successful_build_for_ref!`).
#[tokio::test]
async fn search_recent_successful_pipelines_looks_past_the_latest_one() {
    let server = compile_behind(3).await;
    // Without the parameter (or with false) only the latest successful pipeline counts.
    for search in [None, Some(false)] {
        for answer in compile_by_ref(&server, search).await {
            let error = answer.expect_err("not in the latest pipeline");
            assert_eq!(error, (404, "404 Not found".to_owned()));
        }
    }
    let [archive, file] = compile_by_ref(&server, Some(true)).await;
    assert!(
        archive
            .expect("job 100's archive")
            .starts_with(b"PK\x03\x04")
    );
    assert_eq!(file.expect("one file of it"), b"# App\n");
    // A job no recent pipeline has: `not_found!('Job')`.
    let client = client(&server, "reporter-token");
    let (status, body) = error_of(
        client
            .download_artifacts_by_ref()
            .id("1")
            .ref_name("main")
            .job("no-such-job")
            .search_recent_successful_pipelines(true)
            .send()
            .await,
    );
    assert_eq!((status, message(&body)), (404, "404 Job Not Found"));
}

/// "Up to 100 recent successful pipelines" (doc/api/job_artifacts.md): the 100th newest is
/// searched, the 101st is not.
#[tokio::test]
async fn search_recent_successful_pipelines_stops_at_one_hundred() {
    let hundredth = compile_behind(98).await;
    for answer in compile_by_ref(&hundredth, Some(true)).await {
        answer.expect("pipeline 10 is the 100th newest");
    }
    let hundred_and_first = compile_behind(99).await;
    for answer in compile_by_ref(&hundred_and_first, Some(true)).await {
        let error = answer.expect_err("pipeline 10 is the 101st newest");
        assert_eq!(error, (404, "404 Job Not Found".to_owned()));
    }
}
