//! The commands that change a job: `retry`, `cancel`, `play` and `erase`. Each prints the
//! job GitLab answers with (one line, or its JSON with `--json`).

use std::process::ExitCode;

use clap::Args;
use gitlab_jobs_client::types::{
    JobOrBridge, JobStatus, JobVariableAttribute, JobVariableAttributeVariableType, PlayJobRequest,
    RetryJobRequest,
};

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

/// Retry a finished job: GitLab creates a new job (its id is printed) in the same pipeline.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  gitlab-jobs --project group/project retry 4211\n  \
                        gitlab-jobs --project group/project retry 4211 --input replicas=3"
)]
pub struct RetryArgs {
    /// The job's id
    pub job: i64,

    /// A value of one of the job's CI inputs for the new job, NAME=VALUE (repeatable; newest
    /// GitLab). GitLab reads the text as the input's type (`3`, `true`, `["a"]`).
    #[arg(long = "input", value_name = "NAME=VALUE", value_parser = parse_variable)]
    pub inputs: Vec<(String, String)>,
}

/// Cancel a pending or running job. --force ends a job stuck in `canceling`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  gitlab-jobs --project group/project cancel 4211\n  \
                        gitlab-jobs --project group/project cancel 4211 --force"
)]
pub struct CancelArgs {
    /// The job's id
    pub job: i64,

    /// Force the end of a job that is `canceling` (GitLab 17.10 and later; Maintainer)
    #[arg(long)]
    pub force: bool,
}

/// Start a manual job (or run a finished one again), optionally with variables.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  \
    gitlab-jobs --project group/project play 4212 --var DEPLOY_ENV=staging --var DRY_RUN=1")]
pub struct PlayArgs {
    /// The job's id
    pub job: i64,

    /// A variable for this run, KEY=VALUE (repeatable)
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_variable)]
    pub variables: Vec<(String, String)>,

    /// A value of one of the job's CI inputs for this run, NAME=VALUE (repeatable; newest
    /// GitLab). GitLab reads the text as the input's type (`3`, `true`, `["a"]`).
    #[arg(long = "input", value_name = "NAME=VALUE", value_parser = parse_variable)]
    pub inputs: Vec<(String, String)>,
}

/// Erase a finished job's log and artifacts (the job itself stays).
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  gitlab-jobs --project group/project erase 4211")]
pub struct EraseArgs {
    /// The job's id
    pub job: i64,
}

/// `--input` values as the `job_inputs` object: each value as text, which GitLab coerces to the
/// input's type (`coerced_value`, lib/ci/inputs/base_input.rb).
fn job_inputs(inputs: &[(String, String)]) -> serde_json::Map<String, serde_json::Value> {
    inputs
        .iter()
        .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
        .collect()
}

fn parse_variable(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err("write it as KEY=VALUE, such as DEPLOY_ENV=staging".into()),
    }
}

pub async fn retry(global: &GlobalArgs, args: RetryArgs) -> Result<ExitCode, CliError> {
    let connection = global.connect()?;
    let project = connection.project()?;
    let mut request = connection.client.retry_job().id(project).job_id(args.job);
    if !args.inputs.is_empty() {
        request = request.body(RetryJobRequest {
            job_inputs: job_inputs(&args.inputs),
            ..RetryJobRequest::default()
        });
    }
    let answer = request.send().await;
    // GitLab presents the new job as `Entities::Ci::Job`, bridges included.
    let job = connection.answered(answer, args.job).await?;
    let url = job.web_url.clone().unwrap_or_default();
    output::print(connection.json, &job, || {
        format!(
            "Retried job {} as job {} ({}) {url}",
            args.job,
            job.id,
            painted(&job.status)
        )
    })
}

pub async fn cancel(global: &GlobalArgs, args: CancelArgs) -> Result<ExitCode, CliError> {
    let connection = global.connect()?;
    let project = connection.project()?;
    let mut request = connection.client.cancel_job().id(project).job_id(args.job);
    if args.force {
        request = request.force(true);
    }
    let job = connection.answered(request.send().await, args.job).await?;
    output::print(connection.json, &job, || {
        format!("Job {} is {}", job.id, painted(&job.status))
    })
}

pub async fn play(global: &GlobalArgs, args: PlayArgs) -> Result<ExitCode, CliError> {
    let connection = global.connect()?;
    let project = connection.project()?;
    let mut request = connection.client.play_job().id(project).job_id(args.job);
    if !args.variables.is_empty() || !args.inputs.is_empty() {
        let job_variables_attributes = args
            .variables
            .iter()
            .map(|(key, value)| JobVariableAttribute {
                key: key.clone(),
                value: value.clone(),
                variable_type: JobVariableAttributeVariableType::EnvVar,
            })
            .collect();
        request = request.body(PlayJobRequest {
            job_variables_attributes,
            job_inputs: job_inputs(&args.inputs),
        });
    }
    let job = connection.answered(request.send().await, args.job).await?;
    let (id, status, url) = summary(&job);
    output::print(connection.json, &job, || {
        format!("Job {id} is {status} {url}")
    })
}

pub async fn erase(global: &GlobalArgs, args: EraseArgs) -> Result<ExitCode, CliError> {
    let connection = global.connect()?;
    let project = connection.project()?;
    let answer = connection
        .client
        .erase_job()
        .id(project)
        .job_id(args.job)
        .send()
        .await;
    let job = connection.answered(answer, args.job).await?;
    output::print(connection.json, &job, || {
        format!(
            "Erased the log and artifacts of job {} ({})",
            job.id,
            painted(&job.status)
        )
    })
}

/// The id, coloured status and web URL of a job or bridge.
fn summary(job: &JobOrBridge) -> (i64, String, String) {
    match job {
        JobOrBridge::Job(job) => (
            job.id,
            painted(&job.status),
            job.web_url.clone().unwrap_or_default(),
        ),
        JobOrBridge::Bridge(bridge) => (bridge.id, painted(&bridge.status), bridge.web_url.clone()),
    }
}

fn painted(status: &JobStatus) -> String {
    output::paint(output::status_style(status), &status.to_string())
}
