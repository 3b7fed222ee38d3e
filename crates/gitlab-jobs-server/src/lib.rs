//! The server side of GitLab's REST Jobs API (v4): the [`JobsApi`] trait, one typed request
//! and response per operation, and [`router`], an axum router that serves an implementation
//! under `/api/v4` with GitLab's validation, authentication forms and error bodies.
//!
//! What an implementation uses:
//!
//! - [`JobsApi`] and [`router`], generated from `openapi/gitlab-jobs.yaml`;
//! - [`requests`]: one struct per operation (`GetJobRequest`), its parameters parsed and
//!   validated, with the request's [`Credentials`] and [`RequestContext`];
//! - [`responses`]: one enum per operation (`GetJobResponse`), a variant per status the
//!   document lists, and the typed headers of those that send any (`GetJobOkHeaders`);
//!   every enum is an [`ErrorResponse`];
//! - [`JsonBody`]: the body of every success variant that sends JSON, the value itself
//!   (`job.into()`) or an [`Encoded`] kept from an earlier answer, sent without serialising it
//!   again;
//! - [`pagination`]: GitLab's page sizes, offset headers and keyset links for list operations,
//!   as a [`pagination::PageHeaders`] that every list's `Ok` headers convert from (`into()`);
//! - [`types`]: the document's schemas (the `gitlab-jobs-types` crate).
//!
//! The requests and responses are also re-exported at the crate root
//! (`gitlab_jobs_server::GetJobRequest`).
//!
//! # Example
//!
//! An implementation answers each operation from its typed request; the router has already
//! authenticated and validated it (here `job_id` is an integer and `credentials` holds a
//! token in a form `get_job` accepts). Only `get_job` is implemented: every other method
//! answers `404 {"error":"404 Not Found"}` until it is, as GitLab answers for a route it does
//! not have. An error kept as a status and a GitLab error body becomes the documented variant
//! of that status with [`ErrorResponse::from_error`] (a status the operation does not
//! document becomes `Undocumented`, sent as it is). In a program the router is served with
//! `axum::serve(tokio::net::TcpListener::bind("0.0.0.0:8080").await?, app)`; this example
//! calls it in-process instead.
//!
//! ```
//! use std::collections::HashMap;
//! use std::sync::Arc;
//!
//! use gitlab_jobs_server::{GetJobRequest, GetJobResponse, JobsApi, router, types};
//! use tower::ServiceExt as _;
//!
//! /// The jobs of project 1 (`group/project`), by id.
//! struct Jobs(HashMap<i64, types::Job>);
//!
//! fn message(text: &str) -> types::Error {
//!     types::Error {
//!         message: Some(types::ErrorMessage::String(text.to_string())),
//!         ..Default::default()
//!     }
//! }
//!
//! impl JobsApi for Jobs {
//!     async fn get_job(&self, request: GetJobRequest) -> GetJobResponse {
//!         if request.credentials.token() != Some("secret") {
//!             return GetJobResponse::Unauthorized {
//!                 body: message("401 Unauthorized"),
//!                 headers: Default::default(),
//!             };
//!         }
//!         if request.id != "1" && request.id != "group/project" {
//!             return GetJobResponse::NotFound(message("404 Project Not Found"));
//!         }
//!         match self.0.get(&request.job_id) {
//!             Some(job) => GetJobResponse::Ok(job.clone().into()),
//!             None => GetJobResponse::NotFound(message("404 Not found")),
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let job: types::Job = serde_json::from_value(serde_json::json!({
//!     "id": 7, "status": "success", "stage": "test", "name": "rspec", "ref": "main",
//!     "tag": false, "coverage": null, "created_at": "2024-01-01T00:00:00Z",
//!     "started_at": null, "finished_at": null, "user": null, "runner": null, "commit": null,
//!     "pipeline": {"id": 1, "sha": "abc", "ref": "main", "status": "success"}
//! }))
//! .expect("a job");
//! let app = router(Arc::new(Jobs(HashMap::from([(7, job.clone())]))));
//!
//! // One request through the router, as `axum::serve` would pass it.
//! let call = |uri: &str, token: Option<&str>| {
//!     let mut request = http::Request::get(uri);
//!     if let Some(token) = token {
//!         request = request.header("PRIVATE-TOKEN", token);
//!     }
//!     let request = request.body(axum::body::Body::empty()).expect("a request");
//!     let app = app.clone();
//!     async move {
//!         let response = app.oneshot(request).await.expect("routers do not fail");
//!         let status = response.status().as_u16();
//!         let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body");
//!         (status, serde_json::from_slice::<serde_json::Value>(&body).expect("JSON"))
//!     }
//! };
//!
//! let (status, body) = call("/api/v4/projects/group%2Fproject/jobs/7", Some("secret")).await;
//! assert_eq!(status, 200);
//! assert_eq!(serde_json::from_value::<types::Job>(body).expect("a job"), job);
//!
//! let (status, body) = call("/api/v4/projects/1/jobs/8", Some("secret")).await;
//! assert_eq!((status, body), (404, serde_json::json!({"message": "404 Not found"})));
//!
//! // The router answers these itself, in GitLab's words, before `get_job` is called.
//! let (status, body) = call("/api/v4/projects/1/jobs/seven", Some("secret")).await;
//! assert_eq!((status, body), (400, serde_json::json!({"error": "job_id is invalid"})));
//! let (status, body) = call("/api/v4/projects/1/jobs/7", None).await;
//! assert_eq!((status, body), (401, serde_json::json!({"message": "401 Unauthorized"})));
//!
//! // A method the implementation leaves out: the trait's default answer.
//! let (status, body) = call("/api/v4/projects/1/jobs/7/trace", Some("secret")).await;
//! assert_eq!((status, body), (404, serde_json::json!({"error": "404 Not Found"})));
//! # }
//! ```

mod context;
mod credentials;
mod error_response;
mod generated;
mod json_body;
pub mod pagination;
pub mod params;
#[doc(hidden)]
pub mod support;

pub use context::RequestContext;
pub use credentials::{Credentials, Scheme, Security};
pub use error_response::ErrorResponse;
pub use generated::{JobsApi, requests, responses, router};
#[doc(no_inline)]
pub use generated::{requests::*, responses::*};
pub use gitlab_jobs_types as types;
pub use json_body::{Encoded, JsonBody};
