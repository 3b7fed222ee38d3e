//! The statements of the runner side of jobs: runners by token, the queue of pending builds,
//! job scripts and log appends; and the pipelines simulated runners get.

use ::postgres::types::Json;

use super::codec::{get, json, status};
use super::tx::Tx;
use crate::model::{Id, JobScript, JobStatus, Pipeline};
use crate::store::{RegisteredRunner, StoreError};

pub fn runner_by_token(
    tx: &mut Tx<'_>,
    token: &str,
) -> Result<Option<RegisteredRunner>, StoreError> {
    tx.query_opt(
        "SELECT body, scope FROM runners WHERE token = $1 AND scope IS NOT NULL",
        &[&token],
    )?
    .map(|row| {
        Ok(RegisteredRunner {
            runner: json(&row, 0)?,
            token: token.to_owned(),
            scope: json(&row, 1)?,
        })
    })
    .transpose()
}

pub fn pending_build_ids(
    tx: &mut Tx<'_>,
    project_id: Option<Id>,
    limit: i64,
) -> Result<Vec<Id>, StoreError> {
    let rows = match project_id {
        Some(project_id) => tx.query(
            "SELECT id FROM jobs WHERE project_id = $1 AND kind = 'build' AND status = 'pending'
             ORDER BY id LIMIT $2",
            &[&project_id, &limit],
        )?,
        None => tx.query(
            "SELECT id FROM jobs WHERE status = 'pending' AND kind = 'build' ORDER BY id LIMIT $1",
            &[&limit],
        )?,
    };
    rows.iter().map(|row| get(row, 0)).collect()
}

pub fn running_on_instance_runners(tx: &mut Tx<'_>) -> Result<Vec<(Id, i64)>, StoreError> {
    tx.query(
        "SELECT jobs.project_id, count(*) FROM jobs JOIN runners ON runners.id = jobs.runner_id
         WHERE jobs.status = 'running' AND runners.runner_type = 'instance_type'
         GROUP BY jobs.project_id",
        &[],
    )?
    .iter()
    .map(|row| Ok((get(row, 0)?, get(row, 1)?)))
    .collect()
}

pub fn job_script(tx: &mut Tx<'_>, job_id: Id) -> Result<Option<JobScript>, StoreError> {
    tx.query_opt("SELECT body FROM job_scripts WHERE job_id = $1", &[&job_id])?
        .map(|row| json(&row, 0))
        .transpose()
}

pub fn insert_job_script(
    tx: &mut Tx<'_>,
    job_id: Id,
    script: &JobScript,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO job_scripts (job_id, body) VALUES ($1, $2)
         ON CONFLICT (job_id) DO UPDATE SET body = EXCLUDED.body",
        &[&job_id, &Json(script)],
    )?;
    Ok(())
}

pub fn append_trace(tx: &mut Tx<'_>, job_id: Id, patch: &str) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO traces (job_id, content) VALUES ($1, $2)
         ON CONFLICT (job_id) DO UPDATE SET content = traces.content || EXCLUDED.content",
        &[&job_id, &patch.as_bytes()],
    )?;
    Ok(())
}

/// A new pipeline with the next iid of its project; returns its id.
pub fn insert_pipeline(tx: &mut Tx<'_>, pipeline: &Pipeline) -> Result<Id, StoreError> {
    let row = tx.query_one(
        "INSERT INTO pipelines (iid, project_id, sha, ref, status, source, created_at, updated_at)
         VALUES ((SELECT coalesce(max(iid), 0) + 1 FROM pipelines WHERE project_id = $1),
             $1, $2, $3, $4, $5, $6, $7)
         RETURNING id",
        &[
            &pipeline.project_id,
            &pipeline.sha,
            &pipeline.ref_name,
            &pipeline.status.as_str(),
            &pipeline.source,
            &pipeline.created_at,
            &pipeline.updated_at,
        ],
    )?;
    get(&row, 0)
}

pub fn pipelines_by_source(
    tx: &mut Tx<'_>,
    project_id: Id,
    source: &str,
) -> Result<Vec<(Id, JobStatus)>, StoreError> {
    tx.query(
        "SELECT id, status FROM pipelines WHERE project_id = $1 AND source = $2 ORDER BY id DESC",
        &[&project_id, &source],
    )?
    .iter()
    .map(|row| Ok((get(row, 0)?, status(row, 1)?)))
    .collect()
}

/// Deletes a pipeline with its jobs and everything they own.
pub fn delete_pipeline(tx: &mut Tx<'_>, pipeline_id: Id) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM job_variables WHERE job_id IN (SELECT id FROM jobs WHERE pipeline_id = $1)",
        "DELETE FROM job_artifacts WHERE job_id IN (SELECT id FROM jobs WHERE pipeline_id = $1)",
        "DELETE FROM traces WHERE job_id IN (SELECT id FROM jobs WHERE pipeline_id = $1)",
        "DELETE FROM job_scripts WHERE job_id IN (SELECT id FROM jobs WHERE pipeline_id = $1)",
        "UPDATE jobs SET downstream_pipeline_id = NULL WHERE downstream_pipeline_id = $1",
        "DELETE FROM jobs WHERE pipeline_id = $1",
        "DELETE FROM pipelines WHERE id = $1",
    ] {
        tx.execute(sql, &[&pipeline_id])?;
    }
    Ok(())
}
