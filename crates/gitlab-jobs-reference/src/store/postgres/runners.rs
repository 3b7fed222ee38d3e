//! The statements of the runner side of jobs: runners by token, the queue of pending builds,
//! job scripts and log appends.

use ::postgres::types::Json;

use super::codec::{get, json};
use super::tx::Tx;
use crate::model::{Id, JobScript};
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
