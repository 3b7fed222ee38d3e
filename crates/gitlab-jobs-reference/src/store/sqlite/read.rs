//! Queries. Every function takes the connection (or transaction) of the calling store method,
//! so a use case reads and writes in one transaction.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::batch::Batch;
use super::codec::{
    Json, PIPELINE_COLUMNS, PROJECT_COLUMNS, pipeline_from_row, project_from_row, to_micros,
};
use crate::model::{AgentAuthorization, Id, JobDetails, Pipeline, Project, User};
use crate::store::RECENT_SUCCESSFUL_PIPELINES;
use crate::store::hydrate;
use crate::store::{
    IdWindow, JobFilter, MAX_COUNT, Page, Pagination, PersonalAccessToken, ProjectKey, StoreError,
    StoredFile,
};

pub fn user(connection: &Connection, id: Id) -> Result<Option<User>, StoreError> {
    let user = connection
        .prepare_cached("SELECT body FROM users WHERE id = ?1")?
        .query_row([id], |row| row.get::<_, Json<User>>(0))
        .optional()?;
    Ok(user.map(|Json(user)| user))
}

pub fn personal_access_token(
    connection: &Connection,
    token: &str,
) -> Result<Option<PersonalAccessToken>, StoreError> {
    let found = connection
        .prepare_cached(
            "SELECT u.body, t.expires_at, t.revoked FROM personal_access_tokens t
             JOIN users u ON u.id = t.user_id WHERE t.token = ?1",
        )?
        .query_row([token], |row| {
            Ok((
                row.get::<_, Json<User>>(0)?,
                row.get::<_, Option<String>>(1)?,
                row.get::<_, bool>(2)?,
            ))
        })
        .optional()?;
    let Some((Json(user), expires_at, revoked)) = found else {
        return Ok(None);
    };
    let expires_at = expires_at
        .map(|date| {
            date.parse()
                .map_err(|_| StoreError::Database(format!("bad token expiry date {date:?}")))
        })
        .transpose()?;
    Ok(Some(PersonalAccessToken {
        token: token.to_owned(),
        user,
        expires_at,
        revoked,
    }))
}

pub fn job_id_by_token(connection: &Connection, token: &str) -> Result<Option<Id>, StoreError> {
    Ok(connection
        .prepare_cached("SELECT id FROM jobs WHERE token = ?1")?
        .query_row([token], |row| row.get(0))
        .optional()?)
}

pub fn project(
    connection: &Connection,
    key: ProjectKey<'_>,
) -> Result<Option<Project>, StoreError> {
    let sql = match key {
        ProjectKey::Id(_) => format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = ?1"),
        ProjectKey::Path(_) => {
            format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE path_with_namespace = ?1")
        }
    };
    let mut statement = connection.prepare_cached(&sql)?;
    let found = match key {
        ProjectKey::Id(id) => statement.query_row([id], project_from_row),
        ProjectKey::Path(path) => statement.query_row([path], project_from_row),
    }
    .optional()?;
    let Some(mut project) = found else {
        return Ok(None);
    };
    project.members = Batch(connection)
        .members(&[project.id])?
        .into_iter()
        .map(|(_, user_id, level)| (user_id, level))
        .collect();
    Ok(Some(project))
}

pub fn agent_authorizations(
    connection: &Connection,
    project_id: Id,
) -> Result<Vec<(AgentAuthorization, Project)>, StoreError> {
    let rows: Vec<(Id, Id, Option<Json<serde_json::Value>>)> = connection
        .prepare_cached(
            "SELECT agent_id, config_project_id, configuration FROM agent_authorizations
             WHERE project_id = ?1 ORDER BY agent_id",
        )?
        .query_map([project_id], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(id, config_project_id, configuration)| {
            let config_project = project(connection, ProjectKey::Id(config_project_id))?
                .ok_or(StoreError::NotFound("agent configuration project"))?;
            let agent = AgentAuthorization {
                id,
                config_project_id,
                configuration: configuration.map(|Json(value)| value),
            };
            Ok((agent, config_project))
        })
        .collect()
}

pub fn pipeline(connection: &Connection, id: Id) -> Result<Option<Pipeline>, StoreError> {
    Ok(connection
        .prepare_cached(&format!(
            "SELECT {PIPELINE_COLUMNS} FROM pipelines WHERE id = ?1"
        ))?
        .query_row([id], pipeline_from_row)
        .optional()?)
}

pub fn trace(connection: &Connection, job_id: Id) -> Result<Option<String>, StoreError> {
    Ok(connection
        .prepare_cached("SELECT content FROM traces WHERE job_id = ?1")?
        .query_row([job_id], |row| row.get(0))
        .optional()?)
}

pub fn artifacts_archive(
    connection: &Connection,
    job_id: Id,
) -> Result<Option<StoredFile>, StoreError> {
    let found: Option<(String, Option<Vec<u8>>)> = connection
        .prepare_cached(
            "SELECT filename, content FROM job_artifacts WHERE job_id = ?1 AND file_type = 'archive'",
        )?
        .query_row([job_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    Ok(found.map(|(filename, content)| StoredFile {
        filename,
        // A fixture may list an archive without giving its files: it is an empty archive.
        content: content.unwrap_or_else(crate::archive::empty_zip),
    }))
}

/// The WHERE clause of a list (without status and keyset conditions) and its parameters.
fn base_conditions(filter: &JobFilter) -> (String, Vec<Value>) {
    let mut sql = String::from("project_id = ? AND kind = ?");
    let mut values = vec![
        Value::Integer(filter.project_id),
        Value::Text(filter.kind.as_str().to_owned()),
    ];
    if let Some(pipeline_id) = filter.pipeline_id {
        sql = format!("pipeline_id = ? AND {sql}");
        values.insert(0, Value::Integer(pipeline_id));
    }
    if !filter.include_retried {
        sql.push_str(" AND retried = 0");
    }
    (sql, values)
}

/// Ids of one page, newest first. With a status scope on a project list each status is
/// read as its own descending range of `jobs_by_project_status` (`limit` rows at most), and
/// the ranges are merged: that stays fast at millions of jobs, where one `status IN (...)`
/// would have to sort every matching row.
fn page_ids(
    connection: &Connection,
    filter: &JobFilter,
    window: &IdWindow,
) -> Result<Vec<Id>, StoreError> {
    let (mut conditions, mut values) = base_conditions(filter);
    if let Some(before_id) = window.before {
        conditions.push_str(" AND id < ?");
        values.push(Value::Integer(before_id));
    }
    let statuses: BTreeSet<&str> = filter
        .statuses
        .iter()
        .map(|status| status.as_str())
        .collect();
    let end = i64::try_from(window.end()).unwrap_or(i64::MAX);
    let sql = if statuses.is_empty() {
        format!("SELECT id FROM jobs WHERE {conditions} ORDER BY id DESC LIMIT ? OFFSET ?")
    } else if filter.pipeline_id.is_some() {
        let marks = vec!["?"; statuses.len()].join(", ");
        values.extend(
            statuses
                .iter()
                .map(|status| Value::Text((*status).to_owned())),
        );
        format!(
            "SELECT id FROM jobs WHERE {conditions} AND status IN ({marks}) \
             ORDER BY id DESC LIMIT ? OFFSET ?"
        )
    } else {
        let base = values.clone();
        values.clear();
        let ranges: Vec<String> = statuses
            .iter()
            .map(|status| {
                values.extend(base.iter().cloned());
                values.push(Value::Text((*status).to_owned()));
                values.push(Value::Integer(end));
                format!(
                    "SELECT id FROM (SELECT id FROM jobs WHERE {conditions} AND status = ? \
                     ORDER BY id DESC LIMIT ?)"
                )
            })
            .collect();
        format!(
            "{} ORDER BY id DESC LIMIT ? OFFSET ?",
            ranges.join(" UNION ALL ")
        )
    };
    values.push(Value::Integer(
        i64::try_from(window.limit).unwrap_or(i64::MAX),
    ));
    values.push(Value::Integer(
        i64::try_from(window.offset).unwrap_or(i64::MAX),
    ));
    let ids = connection
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values), |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// `total_count_with_limit`: the count, or `None` above `MAX_COUNT`.
fn count_with_limit(
    connection: &Connection,
    filter: &JobFilter,
) -> Result<Option<u64>, StoreError> {
    let (mut conditions, mut values) = base_conditions(filter);
    let statuses: BTreeSet<&str> = filter
        .statuses
        .iter()
        .map(|status| status.as_str())
        .collect();
    if !statuses.is_empty() {
        let marks = vec!["?"; statuses.len()].join(", ");
        conditions.push_str(&format!(" AND status IN ({marks})"));
        values.extend(
            statuses
                .iter()
                .map(|status| Value::Text((*status).to_owned())),
        );
    }
    values.push(Value::Integer(MAX_COUNT as i64 + 1));
    let count: i64 = connection
        .prepare_cached(&format!(
            "SELECT count(*) FROM (SELECT 1 FROM jobs WHERE {conditions} LIMIT ?)"
        ))?
        .query_row(params_from_iter(values), |row| row.get(0))?;
    let count = u64::try_from(count).unwrap_or(0);
    Ok((count <= MAX_COUNT).then_some(count))
}

pub fn list_jobs(
    connection: &Connection,
    filter: &JobFilter,
    pagination: &Pagination,
) -> Result<Page<JobDetails>, StoreError> {
    let ids = page_ids(connection, filter, &pagination.id_window())?;
    let (ids, info) = pagination.page_of(ids, || count_with_limit(connection, filter))?;
    let items = hydrate::page(&mut Batch(connection), &ids)?;
    Ok(Page { items, info })
}

/// `Project#latest_successful_build_for_ref`: the newest successful pipeline of the ref, then
/// in it and its same-project child pipelines (`self_and_project_descendants`, in pipeline
/// order) the latest build of that name whose archive still exists (not expired, or its
/// pipeline's artifacts locked: `rules::artifacts::available_archive`).
pub fn latest_successful_build_id_for_ref(
    connection: &Connection,
    project_id: Id,
    ref_name: &str,
    job_name: &str,
    now: DateTime<Utc>,
) -> Result<Option<Id>, StoreError> {
    let pipeline_id: Option<Id> = connection
        .prepare_cached(
            "SELECT id FROM pipelines WHERE project_id = ?1 AND ref = ?2 AND status = 'success'
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![project_id, ref_name], |row| row.get(0))
        .optional()?;
    let Some(pipeline_id) = pipeline_id else {
        return Ok(None);
    };
    Ok(connection
        .prepare_cached(concat!(
            "WITH RECURSIVE tree(id) AS (
                 SELECT ?1
                 UNION
                 SELECT j.downstream_pipeline_id FROM jobs j
                 JOIN tree ON j.pipeline_id = tree.id
                 JOIN pipelines p ON p.id = j.downstream_pipeline_id
                 WHERE j.kind = 'bridge' AND p.project_id = ?2
             )
             SELECT j.id FROM jobs j
             JOIN job_artifacts a ON a.job_id = j.id AND a.file_type = 'archive'
             JOIN pipelines p ON p.id = j.pipeline_id
             WHERE j.pipeline_id IN tree AND j.kind = 'build' AND j.name = ?3 AND j.retried = 0
               AND (j.artifacts_expire_at IS NULL OR j.artifacts_expire_at >= ?4 OR ",
            artifacts_locked_sql!("p"),
            ")
             ORDER BY j.pipeline_id ASC, j.id DESC LIMIT 1",
        ))?
        .query_row(
            params![pipeline_id, project_id, job_name, to_micros(now)],
            |row| row.get(0),
        )
        .optional()?)
}

/// `Ci::Build.latest_with_artifacts_for_ref`: in the ref's newest
/// [`RECENT_SUCCESSFUL_PIPELINES`] successful pipelines (ids grow with creation time; child
/// pipelines share their parent's ref and are among them), newest first, the latest build of
/// that name whose archive still exists.
pub fn latest_build_id_with_artifacts_for_ref(
    connection: &Connection,
    project_id: Id,
    ref_name: &str,
    job_name: &str,
    now: DateTime<Utc>,
) -> Result<Option<Id>, StoreError> {
    Ok(connection
        .prepare_cached(concat!(
            "WITH recent(id) AS (
                 SELECT id FROM pipelines WHERE project_id = ?1 AND ref = ?2 AND status = 'success'
                 ORDER BY id DESC LIMIT ?5
             )
             SELECT j.id FROM jobs j
             JOIN job_artifacts a ON a.job_id = j.id AND a.file_type = 'archive'
             JOIN pipelines p ON p.id = j.pipeline_id
             WHERE j.pipeline_id IN recent AND j.kind = 'build' AND j.name = ?3 AND j.retried = 0
               AND (j.artifacts_expire_at IS NULL OR j.artifacts_expire_at >= ?4 OR ",
            artifacts_locked_sql!("p"),
            ")
             ORDER BY j.pipeline_id DESC, j.id DESC LIMIT 1",
        ))?
        .query_row(
            params![
                project_id,
                ref_name,
                job_name,
                to_micros(now),
                RECENT_SUCCESSFUL_PIPELINES
            ],
            |row| row.get(0),
        )
        .optional()?)
}

/// The ids of every job of a pipeline, retried ones included, for pipeline processing.
pub fn pipeline_job_ids(connection: &Connection, pipeline_id: Id) -> Result<Vec<Id>, StoreError> {
    Ok(connection
        .prepare_cached("SELECT id FROM jobs WHERE pipeline_id = ?1 ORDER BY id")?
        .query_map([pipeline_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?)
}
