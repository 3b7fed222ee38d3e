//! What the entities show about jobs, loaded for a whole batch at once: the jobs, then their
//! variables, pipelines, projects, users, runners, commits, artifacts and log sizes with one
//! query each per batch (not per job), however many jobs there are. A page of a hundred jobs
//! then costs a dozen statements rather than four hundred; on PostgreSQL each statement is a
//! network round trip. Each store answers the batched reads ([`BatchRead`]); the assembly of
//! [`JobDetails`], and the reads of one job built on it, are here, once for both.

use std::collections::{BTreeSet, HashMap};

use serde::de::DeserializeOwned;

use crate::model::{
    Commit, Id, Job, JobArtifact, JobDetails, Pipeline, Project, Runner, RunnerManager, User,
};
use crate::store::StoreError;

/// The tables whose rows are a JSON `body` by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyTable {
    Users,
    Runners,
    RunnerManagers,
}

impl BodyTable {
    pub fn name(self) -> &'static str {
        match self {
            BodyTable::Users => "users",
            BodyTable::Runners => "runners",
            BodyTable::RunnerManagers => "runner_managers",
        }
    }
}

/// One query per method, each for every id given (never called with none). Rows not found
/// are left out; the order of the results is free unless a method says otherwise.
pub(crate) trait BatchRead {
    /// Jobs with their variables, each job's by key in byte order.
    fn jobs(&mut self, ids: &[Id]) -> Result<Vec<Job>, StoreError>;

    fn pipelines(&mut self, ids: &[Id]) -> Result<Vec<Pipeline>, StoreError>;

    /// Projects with their members, by user id.
    fn projects(&mut self, ids: &[Id]) -> Result<Vec<Project>, StoreError>;

    /// `(id, body)` of a table of JSON bodies.
    fn bodies<T: DeserializeOwned + 'static>(
        &mut self,
        table: BodyTable,
        ids: &[Id],
    ) -> Result<Vec<(Id, T)>, StoreError>;

    /// `(project_id, sha, commit)` for these `(project_id, sha)` keys.
    fn commits(&mut self, keys: &[(Id, String)]) -> Result<Vec<(Id, String, Commit)>, StoreError>;

    /// `(job_id, artifact)`, each job's artifacts in listing order.
    fn artifacts(&mut self, job_ids: &[Id]) -> Result<Vec<(Id, JobArtifact)>, StoreError>;

    /// `(job_id, byte length)` of the jobs that have a log.
    fn trace_sizes(&mut self, job_ids: &[Id]) -> Result<Vec<(Id, i64)>, StoreError>;
}

/// Jobs with their variables, in the order of `ids`; ids not found are left out.
pub(crate) fn jobs_by_ids(batch: &mut impl BatchRead, ids: &[Id]) -> Result<Vec<Job>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: HashMap<Id, Job> = batch
        .jobs(ids)?
        .into_iter()
        .map(|job| (job.id, job))
        .collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// A job with its variables, whatever its project.
pub(crate) fn job_by_id(batch: &mut impl BatchRead, id: Id) -> Result<Option<Job>, StoreError> {
    Ok(jobs_by_ids(batch, &[id])?.pop())
}

/// `user_project.builds.find(id)` and friends: a job of this project, or `None`.
pub(crate) fn job_in_project(
    batch: &mut impl BatchRead,
    project_id: Id,
    job_id: Id,
) -> Result<Option<Job>, StoreError> {
    Ok(job_by_id(batch, job_id)?.filter(|job| job.project_id == project_id))
}

/// The details of one job.
pub(crate) fn details_of(batch: &mut impl BatchRead, job: Job) -> Result<JobDetails, StoreError> {
    details(batch, vec![job])?
        .pop()
        .ok_or(StoreError::NotFound("job"))
}

/// The details of a job of `project`, which the caller has read already (it is not read
/// again), or `None`.
pub(crate) fn job_details_of(
    batch: &mut impl BatchRead,
    project: &Project,
    job_id: Id,
) -> Result<Option<JobDetails>, StoreError> {
    match job_in_project(batch, project.id, job_id)? {
        Some(job) => Ok(details_knowing(batch, vec![job], Some(project))?.pop()),
        None => Ok(None),
    }
}

/// The details of a job of this project, or `None`.
pub(crate) fn job_details(
    batch: &mut impl BatchRead,
    project_id: Id,
    job_id: Id,
) -> Result<Option<JobDetails>, StoreError> {
    job_in_project(batch, project_id, job_id)?
        .map(|job| details_of(batch, job))
        .transpose()
}

/// The details of the jobs `ids`, in that order; `StoreError::NotFound` if one is missing
/// (a page's ids were read in the same transaction, so that is a broken database).
pub(crate) fn page(batch: &mut impl BatchRead, ids: &[Id]) -> Result<Vec<JobDetails>, StoreError> {
    let jobs = jobs_by_ids(batch, ids)?;
    if jobs.len() != ids.len() {
        return Err(StoreError::NotFound("job"));
    }
    details(batch, jobs)
}

/// The details of `jobs`, in their order.
pub(crate) fn details(
    batch: &mut impl BatchRead,
    jobs: Vec<Job>,
) -> Result<Vec<JobDetails>, StoreError> {
    details_knowing(batch, jobs, None)
}

/// [`details`], with a project the caller has read already.
fn details_knowing(
    batch: &mut impl BatchRead,
    jobs: Vec<Job>,
    known: Option<&Project>,
) -> Result<Vec<JobDetails>, StoreError> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let job_ids: Vec<Id> = jobs.iter().map(|job| job.id).collect();
    // Pipelines first: the commits and the downstream projects are known from them.
    let pipelines: HashMap<Id, Pipeline> = fetch(
        batch,
        distinct(
            jobs.iter()
                .flat_map(|job| [Some(job.pipeline_id), job.downstream_pipeline_id])
                .flatten(),
        ),
        |batch, ids| batch.pipelines(ids),
    )?
    .into_iter()
    .map(|pipeline| (pipeline.id, pipeline))
    .collect();
    let project_ids = distinct(
        jobs.iter().map(|job| job.project_id).chain(
            jobs.iter()
                .filter_map(|job| pipelines.get(&job.downstream_pipeline_id?))
                .map(|pipeline| pipeline.project_id),
        ),
    );
    let mut projects: HashMap<Id, Project> = known
        .map(|project| (project.id, project.clone()))
        .into_iter()
        .collect();
    let unknown = project_ids
        .into_iter()
        .filter(|id| !projects.contains_key(id))
        .collect();
    let read = fetch(batch, unknown, |batch, ids| batch.projects(ids))?;
    projects.extend(read.into_iter().map(|project| (project.id, project)));
    let users: HashMap<Id, User> = bodies(
        batch,
        BodyTable::Users,
        jobs.iter().filter_map(|job| job.user_id),
    )?;
    let runners: HashMap<Id, Runner> = bodies(
        batch,
        BodyTable::Runners,
        jobs.iter().filter_map(|job| job.runner_id),
    )?;
    let runner_managers: HashMap<Id, RunnerManager> = bodies(
        batch,
        BodyTable::RunnerManagers,
        jobs.iter().filter_map(|job| job.runner_manager_id),
    )?;
    let commit_keys: BTreeSet<(Id, String)> = jobs
        .iter()
        .filter_map(|job| Some((job.project_id, pipelines.get(&job.pipeline_id)?.sha.clone())))
        .collect();
    let commits: HashMap<(Id, String), Commit> =
        fetch(batch, commit_keys.into_iter().collect(), |batch, keys| {
            batch.commits(keys)
        })?
        .into_iter()
        .map(|(project_id, sha, commit)| ((project_id, sha), commit))
        .collect();
    let mut artifacts: HashMap<Id, Vec<JobArtifact>> = HashMap::new();
    for (job_id, artifact) in batch.artifacts(&job_ids)? {
        artifacts.entry(job_id).or_default().push(artifact);
    }
    let trace_sizes: HashMap<Id, i64> = batch.trace_sizes(&job_ids)?.into_iter().collect();

    let pipeline_of = |id: Id| {
        pipelines
            .get(&id)
            .cloned()
            .ok_or(StoreError::NotFound("pipeline"))
    };
    let project_of = |id: Id| {
        projects
            .get(&id)
            .cloned()
            .ok_or(StoreError::NotFound("project"))
    };
    jobs.into_iter()
        .map(|job| {
            let project = project_of(job.project_id)?;
            let pipeline = pipeline_of(job.pipeline_id)?;
            let downstream_pipeline = match job.downstream_pipeline_id {
                Some(id) => {
                    let downstream = pipeline_of(id)?;
                    let downstream_project = project_of(downstream.project_id)?;
                    Some((downstream, downstream_project))
                }
                None => None,
            };
            // A commit the database does not describe is unknown to the repository: null.
            let commit = commits
                .get(&(job.project_id, pipeline.sha.clone()))
                .cloned();
            Ok(JobDetails {
                artifacts: artifacts.remove(&job.id).unwrap_or_default(),
                trace_size: trace_sizes.get(&job.id).copied(),
                user: job.user_id.and_then(|id| users.get(&id).cloned()),
                runner: job.runner_id.and_then(|id| runners.get(&id).cloned()),
                runner_manager: job
                    .runner_manager_id
                    .and_then(|id| runner_managers.get(&id).cloned()),
                project,
                pipeline,
                downstream_pipeline,
                commit,
                job,
            })
        })
        .collect()
}

/// The bodies of the distinct `ids` of `table`, by id.
fn bodies<T: DeserializeOwned + 'static>(
    batch: &mut impl BatchRead,
    table: BodyTable,
    ids: impl Iterator<Item = Id>,
) -> Result<HashMap<Id, T>, StoreError> {
    Ok(
        fetch(batch, distinct(ids), |batch, ids| batch.bodies(table, ids))?
            .into_iter()
            .collect(),
    )
}

/// `read(batch, keys)`, without a query when there are no keys.
fn fetch<B: BatchRead, K, R>(
    batch: &mut B,
    keys: Vec<K>,
    read: impl FnOnce(&mut B, &[K]) -> Result<Vec<R>, StoreError>,
) -> Result<Vec<R>, StoreError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    read(batch, &keys)
}

/// The distinct ids, in ascending order.
fn distinct(ids: impl Iterator<Item = Id>) -> Vec<Id> {
    ids.collect::<BTreeSet<Id>>().into_iter().collect()
}
