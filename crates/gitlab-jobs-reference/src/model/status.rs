//! Job and pipeline statuses, as `app/models/concerns/ci/has_status.rb` names them.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every status a job (or a pipeline) can have: `CommitStatus::AVAILABLE_STATUSES` of the newest
/// GitLab (`waiting_for_callback` and `canceling` are newer than the rest).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Created,
    WaitingForResource,
    Preparing,
    WaitingForCallback,
    Pending,
    Running,
    Success,
    Failed,
    Canceling,
    Canceled,
    Skipped,
    Manual,
    Scheduled,
}

impl JobStatus {
    /// In the order of `AVAILABLE_STATUSES`, which is also the order GitLab validates `scope` in.
    pub const ALL: [JobStatus; 13] = [
        JobStatus::Created,
        JobStatus::WaitingForResource,
        JobStatus::Preparing,
        JobStatus::WaitingForCallback,
        JobStatus::Pending,
        JobStatus::Running,
        JobStatus::Success,
        JobStatus::Failed,
        JobStatus::Canceling,
        JobStatus::Canceled,
        JobStatus::Skipped,
        JobStatus::Manual,
        JobStatus::Scheduled,
    ];

    /// `COMPLETED_STATUSES` (app/models/concerns/ci/has_status.rb): success, failed, canceled,
    /// skipped.
    pub fn is_completed(self) -> bool {
        matches!(
            self,
            JobStatus::Success | JobStatus::Failed | JobStatus::Canceled | JobStatus::Skipped
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Created => "created",
            JobStatus::WaitingForResource => "waiting_for_resource",
            JobStatus::Preparing => "preparing",
            JobStatus::WaitingForCallback => "waiting_for_callback",
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Success => "success",
            JobStatus::Failed => "failed",
            JobStatus::Canceling => "canceling",
            JobStatus::Canceled => "canceled",
            JobStatus::Skipped => "skipped",
            JobStatus::Manual => "manual",
            JobStatus::Scheduled => "scheduled",
        }
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value is not one of `AVAILABLE_STATUSES`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown job status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for JobStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// The `when` keyword of a job (`.gitlab-ci.yml`), which decides whether it is an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum When {
    #[default]
    OnSuccess,
    OnFailure,
    Always,
    Manual,
    Delayed,
}

impl When {
    pub fn as_str(self) -> &'static str {
        match self {
            When::OnSuccess => "on_success",
            When::OnFailure => "on_failure",
            When::Always => "always",
            When::Manual => "manual",
            When::Delayed => "delayed",
        }
    }
}

impl FromStr for When {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            When::OnSuccess,
            When::OnFailure,
            When::Always,
            When::Manual,
            When::Delayed,
        ]
        .into_iter()
        .find(|when| when.as_str() == s)
        .ok_or_else(|| format!("unknown `when` value {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for status in JobStatus::ALL {
            assert_eq!(status.as_str().parse::<JobStatus>(), Ok(status));
            let json = serde_json::to_value(status).expect("serialises");
            assert_eq!(json, serde_json::Value::String(status.as_str().to_owned()));
        }
        assert!("started".parse::<JobStatus>().is_err());
    }

    #[test]
    fn when_parses_its_yaml_names() {
        assert_eq!("manual".parse::<When>(), Ok(When::Manual));
        assert_eq!("delayed".parse::<When>(), Ok(When::Delayed));
        assert!("later".parse::<When>().is_err());
    }
}
