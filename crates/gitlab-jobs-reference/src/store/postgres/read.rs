//! Queries. Every function takes the transaction of the calling store method, so a use case
//! reads and writes in one transaction. Lists load their jobs, variables, artifacts and log
//! sizes with one `= ANY($1)` query each rather than a few queries per job: on a network
//! connection round trips, not rows, are what costs.

use std::collections::{BTreeSet, HashMap};

use ::postgres::types::ToSql;
use chrono::{DateTime, Utc};

use super::codec::{
    self, JOB_COLUMNS, PIPELINE_COLUMNS, PROJECT_COLUMNS, get, job_from_row, pipeline_from_row,
    project_from_row,
};
use super::tx::Tx;
use crate::model::{
    AccessLevel, AgentAuthorization, ArtifactFormat, Commit, Id, Job, JobArtifact, JobDetails,
    JobStatus, JobVariable, Pipeline, Project, Runner, RunnerManager, User,
};
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

pub fn job_by_token(tx: &mut Tx<'_>, token: &str) -> Result<Option<Job>, StoreError> {
    let id: Option<Id> = tx
        .query_opt("SELECT id FROM jobs WHERE token = $1", &[&token])?
        .map(|row| get(&row, 0))
        .transpose()?;
    match id {
        Some(id) => job_by_id(tx, id),
        None => Ok(None),
    }
}

pub fn project(tx: &mut Tx<'_>, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError> {
    let row = match key {
        ProjectKey::Id(id) => tx.query_opt(
            &format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1"),
            &[&id],
        )?,
        // `lower` on both sides matches the `projects_by_path` index.
        ProjectKey::Path(path) => tx.query_opt(
            &format!(
                "SELECT {PROJECT_COLUMNS} FROM projects WHERE lower(path_with_namespace) = lower($1)"
            ),
            &[&path],
        )?,
    };
    let Some(row) = row else {
        return Ok(None);
    };
    let mut project = project_from_row(&row)?;
    project.members = tx
        .query(
            "SELECT user_id, access_level FROM project_members WHERE project_id = $1
             ORDER BY user_id",
            &[&project.id],
        )?
        .iter()
        .map(|row| {
            let level: i16 = get(row, 1)?;
            let level = u8::try_from(level)
                .map_err(|_| format!("bad access level {level}"))
                .and_then(AccessLevel::try_from)
                .map_err(StoreError::Database)?;
            Ok((get(row, 0)?, level))
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Some(project))
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

/// Jobs with their variables, in the order of `ids` (ids not found are left out).
pub fn jobs_by_ids(tx: &mut Tx<'_>, ids: &[Id]) -> Result<Vec<Job>, StoreError> {
    let mut found: HashMap<Id, Job> = tx
        .query(
            &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ANY($1)"),
            &[&ids],
        )?
        .iter()
        .map(|row| job_from_row(row).map(|job| (job.id, job)))
        .collect::<Result<_, _>>()?;
    // `COLLATE "C"`: byte order, as SQLite sorts, whatever the database's locale.
    let variables = tx.query(
        "SELECT job_id, key, value, variable_type FROM job_variables WHERE job_id = ANY($1)
         ORDER BY job_id, key COLLATE \"C\"",
        &[&ids],
    )?;
    for row in &variables {
        let job_id: Id = get(row, 0)?;
        if let Some(job) = found.get_mut(&job_id) {
            job.variables.push(JobVariable {
                key: get(row, 1)?,
                value: get(row, 2)?,
                variable_type: get(row, 3)?,
            });
        }
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// A job with its variables, whatever its project.
pub fn job_by_id(tx: &mut Tx<'_>, id: Id) -> Result<Option<Job>, StoreError> {
    Ok(jobs_by_ids(tx, &[id])?.pop())
}

/// `user_project.builds.find(id)` and friends: a job of this project, or `None`.
pub fn job_in_project(
    tx: &mut Tx<'_>,
    project_id: Id,
    job_id: Id,
) -> Result<Option<Job>, StoreError> {
    Ok(job_by_id(tx, job_id)?.filter(|job| job.project_id == project_id))
}

/// The stored artifacts of these jobs, each job's in listing order.
fn artifacts_of(tx: &mut Tx<'_>, ids: &[Id]) -> Result<HashMap<Id, Vec<JobArtifact>>, StoreError> {
    let rows = tx.query(
        "SELECT job_id, file_type, file_format, filename, size FROM job_artifacts
         WHERE job_id = ANY($1) ORDER BY job_id, position",
        &[&ids],
    )?;
    let mut artifacts: HashMap<Id, Vec<JobArtifact>> = HashMap::new();
    for row in &rows {
        let artifact = JobArtifact {
            file_type: get(row, 1)?,
            file_format: codec::parsed(row, 2, ArtifactFormat::parse)?,
            filename: get(row, 3)?,
            size: get(row, 4)?,
        };
        artifacts.entry(get(row, 0)?).or_default().push(artifact);
    }
    Ok(artifacts)
}

pub fn stored_artifacts(tx: &mut Tx<'_>, job_id: Id) -> Result<Vec<JobArtifact>, StoreError> {
    Ok(artifacts_of(tx, &[job_id])?
        .remove(&job_id)
        .unwrap_or_default())
}

/// The byte length of the logs of these jobs that have one.
fn trace_sizes(tx: &mut Tx<'_>, ids: &[Id]) -> Result<HashMap<Id, i64>, StoreError> {
    tx.query(
        "SELECT job_id, octet_length(content)::bigint FROM traces WHERE job_id = ANY($1)",
        &[&ids],
    )?
    .iter()
    .map(|row| Ok((get(row, 0)?, get(row, 1)?)))
    .collect()
}

pub fn trace_size(tx: &mut Tx<'_>, job_id: Id) -> Result<Option<i64>, StoreError> {
    Ok(trace_sizes(tx, &[job_id])?.remove(&job_id))
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

/// Loads what the entities show about jobs, reading each project, pipeline, user, commit and
/// runner once however many jobs share it.
#[derive(Default)]
struct Hydrator {
    projects: HashMap<Id, Project>,
    pipelines: HashMap<Id, Pipeline>,
    users: HashMap<Id, Option<User>>,
    commits: HashMap<(Id, String), Commit>,
    runners: HashMap<Id, Option<Runner>>,
    runner_managers: HashMap<Id, Option<RunnerManager>>,
}

impl Hydrator {
    fn project(&mut self, tx: &mut Tx<'_>, id: Id) -> Result<Project, StoreError> {
        if let Some(project) = self.projects.get(&id) {
            return Ok(project.clone());
        }
        let project = project(tx, ProjectKey::Id(id))?.ok_or(StoreError::NotFound("project"))?;
        self.projects.insert(id, project.clone());
        Ok(project)
    }

    fn pipeline(&mut self, tx: &mut Tx<'_>, id: Id) -> Result<Pipeline, StoreError> {
        if let Some(pipeline) = self.pipelines.get(&id) {
            return Ok(pipeline.clone());
        }
        let pipeline = pipeline(tx, id)?.ok_or(StoreError::NotFound("pipeline"))?;
        self.pipelines.insert(id, pipeline.clone());
        Ok(pipeline)
    }

    fn user(&mut self, tx: &mut Tx<'_>, id: Id) -> Result<Option<User>, StoreError> {
        if let Some(user) = self.users.get(&id) {
            return Ok(user.clone());
        }
        let found = user(tx, id)?;
        self.users.insert(id, found.clone());
        Ok(found)
    }

    fn commit(&mut self, tx: &mut Tx<'_>, project_id: Id, sha: &str) -> Result<Commit, StoreError> {
        let key = (project_id, sha.to_owned());
        if let Some(commit) = self.commits.get(&key) {
            return Ok(commit.clone());
        }
        let stored = tx.query_opt(
            "SELECT body FROM commits WHERE project_id = $1 AND sha = $2",
            &[&project_id, &sha],
        )?;
        let commit = match stored {
            Some(row) => codec::json(&row, 0)?,
            None => Commit::from_sha(sha),
        };
        self.commits.insert(key, commit.clone());
        Ok(commit)
    }

    fn body<T: serde::de::DeserializeOwned + Clone + 'static>(
        cache: &mut HashMap<Id, Option<T>>,
        tx: &mut Tx<'_>,
        sql: &str,
        id: Id,
    ) -> Result<Option<T>, StoreError> {
        if let Some(found) = cache.get(&id) {
            return Ok(found.clone());
        }
        let found = tx
            .query_opt(sql, &[&id])?
            .map(|row| codec::json(&row, 0))
            .transpose()?;
        cache.insert(id, found.clone());
        Ok(found)
    }

    /// Loads the pipelines, users, commits and runners of `jobs` that are not cached yet, one
    /// query per table: a page of a hundred jobs then costs a handful of round trips.
    fn prefetch(&mut self, tx: &mut Tx<'_>, jobs: &[Job]) -> Result<(), StoreError> {
        let pipeline_ids = unknown(
            jobs.iter()
                .flat_map(|job| [Some(job.pipeline_id), job.downstream_pipeline_id])
                .flatten(),
            &self.pipelines,
        );
        let pipelines = if pipeline_ids.is_empty() {
            Vec::new()
        } else {
            tx.query(
                &format!("SELECT {PIPELINE_COLUMNS} FROM pipelines WHERE id = ANY($1)"),
                &[&pipeline_ids],
            )?
        };
        for row in pipelines {
            let pipeline = pipeline_from_row(&row)?;
            self.pipelines.insert(pipeline.id, pipeline);
        }
        let user_ids = unknown(jobs.iter().filter_map(|job| job.user_id), &self.users);
        fetch_bodies(tx, "users", &user_ids, &mut self.users)?;
        let runner_ids = unknown(jobs.iter().filter_map(|job| job.runner_id), &self.runners);
        fetch_bodies(tx, "runners", &runner_ids, &mut self.runners)?;
        let commits: BTreeSet<(Id, String)> = jobs
            .iter()
            .filter_map(|job| {
                let sha = &self.pipelines.get(&job.pipeline_id)?.sha;
                Some((job.project_id, sha.clone()))
            })
            .filter(|key| !self.commits.contains_key(key))
            .collect();
        if commits.is_empty() {
            return Ok(());
        }
        let (project_ids, shas): (Vec<Id>, Vec<String>) = commits.into_iter().unzip();
        for row in tx.query(
            "SELECT project_id, sha, body FROM commits
             WHERE (project_id, sha) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))",
            &[&project_ids, &shas],
        )? {
            self.commits
                .insert((get(&row, 0)?, get(&row, 1)?), codec::json(&row, 2)?);
        }
        Ok(())
    }

    /// The details of `jobs`, in their order.
    fn details(&mut self, tx: &mut Tx<'_>, jobs: Vec<Job>) -> Result<Vec<JobDetails>, StoreError> {
        if jobs.len() > 1 {
            self.prefetch(tx, &jobs)?;
        }
        let ids: Vec<Id> = jobs.iter().map(|job| job.id).collect();
        let mut artifacts = artifacts_of(tx, &ids)?;
        let trace_sizes = trace_sizes(tx, &ids)?;
        jobs.into_iter()
            .map(|job| {
                let project = self.project(tx, job.project_id)?;
                let pipeline = self.pipeline(tx, job.pipeline_id)?;
                let downstream_pipeline = match job.downstream_pipeline_id {
                    Some(id) => {
                        let pipeline = self.pipeline(tx, id)?;
                        let project = self.project(tx, pipeline.project_id)?;
                        Some((pipeline, project))
                    }
                    None => None,
                };
                let user = match job.user_id {
                    Some(id) => self.user(tx, id)?,
                    None => None,
                };
                let commit = self.commit(tx, job.project_id, &pipeline.sha)?;
                let runner = match job.runner_id {
                    Some(id) => Self::body(
                        &mut self.runners,
                        tx,
                        "SELECT body FROM runners WHERE id = $1",
                        id,
                    )?,
                    None => None,
                };
                let runner_manager = match job.runner_manager_id {
                    Some(id) => Self::body(
                        &mut self.runner_managers,
                        tx,
                        "SELECT body FROM runner_managers WHERE id = $1",
                        id,
                    )?,
                    None => None,
                };
                Ok(JobDetails {
                    artifacts: artifacts.remove(&job.id).unwrap_or_default(),
                    trace_size: trace_sizes.get(&job.id).copied(),
                    project,
                    pipeline,
                    downstream_pipeline,
                    user,
                    commit,
                    runner,
                    runner_manager,
                    job,
                })
            })
            .collect()
    }
}

/// The distinct ids, in order, that `known` does not hold yet.
fn unknown<V>(ids: impl Iterator<Item = Id>, known: &HashMap<Id, V>) -> Vec<Id> {
    let ids: BTreeSet<Id> = ids.filter(|id| !known.contains_key(id)).collect();
    ids.into_iter().collect()
}

/// Caches the JSON bodies of `ids` from `table` (`None` for ids not found).
fn fetch_bodies<T: serde::de::DeserializeOwned + 'static>(
    tx: &mut Tx<'_>,
    table: &str,
    ids: &[Id],
    cache: &mut HashMap<Id, Option<T>>,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    for id in ids {
        cache.insert(*id, None);
    }
    for row in tx.query(
        &format!("SELECT id, body FROM {table} WHERE id = ANY($1)"),
        &[&ids],
    )? {
        cache.insert(get(&row, 0)?, Some(codec::json(&row, 1)?));
    }
    Ok(())
}

pub fn details(tx: &mut Tx<'_>, job: Job) -> Result<JobDetails, StoreError> {
    Hydrator::default()
        .details(tx, vec![job])?
        .pop()
        .ok_or(StoreError::NotFound("job"))
}

pub fn job_details(
    tx: &mut Tx<'_>,
    project_id: Id,
    job_id: Id,
) -> Result<Option<JobDetails>, StoreError> {
    job_in_project(tx, project_id, job_id)?
        .map(|job| details(tx, job))
        .transpose()
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
    let jobs = jobs_by_ids(tx, &ids)?;
    if jobs.len() != ids.len() {
        return Err(StoreError::NotFound("job"));
    }
    let items = Hydrator::default().details(tx, jobs)?;
    Ok(Page { items, info })
}

/// `Project#latest_successful_build_for_ref`: the newest successful pipeline of the ref, then
/// in it and its same-project child pipelines (`self_and_project_descendants`, in pipeline
/// order) the latest build of that name with a downloadable archive.
pub fn latest_successful_build_for_ref(
    tx: &mut Tx<'_>,
    project_id: Id,
    ref_name: &str,
    job_name: &str,
    now: DateTime<Utc>,
) -> Result<Option<JobDetails>, StoreError> {
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
         WHERE j.pipeline_id IN (SELECT id FROM tree) AND j.kind = 'build' AND j.name = $3
           AND NOT j.retried
           AND (j.artifacts_expire_at IS NULL OR j.artifacts_expire_at >= $4)
         ORDER BY j.pipeline_id ASC, j.id DESC LIMIT 1",
        &[&pipeline_id, &project_id, &job_name, &now],
    )?
    else {
        return Ok(None);
    };
    job_details(tx, project_id, get(&row, 0)?)
}

/// The statuses and `allow_failure` of a pipeline's latest jobs, for its composite status.
pub fn latest_statuses(
    tx: &mut Tx<'_>,
    pipeline_id: Id,
) -> Result<Vec<(JobStatus, bool)>, StoreError> {
    tx.query(
        "SELECT status, allow_failure FROM jobs WHERE pipeline_id = $1 AND NOT retried",
        &[&pipeline_id],
    )?
    .iter()
    .map(|row| Ok((codec::status(row, 0)?, get(row, 1)?)))
    .collect()
}
