//! What may be done to a job, decided from the job alone.

use super::groups::StatusGroup;
use crate::model::{Job, JobKind, JobStatus, When};

/// `Processable#retryable?` (`app/models/ci/processable.rb`): not already retried, not
/// archived, and finished as success, failed or canceled (or canceling). Deployment rejection
/// and the bridge pipeline-depth checks are not modelled.
pub fn retryable(job: &Job) -> bool {
    !job.retried
        && !job.archived
        && matches!(
            job.status,
            JobStatus::Success | JobStatus::Failed | JobStatus::Canceled | JobStatus::Canceling
        )
}

/// `action?` (`app/models/ci/build.rb`): the job waits for a person (`when: manual`) or a timer
/// (`when: delayed`). A bridge can only be manual (`app/models/ci/bridge.rb`).
fn action(job: &Job) -> bool {
    match job.kind {
        JobKind::Build => matches!(job.when, When::Manual | When::Delayed),
        JobKind::Bridge => job.when == When::Manual,
    }
}

/// `Ci::Build#playable?` = `action? && !archived? && (manual? || scheduled? || retryable?)`
/// (deployment approval is not modelled); `Ci::Bridge#playable?` = `action? && !archived? &&
/// manual?`.
pub fn playable(job: &Job) -> bool {
    if !action(job) || job.archived {
        return false;
    }
    match job.kind {
        JobKind::Build => {
            matches!(job.status, JobStatus::Manual | JobStatus::Scheduled) || retryable(job)
        }
        JobKind::Bridge => job.status == JobStatus::Manual,
    }
}

/// `Ci::Build#erasable?` = `complete? && (artifacts? || has_job_artifacts? || has_trace?)`.
/// The caller says whether the job has artifacts of any kind and a log.
pub fn erasable(job: &Job, has_artifacts: bool, has_trace: bool) -> bool {
    job.kind == JobKind::Build
        && StatusGroup::Completed.contains(job.status)
        && (has_artifacts || has_trace)
}

/// `Ci::Build#cancelable?` = `active? || created?`. The cancel endpoint does not ask it (it
/// fires the event and answers 201 either way), but the UI does.
pub fn cancelable(job: &Job) -> bool {
    StatusGroup::Active.contains(job.status) || job.status == JobStatus::Created
}

/// `expose :failure_reason, if: -> (job) { job.failed? }` (`job_basic.rb`): the reason is
/// shown only while the job is failed (a retried-then-canceled job keeps it stored, unshown).
/// A failed job without a stored reason shows `unknown_failure`: the enum maps a NULL column
/// to it (`unknown_failure: nil` in `Enums::Ci::CommitStatus.failure_reasons`,
/// `app/models/concerns/enums/ci/commit_status.rb`; Rails' enum reader, like GitLab's former
/// `EnumWithNil#failure_reason`, answers the key of `nil`).
pub fn shown_failure_reason(job: &Job) -> Option<&str> {
    (job.status == JobStatus::Failed)
        .then(|| job.failure_reason.as_deref().unwrap_or(UNKNOWN_FAILURE))
}

/// The failure reason of a NULL `failure_reason` column.
pub const UNKNOWN_FAILURE: &str = "unknown_failure";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{build, manual_build};

    #[test]
    fn only_finished_latest_unarchived_jobs_are_retryable() {
        for status in [JobStatus::Success, JobStatus::Failed, JobStatus::Canceled] {
            assert!(retryable(&build(status)), "{status} is retryable");
        }
        for status in [
            JobStatus::Running,
            JobStatus::Pending,
            JobStatus::Manual,
            JobStatus::Skipped,
        ] {
            assert!(!retryable(&build(status)), "{status} is not retryable");
        }
        let retried = Job {
            retried: true,
            ..build(JobStatus::Failed)
        };
        assert!(!retryable(&retried));
        let archived = Job {
            archived: true,
            ..build(JobStatus::Failed)
        };
        assert!(!retryable(&archived));
    }

    #[test]
    fn manual_and_finished_manual_jobs_are_playable() {
        assert!(playable(&manual_build()));
        let scheduled = Job {
            status: JobStatus::Scheduled,
            when: When::Delayed,
            ..manual_build()
        };
        assert!(playable(&scheduled));
        let finished_manual = Job {
            status: JobStatus::Success,
            ..manual_build()
        };
        assert!(
            playable(&finished_manual),
            "a finished action is played by retrying it"
        );
        let running_manual = Job {
            status: JobStatus::Running,
            ..manual_build()
        };
        assert!(!playable(&running_manual));
        assert!(!playable(&build(JobStatus::Success)), "not an action");
        let archived = Job {
            archived: true,
            ..manual_build()
        };
        assert!(!playable(&archived));
    }

    #[test]
    fn bridges_are_playable_only_while_manual() {
        let bridge = Job {
            kind: JobKind::Bridge,
            ..manual_build()
        };
        assert!(playable(&bridge));
        let finished = Job {
            status: JobStatus::Success,
            ..bridge.clone()
        };
        assert!(!playable(&finished));
        let delayed = Job {
            when: When::Delayed,
            status: JobStatus::Scheduled,
            ..bridge
        };
        assert!(!playable(&delayed));
    }

    #[test]
    fn erasable_needs_a_complete_job_with_something_to_erase() {
        assert!(erasable(&build(JobStatus::Success), false, true));
        assert!(erasable(&build(JobStatus::Failed), true, false));
        assert!(!erasable(&build(JobStatus::Success), false, false));
        assert!(!erasable(&build(JobStatus::Running), true, true));
        assert!(!erasable(&manual_build(), true, true));
    }

    #[test]
    fn failure_reason_is_shown_only_for_failed_jobs() {
        let failed = Job {
            failure_reason: Some("script_failure".into()),
            ..build(JobStatus::Failed)
        };
        assert_eq!(shown_failure_reason(&failed), Some("script_failure"));
        let no_reason = build(JobStatus::Failed);
        assert_eq!(
            shown_failure_reason(&no_reason),
            Some("unknown_failure"),
            "a NULL reason reads as unknown_failure"
        );
        let success = Job {
            failure_reason: Some("script_failure".into()),
            ..build(JobStatus::Success)
        };
        assert_eq!(shown_failure_reason(&success), None, "the key is absent");
    }

    #[test]
    fn cancelable_means_active_or_created() {
        assert!(cancelable(&build(JobStatus::Running)));
        assert!(cancelable(&build(JobStatus::Created)));
        assert!(!cancelable(&build(JobStatus::Success)));
        assert!(!cancelable(&manual_build()));
    }
}
