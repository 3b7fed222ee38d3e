//! The job actions that make or change jobs: cancel, retry and play.

use anyhow::{Result, bail, ensure};
use gitlab_jobs_client::types::{self, JobStatus};
use gitlab_jobs_contract_tests::wire::{self, Request};
use gitlab_jobs_reference::demo::tokens;

use crate::harness::{Live, ids};
use crate::{
    FORBIDDEN, LAST_DEMO_JOB, NOT_RETRYABLE, PROJECT_NOT_FOUND, RECORD_NOT_FOUND, UNAUTHORIZED,
    UNPLAYABLE,
};

/// POST …/cancel and …/retry.
pub(crate) async fn cancel_and_retry(live: &mut Live) -> Result<()> {
    const CANCEL: &str = "cancel_job";
    const RETRY: &str = "retry_job";
    let bob = live.token(tokens::DEVELOPER);
    let alice = live.token(tokens::MAINTAINER);
    let carol = live.token(tokens::REPORTER);

    let (job, _) = live
        .ok(CANCEL, 201, bob.cancel_job().id("1").job_id(14).send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.id == 14 && job.status == JobStatus::Canceled && job.finished_at.is_some(),
        "{CANCEL} 14 (pending): {:?} finished_at {:?}",
        job.status,
        job.finished_at
    );
    // Finished: 201 with the job unchanged.
    let (job, _) = live
        .ok(CANCEL, 201, bob.cancel_job().id("1").job_id(1).send())
        .await?;
    ensure!(
        job.into_inner().status == JobStatus::Success,
        "{CANCEL} 1 (success) must stay success"
    );
    // `force` needs a maintainer, and only ends a `canceling` job.
    live.refused_with(
        CANCEL,
        FORBIDDEN,
        bob.cancel_job().id("1").job_id(13).force(true).send(),
    )
    .await?;
    let (job, _) = live
        .ok(
            CANCEL,
            201,
            alice.cancel_job().id("1").job_id(13).force(true).send(),
        )
        .await?;
    ensure!(
        job.into_inner().status == JobStatus::Running,
        "{CANCEL} force on a running job leaves it running"
    );
    live.raw(
        CANCEL,
        400,
        Request::post("/api/v4/projects/1/jobs/x/cancel").token(tokens::DEVELOPER),
    )
    .await?;
    let unknown = live.token("no-such-token");
    live.refused_with(
        CANCEL,
        UNAUTHORIZED,
        unknown.cancel_job().id("1").job_id(13).send(),
    )
    .await?;
    live.refused_with(
        CANCEL,
        FORBIDDEN,
        carol.cancel_job().id("1").job_id(13).send(),
    )
    .await?;
    live.refused_with(
        CANCEL,
        RECORD_NOT_FOUND,
        bob.cancel_job().id("1").job_id(9999).send(),
    )
    .await?;

    // Retry makes a new job; the old one becomes retried and cannot be retried again.
    let (retried, _) = live
        .ok(RETRY, 201, bob.retry_job().id("1").job_id(8).send())
        .await?;
    let new_job = retried.into_inner();
    ensure!(
        new_job.id > LAST_DEMO_JOB
            && new_job.name == "rspec"
            && new_job.status == JobStatus::Pending,
        "{RETRY} 8: new job {} {} {:?}",
        new_job.id,
        new_job.name,
        new_job.status
    );
    ensure!(
        new_job.user.as_ref().map(|u| u.username.as_str()) == Some("bob"),
        "{RETRY} 8: the new job's user is the retrier"
    );
    live.refused_with(
        RETRY,
        NOT_RETRYABLE,
        bob.retry_job().id("1").job_id(8).send(),
    )
    .await?;
    let (jobs, _) = live
        .ok(
            "list_pipeline_jobs",
            200,
            bob.list_pipeline_jobs().id("1").pipeline_id(2).send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [new_job.id, 11, 10, 7],
        "list_pipeline_jobs after the retry of 8: {:?}",
        ids(&jobs)
    );
    let (jobs, _) = live
        .ok(
            "list_pipeline_jobs",
            200,
            bob.list_pipeline_jobs()
                .id("1")
                .pipeline_id(2)
                .include_retried(true)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [new_job.id, 11, 10, 9, 8, 7],
        "list_pipeline_jobs include_retried after the retry of 8: {:?}",
        ids(&jobs)
    );
    // A bridge retries as `Entities::Ci::Job` (lib/api/ci/jobs.rb): no runner, no artifacts,
    // `tag_list` ["bridge"] (`Ci::Bridge#tags`).
    let (retried, _) = live
        .ok(RETRY, 201, bob.retry_job().id("1").job_id(4).send())
        .await?;
    let bridge = retried.into_inner();
    ensure!(
        bridge.id > new_job.id
            && bridge.name == "trigger-docs"
            && bridge.runner.is_none()
            && bridge.artifacts.is_empty()
            && bridge.tag_list == ["bridge"],
        "{RETRY} 4: new bridge as a Job {bridge:?}"
    );
    live.raw(
        RETRY,
        400,
        Request::post("/api/v4/projects/1/jobs/x/retry").token(tokens::DEVELOPER),
    )
    .await?;
    live.refused_with(
        RETRY,
        UNAUTHORIZED,
        unknown.retry_job().id("1").job_id(7).send(),
    )
    .await?;
    live.refused_with(RETRY, FORBIDDEN, carol.retry_job().id("1").job_id(7).send())
        .await?;
    live.refused_with(
        RETRY,
        NOT_RETRYABLE,
        bob.retry_job().id("1").job_id(13).send(),
    )
    .await?;
    live.refused_with(
        RETRY,
        RECORD_NOT_FOUND,
        bob.retry_job().id("1").job_id(9999).send(),
    )
    .await?;
    Ok(())
}

/// POST …/play, with job variables.
pub(crate) async fn play(live: &mut Live) -> Result<()> {
    const OP: &str = "play_job";
    let alice = live.token(tokens::MAINTAINER);
    let bob = live.token(tokens::DEVELOPER);
    let variables = types::PlayJobRequest {
        job_variables_attributes: vec![types::JobVariableAttribute {
            key: "DEPLOY_REASON".into(),
            value: "release 1.0".into(),
            variable_type: types::JobVariableAttributeVariableType::EnvVar,
        }],
    };
    let (played, exchange) = live
        .ok(
            OP,
            200,
            alice.play_job().id("1").job_id(6).body(variables).send(),
        )
        .await?;
    let types::JobOrBridge::Job(job) = played.into_inner() else {
        bail!("{OP} 6: a build plays as a Job");
    };
    ensure!(
        job.id == 6 && job.status == JobStatus::Pending,
        "{OP} 6 (manual): {} {:?}",
        job.id,
        job.status
    );
    ensure!(
        job.user.as_ref().map(|u| u.username.as_str()) == Some("alice"),
        "{OP} 6: the player becomes the job's user, got {:?}",
        job.user.map(|u| u.username)
    );
    ensure!(
        String::from_utf8_lossy(&exchange.request_body).contains("DEPLOY_REASON"),
        "{OP}: the variables went out as {}",
        wire::quote(&exchange.request_body)
    );
    // The API does not show job variables: the store does.
    let store = live.server().store();
    let stored = tokio::task::spawn_blocking(move || store.job(1, 6)).await??;
    let variables: Vec<(String, String)> = stored
        .map(|details| details.job.variables)
        .unwrap_or_default()
        .into_iter()
        .map(|variable| (variable.key, variable.value))
        .collect();
    ensure!(
        variables == [("DEPLOY_REASON".to_owned(), "release 1.0".to_owned())],
        "{OP} 6: the played job's stored variables are {variables:?}"
    );
    // Played once, it is pending: no longer playable.
    live.refused_with(OP, UNPLAYABLE, alice.play_job().id("1").job_id(6).send())
        .await?;
    live.refused_with(OP, UNPLAYABLE, bob.play_job().id("1").job_id(1).send())
        .await?;
    // A delayed job plays too, without a body.
    let (played, _) = live
        .ok(OP, 200, bob.play_job().id("acme/backend").job_id(18).send())
        .await?;
    ensure!(
        matches!(played.into_inner(), types::JobOrBridge::Job(job) if job.status == JobStatus::Pending),
        "{OP} 18 (scheduled) → pending"
    );

    let unknown = live.token("no-such-token");
    live.refused_with(
        OP,
        UNAUTHORIZED,
        unknown.play_job().id("1").job_id(6).send(),
    )
    .await?;
    let carol = live.token(tokens::REPORTER);
    live.refused_with(OP, FORBIDDEN, carol.play_job().id("1").job_id(6).send())
        .await?;
    let erin = live.token(tokens::OUTSIDER);
    live.refused_with(
        OP,
        PROJECT_NOT_FOUND,
        erin.play_job().id("1").job_id(6).send(),
    )
    .await?;
    live.refused_with(
        OP,
        RECORD_NOT_FOUND,
        bob.play_job().id("1").job_id(9999).send(),
    )
    .await?;
    Ok(())
}
