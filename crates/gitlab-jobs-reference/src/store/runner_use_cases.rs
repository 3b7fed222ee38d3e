//! The runner side of jobs, once for every backend: a runner asks for a job
//! (`POST /jobs/request`), appends to its log (`PATCH /jobs/:id/trace`) and reports its state
//! (`PUT /jobs/:id`). Each runs inside the write transaction its store method opened; GitLab's
//! rules are `crate::rules::runner`, the pipeline moves on through `use_cases::process_pipeline`.
//!
//! Exactly one runner gets a build: the candidate is locked (its pipeline row, then its row,
//! as every use case locks them) and read again before it is started, so a second runner
//! waiting on the lock finds it running and goes on to the next candidate. SQLite's
//! `BEGIN IMMEDIATE` holds the whole database for the transaction anyway.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use rand::TryRng as _;

use super::backend::Queries;
use super::hydrate;
use super::use_cases::{process_pipeline, reload};
use crate::model::{Id, Job, JobDetails, JobScript, JobStatus, Pipeline};
use crate::rules::runner::{self as rules, Append, JobRefusal, StateUpdate};
use crate::store::{ProjectKey, RegisteredRunner, StoreError};

/// How many of the oldest pending builds a runner looks at per request (GitLab's
/// `Ci::Queue::BuildQueueService` also reads a bounded slice of the queue).
pub const QUEUE_WINDOW: i64 = 500;

/// What `POST /jobs/request` found for a runner.
#[derive(Debug, Clone, PartialEq)]
pub enum JobRequest {
    /// No registered runner has this token (403).
    UnknownRunner,
    /// Nothing for this runner now, or it is paused (204): `X-GitLab-Last-Update`.
    NoJob { queue_value: String },
    /// The runner got a build, now running (201).
    Started(Box<StartedJob>),
}

/// A build a runner took, with what its job payload shows.
#[derive(Debug, Clone, PartialEq)]
pub struct StartedJob {
    pub details: JobDetails,
    pub runner: RegisteredRunner,
    pub script: JobScript,
    /// The builds this runner could take when it asked (`queue_size`) and the position of the
    /// one it got among them (`queue_depth`).
    pub queue_size: i64,
    pub queue_depth: i64,
    /// The project's builds running on instance runners before this one started.
    pub running_on_instance_runners: i64,
}

/// What `PATCH /jobs/:id/trace` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceAppend {
    /// 403 (with `Job-Status` when the job is not running).
    Refused(JobRefusal),
    /// Authenticated, but no `Content-Range` (400).
    MissingContentRange,
    /// 202: the log is now `size` bytes long; the job's status.
    Appended { size: i64, status: JobStatus },
    /// 416: the patch does not start at the end of the `size` bytes stored.
    Elsewhere { size: i64 },
}

/// What `PUT /jobs/:id` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerUpdate {
    Refused(JobRefusal),
    /// 200 with the job's status now (`running` for a keep-alive).
    Applied(JobStatus),
    /// A `state` other than running, success or failed (400, `"400"`).
    UnknownState,
}

/// `Ci::RegisterJobService#execute`: the first build in the runner's queue that is still
/// pending once it is locked is started for the runner.
pub fn request_job(
    tx: &mut impl Queries,
    token: &str,
    now: DateTime<Utc>,
) -> Result<JobRequest, StoreError> {
    let Some(runner) = tx.runner_by_token(token)? else {
        return Ok(JobRequest::UnknownRunner);
    };
    if !runner.scope.active {
        return Ok(JobRequest::NoJob {
            queue_value: queue_value(runner.scope.id, &[]),
        });
    }
    let queue = queue_for(tx, &runner)?;
    let ids: Vec<Id> = queue.iter().map(|(job, _)| job.id).collect();
    for (depth, (candidate, running)) in queue.iter().enumerate() {
        tx.lock_job(candidate.project_id, candidate.id)?;
        let Some(job) = hydrate::job_in_project(tx, candidate.project_id, candidate.id)? else {
            continue;
        };
        if job.status != JobStatus::Pending {
            // Another runner took it first.
            continue;
        }
        let started = rules::start(&job, runner.scope.id, new_job_token()?, now);
        tx.update_job(&started)?;
        process_pipeline(tx, job.pipeline_id, None, now)?;
        let script = tx.job_script(job.id)?.unwrap_or_else(|| JobScript {
            script: JobScript::default_for(&job.stage, &job.name),
            ..JobScript::default()
        });
        return Ok(JobRequest::Started(Box::new(StartedJob {
            details: reload(tx, job.id)?,
            runner,
            script,
            queue_size: ids.len() as i64,
            queue_depth: depth as i64,
            running_on_instance_runners: *running,
        })));
    }
    Ok(JobRequest::NoJob {
        queue_value: queue_value(runner.scope.id, &ids),
    })
}

/// The read-only part of [`request_job`]: its answer when that needs no change (an unknown
/// or paused runner, nothing in the runner's queue), else `None`. Idle runners poll every
/// few seconds; answering them from a read leaves the data version, and so the caches, alone.
pub fn answer_without_change(
    tx: &mut impl Queries,
    token: &str,
) -> Result<Option<JobRequest>, StoreError> {
    let Some(runner) = tx.runner_by_token(token)? else {
        return Ok(Some(JobRequest::UnknownRunner));
    };
    if !runner.scope.active || queue_for(tx, &runner)?.is_empty() {
        return Ok(Some(JobRequest::NoJob {
            queue_value: queue_value(runner.scope.id, &[]),
        }));
    }
    Ok(None)
}

/// The pending builds the runner may take, in the order it takes them, each with its
/// project's count of builds running on instance runners.
fn queue_for(
    tx: &mut impl Queries,
    runner: &RegisteredRunner,
) -> Result<Vec<(Job, i64)>, StoreError> {
    let scope = &runner.scope;
    let mut ids = Vec::new();
    if scope.runner_type == "project_type" {
        for project_id in &scope.project_ids {
            ids.extend(tx.pending_build_ids(Some(*project_id), QUEUE_WINDOW)?);
        }
        ids.sort_unstable();
    } else {
        ids = tx.pending_build_ids(None, QUEUE_WINDOW)?;
    }
    let running: HashMap<Id, i64> = if scope.is_instance() {
        tx.running_on_instance_runners()?.into_iter().collect()
    } else {
        HashMap::new()
    };
    let mut groups: HashMap<Id, Vec<Id>> = HashMap::new();
    let mut queue = Vec::new();
    for job in hydrate::jobs_by_ids(tx, &ids)? {
        let project_groups = if scope.runner_type == "group_type" {
            match groups.entry(job.project_id) {
                Entry::Occupied(known) => known.get().clone(),
                Entry::Vacant(slot) => {
                    let project = tx.project(ProjectKey::Id(job.project_id))?;
                    slot.insert(project.map(|project| project.group_ids).unwrap_or_default())
                        .clone()
                }
            }
        } else {
            Vec::new()
        };
        if rules::can_take(scope, &job, &project_groups) {
            let count = running.get(&job.project_id).copied().unwrap_or(0);
            queue.push((job, count));
        }
    }
    queue.sort_by_key(|(job, count)| rules::queue_key(scope, job, *count));
    Ok(queue)
}

/// The runner's queue marker (`X-GitLab-Last-Update`): it changes when the builds the runner
/// may take change, as GitLab's `ensure_runner_queue_value` is ticked when builds are queued.
fn queue_value(runner_id: Id, ids: &[Id]) -> String {
    let mut digest = Md5::new();
    digest.update(runner_id.to_string().as_bytes());
    for id in ids {
        digest.update(b",");
        digest.update(id.to_string().as_bytes());
    }
    digest
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A fresh CI job token in GitLab's form (`glcbt-` prefix, `Ci::Build::TOKEN_PREFIX`, then
/// the partition and a random part), from the operating system's generator.
fn new_job_token() -> Result<String, StoreError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bytes = [0u8; 20];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|error| StoreError::Database(format!("no randomness for a job token: {error}")))?;
    let random: String = bytes
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(byte & 63)]))
        .collect();
    Ok(format!("glcbt-64_{random}"))
}

/// The job for a job-token call, locked and authenticated (`authenticate_job!`).
fn authenticated_job(
    tx: &mut impl Queries,
    job_id: Id,
    token: &str,
) -> Result<Result<Job, JobRefusal>, StoreError> {
    let Some(job) = hydrate::job_by_id(tx, job_id)? else {
        return Ok(Err(JobRefusal::Forbidden));
    };
    tx.lock_job(job.project_id, job.id)?;
    let job = hydrate::job_by_id(tx, job_id)?;
    Ok(rules::authenticate_job(job.as_ref(), token).cloned())
}

/// `Ci::AppendBuildTraceService#execute`: `start` is the `Content-Range` start (`None`
/// without the header), `patch` the body. A log over the size limit fails the job.
pub fn append_trace(
    tx: &mut impl Queries,
    job_id: Id,
    token: &str,
    start: Option<i64>,
    patch: &str,
    now: DateTime<Utc>,
) -> Result<TraceAppend, StoreError> {
    let job = match authenticated_job(tx, job_id, token)? {
        Ok(job) => job,
        Err(refusal) => return Ok(TraceAppend::Refused(refusal)),
    };
    let Some(start) = start else {
        return Ok(TraceAppend::MissingContentRange);
    };
    let size = tx
        .trace_sizes(&[job_id])?
        .first()
        .map_or(0, |(_, size)| *size);
    let patch_len = i64::try_from(patch.len()).unwrap_or(i64::MAX);
    match rules::append(size, start, patch_len) {
        Append::Appended { size } => {
            if !patch.is_empty() {
                tx.append_trace(job_id, patch)?;
            }
            Ok(TraceAppend::Appended {
                size,
                status: job.status,
            })
        }
        Append::Elsewhere { size } => Ok(TraceAppend::Elsewhere { size }),
        Append::TooLarge => {
            tx.update_job(&rules::drop_job(&job, "trace_size_exceeded", now))?;
            process_pipeline(tx, job.pipeline_id, None, now)?;
            Ok(TraceAppend::Refused(JobRefusal::Forbidden))
        }
    }
}

/// `Ci::UpdateBuildStateService`: a keep-alive, or the job finishes and its pipeline moves on.
pub fn update_job_state(
    tx: &mut impl Queries,
    job_id: Id,
    token: &str,
    state: Option<&str>,
    failure_reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<RunnerUpdate, StoreError> {
    let job = match authenticated_job(tx, job_id, token)? {
        Ok(job) => job,
        Err(refusal) => return Ok(RunnerUpdate::Refused(refusal)),
    };
    match rules::update_state(&job, state, failure_reason, now) {
        StateUpdate::KeepAlive => Ok(RunnerUpdate::Applied(job.status)),
        StateUpdate::Unknown => Ok(RunnerUpdate::UnknownState),
        StateUpdate::Finished(finished) => {
            tx.update_job(&finished)?;
            process_pipeline(tx, job.pipeline_id, None, now)?;
            Ok(RunnerUpdate::Applied(finished.status))
        }
    }
}

/// For `apply_retry`: the new try runs the same script.
pub fn copy_script(tx: &mut impl Queries, from: Id, to: Id) -> Result<(), StoreError> {
    if let Some(script) = tx.job_script(from)? {
        tx.insert_job_script(to, &script)?;
    }
    Ok(())
}

/// A new pipeline of `jobs` (each with its script), processed as GitLab processes a created
/// pipeline (`Ci::PipelineProcessing::AtomicProcessingService`): the first stage's jobs become
/// pending and the pipeline's status follows. Returns the pipeline's id.
pub fn create_pipeline(
    tx: &mut impl Queries,
    pipeline: &Pipeline,
    jobs: &[(Job, JobScript)],
    now: DateTime<Utc>,
) -> Result<Id, StoreError> {
    let pipeline_id = tx.insert_pipeline(pipeline)?;
    for (job, script) in jobs {
        let job = Job {
            id: 0,
            pipeline_id,
            project_id: pipeline.project_id,
            ..job.clone()
        };
        let job_id = tx.insert_job(&job)?;
        tx.insert_job_script(job_id, script)?;
    }
    process_pipeline(tx, pipeline_id, None, now)?;
    Ok(pipeline_id)
}

/// Deletes the finished pipelines of `source` in the project beyond the newest `keep` ones;
/// returns how many went. Unfinished pipelines stay (a runner may be running their jobs).
pub fn prune_pipelines(
    tx: &mut impl Queries,
    project_id: Id,
    source: &str,
    keep: usize,
) -> Result<usize, StoreError> {
    let pipelines = tx.pipelines_by_source(project_id, source)?;
    let mut pruned = 0;
    for (pipeline_id, status) in pipelines.into_iter().skip(keep) {
        if status.is_completed() {
            tx.delete_pipeline(pipeline_id)?;
            pruned += 1;
        }
    }
    Ok(pruned)
}
