//! The statements that change jobs and pipelines, for the use cases of `store/use_cases.rs`.
//! Each runs inside the immediate transaction its store method opened.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::codec::{map_json, opt_micros, to_json, to_micros};
use crate::model::{Id, Job, JobStatus, JobVariable};
use crate::store::StoreError;
use crate::store::backend::ArtifactsToDelete;

/// Inserts a job and its variables; a job with id 0 gets the next id. Returns the id.
pub fn insert_job(connection: &Connection, job: &Job) -> Result<Id, StoreError> {
    let id = (job.id != 0).then_some(job.id);
    connection
        .prepare_cached(
            "INSERT INTO jobs (id, project_id, pipeline_id, kind, name, stage, status, ref, tag,
                 coverage, allow_failure, \"when\", created_at, queued_at, started_at, finished_at,
                 erased_at, erased_by, user_id, failure_reason, runner_id, runner_manager_id,
                 tag_list, artifacts_expire_at, archived, retried, downstream_pipeline_id, token,
                 environment, preset_web_url, preset_duration, preset_queued_duration, input_specs,
                 input_values)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33,
                 ?34)",
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
            map_json(&job.input_specs),
            map_json(&job.input_values),
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

/// Writes back what a transition may change: state, timestamps, user, flags, variables,
/// input values, the failure reason, the runner and the job token.
pub fn update_job(connection: &Connection, job: &Job) -> Result<(), StoreError> {
    connection
        .prepare_cached(
            "UPDATE jobs SET status = ?2, queued_at = ?3, started_at = ?4, finished_at = ?5,
                 erased_at = ?6, erased_by = ?7, user_id = ?8, artifacts_expire_at = ?9,
                 retried = ?10, preset_duration = ?11, preset_queued_duration = ?12,
                 input_values = ?13, failure_reason = ?14, runner_id = ?15, token = ?16
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
            map_json(&job.input_values),
            job.failure_reason,
            job.runner_id,
            job.token,
        ])?;
    connection
        .prepare_cached("DELETE FROM job_variables WHERE job_id = ?1")?
        .execute([job.id])?;
    insert_variables(connection, job.id, &job.variables)
}

/// Sets a pipeline's status; `updated_at` moves only when the status does.
pub fn set_pipeline_status(
    connection: &Connection,
    pipeline_id: Id,
    status: JobStatus,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    connection
        .prepare_cached(
            "UPDATE pipelines SET status = ?2, updated_at = ?3 WHERE id = ?1 AND status <> ?2",
        )?
        .execute(params![pipeline_id, status.as_str(), to_micros(now)])?;
    Ok(())
}

pub fn delete_artifacts(
    connection: &Connection,
    job_id: Id,
    which: ArtifactsToDelete,
) -> Result<(), StoreError> {
    let sql = match which {
        ArtifactsToDelete::All => "DELETE FROM job_artifacts WHERE job_id = ?1",
        ArtifactsToDelete::Erasable => {
            "DELETE FROM job_artifacts WHERE job_id = ?1 AND file_type <> 'trace'"
        }
    };
    connection.prepare_cached(sql)?.execute([job_id])?;
    Ok(())
}

pub fn delete_trace(connection: &Connection, job_id: Id) -> Result<(), StoreError> {
    connection
        .prepare_cached("DELETE FROM traces WHERE job_id = ?1")?
        .execute([job_id])?;
    Ok(())
}
