//! The runner operations' outcomes into their response variants: the 403s of
//! `authenticate_job!` carry `Job-Status` when the job is not running (`job_forbidden!`,
//! lib/api/ci/helpers/runner.rb), which a plain `ApiError` does not, so they are built here.

use gitlab_jobs_server::types::{RunnerStatusCode, RunnerUpdateError};
use gitlab_jobs_server::*;

use crate::rules::runner::JobRefusal;
use crate::service::RunnerJobAnswer;
use crate::service::error_bodies::ApiError;
use crate::store::{RunnerUpdate, TraceAppend};

/// `Gitlab::Ci::Trace#update_interval` when nobody watches the log in the web UI
/// (`UPDATE_FREQUENCY_DEFAULT`, lib/gitlab/ci/trace.rb).
const TRACE_UPDATE_INTERVAL: &str = "60";

fn refusal_body(refusal: JobRefusal) -> types::Error {
    *ApiError::forbidden(refusal.reason()).body
}

fn refusal_status(refusal: JobRefusal) -> Option<String> {
    refusal
        .job_status()
        .map(|status| status.as_str().to_owned())
}

pub fn request(answer: RunnerJobAnswer) -> RequestRunnerJobResponse {
    match answer {
        RunnerJobAnswer::Started(job) => RequestRunnerJobResponse::Created((*job).into()),
        RunnerJobAnswer::NoJob { queue_value } => RequestRunnerJobResponse::NoContent {
            headers: RequestRunnerJobNoContentHeaders {
                x_git_lab_last_update: queue_value,
            },
        },
    }
}

pub fn update(outcome: RunnerUpdate) -> UpdateRunnerJobResponse {
    match outcome {
        RunnerUpdate::Applied(status) => UpdateRunnerJobResponse::Ok {
            body: RunnerStatusCode("200".to_owned()).into(),
            headers: UpdateRunnerJobOkHeaders {
                job_status: Some(status.as_str().to_owned()),
            },
        },
        // `UpdateBuildStateService` answers `Result.new(status: 400)`, sent as `"400"`.
        RunnerUpdate::UnknownState => UpdateRunnerJobResponse::BadRequest(
            RunnerUpdateError::RunnerStatusCode(RunnerStatusCode("400".to_owned())),
        ),
        RunnerUpdate::Refused(refusal) => UpdateRunnerJobResponse::Forbidden {
            body: RunnerUpdateError::Error(refusal_body(refusal)),
            headers: UpdateRunnerJobForbiddenHeaders {
                job_status: refusal_status(refusal),
            },
        },
    }
}

pub fn append(outcome: TraceAppend) -> AppendRunnerJobTraceResponse {
    match outcome {
        TraceAppend::Appended { size, status } => AppendRunnerJobTraceResponse::Accepted {
            body: RunnerStatusCode(TRACE_UPDATE_INTERVAL.to_owned()).into(),
            headers: AppendRunnerJobTraceAcceptedHeaders {
                job_status: Some(status.as_str().to_owned()),
                range: format!("0-{size}"),
                x_git_lab_trace_update_interval: TRACE_UPDATE_INTERVAL.to_owned(),
            },
        },
        TraceAppend::Elsewhere { size } => AppendRunnerJobTraceResponse::RangeNotSatisfiable {
            body: *ApiError::message(416, "416 Range Not Satisfiable").body,
            headers: AppendRunnerJobTraceRangeNotSatisfiableHeaders {
                range: format!("0-{size}"),
            },
        },
        TraceAppend::MissingContentRange => AppendRunnerJobTraceResponse::BadRequest(
            *ApiError::message(400, "400 Missing header Content-Range").body,
        ),
        TraceAppend::Refused(refusal) => AppendRunnerJobTraceResponse::Forbidden {
            body: refusal_body(refusal),
            headers: AppendRunnerJobTraceForbiddenHeaders {
                job_status: refusal_status(refusal),
            },
        },
    }
}
