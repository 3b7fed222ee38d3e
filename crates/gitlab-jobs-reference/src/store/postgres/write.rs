//! The statements that change jobs and pipelines, for the use cases of `store/use_cases.rs`.
//!
//! Several processes may share the database, so a use case first locks what it will change:
//! the job's pipeline row, then the job row (`FOR NO KEY UPDATE`, always in that order, so
//! two use cases never wait on each other in a cycle). Everything that changes a job or a
//! pipeline's status holds its pipeline's lock, which makes the use cases on one pipeline take
//! turns: fifty concurrent retries of a job see each other's result (one retries, the others
//! find it retried), and a pipeline's status is computed from its jobs as they are.
//! Reading the job again after the locks are granted gives its latest committed state (the
//! transaction is READ COMMITTED).

use ::postgres::types::{Json, ToSql};
use chrono::{DateTime, Utc};

use super::tx::Tx;
use crate::model::{Environment, Id, InputSpecs, InputValues, Job, JobStatus, JobVariable};
use crate::store::StoreError;
use crate::store::backend::ArtifactsToDelete;

/// The columns of `jobs` that a job's values fill, in the order of [`job_values`] (the insert
/// below and the bulk `COPY` of `import.rs`).
pub const JOB_COLUMNS: &str = "id, project_id, pipeline_id, kind, name, stage, status, ref, tag,
    coverage, allow_failure, \"when\", created_at, queued_at, started_at, finished_at, erased_at,
    erased_by, user_id, failure_reason, runner_id, runner_manager_id, tag_list,
    artifacts_expire_at, archived, retried, downstream_pipeline_id, token, environment,
    preset_web_url, preset_duration, preset_queued_duration, input_specs, input_values";

/// The values of a job that are converted for the database, kept by the caller of
/// [`job_values`] while the statement runs.
pub struct Converted<'a> {
    kind: &'static str,
    status: &'static str,
    when: &'static str,
    environment: Option<Json<&'a Environment>>,
    input_specs: Option<Json<&'a InputSpecs>>,
    input_values: Option<Json<&'a InputValues>>,
}

impl<'a> Converted<'a> {
    pub fn of(job: &'a Job) -> Converted<'a> {
        Converted {
            kind: job.kind.as_str(),
            status: job.status.as_str(),
            when: job.when.as_str(),
            environment: job.environment.as_ref().map(Json),
            input_specs: (!job.input_specs.is_empty()).then_some(Json(&job.input_specs)),
            input_values: input_values(job),
        }
    }
}

/// A job's input values for the `json` column: NULL when there are none.
fn input_values(job: &Job) -> Option<Json<&InputValues>> {
    (!job.input_values.is_empty()).then_some(Json(&job.input_values))
}

/// A job's values for [`JOB_COLUMNS`], with `id` as given.
pub fn job_values<'a>(
    id: &'a (dyn ToSql + Sync),
    job: &'a Job,
    converted: &'a Converted<'a>,
) -> [&'a (dyn ToSql + Sync); 34] {
    [
        id,
        &job.project_id,
        &job.pipeline_id,
        &converted.kind,
        &job.name,
        &job.stage,
        &converted.status,
        &job.ref_name,
        &job.tag,
        &job.coverage,
        &job.allow_failure,
        &converted.when,
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
        &converted.environment,
        &job.preset.web_url,
        &job.preset.duration,
        &job.preset.queued_duration,
        &converted.input_specs,
        &converted.input_values,
    ]
}

/// Inserts a job and its variables; a job with id 0 gets the next id of the `jobs` identity.
/// Returns the id.
pub fn insert_job(tx: &mut Tx<'_>, job: &Job) -> Result<Id, StoreError> {
    let id = (job.id != 0).then_some(job.id);
    let converted = Converted::of(job);
    let row = tx.query_one(
        &format!(
            "INSERT INTO jobs ({JOB_COLUMNS})
             VALUES (coalesce($1, nextval(pg_get_serial_sequence('jobs', 'id'))), $2, $3, $4,
                 $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                 $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34)
             RETURNING id"
        ),
        &job_values(&id, job, &converted),
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

/// Writes back what a transition may change: state, timestamps, user, flags, variables and
/// input values.
pub fn update_job(tx: &mut Tx<'_>, job: &Job) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE jobs SET status = $2, queued_at = $3, started_at = $4, finished_at = $5,
             erased_at = $6, erased_by = $7, user_id = $8, artifacts_expire_at = $9,
             retried = $10, preset_duration = $11, preset_queued_duration = $12,
             input_values = $13, failure_reason = $14, runner_id = $15, token = $16
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
            &input_values(job),
            &job.failure_reason,
            &job.runner_id,
            &job.token,
        ],
    )?;
    tx.execute("DELETE FROM job_variables WHERE job_id = $1", &[&job.id])?;
    insert_variables(tx, job.id, &job.variables)
}

/// Locks the job's pipeline and then the job (`FOR NO KEY UPDATE`); nothing when the job is
/// not in the project (the use case then finds no job).
pub fn lock_job(tx: &mut Tx<'_>, project_id: Id, job_id: Id) -> Result<(), StoreError> {
    let Some(row) = tx.query_opt(
        "SELECT pipeline_id FROM jobs WHERE id = $1 AND project_id = $2",
        &[&job_id, &project_id],
    )?
    else {
        return Ok(());
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
    Ok(())
}

/// Sets a pipeline's status; `updated_at` moves only when the status does.
pub fn set_pipeline_status(
    tx: &mut Tx<'_>,
    pipeline_id: Id,
    status: JobStatus,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE pipelines SET status = $2, updated_at = $3 WHERE id = $1 AND status <> $2",
        &[&pipeline_id, &status.as_str(), &now],
    )?;
    Ok(())
}

pub fn delete_artifacts(
    tx: &mut Tx<'_>,
    job_id: Id,
    which: ArtifactsToDelete,
) -> Result<(), StoreError> {
    let sql = match which {
        ArtifactsToDelete::All => "DELETE FROM job_artifacts WHERE job_id = $1",
        ArtifactsToDelete::Erasable => {
            "DELETE FROM job_artifacts WHERE job_id = $1 AND file_type <> 'trace'"
        }
    };
    tx.execute(sql, &[&job_id])?;
    Ok(())
}

pub fn delete_trace(tx: &mut Tx<'_>, job_id: Id) -> Result<(), StoreError> {
    tx.execute("DELETE FROM traces WHERE job_id = $1", &[&job_id])?;
    Ok(())
}
