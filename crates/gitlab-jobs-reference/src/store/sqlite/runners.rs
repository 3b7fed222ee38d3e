//! The statements of the runner side of jobs: runners by token, the queue of pending builds,
//! job scripts and log appends; and the pipelines simulated runners get.

use rusqlite::{Connection, OptionalExtension, params};

use super::codec::{Json, status_at, to_json, to_micros};
use crate::model::{Id, JobScript, JobStatus, Pipeline, Runner};
use crate::rules::runner::RunnerScope;
use crate::store::{RegisteredRunner, StoreError};

pub fn runner_by_token(
    connection: &Connection,
    token: &str,
) -> Result<Option<RegisteredRunner>, StoreError> {
    let found = connection
        .prepare_cached("SELECT body, scope FROM runners WHERE token = ?1 AND scope IS NOT NULL")?
        .query_row([token], |row| {
            Ok((
                row.get::<_, Json<Runner>>(0)?,
                row.get::<_, Json<RunnerScope>>(1)?,
            ))
        })
        .optional()?;
    Ok(found.map(|(Json(runner), Json(scope))| RegisteredRunner {
        runner,
        token: token.to_owned(),
        scope,
    }))
}

pub fn pending_build_ids(
    connection: &Connection,
    project_id: Option<Id>,
    limit: i64,
) -> Result<Vec<Id>, StoreError> {
    let ids = match project_id {
        Some(project_id) => connection
            .prepare_cached(
                "SELECT id FROM jobs WHERE project_id = ?1 AND kind = 'build'
                     AND status = 'pending' ORDER BY id LIMIT ?2",
            )?
            .query_map(params![project_id, limit], |row| row.get(0))?
            .collect::<Result<Vec<Id>, _>>()?,
        None => connection
            .prepare_cached(
                "SELECT id FROM jobs WHERE status = 'pending' AND kind = 'build'
                 ORDER BY id LIMIT ?1",
            )?
            .query_map([limit], |row| row.get(0))?
            .collect::<Result<Vec<Id>, _>>()?,
    };
    Ok(ids)
}

pub fn running_on_instance_runners(connection: &Connection) -> Result<Vec<(Id, i64)>, StoreError> {
    Ok(connection
        .prepare_cached(
            "SELECT jobs.project_id, count(*) FROM jobs JOIN runners ON runners.id = jobs.runner_id
             WHERE jobs.status = 'running' AND runners.runner_type = 'instance_type'
             GROUP BY jobs.project_id",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?)
}

pub fn job_script(connection: &Connection, job_id: Id) -> Result<Option<JobScript>, StoreError> {
    let found = connection
        .prepare_cached("SELECT body FROM job_scripts WHERE job_id = ?1")?
        .query_row([job_id], |row| row.get::<_, Json<JobScript>>(0))
        .optional()?;
    Ok(found.map(|Json(script)| script))
}

pub fn insert_job_script(
    connection: &Connection,
    job_id: Id,
    script: &JobScript,
) -> Result<(), StoreError> {
    connection
        .prepare_cached("INSERT OR REPLACE INTO job_scripts (job_id, body) VALUES (?1, ?2)")?
        .execute(params![job_id, to_json(script)])?;
    Ok(())
}

pub fn append_trace(connection: &Connection, job_id: Id, patch: &str) -> Result<(), StoreError> {
    connection
        .prepare_cached(
            "INSERT INTO traces (job_id, content) VALUES (?1, ?2)
             ON CONFLICT (job_id) DO UPDATE SET content = content || excluded.content",
        )?
        .execute(params![job_id, patch])?;
    Ok(())
}

/// A new pipeline with the next iid of its project; returns its id.
pub fn insert_pipeline(connection: &Connection, pipeline: &Pipeline) -> Result<Id, StoreError> {
    connection
        .prepare_cached(
            "INSERT INTO pipelines (iid, project_id, sha, ref, status, source, created_at,
                 updated_at)
             VALUES ((SELECT coalesce(max(iid), 0) + 1 FROM pipelines WHERE project_id = ?1),
                 ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            pipeline.project_id,
            pipeline.sha,
            pipeline.ref_name,
            pipeline.status.as_str(),
            pipeline.source,
            to_micros(pipeline.created_at),
            to_micros(pipeline.updated_at),
        ])?;
    Ok(connection.last_insert_rowid())
}

pub fn pipelines_by_source(
    connection: &Connection,
    project_id: Id,
    source: &str,
) -> Result<Vec<(Id, JobStatus)>, StoreError> {
    Ok(connection
        .prepare_cached(
            "SELECT id, status FROM pipelines WHERE project_id = ?1 AND source = ?2
             ORDER BY id DESC",
        )?
        .query_map(params![project_id, source], |row| {
            Ok((row.get(0)?, status_at(row, 1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// Deletes a pipeline with its jobs and everything they own.
pub fn delete_pipeline(connection: &Connection, pipeline_id: Id) -> Result<(), StoreError> {
    for sql in [
        "DELETE FROM job_variables WHERE job_id IN (SELECT id FROM jobs WHERE pipeline_id = ?1)",
        "DELETE FROM job_artifacts WHERE job_id IN (SELECT id FROM jobs WHERE pipeline_id = ?1)",
        "DELETE FROM traces WHERE job_id IN (SELECT id FROM jobs WHERE pipeline_id = ?1)",
        "DELETE FROM job_scripts WHERE job_id IN (SELECT id FROM jobs WHERE pipeline_id = ?1)",
        "UPDATE jobs SET downstream_pipeline_id = NULL WHERE downstream_pipeline_id = ?1",
        "DELETE FROM jobs WHERE pipeline_id = ?1",
        "DELETE FROM pipelines WHERE id = ?1",
    ] {
        connection.prepare_cached(sql)?.execute([pipeline_id])?;
    }
    Ok(())
}
