//! The use cases that change jobs. Each runs inside the immediate transaction its store method
//! opened: the job is read, GitLab's rule decides (`crate::rules`), the result is written.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::codec::{opt_micros, to_json, to_micros};
use super::read;
use crate::model::{Id, Job, JobDetails, JobKind, JobVariable};
use crate::rules::{self, PlayOutcome, Retry};
use crate::store::StoreError;

/// Inserts a job and its variables; a job with id 0 gets the next id. Returns the id.
pub fn insert_job(connection: &Connection, job: &Job) -> Result<Id, StoreError> {
    let id = (job.id != 0).then_some(job.id);
    connection
        .prepare_cached(
            "INSERT INTO jobs (id, project_id, pipeline_id, kind, name, stage, status, ref, tag,
                 coverage, allow_failure, \"when\", created_at, queued_at, started_at, finished_at,
                 erased_at, erased_by, user_id, failure_reason, runner_id, runner_manager_id,
                 tag_list, artifacts_expire_at, archived, retried, downstream_pipeline_id, token,
                 environment, preset_web_url, preset_duration, preset_queued_duration)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)",
        )?
        .execute(params![
            id,
            job.project_id,
            job.pipeline_id,
            job.kind.as_str(),
            job.name,
            job.stage,
            job.status.as_str(),
            job.ref_name,
            job.tag,
            job.coverage,
            job.allow_failure,
            job.when.as_str(),
            to_micros(job.created_at),
            opt_micros(job.queued_at),
            opt_micros(job.started_at),
            opt_micros(job.finished_at),
            opt_micros(job.erased_at),
            job.erased_by,
            job.user_id,
            job.failure_reason,
            job.runner_id,
            job.runner_manager_id,
            to_json(&job.tag_list),
            opt_micros(job.artifacts_expire_at),
            job.archived,
            job.retried,
            job.downstream_pipeline_id,
            job.token,
            job.environment.as_ref().map(to_json),
            job.preset.web_url,
            job.preset.duration,
            job.preset.queued_duration,
        ])?;
    let id = connection.last_insert_rowid();
    insert_variables(connection, id, &job.variables)?;
    Ok(id)
}

fn insert_variables(
    connection: &Connection,
    job_id: Id,
    variables: &[JobVariable],
) -> Result<(), StoreError> {
    let mut statement = connection.prepare_cached(
        "INSERT OR REPLACE INTO job_variables (job_id, key, value, variable_type) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for variable in variables {
        statement.execute(params![
            job_id,
            variable.key,
            variable.value,
            variable.variable_type
        ])?;
    }
    Ok(())
}

/// Writes back what a transition may change: state, timestamps, user, flags and variables.
fn update_job(connection: &Connection, job: &Job) -> Result<(), StoreError> {
    connection
        .prepare_cached(
            "UPDATE jobs SET status = ?2, queued_at = ?3, started_at = ?4, finished_at = ?5,
                 erased_at = ?6, erased_by = ?7, user_id = ?8, artifacts_expire_at = ?9,
                 retried = ?10, preset_duration = ?11, preset_queued_duration = ?12
             WHERE id = ?1",
        )?
        .execute(params![
            job.id,
            job.status.as_str(),
            opt_micros(job.queued_at),
            opt_micros(job.started_at),
            opt_micros(job.finished_at),
            opt_micros(job.erased_at),
            job.erased_by,
            job.user_id,
            opt_micros(job.artifacts_expire_at),
            job.retried,
            job.preset.duration,
            job.preset.queued_duration,
        ])?;
    connection
        .prepare_cached("DELETE FROM job_variables WHERE job_id = ?1")?
        .execute([job.id])?;
    insert_variables(connection, job.id, &job.variables)
}

/// GitLab's pipeline processing after a job of the pipeline changed
/// (`rules::process_after_change`: for a retried or played job, `(its id, the user)`): the jobs
/// it resets or moves on are written and the pipeline's status follows; `updated_at` moves only
/// when the status does.
fn process_pipeline(
    connection: &Connection,
    pipeline_id: Id,
    requeued: Option<(Id, Id)>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let jobs = read::pipeline_jobs(connection, pipeline_id)?;
    let processed = rules::process_after_change(&jobs, requeued, now);
    for job in &processed.changed {
        update_job(connection, job)?;
    }
    connection
        .prepare_cached(
            "UPDATE pipelines SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status <> ?2",
        )?
        .execute(params![
            pipeline_id,
            processed.pipeline_status.as_str(),
            to_micros(now)
        ])?;
    Ok(())
}

fn find(
    connection: &Connection,
    project_id: Id,
    job_id: Id,
    kind: Option<JobKind>,
) -> Result<Job, StoreError> {
    read::job_in_project(connection, project_id, job_id)?
        .filter(|job| kind.is_none_or(|kind| job.kind == kind))
        .ok_or(StoreError::NotFound("job"))
}

fn reload(connection: &Connection, job_id: Id) -> Result<JobDetails, StoreError> {
    let job = read::job_by_id(connection, job_id)?.ok_or(StoreError::NotFound("job"))?;
    read::details(connection, job)
}

pub fn cancel(
    connection: &Connection,
    project_id: Id,
    job_id: Id,
    force: bool,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find(connection, project_id, job_id, Some(JobKind::Build))?;
    if let Some(canceled) = rules::cancel(&job, force, now) {
        update_job(connection, &canceled)?;
        process_pipeline(connection, job.pipeline_id, None, now)?;
    }
    reload(connection, job_id)
}

/// Inserts the clone and marks the original retried; returns the clone's id.
fn apply_retry(
    connection: &Connection,
    job: &Job,
    actor: Id,
    now: DateTime<Utc>,
) -> Result<Id, StoreError> {
    let Retry { retried, clone } = rules::clone_for_retry(job, actor, now)?;
    update_job(connection, &retried)?;
    let new_id = insert_job(connection, &clone)?;
    process_pipeline(connection, job.pipeline_id, Some((new_id, actor)), now)?;
    Ok(new_id)
}

pub fn retry(
    connection: &Connection,
    project_id: Id,
    job_id: Id,
    actor: Id,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find(connection, project_id, job_id, None)?;
    let new_id = apply_retry(connection, &job, actor, now)?;
    reload(connection, new_id)
}

pub fn play(
    connection: &Connection,
    project_id: Id,
    job_id: Id,
    actor: Id,
    variables: &[JobVariable],
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find(connection, project_id, job_id, None)?;
    match rules::play(&job, actor, variables, now)? {
        PlayOutcome::Enqueued(played) => {
            update_job(connection, &played)?;
            process_pipeline(connection, job.pipeline_id, Some((job.id, actor)), now)?;
        }
        PlayOutcome::Retry => {
            apply_retry(connection, &job, actor, now)?;
        }
    }
    // The API presents the played job itself, even when a retry created another one.
    reload(connection, job_id)
}

pub fn erase(
    connection: &Connection,
    project_id: Id,
    job_id: Id,
    actor: Id,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find(connection, project_id, job_id, Some(JobKind::Build))?;
    let has_artifacts = !read::stored_artifacts(connection, job_id)?.is_empty();
    let has_trace = read::trace_size(connection, job_id)?.is_some();
    if !rules::erasable(&job, has_artifacts, has_trace) {
        return Err(StoreError::NotErasable);
    }
    // `Ci::BuildEraseService`: destroy the artifacts, erase the trace, then
    // `update_erased!` (erased_by, erased_at, and no expiry left to show).
    connection
        .prepare_cached("DELETE FROM job_artifacts WHERE job_id = ?1")?
        .execute([job_id])?;
    connection
        .prepare_cached("DELETE FROM traces WHERE job_id = ?1")?
        .execute([job_id])?;
    let erased = Job {
        erased_at: Some(now),
        erased_by: Some(actor),
        artifacts_expire_at: None,
        ..job
    };
    update_job(connection, &erased)?;
    reload(connection, job_id)
}

pub fn keep_artifacts(
    connection: &Connection,
    project_id: Id,
    job_id: Id,
    now: DateTime<Utc>,
) -> Result<JobDetails, StoreError> {
    let job = find(connection, project_id, job_id, Some(JobKind::Build))?;
    let details = read::details(connection, job)?;
    if !rules::artifacts::has_downloadable_archive(&details, now) {
        return Err(StoreError::NoArtifacts);
    }
    // `Ci::Build#keep_artifacts!`: `update(artifacts_expire_at: nil)`.
    let kept = Job {
        artifacts_expire_at: None,
        ..details.job
    };
    update_job(connection, &kept)?;
    reload(connection, job_id)
}

pub fn delete_artifacts(
    connection: &Connection,
    project_id: Id,
    job_id: Id,
) -> Result<(), StoreError> {
    find(connection, project_id, job_id, Some(JobKind::Build))?;
    // `Ci::JobArtifacts::DeleteService` destroys the erasable artifacts; the trace is not
    // erasable (`Ci::JobArtifact::NON_ERASABLE_FILE_TYPES`).
    connection
        .prepare_cached("DELETE FROM job_artifacts WHERE job_id = ?1 AND file_type <> 'trace'")?
        .execute([job_id])?;
    Ok(())
}
