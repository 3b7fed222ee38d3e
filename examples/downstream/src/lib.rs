//! A downstream crate's use of `gitlab-jobs-client`: a report of a project's failed jobs, each
//! with GitLab's failure reason and the last line of its log, the way a CI dashboard or a chat
//! bot would build one.

use futures::TryStreamExt;
use gitlab_jobs_client::types::{self, JobStatus};
use gitlab_jobs_client::{Client, Error, ProjectId};

/// One failed job of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub job_id: i64,
    pub name: String,
    /// GitLab's `failure_reason`, as it spells it (`script_failure`, …).
    pub reason: String,
    /// The last non-empty line of the job's log, if it has one.
    pub last_log_line: Option<String>,
}

/// Every failed job of `project`, newest first, across all pages of the list.
pub async fn failures(
    client: &Client,
    project: &ProjectId,
) -> Result<Vec<Failure>, Error<types::Error>> {
    let jobs: Vec<_> = client
        .items(
            client
                .list_project_jobs()
                .id(project)
                .scope(vec![JobStatus::Failed]),
        )
        .try_collect()
        .await?;
    let mut report = Vec::with_capacity(jobs.len());
    for job in jobs {
        let log = client.job_trace(project, job.id).await?;
        report.push(Failure {
            job_id: job.id,
            reason: job.failure_reason.map_or_else(
                || "unknown_failure".to_string(),
                |reason| reason.to_string(),
            ),
            name: job.name,
            last_log_line: log
                .lines()
                .rev()
                .find(|line| !line.trim().is_empty())
                .map(str::to_string),
        });
    }
    Ok(report)
}
