//! Artifacts: the archive, one file, keep, delete, and both by ref.

use gitlab_jobs_server::Credentials;
use gitlab_jobs_server::responses::{
    DownloadArtifactsByRefFoundHeaders, DownloadArtifactsByRefOkHeaders,
    GetArtifactFileByRefFoundHeaders, GetArtifactFileByRefOkHeaders,
    GetJobArtifactFileFoundHeaders, GetJobArtifactFileOkHeaders, GetJobArtifactsFoundHeaders,
    GetJobArtifactsOkHeaders,
};

use super::{
    MAINT, assert_refusals, bytes_of, credential_refusals, job_refusals, redirected, refused,
    success, text,
};
use crate::coverage::Coverage;
use crate::fake::{self, OBJECT_STORE, error, message};
use crate::{Auth, Server};

pub(super) async fn artifacts(coverage: &mut Coverage) {
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

    assert_refusals(
        &server,
        coverage,
        "get_job_artifacts",
        job_refusals(),
        |client, job| async move { client.get_job_artifacts().id("1").job_id(job).send().await },
    )
    .await;
    let (_, body) = refused(
        client.get_job_artifacts().id("1").job_id(2).send().await,
        404,
    );
    assert_eq!(body, message("404 Not Found"));
}

pub(super) async fn delete_artifacts(coverage: &mut Coverage) {
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

    assert_refusals(
        &server,
        coverage,
        "delete_job_artifacts",
        job_refusals(),
        |client, job| async move {
            client
                .delete_job_artifacts()
                .id("1")
                .job_id(job)
                .send()
                .await
        },
    )
    .await;
}

pub(super) async fn download_by_ref(coverage: &mut Coverage) {
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

    assert_refusals(
        &server,
        coverage,
        "download_artifacts_by_ref",
        credential_refusals(),
        |client, ()| async move {
            client
                .download_artifacts_by_ref()
                .id("1")
                .ref_name("main")
                .job("build")
                .send()
                .await
        },
    )
    .await;
}

pub(super) async fn artifact_file(coverage: &mut Coverage) {
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

    assert_refusals(
        &server,
        coverage,
        "get_job_artifact_file",
        job_refusals(),
        |client, job| async move {
            client
                .get_job_artifact_file()
                .id("1")
                .job_id(job)
                .artifact_path("a/b/c.txt")
                .send()
                .await
        },
    )
    .await;
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

pub(super) async fn keep(coverage: &mut Coverage) {
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

    assert_refusals(
        &server,
        coverage,
        "keep_job_artifacts",
        job_refusals(),
        |client, job| async move { client.keep_job_artifacts().id("1").job_id(job).send().await },
    )
    .await;
    // A job without artifacts.
    let (_, body) = refused(
        client.keep_job_artifacts().id("1").job_id(2).send().await,
        404,
    );
    assert_eq!(body, message("404 Not found"));
}

pub(super) async fn artifact_file_by_ref(coverage: &mut Coverage) {
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

    assert_refusals(
        &server,
        coverage,
        "get_artifact_file_by_ref",
        credential_refusals(),
        |client, ()| async move {
            client
                .get_artifact_file_by_ref()
                .id("1")
                .ref_name("main")
                .artifact_path("a/b/c.txt")
                .job("build")
                .send()
                .await
        },
    )
    .await;

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
