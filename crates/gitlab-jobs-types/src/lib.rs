//! Types of GitLab's REST Jobs API (v4), generated from `openapi/gitlab-jobs.yaml`.
//!
//! One set of types serves both sides: the `gitlab-jobs-client` crate decodes into them and
//! `gitlab-jobs-server` encodes from them, so a value the client receives is the value the
//! server sent, type for type. They derive serde, `schemars::JsonSchema` (schemars 0.8),
//! `Clone`, `Debug` and `PartialEq`; doc comments come from the document's descriptions.
//!
//! A newer GitLab than the document does not break them: keys the document does not declare
//! are ignored, and the string enums of response data ([`JobStatus`], [`FailureReason`],
//! [`RunnerRunnerType`], [`ArtifactFileFileFormat`]) keep a value they do not list as
//! `Unknown(String)`, which serialises back unchanged. Their `parse()` stays strict, as a
//! request parameter must be.
//!
//! ```
//! use gitlab_jobs_types::{Job, JobStatus};
//!
//! let job: Job = serde_json::from_str(r#"{
//!     "id": 7, "status": "failed", "stage": "test", "name": "rspec", "ref": "main",
//!     "tag": false, "coverage": null, "created_at": "2024-01-01T00:00:00Z",
//!     "started_at": null, "finished_at": null, "user": null, "runner": null,
//!     "commit": null,
//!     "pipeline": {"id": 1, "project_id": 1, "ref": "main", "sha": "abc", "status": "failed"},
//!     "failure_reason": "script_failure"
//! }"#).expect("a job as GitLab sends it");
//! assert_eq!(job.status, JobStatus::Failed);
//!
//! let newer: JobStatus = serde_json::from_str(r#""waiting_for_quantum_runner""#).expect("kept");
//! assert_eq!(newer, JobStatus::Unknown("waiting_for_quantum_runner".into()));
//! assert_eq!(serde_json::to_string(&newer).expect("written back"), r#""waiting_for_quantum_runner""#);
//! assert!("waiting_for_quantum_runner".parse::<JobStatus>().is_err());
//! ```

// progenitor marks its generated types `allow(clippy::all)`; we keep that where they now live.
#[allow(clippy::all)]
mod generated;

pub use generated::*;

#[doc(hidden)]
pub mod support;
