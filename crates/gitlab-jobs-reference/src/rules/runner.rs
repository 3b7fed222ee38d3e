//! The runner side of jobs as pure rules: which pending build a runner may take and in which
//! order, how a job token authenticates a runner's call, how a log patch is appended, and how a
//! runner's final state finishes a job.
//!
//! Sources (gitlabhq/gitlabhq):
//! - `lib/api/ci/helpers/runner.rb` (at 00d1f41) `authenticate_job!`, lines 72-100: no job or
//!   a wrong token → `forbidden!`; an erased job → `forbidden!('Job has been erased!')`; a job
//!   that is not running → `job_forbidden!(job, 'Job is not running')`, which also sends the
//!   job's status in `Job-Status` (lines 131-134).
//! - `app/services/ci/append_build_trace_service.rb`: the patch's start is
//!   `content_range.split('-')[0].to_i`; a log that would pass `ci_jobs_trace_size_limit`
//!   (100 MB by default) drops the job with `trace_size_exceeded` and answers 403;
//!   `Gitlab::Ci::Trace#append` (lib/gitlab/ci/trace.rb) appends only at the current end of the
//!   log, else the service answers 416 with the current size.
//! - `app/services/ci/update_build_state_service.rb` `update_build_state!`: `running` keeps the
//!   job alive, `success` → `success!`, `failed` → `drop_with_exit_code!(failure_reason,
//!   exit_code)` (no reason: `unknown_failure`), anything else → 400.
//! - `app/services/ci/register_job_service.rb` and `app/services/ci/queue/build_queue_service.rb`:
//!   a runner takes pending builds it matches (its projects, or any for an instance runner; the
//!   build's tags among the runner's; untagged builds only with `run_untagged`); project and
//!   group runners take the oldest first, instance runners first the builds of the projects that
//!   run the fewest builds on instance runners (fair scheduling), then the oldest.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Id, Job, JobKind, JobStatus};

/// What decides which builds a runner may take (stored with the runner, as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunnerScope {
    pub id: Id,
    /// `instance_type`, `group_type` or `project_type`.
    pub runner_type: String,
    /// A paused runner takes nothing (`POST /jobs/request` answers 204 at once).
    pub active: bool,
    pub tags: BTreeSet<String>,
    pub run_untagged: bool,
    /// Project runners: the projects they serve. Group runners: their groups.
    pub project_ids: BTreeSet<Id>,
    pub group_ids: BTreeSet<Id>,
}

impl RunnerScope {
    pub fn is_instance(&self) -> bool {
        self.runner_type == "instance_type"
    }
}

/// Whether `runner` may take `job`, a build of a project in the groups `project_group_ids`.
pub fn can_take(runner: &RunnerScope, job: &Job, project_group_ids: &[Id]) -> bool {
    if !runner.active || job.kind != JobKind::Build || job.status != JobStatus::Pending {
        return false;
    }
    let serves_project = match runner.runner_type.as_str() {
        "instance_type" => true,
        "group_type" => project_group_ids
            .iter()
            .any(|group| runner.group_ids.contains(group)),
        _ => runner.project_ids.contains(&job.project_id),
    };
    let tags_match = if job.tag_list.is_empty() {
        runner.run_untagged
    } else {
        job.tag_list.iter().all(|tag| runner.tags.contains(tag))
    };
    serves_project && tags_match
}

/// The order in which a runner considers the builds it may take: the key sorts first what is
/// taken first. `running_on_instance_runners` is the number of builds of the job's project
/// running on instance runners (only instance runners look at it).
pub fn queue_key(runner: &RunnerScope, job: &Job, running_on_instance_runners: i64) -> (i64, Id) {
    if runner.is_instance() {
        (running_on_instance_runners, job.id)
    } else {
        (0, job.id)
    }
}

/// Why a job-token call of a runner is refused (all 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRefusal {
    /// `403 Forbidden`: no such job, or not its token.
    Forbidden,
    /// `403 Forbidden - Job has been erased!`
    Erased,
    /// `403 Forbidden - Job is not running`, with `Job-Status`.
    NotRunning(JobStatus),
}

impl JobRefusal {
    /// The reason GitLab appends to `403 Forbidden`, if any.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            JobRefusal::Forbidden => None,
            JobRefusal::Erased => Some("Job has been erased!"),
            JobRefusal::NotRunning(_) => Some("Job is not running"),
        }
    }

    /// The `Job-Status` header GitLab sends with the refusal.
    pub fn job_status(self) -> Option<JobStatus> {
        match self {
            JobRefusal::NotRunning(status) => Some(status),
            _ => None,
        }
    }
}

/// `authenticate_job!` for the trace and update calls. The job token is compared in full; an
/// empty one never matches.
pub fn authenticate_job<'a>(job: Option<&'a Job>, token: &str) -> Result<&'a Job, JobRefusal> {
    let job = job.ok_or(JobRefusal::Forbidden)?;
    let valid =
        job.kind == JobKind::Build && !token.is_empty() && job.token.as_deref() == Some(token);
    if !valid {
        return Err(JobRefusal::Forbidden);
    }
    if job.erased_at.is_some() {
        return Err(JobRefusal::Erased);
    }
    if job.status != JobStatus::Running {
        return Err(JobRefusal::NotRunning(job.status));
    }
    Ok(job)
}

/// `content_range.split('-')[0].to_i`: the number a `Content-Range` starts with, read as
/// Ruby's `String#to_i` reads it (leading blanks, an optional sign, digits and underscores
/// between digits; anything else ends the number, and no number is 0). Ruby's integers do not
/// overflow; this saturates.
pub fn content_range_start(content_range: &str) -> i64 {
    // `split('-')` drops the separator, so the first part never holds a `-`.
    let first = content_range.split('-').next().unwrap_or("");
    let text = first.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    // A `-` sign cannot occur: `split('-')` took it away.
    let digits = text.strip_prefix('+').unwrap_or(text);
    let mut value: i64 = 0;
    let mut previous_digit = false;
    for byte in digits.bytes() {
        match byte {
            b'0'..=b'9' => {
                value = value
                    .saturating_mul(10)
                    .saturating_add(i64::from(byte - b'0'));
                previous_digit = true;
            }
            b'_' if previous_digit => previous_digit = false,
            _ => break,
        }
    }
    value
}

/// `ci_jobs_trace_size_limit`'s default (`plan_limits`), in megabytes.
pub const TRACE_SIZE_LIMIT_MB: i64 = 100;

/// What appending a patch does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Append {
    /// Appended: the log is now this long (202, `Range: 0-<size>`).
    Appended { size: i64 },
    /// Not where the log ends: nothing appended (416, `Range: 0-<size>` of the stored log).
    Elsewhere { size: i64 },
    /// The log would pass the size limit: the job fails with `trace_size_exceeded` (403).
    TooLarge,
}

/// `Ci::AppendBuildTraceService#execute` for a patch of `patch_len` bytes starting at `start`
/// onto a log of `size` bytes.
pub fn append(size: i64, start: i64, patch_len: i64) -> Append {
    let end = start.saturating_add(patch_len);
    // `project.actual_limits.exceeded?(:ci_jobs_trace_size_limit, size / 1.megabyte)`.
    if end / (1024 * 1024) > TRACE_SIZE_LIMIT_MB {
        return Append::TooLarge;
    }
    if start != size {
        return Append::Elsewhere { size };
    }
    Append::Appended { size: end }
}

/// The `failure_reason` values of `Enums::Ci::CommitStatus.failure_reasons` a runner can
/// report (`Ci::Build#features` sends them to the runner as `failure_reasons`).
pub const RUNNER_FAILURE_REASONS: [&str; 9] = [
    "unknown_failure",
    "script_failure",
    "api_failure",
    "stuck_or_timeout_failure",
    "runner_system_failure",
    "missing_dependency_failure",
    "runner_unsupported",
    "job_execution_timeout",
    "unmet_prerequisites",
];

/// What a runner's `PUT /jobs/:id` does to its running job.
#[derive(Debug, Clone, PartialEq)]
pub enum StateUpdate {
    /// `state=running`: a keep-alive; nothing changes (200).
    KeepAlive,
    /// The job finished (200); the caller stores it and processes the pipeline.
    Finished(Box<Job>),
    /// Any other or no state (400, body `"400"`).
    Unknown,
}

/// `UpdateBuildStateService#update_build_state!` on a running job. Finishing sets
/// `finished_at` (`has_status.rb`); the failure reason of a failed job is the reported one
/// when GitLab knows it, else `unknown_failure` (`Ci::BuildPendingState.failure_reasons.fetch(
/// reason, 'unknown_failure')`), also when none is given (`drop_with_exit_code!` defaults to
/// it).
pub fn update_state(
    job: &Job,
    state: Option<&str>,
    failure_reason: Option<&str>,
    now: DateTime<Utc>,
) -> StateUpdate {
    let finished = |status: JobStatus, reason: Option<String>| {
        let mut job = job.clone();
        job.status = status;
        job.finished_at = Some(now);
        job.failure_reason = reason;
        job.preset.duration = None;
        job.preset.queued_duration = None;
        StateUpdate::Finished(Box::new(job))
    };
    match state {
        Some("running") => StateUpdate::KeepAlive,
        Some("success") => finished(JobStatus::Success, None),
        Some("failed") => {
            let reason = failure_reason
                .filter(|reason| RUNNER_FAILURE_REASONS.contains(reason))
                .unwrap_or("unknown_failure");
            finished(JobStatus::Failed, Some(reason.to_owned()))
        }
        _ => StateUpdate::Unknown,
    }
}

/// A job failed by the server itself while it runs (`build.drop(reason)`), e.g. for a log
/// over the size limit.
pub fn drop_job(job: &Job, reason: &str, now: DateTime<Utc>) -> Job {
    let mut dropped = job.clone();
    dropped.status = JobStatus::Failed;
    dropped.finished_at = Some(now);
    dropped.failure_reason = Some(reason.to_owned());
    dropped.preset.duration = None;
    dropped.preset.queued_duration = None;
    dropped
}

/// The `run` event when a runner takes a pending build: running, `started_at`, the runner
/// assigned and a fresh job token.
pub fn start(job: &Job, runner_id: Id, token: String, now: DateTime<Utc>) -> Job {
    let mut started = job.clone();
    started.status = JobStatus::Running;
    started.started_at = Some(now);
    started.runner_id = Some(runner_id);
    started.token = Some(token);
    started.preset.duration = None;
    started.preset.queued_duration = None;
    started
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{at, build};

    fn pending() -> Job {
        Job {
            status: JobStatus::Pending,
            started_at: None,
            finished_at: None,
            runner_id: None,
            token: None,
            ..build(JobStatus::Pending)
        }
    }

    fn runner(kind: &str) -> RunnerScope {
        RunnerScope {
            id: 1,
            runner_type: kind.into(),
            active: true,
            tags: ["docker".to_owned(), "linux".to_owned()].into(),
            run_untagged: true,
            project_ids: BTreeSet::new(),
            group_ids: BTreeSet::new(),
        }
    }

    #[test]
    fn instance_runners_take_pending_builds_of_every_project_with_matching_tags() {
        let job = pending();
        assert!(can_take(&runner("instance_type"), &job, &[]));
        let tagged_elsewhere = Job {
            tag_list: vec!["gpu".into()],
            ..pending()
        };
        assert!(!can_take(&runner("instance_type"), &tagged_elsewhere, &[]));
        let untagged = Job {
            tag_list: vec![],
            ..pending()
        };
        let mut strict = runner("instance_type");
        strict.run_untagged = false;
        assert!(!can_take(&strict, &untagged, &[]));
        assert!(can_take(&runner("instance_type"), &untagged, &[]));
        let mut paused = runner("instance_type");
        paused.active = false;
        assert!(!can_take(&paused, &job, &[]));
    }

    #[test]
    fn only_pending_builds_are_taken() {
        for status in JobStatus::ALL {
            let job = Job {
                status,
                ..pending()
            };
            assert_eq!(
                can_take(&runner("instance_type"), &job, &[]),
                status == JobStatus::Pending,
                "{status}"
            );
        }
        let bridge = Job {
            kind: JobKind::Bridge,
            ..pending()
        };
        assert!(!can_take(&runner("instance_type"), &bridge, &[]));
    }

    #[test]
    fn project_and_group_runners_serve_their_own() {
        let job = pending();
        let mut project = runner("project_type");
        assert!(!can_take(&project, &job, &[]));
        project.project_ids.insert(job.project_id);
        assert!(can_take(&project, &job, &[]));
        let mut group = runner("group_type");
        group.group_ids.insert(9);
        assert!(!can_take(&group, &job, &[8]));
        assert!(can_take(&group, &job, &[8, 9]));
    }

    #[test]
    fn instance_runners_share_fairly_and_others_take_the_oldest() {
        let old = Job { id: 1, ..pending() };
        let new = Job { id: 2, ..pending() };
        let instance = runner("instance_type");
        assert!(queue_key(&instance, &new, 0) < queue_key(&instance, &old, 3));
        assert!(queue_key(&instance, &old, 0) < queue_key(&instance, &new, 0));
        let project = runner("project_type");
        assert!(queue_key(&project, &old, 3) < queue_key(&project, &new, 0));
    }

    #[test]
    fn job_tokens_authenticate_running_builds_only() {
        let running = Job {
            status: JobStatus::Running,
            finished_at: None,
            ..build(JobStatus::Running)
        };
        assert_eq!(authenticate_job(Some(&running), "job-token"), Ok(&running));
        assert_eq!(
            authenticate_job(Some(&running), "other"),
            Err(JobRefusal::Forbidden)
        );
        assert_eq!(
            authenticate_job(None, "job-token"),
            Err(JobRefusal::Forbidden)
        );
        let no_token = Job {
            token: None,
            ..running.clone()
        };
        assert_eq!(
            authenticate_job(Some(&no_token), ""),
            Err(JobRefusal::Forbidden)
        );
        let finished = build(JobStatus::Success);
        let refusal = authenticate_job(Some(&finished), "job-token").unwrap_err();
        assert_eq!(refusal, JobRefusal::NotRunning(JobStatus::Success));
        assert_eq!(refusal.reason(), Some("Job is not running"));
        assert_eq!(refusal.job_status(), Some(JobStatus::Success));
        let erased = Job {
            erased_at: Some(at(80)),
            ..build(JobStatus::Success)
        };
        assert_eq!(
            authenticate_job(Some(&erased), "job-token"),
            Err(JobRefusal::Erased)
        );
    }

    #[test]
    fn content_range_starts_are_read_as_ruby_reads_them() {
        for (header, start) in [
            ("0-41", 0),
            ("11-20", 11),
            ("28-32/5", 28),
            ("  7-9", 7),
            ("+5-6", 5),
            ("1_000-2000", 1000),
            ("1__0-1", 1),
            ("bytes 0-5/*", 0),
            ("abc", 0),
            ("", 0),
            ("-5", 0),
            ("99999999999999999999999-1", i64::MAX),
        ] {
            assert_eq!(content_range_start(header), start, "{header:?}");
        }
    }

    #[test]
    fn patches_append_only_at_the_end_of_the_log() {
        assert_eq!(append(0, 0, 10), Append::Appended { size: 10 });
        assert_eq!(append(11, 11, 9), Append::Appended { size: 20 });
        assert_eq!(append(11, 15, 6), Append::Elsewhere { size: 11 });
        assert_eq!(append(11, 8, 13), Append::Elsewhere { size: 11 });
        assert_eq!(append(11, 11, 0), Append::Appended { size: 11 });
        let limit = (TRACE_SIZE_LIMIT_MB + 1) * 1024 * 1024;
        assert_eq!(append(limit - 10, limit - 10, 10), Append::TooLarge);
        assert_eq!(
            append(limit - 11, limit - 11, 10),
            Append::Appended { size: limit - 1 }
        );
    }

    #[test]
    fn runner_states_finish_jobs_as_gitlab_does() {
        let running = Job {
            status: JobStatus::Running,
            finished_at: None,
            ..build(JobStatus::Running)
        };
        assert_eq!(
            update_state(&running, Some("running"), None, at(90)),
            StateUpdate::KeepAlive
        );
        let StateUpdate::Finished(success) = update_state(&running, Some("success"), None, at(90))
        else {
            panic!("success finishes");
        };
        assert_eq!(success.status, JobStatus::Success);
        assert_eq!(success.finished_at, Some(at(90)));
        let failed = |reason| match update_state(&running, Some("failed"), reason, at(90)) {
            StateUpdate::Finished(job) => job.failure_reason,
            other => panic!("failed finishes: {other:?}"),
        };
        assert_eq!(
            failed(Some("script_failure")).as_deref(),
            Some("script_failure")
        );
        assert_eq!(
            failed(Some("no_such_reason")).as_deref(),
            Some("unknown_failure")
        );
        assert_eq!(failed(None).as_deref(), Some("unknown_failure"));
        for state in [None, Some("canceled"), Some("pending"), Some("")] {
            assert_eq!(
                update_state(&running, state, None, at(90)),
                StateUpdate::Unknown
            );
        }
    }

    #[test]
    fn taking_a_build_starts_it_with_a_fresh_token() {
        let started = start(&pending(), 4, "glcbt-new".into(), at(30));
        assert_eq!(started.status, JobStatus::Running);
        assert_eq!(started.started_at, Some(at(30)));
        assert_eq!(started.runner_id, Some(4));
        assert_eq!(started.token.as_deref(), Some("glcbt-new"));
        let dropped = drop_job(&started, "trace_size_exceeded", at(40));
        assert_eq!(dropped.status, JobStatus::Failed);
        assert_eq!(
            dropped.failure_reason.as_deref(),
            Some("trace_size_exceeded")
        );
        assert_eq!(dropped.finished_at, Some(at(40)));
    }
}
