//! The runner endpoints of `lib/api/ci/runner.rb` (`POST /jobs/request`, `PUT /jobs/:id`,
//! `PATCH /jobs/:id/trace`). Runners authenticate with their own token or the job's token,
//! never with a user's credentials; what they may do is `crate::rules::runner`.

use gitlab_jobs_types as types;

use super::JobsService;
use crate::model::Id;
use crate::rules::runner::content_range_start;
use crate::service::error_bodies::ApiError;
use crate::store::{JobRequest, RunnerUpdate, TraceAppend};

/// The answer to a runner asking for a job.
#[derive(Debug, Clone, PartialEq)]
pub enum RunnerJobAnswer {
    /// 201: the job payload.
    Started(Box<types::RunnerJob>),
    /// 204 with `X-GitLab-Last-Update`.
    NoJob { queue_value: String },
}

impl JobsService {
    /// POST /jobs/request: an unknown runner token → `403 Forbidden` (`authenticate_runner!`).
    pub fn request_runner_job(&self, token: &str) -> Result<RunnerJobAnswer, ApiError> {
        match self.store().request_runner_job(token, self.now())? {
            JobRequest::UnknownRunner => Err(ApiError::forbidden(None)),
            JobRequest::NoJob { queue_value } => Ok(RunnerJobAnswer::NoJob { queue_value }),
            JobRequest::Started(started) => Ok(RunnerJobAnswer::Started(Box::new(
                self.presenter().runner_job(&started),
            ))),
        }
    }

    /// PATCH /jobs/:id/trace with the job token (`token` parameter or `JOB-TOKEN` header) and
    /// `Content-Range`. The log is text: bytes that are not UTF-8 are stored as U+FFFD, and
    /// the answered `Range` is the stored size.
    pub fn append_runner_job_trace(
        &self,
        job_id: Id,
        token: Option<&str>,
        content_range: Option<&str>,
        patch: &[u8],
    ) -> Result<TraceAppend, ApiError> {
        let patch = String::from_utf8_lossy(patch);
        Ok(self.store().append_runner_trace(
            job_id,
            token.unwrap_or_default(),
            content_range.map(content_range_start),
            &patch,
            self.now(),
        )?)
    }

    /// PUT /jobs/:id with the job token and the runner's `state`.
    pub fn update_runner_job(
        &self,
        job_id: Id,
        update: &types::RunnerJobUpdate,
    ) -> Result<RunnerUpdate, ApiError> {
        Ok(self.store().update_runner_job(
            job_id,
            &update.token,
            update.state.as_deref(),
            update.failure_reason.as_deref(),
            self.now(),
        )?)
    }
}
