//! `gitlab-jobs verify`: walks every read-only operation a credential allows on one project
//! of a live GitLab and checks each answer against the document ([`crate::conformance`]).
//!
//! It only ever sends `GET`s; the operations that change something (cancel, retry, play,
//! erase, keep, delete) are listed in the report as not exercised. The outcome is a
//! [`Report`]: [`Report::exit_code`] is 0 when clean (warnings allowed), 1 on drift, 2 when
//! the check could not run (no connection, credential refused, project not found).

mod report;
mod walk;

use serde::Serialize;

pub use crate::http::{Api, Credential, encode_segment};
pub use report::{junit, text};

use crate::conformance::{Finding, Severity};
use crate::validate::Validators;

/// What to check.
#[derive(Debug, Clone)]
pub struct Target {
    /// The API root, e.g. `https://gitlab.example.com/api/v4`.
    pub api_url: String,
    pub credential: Credential,
    /// Id or `group/project`; with a job token it may be `None` (the job's project is used).
    pub project: Option<String>,
}

/// How far to walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Items per page of every list (1..=100).
    pub per_page: u32,
    /// Pages read of the unfiltered job list, both with offset and keyset pagination.
    pub pages: u32,
    /// Pipelines whose jobs and bridges are listed.
    pub pipelines: usize,
    /// Jobs fetched one by one (with their traces), chosen to cover as many statuses as
    /// possible.
    pub jobs: usize,
    /// Jobs whose artifacts (archive, one file, and both by ref) are fetched.
    pub artifacts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_page: 20,
            pages: 3,
            pipelines: 3,
            jobs: 10,
            artifacts: 2,
        }
    }
}

/// One request and what the check found in its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub operation_id: String,
    /// `GET` followed by the path and query under the API root.
    pub request: String,
    /// `None` when no answer came (see `error`).
    pub status: Option<u16>,
    pub findings: Vec<Finding>,
    /// Why the request got no answer (connection refused, timeout...).
    pub error: Option<String>,
}

impl Case {
    /// Findings of this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// A documented operation the walk did not call, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotExercised {
    pub operation_id: String,
    pub reason: String,
}

/// The result of one check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub api_url: String,
    pub project: Option<String>,
    /// `PRIVATE-TOKEN`, `JOB-TOKEN`, `OAuth` or `anonymous`.
    pub credential: &'static str,
    /// Where the document came from.
    pub document: String,
    pub cases: Vec<Case>,
    pub not_exercised: Vec<NotExercised>,
    /// Why the check stopped early, when it did: the verdict is then "could not run".
    pub aborted: Option<String>,
}

/// Totals of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub requests: usize,
    pub operations: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Requests that got no answer.
    pub failed_requests: usize,
    pub exit_code: u8,
}

impl Report {
    /// Totals, and the exit code they mean.
    pub fn summary(&self) -> Summary {
        let mut operations: Vec<&str> =
            self.cases.iter().map(|c| c.operation_id.as_str()).collect();
        operations.sort_unstable();
        operations.dedup();
        let errors = self.cases.iter().map(|c| c.count(Severity::Error)).sum();
        let failed_requests = self.cases.iter().filter(|c| c.error.is_some()).count();
        let exit_code = if self.aborted.is_some() || failed_requests > 0 {
            2
        } else if errors > 0 {
            1
        } else {
            0
        };
        Summary {
            requests: self.cases.len(),
            operations: operations.len(),
            errors,
            warnings: self.cases.iter().map(|c| c.count(Severity::Warning)).sum(),
            failed_requests,
            exit_code,
        }
    }

    /// 0 clean (warnings allowed), 1 drift, 2 could not run.
    pub fn exit_code(&self) -> u8 {
        self.summary().exit_code
    }

    /// The report as one JSON document (what `--json` prints).
    pub fn to_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = value.as_object_mut() {
            map.insert(
                "summary".into(),
                serde_json::to_value(self.summary()).unwrap_or_default(),
            );
        }
        value
    }
}

/// Walks `target` within `limits`, checking every answer with `validators`.
///
/// Never fails: a problem that stops the walk (bad URL, no connection, credential refused,
/// project not found) is the report's `aborted`, so it can still be printed and exported.
pub async fn run(validators: &Validators<'_>, target: &Target, limits: Limits) -> Report {
    walk::run(validators, target, limits).await
}
