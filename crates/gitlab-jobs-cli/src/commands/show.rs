//! `gitlab-jobs show JOB`: one job's fields, human-readable.

use std::process::ExitCode;

use chrono::Utc;
use clap::Args;
use gitlab_jobs_client::types::Job;

use crate::cli::GlobalArgs;
use crate::error::CliError;
use crate::output;

/// Show one job: status, stage, pipeline, commit, times, runner, artifacts and URL.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  gitlab-jobs --project group/project show 4211\n  \
                        gitlab-jobs --project group/project --json show 4211 | jq .status"
)]
pub struct ShowArgs {
    /// The job's id
    pub job: i64,
}

pub async fn run(global: &GlobalArgs, args: ShowArgs) -> Result<ExitCode, CliError> {
    let connection = global.connect()?;
    let project = connection.project()?;
    let answer = connection
        .client
        .get_job()
        .id(project)
        .job_id(args.job)
        .send()
        .await;
    let job = connection.answered(answer, args.job).await?;
    output::print(connection.json, &job, || describe(&job).join("\n"))
}

/// The lines `show` prints for `job`: a heading, then one aligned `key  value` line per field
/// that has a value.
pub fn describe(job: &Job) -> Vec<String> {
    let now = Utc::now();
    let mut status = output::paint(output::status_style(&job.status), &job.status.to_string());
    if let Some(reason) = &job.failure_reason {
        status.push_str(&format!(" ({reason})"));
    }
    if job.allow_failure == Some(true) {
        status.push_str(" [allowed to fail]");
    }
    let mut fields: Vec<(&str, String)> = vec![("status", status), ("stage", job.stage.clone())];
    let kind = if job.tag { "tag" } else { "branch" };
    fields.push(("ref", format!("{} ({kind})", job.ref_)));
    let pipeline = &job.pipeline;
    fields.push((
        "pipeline",
        format!(
            "#{} {} ({})",
            pipeline.id,
            pipeline.status,
            short_sha(&pipeline.sha)
        ),
    ));
    if let Some(commit) = &job.commit {
        fields.push((
            "commit",
            format!(
                "{} {} ({})",
                commit.short_id, commit.title, commit.author_name
            ),
        ));
    }
    if let Some(user) = &job.user {
        fields.push(("user", format!("{} ({})", user.username, user.name)));
    }
    fields.push(("created", output::time(job.created_at, now)));
    if let Some(at) = job.started_at {
        fields.push(("started", output::time(at, now)));
    }
    if let Some(at) = job.finished_at {
        fields.push(("finished", output::time(at, now)));
    }
    if job.duration.is_some() {
        fields.push(("duration", output::duration(job.duration)));
    }
    if job.queued_duration.is_some() {
        fields.push(("queued", output::duration(job.queued_duration)));
    }
    if let Some(runner) = &job.runner {
        let name = runner
            .description
            .clone()
            .or_else(|| runner.name.clone())
            .unwrap_or_default();
        fields.push((
            "runner",
            format!("#{} {name}", runner.id).trim_end().to_string(),
        ));
    }
    if !job.tag_list.is_empty() {
        fields.push(("tags", job.tag_list.join(", ")));
    }
    if let Some(coverage) = job.coverage {
        fields.push(("coverage", format!("{coverage}%")));
    }
    for artifact in &job.artifacts {
        fields.push((
            "artifact",
            format!(
                "{} ({}, {} bytes)",
                artifact.filename, artifact.file_type, artifact.size
            ),
        ));
    }
    if let Some(at) = job.artifacts_expire_at {
        fields.push(("expire", output::time(at, now)));
    }
    if let Some(at) = job.erased_at {
        fields.push(("erased", output::time(at, now)));
    }
    if let Some(url) = &job.web_url {
        fields.push(("url", url.clone()));
    }
    let width = fields.iter().map(|(key, _)| key.len()).max().unwrap_or(0);
    let mut lines = vec![output::bold(&format!("Job {} {}", job.id, job.name))];
    lines.extend(
        fields
            .into_iter()
            .map(|(key, value)| format!("  {key:<width$}  {value}")),
    );
    lines
}

/// The first 8 characters of a commit sha, as GitLab shows it.
fn short_sha(sha: &str) -> &str {
    sha.get(..8).unwrap_or(sha)
}
