//! Simulated runners (`serve --simulate-runners N`, [`TestServer`](crate::TestServer)'s
//! builder): N built-in runners that take pending builds, write a realistic log over a few
//! seconds and finish each with the outcome its fixture asks for (`simulation`, default
//! success); on the demo data, new pipelines keep arriving (`feed`).
//!
//! The runners call the runner operations in-process, through [`JobsService`]'s methods
//! (`request_runner_job`, `append_runner_job_trace`, `update_runner_job`): the very use
//! cases and checks the HTTP adapter calls, minus the loopback HTTP. So they work the same
//! on every store and instance, need no port or credentials of their own, and are not hit by
//! `--fault` rules, which are there for the clients under test, not for the server's own
//! runners. A test that needs each step under its control drives a runner itself
//! ([`TestServer::runner`](crate::TestServer::runner)).

mod feed;
mod log;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::model::{Runner, SimulatedOutcome, SimulatedState};
use crate::rules::runner::RunnerScope;
use crate::service::{JobsService, RunnerJobAnswer};
use crate::store::{Record, RegisteredRunner, RunnerUpdate, TraceAppend};

pub use feed::{FEED_PROJECT, FEED_SOURCE, KEEP_FINISHED, MAX_UNFINISHED};

/// The simulated runners' ids start after this (fixtures' runners keep theirs).
const FIRST_RUNNER_ID: i64 = 900_000;
/// How long a job takes when its fixture does not say.
const DEFAULT_JOB_SECONDS: f64 = 4.0;

/// How many runners, and how fast time goes for them.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationOptions {
    pub runners: usize,
    /// Multiplies every wait: 1.0 is real time (a job takes its `duration_seconds`), 0.01
    /// makes a four-second job take 40 ms.
    pub time_scale: f64,
    /// A runner with nothing to do asks again after this long (before scaling).
    pub poll_interval: Duration,
    /// On the demo data, a new pipeline arrives this often (before scaling).
    pub pipeline_interval: Duration,
}

impl SimulationOptions {
    pub fn new(runners: usize) -> SimulationOptions {
        SimulationOptions {
            runners,
            time_scale: 1.0,
            poll_interval: Duration::from_secs(1),
            pipeline_interval: Duration::from_secs(5),
        }
    }

    fn scaled(&self, duration: Duration) -> Duration {
        duration.mul_f64(self.time_scale.max(0.0))
    }
}

/// The running simulation; dropping it stops the runners and the feed.
pub struct Simulation {
    tasks: Vec<JoinHandle<()>>,
    runners: usize,
    feeding: bool,
}

impl Simulation {
    /// How many simulated runners run.
    pub fn runners(&self) -> usize {
        self.runners
    }

    /// Whether new pipelines arrive (the database holds the demo's `acme/backend`).
    pub fn feeding(&self) -> bool {
        self.feeding
    }
}

impl Drop for Simulation {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The token of simulated runner `index` (1-based).
pub fn runner_token(index: usize) -> String {
    format!("glrt-simulated-runner-{index}")
}

/// Registers the runners (instance runners with the tags `docker` and `linux`, taking
/// untagged builds too) and starts them, and the feed of new pipelines when the database
/// holds the demo data. Runs on the caller's Tokio runtime.
pub async fn start(service: JobsService, options: SimulationOptions) -> anyhow::Result<Simulation> {
    let service = Arc::new(service);
    let registered: Vec<Record> = (1..=options.runners)
        .map(|index| Record::RegisteredRunner(Box::new(registration(index))))
        .collect();
    let feeds = {
        let service = Arc::clone(&service);
        tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
            service.store().import(&mut registered.into_iter())?;
            Ok(feed::has_demo_project(service.store())?)
        })
        .await??
    };
    let mut tasks = Vec::new();
    for index in 1..=options.runners {
        let service = Arc::clone(&service);
        let options = options.clone();
        tasks.push(tokio::spawn(async move {
            run_runner(service, index, options).await;
        }));
    }
    if feeds && options.runners > 0 {
        let service = Arc::clone(&service);
        let options = options.clone();
        tasks.push(tokio::spawn(async move {
            feed::run(service, options).await;
        }));
    }
    Ok(Simulation {
        tasks,
        runners: options.runners,
        feeding: feeds && options.runners > 0,
    })
}

fn registration(index: usize) -> RegisteredRunner {
    let id = FIRST_RUNNER_ID + index as i64;
    let name = format!("simulated-runner-{index}");
    RegisteredRunner {
        runner: Runner {
            id,
            description: Some(name.clone()),
            ip_address: None,
            active: true,
            paused: false,
            is_shared: true,
            runner_type: "instance_type".to_owned(),
            name: Some("gitlab-runner".to_owned()),
            online: Some(true),
            status: Some("online".to_owned()),
            created_at: None,
            created_by: None,
            job_execution_status: None,
        },
        token: runner_token(index),
        scope: RunnerScope {
            id,
            runner_type: "instance_type".to_owned(),
            active: true,
            tags: BTreeSet::from(["docker".to_owned(), "linux".to_owned()]),
            run_untagged: true,
            project_ids: BTreeSet::new(),
            group_ids: BTreeSet::new(),
        },
    }
}

/// Runs `work` on the blocking pool (the store is synchronous).
async fn blocking<T: Send + 'static>(
    service: &Arc<JobsService>,
    work: impl FnOnce(&JobsService) -> T + Send + 'static,
) -> Option<T> {
    let service = Arc::clone(service);
    tokio::task::spawn_blocking(move || work(&service))
        .await
        .ok()
}

/// One runner's loop: ask, run what it gets, ask again; wait a poll interval when idle or
/// when the server failed.
async fn run_runner(service: Arc<JobsService>, index: usize, options: SimulationOptions) {
    let token = runner_token(index);
    let name = format!("simulated-runner-{index}");
    loop {
        let asked = {
            let token = token.clone();
            blocking(&service, move |service| service.request_runner_job(&token)).await
        };
        match asked {
            Some(Ok(RunnerJobAnswer::Started(job))) => {
                if let Err(error) = run_job(&service, &name, *job, &options).await {
                    tracing::warn!(runner = %name, %error, "a simulated job ended early");
                }
            }
            Some(Ok(RunnerJobAnswer::NoJob { .. })) => {
                tokio::time::sleep(options.scaled(options.poll_interval)).await;
            }
            Some(Err(error)) => {
                tracing::warn!(runner = %name, %error, "a simulated runner could not ask for a job");
                tokio::time::sleep(options.scaled(options.poll_interval)).await;
            }
            None => return,
        }
    }
}

/// Writes the job's log part by part over its duration, then finishes it. Stops early (as
/// gitlab-runner does) when the server refuses a patch: the job was canceled meanwhile.
async fn run_job(
    service: &Arc<JobsService>,
    name: &str,
    job: gitlab_jobs_types::RunnerJob,
    options: &SimulationOptions,
) -> anyhow::Result<()> {
    let job_id = job.id;
    let outcome = blocking(service, move |service| service.store().job_script(job_id))
        .await
        .transpose()?
        .flatten()
        .map(|script| script.simulation)
        .unwrap_or_default();
    let parts = log::parts(name, &job, &outcome);
    let seconds = outcome
        .duration_seconds
        .unwrap_or(DEFAULT_JOB_SECONDS)
        .max(0.0);
    let pause = options.scaled(Duration::from_secs_f64(seconds / parts.len().max(1) as f64));
    let mut sent = 0usize;
    for part in parts {
        let (token, start, bytes) = (job.token.clone(), sent, part.clone().into_bytes());
        let range = format!("{start}-{}", (start + bytes.len()).saturating_sub(1));
        let appended = blocking(service, move |service| {
            service.append_runner_job_trace(job_id, Some(&token), Some(&range), &bytes)
        })
        .await
        .transpose()?;
        match appended {
            Some(TraceAppend::Appended { .. }) => sent += part.len(),
            Some(other) => anyhow::bail!("job {job_id}: the log patch was answered {other:?}"),
            None => return Ok(()),
        }
        tokio::time::sleep(pause).await;
    }
    finish(service, &job, &outcome).await
}

async fn finish(
    service: &Arc<JobsService>,
    job: &gitlab_jobs_types::RunnerJob,
    outcome: &SimulatedOutcome,
) -> anyhow::Result<()> {
    let update: gitlab_jobs_types::RunnerJobUpdate = serde_json::from_value(match outcome.state {
        SimulatedState::Success => serde_json::json!({
            "token": job.token, "state": "success", "exit_code": 0
        }),
        SimulatedState::Failed => serde_json::json!({
            "token": job.token, "state": "failed",
            "failure_reason": outcome.failure_reason.as_deref().unwrap_or("script_failure"),
            "exit_code": log::exit_code(outcome)
        }),
    })?;
    let job_id = job.id;
    let answer = blocking(service, move |service| {
        service.update_runner_job(job_id, &update)
    })
    .await
    .transpose()?;
    match answer {
        Some(RunnerUpdate::Applied(_)) | None => Ok(()),
        Some(other) => anyhow::bail!("job {job_id}: finishing was answered {other:?}"),
    }
}
