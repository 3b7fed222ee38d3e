//! Queries. Every function takes the transaction of the calling store method, so a use case
//! reads and writes in one transaction. Jobs are hydrated in batches (`store::hydrate`, with
//! the reads in `batch.rs`): on a network connection round trips, not rows, are what costs.

use std::collections::BTreeSet;

use ::postgres::types::ToSql;
use chrono::{DateTime, Utc};

use super::codec::{
    self, MEMBER_ARRAYS, PIPELINE_COLUMNS, PROJECT_COLUMNS, get, pipeline_from_row,
    project_with_members,
};
use super::tx::Tx;
use crate::model::{AgentAuthorization, Id, JobDetails, JobStatus, Pipeline, Project, User};
use crate::store::RECENT_SUCCESSFUL_PIPELINES;
use crate::store::hydrate;
use crate::store::{
    IdWindow, JobFilter, MAX_COUNT, Page, Pagination, PersonalAccessToken, ProjectKey, StoreError,
    StoredFile,
};

pub fn user(tx: &mut Tx<'_>, id: Id) -> Result<Option<User>, StoreError> {
    tx.query_opt("SELECT body FROM users WHERE id = $1", &[&id])?
        .map(|row| codec::json(&row, 0))
        .transpose()
}

pub fn personal_access_token(
    tx: &mut Tx<'_>,
    token: &str,
) -> Result<Option<PersonalAccessToken>, StoreError> {
    let Some(row) = tx.query_opt(
        "SELECT u.body, t.expires_at, t.revoked FROM personal_access_tokens t
         JOIN users u ON u.id = t.user_id WHERE t.token = $1",
        &[&token],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(PersonalAccessToken {
        token: token.to_owned(),
        user: codec::json(&row, 0)?,
        expires_at: get(&row, 1)?,
        revoked: get(&row, 2)?,
    }))
}

pub fn job_id_by_token(tx: &mut Tx<'_>, token: &str) -> Result<Option<Id>, StoreError> {
    tx.query_opt("SELECT id FROM jobs WHERE token = $1", &[&token])?
        .map(|row| get(&row, 0))
        .transpose()
}

/// A project and its members in one statement (so that, alone, it needs no transaction).
pub fn project(tx: &mut Tx<'_>, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError> {
    let row = match key {
        ProjectKey::Id(id) => tx.query_opt(
            &format!("SELECT {PROJECT_COLUMNS}, {MEMBER_ARRAYS} FROM projects p WHERE id = $1"),
            &[&id],
        )?,
        // `lower` on both sides matches the `projects_by_path` index.
        ProjectKey::Path(path) => tx.query_opt(
            &format!(
                "SELECT {PROJECT_COLUMNS}, {MEMBER_ARRAYS} FROM projects p
                 WHERE lower(path_with_namespace) = lower($1)"
            ),
            &[&path],
        )?,
    };
    row.map(|row| project_with_members(&row)).transpose()
}

pub fn agent_authorizations(
    tx: &mut Tx<'_>,
    project_id: Id,
) -> Result<Vec<(AgentAuthorization, Project)>, StoreError> {
    let rows = tx.query(
        "SELECT agent_id, config_project_id, configuration FROM agent_authorizations
         WHERE project_id = $1 ORDER BY agent_id",
        &[&project_id],
    )?;
    rows.iter()
        .map(|row| {
            let agent = AgentAuthorization {
                id: get(row, 0)?,
                config_project_id: get(row, 1)?,
                configuration: codec::opt_json(row, 2)?,
            };
            let config_project = project(tx, ProjectKey::Id(agent.config_project_id))?
                .ok_or(StoreError::NotFound("agent configuration project"))?;
            Ok((agent, config_project))
        })
        .collect()
}

pub fn pipeline(tx: &mut Tx<'_>, id: Id) -> Result<Option<Pipeline>, StoreError> {
    tx.query_opt(
        &format!("SELECT {PIPELINE_COLUMNS} FROM pipelines WHERE id = $1"),
        &[&id],
    )?
    .map(|row| pipeline_from_row(&row))
    .transpose()
}

pub fn trace(tx: &mut Tx<'_>, job_id: Id) -> Result<Option<String>, StoreError> {
    let Some(row) = tx.query_opt("SELECT content FROM traces WHERE job_id = $1", &[&job_id])?
    else {
        return Ok(None);
    };
    let bytes: Vec<u8> = get(&row, 0)?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| StoreError::Database(format!("the log of job {job_id} is not UTF-8")))
}

pub fn artifacts_archive(tx: &mut Tx<'_>, job_id: Id) -> Result<Option<StoredFile>, StoreError> {
    let Some(row) = tx.query_opt(
        "SELECT filename, content FROM job_artifacts WHERE job_id = $1 AND file_type = 'archive'",
        &[&job_id],
    )?
    else {
        return Ok(None);
    };
    let content: Option<Vec<u8>> = get(&row, 1)?;
    Ok(Some(StoredFile {
        filename: get(&row, 0)?,
        // A fixture may list an archive without giving its files: it is an empty archive.
        content: content.unwrap_or_else(crate::archive::empty_zip),
    }))
}

/// A statement being built: its SQL and its parameters, numbered as they are added.
#[derive(Default)]
struct Query {
    sql: String,
    params: Vec<Box<dyn ToSql + Sync>>,
}

impl Query {
    /// Adds a parameter and returns its placeholder (`$n`).
    fn bind(&mut self, value: impl ToSql + Sync + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|param| param.as_ref()).collect()
    }
}

/// The distinct statuses of a scope, by name.
fn scope(filter: &JobFilter) -> Vec<String> {
    let statuses: BTreeSet<&str> = filter
        .statuses
        .iter()
        .map(|s| JobStatus::as_str(*s))
        .collect();
    statuses.into_iter().map(str::to_owned).collect()
}

/// The WHERE conditions of a list without its status scope.
fn base_conditions(query: &mut Query, filter: &JobFilter, before_id: Option<Id>) -> String {
    let mut conditions = format!(
        "project_id = {} AND kind = {}",
        query.bind(filter.project_id),
        query.bind(filter.kind.as_str())
    );
    if let Some(pipeline_id) = filter.pipeline_id {
        conditions.push_str(&format!(" AND pipeline_id = {}", query.bind(pipeline_id)));
    }
    if !filter.include_retried {
        conditions.push_str(" AND NOT retried");
    }
    if let Some(before_id) = before_id {
        conditions.push_str(&format!(" AND id < {}", query.bind(before_id)));
    }
    conditions
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Ids of one page, newest first. With a status scope on a project list each status is read
/// as its own descending range of `jobs_by_project_status` (`LATERAL`, `limit + offset` rows
/// at most) and the ranges are merged: that stays fast at millions of jobs, where one
/// `status = ANY(...)` would have to sort every matching row.
fn page_ids(tx: &mut Tx<'_>, filter: &JobFilter, window: &IdWindow) -> Result<Vec<Id>, StoreError> {
    let mut query = Query::default();
    let conditions = base_conditions(&mut query, filter, window.before);
    let statuses = scope(filter);
    query.sql = if statuses.is_empty() {
        format!("SELECT id FROM jobs WHERE {conditions} ORDER BY id DESC")
    } else if filter.pipeline_id.is_some() {
        let statuses = query.bind(statuses);
        format!(
            "SELECT id FROM jobs WHERE {conditions} AND status = ANY({statuses}) ORDER BY id DESC"
        )
    } else {
        let statuses = query.bind(statuses);
        let end = query.bind(to_i64(window.end()));
        format!(
            "SELECT j.id FROM unnest({statuses}::text[]) AS s(status)
             CROSS JOIN LATERAL (SELECT id FROM jobs WHERE {conditions} AND status = s.status
                                 ORDER BY id DESC LIMIT {end}) AS j
             ORDER BY j.id DESC"
        )
    };
    let limit = query.bind(to_i64(window.limit));
    let offset = query.bind(to_i64(window.offset));
    query
        .sql
        .push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    tx.query(&query.sql, &query.params())?
        .iter()
        .map(|row| get(row, 0))
        .collect()
}

/// `total_count_with_limit`: the count, or `None` above `MAX_COUNT`.
fn count_with_limit(tx: &mut Tx<'_>, filter: &JobFilter) -> Result<Option<u64>, StoreError> {
    let mut query = Query::default();
    let mut conditions = base_conditions(&mut query, filter, None);
    let statuses = scope(filter);
    if !statuses.is_empty() {
        conditions.push_str(&format!(" AND status = ANY({})", query.bind(statuses)));
    }
    let limit = query.bind(to_i64(MAX_COUNT + 1));
    query.sql =
        format!("SELECT count(*) FROM (SELECT 1 FROM jobs WHERE {conditions} LIMIT {limit}) AS t");
    let count: i64 = get(&tx.query_one(&query.sql, &query.params())?, 0)?;
    let count = u64::try_from(count).unwrap_or(0);
    Ok((count <= MAX_COUNT).then_some(count))
}

pub fn list_jobs(
    tx: &mut Tx<'_>,
    filter: &JobFilter,
    pagination: &Pagination,
) -> Result<Page<JobDetails>, StoreError> {
    let ids = page_ids(tx, filter, &pagination.id_window())?;
    let (ids, info) = pagination.page_of(ids, || count_with_limit(tx, filter))?;
    let items = hydrate::page(tx, &ids)?;
    Ok(Page { items, info })
}

/// `Project#latest_successful_build_for_ref`: the newest successful pipeline of the ref, then
/// in it and its same-project child pipelines (`self_and_project_descendants`, in pipeline
/// order) the latest build of that name whose archive still exists (not expired, or its
/// pipeline's artifacts locked: `rules::artifacts::available_archive`).
pub fn latest_successful_build_id_for_ref(
    tx: &mut Tx<'_>,
    project_id: Id,
    ref_name: &str,
    job_name: &str,
    now: DateTime<Utc>,
) -> Result<Option<Id>, StoreError> {
    let Some(row) = tx.query_opt(
        "SELECT id FROM pipelines WHERE project_id = $1 AND ref = $2 AND status = 'success'
         ORDER BY id DESC LIMIT 1",
        &[&project_id, &ref_name],
    )?
    else {
        return Ok(None);
    };
    let pipeline_id: Id = get(&row, 0)?;
    let Some(row) = tx.query_opt(
        concat!(
            "WITH RECURSIVE tree(id) AS (
                 SELECT $1::bigint
                 UNION
                 SELECT j.downstream_pipeline_id FROM jobs j
                 JOIN tree ON j.pipeline_id = tree.id
                 JOIN pipelines p ON p.id = j.downstream_pipeline_id
                 WHERE j.kind = 'bridge' AND p.project_id = $2
             )
             SELECT j.id FROM jobs j
             JOIN job_artifacts a ON a.job_id = j.id AND a.file_type = 'archive'
             JOIN pipelines p ON p.id = j.pipeline_id
             WHERE j.pipeline_id IN (SELECT id FROM tree) AND j.kind = 'build' AND j.name = $3
               AND NOT j.retried
               AND (j.artifacts_expire_at IS NULL OR j.artifacts_expire_at >= $4 OR ",
            artifacts_locked_sql!("p"),
            ")
             ORDER BY j.pipeline_id ASC, j.id DESC LIMIT 1"
        ),
        &[&pipeline_id, &project_id, &job_name, &now],
    )?
    else {
        return Ok(None);
    };
    get(&row, 0).map(Some)
}

/// `Ci::Build.latest_with_artifacts_for_ref`: in the ref's newest
/// [`RECENT_SUCCESSFUL_PIPELINES`] successful pipelines (ids grow with creation time; child
/// pipelines share their parent's ref and are among them), newest first, the latest build of
/// that name whose archive still exists.
pub fn latest_build_id_with_artifacts_for_ref(
    tx: &mut Tx<'_>,
    project_id: Id,
    ref_name: &str,
    job_name: &str,
    now: DateTime<Utc>,
) -> Result<Option<Id>, StoreError> {
    let Some(row) = tx.query_opt(
        concat!(
            "WITH recent(id) AS (
                 SELECT id FROM pipelines WHERE project_id = $1 AND ref = $2 AND status = 'success'
                 ORDER BY id DESC LIMIT $5
             )
             SELECT j.id FROM jobs j
             JOIN job_artifacts a ON a.job_id = j.id AND a.file_type = 'archive'
             JOIN pipelines p ON p.id = j.pipeline_id
             WHERE j.pipeline_id IN (SELECT id FROM recent) AND j.kind = 'build' AND j.name = $3
               AND NOT j.retried
               AND (j.artifacts_expire_at IS NULL OR j.artifacts_expire_at >= $4 OR ",
            artifacts_locked_sql!("p"),
            ")
             ORDER BY j.pipeline_id DESC, j.id DESC LIMIT 1"
        ),
        &[
            &project_id,
            &ref_name,
            &job_name,
            &now,
            &RECENT_SUCCESSFUL_PIPELINES,
        ],
    )?
    else {
        return Ok(None);
    };
    get(&row, 0).map(Some)
}

/// The ids of every job of a pipeline, retried ones included, for pipeline processing.
pub fn pipeline_job_ids(tx: &mut Tx<'_>, pipeline_id: Id) -> Result<Vec<Id>, StoreError> {
    tx.query(
        "SELECT id FROM jobs WHERE pipeline_id = $1 ORDER BY id",
        &[&pipeline_id],
    )?
    .iter()
    .map(|row| get(row, 0))
    .collect()
}
