//! The job token's own job: GET /job and /job/allowed_agents.

use anyhow::{Result, bail, ensure};
use gitlab_jobs_client::Auth;
use gitlab_jobs_client::types::{self, JobStatus};
use gitlab_jobs_contract_tests::wire::Request;
use gitlab_jobs_reference::demo::tokens;

use crate::harness::Live;
use crate::{JOB_NOT_FOUND, UNAUTHORIZED};

/// GET /job and /job/allowed_agents: job tokens in two forms, other tokens, a job that stops.
pub(crate) async fn current_job(live: &mut Live) -> Result<()> {
    const JOB: &str = "get_current_job";
    const AGENTS: &str = "get_current_job_allowed_agents";
    let job_token = live.client(Auth::JobToken(tokens::RUNNING_JOB.into()));
    let (job, _) = live
        .ok(JOB, 200, job_token.get_current_job().send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.id == 13 && job.status == JobStatus::Running,
        "{JOB}: the running job's token gave job {} ({:?})",
        job.id,
        job.status
    );
    let bearer = live.client(Auth::Bearer(tokens::RUNNING_JOB.into()));
    let (job, _) = live.ok(JOB, 200, bearer.get_current_job().send()).await?;
    ensure!(job.into_inner().id == 13, "{JOB}: the job token as Bearer");
    // The `job_token` query form (not offered by the client: URLs end up in logs).
    let exchange = live
        .raw(
            JOB,
            200,
            Request::get(&format!("/api/v4/job?job_token={}", tokens::RUNNING_JOB)),
        )
        .await?;
    ensure!(
        exchange.json()?["id"] == 13,
        "{JOB}: job_token query parameter"
    );

    let (agents, _) = live
        .ok(
            AGENTS,
            200,
            job_token.get_current_job_allowed_agents().send(),
        )
        .await?;
    let agents = agents.into_inner();
    // Current GitLab's compact project and user (lib/api/ci/jobs.rb), not the 13.11–15.x
    // entities.
    let types::AllowedAgentsProject::Compact(project) = &agents.project else {
        bail!(
            "{AGENTS}: not the current project shape: {:?}",
            agents.project
        );
    };
    let types::AllowedAgentsUser::Compact(user) = &agents.user else {
        bail!("{AGENTS}: not the current user shape: {:?}", agents.user);
    };
    ensure!(
        agents.job.id == 13 && agents.pipeline.id == 4 && project.id == 1,
        "{AGENTS}: job/pipeline/project {:?}",
        (agents.job.id, agents.pipeline.id, project.id)
    );
    ensure!(
        agents
            .allowed_agents
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>()
            == [1],
        "{AGENTS}: agents {:?}",
        agents.allowed_agents
    );
    ensure!(
        user.username == "bob",
        "{AGENTS}: the job's user is bob, got {}",
        user.username
    );

    let bob = live.token(tokens::DEVELOPER);
    live.refused_with(JOB, JOB_NOT_FOUND, bob.get_current_job().send())
        .await?;
    live.refused_with(
        AGENTS,
        JOB_NOT_FOUND,
        bob.get_current_job_allowed_agents().send(),
    )
    .await?;
    let anonymous = live.anonymous();
    live.refused_with(JOB, UNAUTHORIZED, anonymous.get_current_job().send())
        .await?;
    live.refused_with(
        AGENTS,
        UNAUTHORIZED,
        anonymous.get_current_job_allowed_agents().send(),
    )
    .await?;
    let unknown = live.client(Auth::JobToken("no-such-job-token".into()));
    live.refused_with(JOB, UNAUTHORIZED, unknown.get_current_job().send())
        .await?;

    // Once its job is canceled, the token no longer works.
    let alice = live.token(tokens::MAINTAINER);
    let (job, _) = live
        .ok(
            "cancel_job",
            201,
            alice.cancel_job().id("1").job_id(13).send(),
        )
        .await?;
    ensure!(
        job.into_inner().status == JobStatus::Canceled,
        "cancel_job: job 13 should be canceled"
    );
    live.refused_with(JOB, UNAUTHORIZED, job_token.get_current_job().send())
        .await?;
    live.refused_with(
        AGENTS,
        UNAUTHORIZED,
        job_token.get_current_job_allowed_agents().send(),
    )
    .await?;
    Ok(())
}
