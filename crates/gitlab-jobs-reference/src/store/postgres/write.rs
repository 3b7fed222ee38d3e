//! The use cases that change jobs, as `store/sqlite/write.rs` does them: the job is read,
//! GitLab's rule decides (`crate::rules`), the result is written.
//!
//! Several processes may share the database, so a use case first locks what it will change:
//! the job's pipeline row, then the job row (`FOR NO KEY UPDATE`, always in that order, so
//! two use cases never wait on each other in a cycle). Everything that changes a job or a
//! pipeline's status holds its pipeline's lock, which makes the use cases on one pipeline take
//! turns: fifty concurrent retries of a job see each other's result (one retries, the others
//! find it retried), and a pipeline's status is computed from its jobs as they are.
//! Reading the job again after the locks are granted gives its latest committed state (the
//! transaction is READ COMMITTED).

use ::postgres::types::Json;
use chrono::{DateTime, Utc};

use super::read;
use super::tx::Tx;
use crate::model::{Id, Job, JobDetails, JobKind, JobVariable};
use crate::rules::{self, PlayOutcome, Retry};
use crate::store::StoreError;

/// Inserts a job and its variables; a job with id 0 gets the next id of the `jobs` identity.
/// Returns the id.
pub fn insert_job(tx: &mut Tx<'_>, job: &Job) -> Result<Id, StoreError> {
    let id = (job.id != 0).then_some(job.id);
    let row = tx.query_one(
        "INSERT INTO jobs (id, project_id, pipeline_id, kind, name, stage, status, ref, tag,
             coverage, allow_failure, \"when\", created_at, queued_at, started_at, finished_at,
             erased_at, erased_by, user_id, failure_reason, runner_id, runner_manager_id,
             tag_list, artifacts_expire_at, archived, retried, downstream_pipeline_id, token,
             environment, preset_web_url, preset_duration, preset_queued_duration)
         VALUES (coalesce($1, nextval(pg_get_serial_sequence('jobs', 'id'))), $2, $3, $4, $5,
             $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
             $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)
         RETURNING id",
        &[
            &id,
            &job.project_id,
            &job.pipeline_id,
            &job.kind.as_str(),
            &job.name,
            &job.stage,
            &job.status.as_str(),
            &job.ref_name,
            &job.tag,
            &job.coverage,
            &job.allow_failure,
            &job.when.as_str(),
            &job.created_at,
            &job.queued_at,
            &job.started_at,
            &job.finished_at,
            &job.erased_at,
            &job.erased_by,
            &job.user_id,
            &job.failure_reason,
            &job.runner_id,
            &job.runner_manager_id,
            &job.tag_list,
            &job.artifacts_expire_at,
            &job.archived,
            &job.retried,
            &job.downstream_pipeline_id,
            &job.token,
            &job.environment.as_ref().map(Json),
            &job.preset.web_url,
            &job.preset.duration,
            &job.preset.queued_duration,
        ],
    )?;
    let id: Id = row.try_get(0)?;
    insert_variables(tx, id, &job.variables)?;
    Ok(id)
}

/// A variable given twice keeps its last value (SQLite's `INSERT OR REPLACE`).
fn insert_variables(
    tx: &mut Tx<'_>,
    job_id: Id,
    variables: &[JobVariable],
) -> Result<(), StoreError> {
    for variable in variables {
        tx.execute(
            "INSERT INTO job_variables (job_id, key, value, variable_type) VALUES ($1, $2, $3, $4)
             ON CONFLICT (job_id, key) DO UPDATE
             SET value = EXCLUDED.value, variable_type = EXCLUDED.variable_type",
            &[
                &job_id,
                &variable.key,
                &variable.value,
                &variable.variable_type,
            ],
        )?;
    }
    Ok(())
}

/// Writes back what a transition may change: state, timestamps, user, flags and variables.
fn update_job(tx: &mut Tx<'_>, job: &Job) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE jobs SET status = $2, queued_at = $3, started_at = $4, finished_at = $5,
             erased_at = $6, erased_by = $7, user_id = $8, artifacts_expire_at = $9,
             retried = $10, preset_duration = $11, preset_queued_duration = $12
         WHERE id = $1",
        &[
            &job.id,
            &job.status.as_str(),
            &job.queued_at,
            &job.started_at,
            &job.finished_at,
            &job.erased_at,
            &job.erased_by,
            &job.user_id,
            &job.artifacts_expire_at,
            &job.retried,
            &job.preset.duration,
            &job.preset.queued_duration,
        ],
    )?;
    tx.execute("DELETE FROM job_variables WHERE job_id = $1", &[&job.id])?;
    insert_variables(tx, job.id, &job.variables)
}

/// GitLab's pipeline processing after a job of the pipeline changed
/// (`rules::process_after_change`: for a retried or played job, `(its id, the user)`): the jobs
/// it resets or moves on are written and the pipeline's status follows; `updated_at` moves only
/// when the status does.
fn process_pipeline(
    tx: &mut Tx<'_>,
    pipeline_id: Id,
    requeued: Option<(Id, Id)>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let jobs = read::pipeline_jobs(tx, pipeline_id)?;
    let processed = rules::process_after_change(&jobs, requeued, now);
    for job in &processed.changed {
        update_job(tx, job)?;
    }
    tx.execute(
        "UPDATE pipelines SET status = $2, updated_at = $3 WHERE id = $1 AND status <> $2",
        &[&pipeline_id, &processed.pipeline_status.as_str(), &now],
    )?;
    Ok(())
}

/// Finds the job and locks its pipeline and then itself; returns the job as it is once the
/// locks are held.
fn find_for_update(
    tx: &mut Tx<'_>,
    project_id: Id,
    job_id: Id,
    kind: Option<JobKind>,
) -> Result<Job, StoreError> {
    let Some(row) = tx.query_opt(
        "SELECT pipeline_id FROM jobs WHERE id = $1 AND project_id = $2",
        &[&job_id, &project_id],
    )?
    else {
        return Err(StoreError::NotFound("job"));
    };
    // A job never moves to another pipeline, so the pipeline read without a lock is the one
    // to lock.
    let pipeline_id: Id = row.try_get(0)?;
    tx.execute(
        "SELECT 1 FROM pipelines WHERE id = $1 FOR NO KEY UPDATE",
        &[&pipeline_id],
    )?;
    tx.execute(
        "SELECT 1 FROM jobs WHERE id = $1 FOR NO KEY UPDATE",
        &[&job_id],
    )?;
    read::job_in_project(tx, project_id, job_id)?
        .filter(|job| kind.is_none_or(|kind| job.kind == kind))
        .ok_or(StoreError::NotFound("job"))
}

fn reload(tx: &mut Tx<'_>, job_id: Id) -> Result<JobDetails, StoreError> {
    let job = read::job_by_id(tx, job_id)?.ok_or(StoreError::NotFound("job"))?;
    read::details(tx, job)
}

pub fn cancel(
    tx: &mut Tx<'_>,
    project_id: Id,
    job_id: Id,
    force: bool,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find_for_update(tx, project_id, job_id, Some(JobKind::Build))?;
    if let Some(canceled) = rules::cancel(&job, force, now) {
        update_job(tx, &canceled)?;
        process_pipeline(tx, job.pipeline_id, None, now)?;
    }
    reload(tx, job_id)
}

/// Inserts the clone and marks the original retried; returns the clone's id.
fn apply_retry(
    tx: &mut Tx<'_>,
    job: &Job,
    actor: Id,
    now: DateTime<Utc>,
) -> Result<Id, StoreError> {
    let Retry { retried, clone } = rules::clone_for_retry(job, actor, now)?;
    update_job(tx, &retried)?;
    let new_id = insert_job(tx, &clone)?;
    process_pipeline(tx, job.pipeline_id, Some((new_id, actor)), now)?;
    Ok(new_id)
}

pub fn retry(
    tx: &mut Tx<'_>,
    project_id: Id,
    job_id: Id,
    actor: Id,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find_for_update(tx, project_id, job_id, None)?;
    let new_id = apply_retry(tx, &job, actor, now)?;
    reload(tx, new_id)
}

pub fn play(
    tx: &mut Tx<'_>,
    project_id: Id,
    job_id: Id,
    actor: Id,
    variables: &[JobVariable],
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find_for_update(tx, project_id, job_id, None)?;
    match rules::play(&job, actor, variables, now)? {
        PlayOutcome::Enqueued(played) => {
            update_job(tx, &played)?;
            process_pipeline(tx, job.pipeline_id, Some((job.id, actor)), now)?;
        }
        PlayOutcome::Retry => {
            apply_retry(tx, &job, actor, now)?;
        }
    }
    // The API presents the played job itself, even when a retry created another one.
    reload(tx, job_id)
}

pub fn erase(
    tx: &mut Tx<'_>,
    project_id: Id,
    job_id: Id,
    actor: Id,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find_for_update(tx, project_id, job_id, Some(JobKind::Build))?;
    let has_artifacts = !read::stored_artifacts(tx, job_id)?.is_empty();
    let has_trace = read::trace_size(tx, job_id)?.is_some();
    if !rules::erasable(&job, has_artifacts, has_trace) {
        return Err(StoreError::NotErasable);
    }
    // `Ci::BuildEraseService`: destroy the artifacts, erase the trace, then
    // `update_erased!` (erased_by, erased_at, and no expiry left to show).
    tx.execute("DELETE FROM job_artifacts WHERE job_id = $1", &[&job_id])?;
    tx.execute("DELETE FROM traces WHERE job_id = $1", &[&job_id])?;
    let erased = Job {
        erased_at: Some(now),
        erased_by: Some(actor),
        artifacts_expire_at: None,
        ..job
    };
    update_job(tx, &erased)?;
    reload(tx, job_id)
}

pub fn keep_artifacts(
    tx: &mut Tx<'_>,
    project_id: Id,
    job_id: Id,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find_for_update(tx, project_id, job_id, Some(JobKind::Build))?;
    let details = read::details(tx, job)?;
    if !rules::artifacts::has_downloadable_archive(&details, now) {
        return Err(StoreError::NoArtifacts);
    }
    // `Ci::Build#keep_artifacts!`: `update(artifacts_expire_at: nil)`.
    let kept = Job {
        artifacts_expire_at: None,
        ..details.job
    };
    update_job(tx, &kept)?;
    reload(tx, job_id)
}

pub fn delete_artifacts(tx: &mut Tx<'_>, project_id: Id, job_id: Id) -> Result<(), StoreError> {
    find_for_update(tx, project_id, job_id, Some(JobKind::Build))?;
    // `Ci::JobArtifacts::DeleteService` destroys the erasable artifacts; the trace is not
    // erasable (`Ci::JobArtifact::NON_ERASABLE_FILE_TYPES`).
    tx.execute(
        "DELETE FROM job_artifacts WHERE job_id = $1 AND file_type <> 'trace'",
        &[&job_id],
    )?;
    Ok(())
}
