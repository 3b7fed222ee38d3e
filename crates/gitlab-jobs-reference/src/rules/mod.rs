//! GitLab's job state machine and predicates as pure functions over the domain types, so that
//! every store (SQLite now, PostgreSQL later) applies the same rules.
//!
//! Sources: `app/models/concerns/ci/has_status.rb`, `app/models/commit_status.rb`,
//! `app/models/ci/build.rb`, `app/models/ci/processable.rb`, `app/models/ci/bridge.rb`,
//! `app/services/ci/retry_job_service.rb`, `app/services/ci/play_build_service.rb`,
//! `lib/ci/inputs/*.rb` (job inputs).

pub mod artifacts;
pub mod groups;
pub mod inputs;
pub mod predicates;
pub mod processing;
pub mod profile;
pub mod runner;
pub mod timing;
pub mod transitions;

pub use groups::{StatusGroup, composite_status};
pub use predicates::{cancelable, erasable, playable, retryable, shown_failure_reason};
pub use processing::{
    Processed, process_after_change, process_pipeline, reset_skipped, stage_positions,
};
pub use profile::work_information;
pub use timing::{duration, queued_duration};
pub use transitions::{
    PlayOutcome, Retry, TransitionError, cancel, clone_for_retry, enqueue, play,
};

#[cfg(test)]
pub(crate) mod test_support {
    use chrono::{DateTime, TimeZone, Utc};

    use crate::model::{Job, JobStatus, When};

    pub fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + seconds, 0)
            .single()
            .expect("valid test time")
    }

    /// A finished, successful build started at `at(10)` and finished at `at(70)`.
    pub fn build(status: JobStatus) -> Job {
        Job {
            id: 7,
            status,
            coverage: Some(98.5),
            queued_at: Some(at(5)),
            started_at: Some(at(10)),
            finished_at: Some(at(70)),
            user_id: Some(1),
            runner_id: Some(3),
            tag_list: vec!["docker".into()],
            token: Some("job-token".into()),
            ..Job::created_build(1, 6, "rspec", "test", "main", at(0))
        }
    }

    /// A manual build that has not run yet.
    pub fn manual_build() -> Job {
        Job {
            status: JobStatus::Manual,
            when: When::Manual,
            queued_at: None,
            started_at: None,
            finished_at: None,
            coverage: None,
            runner_id: None,
            ..build(JobStatus::Manual)
        }
    }
}
