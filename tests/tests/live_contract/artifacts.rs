//! Artifacts: erase, keep, delete and the four downloads.

use anyhow::{Result, ensure};
use gitlab_jobs_contract_tests::wire::{self, Request};
use gitlab_jobs_reference::demo::tokens;

use crate::harness::{Live, error_text, header, raw_get};
use crate::{
    BAD_REQUEST, FORBIDDEN, NOT_ERASABLE, NOT_FOUND, PROJECT_NOT_FOUND, RECORD_NOT_FOUND,
    UNAUTHORIZED,
};

/// POST …/erase, POST …/artifacts/keep and DELETE …/artifacts.
pub(crate) async fn erase_keep_and_delete_artifacts(live: &mut Live) -> Result<()> {
    const ERASE: &str = "erase_job";
    const KEEP: &str = "keep_job_artifacts";
    const DELETE: &str = "delete_job_artifacts";
    let bob = live.token(tokens::DEVELOPER);
    let alice = live.token(tokens::MAINTAINER);
    let carol = live.token(tokens::REPORTER);
    let unknown = live.token("no-such-token");

    // Bob erases his own finished job: log gone, erased_at set.
    let (job, _) = live
        .ok(ERASE, 201, bob.erase_job().id("1").job_id(3).send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.id == 3 && job.erased_at.is_some(),
        "{ERASE} 3: erased_at {:?}",
        job.erased_at
    );
    let (log, _) = live.ok("get_job_trace", 200, bob.job_trace("1", 3)).await?;
    ensure!(log.is_empty(), "get_job_trace after erasing 3: {log:?}");
    live.refused_with(
        ERASE,
        NOT_ERASABLE,
        bob.erase_job().id("1").job_id(3).send(),
    )
    .await?;
    live.refused_with(
        ERASE,
        NOT_ERASABLE,
        bob.erase_job().id("1").job_id(14).send(),
    )
    .await?;
    live.refused_with(ERASE, FORBIDDEN, carol.erase_job().id("1").job_id(1).send())
        .await?;
    live.raw(
        ERASE,
        400,
        Request::post("/api/v4/projects/1/jobs/x/erase").token(tokens::DEVELOPER),
    )
    .await?;
    live.refused_with(
        ERASE,
        UNAUTHORIZED,
        unknown.erase_job().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        ERASE,
        RECORD_NOT_FOUND,
        bob.erase_job().id("1").job_id(9999).send(),
    )
    .await?;

    // Keep: the expiry goes away.
    let (job, _) = live
        .ok(KEEP, 200, bob.keep_job_artifacts().id("1").job_id(1).send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.artifacts_expire_at.is_none() && job.artifacts_file.is_some(),
        "{KEEP} 1: artifacts_expire_at {:?}",
        job.artifacts_expire_at
    );
    let (error, _) = live
        .refused(KEEP, 404, bob.keep_job_artifacts().id("1").job_id(5).send())
        .await?;
    ensure!(
        error_text(&error).starts_with("404 "),
        "{KEEP} 5 (no artifacts): {error:?}"
    );
    live.raw(
        KEEP,
        400,
        Request::post("/api/v4/projects/1/jobs/x/artifacts/keep").token(tokens::DEVELOPER),
    )
    .await?;
    live.refused_with(
        KEEP,
        UNAUTHORIZED,
        unknown.keep_job_artifacts().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        KEEP,
        FORBIDDEN,
        carol.keep_job_artifacts().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        KEEP,
        RECORD_NOT_FOUND,
        bob.keep_job_artifacts().id("1").job_id(9999).send(),
    )
    .await?;

    // Delete: 204 without a body; the archive is gone afterwards.
    let (_, exchange) = live
        .ok(
            DELETE,
            204,
            alice.delete_job_artifacts().id("1").job_id(2).send(),
        )
        .await?;
    ensure!(
        exchange.response.body.is_empty(),
        "{DELETE}: 204 with a body"
    );
    let (job, _) = live
        .ok("get_job", 200, bob.get_job().id("1").job_id(2).send())
        .await?;
    ensure!(
        job.into_inner().artifacts_file.is_none(),
        "get_job 2 after deleting its artifacts still shows artifacts_file"
    );
    live.refused_with("get_job_artifacts", NOT_FOUND, bob.job_artifacts("1", 2))
        .await?;
    // GitLab does not check that there is anything to delete.
    live.ok(
        DELETE,
        204,
        alice.delete_job_artifacts().id("1").job_id(2).send(),
    )
    .await?;
    live.raw(
        DELETE,
        400,
        Request::new("DELETE", "/api/v4/projects/1/jobs/x/artifacts").token(tokens::MAINTAINER),
    )
    .await?;
    live.refused_with(
        DELETE,
        UNAUTHORIZED,
        unknown.delete_job_artifacts().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        DELETE,
        FORBIDDEN,
        bob.delete_job_artifacts().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        DELETE,
        RECORD_NOT_FOUND,
        alice.delete_job_artifacts().id("1").job_id(9999).send(),
    )
    .await?;
    Ok(())
}

/// The four downloads: archive, one file, archive by ref, one file by ref.
pub(crate) async fn artifact_downloads(live: &mut Live) -> Result<()> {
    const ARCHIVE: &str = "get_job_artifacts";
    const FILE: &str = "get_job_artifact_file";
    const BY_REF: &str = "download_artifacts_by_ref";
    const RAW_BY_REF: &str = "get_artifact_file_by_ref";
    let bob = live.token(tokens::DEVELOPER);
    let dave = live.token(tokens::GUEST);
    let erin = live.token(tokens::OUTSIDER);
    let unknown = live.token("no-such-token");
    let anonymous = live.anonymous();

    let (zip, exchange) = live.ok(ARCHIVE, 200, bob.job_artifacts("1", 1)).await?;
    ensure!(
        zip.starts_with(b"PK\x03\x04"),
        "{ARCHIVE} 1: not a zip archive: {}",
        wire::quote(&zip)
    );
    live.check(
        header(&exchange, "content-disposition")
            .is_some_and(|v| v.starts_with("attachment; filename=")),
        || {
            format!(
                "{ARCHIVE}: {}: Content-Disposition {:?}",
                exchange.summary(),
                header(&exchange, "content-disposition")
            )
        },
    );
    let (zip, _) = live
        .ok(ARCHIVE, 200, anonymous.job_artifacts("acme/website", 20))
        .await?;
    ensure!(
        zip.starts_with(b"PK"),
        "{ARCHIVE}: anonymous download on the public project"
    );
    live.raw(
        ARCHIVE,
        400,
        raw_get("/api/v4/projects/1/jobs/x/artifacts", tokens::DEVELOPER),
    )
    .await?;
    live.refused_with(ARCHIVE, UNAUTHORIZED, unknown.job_artifacts("1", 1))
        .await?;
    live.refused_with(ARCHIVE, FORBIDDEN, dave.job_artifacts("1", 1))
        .await?;
    live.refused_with(ARCHIVE, NOT_FOUND, bob.job_artifacts("1", 3))
        .await?;
    live.refused_with(ARCHIVE, PROJECT_NOT_FOUND, erin.job_artifacts("1", 1))
        .await?;

    let (file, exchange) = live
        .ok(
            FILE,
            200,
            bob.download(
                bob.get_job_artifact_file()
                    .id("1")
                    .job_id(1)
                    .artifact_path("build-info.txt"),
            ),
        )
        .await?;
    ensure!(
        file.as_ref() == b"commit 2f4a1c9e\n",
        "{FILE} build-info.txt: {}",
        wire::quote(&file)
    );
    live.check(
        header(&exchange, "content-disposition").is_some_and(|v| v.contains("build-info.txt")),
        || {
            format!(
                "{FILE}: {}: Content-Disposition {:?}",
                exchange.summary(),
                header(&exchange, "content-disposition")
            )
        },
    );
    let (file, _) = live
        .ok(
            FILE,
            200,
            bob.download(
                bob.get_job_artifact_file()
                    .id("1")
                    .job_id(1)
                    .artifact_path("target/release/backend"),
            ),
        )
        .await?;
    ensure!(
        file.as_ref() == "\u{7f}ELF demo binary".as_bytes(),
        "{FILE} target/release/backend: {}",
        wire::quote(&file)
    );
    // The client encodes `/`: `..%2Fx` and `%2Fetc%2Fpasswd` arrive as `../x` and `/etc/passwd`.
    // (who, job, path, GitLab's answer).
    let refusals = [
        (&bob, 1, "../x", BAD_REQUEST),
        (&bob, 1, "/etc/passwd", BAD_REQUEST),
        (&unknown, 1, "build-info.txt", UNAUTHORIZED),
        (&dave, 1, "build-info.txt", FORBIDDEN),
        (&bob, 3, "build-info.txt", NOT_FOUND),
    ];
    for (client, job, path, refusal) in refusals {
        let file = client
            .get_job_artifact_file()
            .id("1")
            .job_id(job)
            .artifact_path(path);
        live.refused_with(FILE, refusal, client.download(file))
            .await?;
    }
    // A file the archive does not hold: Workhorse's 404, so only the status is checked.
    live.refused(
        FILE,
        404,
        bob.download(
            bob.get_job_artifact_file()
                .id("1")
                .job_id(1)
                .artifact_path("no/such/file"),
        ),
    )
    .await?;

    // By ref: the latest successful pipeline of the ref.
    let (zip, _) = live
        .ok(
            BY_REF,
            200,
            anonymous.download(
                anonymous
                    .download_artifacts_by_ref()
                    .id("acme/website")
                    .ref_name("main")
                    .job("pages"),
            ),
        )
        .await?;
    ensure!(
        zip.starts_with(b"PK"),
        "{BY_REF} acme/website main pages: not a zip"
    );
    let root = live.token(tokens::OWNER);
    let (zip, _) = live
        .ok(
            BY_REF,
            200,
            root.download(
                root.download_artifacts_by_ref()
                    .id("3")
                    .ref_name("main")
                    .job("build-docs"),
            ),
        )
        .await?;
    ensure!(
        zip.starts_with(b"PK"),
        "{BY_REF} acme/docs main build-docs: not a zip"
    );
    let error = live
        .raw(
            BY_REF,
            400,
            raw_get(
                "/api/v4/projects/2/jobs/artifacts/main/download",
                tokens::DEVELOPER,
            ),
        )
        .await?;
    ensure!(
        error.json()?["error"] == "job is missing",
        "{BY_REF} without job: {}",
        wire::quote(&error.response.body)
    );
    // (who, project, job name, GitLab's answer).
    let refusals = [
        (&unknown, "2", "pages", UNAUTHORIZED),
        (&dave, "1", "compile", FORBIDDEN),
        // acme/backend's main pipelines are `manual` and `failed`: none succeeded.
        (&bob, "1", "compile", RECORD_NOT_FOUND),
        (&bob, "2", "nope", RECORD_NOT_FOUND),
    ];
    for (client, project, job, refusal) in refusals {
        let archive = client
            .download_artifacts_by_ref()
            .id(project)
            .ref_name("main")
            .job(job);
        live.refused_with(BY_REF, refusal, client.download(archive))
            .await?;
    }

    let (file, _) = live
        .ok(
            RAW_BY_REF,
            200,
            anonymous.download(
                anonymous
                    .get_artifact_file_by_ref()
                    .id("2")
                    .ref_name("main")
                    .artifact_path("public/index.html")
                    .job("pages"),
            ),
        )
        .await?;
    ensure!(
        file.as_ref() == b"<html><h1>ACME</h1></html>",
        "{RAW_BY_REF} public/index.html: {}",
        wire::quote(&file)
    );
    // (who, project, ref, path, job name, GitLab's answer).
    let refusals = [
        (&bob, "2", "main", "../x", "pages", BAD_REQUEST),
        (
            &unknown,
            "2",
            "main",
            "public/index.html",
            "pages",
            UNAUTHORIZED,
        ),
        (&dave, "1", "main", "build-info.txt", "compile", FORBIDDEN),
        (
            &bob,
            "2",
            "nope",
            "public/index.html",
            "pages",
            RECORD_NOT_FOUND,
        ),
    ];
    for (client, project, ref_name, path, job, refusal) in refusals {
        let file = client
            .get_artifact_file_by_ref()
            .id(project)
            .ref_name(ref_name)
            .artifact_path(path)
            .job(job);
        live.refused_with(RAW_BY_REF, refusal, client.download(file))
            .await?;
    }
    // A file the archive does not hold: Workhorse's 404, so only the status is checked.
    live.refused(
        RAW_BY_REF,
        404,
        bob.download(
            bob.get_artifact_file_by_ref()
                .id("2")
                .ref_name("main")
                .artifact_path("missing.html")
                .job("pages"),
        ),
    )
    .await?;
    Ok(())
}
