//! The contract of GitLab's Jobs API: `openapi/gitlab-jobs.yaml`, compiled in, its schemas as
//! JSON Schema, and checks of real responses against it.
//!
//! - [`spec`]: the document (compiled in, or read from a file) and `$ref` resolution.
//! - [`operations`]: its operations, parameters and responses.
//! - [`convert`]: OpenAPI 3.0 schema objects → JSON Schema draft 4 (nullability, closed objects).
//! - [`validate`]: compiled validators and the violations they find.
//! - [`conformance`]: one HTTP response against its operation (status, headers, content type,
//!   body), as [`Finding`]s with JSON pointers.
//! - [`http`]: raw `GET`s against a GitLab API with one credential.
//! - [`record`]: a project's jobs, pipelines, traces and artifacts as a fixture file of the
//!   reference server (`gitlab-jobs record`).
//! - [`verify`]: every read-only operation of one project of a live GitLab, checked
//!   (`gitlab-jobs verify`).
//!
//! ```
//! use gitlab_jobs_contract::{Observed, Spec, Validators, conformance};
//! let spec = Spec::embedded()?;
//! let validators = Validators::new(spec)?;
//! let response = Observed {
//!     status: 200,
//!     headers: vec![("content-type".into(), "application/json".into())],
//!     body: br#"{"id": 1, "status": "ok"}"#.to_vec(),
//! };
//! let findings = conformance::check(&validators, "get_job", &response)?;
//! assert!(findings.iter().any(|f| f.pointer == "/status"), "{findings:?}");
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod conformance;
pub mod convert;
pub mod http;
pub mod operations;
pub mod pointer;
pub mod record;
pub mod spec;
pub mod validate;
pub mod verify;

pub use conformance::{Finding, FindingKind, Observed, Severity};
pub use operations::{Operation, Parameter, Response};
pub use spec::Spec;
pub use validate::{Validators, Violation};
