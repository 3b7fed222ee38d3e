//! One job and its log.

use anyhow::{Result, ensure};
use gitlab_jobs_client::Auth;
use gitlab_jobs_client::types::{self, JobStatus};
use gitlab_jobs_contract_tests::wire::{self, Request};
use gitlab_jobs_reference::demo::tokens;

use crate::harness::{Live, header, raw_get};
use crate::{FORBIDDEN, PROJECT_NOT_FOUND, RECORD_NOT_FOUND, UNAUTHORIZED};

/// GET /projects/:id/jobs/:job_id and its trace.
pub(crate) async fn single_job_reads(live: &mut Live) -> Result<()> {
    const JOB: &str = "get_job";
    const TRACE: &str = "get_job_trace";
    let bob = live.token(tokens::DEVELOPER);

    let (job, _) = live
        .ok(JOB, 200, bob.get_job().id("1").job_id(1).send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.id == 1 && job.name == "compile" && job.status == JobStatus::Success,
        "{JOB} 1: {} {} {:?}",
        job.id,
        job.name,
        job.status
    );
    ensure!(
        job.artifacts_file.is_some() && job.failure_reason.is_none(),
        "{JOB} 1: artifacts_file {:?}, failure_reason {:?}",
        job.artifacts_file,
        job.failure_reason
    );
    ensure!(
        job.tag_list == ["docker", "linux"],
        "{JOB} 1: tag_list is sorted, got {:?}",
        job.tag_list
    );
    let (job, _) = live
        .ok(JOB, 200, bob.get_job().id("acme/backend").job_id(8).send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.failure_reason == Some(types::FailureReason::ScriptFailure),
        "{JOB} 8: failure_reason {:?}",
        job.failure_reason
    );
    let (job, _) = live
        .ok(JOB, 200, bob.get_job().id("1").job_id(3).send())
        .await?;
    ensure!(
        job.into_inner().artifacts_file.is_none(),
        "{JOB} 3: no archive, so no artifacts_file"
    );
    // The other credential forms: a personal token as Bearer and as `private_token`; a job
    // token is not looked at on single-job routes (not `job_token_allowed`).
    let bearer = live.client(Auth::Bearer(tokens::DEVELOPER.into()));
    let (job, _) = live
        .ok(JOB, 200, bearer.get_job().id("1").job_id(1).send())
        .await?;
    ensure!(
        job.into_inner().id == 1,
        "{JOB}: a personal token as Bearer"
    );
    let target = format!(
        "/api/v4/projects/1/jobs/1?private_token={}",
        tokens::DEVELOPER
    );
    let exchange = live.raw(JOB, 200, Request::get(&target)).await?;
    ensure!(
        exchange.json()?["id"] == 1,
        "{JOB}: private_token query parameter"
    );
    let job_token = live.client(Auth::JobToken(tokens::RUNNING_JOB.into()));
    live.refused_with(
        JOB,
        UNAUTHORIZED,
        job_token.get_job().id("1").job_id(13).send(),
    )
    .await?;
    // A public project's job, read by a signed-in outsider.
    let erin = live.token(tokens::OUTSIDER);
    let (job, _) = live
        .ok(JOB, 200, erin.get_job().id("2").job_id(19).send())
        .await?;
    ensure!(job.into_inner().id == 19, "{JOB}: acme/website job 19");

    let error = live
        .raw(
            JOB,
            400,
            raw_get("/api/v4/projects/1/jobs/x", tokens::DEVELOPER),
        )
        .await?;
    ensure!(
        error.json()?["error"] == "job_id is invalid",
        "{JOB} job_id=x: {}",
        wire::quote(&error.response.body)
    );
    let anonymous = live.anonymous();
    live.refused_with(
        JOB,
        UNAUTHORIZED,
        anonymous.get_job().id("2").job_id(19).send(),
    )
    .await?;
    let dave = live.token(tokens::GUEST);
    live.refused_with(JOB, FORBIDDEN, dave.get_job().id("1").job_id(1).send())
        .await?;
    live.refused_with(
        JOB,
        PROJECT_NOT_FOUND,
        erin.get_job().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        JOB,
        RECORD_NOT_FOUND,
        bob.get_job().id("1").job_id(9999).send(),
    )
    .await?;
    // A bridge is not a build (`find_build!`); a job of another project is not found.
    live.refused_with(
        JOB,
        RECORD_NOT_FOUND,
        bob.get_job().id("1").job_id(4).send(),
    )
    .await?;
    live.refused_with(
        JOB,
        RECORD_NOT_FOUND,
        bob.get_job().id("1").job_id(19).send(),
    )
    .await?;

    // Traces: text/plain, `infile; filename="<id>.log"`, empty when there is none.
    let (log, exchange) = live.ok(TRACE, 200, bob.job_trace("1", 1)).await?;
    ensure!(
        log == "$ cargo build --release\n   Compiling backend v1.0.0\n    Finished release\n",
        "{TRACE} 1: {log:?}"
    );
    live.check(
        header(&exchange, "content-disposition").as_deref() == Some("infile; filename=\"1.log\""),
        || {
            format!(
                "{TRACE}: {}: Content-Disposition {:?}",
                exchange.summary(),
                header(&exchange, "content-disposition")
            )
        },
    );
    let (log, _) = live
        .ok(TRACE, 200, bob.job_trace("acme/backend", 11))
        .await?;
    ensure!(log.is_empty(), "{TRACE} 11 (skipped, no log): {log:?}");
    let (log, _) = live.ok(TRACE, 200, bob.job_trace("1", 13)).await?;
    ensure!(
        log == "$ bundle exec rspec\n..........",
        "{TRACE} 13 (running): {log:?}"
    );

    live.raw(
        TRACE,
        400,
        raw_get("/api/v4/projects/1/jobs/x/trace", tokens::DEVELOPER),
    )
    .await?;
    live.refused_with(TRACE, UNAUTHORIZED, anonymous.job_trace("2", 19))
        .await?;
    live.refused_with(TRACE, FORBIDDEN, dave.job_trace("1", 1))
        .await?;
    live.refused_with(TRACE, RECORD_NOT_FOUND, bob.job_trace("1", 9999))
        .await?;
    live.refused_with(TRACE, RECORD_NOT_FOUND, bob.job_trace("1", 4))
        .await?;
    Ok(())
}
