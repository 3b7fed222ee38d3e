//! The use cases that change jobs, once for every backend. Each runs inside the write
//! transaction its store method opened: the job is locked and read, GitLab's rule decides
//! (`crate::rules`), the result is written with the backend's [`Queries`].

use chrono::{DateTime, Utc};

use super::backend::{ArtifactsToDelete, Queries};
use super::hydrate;
use crate::model::{Id, InputValues, Job, JobDetails, JobKind, JobVariable};
use crate::rules::{self, PlayOutcome, Retry};
use crate::store::StoreError;

/// The job to change, locked (with its pipeline) for the rest of the transaction and read as
/// it is once the lock is held; of this kind when one is given.
fn find_for_update(
    tx: &mut impl Queries,
    project_id: Id,
    job_id: Id,
    kind: Option<JobKind>,
) -> Result<Job, StoreError> {
    tx.lock_job(project_id, job_id)?;
    hydrate::job_in_project(tx, project_id, job_id)?
        .filter(|job| kind.is_none_or(|kind| job.kind == kind))
        .ok_or(StoreError::NotFound("job"))
}

/// The job as the API presents it after the change.
pub(super) fn reload(tx: &mut impl Queries, job_id: Id) -> Result<JobDetails, StoreError> {
    let job = hydrate::job_by_id(tx, job_id)?.ok_or(StoreError::NotFound("job"))?;
    hydrate::details_of(tx, job)
}

/// GitLab's pipeline processing after a job of the pipeline changed
/// (`rules::process_after_change`; for a retried or played job, `(its id, the user)`): the
/// jobs it resets or moves on are written, and the pipeline's status follows.
pub(super) fn process_pipeline(
    tx: &mut impl Queries,
    pipeline_id: Id,
    requeued: Option<(Id, Id)>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let ids = tx.pipeline_job_ids(pipeline_id)?;
    let jobs = hydrate::jobs_by_ids(tx, &ids)?;
    let processed = rules::process_after_change(&jobs, requeued, now);
    for job in &processed.changed {
        tx.update_job(job)?;
    }
    tx.set_pipeline_status(pipeline_id, processed.pipeline_status, now)
}

/// The `cancel` event on a build (`force_cancel` with `force`); a build the event does not
/// apply to is returned unchanged.
pub fn cancel(
    tx: &mut impl Queries,
    project_id: Id,
    job_id: Id,
    force: bool,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find_for_update(tx, project_id, job_id, Some(JobKind::Build))?;
    if let Some(canceled) = rules::cancel(&job, force, now) {
        tx.update_job(&canceled)?;
        process_pipeline(tx, job.pipeline_id, None, now)?;
    }
    reload(tx, job_id)
}

/// Inserts the clone and marks the original retried; returns the clone's id. The clone keeps
/// the original's input values and takes `inputs` over them (`new_job_inputs` of
/// `Ci::CloneJobService`, app/services/ci/retry_job_service.rb `clone!`).
fn apply_retry(
    tx: &mut impl Queries,
    job: &Job,
    actor: Id,
    inputs: &InputValues,
    now: DateTime<Utc>,
) -> Result<Id, StoreError> {
    let Retry { retried, mut clone } = rules::clone_for_retry(job, actor, now)?;
    clone.input_values.extend(inputs.clone());
    tx.update_job(&retried)?;
    let new_id = tx.insert_job(&clone)?;
    super::runner_use_cases::copy_script(tx, job.id, new_id)?;
    process_pipeline(tx, job.pipeline_id, Some((new_id, actor)), now)?;
    Ok(new_id)
}

/// Retries a build or bridge with the given input values; returns the new job.
pub fn retry(
    tx: &mut impl Queries,
    project_id: Id,
    job_id: Id,
    actor: Id,
    inputs: &InputValues,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find_for_update(tx, project_id, job_id, None)?;
    let new_id = apply_retry(tx, &job, actor, inputs, now)?;
    reload(tx, new_id)
}

/// Plays a manual job (or retries a finished one) with the given input values, which the
/// played job (or the retry's new job) takes over its own; returns the played job as it is now.
pub fn play(
    tx: &mut impl Queries,
    project_id: Id,
    job_id: Id,
    actor: Id,
    variables: &[JobVariable],
    inputs: &InputValues,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find_for_update(tx, project_id, job_id, None)?;
    match rules::play(&job, actor, variables, now)? {
        PlayOutcome::Enqueued(mut played) => {
            played.input_values.extend(inputs.clone());
            tx.update_job(&played)?;
            process_pipeline(tx, job.pipeline_id, Some((job.id, actor)), now)?;
        }
        PlayOutcome::Retry => {
            apply_retry(tx, &job, actor, inputs, now)?;
        }
    }
    // The API presents the played job itself, even when a retry created another one.
    reload(tx, job_id)
}

/// Removes a build's log and artifacts and records who erased it and when.
pub fn erase(
    tx: &mut impl Queries,
    project_id: Id,
    job_id: Id,
    actor: Id,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find_for_update(tx, project_id, job_id, Some(JobKind::Build))?;
    let has_artifacts = !tx.artifacts(&[job_id])?.is_empty();
    let has_trace = !tx.trace_sizes(&[job_id])?.is_empty();
    if !rules::erasable(&job, has_artifacts, has_trace) {
        return Err(StoreError::NotErasable);
    }
    // `Ci::BuildEraseService`: destroy the artifacts, erase the trace, then
    // `update_erased!` (erased_by, erased_at, and no expiry left to show).
    tx.delete_artifacts(job_id, ArtifactsToDelete::All)?;
    tx.delete_trace(job_id)?;
    let erased = Job {
        erased_at: Some(now),
        erased_by: Some(actor),
        artifacts_expire_at: None,
        ..job
    };
    tx.update_job(&erased)?;
    reload(tx, job_id)
}

/// Clears `artifacts_expire_at`; `StoreError::NoArtifacts` without a downloadable archive.
pub fn keep_artifacts(
    tx: &mut impl Queries,
    project_id: Id,
    job_id: Id,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find_for_update(tx, project_id, job_id, Some(JobKind::Build))?;
    let details = hydrate::details_of(tx, job)?;
    if !rules::artifacts::has_downloadable_archive(&details, now) {
        return Err(StoreError::NoArtifacts);
    }
    // `Ci::Build#keep_artifacts!`: `update(artifacts_expire_at: nil)`.
    let kept = Job {
        artifacts_expire_at: None,
        ..details.job
    };
    tx.update_job(&kept)?;
    reload(tx, job_id)
}

/// Deletes a build's artifacts except its log (`Ci::JobArtifacts::DeleteService`).
pub fn delete_artifacts(
    tx: &mut impl Queries,
    project_id: Id,
    job_id: Id,
) -> Result<(), StoreError> {
    find_for_update(tx, project_id, job_id, Some(JobKind::Build))?;
    tx.delete_artifacts(job_id, ArtifactsToDelete::Erasable)
}
